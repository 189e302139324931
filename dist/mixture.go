package dist

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
)

// Component is one Gaussian of a Mixture: its weight, mean and per-axis
// standard deviation (the covariance is diag(Std²)). Its JSON form is
//
//	{"weight": 0.5, "mean": [0.5, 0.5], "std": [0.4, 0.4]}
type Component struct {
	Weight float64   `json:"weight"`
	Mean   []float64 `json:"mean"`
	Std    []float64 `json:"std"`
}

// Mixture is a mixture of Gaussians with diagonal covariances in R^d:
//
//	p(x) = Σ_k w_k N(x; μ_k, diag(σ_k²))
//
// A Mixture is immutable and safe for concurrent use. It implements
// sgm.Scorer.
type Mixture struct {
	d, k int

	weight []float64 // w_k, summing to 1

	// Per-axis arrays are axis-major, [j*k+c] for axis j of component c,
	// so that the loops over components run over contiguous memory.
	mean   []float64 // μ_cj
	std    []float64 // σ_cj
	invVar []float64 // 1/σ_cj²

	// logNorm[c] = log w_c - d/2 log 2π - Σ_j log σ_cj, the log-density of
	// the weighted component at its mean.
	logNorm []float64

	pick alias // draws a component with probability w_c
}

var _ sgm.Scorer = (*Mixture)(nil)

// NewMixture returns the mixture of components, whose weights are
// normalised to sum to 1. It returns an error naming the component and field
// unless there is at least one component, all means and standard deviations
// have the same positive length d, every weight is positive and finite,
// every mean is finite and every standard deviation is positive and finite.
// The components are copied.
func NewMixture(components []Component) (*Mixture, error) {
	if len(components) == 0 {
		return nil, errors.New("mixture needs at least one component")
	}
	d := len(components[0].Mean)
	maxW := 0.0
	for i, c := range components {
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
			return nil, fmt.Errorf("component %d: %q must be positive and finite, got %v", i, "weight", c.Weight)
		}
		maxW = math.Max(maxW, c.Weight)
		switch {
		case len(c.Mean) == 0:
			return nil, fmt.Errorf("component %d: %q must not be empty", i, "mean")
		case len(c.Mean) != d:
			return nil, fmt.Errorf("component %d: %q has length %d, component 0's has length %d", i, "mean", len(c.Mean), d)
		case len(c.Std) != len(c.Mean):
			return nil, fmt.Errorf("component %d: %q has length %d, %q has length %d", i, "std", len(c.Std), "mean", len(c.Mean))
		}
		for j, m := range c.Mean {
			if math.IsNaN(m) || math.IsInf(m, 0) {
				return nil, fmt.Errorf("component %d: %q[%d] must be finite, got %v", i, "mean", j, m)
			}
		}
		for j, s := range c.Std {
			switch {
			case !(s > 0):
				return nil, fmt.Errorf("component %d: %q[%d] must be positive, got %v", i, "std", j, s)
			case math.IsInf(s, 0):
				return nil, fmt.Errorf("component %d: %q[%d] must be finite, got %v", i, "std", j, s)
			case math.IsInf(1/(s*s), 0):
				return nil, fmt.Errorf("component %d: %q[%d] = %v is too small: 1/std² overflows", i, "std", j, s)
			}
		}
	}
	k := len(components)
	weight := make([]float64, k)
	mean := make([]float64, k*d)
	std := make([]float64, k*d)
	for c, comp := range components {
		weight[c] = comp.Weight / maxW // dividing by the largest first cannot overflow the sum
		for j := range d {
			mean[j*k+c] = comp.Mean[j]
			std[j*k+c] = comp.Std[j]
		}
	}
	return newMixture(d, weight, mean, std), nil
}

// newMixture builds a mixture from valid, axis-major parameters, which it
// keeps. weight is normalised in place.
func newMixture(d int, weight, mean, std []float64) *Mixture {
	k := len(weight)
	var total float64
	for _, w := range weight {
		total += w
	}
	for c := range weight {
		weight[c] /= total
	}
	m := &Mixture{
		d:       d,
		k:       k,
		weight:  weight,
		mean:    mean,
		std:     std,
		invVar:  make([]float64, k*d),
		logNorm: make([]float64, k),
	}
	halfLog2Pi := 0.5 * math.Log(2*math.Pi)
	for c, w := range weight {
		m.logNorm[c] = math.Log(w) - float64(d)*halfLog2Pi
	}
	for i, s := range std {
		m.invVar[i] = 1 / (s * s)
		m.logNorm[i%k] -= math.Log(s)
	}
	var ok bool
	m.pick, ok = newAlias(weight)
	if !ok {
		panic("dist: mixture has no positive weight")
	}
	return m
}

// Dim returns the dimension d of the mixture's points.
func (m *Mixture) Dim() int { return m.d }

