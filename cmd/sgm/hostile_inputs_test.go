package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hostileInput is a run of sgm on a hostile file of the third reliability
// issue: it hung, grew without bound, gave a silently wrong result or a
// poor message. want is in its one-line error, or, when ok, the run
// succeeds and want is in its output.
type hostileInput struct {
	name string
	args []string
	want string
	ok   bool
}

// TestHostileInputs runs each case under runHostile's deadline (a hang
// fails the case instead of stalling the test) and checks its result.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var rows, far strings.Builder
	far.WriteString("x,y\n")
	for i := range 200 {
		v := strconv.Itoa(i%17 - 8)
		rows.WriteString(v + "," + strconv.Itoa(i%5) + "\n")
		far.WriteString(v + "e154,1e154\n")
	}
	farMix := file("farmix.json", `{"components":[{"weight":0.5,"mean":[1e154,0],"std":[1,1]},{"weight":0.5,"mean":[-1e154,0],"std":[1,1]}]}`)
	hugeMix := file("hugemix.json", `{"components":[{"weight":0.5,"mean":[1e300,0],"std":[1,1]},{"weight":0.5,"mean":[-1e300,0],"std":[1,1]}]}`)
	bom := file("bom.csv", "\ufeff"+rows.String()) // 200 points, no header
	ok := file("ok.csv", "x,y\n"+rows.String())
	out := func(name string) string { return filepath.Join(dir, name) }
	cases := []hostileInput{
		{"BOM, no header: eval", []string{"eval", "--samples", bom, "--target", "seed-mog", "--json"}, `"n":200,`, true},
		{"BOM, no header: plot hist", []string{"plot", "hist", "--samples", bom, "--out", out("h.png")}, "wrote", true},
		{"target at 1e154: eval", []string{"eval", "--samples", ok, "--target", file("far.csv", far.String())},
			"--target " + filepath.Join(dir, "far.csv") + ": point 1 has coordinate -8e+154, beyond ±1e+100", false},
		{"mixture at 1e154: plot nfe", []string{"plot", "nfe", "--target", farMix,
			"--sde", "ve", "--samplers", "em", "--nfe", "4", "--n", "20", "--reps", "1", "--out", out("nfe.png")}, "wrote", true},
		{"mixture at 1e154: eval", []string{"eval", "--samples", ok, "--target", farMix, "--json"}, `"w2":`, true}, // measured, finite (a non-finite one is left out)
		{"losses of ±1e308: plot loss", []string{"plot", "loss", "--csv", file("loss.csv", "step,loss\n1,1e308\n2,-1e308\n3,1\n"), "--out", out("l.png")},
			"the loss axis would span -1e+308 to 1e+308, a width beyond the largest float64: too wide to draw", false},
		{"samples across ±1.7e308: plot samples", []string{"plot", "samples", "--samples", file("big.csv", "x,y\n-1.7e308,1\n1.7e308,-1\n0,0\n"),
			"--reference", ok, "--out", out("s.png")}, "axis would span -1.7e+308 to 1.7e+308, a width beyond the largest float64", false},
		{"mixture JSON with a BOM: sample", []string{"sample", "--target", file("bommix.json", "\ufeff"+`{"components":[{"weight":1,"mean":[0,0],"std":[1,1]}]}`),
			"--n", "4", "--steps", "2", "--out", out("s.csv")}, "wrote 4 samples", true},
		{"mixture at ±1e300: sample --sde ve warns", []string{"sample", "--target", hugeMix, "--sde", "ve", "--sampler", "em", "--nfe", "4", "--n", "4", "--out", out("s.csv")},
			"the target's RMS distance from 0 at t=1, 1e+300, exceeds the prior's std 50", true},
		{"mixture at ±1e300: train --data", []string{"train", "--data", hugeMix, "--steps", "1", "--out", out("m1")},
			"coordinate 1 spreads 1e+300 (its standard deviation), beyond 1e+150: too wide to standardise", false},
		{"column of 1e308: train --data", []string{"train", "--data", file("c308.csv", "1e308,1\n1e308,2\n1e308,3\n"), "--steps", "1", "--out", out("m2")},
			"coordinate 1 is constant (1e+308): cannot standardise", false},
		{"spread of 1e-300: train --data", []string{"train", "--data", file("tiny.csv", "0,1\n1e-300,2\n2e-300,3\n"), "--steps", "1", "--out", out("m3")},
			"coordinate 1 spreads only 8.16e-301 (its standard deviation), below 1e-150", false},
		{"equal levels: sample --sigmas", []string{"sample", "--target", "seed-mog", "--sampler", "annealed", "--sigmas", "5,5,5", "--n", "4", "--out", out("s.csv")},
			`--sigmas "5,5,5" (MAX,MIN,L): 5 noise levels from 5 to 5: levels 1 and 2 are both 5`, false},
		{"pooling none: sample", []string{"sample", "--target", "seed-mog", "--n", "4", "--steps", "200", "--burn-in", "150", "--every", "51", "--out", out("s.csv")},
			"--burn-in 150 --every 51 keep none of the 200 steps: the first kept would be step 201; give --every at most 50", false},
	}
	// A .csv that is /dev/zero: 9.5 GB and growing in eval and plot hist,
	// 4.4 GB before train --data stopped.
	zero := out("zero.csv")
	if err := os.Symlink("/dev/zero", zero); err == nil {
		const want = "zero.csv: line 1: longer than the limit of 4194304 bytes"
		cases = append(cases,
			hostileInput{"/dev/zero: eval", []string{"eval", "--samples", zero, "--target", "seed-mog"}, want, false},
			hostileInput{"/dev/zero: plot hist", []string{"plot", "hist", "--samples", zero, "--out", out("h.png")}, want, false},
			hostileInput{"/dev/zero: plot samples", []string{"plot", "samples", "--samples", ok, "--reference", zero, "--out", out("s.png")}, want, false},
			hostileInput{"/dev/zero: train --data", []string{"train", "--data", zero, "--steps", "1", "--out", out("m")}, want, false},
		)
	}
	for _, tc := range cases {
		runHostileInput(t, tc)
	}
}

