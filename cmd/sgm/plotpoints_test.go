package main

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
)

// unitNormal is the score of N(0, I) in R^d, -z.
type unitNormal struct{ d int }

func (u unitNormal) Dim() int { return u.d }
func (u unitNormal) ScoreBatch(dst, z []float64) {
	sgm.CheckBatch("unitNormal", u.d, dst, z)
	for i, v := range z {
		dst[i] = -v
	}
}

// TestDataUnitsScorer checks the change of variables against the analytic
// answer: a standard normal in standard units is N(mean, diag(std²)) in
// the data's, whose score is -(x - mean)/std².
func TestDataUnitsScorer(t *testing.T) {
	std := data.Standardizer{Mean: []float64{3, -1}, Std: []float64{2, 0.5}}
	s := dataUnitsScorer{unitNormal{2}, std}
	x := []float64{1, 0, 3, -1, -4, 2.5}
	got := make([]float64, len(x))
	s.ScoreBatch(got, x)
	for i, v := range x {
		want := -(v - std.Mean[i%2]) / (std.Std[i%2] * std.Std[i%2])
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("score[%d] = %v, want %v", i, got[i], want)
		}
	}
	if x[0] != 1 || x[5] != 2.5 {
		t.Errorf("ScoreBatch changed its input: %v", x)
	}
}

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
