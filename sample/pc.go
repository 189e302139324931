package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/sde"
)

// PC is the predictor-corrector sampler of Song et al. (2021, Algorithms 2
// and 3): at each of Steps times from t = 1 down to Eps, one Langevin
// corrector step at t with step size
//
//	ε = 2 α (SNR ‖z‖ / ‖∇ₓ log p_t‖)²
//
// (norms averaged over the batch; α = a(t)²/a(t')², the DDPM α of the
// step, 1 for VE, as score_sde), then a reverse-diffusion
// predictor step to the next time t' < t, the exact discretisation of the
// linear SDE (DDPM's ancestral step for VP):
//
//	x ← (x + G² ∇ₓ log p_t(x))/α + G z,   α = a(t)/a(t'),   G² = s(t)² - α² s(t')²
//
// the last predictor step without noise. Its NFE is 2·Steps.
type PC struct {
	Steps int
	SNR   float64 // signal-to-noise ratio of the corrector; zero means 0.16 (score_sde)
	Eps   float64 // final time; zero means DefaultEps
}

// DefaultSNR is score_sde's corrector signal-to-noise ratio.
const DefaultSNR = 0.16

// Sample implements Reverse.
func (s PC) Sample(x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand) (int, error) {
	eps, err := checkReverse("pc", s.Steps, s.Eps, x, p, score)
	if err != nil {
		return 0, err
	}
	snr := s.SNR
	if snr == 0 {
		snr = DefaultSNR
	}
	if !(snr > 0 && snr <= 10) {
		return 0, fmt.Errorf("pc: snr must be in (0, 10], got %v", snr)
	}
	d := score.Dim()
	ts := timeGrid(s.Steps, eps)
	sc, z := make([]float64, len(x)), make([]float64, len(x))
	for i := range s.Steps {
		t, tn := ts[i], ts[i+1]
		a, st := p.Marginal(t)
		an, sn := p.Marginal(tn)
		alpha := a / an
		// Corrector.
		score.ScoreAt(sc, x, t)
		var gn, zn float64
		for j := 0; j < len(x); j += d {
			var gg, zz float64
			for l := j; l < j+d; l++ {
				z[l] = rng.NormFloat64()
				gg += sc[l] * sc[l]
				zz += z[l] * z[l]
			}
			gn += math.Sqrt(gg)
			zn += math.Sqrt(zz)
		}
		step := 0.0
		if gn > 0 {
			r := snr * zn / gn
			step = 2 * alpha * alpha * r * r
		}
		noise := math.Sqrt(2 * step)
		for j := range x {
			x[j] += step*sc[j] + noise*z[j]
		}
		// Predictor.
		score.ScoreAt(sc, x, t)
		g2 := max(0, st*st-alpha*alpha*sn*sn)
		g := math.Sqrt(g2)
		last := i == s.Steps-1
		for j, v := range x {
			x[j] = (v + g2*sc[j]) / alpha
			if !last {
				x[j] += g * rng.NormFloat64()
			}
		}
	}
	return 2 * s.Steps, checkFinite("pc", x)
}
