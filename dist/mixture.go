package dist

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

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
// normalised to sum to 1; weights that already do, within the rounding of a
// normalisation, are kept as they are, so that a mixture's own weights
// (Components, MarshalJSON) give back the same mixture. It returns an error
// naming the component and field unless there is at least one component,
// all means and standard deviations have the same positive length d, every
// weight is positive and finite, every mean is finite and every standard
// deviation σ is positive with σ² and 1/σ² finite (about
// 7.5e-155 < σ < 1.3e154). The components are copied.
func NewMixture(components []Component) (*Mixture, error) {
	if len(components) == 0 {
		return nil, errors.New("mixture needs at least one component")
	}
	d := len(components[0].Mean)
	for i, c := range components {
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
			return nil, fmt.Errorf("component %d: %q must be positive and finite, got %v", i, "weight", c.Weight)
		}
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
			case math.IsInf(s*s, 0):
				return nil, fmt.Errorf("component %d: %q[%d] = %v is too large: std² overflows", i, "std", j, s)
			}
		}
	}
	k := len(components)
	weight := make([]float64, k)
	mean := make([]float64, k*d)
	std := make([]float64, k*d)
	for c, comp := range components {
		weight[c] = comp.Weight
		for j := range d {
			mean[j*k+c] = comp.Mean[j]
			std[j*k+c] = comp.Std[j]
		}
	}
	normalise(weight)
	return newMixture(d, weight, mean, std), nil
}

// normalise divides the weights, positive and finite, by their sum in
// place, dividing by the largest first so that the sum cannot overflow.
// Weights that already sum to 1 within the rounding error of a
// normalisation are kept as they are, so that the weights of a mixture read
// back from its JSON form are the same float64s. That error is below
// (2k-1)·2⁻⁵³ for k weights (k divisions by the computed sum, each within
// 2⁻⁵³, and two sums of k terms, each within (k-1)·2⁻⁵³ to first order);
// the tolerance is twice that, 2k·2⁻⁵².
func normalise(weight []float64) {
	var sum float64
	for _, w := range weight {
		sum += w
	}
	if math.Abs(sum-1) <= 2*float64(len(weight))*0x1p-52 {
		return
	}
	top := slices.Max(weight)
	sum = 0
	for c := range weight {
		weight[c] /= top
		sum += weight[c]
	}
	for c := range weight {
		weight[c] /= sum
	}
}

