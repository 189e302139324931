package metric

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// scoreFunc is a Scorer from a function of one point.
type scoreFunc struct {
	d int
	f func(dst, x []float64)
}

func (s scoreFunc) Dim() int { return s.d }

func (s scoreFunc) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("scoreFunc", s.d, dst, x)
	for i := 0; i < len(x); i += s.d {
		s.f(dst[i:i+s.d], x[i:i+s.d])
	}
}

func TestFisherDivergence(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	x := gaussian(100, []float64{0}, rng)
	// The scores of N(0, 1) and N(1, 1), -x and -(x - 1), differ by 1
	// everywhere: D = σ².
	n0 := mustMixture(t, []dist.Component{{Weight: 1, Mean: []float64{0}, Std: []float64{1}}})
	n1 := mustMixture(t, []dist.Component{{Weight: 1, Mean: []float64{1}, Std: []float64{1}}})
	if got := FisherDivergence(n0, n1, x, 0.3); math.Abs(got-0.09) > 1e-15 {
		t.Errorf("FisherDivergence = %v, want σ² = 0.09", got)
	}
	if got := FisherDivergence(n0, n0, x, 0.3); got != 0 {
		t.Errorf("FisherDivergence of a scorer with itself = %v, want 0", got)
	}

	// In R², s_model = 0 against s_exact(x) = -x: D = σ² mean ‖x‖².
	zero := scoreFunc{2, func(dst, x []float64) { dst[0], dst[1] = 0, 0 }}
	minus := scoreFunc{2, func(dst, x []float64) { dst[0], dst[1] = -x[0], -x[1] }}
	pts := []float64{1, 2, -3, 0, 0.5, -0.5}
	want := 4 * (5 + 9 + 0.5) / 3
	if got := FisherDivergence(zero, minus, pts, 2); math.Abs(got-want) > 1e-14 {
		t.Errorf("FisherDivergence = %v, want %v", got, want)
	}
}

func TestFisherDivergencePanics(t *testing.T) {
	one := scoreFunc{1, func(dst, x []float64) { dst[0] = 0 }}
	two := scoreFunc{2, func(dst, x []float64) { dst[0], dst[1] = 0, 0 }}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"dimensions differ", func() { FisherDivergence(one, two, []float64{1, 2}, 1) }},
		{"no points", func() { FisherDivergence(one, one, nil, 1) }},
		{"negative sigma", func() { FisherDivergence(one, one, []float64{1}, -1) }},
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "metric: ", tc.f) })
	}
}