// runHostileInput runs one case of TestHostileInputs.
func runHostileInput(t *testing.T, tc hostileInput) {
	t.Helper()
	r, done := runHostile(tc.args)
	stdout := r.stdout + r.stderr // a success may warn
	switch {
	case !done:
		t.Errorf("%s: still running after %v", tc.name, hostileTimeout)
	case r.panic != nil:
		t.Errorf("%s: panic: %v\n%s", tc.name, r.panic, r.stack)
	case tc.ok && (r.code != 0 || !strings.Contains(stdout, tc.want)):
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want success saying %q", tc.name, r.code, stdout, r.stderr, tc.want)
	case !tc.ok && (r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || !strings.Contains(r.stderr, tc.want)):
		t.Errorf("%s: exit %d, stderr %q; want one line saying %q", tc.name, r.code, r.stderr, tc.want)
	}
}

// TestHostileNPYPipe reads a .npy array from a pipe (a named pipe ending
// in .npy) that sends endless bytes after the data: eval ran on, reading,
// and did not stop for SIGTERM. It is refused at the first trailing byte.
func TestHostileNPYPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.npy")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	header := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }"
	header += strings.Repeat(" ", 128-10-len(header)-1) + "\n"
	head := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), 0)
	head = append(append(head, header...), make([]byte, 16)...)
	go func() {
		// Blocks until eval opens the pipe, then writes until eval closes
		// it (EPIPE).
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		if _, err := w.Write(head); err != nil {
			return
		}
		junk := make([]byte, 1<<16)
		for {
			if _, err := w.Write(junk); err != nil {
				return
			}
		}
	}()
	runHostileInput(t, hostileInput{"endless .npy pipe: eval", []string{"eval", "--samples", fifo, "--target", "toy:moons"},
		"pipe.npy: trailing data: more bytes after the 16 that shape (2, 1) of <f8 holds", false})
}

// TestNLLNamesFarPoint takes the NLL of points under a trained network,
// one of them at 1e50, where the probability-flow ODE is not finite: the
// run failed without a word of which point; the error names it.
func TestNLLNamesFarPoint(t *testing.T) {
	dir := t.TempDir()
	model := trainTimeModel(t, dir, "vp", "--sde", "vp")
	pts := filepath.Join(dir, "nll.csv")
	if err := os.WriteFile(pts, []byte("x,y\n0.1,0.2\n0.3,0.1\n1e50,0\n-0.2,0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusal(t, "", "--data "+pts+": point 3 (1e+50, 0): the probability-flow ODE is not finite there",
		"eval", "--nll", "--model", model, "--data", pts, "--rtol", "1e-3", "--atol", "1e-3")
}

// TestTrainEmptyImageLabel resumes a run whose checkpoint records an empty
// image (a damaged or edited label) with another --image: the refusal
// read "the run in DIR trains on ; resume it without --image".
func TestTrainEmptyImageLabel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	if code, _, stderr := runSGM(t, "train", "--steps", "1", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", out); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	metas, err := filepath.Glob(filepath.Join(out, "checkpoint-*.json"))
	if err != nil || len(metas) != 1 {
		t.Fatalf("checkpoint metadata %v, %v: want one file", metas, err)
	}
	b, err := os.ReadFile(metas[0])
	if err != nil {
		t.Fatal(err)
	}
	const recorded = `"Key":"label_image","Value":"mnist:train:0"`
	if !strings.Contains(string(b), recorded) {
		t.Fatalf("metadata does not record the image as %s", recorded)
	}
	b = []byte(strings.Replace(string(b), recorded, `"Key":"label_image","Value":""`, 1))
	b = []byte(strings.Replace(string(b), `"Key":"label_data","Value":"mnist:train:0"`, `"Key":"label_data","Value":""`, 1))
	if err := os.WriteFile(metas[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	refusal(t, "", "data mnist:train:1: the checkpoint in "+out+" records empty data (it was edited or damaged); start a new run",
		"train", "--resume", "--image", "mnist:train:1", "--steps", "2", "--out", out)
}

// TestDamagedNewestCheckpoint damages the newest of a run's checkpoints:
// sample and train --resume refuse it, and offer the older ones that load
// (the refusal did not mention them).
func TestDamagedNewestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	if code, _, stderr := runSGM(t, "train", "--steps", "3", "--checkpoint-every", "1", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", out); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	bins, err := filepath.Glob(filepath.Join(out, "checkpoint-*.bin"))
	if err != nil || len(bins) != 3 {
		t.Fatalf("checkpoint data files %v, %v: want 3", bins, err)
	}
	if err := os.WriteFile(bins[2], []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	newest, older := strings.TrimSuffix(filepath.Base(bins[2]), ".bin"), strings.TrimSuffix(filepath.Base(bins[1]), ".bin")
	want := "older checkpoints that load: " + older + ", "
	refusal(t, "", want, "sample", "--model", out, "--level", "1", "--n", "2", "--steps", "1", "--out", filepath.Join(dir, "s.csv"))
	refusal(t, "", "(move "+newest+".* out of "+out+" to resume from "+older+")", "train", "--resume", "--steps", "4", "--out", out)
}
