package dist

import (
	"math"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func TestScaled(t *testing.T) {
	m, _ := Preset("seed-mog")
	// Scaled(1, σ) is Perturbed(σ), exactly.
	a, b := m.Scaled(1, 0.3), m.Perturbed(0.3)
	x := []float64{0.1, -0.7}
	if got, want := a.LogProb(x), b.LogProb(x); got != want {
		t.Errorf("Scaled(1, 0.3).LogProb = %v, Perturbed(0.3) gives %v", got, want)
	}
	// Scaled(a, 0) is the density of a·x: log p(y) = log p₀(y/a) - d log a.
	s := m.Scaled(0.5, 0)
	y := []float64{0.2, -0.1}
	want := m.LogProb([]float64{0.4, -0.2}) - 2*math.Log(0.5)
	if got := s.LogProb(y); math.Abs(got-want) > 1e-13 {
		t.Errorf("Scaled(0.5, 0).LogProb = %v, want %v", got, want)
	}
	for _, c := range [][2]float64{{0, 1}, {math.Inf(1), 0}, {1, -1}, {1, math.NaN()}, {1e-200, 0}, {1e300, 0}} {
		if m.CheckScaled(c[0], c[1]) == nil {
			t.Errorf("CheckScaled(%v, %v) = nil, want an error", c[0], c[1])
		}
	}
	numtest.WantPanic(t, "dist: Scaled", func() { m.Scaled(-1, 0) })
	numtest.WantPanic(t, "dist: ScoreHessVec", func() { m.ScoreHessVec(make([]float64, 3), nil, x, nil) })
}