// Len returns the number of components.
func (m *Mixture) Len() int { return m.k }

// Components returns a copy of the mixture's components, with weights
// summing to 1.
func (m *Mixture) Components() []Component {
	comps := make([]Component, m.k)
	for c := range comps {
		comps[c] = Component{
			Weight: m.weight[c],
			Mean:   make([]float64, m.d),
			Std:    make([]float64, m.d),
		}
		for j := range m.d {
			comps[c].Mean[j] = m.mean[j*m.k+c]
			comps[c].Std[j] = m.std[j*m.k+c]
		}
	}
	return comps
}

// skipBelow is how far below the largest l_k(x) a component's term may lie
// before it is left out of the sums: its responsibility is then below
// e^-64 ≈ 1.6e-28, far under the rounding error of the sum.
const skipBelow = -64

// logTerms sets l[c] = l_c(x) = log w_c + log N(x; μ_c, diag(σ_c²)) and
// returns max_c l[c].
func (m *Mixture) logTerms(l, x []float64) float64 {
	k := m.k
	l = l[:k]
	copy(l, m.logNorm)
	for j, xj := range x {
		mean := m.mean[j*k : (j+1)*k]
		iv := m.invVar[j*k : (j+1)*k]
		for c := range l {
			dx := xj - mean[c]
			l[c] -= 0.5 * dx * dx * iv[c]
		}
	}
	lmax := math.Inf(-1)
	for _, v := range l {
		if v > lmax {
			lmax = v
		}
	}
	return lmax
}

// expTerms replaces l[c] by exp(l[c] - lmax), zero for the terms skipped, and
// returns their sum.
func expTerms(l []float64, lmax float64) float64 {
	var sum float64
	for c, v := range l {
		v -= lmax
		if v < skipBelow {
			l[c] = 0
			continue
		}
		e := math.Exp(v)
		l[c] = e
		sum += e
	}
	return sum
}

// scratch returns a slice of length k, from buf if it is long enough.
func scratch(buf []float64, k int) []float64 {
	if k <= len(buf) {
		return buf[:k]
	}
	return make([]float64, k)
}

// LogProb returns the log-density of the mixture at x:
//
//	log p(x) = log Σ_k w_k N(x; μ_k, diag(σ_k²))
//
// computed as a log-sum-exp, so it is finite far from the modes. It panics
// if len(x) != Dim().
func (m *Mixture) LogProb(x []float64) float64 {
	m.checkPoint("LogProb", x)
	var buf [16]float64
	l := scratch(buf[:], m.k)
	lmax := m.logTerms(l, x)
	if math.IsInf(lmax, -1) {
		return lmax
	}
	return lmax + math.Log(expTerms(l, lmax))
}

// Prob returns the density of the mixture at x, exp(LogProb(x)).
func (m *Mixture) Prob(x []float64) float64 {
	return math.Exp(m.LogProb(x))
}

// Responsibilities sets dst[k] to the posterior probability of component k
// given the point x,
//
//	r_k(x) = w_k N(x; μ_k, diag(σ_k²)) / p(x)
//
// and returns dst. If dst is nil a new slice is allocated. It panics if
// len(x) != Dim() or dst is not nil and len(dst) != number of components.
func (m *Mixture) Responsibilities(dst, x []float64) []float64 {
	m.checkPoint("Responsibilities", x)
	if dst == nil {
		dst = make([]float64, m.k)
	}
	if len(dst) != m.k {
		panic(fmt.Sprintf("dist: Responsibilities: len(dst)=%d != number of components %d", len(dst), m.k))
	}
	lmax := m.logTerms(dst, x)
	sum := expTerms(dst, lmax)
	for c := range dst {
		dst[c] /= sum
	}
	return dst
}

// ScoreInput sets dst to the score of the mixture at x, the gradient of the
// log-density with respect to x,
//
//	∇ₓ log p(x) = Σ_k r_k(x) (μ_k - x)/σ_k²
//
// and returns dst. The responsibilities r_k are computed with log-sum-exp,
// so the score is finite far from the modes. If dst is nil a new slice is
// allocated. It panics if len(x) != Dim() or dst is not nil and
// len(dst) != Dim().
func (m *Mixture) ScoreInput(dst, x []float64) []float64 {
	m.checkPoint("ScoreInput", x)
	if dst == nil {
		dst = make([]float64, m.d)
	}
	if len(dst) != m.d {
		panic(fmt.Sprintf("dist: ScoreInput: len(dst)=%d != dimension %d", len(dst), m.d))
	}
	var buf [16]float64
	m.score(dst, x, scratch(buf[:], m.k))
	return dst
}

