package main

import (
	"path/filepath"
	"testing"
)

// TestPlotSamples draws samples against references in 2 and 3 dimensions
// (scatter, histogram, overlay, corner and a chosen pair) and checks the
// refusals of bad input.
func TestPlotSamples(t *testing.T) {
	dir := t.TempDir()
	two := writeFile(t, dir, "two.csv", "x,y\n0,0\n1,1\n2,0.5\n-1,2\n0.5,-1\n")
	three := writeFile(t, dir, "three.csv", cloud3())
	one := writeFile(t, dir, "one.csv", "x\n1\n2\n3\n")
	for _, args := range [][]string{
		{"--samples", two, "--reference", "toy:moons"},
		{"--samples", two, "--reference", "toy:moons", "--bins", "20"},
		{"--samples", two, "--reference", two, "--overlay"},
		{"--samples", three, "--reference", three},
		{"--samples", three, "--dims", "3,1"},
	} {
		out := filepath.Join(dir, "fig.png")
		code, _, stderr := runSGM(t, append([]string{"plot", "samples", "--out", out}, args...)...)
		if code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
		checkFigure(t, out)
	}
	out := filepath.Join(dir, "bad.png")
	for _, tc := range []struct {
		args     []string
		culprits []string
	}{
		{[]string{"--samples", one}, []string{"one.csv", "1 dimension"}},
		{[]string{"--samples", three, "--dims", "1,1"}, []string{"--dims", "1,1"}},
		{[]string{"--samples", three, "--dims", "1,4"}, []string{"--dims", "1,4"}},
		{[]string{"--samples", three, "--reference", "toy:moons"}, []string{"three.csv", "3 columns", "toy:moons"}},
		{[]string{"--samples", three, "--corner", "--bins", "5"}, []string{"--corner", "--bins"}},
		{[]string{"--samples", two, "--bins", "5", "--overlay"}, []string{"--bins", "--overlay"}},
		{[]string{"--samples", filepath.Join(dir, "none.csv")}, []string{"none.csv"}},
		{[]string{}, []string{"--samples"}},
	} {
		code, _, stderr := runSGM(t, append([]string{"plot", "samples", "--out", out}, tc.args...)...)
		oneLineError(t, code, stderr, tc.culprits...)
	}
}
