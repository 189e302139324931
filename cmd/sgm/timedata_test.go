package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// TestTimeModelData trains the same VP network (same seed) on a 2-D data
// set and on the same points scaled by 10 and shifted, both from --data
// CSV files, and checks the standardisation end to end:
//   - the NLL of held-out points (scaled and shifted alike) is higher by
//     exactly d·log 10 = 4.605 nats: the standardised points, and so the
//     trained networks and the ODE in standard units, agree, and only the
//     log-Jacobian Σ log std differs;
//   - the samples are in the data's units: the second model's are the
//     first's scaled and shifted.
//
// Without the log-Jacobian the NLLs are equal; without the inversion the
// samples are.
func TestTimeModelData(t *testing.T) {
	dir := t.TempDir()
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	const scale = 10.0
	shift := []float64{100, -50}
	write := func(name string, x []float64, scaled bool) string {
		y := append([]float64(nil), x...)
		if scaled {
			for i := range y {
				y[i] = scale*y[i] + shift[i%2]
			}
		}
		path := filepath.Join(dir, name)
		if err := data.WriteCSVFile(path, []string{"x", "y"}, y); err != nil {
			t.Fatal(err)
		}
		return path
	}
	train := m.Sample(nil, 2000, rand.New(rand.NewPCG(1, 2)))
	held := m.Sample(nil, 50, rand.New(rand.NewPCG(3, 4)))
	var nll [2]float64
	var samples [2][]float64
	var w2 [2][2]float64 // plot nfe's W₂ of dpm2m and its floor
	for k, scaled := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "scaled"}[scaled]
		src := write(name+".csv", train, scaled)
		test := write(name+"-held.csv", held, scaled)
		model := filepath.Join(dir, name)
		code, _, stderr := runSGM(t, "train", "--sde", "vp", "--data", src, "--out", model, "--steps", "30", "--batch", "32",
			"--width", "16", "--features", "8", "--depth", "2", "--activation", "softplus")
		if code != 0 {
			t.Fatalf("train --data %s: exit %d: %s", src, code, stderr)
		}
		code, stdout, stderr := runSGM(t, "eval", "--nll", "--model", model, "--data", test, "--rtol", "1e-4", "--atol", "1e-4", "--json")
		var r nllResult
		if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
			t.Fatalf("eval --nll --data %s: exit %d: %s%s", test, code, stdout, stderr)
		}
		if r.N != 50 || math.Abs(r.BitsPerDim-r.NLL/(2*math.Ln2)) > 1e-9 {
			t.Errorf("%s: %+v", name, r)
		}
		nll[k] = r.NLL
		out := filepath.Join(dir, name+"-samples.csv")
		code, stdout, stderr = runSGM(t, "sample", "--model", model, "--sampler", "dpm2m", "--nfe", "10", "--n", "40", "--out", out)
		if code != 0 {
			t.Fatalf("sample: exit %d: %s%s", code, stdout, stderr)
		}
		if _, samples[k], err = data.ReadCSVFile(out); err != nil || len(samples[k]) != 80 {
			t.Fatalf("%s: %d values, %v", out, len(samples[k]), err)
		}
		code, stdout, stderr = runSGM(t, "plot", "nfe", "--model", model, "--samplers", "dpm2m", "--nfe", "4", "--n", "20", "--reps", "1",
			"--out", filepath.Join(dir, name+"-nfe.png"))
		if code != 0 {
			t.Fatalf("plot nfe: exit %d: %s%s", code, stdout, stderr)
		}
		w2[k] = nfeTable(t, stdout)
	}
	// The two runs differ only by the rounding of standardisation
	// (~1e-15 relative) and of float32 inputs; through 30 Adam steps and an
	// ODE solve at 1e-4 that moves the NLL by far less than 0.01 nats.
	if want := 2 * math.Log(scale); math.Abs(nll[1]-nll[0]-want) > 0.01 {
		t.Errorf("NLL of the scaled data %.4f, of the plain %.4f: difference %.4f, want 2 log 10 = %.4f", nll[1], nll[0], nll[1]-nll[0], want)
	}
	// plot nfe measures in the data's units: W₂ scales with the data and
	// ignores the shift (the reference draws are the same points, as the
	// samples, scaled and shifted).
	for j, what := range []string{"dpm2m's W₂", "the floor"} {
		if got, want := w2[1][j], scale*w2[0][j]; math.Abs(got-want) > 1e-2*want {
			t.Errorf("plot nfe: %s of the scaled model %.4g, want 10 × %.4g", what, got, w2[0][j])
		}
	}
	// The same bound on the sampler's (deterministic, seeded) paths: 1e-3
	// of a standard unit, times the scale.
	for i, v := range samples[1] {
		if want := scale*samples[0][i] + shift[i%2]; math.Abs(v-want) > 1e-3*scale*(1+math.Abs(samples[0][i])) {
			t.Fatalf("sample value %d of the scaled model %.4f, want 10 × %.4f + %v = %.4f", i, v, samples[0][i], shift[i%2], want)
		}
	}
}

