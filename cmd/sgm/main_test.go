package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/scorenet"
)

// runSGM runs the command line in-process and returns its exit code and output.
func runSGM(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoQuick(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runSGM(t, "demo", "--quick", "--out", dir)
	if code != 0 {
		t.Fatalf("sgm demo --quick exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "hist_corr") {
		t.Errorf("stdout %q does not report hist_corr", stdout)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]any
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"hist_corr", "train_steps", "final_loss", "seconds", "figures", "n_samples"} {
		if _, ok := sum[key]; !ok {
			t.Errorf("summary.json has no %q", key)
		}
	}
	if hc, _ := sum["hist_corr"].(float64); !(hc > -1 && hc <= 1) {
		t.Errorf("hist_corr = %v, want a correlation", sum["hist_corr"])
	}
	figures, _ := sum["figures"].([]any)
	if len(figures) < 7 {
		t.Fatalf("summary lists %d figures, want at least 7: %v", len(figures), figures)
	}
	for _, f := range figures {
		checkFigure(t, filepath.Join(dir, f.(string)))
	}
	for _, f := range []string{"loss.csv", "samples.csv"} {
		if _, _, err := data.ReadCSVFile(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// checkFigure checks that the figure at path shows something
// (numtest.CheckFigure).
func checkFigure(t *testing.T, path string) { t.Helper(); numtest.CheckFigure(t, path) }

func TestSampleTarget(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.csv")
	args := []string{"sample", "--target", "seed-mog", "--n", "50", "--steps", "100", "--step-size", "0.01", "--seed", "3", "--out", out}
	if code, _, stderr := runSGM(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	header, pts, err := data.ReadCSVFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(header, ",") != "x0,x1" || len(pts) != 100 {
		t.Fatalf("header %v and %d values, want x0,x1 and 50 samples", header, len(pts)/2)
	}
	first, _ := os.ReadFile(out)
	runSGM(t, args...)
	again, _ := os.ReadFile(out)
	if !bytes.Equal(first, again) {
		t.Error("the same --seed gave different samples")
	}
}

func TestTrainSampleResume(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	small := []string{"--width", "16", "--depth", "1", "--features", "8", "--batch", "16", "--out", model}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "20"}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	// Training into a directory with a checkpoint needs --resume.
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "30"}, small...)...); code == 0 || !strings.Contains(stderr, "--resume") {
		t.Fatalf("second train without --resume: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "30", "--resume"}, small...)...); code != 0 {
		t.Fatalf("resume exited %d: %s", code, stderr)
	}
	_, pts, err := data.ReadCSVFile(filepath.Join(model, "loss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 60 || pts[0] != 1 || pts[58] != 30 {
		t.Errorf("loss.csv holds %d rows from step %v to %v, want steps 1..30", len(pts)/2, pts[0], pts[len(pts)-2])
	}
	checkFigure(t, filepath.Join(model, "loss.png"))
	out := filepath.Join(dir, "s.csv")
	if code, _, stderr := runSGM(t, "sample", "--model", model, "--level", "5", "--n", "20", "--steps", "10", "--out", out); code != 0 {
		t.Fatalf("sample --model exited %d: %s", code, stderr)
	}
	fig := filepath.Join(dir, "field.png")
	if code, _, stderr := runSGM(t, "plot", "field", "--model", model, "--levels", "0,15,29", "--out", fig); code != 0 {
		t.Fatalf("plot field exited %d: %s", code, stderr)
	}
	checkFigure(t, fig)
	hist := filepath.Join(dir, "hist.png")
	if code, _, stderr := runSGM(t, "plot", "hist", "--samples", out, "--out", hist); code != 0 {
		t.Fatalf("plot hist exited %d: %s", code, stderr)
	}
	checkFigure(t, hist)
}

// TestResumeKeepsEMA checks that --resume keeps the moving averages of a
// run started with --ema without being told their decay again.
func TestResumeKeepsEMA(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	small := []string{"--width", "16", "--depth", "1", "--features", "8", "--batch", "16", "--out", model}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "10", "--ema", "0.5"}, small...)...); code != 0 {
		t.Fatalf("train --ema exited %d: %s", code, stderr)
	}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "20", "--resume"}, small...)...); code != 0 {
		t.Fatalf("resume without --ema exited %d: %s", code, stderr)
	}
	net, err := scorenet.Load(gobackend.GetBackend(), model)
	if err != nil {
		t.Fatal(err)
	}
	if decay, ok := net.Label("ema"); !ok || decay != "0.5" || net.Step() != 20 {
		t.Errorf("after resuming: step %d, ema label %q (%v), want step 20 and 0.5", net.Step(), decay, ok)
	}
}

