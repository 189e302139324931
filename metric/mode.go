package metric

import (
	"fmt"
	"math"
	"slices"

	"github.com/sgm-dev/sgm/dist"
)

// ModeWeights returns, for each component k of the mixture m in the order
// of m.Components(), the share of the points x (flat, dimension m.Dim())
// whose most responsible component is k:
//
//	share_k = #{i : argmax_c r_c(x_i) = k} / n
//
// where r_c are the mixture's responsibilities (ties go to the first
// component). The responsibilities are defined at every finite point, even
// far beyond the modes (see dist.Mixture.Responsibilities). Points with a
// NaN or infinite coordinate, where they are not, go to no component, so the
// shares then sum to less than 1.
// Compare with the weights through ModeWeightError.
//
// It panics unless x holds at least one whole point of dimension m.Dim().
func ModeWeights(m *dist.Mixture, x []float64) []float64 {
	d := m.Dim()
	n := checkPoints("ModeWeights", "x", x, d)
	shares := make([]float64, m.Len())
	r := make([]float64, m.Len())
	for i := 0; i < len(x); i += d {
		if best := mostResponsible(m, r, x[i:i+d]); best >= 0 {
			shares[best]++
		}
	}
	for k := range shares {
		shares[k] /= float64(n)
	}
	return shares
}

// mostResponsible returns the component of m most responsible for the
// point x (the first on a tie), using r (of length m.Len()) as scratch, or
// -1 if x has a NaN or infinite coordinate.
func mostResponsible(m *dist.Mixture, r, x []float64) int {
	if slices.ContainsFunc(x, func(v float64) bool { return !finite(v) }) {
		return -1
	}
	m.Responsibilities(r, x)
	best := 0
	for c, v := range r {
		if v > r[best] {
			best = c
		}
	}
	return best
}

// ModeWeightError returns the largest absolute difference between shares
// (as from ModeWeights) and the mixture's normalised weights w_k:
//
//	max_k |share_k - w_k|
//
// It panics if len(shares) != m.Len().
func ModeWeightError(m *dist.Mixture, shares []float64) float64 {
	comps := m.Components()
	if len(shares) != len(comps) {
		panic(fmt.Sprintf("metric: ModeWeightError: %d shares for %d components", len(shares), len(comps)))
	}
	var worst float64
	for k, c := range comps {
		e := math.Abs(shares[k] - c.Weight)
		if e > worst || math.IsNaN(e) {
			worst = e
		}
	}
	return worst
}
