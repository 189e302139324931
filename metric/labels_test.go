package metric

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
)

func TestLabelAccuracy(t *testing.T) {
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 1, Mean: []float64{-3, 0}, Std: []float64{0.5, 0.5}},
		{Weight: 1, Mean: []float64{3, 0}, Std: []float64{0.5, 0.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{-3, 0, 2.5, 1, -0.1, 0, math.NaN(), 0}
	if got := LabelAccuracy(m, x, []int{0, 1, 1, 0}); got != 0.5 {
		t.Errorf("accuracy %v, want 0.5 (two hits: the third point is nearer component 0, the fourth not finite)", got)
	}
}

// TestPerLabel checks per-label distances on samples that are the
// reference's own draws for label 0 (distance at its floor) and shifted by
// 3 for label 1 (W₂ about 3), with a label that has no samples.
func TestPerLabel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, _ := dist.NewMixture([]dist.Component{
		{Weight: 1, Mean: []float64{0, 0}, Std: []float64{1, 1}},
		{Weight: 1, Mean: []float64{10, 0}, Std: []float64{1, 1}},
	})
	ref, rl := m.SampleLabelled(nil, 2000, rng)
	x, xl := m.SampleLabelled(nil, 400, rng)
	for i, l := range xl {
		if l == 1 {
			x[2*i] += 3
		}
	}
	got := PerLabel(Wasserstein2, x, xl, ref, rl, 2, 3, 0, 4, rng)
	if got[0].N == 0 || got[1].N == 0 || got[0].N+got[1].N != 400 {
		t.Fatalf("sizes %d and %d, want the 400 samples split", got[0].N, got[1].N)
	}
	// Label 0: a second sample of the same distribution, so within 4
	// floor standard deviations of the floor's mean.
	if f := got[0].Floor; math.Abs(got[0].Distance-f.Mean) > 4*f.Std+0.05 {
		t.Errorf("label 0: W2 %.3f against floor %.3f ± %.3f", got[0].Distance, f.Mean, f.Std)
	}
	// Label 1: shifted by 3, so W₂ ≥ 3 - floor (the means' distance
	// bounds it below).
	if !(got[1].Distance > 2.8) {
		t.Errorf("label 1: W2 %.3f, want about 3", got[1].Distance)
	}
	if !math.IsNaN(got[2].Distance) || !math.IsNaN(got[2].Floor.Mean) {
		t.Errorf("label 2 without samples: %+v", got[2])
	}
}
