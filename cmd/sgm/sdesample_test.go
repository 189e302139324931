package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
)

// TestSDESample runs every SDE sampler on the two-modes-unequal preset and
// checks the NFE it reports against its budget and the weight of the mode
// at (5, 5), 0.8, within 5 standard errors of 500 samples (0.09) plus 0.05
// for the VE prior's mismatch (sde.DefaultSigmaMax's comment: 0.05 at
// σ_max = 20, less at 50).
func TestSDESample(t *testing.T) {
	dir := t.TempDir()
	nfeRe := regexp.MustCompile(`nfe (\d+)`)
	for _, c := range []struct {
		sde, sampler string
		args         []string
		nfe          int // 0: adaptive
	}{
		{"vp", "em", []string{"--nfe", "200"}, 200},
		{"ve", "pc", []string{"--nfe", "200", "--snr", "0.1"}, 200},
		{"subvp", "ode", []string{"--rtol", "1e-4", "--atol", "1e-4"}, 0},
		{"ve", "heun", []string{"--nfe", "21"}, 21},
		{"vp", "ddim", []string{"--nfe", "50", "--eta", "0.5"}, 50},
		{"subvp", "dpm2m", nil, 20},
	} {
		out := filepath.Join(dir, c.sde+c.sampler+".csv")
		args := append([]string{"sample", "--target", "two-modes-unequal", "--sde", c.sde, "--sampler", c.sampler, "--n", "500", "--out", out}, c.args...)
		code, stdout, stderr := runSGM(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		m := nfeRe.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("%v: stdout %q reports no nfe", args, stdout)
		}
		if nfe, _ := strconv.Atoi(m[1]); c.nfe != 0 && nfe != c.nfe || nfe < 1 {
			t.Errorf("%v: nfe %d, want %d", args, nfe, c.nfe)
		}
		_, pts, err := data.ReadCSVFile(out)
		if err != nil || len(pts) != 1000 {
			t.Fatalf("%v: %d values, %v", args, len(pts), err)
		}
		var right float64
		for i := 0; i < len(pts); i += 2 {
			if pts[i] > 0 {
				right++
			}
		}
		if w := right / 500; math.Abs(w-0.8) > 0.09+0.05 {
			t.Errorf("%s %s: weight of the mode at (5, 5) %.3f, want 0.8", c.sde, c.sampler, w)
		}
	}
}

func TestSDESampleRefusals(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.csv")
	base := []string{"sample", "--target", "seed-mog", "--out", out}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--sampler ddim needs --sde vp", []string{"--sde", "ve", "--sampler", "ddim"}},
		{"--sampler ddim needs --sde vp", []string{"--sde", "subvp", "--sampler", "ddim"}},
		{"--eta applies only to --sampler ddim", []string{"--sde", "vp", "--sampler", "dpm2m", "--eta", "0.5"}},
		{"--snr applies only to --sampler pc", []string{"--sde", "vp", "--sampler", "em", "--snr", "0.1"}},
		{"--rtol applies only to --sampler ode", []string{"--sde", "vp", "--sampler", "heun", "--rtol", "1e-3"}},
		{"--nfe applies to the fixed-step samplers", []string{"--sde", "vp", "--sampler", "ode", "--nfe", "10"}},
		{"--nfe must be at most 100000", []string{"--sde", "vp", "--sampler", "em", "--nfe", "1000000"}},
		{"--nfe must be at least 2", []string{"--sde", "vp", "--sampler", "pc", "--nfe", "1"}},
		{"--nfe must be at least 1", []string{"--sde", "vp", "--sampler", "dpm2m", "--nfe", "-3"}},
		{"--eta must be in [0, 1]", []string{"--sde", "vp", "--sampler", "ddim", "--eta", "2"}},
		{"--snr must be in (0, 10]", []string{"--sde", "ve", "--sampler", "pc", "--snr", "NaN"}},
		{"--rtol must be in [1e-12, 0.1]", []string{"--sde", "ve", "--sampler", "ode", "--rtol", "0"}},
		{"--atol must be in [1e-12, 0.1]", []string{"--sde", "ve", "--atol", "1"}},
		{"--sde is required", []string{"--sampler", "em"}},
		{"unknown SDE \"edm\"", []string{"--sde", "edm"}},
		{"--sigma-max applies only to --sde ve", []string{"--sde", "vp", "--sigma-max", "10"}},
		{"--sigma-max must be in", []string{"--sde", "ve", "--sigma-max", "0.001"}},
		{"--nfe applies only with --sde", []string{"--nfe", "10"}},
		{"--steps does not apply with --sde", []string{"--sde", "vp", "--steps", "10"}},
		{"--sampler \"langevin\": with --sde, want one of", []string{"--sde", "vp", "--sampler", "langevin"}},
		{"--sde does not apply with --model", []string{"--sde", "vp", "--model", dir, "--target", ""}},
		{"--n must be at least 1", []string{"--sde", "vp", "--n", "0"}},
		{"--n 100000000000", []string{"--sde", "vp", "--n", "100000000000"}},
		{"--target: ", []string{"--sde", "vp", "--target", "nosuch"}},
	} {
		refusal(t, out, c.want, append(append([]string{}, base...), c.args...)...)
	}
}

