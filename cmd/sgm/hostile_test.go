package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileValues are tried in every numeric flag of every command: zero, a
// negative, the non-finite floats, the largest float, the largest int64,
// and 2^62 (a size that overflows as soon as it is multiplied by 4).
var hostileValues = []string{"0", "-1", "NaN", "Inf", "1e308", "9223372036854775807", "4611686018427387904"}

// knownPanics are the cases ("cmd --flag value", as in the test's names)
// that still panic: they are skipped, not run. It is empty; a case put
// here is a bug to fix.
var knownPanics = map[string]bool{}

// knownSlow are cases that are legal but ask for a long run of a command
// that does not stop, or not soon, when its context is cancelled: they
// would outlast the test's deadline, or most of the test's time, so they
// are skipped, not run. (The demo checks for an interrupt between its
// stages, and its first takes 2 s here; a seed is any uint64.)
var knownSlow = map[string]bool{
	"demo --seed 0":                   true,
	"demo --seed 4611686018427387904": true,
	"demo --seed 9223372036854775807": true,
}

// hostileTimeout is how long one case may take. An interruptible command
// gets a context cancelled after hostileCancel, so that a legal request
// for a long run is cut short.
const (
	hostileTimeout = 10 * time.Second
	hostileCancel  = 500 * time.Millisecond
)

// hostileSetup is one way of calling a command: the arguments that make
// the numeric flags matter (a target, a model, small sizes), to which the
// hostile flag is appended (the last of a repeated flag wins).
type hostileSetup struct {
	cmd  string   // the command's name in commands
	desc string   // what distinguishes this setup from the command's others
	args []string // base arguments
}

// hostileSetups returns the setups; dir is a scratch directory (each
// setup's outputs go into it, overwritten from case to case), model a
// trained checkpoint and samples a CSV of 2-D samples.
func hostileSetups(dir, model, samples string) []hostileSetup {
	out := func(name string) string { return filepath.Join(dir, name) }
	return []hostileSetup{
		{"bench", "", []string{"--train-steps", "1", "--chain-steps", "10", "--particles", "10", "--particle-steps", "1", "--batch", "8"}},
		{"demo", "", []string{"--quick", "--out", out("demo")}},
		{"eval", "samples", []string{"--samples", samples, "--target", "seed-mog", "--mmd-points", "20", "--projections", "4"}},
		{"eval", "model", []string{"--model", model, "--n", "10"}},
		{"plot density", "", []string{"--target", "seed-mog", "--arrows", "5", "--out", out("d.png")}},
		{"plot path", "", []string{"--target", "seed-mog", "--steps", "5", "--out", out("p.png")}},
		{"plot field", "", []string{"--model", model, "--arrows", "5", "--out", out("f.png")}},
		{"plot hist", "", []string{"--samples", samples, "--bins", "10", "--out", out("h.png")}},
		{"plot image", "", []string{"--image", "mnist:train:0", "--n", "100", "--out", out("i.png")}},
		{"plot samples", "", []string{"--samples", samples, "--reference", "toy:moons", "--out", out("ps.png")}},
		{"sample", "langevin", []string{"--target", "seed-mog", "--n", "10", "--steps", "5", "--out", out("s.csv")}},
		{"sample", "pooled", []string{"--target", "seed-mog", "--n", "10", "--steps", "5", "--burn-in", "2", "--out", out("s.csv")}},
		{"sample", "hmc", []string{"--target", "seed-mog", "--sampler", "hmc", "--n", "10", "--steps", "5", "--leapfrog", "2", "--out", out("s.csv")}},
		{"sample", "annealed", []string{"--target", "seed-mog", "--sampler", "annealed", "--sigmas", "1,0.1,3", "--n", "10", "--steps-per-level", "2", "--out", out("s.csv")}},
		{"sample", "model", []string{"--model", model, "--level", "1", "--n", "10", "--steps", "5", "--out", out("s.csv")}},
		{"sample", "sde", []string{"--target", "seed-mog", "--sde", "vp", "--sampler", "dpm2m", "--n", "10", "--out", out("s.csv")}},
		{"sample", "sde ode", []string{"--target", "seed-mog", "--sde", "ve", "--sampler", "ode", "--n", "10", "--out", out("s.csv")}},
		{"sample", "sde pc", []string{"--target", "seed-mog", "--sde", "subvp", "--sampler", "pc", "--nfe", "4", "--n", "10", "--out", out("s.csv")}},
		{"sample", "sde ddim", []string{"--target", "seed-mog", "--sde", "vp", "--sampler", "ddim", "--nfe", "4", "--n", "10", "--out", out("s.csv")}},
		{"eval", "points", []string{"--samples", samples, "--target", "toy:moons", "--w-points", "20", "--projections", "4"}},
		{"eval", "nll", []string{"--nll", "--data", "target", "--target", "seed-mog", "--sde", "vp", "--n", "10"}},
		{"plot nfe", "", []string{"--target", "seed-mog", "--sde", "vp", "--samplers", "dpm2m,ode", "--nfe", "2,4", "--n", "20", "--reps", "1", "--out", out("n.png")}},
		{"train", "", []string{"--steps", "2", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", out("model")}},
		{"train", "data", []string{"--data", "toy:moons", "--steps", "2", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", out("pmodel")}},
		{"version", "", nil},
	}
}

// numericFlags returns the names of the flags of the command that take a
// number: the int, uint, float and duration flags, and the string flags
// whose default is a number (--level 17).
func numericFlags(c *command) []string {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		switch g.Get().(type) {
		case int, int64, uint, uint64, float64, time.Duration:
			names = append(names, f.Name)
		case string:
			if _, err := strconv.ParseFloat(f.DefValue, 64); err == nil {
				names = append(names, f.Name)
			}
		}
	})
	return names
}

// hostileResult is how one case ended.
type hostileResult struct {
	code   int
	stdout string
	stderr string
	panic  any
	stack  []byte
}

// runHostile runs sgm with args in-process, turning a panic into a result,
// and gives up after hostileTimeout (ok false; the run goes on in the
// background).
func runHostile(args []string) (r hostileResult, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), hostileCancel)
	defer cancel()
	done := make(chan hostileResult, 1)
	go func() {
		var res hostileResult
		var stdout, stderr bytes.Buffer
		defer func() {
			if p := recover(); p != nil {
				res.panic, res.stack = p, debug.Stack()
			}
			res.stdout, res.stderr = stdout.String(), stderr.String()
			done <- res
		}()
		res.code = run(ctx, args, &stdout, &stderr)
	}()
	select {
	case r := <-done:
		return r, true
	case <-time.After(hostileTimeout):
		return hostileResult{}, false
	}
}

