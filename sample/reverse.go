package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/sde"
)

// Reverse is a sampler of a forward SDE's reverse process driven by a
// time-conditioned score: EM, PC, Flow, Heun, DDIM and DPM2M. Sample takes
// x, a flat batch of points drawn from the prior (sde.PriorSample), and
// moves them to samples of the data density (of p_Eps for the samplers
// that stop at time Eps), using rng for any noise. It returns the number of
// score evaluations (NFE), each one for the whole batch, and an error if
// the sampler's settings are out of range, do not suit p, or the particles
// become NaN or infinite. It panics if len(x) is not a multiple of the
// score's dimension.
type Reverse interface {
	Sample(x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand) (nfe int, err error)
}

// DefaultEps is the time at which the reverse samplers stop by default,
// score_sde's sampling_eps: a trained score is unreliable nearer t = 0.
const DefaultEps = 1e-3

// maxSteps bounds the steps of every reverse sampler.
const maxSteps = 1_000_000

// checkReverse validates the settings common to the reverse samplers and
// returns eps with its default.
func checkReverse(who string, steps int, eps float64, x []float64, p sde.SDE, score sde.TimeScorer) (float64, error) {
	sgm.CheckBatch("sample: "+who, score.Dim(), x, x)
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if steps < 1 || steps > maxSteps {
		return 0, fmt.Errorf("%s: steps must be in [1, %d], got %d", who, maxSteps, steps)
	}
	if eps == 0 {
		eps = DefaultEps
	}
	if !(eps > 0 && eps < 1) {
		return 0, fmt.Errorf("%s: eps must be in (0, 1), got %v", who, eps)
	}
	return eps, checkFinite(who, x)
}

func checkFinite(who string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: particle coordinate %d became %v", who, i, v)
		}
	}
	return nil
}

// timeGrid returns n+1 times from 1 down to eps, evenly spaced.
func timeGrid(n int, eps float64) []float64 {
	ts := make([]float64, n+1)
	for i := range ts {
		ts[i] = 1 - float64(i)*(1-eps)/float64(n)
	}
	ts[n] = eps
	return ts
}

// Karras returns the n noise levels of EDM (Karras et al. 2022, eq. 5)
// from sigmaMax down to sigmaMin, evenly spaced in σ^(1/ρ), followed by 0:
//
//	σ_i = (σ_max^(1/ρ) + i/(n-1) (σ_min^(1/ρ) - σ_max^(1/ρ)))^ρ,   σ_n = 0
//
// n = 1 gives {sigmaMax, 0}. It panics unless 0 <= sigmaMin <= sigmaMax,
// rho > 0 and n >= 1.
func Karras(sigmaMax, sigmaMin, rho float64, n int) []float64 {
	if !(sigmaMin >= 0 && sigmaMax >= sigmaMin) || !(rho > 0) || n < 1 {
		panic(fmt.Sprintf("sample: Karras: need 0 <= sigmaMin <= sigmaMax, rho > 0, n >= 1; got %v, %v, %v, %d", sigmaMin, sigmaMax, rho, n))
	}
	s := make([]float64, n+1)
	if n == 1 {
		s[0] = sigmaMax
		return s
	}
	hi, lo := math.Pow(sigmaMax, 1/rho), math.Pow(sigmaMin, 1/rho)
	for i := range n {
		s[i] = math.Pow(hi+float64(i)/float64(n-1)*(lo-hi), rho)
	}
	s[0], s[n-1] = sigmaMax, sigmaMin
	return s
}

// edm evaluates a time-conditioned score in EDM's coordinates, x̂ = x/a(t)
// with noise level σ̂ = s(t)/a(t), where every SDE is VE-like:
//
//	x̂ = x₀ + σ̂ z,   ∇ log p̂(x̂; σ̂) = a ∇ₓ log p_t(a x̂)
//
// (Karras et al. 2022, section 4 and Table 1).
type edm struct {
	p     sde.SDE
	score sde.TimeScorer
	buf   []float64
	nfe   int
}

// scoreHat sets dst to the score of the density of x̂ at noise level sigma.
func (e *edm) scoreHat(dst, xhat []float64, sigma float64) {
	t := e.p.TimeOf(sigma)
	a, _ := e.p.Marginal(t)
	if e.buf == nil {
		e.buf = make([]float64, len(xhat))
	}
	for i, v := range xhat {
		e.buf[i] = a * v
	}
	e.score.ScoreAt(dst, e.buf, t)
	e.nfe++
	for i := range dst {
		dst[i] *= a
	}
}

// sigmas returns the Karras schedule between σ̂(1) and σ̂(eps), and scales x
// from the prior into x̂ coordinates.
func (e *edm) start(x []float64, rho float64, steps int, eps float64) []float64 {
	a, _ := e.p.Marginal(1)
	for i := range x {
		x[i] /= a
	}
	return Karras(sde.NoiseLevel(e.p, 1), sde.NoiseLevel(e.p, eps), rho, steps)
}
