package sde

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SDE is a linear forward process on [0, 1],
//
//	dx = f(t) x dt + g(t) dW
//
// whose perturbation kernel is Gaussian, x_t | x₀ ~ N(a(t) x₀, s(t)² I),
// with a(0) = 1 and s(0) = 0. Marginal, Coefficients and TimeOf panic with
// an "sde: ..." message if t is outside [0, 1] or sigma is negative; VE,
// VP and SubVP implement it after Validate returns nil.
type SDE interface {
	// Marginal returns the mean coefficient a(t) and the standard
	// deviation s(t) of the perturbation kernel.
	Marginal(t float64) (a, s float64)
	// Coefficients returns the drift coefficient f(t), the drift being
	// f(t)·x, and the diffusion g(t).
	Coefficients(t float64) (f, g float64)
	// TimeOf inverts the noise-to-signal ratio σ̂(t) = s(t)/a(t), which
	// increases from 0: it returns the t with σ̂(t) = sigma, or 1 if
	// sigma >= σ̂(1). σ̂ is the noise level of EDM (Karras et al. 2022,
	// Table 1): x_t/a(t) is x₀ + σ̂(t) z.
	TimeOf(sigma float64) float64
	// Validate returns an error naming the parameter that is out of range.
	Validate() error
	String() string
}

// VE is the variance-exploding SDE of Song et al. (2021), with noise
// levels σ(t) = σ_min (σ_max/σ_min)^t, geometric as the blog post's grid
// (of which that grid is a discretisation at t_i = i/(L-1)):
//
//	f = 0,  g(t) = σ(t) √(2 log(σ_max/σ_min))
//	a = 1,  s(t)² = σ(t)² - σ_min²
//
// s is the exact standard deviation of the kernel, zero at t = 0, where
// score_sde takes σ(t) itself; the two differ by σ_min² in variance.
type VE struct {
	SigmaMin, SigmaMax float64
}

// Default VE levels, score_sde's (σ_max = 50 for CIFAR-10). σ_max must
// exceed the largest distance between data points (Song & Ermon 2020,
// technique 1) and more: the prior N(0, s(1)² I) ignores the data's mean,
// and a data mean μ far from 0 shifts the deterministic samplers' mode
// weights: the two-modes-unequal preset's 0.2/0.8, whose mean is 3 per
// axis, come out 0.25/0.75 with σ_max = 20 (an offset of 0.15 σ_max).
const (
	DefaultSigmaMin = 0.01
	DefaultSigmaMax = 50
)

// VP is the variance-preserving SDE (DDPM in continuous time) with a linear
// β(t) = β_min + t (β_max - β_min) and B(t) = ∫₀ᵗ β:
//
//	f = -β(t)/2,  g = √β(t)
//	a = exp(-B(t)/2),  s² = 1 - a²
//
// The zero value is not valid; use BetaMin 0.1, BetaMax 20 as score_sde.
type VP struct {
	BetaMin, BetaMax float64
}

// SubVP is the sub-VP SDE of Song et al. (2021), with the β(t) of VP:
//
//	f = -β(t)/2,  g = √(β(t) (1 - exp(-2B(t))))
//	a = exp(-B(t)/2),  s = 1 - a²
//
// Its kernel's variance is below VP's at every t.
type SubVP struct {
	BetaMin, BetaMax float64
}

// Default β range of VP and SubVP, as DDPM and score_sde.
const (
	DefaultBetaMin = 0.1
	DefaultBetaMax = 20
)

// maxLevel bounds the noise levels and β so that every exponential below
// stays finite.
const maxLevel = 1e6

func (p VE) Validate() error {
	switch {
	case !(p.SigmaMin > 0) || p.SigmaMin > maxLevel:
		return fmt.Errorf("VE sigma-min must be in (0, %g], got %v", float64(maxLevel), p.SigmaMin)
	case !(p.SigmaMax > p.SigmaMin) || p.SigmaMax > maxLevel:
		return fmt.Errorf("VE sigma-max must be above sigma-min (%v) and at most %g, got %v", p.SigmaMin, float64(maxLevel), p.SigmaMax)
	}
	return nil
}

