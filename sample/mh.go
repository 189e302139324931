package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LogDensity is a target known up to a constant through its log-density and
// the gradient of that with respect to the point (gonum's ScoreInput), one
// point at a time. The Metropolis-corrected samplers, MALA and HMC, need
// both; *dist.Mixture is one.
//
// LogProb returns log p(x) + c for a constant c, and may return -Inf
// outside the support. ScoreInput sets dst to ∇ₓ log p(x) and returns it.
// Both are called with len(x) == Dim() only, and ScoreInput with
// len(dst) == Dim().
type LogDensity interface {
	Dim() int
	LogProb(x []float64) float64
	ScoreInput(dst, x []float64) []float64
}

// Stats counts the proposals of a Metropolis-corrected sampler, over all
// particles and steps.
type Stats struct {
	Proposed int
	Accepted int
}

// AcceptanceRate returns Accepted/Proposed, or NaN if nothing was proposed.
func (s Stats) AcceptanceRate() float64 {
	if s.Proposed == 0 {
		return math.NaN()
	}
	return float64(s.Accepted) / float64(s.Proposed)
}

// MALA holds the parameters of the Metropolis-adjusted Langevin algorithm
// (Roberts & Tweedie 1996). Each step proposes, for every particle
// independently, the Langevin update of step size η,
//
//	y = x + (η/2) ∇ log p(x) + √η z,   z ~ N(0, I)
//
// whose density is q(y|x) = N(y; x + (η/2) ∇ log p(x), η I), and accepts it
// with probability
//
//	min(1, p(y) q(x|y) / (p(x) q(y|x)))
//
// or keeps x. The correction makes p exactly stationary for every η, where
// plain Langevin (ULA) is biased by O(η).
type MALA struct {
	StepSize float64 // η > 0
	Steps    int     // number of steps, >= 0
}

// Validate reports a parameter out of range, naming it.
func (m MALA) Validate() error {
	return Langevin(m).Validate() // the same parameters, the same bounds
}

// Run moves the particles x (flat, row-major, of the target's dimension) in
// place through m.Steps MALA steps targeting p, drawing from rng, and calls
// each observer after every step. It returns the proposals counted over all
// particles and steps, and an error if the parameters are out of range
// (Validate); it panics if x is not a whole number of points.
func (m MALA) Run(x []float64, target LogDensity, rng *rand.Rand, observers ...Observer) (Stats, error) {
	if err := m.Validate(); err != nil {
		return Stats{}, err
	}
	c := newChains("MALA.Run", x, target)
	d := c.d
	eta := m.StepSize
	half, root := eta/2, math.Sqrt(eta)
	y, gy := make([]float64, d), make([]float64, d)
	var st Stats
	for t := 1; t <= m.Steps; t++ {
		for i := range c.logp {
			xi, gi := x[i*d:(i+1)*d], c.grad[i*d:(i+1)*d]
			// log q(y|x) = -|z|²/2 + const.
			var zz float64
			for j := range y {
				z := rng.NormFloat64()
				zz += z * z
				y[j] = xi[j] + half*gi[j] + root*z
			}
			ly := target.LogProb(y)
			target.ScoreInput(gy, y)
			// log q(x|y) = -|x - y - (η/2) ∇ log p(y)|²/(2η) + the same const.
			var rr float64
			for j, xj := range xi {
				r := xj - y[j] - half*gy[j]
				rr += r * r
			}
			logA := ly - c.logp[i] - rr/(2*eta) + zz/2
			st.Proposed++
			if accept(logA, rng) {
				st.Accepted++
				copy(xi, y)
				copy(gi, gy)
				c.logp[i] = ly
			}
		}
		for _, o := range observers {
			o(t, x)
		}
	}
	return st, nil
}