func TestPlotCommands(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range [][]string{
		{"plot", "density", "--out", filepath.Join(dir, "density.png")},
		{"plot", "density", "--target", "ring8", "--box", "-1.5,1.5,-1.5,1.5", "--out", filepath.Join(dir, "ring.svg")},
		{"plot", "path", "--out", filepath.Join(dir, "path.png")},
		{"plot", "path", "--steps", "30", "--out", filepath.Join(dir, "path.gif")},
		{"plot", "image", "--n", "500", "--out", filepath.Join(dir, "image.png")},
	} {
		if code, _, stderr := runSGM(t, tc...); code != 0 {
			t.Errorf("%v exited %d: %s", tc, code, stderr)
			continue
		}
		checkFigure(t, tc[len(tc)-1])
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badMix := write("bad.json", `{"components": [{"weight": 1, "mean": [0, 0], "std": [1, -1]}]}`)
	notJSON := write("broken.json", `{"components": [`)
	corruptPNG := write("corrupt.png", "not a png at all")
	corruptIDX := write("corrupt-idx3-ubyte", "\x00\x00\x08\x03\x00\x00\x00\x02")
	dirCSV := filepath.Join(dir, "dir.csv")
	if err := os.Mkdir(dirCSV, 0o755); err != nil {
		t.Fatal(err)
	}
	nanSamples := write("nan.csv", "x0,x1\n0.1,0.2\nNaN,0.3\n0.4,0.5\n")
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		name    string
		args    []string
		culprit string // must appear in the error line
	}{
		{"unknown command", []string{"frobnicate"}, "frobnicate"},
		{"unknown flag", []string{"sample", "--bogus"}, "bogus"},
		{"zero step size", []string{"sample", "--target", "seed-mog", "--step-size", "0", "--out", out}, "--step-size"},
		{"negative step size", []string{"sample", "--target", "seed-mog", "--step-size", "-1", "--out", out}, "--step-size"},
		{"no source", []string{"sample", "--out", out}, "--target"},
		{"two sources", []string{"sample", "--target", "seed-mog", "--model", dir, "--out", out}, "--model"},
		{"unknown preset", []string{"sample", "--target", "nosuch", "--out", out}, "nosuch"},
		{"bad mixture", []string{"sample", "--target", badMix, "--out", out}, "std"},
		{"broken JSON", []string{"sample", "--target", notJSON, "--out", out}, "broken.json"},
		{"missing model", []string{"sample", "--model", filepath.Join(dir, "nomodel"), "--out", out}, "nomodel"},
		{"output dir missing", []string{"sample", "--target", "seed-mog", "--out", filepath.Join(dir, "no", "x.csv")}, "--out"},
		{"zero sigma", []string{"train", "--sigma-min", "0", "--out", filepath.Join(dir, "m")}, "--sigma-min"},
		{"zero levels", []string{"train", "--levels", "0", "--out", filepath.Join(dir, "m")}, "--levels"},
		{"bad objective", []string{"train", "--objective", "magic", "--out", filepath.Join(dir, "m")}, "magic"},
		{"index out of range", []string{"train", "--image", "mnist:train:60000", "--out", filepath.Join(dir, "m")}, "60000"},
		{"missing PNG", []string{"plot", "image", "--image", filepath.Join(dir, "none.png"), "--out", filepath.Join(dir, "i.png")}, "none.png"},
		{"corrupt PNG", []string{"plot", "image", "--image", corruptPNG, "--out", filepath.Join(dir, "i.png")}, "corrupt.png"},
		{"corrupt IDX", []string{"plot", "image", "--image", corruptIDX, "--out", filepath.Join(dir, "i.png")}, "corrupt-idx3-ubyte"},
		{"figure extension", []string{"plot", "density", "--out", filepath.Join(dir, "f.bmp")}, "f.bmp"},
		{"unknown figure", []string{"plot", "pie"}, "pie"},
		{"bad backend", []string{"train", "--backend", "tpu", "--out", filepath.Join(dir, "m")}, "tpu"},
		{"loop on the CPU", []string{"train", "--steps-per-call", "10", "--out", filepath.Join(dir, "m")}, "--steps-per-call"},
		{"zero steps per call", []string{"bench", "--steps-per-call", "0"}, "--steps-per-call"},
		{"flag that does not apply", []string{"sample", "--target", "seed-mog", "--leapfrog", "5", "--out", out}, "--leapfrog"},
		{"path is out", []string{"sample", "--target", "seed-mog", "--path", out, "--out", out}, "--path"},
		{"sigma with annealed sigmas", []string{"sample", "--target", "seed-mog", "--sampler", "annealed", "--sigmas", "1,0.1,3", "--sigma", "0.5", "--out", out}, "--sigma"},
		{"sigma with annealed mixture", []string{"sample", "--target", "seed-mog", "--sampler", "annealed", "--sigma", "0.5", "--out", out}, "--sigma"},
		{"level with sigmas", []string{"sample", "--model", dir, "--sampler", "annealed", "--sigmas", "1,0.1,5", "--level", "3", "--out", out}, "--level"},
		{"level with a target", []string{"sample", "--target", "seed-mog", "--level", "3", "--out", out}, "--level"},
		{"diverged sampler", []string{"sample", "--target", "seed-mog", "--step-size", "1e300", "--steps", "10", "--out", out}, "not finite"},
		{"non-finite samples", []string{"eval", "--samples", nanSamples, "--target", "seed-mog"}, "nan.csv"},
		{"missing mixture file", []string{"sample", "--target", filepath.Join(dir, "nosuch.json"), "--out", out}, "no such file"},
		{"plot with samples", []string{"eval", "--samples", nanSamples, "--target", "seed-mog", "--plot", filepath.Join(dir, "i.png")}, "--plot"},
		{"unwritable output", []string{"sample", "--target", "seed-mog", "--out", "/proc/x.csv"}, "cannot write"},
		{"output is a directory", []string{"sample", "--target", "seed-mog", "--out", dirCSV}, "is a directory"},
		{"loss history dir missing", []string{"train", "--loss-csv", filepath.Join(dir, "no", "l.csv"), "--out", filepath.Join(dir, "m")}, "--loss-csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runSGM(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want an error")
			}
			if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); lines != 0 {
				t.Errorf("error takes %d lines, want one: %q", lines+1, stderr)
			}
			if !strings.Contains(stderr, tc.culprit) {
				t.Errorf("error %q does not name %q", stderr, tc.culprit)
			}
		})
	}
	// Nothing half-written: no output file appeared in dir.
	for _, name := range []string{"out.csv", "i.png", "f.bmp", "m"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("a failed command left %s behind", name)
		}
	}
}