// TestTimeModelDataRefusals checks --data's refusals for a
// time-conditioned run, each one line with the usage status.
func TestTimeModelDataRefusals(t *testing.T) {
	dir := t.TempDir()
	vp := trainTimeModel(t, dir, "vp", "--sde", "vp")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--sde", "vp", "--data", "toy:moons", "--target", filepath.Join(dir, "two.json")}, "give one of --data and --target"},
		{[]string{"train", "--objective", "cfm", "--data", "mnist:train:0", "--out", filepath.Join(dir, "m")}, "trains on points"},
		{[]string{"train", "--sde", "vp", "--data", "toy:nope", "--out", filepath.Join(dir, "n")}, "--data"},
		{[]string{"train", "--sde", "vp", "--data", "toy:moons", "--out", vp, "--resume"}, "trains on " + filepath.Join(dir, "two.json")},
	} {
		code, stdout, stderr := runSGM(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q in one line", c.args, code, stdout, stderr, c.want)
		}
	}
}

// nfeTable returns the W₂ of plot nfe's dpm2m row and its floor.
func nfeTable(t *testing.T, stdout string) (w [2]float64) {
	t.Helper()
	found := 0
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		var err error
		switch {
		case len(f) == 3 && f[0] == "dpm2m":
			w[0], err = strconv.ParseFloat(f[2], 64)
		case len(f) > 2 && f[0] == "floor":
			w[1], err = strconv.ParseFloat(f[1], 64)
		default:
			continue
		}
		if err != nil {
			t.Fatalf("plot nfe: %q: %v", line, err)
		}
		found++
	}
	if found != 2 {
		t.Fatalf("plot nfe: no dpm2m row and floor in %q", stdout)
	}
	return w
}

// TestTimeModelDataResume checks that a time-conditioned run of point data
// resumes without --data from what it records, keeping its standardisation,
// and refuses --target.
func TestTimeModelDataResume(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m")
	args := []string{"train", "--objective", "cfm", "--out", model, "--batch", "8", "--width", "8", "--features", "4", "--depth", "1"}
	if code, _, stderr := runSGM(t, append(args, "--data", "toy:moons", "--steps", "2")...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	label := func() string {
		m, err := openModel(model)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := m.Net().Label(standardizerLabel)
		return v
	}
	before := label()
	code, stdout, stderr := runSGM(t, append(args, "--resume", "--steps", "4")...)
	if code != 0 || !strings.Contains(stdout, "trained 2 steps") || !strings.Contains(stdout, "toy:moons") {
		t.Fatalf("resume: exit %d: %s%s", code, stdout, stderr)
	}
	if after := label(); before == "" || after != before {
		t.Errorf("standardizer label %q before resuming, %q after", before, after)
	}
	code, _, stderr = runSGM(t, append(args, "--resume", "--steps", "6", "--target", "seed-mog")...)
	if code != 2 || !strings.Contains(stderr, "trains on toy:moons") {
		t.Errorf("resume with --target: exit %d: %s", code, stderr)
	}
}
