package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm/internal/atomicfile"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// backendFlagHelp documents --backend.
const backendFlagHelp = "GoMLX backend: `go` (pure Go, the default build) or xla:cpu / xla:cuda (needs a build with -tags xla; see README)"

// onAccelerator reports whether a backend name is not the pure-Go one:
// training then draws its noise inside the compiled step
// (train.Settings.GraphNoise), so the device is not kept waiting on Go.
func onAccelerator(backend string) bool {
	name, _, _ := strings.Cut(backend, ":")
	return name != "go"
}

// lossEvery is how often training reads the loss back from the backend
// (train.Settings.LossEvery): every step on the CPU, every 50 on a device.
func lossEvery(backend string) int {
	if onAccelerator(backend) {
		return 50
	}
	return 1
}

// stepsPerCallHelp documents --steps-per-call.
const stepsPerCallHelp = "with an XLA backend, take up to `N` training steps in one call of a compiled loop, so the device does not wait on Go between steps (train.Settings.StepsPerCall); 1 takes one step per call"

// checkStepsPerCall checks --steps-per-call against --backend.
func checkStepsPerCall(n int, backend string) error {
	if err := checkAtLeast("steps-per-call", n, 1); err != nil {
		return err
	}
	if n > 1 && !onAccelerator(backend) {
		return usagef("--steps-per-call %d needs an XLA backend (--backend xla:cuda or xla:cpu); the pure-Go backend takes one step per call", n)
	}
	return nil
}

// checkBackend checks that --backend names a backend compiled in.
func checkBackend(name string) error {
	backendName, _, _ := strings.Cut(name, ":")
	for _, n := range compute.List() {
		if n == backendName {
			return nil
		}
	}
	if backendName == "xla" {
		return usagef("--backend %q: this sgm was built without XLA; rebuild with -tags xla (see README)", name)
	}
	return usagef("--backend %q: unknown backend (compiled in: %s)", name, strings.Join(compute.List(), ", "))
}

// newBackend starts the named GoMLX backend.
func newBackend(name string) (b compute.Backend, err error) {
	if err := checkBackend(name); err != nil {
		return nil, err
	}
	if b, err = scorenet.StartBackend(name); err != nil {
		return nil, fmt.Errorf("--%w", err) // --backend "NAME": ...
	}
	return b, nil
}

// simdBuild is whether this build has GoMLX's vectorised kernels
// (GOEXPERIMENT=simd); a variable so that tests can play the other build.
var simdBuild = simdEnabled()

// warnSlowBuild says on w, in one line, that a build without the
// vectorised kernels trains and samples about 20x slower (bench: 0.45
// against 9.1 training steps/s), and how to get the fast one. The dispatch
// in run calls it once before each of slowCommands.
func warnSlowBuild(w io.Writer) {
	if !simdBuild {
		fmt.Fprintln(w, "sgm: warning: built without GOEXPERIMENT=simd, so training and sampling run about 20x slower; rebuild with: GOEXPERIMENT=simd go install ./cmd/sgm (or make build)")
	}
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Flag checks. Each names the flag and the value, as benchstat's do.

func checkPositive(flag string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return usagef("--%s must be a positive number, got %v", flag, v)
	}
	return nil
}

func checkAtLeast(flag string, v, min int) error {
	if v < min {
		return usagef("--%s must be at least %d, got %d", flag, min, v)
	}
	return nil
}

// checkRange returns an error naming flag unless lo <= v <= hi.
func checkRange(flag string, v, lo, hi int) error {
	if err := checkAtLeast(flag, v, lo); err != nil {
		return err
	}
	if v > hi {
		return usagef("--%s must be at most %d, got %d", flag, hi, v)
	}
	return nil
}