// TestResumeKeepsRun checks that --resume continues the saved run: flags
// that would change its network are refused, and its image is the run's
// unless another is named (refused too).
func TestResumeKeepsRun(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	small := []string{"--width", "16", "--depth", "1", "--features", "8", "--batch", "16", "--out", model}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "5", "--image", "mnist:train:1"}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	for _, tc := range []struct {
		flags   []string
		culprit string
	}{
		{[]string{"--width", "32"}, "--width 32"},
		{[]string{"--activation", "softplus"}, "--activation"},
		{[]string{"--image", "mnist:train:0"}, "mnist:train:1"},
	} {
		args := append(append([]string{"train", "--steps", "10", "--resume"}, small...), tc.flags...)
		if code, _, stderr := runSGM(t, args...); code != 2 || !strings.Contains(stderr, tc.culprit) {
			t.Errorf("resume with %v: exit %d, %q; want a usage error naming %q", tc.flags, code, stderr, tc.culprit)
		}
	}
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "10", "--resume"}, small...)...); code != 0 {
		t.Fatalf("resume exited %d: %s", code, stderr)
	}
	if code, stdout, _ := runSGM(t, append([]string{"train", "--steps", "8", "--resume"}, small...)...); code != 0 || !strings.Contains(stdout, "already at step 10") {
		t.Errorf("resume below the saved step: exit %d, %q; want it to say step 10", code, stdout)
	}
	net, err := scorenet.Load(gobackend.GetBackend(), model)
	if err != nil {
		t.Fatal(err)
	}
	if image, _ := net.Label(imageLabel); image != "mnist:train:1" || net.Step() != 10 {
		t.Errorf("resumed run: image %q at step %d, want mnist:train:1 at 10", image, net.Step())
	}
}