// checkHostile runs sgm with args (cmd is the command's name) and reports
// a run that outlasts hostileTimeout, panics, or fails without a one-line
// error from sgm cmd; it returns whether the run succeeded.
func checkHostile(t *testing.T, name, cmd string, args []string) bool {
	t.Helper()
	r, ok := runHostile(args)
	switch {
	case !ok:
		t.Errorf("%s: still running after %v", name, hostileTimeout)
	case r.panic != nil:
		t.Errorf("%s: panic: %v\n%s", name, r.panic, r.stack)
	case r.code != 0:
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "sgm "+cmd+": ") {
			t.Errorf("%s: exit %d without a one-line error from sgm %s: %q", name, r.code, cmd, r.stderr)
		}
	default:
		return true
	}
	return false
}

// TestHostileFlags runs every command with hostile values of each of its
// numeric flags. A value is either refused, with a one-line error and a
// non-zero status, or legal, and then the command succeeds; it never
// panics, and never runs on past the deadline (hostileTimeout).
func TestHostileFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command some 400 times")
	}
	dir := t.TempDir()
	model, samples := filepath.Join(dir, "model"), filepath.Join(dir, "samples.csv")
	for _, args := range [][]string{
		{"train", "--steps", "2", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", model},
		{"sample", "--target", "seed-mog", "--n", "50", "--steps", "5", "--out", samples},
	} {
		if code, _, stderr := runSGM(t, args...); code != 0 {
			t.Fatalf("sgm %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
	}
	setups := hostileSetups(t.TempDir(), model, samples)

	// Every command has a setup, so a new command is not left out.
	for name := range commands {
		if !slices.ContainsFunc(setups, func(s hostileSetup) bool { return s.cmd == name }) && len(numericFlags(commands[name])) > 0 {
			t.Errorf("command %q has numeric flags but no setup in hostileSetups", name)
		}
	}
	var cases, skipped int
	start := time.Now()
	for _, s := range setups {
		c := commands[s.cmd]
		if c == nil {
			t.Errorf("hostileSetups names %q, which is no command", s.cmd)
			continue
		}
		for _, fl := range numericFlags(c) {
			for _, v := range hostileValues {
				key := fmt.Sprintf("%s --%s %s", s.cmd, fl, v)
				name := key
				if s.desc != "" {
					name = fmt.Sprintf("%s (%s)", key, s.desc)
				}
				if knownPanics[key] || knownPanics[name] || knownSlow[key] || knownSlow[name] {
					skipped++
					continue
				}
				cases++
				args := append(append(strings.Fields(s.cmd), s.args...), "--"+fl, v)
				checkHostile(t, name, s.cmd, args)
			}
		}
	}
	t.Logf("%d cases in %v; %d skipped (knownPanics, knownSlow)", cases, time.Since(start).Round(time.Millisecond), skipped)
}

// TestHostileFiles runs the commands on hostile inputs that no flag value
// reaches: a target whose means sit at 1e200 (its probability-flow field
// overflowed the solver's squared norm into a zero first step and NaN
// times, a panic in the score), under every SDE with every sampler, and
// likelihoods of points at the edge of the float64 range. Each run either
// succeeds with finite samples or fails with a one-line error; none
// panics.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	far := filepath.Join(dir, "far.json")
	edge := filepath.Join(dir, "edge.csv")
	for name, body := range map[string]string{
		far:  `{"components":[{"weight":1,"mean":[1e200,0],"std":[1,1]}]}`,
		edge: "x,y\n1e308,1e308\n-1e308,2\n",
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "s.csv")
	var runs [][]string
	for _, p := range []string{"ve", "vp", "subvp"} {
		for _, smp := range sdeSamplers {
			if smp == "ddim" && p != "vp" {
				continue
			}
			args := []string{"sample", "--target", far, "--sde", p, "--sampler", smp, "--n", "4", "--out", out}
			if smp != "ode" { // ode's NFE follows its tolerances
				args = append(args, "--nfe", "20")
			}
			runs = append(runs, args)
		}
		runs = append(runs, []string{"eval", "--nll", "--data", edge, "--target", "seed-mog", "--sde", p})
	}
	for _, args := range runs {
		name := strings.Join(args, " ")
		if checkHostile(t, name, args[0], args) && args[0] == "sample" {
			b, err := os.ReadFile(out)
			if err != nil || strings.Contains(string(b), "Inf") || strings.Contains(string(b), "NaN") {
				t.Errorf("%s: exit 0 with output %q (%v)", name, b, err)
			}
		}
	}
}

// TestTrainDataDimensions checks train --data on a mixture of more
// dimensions than the draws that fix its standardisation can hold
// (fitDraws of them): a JSON file of a few MB asked for tens of GB and
// died out of memory. It is refused in one line before any draw.
func TestTrainDataDimensions(t *testing.T) {
	const fitDraws = 10000 // model's draws that fix a distribution's standardisation
	d := int(memoryBudget()/(8*fitDraws)) + 1
	if 8*d > 32<<20 { // "0,1," per coordinate: the JSON would pass 64 MiB
		t.Skipf("a machine of %s would need a spec of %d dimensions", byteSize(2*memoryBudget()), d)
	}
	dir := t.TempDir()
	spec, out := wideMixture(t, dir, d), filepath.Join(dir, "model")
	refusal(t, out, fmt.Sprintf("%d dimensions: the %d draws that fix the standardisation would take", d, fitDraws),
		"train", "--data", spec, "--steps", "1", "--batch", "8", "--features", "8", "--width", "8", "--depth", "1", "--levels", "3", "--out", out)
}

// wideMixture writes the standard normal in d dimensions as a mixture
// spec in dir and returns its path: a small file for a large dimension.
func wideMixture(t *testing.T, dir string, d int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"components":[{"weight":1,"mean":[0`)
	b.WriteString(strings.Repeat(",0", d-1))
	b.WriteString(`],"std":[1`)
	b.WriteString(strings.Repeat(",1", d-1))
	b.WriteString("]}]}")
	spec := filepath.Join(dir, "wide.json")
	if err := os.WriteFile(spec, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}
