package metric

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// TestEnergyBruteForce compares EnergyDistance with its formula summed term
// by term over all ordered pairs.
func TestEnergyBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	for _, d := range []int{1, 2, 5} {
		n, m := 6, 9
		shift := make([]float64, d)
		shift[0] = 1
		x, y := gaussian(n, make([]float64, d), rng), gaussian(m, shift, rng)
		dist := func(a, b []float64) float64 { return math.Sqrt(sqDist(a, b)) }
		sxx, syy, sxy := bruteSums(x, y, d, dist, false)
		want := 2*sxy/float64(n*m) - sxx/float64(n*(n-1)) - syy/float64(m*(m-1))
		// Sums of at most 72 distances of O(3) in another order: rounding
		// below 1e-14.
		if got := EnergyDistance(x, y, d); math.Abs(got-want) > 1e-13 {
			t.Errorf("d=%d: EnergyDistance %v, brute force %v", d, got, want)
		}
	}
}

// bruteSums returns the sums of f over the ordered pairs of points within
// x, within y (with i = j when diag is true, without otherwise) and between
// them, one pair at a time.
func bruteSums(x, y []float64, d int, f func(a, b []float64) float64, diag bool) (sxx, syy, sxy float64) {
	pt := func(z []float64, i int) []float64 { return z[i*d : (i+1)*d] }
	n, m := len(x)/d, len(y)/d
	within := func(z []float64, k int) (s float64) {
		for i := range k {
			for j := range k {
				if i != j || diag {
					s += f(pt(z, i), pt(z, j))
				}
			}
		}
		return s
	}
	for i := range n {
		for j := range m {
			sxy += f(pt(x, i), pt(y, j))
		}
	}
	return within(x, n), within(y, m), sxy
}

// TestEnergyCDF: in one dimension the V-statistic of the energy distance
// is 2 ∫ (F_n(t) - G_m(t))² dt for the empirical CDFs (Székely and Rizzo
// 2013, section 2), which a merge of the sorted samples integrates exactly.
func TestEnergyCDF(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	for _, sizes := range [][2]int{{2, 2}, {5, 3}, {40, 70}} {
		n, m := sizes[0], sizes[1]
		x, y := gaussian(n, []float64{0}, rng), gaussian(m, []float64{0.5}, rng)
		between, withinX, withinY := energyTerms(x, y, 1)
		fn, fm := float64(n), float64(m)
		v := 2*between - (fn-1)/fn*withinX - (fm-1)/fm*withinY

		xs, ys := slices.Clone(x), slices.Clone(y)
		slices.Sort(xs)
		slices.Sort(ys)
		all := slices.Sorted(slices.Values(append(slices.Clone(xs), ys...)))
		var integral float64
		for k := 0; k+1 < len(all); k++ {
			f := float64(upper(xs, all[k])) / fn
			g := float64(upper(ys, all[k])) / fm
			integral += (f - g) * (f - g) * (all[k+1] - all[k])
		}
		// Sums of O(n+m) terms of O(1): rounding below 1e-13.
		if math.Abs(v-2*integral) > 1e-13 {
			t.Errorf("n=%d, m=%d: V-statistic %v, 2∫(F-G)² %v", n, m, v, 2*integral)
		}
	}
}

// upper returns the number of values of the sorted s that are <= v.
func upper(s []float64, v float64) int {
	i, found := slices.BinarySearch(s, v)
	for found && i < len(s) && s[i] == v {
		i++
	}
	return i
}

// TestEnergyShift: for X ~ N(0, 1) and Y ~ N(δ, 1) in one dimension,
// D² = 2E|X-Y| - 2E|X-X'| with X-Y ~ N(-δ, 2) and X-X' ~ N(0, 2):
// E|N(μ, s²)| = s sqrt(2/π) e^{-μ²/2s²} + μ(1 - 2Φ(-μ/s)).
func TestEnergyShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	const n, delta = 2000, 1.0
	absMean := func(mu, s float64) float64 {
		return s*math.Sqrt(2/math.Pi)*math.Exp(-mu*mu/(2*s*s)) + mu*math.Erf(mu/(s*math.Sqrt2))
	}
	want := 2*absMean(delta, math.Sqrt2) - 2*absMean(0, math.Sqrt2)
	var sum, sum2 float64
	const reps = 10
	for range reps {
		e := EnergyDistance(gaussian(n, []float64{0}, rng), gaussian(n, []float64{delta}, rng), 1)
		sum += e
		sum2 += e * e
	}
	mean := sum / reps
	se := math.Sqrt((sum2/reps - mean*mean) / (reps - 1))
	// Unbiased: the mean of 10 estimates lies within 5 standard errors.
	if math.Abs(mean-want) > 5*se {
		t.Errorf("mean D² %v, want %v ± 5·%v", mean, want, se)
	}
}

func TestEnergyPanics(t *testing.T) {
	numtest.WantPanic(t, "metric: EnergyDistance: need at least 2 points per set, got 1 and 2", func() {
		EnergyDistance([]float64{1, 2}, []float64{1, 2, 3, 4}, 2)
	})
}
