package sample

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/sde"
)

// Heun is the deterministic sampler of EDM (Karras et al. 2022, Algorithm
// 2 with S_churn = 0): Heun's method on the probability-flow ODE in EDM's
// coordinates x̂ = x/a(t), noise level σ̂ = s(t)/a(t),
//
//	dx̂/dσ̂ = -σ̂ ∇ log p̂(x̂; σ̂)
//
// over the Karras schedule with exponent Rho from σ̂(1) down to σ̂(Eps)
// and then 0, the last step Euler's. VE is already in these coordinates;
// VP and sub-VP reach them by EDM's change of variables. Steps levels
// cost 2·Steps - 1 evaluations.
type Heun struct {
	Steps int
	Rho   float64 // zero means 7, EDM's
	Eps   float64 // time of the smallest non-zero level; zero means DefaultEps
}

// StepsForNFE returns the number of levels whose NFE, 2n - 1, is at most nfe.
func (Heun) StepsForNFE(nfe int) int { return (nfe + 1) / 2 }

func rhoOf(who string, rho float64) (float64, error) {
	if rho == 0 {
		return 7, nil
	}
	if !(rho >= 1 && rho <= 100) {
		return 0, fmt.Errorf("%s: rho must be in [1, 100], got %v", who, rho)
	}
	return rho, nil
}

// Sample implements Reverse.
func (s Heun) Sample(x []float64, p sde.SDE, score sde.TimeScorer, _ *rand.Rand) (int, error) {
	eps, err := checkReverse("heun", s.Steps, s.Eps, x, p, score)
	if err != nil {
		return 0, err
	}
	rho, err := rhoOf("heun", s.Rho)
	if err != nil {
		return 0, err
	}
	e := &edm{p: p, score: score}
	sig := e.start(x, rho, s.Steps, eps)
	d1, d2, y := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for i := range s.Steps {
		si, sn := sig[i], sig[i+1]
		e.scoreHat(d1, x, si)
		for j := range d1 {
			d1[j] *= -si // dx̂/dσ̂
			y[j] = x[j] + (sn-si)*d1[j]
		}
		if sn == 0 {
			copy(x, y)
			break
		}
		e.scoreHat(d2, y, sn)
		for j := range x {
			x[j] += (sn - si) * 0.5 * (d1[j] - sn*d2[j])
		}
	}
	return e.nfe, checkFinite("heun", x)
}
