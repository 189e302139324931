package metric

import (
	"fmt"
	"math"
)

// CFMBandwidths are the Gaussian kernel bandwidths of the RBF_MMD that
// torchcfm reports (conditional-flow-matching, runner/src/models/components/
// distribution_distances.py: mix_rbf_mmd2 with sigma_list [0.01, 0.1, 1,
// 10, 100]).
var CFMBandwidths = [...]float64{0.01, 0.1, 1, 10, 100}

// RBFMMDResult is the MMD of two samples at several bandwidths.
type RBFMMDResult struct {
	Bandwidths []float64 // the bandwidths h_k
	MMD2       []float64 // MMD²_u at each bandwidth, as MMD returns it

	// Mixture is the biased estimate (V-statistic) of MMD² with the sum
	// of the kernels, k(a, b) = Σ_k exp(-‖a - b‖² / (2h_k²)): the number
	// torchcfm reports as RBF_MMD (mix_rbf_mmd2, biased=True),
	//
	//	1/n² Σ_{i,j} k(x_i, x_j) + 1/m² Σ_{i,j} k(y_i, y_j) - 2/(nm) Σ_{i,j} k(x_i, y_j)
	//
	// with the diagonal terms i = j included. It is non-negative, and
	// biased upwards by (K - E k(X, X'))/n + (K - E k(Y, Y'))/m for K
	// bandwidths: by up to 1/n + 1/m for each bandwidth far below the
	// spacing of the points.
	Mixture float64
}

// RBFMMD returns the unbiased MMD² of x (n points) and y (m) in R^d at
// each of the bandwidths, and torchcfm's biased MMD² of the summed
// kernels; CFMBandwidths[:] are the bandwidths torchcfm uses. One pass of
// O((n+m)² d) per bandwidth.
//
// It panics unless d >= 1, x and y hold at least two whole points each,
// and there is at least one bandwidth, each positive and finite.
func RBFMMD(x, y []float64, d int, bandwidths []float64) RBFMMDResult {
	n, m := checkPoints("RBFMMD", "x", x, d), checkPoints("RBFMMD", "y", y, d)
	if n < 2 || m < 2 {
		panic(fmt.Sprintf("metric: RBFMMD: need at least 2 points per set, got %d and %d", n, m))
	}
	if len(bandwidths) == 0 {
		panic("metric: RBFMMD: no bandwidths")
	}
	res := RBFMMDResult{Bandwidths: append([]float64(nil), bandwidths...), MMD2: make([]float64, len(bandwidths))}
	fn, fm := float64(n), float64(m)
	for k, h := range bandwidths {
		if !(h > 0) || math.IsInf(h, 1) {
			panic(fmt.Sprintf("metric: RBFMMD: bandwidth %d must be positive and finite, got %v", k, h))
		}
		gamma := 1 / (2 * h * h)
		kxx := kernelSumWithin(x, d, gamma) // Σ_{i<j}
		kyy := kernelSumWithin(y, d, gamma)
		kxy := kernelSumBetween(x, y, d, gamma)
		res.MMD2[k] = 2*kxx/(fn*(fn-1)) + 2*kyy/(fm*(fm-1)) - 2*kxy/(fn*fm)
		res.Mixture += (2*kxx+fn)/(fn*fn) + (2*kyy+fm)/(fm*fm) - 2*kxy/(fn*fm)
	}
	return res
}
