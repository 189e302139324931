package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultMMDPoints is the number of points per set that MMDSubsample uses
// when maxPoints is zero: MMD costs O(n²) kernel evaluations, about 8·10⁶
// for two sets of 2000 points.
const DefaultMMDPoints = 2000

// MMD returns the unbiased estimate of the squared maximum mean discrepancy
// between the distributions of the points x (n of them) and y (m) in R^d,
// with the Gaussian (RBF) kernel of bandwidth h,
//
//	k(a, b) = exp(-‖a - b‖² / (2h²))
//
//	MMD²_u = 1/(n(n-1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m-1)) Σ_{i≠j} k(y_i, y_j)
//	       - 2/(nm) Σ_{i,j} k(x_i, y_j)
//
// (Gretton et al. 2012, "A kernel two-sample test", JMLR 13, eq. 3). The
// population MMD² is zero exactly when the distributions are equal; the
// estimate is unbiased, so for equal distributions it scatters around zero
// and can be slightly negative. For x and y the same set it lies in
// [-2/n, 0]. It costs O((n+m)² d); see MMDSubsample for large sets.
//
// It panics unless d >= 1, x and y hold at least two whole points each and
// bandwidth is positive and finite.
func MMD(x, y []float64, d int, bandwidth float64) float64 {
	n, m := checkPoints("MMD", "x", x, d), checkPoints("MMD", "y", y, d)
	if n < 2 || m < 2 {
		panic(fmt.Sprintf("metric: MMD: need at least 2 points per set, got %d and %d", n, m))
	}
	if !(bandwidth > 0) || math.IsInf(bandwidth, 1) {
		panic(fmt.Sprintf("metric: MMD: bandwidth must be positive and finite, got %v", bandwidth))
	}
	gamma := 1 / (2 * bandwidth * bandwidth)
	kxx := kernelSumWithin(x, d, gamma)
	kyy := kernelSumWithin(y, d, gamma)
	kxy := kernelSumBetween(x, y, d, gamma)
	fn, fm := float64(n), float64(m)
	return 2*kxx/(fn*(fn-1)) + 2*kyy/(fm*(fm-1)) - 2*kxy/(fn*fm)
}

// kernelSumWithin returns Σ_{i<j} exp(-γ‖x_i - x_j‖²).
func kernelSumWithin(x []float64, d int, gamma float64) float64 {
	var s float64
	for i := d; i < len(x); i += d {
		a := x[i : i+d : i+d]
		s += kernelRow(a, x[:i], d, gamma)
	}
	return s
}

// kernelSumBetween returns Σ_{i,j} exp(-γ‖x_i - y_j‖²).
func kernelSumBetween(x, y []float64, d int, gamma float64) float64 {
	var s float64
	for i := 0; i < len(x); i += d {
		s += kernelRow(x[i:i+d:i+d], y, d, gamma)
	}
	return s
}

// kernelRow returns Σ_j exp(-γ‖a - y_j‖²) over the points y_j of y.
func kernelRow(a, y []float64, d int, gamma float64) float64 {
	var s float64
	if d == 2 {
		a0, a1 := a[0], a[1]
		for j := 0; j+1 < len(y); j += 2 {
			d0, d1 := a0-y[j], a1-y[j+1]
			s += math.Exp(-gamma * (d0*d0 + d1*d1))
		}
		return s
	}
	for j := 0; j < len(y); j += d {
		s += math.Exp(-gamma * sqDist(a, y[j:j+d:j+d]))
	}
	return s
}

func sqDist(a, b []float64) float64 {
	var s float64
	for k, v := range a {
		dv := v - b[k]
		s += dv * dv
	}
	return s
}