func checkBeta(name string, lo, hi float64) error {
	switch {
	case !(lo > 0) || lo > 1000:
		return fmt.Errorf("%s beta-min must be in (0, 1000], got %v", name, lo)
	case !(hi >= lo) || hi > 1000:
		return fmt.Errorf("%s beta-max must be at least beta-min (%v) and at most 1000, got %v", name, lo, hi)
	}
	return nil
}

func (p VP) Validate() error    { return checkBeta("VP", p.BetaMin, p.BetaMax) }
func (p SubVP) Validate() error { return checkBeta("sub-VP", p.BetaMin, p.BetaMax) }

func (p VE) String() string    { return fmt.Sprintf("ve(sigma %g..%g)", p.SigmaMin, p.SigmaMax) }
func (p VP) String() string    { return fmt.Sprintf("vp(beta %g..%g)", p.BetaMin, p.BetaMax) }
func (p SubVP) String() string { return fmt.Sprintf("subvp(beta %g..%g)", p.BetaMin, p.BetaMax) }

func checkTime(t float64) {
	if !(t >= 0 && t <= 1) {
		panic(fmt.Sprintf("sde: time %v outside [0, 1]", t))
	}
}

func checkSigma(sigma float64) {
	if !(sigma >= 0) {
		panic(fmt.Sprintf("sde: TimeOf: noise level must be non-negative, got %v", sigma))
	}
}

func (p VE) logRatio() float64 { return math.Log(p.SigmaMax / p.SigmaMin) }

func (p VE) Marginal(t float64) (a, s float64) {
	checkTime(t)
	// σ(t)² - σ_min² = σ_min² (r^{2t} - 1), with expm1 for small t.
	return 1, p.SigmaMin * math.Sqrt(math.Expm1(2*t*p.logRatio()))
}

func (p VE) Coefficients(t float64) (f, g float64) {
	checkTime(t)
	lr := p.logRatio()
	return 0, p.SigmaMin * math.Exp(t*lr) * math.Sqrt(2*lr)
}

func (p VE) TimeOf(sigma float64) float64 {
	checkSigma(sigma)
	// r^{2t} = 1 + (σ/σ_min)².
	q := sigma / p.SigmaMin
	return min(1, math.Log1p(q*q)/(2*p.logRatio()))
}

// integral returns B(t) = β_min t + (β_max - β_min) t²/2 and β(t).
func integral(lo, hi, t float64) (b, beta float64) {
	return lo*t + 0.5*(hi-lo)*t*t, lo + t*(hi-lo)
}

// timeOfIntegral solves B(t) = b for t >= 0, in the form without
// cancellation.
func timeOfIntegral(lo, hi, b float64) float64 {
	if b >= lo+0.5*(hi-lo) { // B(1), or +Inf for an overflowing sigma
		return 1
	}
	return min(1, 2*b/(lo+math.Sqrt(lo*lo+2*(hi-lo)*b)))
}

func (p VP) Marginal(t float64) (a, s float64) {
	checkTime(t)
	b, _ := integral(p.BetaMin, p.BetaMax, t)
	return math.Exp(-b / 2), math.Sqrt(-math.Expm1(-b))
}

func (p VP) Coefficients(t float64) (f, g float64) {
	checkTime(t)
	_, beta := integral(p.BetaMin, p.BetaMax, t)
	return -beta / 2, math.Sqrt(beta)
}

func (p VP) TimeOf(sigma float64) float64 {
	checkSigma(sigma)
	// σ̂² = 1/a² - 1 = e^B - 1.
	return timeOfIntegral(p.BetaMin, p.BetaMax, math.Log1p(sigma*sigma))
}

func (p SubVP) Marginal(t float64) (a, s float64) {
	checkTime(t)
	b, _ := integral(p.BetaMin, p.BetaMax, t)
	return math.Exp(-b / 2), -math.Expm1(-b)
}