// firstErr returns the first non-nil error, for a run of flag checks.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parseFloats parses a comma-separated list of n numbers (any n when n < 0).
func parseFloats(flag, s string, n int) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if n >= 0 && len(parts) != n {
		return nil, usagef("--%s %q: want %d comma-separated numbers", flag, s, n)
	}
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !finite(v) {
			return nil, usagef("--%s %q: %q is not a finite number", flag, s, p)
		}
		out[i] = v
	}
	return out, nil
}

// parseInts parses a comma-separated list of whole numbers.
func parseInts(flag, s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, usagef("--%s %q: %q is not a whole number", flag, s, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// checkOutput makes sure an output file can be created: its directory
// exists and its extension is one of exts (when given).
func checkOutput(flag, path string, exts ...string) error {
	if path == "" {
		return usagef("--%s is required", flag)
	}
	if len(exts) > 0 {
		ext := strings.ToLower(filepath.Ext(path))
		ok := false
		for _, e := range exts {
			ok = ok || ext == e
		}
		if !ok {
			return usagef("--%s %q: want a file ending in %s", flag, path, strings.Join(exts, ", "))
		}
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("--%s %q: directory %q does not exist", flag, path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("--%s %q: is a directory", flag, path)
	}
	// Temporary files that a killed sgm left beside the output go now.
	target, err := atomicfile.Target(path)
	if err != nil {
		return usagef("--%s %q: %v", flag, path, err)
	}
	atomicfile.Sweep(filepath.Dir(target))
	// Outputs are written to a temporary file beside path (beside the file
	// a link names) and renamed: try that now rather than after the work.
	if err := atomicfile.Probe(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return usagef("--%s %q: cannot write in directory %q (%v)", flag, path, filepath.Dir(target), err)
	}
	return nil
}

// givenFlags returns the names of the flags given on the command line.
func givenFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// progressBar draws a training run's progress on w: a bar redrawn in place
// on a terminal, a line every tenth of the run elsewhere (logs, CI).
type progressBar struct {
	w         io.Writer
	terminal  bool
	lastTenth int
	lastLine  time.Time // when the last line was printed (not on a terminal)
}

// progressInterval is the longest a run stays silent in a log.
const progressInterval = 3 * time.Second

func newProgressBar(w io.Writer) *progressBar {
	terminal := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	return &progressBar{w: w, terminal: terminal, lastTenth: -1}
}

func (p *progressBar) update(s train.Status) {
	frac := float64(s.Step) / float64(s.Steps)
	eta := time.Duration(float64(s.Steps-s.Step)/s.StepsPerSec) * time.Second
	mean := ""
	if s.MeanOf > 1 {
		mean = fmt.Sprintf(" (mean of %d steps)", s.MeanOf)
	}
	line := fmt.Sprintf("step %d/%d  loss %.4f%s  %.1f steps/s  elapsed %s  left %s",
		s.Step, s.Steps, s.MeanLoss, mean, s.StepsPerSec, s.Elapsed.Round(time.Second), eta.Round(time.Second))
	if p.terminal {
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %s ", strings.Repeat("=", n), strings.Repeat(" ", width-n), line)
		if s.Step == s.Steps {
			fmt.Fprintln(p.w)
		}
		return
	}
	// A line every tenth of the run, and at least every few seconds.
	if tenth := int(frac * 10); tenth > p.lastTenth || time.Since(p.lastLine) >= progressInterval {
		p.lastTenth, p.lastLine = tenth, time.Now()
		fmt.Fprintf(p.w, "%3.0f%% %s\n", 100*frac, line)
	}
}

// loadNet reads a checkpoint for evaluation: with the moving averages of
// the weights when training kept them (train --ema), as NCSNv2 samples.
// openModel opens the model in dir (model.Open: its backend chosen
// safely), for --model.
func openModel(dir string) (*model.Model, error) {
	m, err := model.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	return m, nil
}

func loadNet(backend compute.Backend, dir string) (*scorenet.Net, error) {
	net, err := scorenet.Open(dir, scorenet.WithBackend(backend))
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	return net, nil
}
