package sample

import (
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/sde"
)

// EM samples the reverse-time SDE
//
//	dx = [f(t) x - g(t)² ∇ₓ log p_t(x)] dt + g(t) dW̄
//
// with the Euler-Maruyama method over Steps even steps from t = 1 down to
// Eps (Song et al. 2021), the last without noise (score_sde's noise
// removal). Its NFE is Steps.
type EM struct {
	Steps int
	Eps   float64 // final time; zero means DefaultEps
}

// Sample implements Reverse.
func (s EM) Sample(x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand) (int, error) {
	eps, err := checkReverse("em", s.Steps, s.Eps, x, p, score)
	if err != nil {
		return 0, err
	}
	ts := timeGrid(s.Steps, eps)
	sc := make([]float64, len(x))
	for i := range s.Steps {
		t, dt := ts[i], ts[i+1]-ts[i] // dt < 0
		score.ScoreAt(sc, x, t)
		f, g := p.Coefficients(t)
		noise := g * math.Sqrt(-dt)
		last := i == s.Steps-1
		for j, v := range x {
			x[j] = v + (f*v-g*g*sc[j])*dt
			if !last {
				x[j] += noise * rng.NormFloat64()
			}
		}
	}
	return s.Steps, checkFinite("em", x)
}
