package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
)

// twoModesJSON is a mixture at the unit scale of VP's prior.
const twoModesJSON = `{"components": [{"weight": 0.3, "mean": [-1, -1], "std": [0.3, 0.3]},
	{"weight": 0.7, "mean": [1, 1], "std": [0.3, 0.3]}]}`

// trainTimeModel trains a tiny time-conditioned network with the extra
// train args in a new directory under dir and returns it.
func trainTimeModel(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	target := filepath.Join(dir, "two.json")
	if err := os.WriteFile(target, []byte(twoModesJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	all := append([]string{"train", "--target", target, "--out", out, "--steps", "30", "--batch", "32",
		"--width", "16", "--features", "8", "--depth", "2", "--activation", "softplus"}, args...)
	code, stdout, stderr := runSGM(t, all...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", all, code, stderr)
	}
	if !strings.Contains(stdout, "trained 30 steps (to step 30) of a ") {
		t.Errorf("%v: stdout %q", all, stdout)
	}
	return out
}

// TestTimeModelCommands trains a VP score network and a cfm flow from the
// command line, samples each with a fixed-step sampler (the NFE reported is
// the budget) and takes their NLL with eval --nll --json, whose fields are
// all there and consistent. (The models' quality is checked in train's
// tests; these are the commands' wiring.)
func TestTimeModelCommands(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		train   []string
		sampler []string
		report  string
	}{
		{"vp", []string{"--sde", "vp"}, []string{"--sampler", "dpm2m", "--nfe", "10"}, "sampler dpm2m, nfe 10"},
		{"cfm", []string{"--objective", "cfm"}, []string{"--sampler", "heun", "--nfe", "10"}, "sampler heun, nfe 10"},
		{"otcfm", []string{"--objective", "otcfm"}, nil, "sampler ode, nfe "},
	} {
		model := trainTimeModel(t, dir, c.name, c.train...)
		for _, f := range []string{"loss.csv", "loss.png"} {
			if _, err := os.Stat(filepath.Join(model, f)); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		out := filepath.Join(dir, c.name+".csv")
		code, stdout, stderr := runSGM(t, append([]string{"sample", "--model", model, "--n", "40", "--out", out}, c.sampler...)...)
		if code != 0 || !strings.Contains(stdout, c.report) {
			t.Fatalf("%s sample: exit %d: %s%s", c.name, code, stdout, stderr)
		}
		if _, pts, err := data.ReadCSVFile(out); err != nil || len(pts) != 80 {
			t.Errorf("%s: %d values, %v", c.name, len(pts), err)
		}
		code, stdout, stderr = runSGM(t, "eval", "--nll", "--model", model, "--data", "target", "--n", "20", "--rtol", "1e-3", "--atol", "1e-3", "--json")
		if code != 0 {
			t.Fatalf("%s eval --nll: exit %d: %s", c.name, code, stderr)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%q: %v", stdout, err)
		}
		for _, k := range []string{"sde", "n", "nll_nats", "nll_se", "bits_per_dim", "nfe", "nll_exact_nats"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%s: no %s in %s", c.name, k, stdout)
			}
		}
		if c.name == "vp" {
			png := filepath.Join(dir, "nfe.png")
			code, stdout, stderr = runSGM(t, "plot", "nfe", "--model", model, "--samplers", "dpm2m,ode", "--nfe", "4", "--n", "20", "--reps", "1", "--out", png)
			if code != 0 || !strings.Contains(stdout, "dpm2m         4") || !strings.Contains(stdout, "floor") {
				t.Errorf("plot nfe --model: exit %d: %s%s", code, stdout, stderr)
			}
		}
		nll, _ := r["nll_nats"].(float64)
		bpd, _ := r["bits_per_dim"].(float64)
		if r["n"] != 20.0 || math.IsNaN(nll) || math.Abs(bpd-nll/(2*math.Ln2)) > 1e-9 {
			t.Errorf("%s: %s", c.name, stdout)
		}
	}
}

// TestTimeModelRefusals checks that the time-conditioned commands refuse
// bad combinations in one line with the usage exit status.
func TestTimeModelRefusals(t *testing.T) {
	dir := t.TempDir()
	vp := trainTimeModel(t, dir, "vp", "--sde", "vp")
	flow := trainTimeModel(t, dir, "flow", "--objective", "cfm")
	target := filepath.Join(dir, "two.json")
	out := filepath.Join(dir, "x.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--sde", "warp", "--target", target}, "--sde: unknown SDE"},
		{[]string{"train", "--sde", "vp", "--objective", "cfm", "--target", target}, "--objective cfm does not apply"},
		{[]string{"train", "--objective", "continuous", "--target", target}, "needs --sde"},
		{[]string{"train", "--sde", "vp", "--out", filepath.Join(dir, "new")}, "--data SPEC or --target SPEC is required"},
		{[]string{"train", "--sde", "vp", "--target", target, "--image", "mnist:train:0"}, "--image does not apply"},
		{[]string{"train", "--sde", "vp", "--target", target, "--time-features", "0"}, "--time-features"},
		{[]string{"train", "--objective", "otcfm", "--target", target, "--batch", "5000"}, "at most 4096"},
		{[]string{"train", "--sde", "ve", "--target", target, "--out", vp}, "already holds a checkpoint"},
		{[]string{"train", "--sde", "ve", "--target", target, "--out", vp, "--resume"}, "not a time-conditioned ve network"},
		{[]string{"sample", "--model", vp, "--sde", "ve", "--out", out}, "--sde does not apply"},
		{[]string{"sample", "--model", vp, "--sampler", "annealed", "--out", out}, `--sampler "annealed"`},
		{[]string{"sample", "--model", flow, "--sampler", "dpm2m", "--out", out}, "a flow-matching model is sampled by ode, euler, heun"},
		{[]string{"sample", "--model", flow, "--nfe", "5", "--out", out}, "--nfe applies to the fixed-step samplers"},
		{[]string{"sample", "--model", flow, "--sampler", "heun", "--nfe", "1", "--out", out}, "--nfe"},
		{[]string{"eval", "--nll", "--model", vp, "--data", "target", "--sde", "vp"}, "--sde does not apply with --model"},
		{[]string{"plot", "nfe", "--model", vp, "--sde", "vp", "--out", filepath.Join(dir, "a.png")}, "do not apply with --model"},
		{[]string{"plot", "nfe", "--model", flow, "--out", filepath.Join(dir, "a.png")}, "needs a score network"},
		{[]string{"eval", "--nll", "--model", vp, "--data", "toy:moons", "--n", "1"}, "--n"},
	} {
		code, stdout, stderr := runSGM(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q in one line", c.args, code, stdout, stderr, c.want)
		}
	}
}