// TestInterruptedTraining checks what an interrupt (a cancelled context)
// leaves: after some steps a checkpoint, and a message saying how to
// continue with the same run; before any, nothing.
func TestInterruptedTraining(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	small := []string{"--width", "16", "--depth", "1", "--features", "8", "--batch", "8", "--seed", "4", "--out", model}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(cancelled, append([]string{"train", "--steps", "50"}, small...), &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "nothing was saved") {
		t.Errorf("train interrupted before its first step: exit %d, %q", code, stderr.String())
	}
	if has, _ := scorenet.HasCheckpoints(model); has {
		t.Error("a run interrupted before its first step saved a checkpoint")
	}
	// A run of 10 steps with its flags stands for one interrupted there:
	// "--resume --out DIR" alone must continue it with the same flags.
	if code, _, stderr := runSGM(t, append([]string{"train", "--steps", "10", "--checkpoint-every", "10"}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	net, err := scorenet.Load(gobackend.GetBackend(), model)
	if err != nil {
		t.Fatal(err)
	}
	net.SetLabel("steps", "20") // as if the run had been started with --steps 20
	if err := net.Save(model); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runSGM(t, "train", "--resume", "--out", model); code != 0 {
		t.Fatalf("train --resume --out alone exited %d: %s", code, stderr)
	}
	resumed, err := scorenet.Load(gobackend.GetBackend(), model)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"steps": "20", "batch": "8", "seed": "4"} {
		if got, _ := resumed.Label(name); got != want {
			t.Errorf("resumed run's %s = %q, want the run's %q", name, got, want)
		}
	}
	if resumed.Step() != 20 {
		t.Errorf("resumed run stopped at step %d, want the run's 20", resumed.Step())
	}
	for _, name := range []string{"train", "demo"} {
		if !commands[name].interruptible {
			t.Errorf("sgm %s does not stop cleanly on an interrupt", name)
		}
	}
}

// TestDemoKeepsForeignFiles checks that the demo, which retrains from
// scratch, refuses to clear a model directory holding files it did not
// write.
func TestDemoKeepsForeignFiles(t *testing.T) {
	for _, name := range []string{"notes.txt", ".notes", filepath.Join(".git", "config"), filepath.Join("checkpoint-archive", "run1.txt")} {
		dir := t.TempDir()
		path := filepath.Join(dir, "model", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		top := strings.Split(name, string(filepath.Separator))[0]
		if code, _, stderr := runSGM(t, "demo", "--quick", "--out", dir); code == 0 || !strings.Contains(stderr, top) {
			t.Errorf("demo over %s: exit %d, %q; want an error naming %s", name, code, stderr, top)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "mine" {
			t.Errorf("%s after the demo: %q, %v", name, b, err)
		}
	}
	// An interrupted demo says to start again, not to resume, whether it
	// is interrupted before it starts or while it trains.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(cancelled, []string{"demo", "--quick", "--out", t.TempDir()}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "sgm demo again") {
		t.Errorf("demo interrupted before it starts: exit %d, %q", code, stderr.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	onTrain := &cancelOn{marker: "== train", cancel: cancel}
	if code := run(ctx, []string{"demo", "--quick", "--out", t.TempDir()}, &stdout, onTrain); code == 0 || !strings.Contains(onTrain.String(), "sgm demo again") {
		t.Errorf("demo interrupted while training: exit %d, %q", code, onTrain.String())
	}
}

// cancelOn is a writer that cancels a context once marker is written to it.
type cancelOn struct {
	bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	n, err := c.Buffer.Write(p)
	if strings.Contains(c.String(), c.marker) {
		c.cancel()
	}
	return n, err
}

// TestResumeOldCheckpoint checks a checkpoint that records no flags (an
// older sgm's): resuming it needs them given, and says which.
func TestResumeOldCheckpoint(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	sigmas, err := sgm.Geometric(1e-4, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Dim: 2, Features: 8, Width: 16, Depth: 1, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	net.SetLabel(imageLabel, "mnist:train:0")
	if err := net.Save(model); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runSGM(t, "train", "--resume", "--out", model); code != 2 || !strings.Contains(stderr, "batch, lr, objective, seed") {
		t.Errorf("resume of a checkpoint without recorded flags: exit %d, %q; want a usage error naming them", code, stderr)
	}
	args := []string{"train", "--resume", "--out", model, "--steps", "3", "--batch", "8", "--lr", "1e-3", "--objective", "one-level", "--seed", "1"}
	if code, _, stderr := runSGM(t, args...); code != 0 {
		t.Fatalf("resume with the flags given exited %d: %s", code, stderr)
	}
	// Its 10 levels are too few for the default --level 17, which annealed
	// sampling with --sigmas does not use.
	out := filepath.Join(t.TempDir(), "a.csv")
	if code, _, stderr := runSGM(t, "sample", "--model", model, "--sampler", "annealed", "--sigmas", "1,0.1,3", "--n", "5", "--steps-per-level", "3", "--out", out); code != 0 {
		t.Errorf("annealed sampling of a 10-level model with --sigmas exited %d: %s", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := runSGM(t, "help")
	if code != 0 || !strings.Contains(stdout, "demo") || !strings.Contains(stdout, "plot field") {
		t.Fatalf("sgm help: exit %d, %q", code, stdout)
	}
	for name := range commands {
		args := append([]string{"help"}, strings.Fields(name)...)
		code, stdout, _ := runSGM(t, args...)
		if code != 0 || !strings.Contains(stdout, "Flags:") || !strings.Contains(stdout, "--") {
			t.Errorf("sgm %s: exit %d, %q", strings.Join(args, " "), code, stdout)
		}
	}
	if code, _, _ := runSGM(t); code != 0 {
		t.Errorf("sgm with no command exited %d, want 0 (it shows the overview)", code)
	}
	if code, stdout, _ := runSGM(t, "help", "plot"); code != 0 || !strings.Contains(stdout, "density") {
		t.Errorf("sgm help plot: exit %d, %q; want the figures listed", code, stdout)
	}
}

func TestSamplersAndEval(t *testing.T) {
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, args := range [][]string{
		{"sample", "--target", "two-modes-unequal", "--sampler", "annealed", "--sigmas", "20,1,10", "--eps", "0.3", "--steps-per-level", "50", "--init", "uniform:-8,8", "--n", "2000", "--out", out("annealed.csv")},
		{"sample", "--target", "seed-mog", "--sampler", "mala", "--step-size", "0.05", "--steps", "100", "--n", "200", "--out", out("mala.csv")},
		{"sample", "--target", "seed-mog", "--sampler", "hmc", "--step-size", "0.1", "--steps", "50", "--n", "200", "--out", out("hmc.csv")},
		{"sample", "--target", "mnist:train:0", "--n", "500", "--steps", "200", "--burn-in", "150", "--out", out("oracle.csv")},
		{"sample", "--target", "mnist:train:0", "--sampler", "annealed", "--sigmas", "0.3,0.03,5", "--steps-per-level", "20", "--eps", "1e-3", "--denoise", "--n", "300", "--out", out("oracle-annealed.csv")},
	} {
		code, stdout, stderr := runSGM(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if args[3] == "mala" && !strings.Contains(stdout, "acceptance rate") {
			t.Errorf("MALA does not report its acceptance rate: %q", stdout)
		}
	}
	var r map[string]any
	code, stdout, stderr := runSGM(t, "eval", "--samples", out("annealed.csv"), "--target", "two-modes-unequal", "--json")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "swd", "swd_projections", "mmd", "mmd_bandwidth", "mode_weights", "mode_weight_error"} {
		if _, ok := r[k]; !ok {
			t.Errorf("mixture eval has no %q: %s", k, stdout)
		}
	}
	// Annealed Langevin recovers the 0.2/0.8 weights (5 binomial standard
	// errors of 2000 draws: 0.045).
	if e, _ := r["mode_weight_error"].(float64); e > 0.045 {
		t.Errorf("annealed mode_weight_error %v, want <= 0.045", e)
	}
	code, stdout, stderr = runSGM(t, "eval", "--samples", out("oracle.csv"), "--target", "mnist:train:0", "--sigma", "0.0221", "--json")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	r = nil
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"hist_corr", "hist_tv", "hist_corr_smoothed", "hist_tv_smoothed"} {
		if _, ok := r[k]; !ok {
			t.Errorf("image eval has no %q: %s", k, stdout)
		}
	}
	// 25,000 pooled draws of the exact smoothed-image score: the histogram
	// follows the smoothed image closely (exact iid draws give ~0.99).
	if c, _ := r["hist_corr_smoothed"].(float64); c < 0.9 {
		t.Errorf("oracle hist_corr_smoothed %v, want >= 0.9", c)
	}
}

func TestEvalModelAndAutoLevel(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if code, _, stderr := runSGM(t, "train", "--steps", "30", "--width", "16", "--depth", "1", "--features", "8", "--batch", "32", "--objective", "one-level", "--ema", "0.9", "--out", model); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	fig := filepath.Join(dir, "err.png")
	code, stdout, stderr := runSGM(t, "eval", "--model", model, "--n", "200", "--plot", fig, "--json")
	if code != 0 {
		t.Fatalf("eval --model exited %d: %s", code, stderr)
	}
	var r struct {
		Target string
		Levels []levelError
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Target != "mnist:train:0" || len(r.Levels) != 30 {
		t.Fatalf("eval --model: target %q and %d levels, want the training image and 30", r.Target, len(r.Levels))
	}
	checkFigure(t, fig)
	// A barely trained network: at the tolerance 1.5 every level passes, so
	// auto picks the sharpest level resolved by η = 0.001, 16; at 1e-9 none
	// does, and it warns and takes the blog post's level 17.
	out := filepath.Join(dir, "s.csv")
	code, _, stderr = runSGM(t, "sample", "--model", model, "--level", "auto", "--auto-tolerance", "1.5", "--n", "10", "--steps", "5", "--out", out)
	if code != 0 || !strings.Contains(stderr, "level auto: level 16") {
		t.Errorf("--level auto --auto-tolerance 1.5: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runSGM(t, "sample", "--model", model, "--level", "auto", "--auto-tolerance", "1e-9", "--n", "10", "--steps", "5", "--out", out); code != 0 || !strings.Contains(stderr, "warning: no level has relative score error <= 1e-09") {
		t.Errorf("--level auto with an impossible tolerance: exit %d, stderr %q", code, stderr)
	}
}

func TestBenchJSON(t *testing.T) {
	code, stdout, stderr := runSGM(t, "bench", "--json", "--train-steps", "1", "--batch", "8", "--chain-steps", "200", "--particles", "16", "--particle-steps", "2")
	if code != 0 {
		t.Fatalf("bench exited %d: %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout, err)
	}
	for _, k := range []string{"train_steps_per_s", "langevin_chain_400k_s", "langevin_particle_steps_per_s", "train_steps_per_s_8d", "divergence_evals_per_s", "peak_rss_mib", "config"} {
		v, ok := r[k]
		if !ok {
			t.Errorf("no %q in %s", k, stdout)
			continue
		}
		if f, isNum := v.(float64); isNum && !(f > 0) {
			t.Errorf("%s = %v, want a positive measurement", k, f)
		}
	}
	g, _ := r["guidance"].(map[string]any)
	for _, k := range []string{"score_evals_per_s", "label_score_evals_per_s", "guided_score_evals_per_s", "guidance_cost"} {
		if f, _ := g[k].(float64); !(f > 0) {
			t.Errorf("guidance.%s = %v, want a positive measurement", k, g[k])
		}
	}
}

func TestTrainSlicedSoftplus(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m")
	code, stdout, stderr := runSGM(t, "train", "--objective", "sliced", "--activation", "softplus", "--steps", "10",
		"--width", "8", "--depth", "1", "--features", "4", "--batch", "16", "--out", model)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "trained 10 steps") {
		t.Errorf("stdout %q", stdout)
	}
}
