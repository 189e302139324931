package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSDEDemo runs the vp stage at its quick configuration (or the full
// one with SGM_SDE_DEMO_FULL=1, for timing it) and checks what it reports:
// both samplers' W₂ and NFE (dpm2m's the budget), a finite NLL with a
// positive standard error from the held-out points, both figures, and
// nothing on stdout.
func TestSDEDemo(t *testing.T) {
	cfg := quickSDEDemo
	dir := t.TempDir()
	if os.Getenv("SGM_SDE_DEMO_FULL") != "" {
		cfg = fullSDEDemo
		dir = os.Getenv("SGM_SDE_DEMO_FULL")
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	samples, nfe := filepath.Join(dir, "vp-samples.png"), filepath.Join(dir, "vp-nfe.png")
	r, err := runSDEDemo(context.Background(), e, filepath.Join(dir, "vp"), samples, nfe, cfg, 0, "go") // the demo's default seed
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	t.Logf("%+v", *r)
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want the stage's chatter on stderr", stdout.String())
	}
	if !strings.Contains(stderr.String(), "floor") {
		t.Errorf("stderr %q: no NFE table", stderr.String())
	}
	if r.DPM2M.NFE != cfg.DPMNFE || r.ODE.NFE < 2 {
		t.Errorf("NFE: ode %d, dpm2m %d (want %d)", r.ODE.NFE, r.DPM2M.NFE, cfg.DPMNFE)
	}
	for _, v := range []float64{r.ODE.W2, r.DPM2M.W2, r.W2Floor, r.NLL} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("non-finite result: %+v", *r)
		}
	}
	if !(r.NLLSE > 0) || r.NLLNFE < 2 || !(r.W2Floor > 0) {
		t.Errorf("result %+v", *r)
	}
	for _, f := range []string{samples, nfe} {
		checkFigure(t, f)
	}
}
