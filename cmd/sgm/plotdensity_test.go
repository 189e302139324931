package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotDensityPoints draws "plot density" of a toy and of a data file
// (2-D histograms of their points) and of a model of 2-D points (its data
// beside its samples), and refuses what has no such figure: 3-D points, a
// 3-D model, --model with --target, and sizes out of range.
func TestPlotDensityPoints(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "density.png")
	ok := func(args ...string) {
		t.Helper()
		if code, _, stderr := runSGM(t, append([]string{"plot", "density", "--out", out}, args...)...); code != 0 {
			t.Fatalf("plot density %v: %s", args, stderr)
		}
		checkFigure(t, out)
	}
	ok("--target", "toy:8gaussians", "--n", "5000")
	ok("--target", writeFile(t, dir, "p.csv", "x,y\n0,0\n1,2\n3,1\n"), "--bins", "10", "--box", "-1,4,-1,3")

	run := filepath.Join(dir, "moons")
	trainOK(t, "--data", "toy:moons", "--steps", "2", "--out", run)
	ok("--model", run, "--n", "200", "--steps-per-level", "2")

	three := writeFile(t, dir, "c.csv", cloud3())
	for _, c := range []struct {
		args     []string
		culprits []string
	}{
		{[]string{"--target", three}, []string{"c.csv", "3-dimensional"}},
		{[]string{"--target", "toy:nosuch"}, []string{"--target", "nosuch"}},
		{[]string{"--target", "toy:moons", "--n", "0"}, []string{"--n"}},
		{[]string{"--target", "toy:moons", "--bins", "100000"}, []string{"--bins"}},
		{[]string{"--model", run, "--target", "toy:moons"}, []string{"--model", "--target"}},
		{[]string{"--model", run, "--steps-per-level", "0"}, []string{"--steps-per-level"}},
		{[]string{"--model", run, "--n", "1000000000"}, []string{"--n"}},
		{[]string{"--model", filepath.Join(dir, "none")}, []string{"none"}},
	} {
		code, _, stderr := runSGM(t, append([]string{"plot", "density", "--out", out}, c.args...)...)
		oneLineError(t, code, stderr, c.culprits...)
	}
	run3 := filepath.Join(dir, "three")
	trainOK(t, "--data", three, "--steps", "2", "--out", run3)
	code, _, stderr := runSGM(t, "plot", "density", "--model", run3, "--out", out)
	oneLineError(t, code, stderr, "3-dimensional")
}

// TestModelDensityPoints checks that "plot density --model" draws the
// model's samples in the data's units: a model of points near (100, -50),
// whose network works in standard units around 0, gives samples whose
// mean lies within the data's range (x in [95, 105], y in [-51, -49]) even
// after 20 steps of training, and the data as the file's points.
func TestModelDensityPoints(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 100 {
		fmt.Fprintf(&b, "%g,%g\n", 100+10*(float64(i%10)/9-0.5), -50+2*(float64(i/10)/9-0.5))
	}
	run := filepath.Join(dir, "far")
	// --ema 0: after 20 steps, averages of decay 0.999 (the points default)
	// would still be nearly the initial weights.
	trainOK(t, "--data", writeFile(t, dir, "far.csv", b.String()), "--steps", "20", "--ema", "0", "--out", run)
	m, err := openModel(run)
	if err != nil {
		t.Fatal(err)
	}
	spec, ref, x, err := modelDensityPoints(m, run, 500, 5, rand.New(rand.NewPCG(1, 2)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(spec) != "far.csv" || len(ref) != 200 || len(x) != 1000 {
		t.Fatalf("data %s of %d values and %d values of samples, want far.csv, 200 and 1000", spec, len(ref), len(x))
	}
	var mx, my float64
	for i := 0; i < len(x); i += 2 {
		mx += x[i] / 500
		my += x[i+1] / 500
	}
	if !(mx > 95 && mx < 105 && my > -51 && my < -49) {
		t.Errorf("samples' mean (%v, %v), want within the data's range [95, 105]×[-51, -49]", mx, my)
	}
}
