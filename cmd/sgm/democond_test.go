package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCondDemo runs the demo's conditional stage on its quick
// configuration (SGM_COND_DEMO=full: the full one, timed) and checks its
// summary entries and figures.
func TestCondDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	if dir := os.Getenv("SGM_COND_DEMO_OUT"); dir != "" {
		out = dir
	}
	d := &demoRun{ctx: context.Background(), e: &env{stdout: &stdout, stderr: &stderr}, out: out, quick: os.Getenv("SGM_COND_DEMO") != "full", seed: 1,
		sum: demoSummary{Seconds: map[string]float64{}}}
	began := time.Now()
	if err := d.conditional(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%.1fs: %+v %+v", time.Since(began).Seconds(), *d.sum.Conditional, *d.sum.Given)
	c, g := d.sum.Conditional, d.sum.Given
	if len(c.Accuracy) != len(c.Guidance) || len(c.W2) != len(c.Guidance) || math.IsNaN(c.W2Floor) || !(g.WeightsError >= 0) {
		t.Errorf("summary: %+v %+v", c, g)
	}
	if c.NFE[len(c.NFE)-1] != 2*c.NFE[0] {
		t.Errorf("NFE %v: guidance should double the first's", c.NFE)
	}
	for _, f := range []string{"13-guidance.png", "14-given.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}