// HMC holds the parameters of Hamiltonian Monte Carlo (Duane et al. 1987;
// Neal 2011) with a unit mass matrix. Each step, for every particle
// independently, draws a fresh momentum p ~ N(0, I), follows the dynamics of
// the Hamiltonian
//
//	H(x, p) = -log π(x) + |p|²/2
//
// for LeapfrogSteps = L leapfrog steps of size ε,
//
//	p ← p + (ε/2) ∇ log π(x)
//	x ← x + ε p
//	p ← p + (ε/2) ∇ log π(x)
//
// and accepts the end point (x', p') with probability
// min(1, exp(H(x, p) - H(x', p'))), or keeps x. The leapfrog integrator is
// reversible and volume-preserving, so the correction makes π exactly
// stationary. HMC with L = 1 is MALA with η = ε².
type HMC struct {
	StepSize      float64 // ε > 0
	LeapfrogSteps int     // L >= 1, leapfrog steps per proposal
	Steps         int     // number of proposals per particle, >= 0
}

// Validate reports a parameter out of range, naming it.
func (h HMC) Validate() error {
	if !(h.StepSize > 0) || math.IsInf(h.StepSize, 0) {
		return fmt.Errorf("step size must be positive and finite, got %v", h.StepSize)
	}
	if h.LeapfrogSteps < 1 {
		return fmt.Errorf("leapfrog steps must be at least 1, got %d", h.LeapfrogSteps)
	}
	if h.Steps < 0 {
		return fmt.Errorf("steps must not be negative, got %d", h.Steps)
	}
	return nil
}

// Run moves the particles x (flat, row-major, of the target's dimension) in
// place through h.Steps HMC proposals targeting π, drawing from rng, and
// calls each observer after every step. It returns the proposals counted
// over all particles and steps, and an error if the parameters are out of
// range (Validate); it panics if x is not a whole number of points.
func (h HMC) Run(x []float64, target LogDensity, rng *rand.Rand, observers ...Observer) (Stats, error) {
	if err := h.Validate(); err != nil {
		return Stats{}, err
	}
	c := newChains("HMC.Run", x, target)
	d := c.d
	eps := h.StepSize
	half := eps / 2
	q, gq, p := make([]float64, d), make([]float64, d), make([]float64, d)
	var st Stats
	for t := 1; t <= h.Steps; t++ {
		for i := range c.logp {
			xi, gi := x[i*d:(i+1)*d], c.grad[i*d:(i+1)*d]
			var k0 float64
			for j := range p {
				p[j] = rng.NormFloat64()
				k0 += p[j] * p[j]
			}
			copy(q, xi)
			copy(gq, gi)
			for range h.LeapfrogSteps {
				for j := range q {
					p[j] += half * gq[j]
					q[j] += eps * p[j]
				}
				target.ScoreInput(gq, q)
				for j := range p {
					p[j] += half * gq[j]
				}
			}
			var k1 float64
			for _, pj := range p {
				k1 += pj * pj
			}
			lq := target.LogProb(q)
			// H(x, p) - H(x', p') = log π(x') - log π(x) + (|p|² - |p'|²)/2.
			logA := lq - c.logp[i] + (k0-k1)/2
			st.Proposed++
			if accept(logA, rng) {
				st.Accepted++
				copy(xi, q)
				copy(gi, gq)
				c.logp[i] = lq
			}
		}
		for _, o := range observers {
			o(t, x)
		}
	}
	return st, nil
}

// chains holds, for every particle, the log-density and its gradient at the
// particle's current state, so that a rejected proposal costs nothing more.
type chains struct {
	d    int
	logp []float64 // log p(x_i)
	grad []float64 // ∇ log p(x_i), flat like x
}

// newChains panics, naming who, unless x is a whole number of points.
func newChains(who string, x []float64, target LogDensity) chains {
	d := target.Dim()
	checkPoints(who, x, d)
	c := chains{d: d, logp: make([]float64, len(x)/d), grad: make([]float64, len(x))}
	for i := range c.logp {
		xi := x[i*d : (i+1)*d]
		c.logp[i] = target.LogProb(xi)
		target.ScoreInput(c.grad[i*d:(i+1)*d], xi)
	}
	return c
}

// accept reports whether a proposal with log acceptance ratio logA is
// accepted: with probability min(1, exp(logA)), never if logA is NaN (a
// proposal that left the region where the target is computable).
func accept(logA float64, rng *rand.Rand) bool {
	u := rng.Float64()
	return logA >= 0 || math.Log(u) < logA
}
