package dist

import (
	"fmt"
	"math"
)

// CheckScaled returns an error unless Scaled(a, s) is defined: a positive
// and finite, s non-negative and finite, and every scaled mean a·μ_k and
// variance a²σ_k² + s² finite and every variance positive.
func (m *Mixture) CheckScaled(a, s float64) error {
	if !(a > 0) || math.IsInf(a, 1) {
		return fmt.Errorf("mean coefficient must be positive and finite, got %v", a)
	}
	if !(s >= 0) || math.IsInf(s, 1) {
		return fmt.Errorf("noise std must be non-negative and finite, got %v", s)
	}
	for _, mu := range m.mean {
		if math.IsInf(a*mu, 0) {
			return fmt.Errorf("mean coefficient %v is too large: a scaled mean overflows", a)
		}
	}
	for _, sd := range m.std {
		h := math.Hypot(a*sd, s)
		if v := h * h; math.IsInf(v, 1) || math.IsInf(a*sd, 1) {
			return fmt.Errorf("scaled variance a²σ² + s² overflows (a=%v, s=%v)", a, s)
		} else if v == 0 || math.IsInf(1/v, 1) {
			return fmt.Errorf("scaled variance a²σ² + s² underflows (a=%v, s=%v)", a, s)
		}
	}
	return nil
}

// Scaled returns the density of a·x + s·z for x drawn from m and
// z ~ N(0, I), the marginal of a linear forward SDE (sde.VE, VP, SubVP) at
// a time where its perturbation kernel is N(a x₀, s² I):
//
//	p(x) = Σ_k w_k N(x; a μ_k, diag(a² σ_k² + s²))
//
// Scaled(1, σ) is Perturbed(σ). It panics if CheckScaled(a, s) returns an
// error.
func (m *Mixture) Scaled(a, s float64) *Mixture {
	if err := m.CheckScaled(a, s); err != nil {
		panic("dist: Scaled: " + err.Error())
	}
	std := make([]float64, len(m.std))
	for i, sd := range m.std {
		std[i] = math.Hypot(a*sd, s)
	}
	mean := make([]float64, len(m.mean))
	for i, mu := range m.mean {
		mean[i] = a * mu
	}
	weight := append([]float64(nil), m.weight...)
	return newMixture(m.d, weight, mean, std)
}

// ScoreHessVec sets dst to the score at x and hv to the product of the
// Hessian of log p at x with v, and returns the Laplacian of log p at x,
// the divergence of the score (the trace of the Hessian). With u_k =
// diag(1/σ_k²)(μ_k - x), responsibilities r_k and score s = Σ_k r_k u_k:
//
//	H = Σ_k r_k (u_k u_kᵀ - diag(1/σ_k²)) - s sᵀ
//	tr H = Σ_k r_k (|u_k|² - Σ_j 1/σ_kj²) - |s|²
//
// v and hv may be nil, to compute the score and Laplacian only. It panics
// if len(x), len(dst) or (when not nil) len(v), len(hv) differ from Dim().
func (m *Mixture) ScoreHessVec(dst, hv, x, v []float64) float64 {
	m.checkPoint("ScoreHessVec", x)
	if len(dst) != m.d || (v != nil || hv != nil) && (len(v) != m.d || len(hv) != m.d) {
		panic(fmt.Sprintf("dist: ScoreHessVec: len(dst)=%d, len(hv)=%d, len(v)=%d, want dimension %d", len(dst), len(hv), len(v), m.d))
	}
	var buf [16]float64
	k := m.k
	l := scratch(buf[:], k)
	lmax, _ := m.terms(l, x)
	sum := expTerms(l, lmax) // l[c] now holds unnormalised responsibilities
	for c := range l {
		l[c] /= sum
	}
	clear(dst)
	if hv != nil {
		clear(hv)
	}
	var lap float64
	for c, r := range l {
		if r == 0 {
			continue
		}
		var uu, tr, uv float64
		for j, xj := range x {
			iv := m.invVar[j*k+c]
			u := (m.mean[j*k+c] - xj) * iv
			uu += u * u
			tr += iv
			if v != nil {
				uv += u * v[j]
			}
		}
		lap += r * (uu - tr)
		for j, xj := range x {
			iv := m.invVar[j*k+c]
			u := (m.mean[j*k+c] - xj) * iv
			dst[j] += r * u
			if hv != nil {
				hv[j] += r * (u*uv - iv*v[j])
			}
		}
	}
	var ss, sv float64
	for j, s := range dst {
		ss += s * s
		if v != nil {
			sv += s * v[j]
		}
	}
	if hv != nil {
		for j, s := range dst {
			hv[j] -= s * sv
		}
	}
	return lap - ss
}
