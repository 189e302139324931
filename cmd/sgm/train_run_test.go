package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/demo"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// tinyRun are the flags of a run small enough for tests.
var tinyRun = []string{"--width", "16", "--depth", "1", "--features", "8", "--batch", "8", "--levels", "5"}

func trainOK(t *testing.T, args ...string) {
	t.Helper()
	if code, _, stderr := runSGM(t, append(append([]string{"train"}, tinyRun...), args...)...); code != 0 {
		t.Fatalf("sgm train %v exited %d: %s", args, code, stderr)
	}
}

// lossRows is the number of steps dir/loss.csv holds.
func lossRows(t *testing.T, path string) int {
	t.Helper()
	_, pts, err := data.ReadCSVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(pts) / 2
}

// writePNG writes a small picture with a few bright pixels.
func writePNG(t *testing.T, path string) {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := 2; i < 6; i++ {
		im.SetGray(i, i, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies the regular files of src into a new directory dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// TestRunRelocatable checks that a run directory is self-contained: a copy
// resumed from another working directory writes its own loss files and
// finds its image, given by a relative path.
func TestRunRelocatable(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	writePNG(t, "dot.png")
	trainOK(t, "--steps", "6", "--image", "dot.png", "--out", "run1")
	copyDir(t, filepath.Join(work, "run1"), filepath.Join(work, "run2"))
	t.Chdir(t.TempDir())
	run2 := filepath.Join(work, "run2")
	if code, _, stderr := runSGM(t, "train", "--resume", "--out", run2, "--steps", "12"); code != 0 {
		t.Fatalf("resume of a copied run from elsewhere exited %d: %s", code, stderr)
	}
	if n1, n2 := lossRows(t, filepath.Join(work, "run1", "loss.csv")), lossRows(t, filepath.Join(run2, "loss.csv")); n1 != 6 || n2 != 12 {
		t.Errorf("after resuming the copy to step 12: run1/loss.csv has %d steps, run2/loss.csv %d; want 6 and 12", n1, n2)
	}
	net, err := scorenet.Load(gobackend.GetBackend(), run2)
	if err != nil {
		t.Fatal(err)
	}
	if image, _ := net.Label(imageLabel); image != filepath.Join(work, "dot.png") {
		t.Errorf("recorded image %q, want the absolute path %q", image, filepath.Join(work, "dot.png"))
	}
	if csv, _ := net.Label("loss-csv"); csv != "loss.csv" {
		t.Errorf("recorded loss-csv %q, want loss.csv, relative to the run", csv)
	}
}

// TestResumeRefusesPathsOutsideRun checks that a checkpoint's labels
// cannot direct a resumed run to write outside its directory.
func TestResumeRefusesPathsOutsideRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	trainOK(t, "--steps", "3", "--out", model)
	victim := filepath.Join(dir, "victim.csv")
	for _, bad := range []string{victim, "../victim.csv"} {
		net, err := scorenet.Load(gobackend.GetBackend(), model)
		if err != nil {
			t.Fatal(err)
		}
		net.SetLabel("loss-csv", bad)
		if err := net.Save(model); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runSGM(t, "train", "--resume", "--out", model, "--steps", "5")
		if code == 0 || !strings.Contains(stderr, "loss-csv") || !strings.Contains(stderr, "run directory") {
			t.Errorf("resume with loss-csv label %q: exit %d, %q; want an error naming the label", bad, code, stderr)
		}
		if _, err := os.Stat(victim); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("resume with loss-csv label %q wrote %s", bad, victim)
		}
	}
}

func TestTrainRefusesLockedRun(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	unlock, err := scorenet.Lock(model)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, stderr := runSGM(t, append(append([]string{"train"}, tinyRun...), "--steps", "3", "--out", model)...)
	if code != 2 || !strings.Contains(stderr, "run in use by pid") {
		t.Errorf("train on a locked run: exit %d, %q; want a usage error saying the run is in use", code, stderr)
	}
	if has, _ := scorenet.HasCheckpoints(model); has {
		t.Error("train on a locked run saved a checkpoint")
	}
}

// TestCheckpointEveryRecorded checks that --resume keeps the run's
// --checkpoint-every.
func TestCheckpointEveryRecorded(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	trainOK(t, "--steps", "10", "--checkpoint-every", "7", "--out", model)
	if code, _, stderr := runSGM(t, "train", "--resume", "--out", model, "--steps", "20"); code != 0 {
		t.Fatalf("resume exited %d: %s", code, stderr)
	}
	matches, err := filepath.Glob(filepath.Join(model, "checkpoint-*-step-00000014.json"))
	if err != nil || len(matches) != 1 {
		t.Errorf("resumed run: checkpoints at step 14: %v (%v); want one, every 7 steps as the run was started", matches, err)
	}
}

// TestFirstErrorReported checks that a failed checkpoint (on a full disk,
// say) is what a run reports, not the loss file that fails after it.
func TestFirstErrorReported(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "logs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	full := errors.New("checkpoint: write: no space left on device")
	defer func() { trainModel = model.Train }()
	trainModel = func(ctx context.Context, dir string, o model.TrainOptions) (*model.Model, []train.Record, error) {
		if err := os.RemoveAll(sub); err != nil { // the loss file cannot be written either
			t.Fatal(err)
		}
		return nil, nil, full
	}
	code, _, stderr := runSGM(t, append(append([]string{"train"}, tinyRun...), "--steps", "3", "--out", filepath.Join(dir, "model"), "--loss-csv", filepath.Join(sub, "loss.csv"))...)
	if code == 0 || !strings.HasPrefix(stderr, "sgm train: "+full.Error()) {
		t.Errorf("a run whose checkpoint and loss file fail: exit %d, %q; want the checkpoint's error first", code, stderr)
	}
}

// TestDemoKeepsTrainRun checks that the demo does not take a run of sgm
// train in its model directory for its own, and clears its own.
func TestDemoKeepsTrainRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	trainOK(t, "--steps", "3", "--out", model)
	code, _, stderr := runSGM(t, "demo", "--quick", "--out", dir)
	if code == 0 || !strings.Contains(stderr, "did not write") {
		t.Errorf("demo over a run of sgm train: exit %d, %q; want it refused", code, stderr)
	}
	if net, err := scorenet.Load(gobackend.GetBackend(), model); err != nil || net.Step() != 3 {
		t.Fatalf("the run of sgm train after the demo: %v", err)
	}
	// A run the demo marked as its own is the demo's to clear, and one
	// that sgm train trains again is no longer.
	if err := os.WriteFile(filepath.Join(model, demo.Mark), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := demo.CheckRunDir(model); err != nil {
		t.Errorf("a marked run: %v", err)
	}
	trainOK(t, "--steps", "4", "--resume", "--out", model)
	if err := demo.CheckRunDir(model); err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Errorf("a marked run that sgm train resumed: %v, want it refused", err)
	}
}