// TestEvalNLL checks eval --nll against the closed form of the mixture it
// reports beside: with the VP prior's mismatch and rtol 1e-6 the mean
// agrees within 1e-3 nats (likelihood's tests: per point), and
// bits_per_dim is nll_nats / (d log 2).
func TestEvalNLL(t *testing.T) {
	dir := t.TempDir()
	pts := filepath.Join(dir, "p.csv")
	if err := data.WriteCSVFile(pts, []string{"x", "y"}, []float64{0.5, 0.5, -0.2, 0.1, 1, -1}); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"target", pts} {
		code, stdout, stderr := runSGM(t, "eval", "--nll", "--data", spec, "--target", "seed-mog", "--sde", "vp", "--n", "200", "--rtol", "1e-6", "--atol", "1e-6", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r nllResult
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%q: %v", stdout, err)
		}
		wantN := map[bool]int{true: 200, false: 3}[spec == "target"]
		if r.N != wantN || r.NFE < 10 || !(r.SE > 0) {
			t.Errorf("%s: %+v", spec, r)
		}
		if r.Exact == nil || math.Abs(r.NLL-*r.Exact) > 1e-3 {
			t.Errorf("%s: nll_nats %v, closed form %v", spec, r.NLL, r.Exact)
		}
		if want := r.NLL / (2 * math.Ln2); math.Abs(r.BitsPerDim-want) > 1e-12 {
			t.Errorf("%s: bits_per_dim %v, want %v", spec, r.BitsPerDim, want)
		}
	}
	// The closed form of a single point, (0.5, 0.5) of seed-mog.
	code, stdout, _ := runSGM(t, "eval", "--nll", "--data", pts, "--target", "standard-normal", "--sde", "ve", "--json")
	var r nllResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	// -log N(x; 0, I) averaged over the three points: log 2π + |x|²/2.
	want := math.Log(2*math.Pi) + (0.5+0.05+2)/2/3
	if r.Exact == nil || math.Abs(*r.Exact-want) > 1e-12 || math.Abs(r.NLL-want) > 1e-2 {
		t.Errorf("standard normal under VE: nll %v, exact %v, want %v", r.NLL, r.Exact, want)
	}
}

