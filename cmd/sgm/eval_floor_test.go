package main

import (
	"encoding/json"
	"fmt"
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
	good := evalJSON(t, "--samples", exact, "--target", "seed-mog")
	bad := evalJSON(t, "--samples", wrong, "--target", "seed-mog")
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
	_, stdout, _ := runSGM(t, "eval", "--samples", wrong, "--target", "seed-mog")
	for _, k := range metrics {
		if !strings.Contains(stdout, "\n"+k+"_floor ") {
			t.Errorf("text report has no %s_floor: %q", k, stdout)
		}
	}
	// An image target: each histogram metric too.
	img := writeSamples(t, dir, "img.csv", []float64{0.5, 0.5, 0.2, 0.7, 0.4, 0.4, 0.6, 0.3})
	r := evalJSON(t, "--samples", img, "--target", "mnist:train:0", "--sigma", "0.0221")
	for _, k := range []string{"swd", "mmd", "hist_corr", "hist_tv", "hist_corr_smoothed", "hist_tv_smoothed"} {
		if _, ok := r[k+"_floor"]; !ok {
			t.Errorf("image report has no %s_floor: %v", k, r)
		}
	}
}

// TestEvalFarSamples checks samples at ±1e308, on which metric.MMD
// panicked (an infinite median bandwidth): they are measured, far from the
// target.
func TestEvalFarSamples(t *testing.T) {
	far := writeSamples(t, t.TempDir(), "far.csv", []float64{1e308, -1e308, -1e308, 1e308, 0.5, 0.5, 1e308, 1e308})
	r := evalJSON(t, "--samples", far, "--target", "seed-mog")
	swd, _ := r["swd"].(float64)
	mmd, ok := r["mmd"].(float64)
	if !(swd > 1e307) || !ok || !(mmd > r["mmd_floor"].(float64)) {
		t.Errorf("far samples: swd %v, mmd %v (floor %v); want both measured and far above the floor", r["swd"], r["mmd"], r["mmd_floor"])
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
	code, stdout, stderr := runSGM(t, "eval", "--samples", s, "--target", "seed-mog", "--max-samples", "100", "--json")
	if code != 0 || !strings.Contains(stderr, "measuring 100 of the 500 samples") || !strings.Contains(stdout, `"n":100,`) {
		t.Errorf("--max-samples 100 of 500: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runSGM(t, "eval", "--samples", s, "--target", "seed-mog", "--json"); code != 0 || stderr != "" || !strings.Contains(stdout, fmt.Sprintf(`"n":%d,`, 500)) {
		t.Errorf("500 samples under the default: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