func (p SubVP) Coefficients(t float64) (f, g float64) {
	checkTime(t)
	b, beta := integral(p.BetaMin, p.BetaMax, t)
	return -beta / 2, math.Sqrt(-beta * math.Expm1(-2*b))
}

func (p SubVP) TimeOf(sigma float64) float64 {
	checkSigma(sigma)
	// σ̂ = (1 - a²)/a, so a = (√(σ̂² + 4) - σ̂)/2 = 2/(√(σ̂² + 4) + σ̂)
	// and B = -2 log a.
	a := 2 / (math.Sqrt(sigma*sigma+4) + sigma)
	return timeOfIntegral(p.BetaMin, p.BetaMax, -2*math.Log(a))
}

// FlowVelocity sets v to the velocity of the probability-flow ODE of p
// (Song et al. 2021) at time t at the points x whose scores are s:
//
//	v = f(t) x - ½ g(t)² s
//
// v may be s. It is the one definition of that field: the samplers
// (sample.Flow) and the likelihood (likelihood.Velocity) both call it.
func FlowVelocity(p SDE, t float64, v, x, s []float64) {
	f, g := p.Coefficients(t)
	h := 0.5 * g * g
	for j, xj := range x {
		v[j] = f*xj - h*s[j]
	}
}

// FlowDivergence returns the divergence of that velocity at a point of
// dimension d whose score has divergence divS: f(t) d - ½ g(t)² divS.
func FlowDivergence(p SDE, t float64, d int, divS float64) float64 {
	f, g := p.Coefficients(t)
	return f*float64(d) - 0.5*g*g*divS
}

// NoiseLevel returns σ̂(t) = s(t)/a(t), the EDM noise level at t.
func NoiseLevel(p SDE, t float64) float64 {
	a, s := p.Marginal(t)
	return s / a
}

// PriorStd returns s(1), the standard deviation of the prior N(0, s(1)² I):
// the kernel at t = 1 from x₀ = 0. score_sde takes σ_max for VE and 1 for
// VP and sub-VP, which differ from s(1) by less than σ_min²/σ_max² and
// e^{-B(1)} relatively.
func PriorStd(p SDE) float64 {
	_, s := p.Marginal(1)
	return s
}

// PriorCovers reports whether the prior N(0, s(1)² I) covers data whose
// root-mean-square distance from 0 is rms (dist.Mixture.RMS): the data's
// spread at t = 1, a(1)·rms, must not exceed s(1), or the reverse process
// starts where p₁ has almost no mass and its samples come out wrong without
// an error (Song & Ermon 2020, technique 1: σ_max of the order of the
// largest distance in the data). It returns a(1)·rms and s(1) with the
// answer.
func PriorCovers(p SDE, rms float64) (spread, std float64, ok bool) {
	a, s := p.Marginal(1)
	return a * rms, s, a*rms <= s
}

// PriorSample sets x, n points of dimension d in a flat slice, to draws from
// the prior N(0, s(1)² I), using rng.
func PriorSample(p SDE, x []float64, rng *rand.Rand) {
	s := PriorStd(p)
	for i := range x {
		x[i] = s * rng.NormFloat64()
	}
}

// PriorLogProb returns the log-density of the prior N(0, s(1)² I) at x, a
// point of any dimension.
func PriorLogProb(p SDE, x []float64) float64 {
	s := PriorStd(p)
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	d := float64(len(x))
	return -0.5*ss/(s*s) - d*math.Log(s) - 0.5*d*math.Log(2*math.Pi)
}

// Parse returns the SDE named by name (ve, vp or subvp) with the default
// parameters, or an error listing the names.
func Parse(name string) (SDE, error) {
	switch name {
	case "ve":
		return VE{SigmaMin: DefaultSigmaMin, SigmaMax: DefaultSigmaMax}, nil
	case "vp":
		return VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax}, nil
	case "subvp":
		return SubVP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax}, nil
	}
	return nil, fmt.Errorf("unknown SDE %q (known: ve, vp, subvp)", name)
}
