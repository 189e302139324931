package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultProjections is the number of random directions that the command
// line averages over in SlicedWasserstein: with 200 directions the Monte
// Carlo error of SW₂² is about 5% in two dimensions (see the package
// documentation).
const DefaultProjections = 200

// SlicedWasserstein returns a Monte Carlo estimate of the sliced
// Wasserstein-2 distance between the empirical distributions of the points
// x and y in R^d (flat, row-major; the two sets may differ in size),
//
//	SW₂(X, Y) = sqrt( E_θ W₂²(θ·X, θ·Y) ),   θ uniform on the unit sphere
//
// where the expectation over θ is replaced by the mean over projections
// directions drawn from rng, and each one-dimensional W₂² is computed
// exactly from the projected points as in Wasserstein1D. For d = 1 the
// only projection is the identity, the result is W₂(x, y) exactly, and
// neither projections nor rng are used.
//
// Points far out (coordinates beyond 2^500, whose squared differences
// overflow) are scaled by a power of two first, and the distance scaled
// back, as SW₂ scales with the points: it is finite for any finite points
// unless it exceeds MaxFloat64 itself.
//
// It panics unless d >= 1, x and y hold at least one whole point each and
// projections >= 1.
func SlicedWasserstein(x, y []float64, d, projections int, rng *rand.Rand) float64 {
	n, m := checkPoints("SlicedWasserstein", "x", x, d), checkPoints("SlicedWasserstein", "y", y, d)
	if xs, ys, exp := scaled(x, y); exp != 0 {
		return math.Ldexp(SlicedWasserstein(xs, ys, d, projections, rng), exp)
	}
	if d == 1 {
		xs, ys := slices.Clone(x), slices.Clone(y)
		slices.Sort(xs)
		slices.Sort(ys)
		return math.Sqrt(w2SqSorted(xs, ys))
	}
	if projections < 1 {
		panic(fmt.Sprintf("metric: SlicedWasserstein: number of projections must be at least 1, got %d", projections))
	}
	theta := make([]float64, d)
	px, py := make([]float64, n), make([]float64, m)
	var sum float64
	for range projections {
		randomDirection(theta, rng)
		project(px, x, theta)
		project(py, y, theta)
		slices.Sort(px)
		slices.Sort(py)
		sum += w2SqSorted(px, py)
	}
	return math.Sqrt(sum / float64(projections))
}

// Wasserstein1D returns the Wasserstein-2 distance W₂ between the empirical
// distributions of the numbers x and y, which may differ in length:
//
//	W₂²(X, Y) = ∫₀¹ (F_X⁻¹(t) - F_Y⁻¹(t))² dt
//
// where F⁻¹ are the empirical quantile functions, step functions with steps
// at i/len(x) and j/len(y). The integral is summed exactly over the union
// of the steps; for len(x) == len(y) it is the mean squared difference of
// the sorted values. x and y are not modified. It panics if either is
// empty.
func Wasserstein1D(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		panic(fmt.Sprintf("metric: Wasserstein1D: empty sample (lengths %d and %d)", len(x), len(y)))
	}
	xs, ys := slices.Clone(x), slices.Clone(y)
	slices.Sort(xs)
	slices.Sort(ys)
	return math.Sqrt(w2SqSorted(xs, ys))
}

// w2SqSorted returns W₂² between the sorted, non-empty samples x and y.
// Quantile levels are kept as integers in units of 1/(n*m): F_x⁻¹ steps at
// i*m and F_y⁻¹ at j*n, so the merge compares them exactly.
func w2SqSorted(x, y []float64) float64 {
	n, m := len(x), len(y)
	if n == m {
		var s float64
		for i, v := range x {
			dv := v - y[i]
			s += dv * dv
		}
		return s / float64(n)
	}
	var s float64
	i, j, t := 0, 0, 0 // t: the level reached, in units of 1/(n*m)
	for i < n && j < m {
		ex, ey := (i+1)*m, (j+1)*n // where the current steps end
		next := min(ex, ey)
		dv := x[i] - y[j]
		s += float64(next-t) * dv * dv
		t = next
		if ex == next {
			i++
		}
		if ey == next {
			j++
		}
	}
	return s / (float64(n) * float64(m))
}

// randomDirection sets theta to a direction uniform on the unit sphere: a
// standard normal vector, normalised.
func randomDirection(theta []float64, rng *rand.Rand) {
	for {
		var norm float64
		for j := range theta {
			theta[j] = rng.NormFloat64()
			norm += theta[j] * theta[j]
		}
		if norm > 0 {
			inv := 1 / math.Sqrt(norm)
			for j := range theta {
				theta[j] *= inv
			}
			return
		}
	}
}

// project sets dst[i] = θ·x_i for the points x of dimension len(theta).
func project(dst, x, theta []float64) {
	d := len(theta)
	if d == 2 {
		t0, t1 := theta[0], theta[1]
		for i := range dst {
			dst[i] = t0*x[2*i] + t1*x[2*i+1]
		}
		return
	}
	for i := range dst {
		p := x[i*d : (i+1)*d : (i+1)*d]
		var s float64
		for j, v := range p {
			s += theta[j] * v
		}
		dst[i] = s
	}
}

// checkPoints returns the number of points in x, which must hold at least
// one whole point of dimension d, and panics naming who and what otherwise.
func checkPoints(who, what string, x []float64, d int) int {
	if d < 1 {
		panic(fmt.Sprintf("metric: %s: dimension must be at least 1, got %d", who, d))
	}
	if len(x) == 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("metric: %s: len(%s)=%d is not a positive multiple of the dimension %d", who, what, len(x), d))
	}
	return len(x) / d
}
