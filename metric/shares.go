package metric

import (
	"math"

	"github.com/sgm-dev/sgm/dist"
)

// BinomialSE returns the standard error of each share p of n independent
// draws (a mode weight of n chains, say):
//
//	se = sqrt(p(1-p)/n)
//
// A share outside [0, 1] by rounding gets 0.
func BinomialSE(shares []float64, n int) []float64 {
	se := make([]float64, len(shares))
	for i, p := range shares {
		se[i] = math.Sqrt(max(0, p*(1-p)) / float64(n))
	}
	return se
}

// ComponentWeights returns the weights of the mixture m's components that
// the points x (flat, dimension m.Dim()) give: their mean responsibilities,
//
//	w_k = (1/n) Σ_i r_k(x_i)
//
// in the order of m.Components(). Where ModeWeights counts each point for
// its most responsible component, this shares it out, so that samples of m
// itself give m's weights in expectation even where components overlap
// (the components of a conditional, say). It panics unless x holds at
// least one whole point.
func ComponentWeights(m *dist.Mixture, x []float64) []float64 {
	d := m.Dim()
	n := float64(checkPoints("ComponentWeights", "x", x, d))
	w := make([]float64, m.Len())
	r := make([]float64, m.Len())
	for i := 0; i < len(x); i += d {
		m.Responsibilities(r, x[i:i+d])
		for k := range w {
			w[k] += r[k] / n
		}
	}
	return w
}

// Moments returns the mean and the unbiased variance of each coordinate of
// the points x (flat, dimension d), by two passes:
//
//	mean_k = Σ_i x_ik / n,  var_k = Σ_i (x_ik − mean_k)² / (n − 1)
//
// It panics unless x holds at least two whole points.
func Moments(x []float64, d int) (mean, variance []float64) {
	n := checkPoints("Moments", "x", x, d)
	if n < 2 {
		panic("metric: Moments: one point has no variance")
	}
	mean, variance = make([]float64, d), make([]float64, d)
	nf := float64(n)
	for k := range d {
		for i := k; i < len(x); i += d {
			mean[k] += x[i] / nf
		}
		for i := k; i < len(x); i += d {
			variance[k] += (x[i] - mean[k]) * (x[i] - mean[k]) / (nf - 1)
		}
	}
	return mean, variance
}