// TestTimeModelTargetPath checks that a run trained on a mixture file
// given by a relative path records it so that --data target finds it from
// another directory.
func TestTimeModelTargetPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("two.json", []byte(twoModesJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runSGM(t, "train", "--sde", "subvp", "--target", "two.json", "--out", "m", "--steps", "2", "--batch", "8",
		"--width", "8", "--features", "4", "--depth", "1")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	other := filepath.Join(dir, "elsewhere")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	code, stdout, stderr := runSGM(t, "eval", "--nll", "--model", filepath.Join(dir, "m"), "--data", "target", "--n", "4", "--rtol", "1e-2", "--atol", "1e-2")
	if code != 0 || !strings.Contains(stdout, "nll_exact_nats") {
		t.Errorf("eval from another directory: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestTimeModelHutchinson checks that eval --nll of a score network in
// more than 16 dimensions estimates the divergence with --probes probes
// and reports them, and that a 2-D model's exact divergence reports none.
func TestTimeModelHutchinson(t *testing.T) {
	dir := t.TempDir()
	mean, std := make([]string, 17), make([]string, 17)
	for i := range mean {
		mean[i], std[i] = "0.5", "1"
	}
	spec := filepath.Join(dir, "g17.json")
	js := `{"components": [{"weight": 1, "mean": [` + strings.Join(mean, ",") + `], "std": [` + strings.Join(std, ",") + `]}]}`
	if err := os.WriteFile(spec, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m17")
	code, _, stderr := runSGM(t, "train", "--sde", "vp", "--target", spec, "--out", model, "--steps", "2", "--batch", "8",
		"--width", "8", "--features", "4", "--depth", "1")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runSGM(t, "eval", "--nll", "--model", model, "--data", "target", "--n", "4", "--probes", "3",
		"--rtol", "1e-2", "--atol", "1e-2", "--json")
	var r nllResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("eval: exit %d: %s%s", code, stdout, stderr)
	}
	if r.Probes != 3 || r.N != 4 || math.IsNaN(r.NLL) || r.Exact == nil {
		t.Errorf("17-D eval --nll: %s", stdout)
	}
	vp := trainTimeModel(t, dir, "vp", "--sde", "vp")
	code, stdout, _ = runSGM(t, "eval", "--nll", "--model", vp, "--data", "target", "--n", "4", "--rtol", "1e-2", "--atol", "1e-2", "--json")
	if code != 0 || strings.Contains(stdout, "probes") {
		t.Errorf("2-D eval --nll: exit %d: %s", code, stdout)
	}
	code, _, stderr = runSGM(t, "eval", "--nll", "--target", spec, "--sde", "vp", "--data", "target", "--n", "4", "--probes", "2")
	if code != 2 || !strings.Contains(stderr, "--probes applies only with --model") {
		t.Errorf("--probes with --target: exit %d: %s", code, stderr)
	}
}