// TestProgressEverySeconds checks that a log gets a progress line at least
// every progressInterval, not only every tenth of the run.
func TestProgressEverySeconds(t *testing.T) {
	var b bytes.Buffer
	bar := newProgressBar(&b)
	st := train.Status{Step: 1, Steps: 1000, MeanOf: 1, StepsPerSec: 10, Elapsed: time.Second}
	bar.update(st)
	st.Step = 2
	bar.update(st)
	if n := strings.Count(b.String(), "\n"); n != 1 {
		t.Fatalf("two updates within a tenth and a moment: %d lines, want 1: %q", n, b.String())
	}
	bar.lastLine = time.Now().Add(-progressInterval)
	st.Step = 3
	bar.update(st)
	if n := strings.Count(b.String(), "\n"); n != 2 || !strings.Contains(b.String(), "step 3/1000") {
		t.Errorf("an update %v after the last line: %q, want a line for step 3", progressInterval, b.String())
	}
}

// lockedBuffer is a bytes.Buffer safe to write from a child's output
// goroutine while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSIGTERMSavesRun runs sgm train in a child process, sends it SIGTERM
// once it has started, and wants what an interrupt gives: a checkpoint and
// a message saying how to resume.
func TestSIGTERMSavesRun(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	cmd, stderr := sgmProcess(t, "", append(append([]string{"train"}, tinyRun...), "--steps", "1000000", "--out", model)...)
	// The first progress line comes after the first step (train.Settings.ProgressInterval).
	for deadline := time.Now().Add(time.Minute); !strings.Contains(stderr.String(), "step ") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "--resume --out "+model) {
		t.Fatalf("sgm train after SIGTERM: %v, stderr %q; want exit 1 saying how to resume", err, stderr.String())
	}
	if has, _ := scorenet.HasCheckpoints(model); !has {
		t.Error("sgm train saved no checkpoint on SIGTERM")
	}
}

// TestTrainBounds checks that flags (or recorded values) large enough to
// exhaust memory are refused, naming the flag, before anything is
// allocated.
func TestTrainBounds(t *testing.T) {
	for _, bad := range [][]string{
		{"--steps", "1000000000000"}, {"--batch", "100000000000"}, {"--levels", "1000000000"},
		{"--width", "60000"}, {"--features", "10000000"}, {"--checkpoint-every", "1000000000000"},
	} {
		out := filepath.Join(t.TempDir(), "model")
		code, _, stderr := runSGM(t, append([]string{"train", "--out", out}, bad...)...)
		if code != 2 || !strings.Contains(stderr, bad[0]) {
			t.Errorf("train %v: exit %d, %q; want a usage error naming %s", bad, code, stderr, bad[0])
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("train %v created %s", bad, out)
		}
	}
}

// TestTrainRefusesAbsurdNoise checks that train refuses noise levels that
// sample and eval would refuse in the trained model (dist.CheckNoise),
// before it trains.
func TestTrainRefusesAbsurdNoise(t *testing.T) {
	for _, bad := range [][]string{{"--sigma-min", "1e-300"}, {"--sigma-max", "1e200"}} {
		out := filepath.Join(t.TempDir(), "model")
		code, _, stderr := runSGM(t, append(append(append([]string{"train"}, tinyRun...), "--steps", "2", "--out", out), bad...)...)
		if code != 2 || !strings.HasPrefix(stderr, "sgm train: "+bad[0]+":") {
			t.Errorf("train %v: exit %d, %q; want a usage error naming %s", bad, code, stderr, bad[0])
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("train %v created %s", bad, out)
		}
	}
}
