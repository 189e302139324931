package dist

import (
	"fmt"
	"math"
)

// Mean returns the mixture's mean, Σ_c w_c μ_c.
func (m *Mixture) Mean() []float64 {
	mean := make([]float64, m.d)
	for c := range m.k {
		for j := range m.d {
			mean[j] += m.weight[c] * m.mean[j*m.k+c]
		}
	}
	return mean
}

// Var returns the mixture's variance along each coordinate (the diagonal
// of its covariance), by the law of total variance:
//
//	Var_j = Σ_c w_c (σ_cj² + (μ_cj - mean_j)²)
func (m *Mixture) Var() []float64 {
	mean := m.Mean()
	v := make([]float64, m.d)
	for c := range m.k {
		for j := range m.d {
			s, dm := m.std[j*m.k+c], m.mean[j*m.k+c]-mean[j]
			v[j] += m.weight[c] * (s*s + dm*dm)
		}
	}
	return v
}

// RMS returns the mixture's root-mean-square distance from the origin,
//
//	√E‖X‖² = √( Σ_c w_c Σ_j (μ_cj² + σ_cj²) ) = √( Σ_j Var_j + Mean_j² )
//
// summed over the means and standard deviations divided by a power of two
// near the largest of them (exactly), so that it does not overflow for a
// mixture far out (means of 1e300 gave a Var of +Inf): it is finite
// unless it exceeds MaxFloat64 itself.
func (m *Mixture) RMS() float64 {
	var top float64
	for _, v := range m.mean {
		top = max(top, math.Abs(v))
	}
	for _, v := range m.std {
		top = max(top, v)
	}
	_, e := math.Frexp(top)
	var s float64
	for c := range m.k {
		var sc float64
		for j := range m.d {
			mu, sd := math.Ldexp(m.mean[j*m.k+c], -e), math.Ldexp(m.std[j*m.k+c], -e)
			sc += mu*mu + sd*sd
		}
		s += m.weight[c] * sc
	}
	return math.Ldexp(math.Sqrt(s), e)
}

// Bounds returns the smallest box holding every component's mean ± stds
// standard deviations along each coordinate: lo_j = min_c μ_cj - stds σ_cj
// and hi_j = max_c μ_cj + stds σ_cj. Figures draw a mixture in it. It
// panics if stds is negative or not finite.
func (m *Mixture) Bounds(stds float64) (lo, hi []float64) {
	if !(stds >= 0) || math.IsInf(stds, 0) {
		panic(fmt.Sprintf("dist: Bounds: standard deviations must be non-negative and finite, got %v", stds))
	}
	lo, hi = make([]float64, m.d), make([]float64, m.d)
	for j := range m.d {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		for c := range m.k {
			mu, sd := m.mean[j*m.k+c], m.std[j*m.k+c]
			lo[j], hi[j] = min(lo[j], mu-stds*sd), max(hi[j], mu+stds*sd)
		}
	}
	return lo, hi
}

// Standardized returns m in standard units: the density of z = (x −
// mean)/std per coordinate for x drawn from m, the diagonal Gaussian
// mixture
//
//	p_Z(z) = Σ_k w_k N(z; (μ_k − mean)/std, diag(σ_k²/std²))
//
// with p_Z(z) = p_X(x) Π_j std[j]. A model trained on m's samples in
// standard units learns its perturbed scores (Perturbed) at every level.
// It returns an error if mean or std is not of m's dimension or a mapped
// component is out of NewMixture's range.
func (m *Mixture) Standardized(mean, std []float64) (*Mixture, error) {
	d := m.Dim()
	if len(mean) != d || len(std) != d {
		return nil, fmt.Errorf("a standardisation of %d coordinates for a %d-dimensional mixture", len(mean), d)
	}
	comps := m.Components()
	for _, c := range comps {
		for j := range d {
			c.Mean[j] = (c.Mean[j] - mean[j]) / std[j]
			c.Std[j] /= std[j]
		}
	}
	return NewMixture(comps)
}
