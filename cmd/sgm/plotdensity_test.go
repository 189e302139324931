package main

import (
	"path/filepath"
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
