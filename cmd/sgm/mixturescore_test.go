package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
)

// anisoMixture is two modes apart along x1 and narrow along x2: its
// coordinates' scales differ about twentyfold, so standardising it makes
// the networks' isotropic noise anisotropic in the data's units.
const anisoMixture = `{"components": [
	{"weight": 0.5, "mean": [-2, 1], "std": [0.5, 0.1]},
	{"weight": 0.5, "mean": [2, 1], "std": [0.5, 0.1]}]}`

// TestStandardMixture checks the change of variables of dist.Mixture.Standardized
// against the analytic rules, at random points: with z = (x - Mean)/Std,
//
//	log p_Z(z) = log p_X(x) + Σ_j log Std[j]
//	∇_z log p_Z(z) = Std ⊙ ∇_x log p_X(x)
//
// and, perturbed by σ in standard units, against the mixture perturbed by
// N(0, σ² diag(Std²)) in the data's units, built by hand.
func TestStandardMixture(t *testing.T) {
	m, err := dist.ReadMixture(strings.NewReader(anisoMixture))
	if err != nil {
		t.Fatal(err)
	}
	s := data.Standardizer{Mean: []float64{0.3, 1.1}, Std: []float64{2, 0.1}}
	z, err := m.Standardized(s.Mean, s.Std)
	if err != nil {
		t.Fatal(err)
	}
	const sigma = 0.7
	byHand, err := dist.NewMixture([]dist.Component{ // m convolved with N(0, σ² diag(Std²)), in data units
		{Weight: 0.5, Mean: []float64{-2, 1}, Std: []float64{math.Hypot(0.5, sigma*2), math.Hypot(0.1, sigma*0.1)}},
		{Weight: 0.5, Mean: []float64{2, 1}, Std: []float64{math.Hypot(0.5, sigma*2), math.Hypot(0.1, sigma*0.1)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	zs := z.Perturbed(sigma)
	logDet := math.Log(2) + math.Log(0.1)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		x := []float64{-3 + 6*rng.Float64(), 0.7 + 0.8*rng.Float64()}
		zx := append([]float64(nil), x...)
		s.Apply(zx)
		for _, c := range []struct {
			name   string
			zm, xm *dist.Mixture
		}{{"σ=0", z, m}, {"σ=0.7", zs, byHand}} {
			// Relative 1e-12: a few roundings of terms of order 10.
			if got, want := c.zm.LogProb(zx), c.xm.LogProb(x)+logDet; math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
				t.Errorf("%s: log p_Z(%v) = %v, want %v", c.name, zx, got, want)
			}
			gz, gx := c.zm.ScoreInput(nil, zx), c.xm.ScoreInput(nil, x)
			for j := range 2 {
				if want := s.Std[j] * gx[j]; math.Abs(gz[j]-want) > 1e-9*max(1, math.Abs(want)) {
					t.Errorf("%s: score_Z(%v)[%d] = %v, want Std·score_X = %v", c.name, zx, j, gz[j], want)
				}
			}
		}
	}
	if _, err := m.Standardized([]float64{0}, []float64{1}); err == nil {
		t.Error("a 1-D standardisation of a 2-D mixture: no error")
	}
}

// TestMixtureModelScore trains models on mixtures given as --data (the
// preset seed-mog, whose scales are equal, and anisoMixture, whose scales
// differ twentyfold) and measures the learned score at every trained level
// against the exact score of the mixture in standard units perturbed at
// that level (dist.Mixture.Standardized; metric.ScoreErrors, 4,000 draws a level).
//
// Bounds on the relative error σ²E‖s_θ − s*‖² / σ²E‖s*‖², from seeds 1, 2
// and 3 of this configuration (3,000 steps, moving averages at 0.995):
// level 0 (σ = 0.01, the data itself) at most 0.26, bound 0.4; levels 1-4
// (σ 0.025 to 0.4) at most 0.087, bound 0.15; levels 5-7 (σ ≥ 1) at most
// 0.008, bound 0.03. An untrained network is near 1 at every level.
//
// In the data's units the same network is compared correctly only with the
// mixture perturbed anisotropically, by N(0, σ² diag(Std²)): the test also
// shows that an isotropic comparison there, m.Perturbed(σ·Std[k]) for
// either coordinate's scale k, misses by far at the noisy levels of
// anisoMixture (relative error above 0.15 at some level σ ≥ 1 for both k;
// 0.36 and 1.8e6 measured), while for seed-mog, whose two scales are equal,
// it agrees with the standard-units comparison.
func TestMixtureModelScore(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"seed-mog", writeFile(t, dir, "aniso.json", anisoMixture)} {
		name := filepath.Base(spec)
		run := filepath.Join(dir, name+"-run")
		if code, _, stderr := runSGM(t, "train", "--data", spec, "--objective", "one-level", "--width", "64", "--depth", "2", "--features", "32",
			"--levels", "8", "--batch", "256", "--steps", "3000", "--lr", "3e-3", "--ema", "0.995", "--seed", "1", "--out", run); code != 0 {
			t.Fatalf("%s: train: %s", name, stderr)
		}
		be, err := newBackend("go")
		if err != nil {
			t.Fatal(err)
		}
		net, err := loadNet(be, run) // the moving averages
		if err != nil {
			t.Fatal(err)
		}
		std, ok, err := netStandardizer(net)
		if err != nil || !ok {
			t.Fatalf("%s: standardizer %v, %v", name, ok, err)
		}
		m, err := dist.Target(spec)
		if err != nil {
			t.Fatal(err)
		}
		zm, err := m.Standardized(std.Mean, std.Std)
		if err != nil {
			t.Fatal(err)
		}
		sigmas := net.Config().Sigmas
		errs := metric.ScoreErrors(net.AtLevel, sigmas, zm.Perturbed, 4000, rand.New(rand.NewPCG(5, 6)))
		for _, e := range errs {
			bound := 0.15
			switch {
			case e.Level == 0:
				bound = 0.4
			case e.Sigma >= 1:
				bound = 0.03
			}
			if !(e.Relative < bound) {
				t.Errorf("%s: level %d (σ=%.3g): relative score error %.4f, want below %g", name, e.Level, e.Sigma, e.Relative, bound)
			}
		}
		md, err := model.Open(run)
		if err != nil {
			t.Fatal(err)
		}
		at := func(l int) sgm.Scorer { s, _ := md.LevelScorer(l); return s } // in the data's units
		for k := range 2 {
			naive := metric.ScoreErrors(at, sigmas, func(s float64) *dist.Mixture { return m.Perturbed(s * std.Std[k]) }, 4000, rand.New(rand.NewPCG(5, 6)))
			worst := 0.0
			for _, e := range naive {
				if e.Sigma >= 1 {
					worst = max(worst, e.Relative)
				}
			}
			t.Logf("%s: isotropic comparison in data units with scale %d: worst relative error %.4g at σ ≥ 1", name, k, worst)
			switch {
			case name == "seed-mog" && !(worst < 0.03):
				t.Errorf("%s: isotropic comparison in data units with scale %d: relative error %.4f at σ ≥ 1, want below 0.03 (equal scales)", name, k, worst)
			case name != "seed-mog" && !(worst > 0.15):
				t.Errorf("%s: isotropic comparison in data units with scale %d: relative error %.4f at σ ≥ 1, want above 0.15 (unequal scales)", name, k, worst)
			}
		}
	}
}
