package main

import (
	"path/filepath"
	"testing"
)

// TestPlotFieldPointModel draws the field of a model of 2-D points over
// its data, and refuses a model of 3-D points; eval --model and sample
// --level auto, which need an image's exact score, refuse a point model.
func TestPlotFieldPointModel(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "moons")
	trainOK(t, "--data", "toy:moons", "--steps", "2", "--out", run)
	out := filepath.Join(dir, "field.png")
	if code, _, stderr := runSGM(t, "plot", "field", "--model", run, "--levels", "0,4", "--out", out); code != 0 {
		t.Fatalf("plot field: %s", stderr)
	}
	checkFigure(t, out)
	code, _, stderr := runSGM(t, "eval", "--model", run)
	oneLineError(t, code, stderr, "--model", "point data")
	code, _, stderr = runSGM(t, "sample", "--model", run, "--level", "auto", "--steps", "2", "--out", filepath.Join(dir, "s.csv"))
	oneLineError(t, code, stderr, "--level auto", "point data")
	run3 := filepath.Join(dir, "three")
	trainOK(t, "--data", writeFile(t, dir, "c.csv", cloud3()), "--steps", "2", "--out", run3)
	code, _, stderr = runSGM(t, "plot", "field", "--model", run3, "--out", out)
	oneLineError(t, code, stderr, "3-dimensional")
}