// newMixture builds a mixture from valid, axis-major parameters, which it
// keeps. The weights must sum to 1, as normalise leaves them.
func newMixture(d int, weight, mean, std []float64) *Mixture {
	k := len(weight)
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

// terms sets l[c] = l_c(x) + shift, with l_c(x) = log w_c +
// log N(x; μ_c, diag(σ_c²)), and returns max_c l[c] and shift. The common
// shift, which cancels from the responsibilities and the score, is 0 unless
// every l_c(x) overflows to -Inf; farTerms then chooses it to keep the
// largest term finite.
func (m *Mixture) terms(l, x []float64) (lmax, shift float64) {
	lmax = m.logTerms(l, x)
	if math.IsInf(lmax, -1) {
		return m.farTerms(l, x)
	}
	return lmax, 0
}

// logTerms sets l[c] = l_c(x) and returns max_c l[c]. The quadratic term is
// summed as dx·(dx/σ²), which does not overflow before the term itself does
// when σ > 1.
func (m *Mixture) logTerms(l, x []float64) float64 {
	k := m.k
	l = l[:k]
	copy(l, m.logNorm)
	for j, xj := range x {
		mean := m.mean[j*k : (j+1)*k]
		iv := m.invVar[j*k : (j+1)*k]
		for c := range l {
			dx := xj - mean[c]
			l[c] -= 0.5 * dx * (dx * iv[c])
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

// farTerms is terms at a point x so far from the modes that every l_c(x)
// overflowed to -Inf: each quadratic term
//
//	q_c = ½ Σ_j z_cj²,   z_cj = (x_j - μ_cj)/σ_cj
//
// is beyond about 1e308. It computes log q_c from log |z_cj|, as a
// log-sum-exp over the axes, so that nothing overflows, and returns
// shift = min_c q_c (+Inf where it overflows) and the terms
//
//	l[c] = log w_c - d/2 log 2π - Σ_j log σ_cj - (q_c - shift)
//
// Components of weight zero keep l[c] = -Inf. If x has a NaN or infinite
// coordinate, the terms are NaN and so is shift, or +Inf if no coordinate
// is NaN: the density is then 0 but the responsibilities are undefined.
func (m *Mixture) farTerms(l, x []float64) (lmax, shift float64) {
	for _, v := range x {
		switch {
		case math.IsNaN(v):
			shift = v
		case math.IsInf(v, 0) && !math.IsNaN(shift):
			shift = math.Inf(1)
		}
	}
	if shift != 0 { // true for NaN
		for c := range l {
			l[c] = math.NaN()
		}
		return math.NaN(), shift
	}
	k := m.k
	// l[c] = log q_c first. Halving x_j and μ_cj keeps their difference
	// finite.
	logZ := func(i int, xj float64) float64 {
		return math.Log(math.Abs(xj/2-m.mean[i]/2)) + math.Ln2 - math.Log(m.std[i])
	}
	lqMin := math.Inf(1)
	for c := range l {
		if math.IsInf(m.logNorm[c], -1) {
			continue // weight zero
		}
		top := math.Inf(-1)
		for j, xj := range x {
			top = max(top, logZ(j*k+c, xj))
		}
		var sum float64
		for j, xj := range x {
			sum += math.Exp(2 * (logZ(j*k+c, xj) - top))
		}
		l[c] = math.Log(0.5*sum) + 2*top
		lqMin = min(lqMin, l[c])
	}
	// q_c - q_min = q_min (e^(log q_c - log q_min) - 1).
	lmax = math.Inf(-1)
	for c, lq := range l {
		if math.IsInf(m.logNorm[c], -1) {
			l[c] = math.Inf(-1)
			continue
		}
		dq := 0.0
		if lq > lqMin {
			dq = math.Exp(lqMin + math.Log(math.Expm1(lq-lqMin)))
		}
		l[c] = m.logNorm[c] - dq
		lmax = max(lmax, l[c])
	}
	return lmax, math.Exp(lqMin)
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
// computed as a log-sum-exp, so it is finite far from the modes: it is
// -Inf only where log p(x) is below -MaxFloat64 (beyond about 1.9e154
// standard deviations from every mode) or x has an infinite coordinate, and
// NaN if x has a NaN coordinate. It panics if len(x) != Dim().
func (m *Mixture) LogProb(x []float64) float64 {
	m.checkPoint("LogProb", x)
	var buf [16]float64
	l := scratch(buf[:], m.k)
	lmax, shift := m.terms(l, x)
	if math.IsInf(shift, 1) {
		return math.Inf(-1)
	}
	return lmax + math.Log(expTerms(l, lmax)) - shift
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
// and returns dst. They are finite wherever x is finite, even where every
// density underflows or its log overflows; there, beyond about 1.9e154
// standard deviations, the components nearest x in standard deviations
// take them all. They are NaN if x has a NaN or infinite coordinate. If dst
// is nil a new slice is allocated. It panics if len(x) != Dim() or dst is
// not nil and len(dst) != number of components.
func (m *Mixture) Responsibilities(dst, x []float64) []float64 {
	m.checkPoint("Responsibilities", x)
	if dst == nil {
		dst = make([]float64, m.k)
	}
	if len(dst) != m.k {
		panic(fmt.Sprintf("dist: Responsibilities: len(dst)=%d != number of components %d", len(dst), m.k))
	}
	lmax, _ := m.terms(dst, x)
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
// and returns dst. The responsibilities r_k are finite wherever x is (see
// Responsibilities), so the score is finite wherever x is finite and no
// x_j - μ_kj nor (x_j - μ_kj)/σ_kj² overflows. If dst is nil a new slice is
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
	if m.d == 2 && m.score2(dst, x, l) {
		return
	}
	k := m.k
	lmax, _ := m.terms(l, x)
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
// components instead of five. Where every term overflows it returns false,
// leaving dst alone, and score's general path, with farTerms, takes over:
// calling farTerms here would slow the common case by a fifth.
func (m *Mixture) score2(dst, x, l []float64) bool {
	k := m.k
	l = l[:k]
	ln := m.logNorm[:k]
	m0, m1 := m.mean[:k], m.mean[k:2*k]
	iv0, iv1 := m.invVar[:k], m.invVar[k:2*k]
	x0, x1 := x[0], x[1]
	lmax := math.Inf(-1)
	for c := range l {
		d0, d1 := x0-m0[c], x1-m1[c]
		v := ln[c] - 0.5*(d0*(d0*iv0[c])+d1*(d1*iv1[c]))
		l[c] = v
		if v > lmax {
			lmax = v
		}
	}
	if math.IsInf(lmax, -1) {
		return false
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
	return true
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

// Sample returns n draws from the mixture, using rng, in dst (or a new
// slice if dst is nil) of length n*Dim() whose i-th point is
// [i*d:(i+1)*d] (sgm.Source). It panics if n < 0 or dst has another length.
func (m *Mixture) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	d := m.d
	x := sgm.SampleDst("dist: Sample", dst, n, d)
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

// CheckPerturbed returns an error unless Perturbed(sigma) is defined: sigma
// is zero, or positive and finite and small enough that every perturbed
// variance σ_k² + σ² is finite. Use it on noise levels that come from
// users or files before calling Perturbed, which panics on them.
func (m *Mixture) CheckPerturbed(sigma float64) error {
	if !(sigma >= 0) || math.IsInf(sigma, 1) {
		return fmt.Errorf("noise level must be non-negative and finite, got %v", sigma)
	}
	for _, s := range m.std {
		if h := math.Hypot(s, sigma); math.IsInf(h*h, 1) {
			return fmt.Errorf("noise level %v is too large: the perturbed variance σ_k² + σ² overflows", sigma)
		}
	}
	return nil
}

// Perturbed returns the mixture convolved with N(0, σ² I), the density of
// x + σz for x drawn from m and z ~ N(0, I):
//
//	p_σ(x) = Σ_k w_k N(x; μ_k, diag(σ_k² + σ²))
//
// Its score is the exact score of the noise-perturbed density. Perturbed(0)
// returns a copy of m. It panics if CheckPerturbed(sigma) returns an
// error: sigma negative or not finite, or so large (about 1e154) that a
// perturbed variance σ_k² + σ² overflows.
func (m *Mixture) Perturbed(sigma float64) *Mixture {
	if err := m.CheckPerturbed(sigma); err != nil {
		panic("dist: Perturbed: " + err.Error())
	}
	std := make([]float64, len(m.std))
	for i, s := range m.std {
		std[i] = math.Hypot(s, sigma)
	}
	weight := append([]float64(nil), m.weight...)
	mean := append([]float64(nil), m.mean...)
	return newMixture(m.d, weight, mean, std)
}