// MedianBandwidth returns the median heuristic for the bandwidth of the
// Gaussian kernel: the median of the distances ‖z_i - z_j‖, i < j, between
// the points z of the pooled sample x ∪ y (the heuristic used by Gretton et
// al. 2012).
// When the pooled sample has more than maxPoints points, the median is
// taken over a subsample of maxPoints of them drawn without replacement
// using rng (rng is not used otherwise): the cost is O(maxPoints² log
// maxPoints).
//
// If more than half of the pairs coincide (samples on a few pixel centres),
// the median is zero and the median of the positive distances is returned
// instead; if all the points coincide it returns 1, as every bandwidth then
// gives the same kernel values on the sample.
//
// It panics unless d >= 1, x and y hold whole points, at least two in all,
// and maxPoints >= 2.
func MedianBandwidth(x, y []float64, d, maxPoints int, rng *rand.Rand) float64 {
	if d < 1 {
		panic(fmt.Sprintf("metric: MedianBandwidth: dimension must be at least 1, got %d", d))
	}
	if len(x)%d != 0 || len(y)%d != 0 || len(x)+len(y) < 2*d {
		panic(fmt.Sprintf("metric: MedianBandwidth: need whole points of dimension %d, at least 2 in all; got len(x)=%d, len(y)=%d", d, len(x), len(y)))
	}
	if maxPoints < 2 {
		panic(fmt.Sprintf("metric: MedianBandwidth: maxPoints must be at least 2, got %d", maxPoints))
	}
	z := append(slices.Clip(x), y...)
	z = Subsample(z, d, maxPoints, rng)
	n := len(z) / d
	dist := make([]float64, 0, n*(n-1)/2)
	for i := d; i < len(z); i += d {
		a := z[i : i+d : i+d]
		for j := 0; j < i; j += d {
			dist = append(dist, distance(a, z[j:j+d:j+d]))
		}
	}
	slices.Sort(dist)
	if dist[len(dist)-1] == 0 {
		return 1
	}
	med := median(dist)
	if med == 0 {
		first, _ := slices.BinarySearch(dist, math.SmallestNonzeroFloat64)
		med = median(dist[first:])
	}
	return med
}

// distance returns ‖a - b‖, also where its square overflows (points beyond
// farOut): the difference is then scaled by a power of two, exactly, so
// that the distance is finite unless it exceeds MaxFloat64.
func distance(a, b []float64) float64 {
	if s := sqDist(a, b); !math.IsInf(s, 1) {
		return math.Sqrt(s)
	}
	top := 0.0
	for k, v := range a {
		top = max(top, math.Abs(v-b[k]))
	}
	_, exp := math.Frexp(top) // top may be +Inf: the distance is too
	var s float64
	for k, v := range a {
		dv := math.Ldexp(v-b[k], -exp)
		s += dv * dv
	}
	return math.Ldexp(math.Sqrt(s), exp)
}

// median returns the median of the sorted, non-empty x: the middle one,
// or the mean of the two middle ones (halved first: they may be near
// MaxFloat64).
func median(x []float64) float64 {
	k := len(x)
	if k%2 == 1 {
		return x[k/2]
	}
	return 0.5*x[k/2-1] + 0.5*x[k/2]
}

// MMDResult is an MMD² estimate with what it was computed from.
type MMDResult struct {
	MMD2      float64 // unbiased estimate of MMD², as returned by MMD
	Bandwidth float64 // kernel bandwidth h, by the median heuristic
	N, M      int     // points of x and y used
}

// MMDSubsample returns MMD(x', y', d, h) where x' and y' are x and y
// subsampled without replacement to at most maxPoints points each (a set
// with no more points is used whole), and h is MedianBandwidth(x', y', d,
// maxPoints, rng). maxPoints == 0 means DefaultMMDPoints. Subsampling keeps
// the estimate unbiased and the cost O(maxPoints² d); its standard
// deviation grows as the subsample shrinks.
//
// Points far out (coordinates beyond 2^500 ≈ 3e150, whose squared
// distances overflow) are measured as they are while the bandwidth is
// within 2^500 (a kernel whose squared distance overflows is 0, as it
// should be: an outlier far out does not shrink the near points to one);
// a larger bandwidth scales both sets by a power of two, which leaves MMD²
// unchanged when the bandwidth scales with them. The estimate is finite
// for any finite points, and Bandwidth is +Inf only where the median
// distance itself exceeds MaxFloat64.
//
// It panics unless d >= 1, x and y hold at least two whole points each and
// maxPoints is zero or at least 2.
func MMDSubsample(x, y []float64, d, maxPoints int, rng *rand.Rand) MMDResult {
	return mmdSubsample("MMDSubsample", x, y, d, maxPoints, 0, rng)
}

