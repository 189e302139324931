package sample

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
)

// TestFlowLevelsExact checks the score FlowLevels recovers from a flow's
// velocity: for the exact velocity of the linear path from N(0, I) to a
// mixture, (x + (1-t) s_t(x))/t with s_t the score of the mixture scaled
// by t and perturbed by 1-t, it is the score of the mixture perturbed by
// σ (dist.Mixture.Perturbed), to rounding (1e-9 relative: a few float64
// operations on values of order 1/σ²).
func TestFlowLevelsExact(t *testing.T) {
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.3, Mean: []float64{-1, 2}, Std: []float64{0.5, 0.2}},
		{Weight: 0.7, Mean: []float64{1.5, -0.5}, Std: []float64{0.3, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v := func(t float64, x, dxdt []float64) {
		m.Scaled(t, 1-t).ScoreBatch(dxdt, x)
		for i := range dxdt {
			dxdt[i] = (x[i] + (1-t)*dxdt[i]) / t
		}
	}
	levels := FlowLevels(v, 2)
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 20)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	got, want := make([]float64, len(x)), make([]float64, len(x))
	for _, sigma := range []float64{0.01, 0.3, 1, 7} {
		levels(sigma).ScoreBatch(got, x)
		m.Perturbed(sigma).ScoreBatch(want, x)
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-9*math.Max(1, math.Abs(want[i])) {
				t.Errorf("σ=%v: score[%d] = %v, want %v", sigma, i, got[i], want[i])
			}
		}
	}
	for _, bad := range []float64{0, -1, math.Inf(1), math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("σ=%v: no panic", bad)
				}
			}()
			levels(bad)
		}()
	}
}
