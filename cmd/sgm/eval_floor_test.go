package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// evalJSON runs sgm eval --json with args and decodes its report.
func evalJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, stdout, stderr := runSGM(t, append([]string{"eval", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("eval %v: exit %d: %s", args, code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("eval %v printed %q: %v", args, stdout, err)
	}
	return r
}

// writeSamples writes points of dimension 2 to a CSV file in dir.
func writeSamples(t *testing.T, dir, name string, pts []float64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := data.WriteCSVFile(path, []string{"x0", "x1"}, pts); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEvalFloors checks that every metric comes with its noise floor, and
// that the floor is what exact sampling scores: exact draws score about
// their floor, draws from a wrong distribution far above it.
func TestEvalFloors(t *testing.T) {
	dir := t.TempDir()
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	exact := writeSamples(t, dir, "exact.csv", m.Sample(nil, 2000, rand.New(rand.NewPCG(7, 7))))
	// One mode only: the mode weights are 1 and 0, not ½ and ½.
	one, err := dist.NewMixture(m.Components()[:1])
	if err != nil {
		t.Fatal(err)
	}
	wrong := writeSamples(t, dir, "wrong.csv", one.Sample(nil, 2000, rand.New(rand.NewPCG(7, 7))))
	metrics := []string{"swd", "mmd", "mode_weight_error"}
	good := evalJSON(t, "--samples", exact, "--target", "seed-mog", "--w-points", "100")
	bad := evalJSON(t, "--samples", wrong, "--target", "seed-mog", "--w-points", "100")
	for _, k := range metrics {
		g, gf := good[k].(float64), good[k+"_floor"].(float64)
		b, bf := bad[k].(float64), bad[k+"_floor"].(float64)
		// Exact draws: the metric and its floor are two draws of one
		// statistic. SWD of 2000 points scatters by about a fifth of its
		// value; MMD² and the mode-weight error about zero by their
		// standard errors, 1e-3 and 0.011 (binomial, 2000 draws) at most.
		if k == "swd" && !(g < 2*gf && gf < 2*g) {
			t.Errorf("exact draws: swd %v, floor %v; want within a factor 2", g, gf)
		}
		if k != "swd" && !(g < gf+0.05 && gf < 0.05) {
			t.Errorf("exact draws: %s %v, floor %v; want both near zero", k, g, gf)
		}
		if !(b > 5*bf) {
			t.Errorf("one mode only: %s %v, floor %v; want far above it", k, b, bf)
		}
	}
	// The text form has them too.
	_, stdout, _ := runSGM(t, "eval", "--samples", wrong, "--target", "seed-mog", "--w-points", "100")
	for _, k := range append(metrics, "w2", "w1", "energy", "rbf_mmd_cfm") {
		if !strings.Contains(stdout, "\n"+k+"_floor ") || !strings.Contains(stdout, "\n"+k+"_floor_sd ") {
			t.Errorf("text report has no %s_floor or %[1]s_floor_sd: %q", k, stdout)
		}
	}
	if !strings.Contains(stdout, "\nfloor_reps                  8\n") {
		t.Errorf("text report does not say floor_reps 8: %q", stdout)
	}
	// An image target: each histogram metric too.
	img := writeSamples(t, dir, "img.csv", []float64{0.5, 0.5, 0.2, 0.7, 0.4, 0.4, 0.6, 0.3})
	r := evalJSON(t, "--samples", img, "--target", "mnist:train:0", "--sigma", "0.0221")
	for _, k := range []string{"swd", "mmd", "hist_corr", "hist_tv", "hist_corr_smoothed", "hist_tv_smoothed"} {
		if _, ok := r[k+"_floor_sd"]; !ok {
			t.Errorf("image report has no %s_floor_sd: %v", k, r)
		}
	}
}

// TestEvalToyFloorIID checks that exact independent draws of a toy read
// about 1.0x their floors: the floors are of independent draws, where
// they were of the toy's generator, which spaces circles, rings and moons
// evenly in angle, and an exact sampler of independent points read 1.4x
// its W₂ floor on moons (issue 20). Each metric of the exact draws is one
// more draw of what its floor averages over 8 pairs: within 4 floor
// standard deviations of the floor's mean (the mean's own error adds
// 1/8 to the variance; a 4-sd miss has probability about 1e-4 per check).
func TestEvalToyFloorIID(t *testing.T) {
	const n = 300
	dir := t.TempDir()
	for i, toy := range []data.Toy{data.ToyMoons, data.ToyCircles, data.ToyRings} {
		s := writeSamples(t, dir, string(toy)+".csv", toy.IID().Sample(nil, n, rand.New(rand.NewPCG(uint64(i), 9))))
		r := evalJSON(t, "--samples", s, "--target", "toy:"+string(toy), "--w-points", fmt.Sprint(n))
		for _, k := range []string{"w2", "w1", "energy", "rbf_mmd_cfm"} {
			v, f, sd := r[k].(float64), r[k+"_floor"].(float64), r[k+"_floor_sd"].(float64)
			if !(sd > 0) || math.Abs(v-f) > 4*sd*math.Sqrt(1+1.0/8) {
				t.Errorf("%s: exact independent draws read %s %.4g = %.2fx the floor %.4g ± %.2g", toy, k, v, v/f, f, sd)
			}
		}
	}
}

// TestEvalFarSamples checks samples at ±1e308, on which metric.MMD
// panicked (an infinite median bandwidth): they are measured, far from the
// target; and that eval says in one line that it leaves out W₂, W₁, the
// energy distance and RBF-MMD, whose squared distances would overflow (it
// left them out without a word).
func TestEvalFarSamples(t *testing.T) {
	far := writeSamples(t, t.TempDir(), "far.csv", []float64{1e308, -1e308, -1e308, 1e308, 0.5, 0.5, 1e308, 1e308})
	r := evalJSON(t, "--samples", far, "--target", "seed-mog")
	swd, _ := r["swd"].(float64)
	mmd, ok := r["mmd"].(float64)
	if !(swd > 1e307) || !ok || !(mmd > r["mmd_floor"].(float64)) {
		t.Errorf("far samples: swd %v, mmd %v (floor %v); want both measured and far above the floor", r["swd"], r["mmd"], r["mmd_floor"])
	}
	if _, ok := r["w2"]; ok {
		t.Errorf("far samples: w2 %v, want it left out", r["w2"])
	}
	_, _, stderr := runSGM(t, "eval", "--samples", far, "--target", "seed-mog")
	want := "eval: w2, w1, energy and rbf_mmd left out: sample 1 has coordinate 1e+308, beyond ±1e+100"
	if !strings.Contains(stderr, want+", the largest the point metrics measure; a diverged sampler? (their squared distances would overflow)\n") {
		t.Errorf("stderr %q, want the line %q...", stderr, want)
	}
}

// TestEvalLimits checks eval's refusals: the noise levels of the issue, and
// sizes beyond memory, with the limit in the message.
func TestEvalLimits(t *testing.T) {
	dir := t.TempDir()
	s := writeSamples(t, dir, "s.csv", []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6})
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--sigma: noise level must be non-negative and finite, got +Inf", []string{"--target", "seed-mog", "--sigma", "Inf"}},
		{"--sigma: noise level 1e+200 is too large", []string{"--target", "seed-mog", "--sigma", "1e200"}},
		{"--sigma: noise level 1e-300 is too small", []string{"--target", "mnist:train:0", "--sigma", "1e-300"}},
		{"--mmd-points 9223372036854775807: the median heuristic's pairwise distances would take", []string{"--target", "seed-mog", "--mmd-points", "9223372036854775807"}},
		{"--projections 9223372036854775807 is too large: at most 1099511627776", []string{"--target", "seed-mog", "--projections", "9223372036854775807"}},
	} {
		refusal(t, "", tc.want, append([]string{"eval", "--samples", s}, tc.args...)...)
	}
}

// TestEvalMaxSamples checks that a file of more than --max-samples samples
// is measured on that many, drawn at random, and says so.
func TestEvalMaxSamples(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	s := writeSamples(t, t.TempDir(), "s.csv", m.Sample(nil, 500, rand.New(rand.NewPCG(1, 1))))
	code, stdout, stderr := runSGM(t, "eval", "--samples", s, "--target", "seed-mog", "--max-samples", "100", "--w-points", "50", "--json")
	if code != 0 || !strings.Contains(stderr, "measuring 100 of the 500 samples") || !strings.Contains(stdout, `"n":100,`) {
		t.Errorf("--max-samples 100 of 500: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runSGM(t, "eval", "--samples", s, "--target", "seed-mog", "--w-points", "50", "--json"); code != 0 || strings.Contains(stderr, "measuring") || !strings.Contains(stdout, fmt.Sprintf(`"n":%d,`, 500)) {
		t.Errorf("500 samples under the default: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