// ScoreBatch sets dst[i*d:(i+1)*d] to the score at x[i*d:(i+1)*d] for every
// point of the batch, as ScoreInput does. It implements sgm.Scorer and
// panics as sgm.CheckBatch does. dst and x may be the same slice.
func (m *Mixture) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("dist: ScoreBatch", m.d, dst, x)
	var buf [16]float64
	l := scratch(buf[:], m.k)
	d := m.d
	for i := 0; i < len(x); i += d {
		m.score(dst[i:i+d:i+d], x[i:i+d:i+d], l)
	}
}

// score sets dst to the score at x using l, of length k, as scratch space.
// dst may alias x.
func (m *Mixture) score(dst, x, l []float64) {
	if m.d == 2 {
		m.score2(dst, x, l)
		return
	}
	k := m.k
	lmax := m.logTerms(l, x)
	sum := expTerms(l, lmax)
	inv := 1 / sum
	for j, xj := range x {
		mean := m.mean[j*k : (j+1)*k]
		iv := m.invVar[j*k : (j+1)*k]
		var s float64
		for c, e := range l {
			s += e * (mean[c] - xj) * iv[c]
		}
		dst[j] = s * inv
	}
}

// score2 is score for d = 2, the images' case, in two passes over the
// components instead of five.
func (m *Mixture) score2(dst, x, l []float64) {
	k := m.k
	l = l[:k]
	ln := m.logNorm[:k]
	m0, m1 := m.mean[:k], m.mean[k:2*k]
	iv0, iv1 := m.invVar[:k], m.invVar[k:2*k]
	x0, x1 := x[0], x[1]
	lmax := math.Inf(-1)
	for c := range l {
		d0, d1 := x0-m0[c], x1-m1[c]
		v := ln[c] - 0.5*(d0*d0*iv0[c]+d1*d1*iv1[c])
		l[c] = v
		if v > lmax {
			lmax = v
		}
	}
	var sum, s0, s1 float64
	for c, v := range l {
		v -= lmax
		if v < skipBelow {
			continue
		}
		e := math.Exp(v)
		sum += e
		s0 += e * (m0[c] - x0) * iv0[c]
		s1 += e * (m1[c] - x1) * iv1[c]
	}
	dst[0], dst[1] = s0/sum, s1/sum
}

func (m *Mixture) checkPoint(who string, x []float64) {
	if len(x) != m.d {
		panic(fmt.Sprintf("dist: %s: len(x)=%d != dimension %d", who, len(x), m.d))
	}
}

// Rand sets dst to a draw from the mixture, using rng, and returns dst: a
// component k is picked with probability w_k and
//
//	x = μ_k + σ_k ⊙ z,   z ~ N(0, I)
//
// If dst is nil a new slice is allocated. It panics if dst is not nil and
// len(dst) != Dim().
func (m *Mixture) Rand(dst []float64, rng *rand.Rand) []float64 {
	if dst == nil {
		dst = make([]float64, m.d)
	}
	if len(dst) != m.d {
		panic(fmt.Sprintf("dist: Rand: len(dst)=%d != dimension %d", len(dst), m.d))
	}
	m.draw(dst, rng)
	return dst
}

// Sample returns n draws from the mixture, using rng, as a flat slice of
// length n*Dim() whose i-th point is [i*d:(i+1)*d]. It panics if n < 0.
func (m *Mixture) Sample(n int, rng *rand.Rand) []float64 {
	if n < 0 {
		panic(fmt.Sprintf("dist: Sample: negative number of draws %d", n))
	}
	d := m.d
	x := make([]float64, n*d)
	for i := 0; i < len(x); i += d {
		m.draw(x[i:i+d], rng)
	}
	return x
}

func (m *Mixture) draw(dst []float64, rng *rand.Rand) {
	c := m.pick.draw(rng)
	for j := range dst {
		dst[j] = m.mean[j*m.k+c] + m.std[j*m.k+c]*rng.NormFloat64()
	}
}

// Perturbed returns the mixture convolved with N(0, σ² I), the density of
// x + σz for x drawn from m and z ~ N(0, I):
//
//	p_σ(x) = Σ_k w_k N(x; μ_k, diag(σ_k² + σ²))
//
// Its score is the exact score of the noise-perturbed density. Perturbed(0)
// returns a copy of m. It panics if sigma is negative or not finite.
func (m *Mixture) Perturbed(sigma float64) *Mixture {
	if !(sigma >= 0) || math.IsInf(sigma, 1) {
		panic(fmt.Sprintf("dist: Perturbed: noise level must be non-negative and finite, got %v", sigma))
	}
	std := make([]float64, len(m.std))
	for i, s := range m.std {
		std[i] = math.Hypot(s, sigma)
	}
	weight := append([]float64(nil), m.weight...)
	mean := append([]float64(nil), m.mean...)
	return newMixture(m.d, weight, mean, std)
}
