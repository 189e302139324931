package sample

import (
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/sde"
)

// DPM2M is DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2), the multistep
// second-order solver of the probability-flow ODE in data prediction, in
// EDM's coordinates x̂ = x/a(t), σ̂ = s(t)/a(t) (as k-diffusion's
// sample_dpmpp_2m, which is the same solver in these coordinates), over
// the Karras schedule (exponent Rho) from σ̂(1) to σ̂(Eps) and then 0. With
// λ = -log σ̂, h = λ' - λ and the denoiser D = x̂ + σ̂² ∇ log p̂,
//
//	x̂' = (σ̂'/σ̂) x̂ - expm1(-h) D̃,   D̃ = (1 + 1/2r) D_i - (1/2r) D_{i-1}
//
// with r = h_{i-1}/h_i, and D̃ = D_i on the first and the last step. Its
// NFE is Steps.
type DPM2M struct {
	Steps int
	Rho   float64 // zero means 7
	Eps   float64 // time of the smallest non-zero level; zero means DefaultEps
}

// Sample implements Reverse.
func (s DPM2M) Sample(x []float64, p sde.SDE, score sde.TimeScorer, _ *rand.Rand) (int, error) {
	eps, err := checkReverse("dpm2m", s.Steps, s.Eps, x, p, score)
	if err != nil {
		return 0, err
	}
	rho, err := rhoOf("dpm2m", s.Rho)
	if err != nil {
		return 0, err
	}
	e := &edm{p: p, score: score}
	sig := e.start(x, rho, s.Steps, eps)
	den, old := make([]float64, len(x)), make([]float64, len(x))
	var hLast float64
	for i := range s.Steps {
		si, sn := sig[i], sig[i+1]
		e.scoreHat(den, x, si)
		for j, v := range x {
			den[j] = v + si*si*den[j]
		}
		if sn == 0 {
			copy(x, den)
			break
		}
		h := math.Log(si / sn)
		c := -math.Expm1(-h)
		ratio := sn / si
		if i == 0 {
			for j, v := range x {
				x[j] = ratio*v + c*den[j]
			}
		} else {
			r := hLast / h
			w := 1 / (2 * r)
			for j, v := range x {
				x[j] = ratio*v + c*((1+w)*den[j]-w*old[j])
			}
		}
		hLast = h
		den, old = old, den
	}
	return e.nfe, checkFinite("dpm2m", x)
}