// MMDSubsampleAt is MMDSubsample with the bandwidth given rather than
// chosen by the median heuristic: to measure two other sets with the
// kernel of an earlier result, as a noise floor must be. It panics as
// MMDSubsample does, and unless bandwidth is positive (it may be +Inf when
// the points are far out enough that MMDSubsample returned that).
func MMDSubsampleAt(x, y []float64, d, maxPoints int, bandwidth float64, rng *rand.Rand) MMDResult {
	if !(bandwidth > 0) {
		panic(fmt.Sprintf("metric: MMDSubsampleAt: bandwidth must be positive, got %v", bandwidth))
	}
	return mmdSubsample("MMDSubsampleAt", x, y, d, maxPoints, bandwidth, rng)
}

// mmdSubsample is MMDSubsample with the bandwidth h, or the median
// heuristic's when h is 0.
func mmdSubsample(who string, x, y []float64, d, maxPoints int, h float64, rng *rand.Rand) MMDResult {
	checkPoints(who, "x", x, d)
	checkPoints(who, "y", y, d)
	switch {
	case maxPoints == 0:
		maxPoints = DefaultMMDPoints
	case maxPoints < 2:
		panic(fmt.Sprintf("metric: %s: maxPoints must be 0 (default) or at least 2, got %d", who, maxPoints))
	}
	xs := Subsample(x, d, maxPoints, rng)
	ys := Subsample(y, d, maxPoints, rng)
	if h == 0 {
		h = MedianBandwidth(xs, ys, d, maxPoints, rng)
	}
	// With a bandwidth within farOut, a squared distance that overflows
	// gives a kernel of exp(-Inf) = 0, as it should: the points are used
	// as they are. Scaling them all by the farthest would round the near
	// ones to 0 (a cloud near the origin with one point at 1e300 then
	// measured as if it were a point).
	exp := 0
	if h > farOut {
		xs, ys, exp = scaled(xs, ys)
		h = math.Ldexp(h, -exp)
	}
	if math.IsInf(h, 1) { // a bandwidth beyond the scaled points' reach: all kernels are 1
		h = math.MaxFloat64
	}
	return MMDResult{MMD2: MMD(xs, ys, d, h), Bandwidth: math.Ldexp(h, exp), N: len(xs) / d, M: len(ys) / d}
}

// farOut is the largest coordinate that the metrics use as it is: beyond
// it, squared distances may overflow, and scaled rescales the points.
const farOut = 0x1p500

// scaled returns x and y, or copies divided by 2^exp (exactly), which
// brings their largest coordinate in magnitude within [0.5, 1), when that
// coordinate is beyond farOut; exp is 0 when they are not scaled.
func scaled(x, y []float64) (xs, ys []float64, exp int) {
	top := 0.0
	for _, v := range x {
		top = max(top, math.Abs(v))
	}
	for _, v := range y {
		top = max(top, math.Abs(v))
	}
	if !(top > farOut) || math.IsInf(top, 1) {
		return x, y, 0
	}
	_, exp = math.Frexp(top)
	xs, ys = make([]float64, len(x)), make([]float64, len(y))
	for i, v := range x {
		xs[i] = math.Ldexp(v, -exp)
	}
	for i, v := range y {
		ys[i] = math.Ldexp(v, -exp)
	}
	return xs, ys, exp
}

// Subsample returns x if it holds at most k points of dimension d, and
// otherwise k of its points drawn without replacement using rng (a partial
// Fisher–Yates shuffle, O(n) for n points), in a new slice. It panics
// unless d >= 1, k >= 1 and x holds whole points.
func Subsample(x []float64, d, k int, rng *rand.Rand) []float64 {
	if d < 1 || k < 1 || len(x)%d != 0 {
		panic(fmt.Sprintf("metric: Subsample: %d points of dimension %d, %d to keep", len(x), d, k))
	}
	n := len(x) / d
	if n <= k {
		return x
	}
	// A partial Fisher–Yates shuffle of the indices: the first k are a
	// uniform draw without replacement.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	out := make([]float64, 0, k*d)
	for i := range k {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
		p := idx[i] * d
		out = append(out, x[p:p+d]...)
	}
	return out
}
