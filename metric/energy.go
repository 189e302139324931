package metric

import (
	"fmt"
	"math"
)

// EnergyDistance returns the unbiased estimate of the squared energy
// distance between the distributions of the points x (n of them) and y
// (m) in R^d (Székely and Rizzo 2013, "Energy statistics: a class of
// statistics based on distances", J. Stat. Plan. Inference 143, eq. 2.1):
//
//	D²(X, Y) = 2 E‖X - Y‖ - E‖X - X'‖ - E‖Y - Y'‖
//
//	D²_u = 2/(nm) Σ_{i,j} ‖x_i - y_j‖ - 1/(n(n-1)) Σ_{i≠j} ‖x_i - x_j‖
//	     - 1/(m(m-1)) Σ_{i≠j} ‖y_i - y_j‖
//
// with the Euclidean norm. D² is zero exactly when the distributions are
// equal (given finite first moments); the estimate is unbiased, so it
// scatters around zero for equal distributions and can be slightly
// negative. (scipy.stats.energy_distance, in one dimension, returns the
// square root of the V-statistic, whose within-sample means include the
// zero distances i = j.) It costs O((n+m)² d).
//
// Far points are scaled as in SlicedWasserstein, D² scaling with them. It
// panics unless d >= 1 and x and y hold at least two whole points each.
func EnergyDistance(x, y []float64, d int) float64 {
	n, m := checkPoints("EnergyDistance", "x", x, d), checkPoints("EnergyDistance", "y", y, d)
	if n < 2 || m < 2 {
		panic(fmt.Sprintf("metric: EnergyDistance: need at least 2 points per set, got %d and %d", n, m))
	}
	if xs, ys, exp := scaled(x, y); exp != 0 {
		return math.Ldexp(EnergyDistance(xs, ys, d), exp)
	}
	between, withinX, withinY := energyTerms(x, y, d)
	return 2*between - withinX - withinY
}

// energyTerms returns the mean distance between the sets and the mean
// distances within each over the pairs i ≠ j.
func energyTerms(x, y []float64, d int) (between, withinX, withinY float64) {
	n, m := float64(len(x)/d), float64(len(y)/d)
	var sxy float64
	for i := 0; i < len(x); i += d {
		sxy += distSum(x[i:i+d:i+d], y, d)
	}
	return sxy / (n * m), 2 * distSumWithin(x, d) / (n * (n - 1)), 2 * distSumWithin(y, d) / (m * (m - 1))
}

// distSumWithin returns Σ_{i<j} ‖x_i - x_j‖.
func distSumWithin(x []float64, d int) float64 {
	var s float64
	for i := d; i < len(x); i += d {
		s += distSum(x[i:i+d:i+d], x[:i], d)
	}
	return s
}

// distSum returns Σ_j ‖a - y_j‖ over the points y_j of y.
func distSum(a, y []float64, d int) float64 {
	var s float64
	for j := 0; j < len(y); j += d {
		s += math.Sqrt(sqDist(a, y[j:j+d:j+d]))
	}
	return s
}