func TestEvalNLLRefusals(t *testing.T) {
	oneD := filepath.Join(t.TempDir(), "1d.json")
	if err := os.WriteFile(oneD, []byte(`{"components": [{"weight": 1, "mean": [0], "std": [1]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A 20000-dimensional Gaussian: a million points would take terabytes.
	big := filepath.Join(t.TempDir(), "big.json")
	zeros, ones := strings.Repeat("0,", 19999)+"0", strings.Repeat("1,", 19999)+"1"
	if err := os.WriteFile(big, []byte(`{"components": [{"weight": 1, "mean": [`+zeros+`], "std": [`+ones+`]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"the ODE's state for 20000-dimensional points would take", []string{"--nll", "--data", "target", "--target", big, "--sde", "vp", "--n", "1000000"}},
		{"--nll needs --data", []string{"--nll", "--target", "seed-mog", "--sde", "vp"}},
		{"--sde is required", []string{"--nll", "--data", "target", "--target", "seed-mog"}},
		{"--data applies only with --nll", []string{"--data", "target", "--samples", "x.csv"}},
		{"--sde applies only with --nll", []string{"--sde", "vp", "--samples", "x.csv"}},
		{"--data: point spec", []string{"--nll", "--data", "x.txt", "--target", "seed-mog", "--sde", "vp"}},
		{"points of dimension 2, --target", []string{"--nll", "--data", "toy:moons", "--target", oneD, "--sde", "vp"}},
		{"--projections does not apply with --nll", []string{"--nll", "--data", "target", "--target", "seed-mog", "--sde", "vp", "--projections", "3"}},
		{"--n must be at most 1000000", []string{"--nll", "--data", "target", "--target", "seed-mog", "--sde", "vp", "--n", "2000000"}},
		{"--rtol must be in", []string{"--nll", "--data", "target", "--target", "seed-mog", "--sde", "vp", "--rtol", "-1"}},
	} {
		refusal(t, "", c.want, append([]string{"eval"}, c.args...)...)
	}
}

// TestEvalNLLFar checks eval --nll on points far out. Under
// standard-normal, log p(x) = -log 2π - |x|²/2: for the points (1e150, 0)
// and (0, 0) the two -log p are 5e299 + log 2π and log 2π, whose mean is
// 2.5e299 + log 2π and whose standard error, |difference|/2 for two
// points, is 2.5e299: the squares in the one-pass formula overflowed
// into a NaN that the JSON encoder refused. A point at 1e160, whose log
// density is beyond float64, is refused in one line.
func TestEvalNLLFar(t *testing.T) {
	dir := t.TempDir()
	far, farther := filepath.Join(dir, "far.csv"), filepath.Join(dir, "farther.csv")
	if err := data.WriteCSVFile(far, []string{"x", "y"}, []float64{1e150, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteCSVFile(farther, []string{"x", "y"}, []float64{1e160, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runSGM(t, "eval", "--nll", "--data", far, "--target", "standard-normal", "--sde", "vp", "--json")
	var r nllResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	// The ODE's log-density at 1e150 is the prior's, in which the VP
	// kernel's mean coefficient differs from 1 by e^{-B}: 1e-4 relative
	// is ample.
	if r.Exact == nil {
		t.Fatalf("no nll_exact_nats for a mixture target")
	}
	if math.Abs(r.SE-2.5e299) > 1e-4*2.5e299 || math.Abs(r.NLL-2.5e299) > 1e-4*2.5e299 || math.Abs(*r.Exact-2.5e299) > 1e-12*2.5e299 {
		t.Errorf("nll %v, se %v, exact %v; want 2.5e299 each", r.NLL, r.SE, *r.Exact)
	}
	refusal(t, "", "--data", "eval", "--nll", "--data", farther, "--target", "standard-normal", "--sde", "vp", "--json")
}

// TestSDESamplePriorWarning checks the warning when the prior does not
// cover the target: seed-mog's RMS distance from 0 is √0.82 = 0.906 (per
// axis, mean ±0.5 and std 0.4: E x² = 0.25 + 0.16), beyond --sigma-max
// 0.5, where the samples come out wrong
// (W₂ 0.87 against a floor of 0.1 for n = 200 here); the defaults cover
// every preset and say nothing.
func TestSDESamplePriorWarning(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sde", "ve", "--sigma-max", "0.5"}, "sgm sample: warning: the target's RMS distance from 0 at t=1, 0.906, exceeds the prior's std 0.5 under ve(sigma 0.01..0.5): the samples will miss the target (use --sigma-max above 0.906)\n"},
		{[]string{"--sde", "ve"}, ""},
		{[]string{"--sde", "vp"}, ""},
	} {
		args := append([]string{"sample", "--target", "seed-mog", "--sampler", "dpm2m", "--n", "10", "--out", out}, c.args...)
		code, _, stderr := runSGM(t, args...)
		if code != 0 || stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
