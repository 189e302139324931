package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/plot"
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

// TestPlotSamplesHeaderNames checks that plot samples names the axes by
// the samples' header row, where the corner plot named them x1..xd while
// sgm sample's files say x0..x{d-1}, and a user's file its own names.
func TestPlotSamplesHeaderNames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	if err := os.WriteFile(path, []byte("alpha,beta,gamma\n0,1,2\n1,0,3\n2,2,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fig, err := samplesFigure(path, "", "", 0, false, false, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	panels, ok := fig.(*plot.Panels)
	if !ok {
		t.Fatalf("3-D samples: figure %T, want a corner plot", fig)
	}
	var labels []string
	for _, row := range panels.Plots {
		for _, p := range row {
			if p != nil {
				labels = append(labels, p.X.Label.Text, p.Y.Label.Text)
			}
		}
	}
	for _, want := range []string{"alpha", "beta", "gamma"} {
		if !slices.Contains(labels, want) {
			t.Errorf("no axis named %s: labels %q", want, labels)
		}
	}
	if slices.Contains(labels, "x1") {
		t.Errorf("an axis is named x1: labels %q", labels)
	}
}
