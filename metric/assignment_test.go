package metric

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// permutations calls f with every permutation of 0..n-1 (Heap's algorithm).
func permutations(n int, f func(p []int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			f(p)
			return
		}
		for i := range k - 1 {
			gen(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
		gen(k - 1)
	}
	gen(n)
}

// costMatrix returns the n×n matrix of the distances ‖x_i - y_j‖, or of
// their squares if root is false.
func costMatrix(x, y []float64, d int, root bool) []float64 {
	n := len(x) / d
	c := make([]float64, 0, n*n)
	for i := 0; i < len(x); i += d {
		a := x[i : i+d : i+d]
		for j := 0; j < len(y); j += d {
			s := sqDist(a, y[j:j+d:j+d])
			if root {
				s = math.Sqrt(s)
			}
			c = append(c, s)
		}
	}
	return c
}

// bruteAssignment is the minimum of Σ_i cost[i, p(i)] over all permutations.
func bruteAssignment(cost []float64, n int) float64 {
	best := math.Inf(1)
	permutations(n, func(p []int) {
		var s float64
		for i, j := range p {
			s += cost[i*n+j]
		}
		best = min(best, s)
	})
	return best
}

// TestAssignmentBruteForce compares Assignment with the minimum over all n!
// permutations for random, integer (many ties) and structured costs.
func TestAssignmentBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 7))
	for n := 1; n <= 7; n++ {
		for trial := range 20 {
			cost := make([]float64, n*n)
			for k := range cost {
				switch trial % 3 {
				case 0:
					cost[k] = rng.Float64()
				case 1:
					cost[k] = float64(rng.IntN(3)) // ties everywhere
				default:
					cost[k] = -1e3 * rng.NormFloat64() // negative and large
				}
			}
			rowTo, total := Assignment(cost, n)
			p := slices.Clone(rowTo)
			slices.Sort(p)
			for i := range p {
				if p[i] != i {
					t.Fatalf("n=%d trial %d: %v is not a permutation", n, trial, rowTo)
				}
			}
			want := bruteAssignment(cost, n)
			// Sums of n <= 7 terms of size <= 4e3: rounding is below 1e-9.
			if math.Abs(total-want) > 1e-9 {
				t.Errorf("n=%d trial %d: total %v, brute force %v", n, trial, total, want)
			}
		}
	}
}

// TestAssignmentDuals checks the optimality certificate on larger problems:
// the potentials are dual feasible, u_i + v_j <= c_ij, and tight on the
// assignment, so no other permutation is cheaper.
func TestAssignmentDuals(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 7))
	for _, n := range []int{50, 300} {
		x, y := gaussian(n, []float64{0, 0}, rng), gaussian(n, []float64{1, 0}, rng)
		cost := costMatrix(x, y, 2, false)
		rowTo, u, v := assign(cost, n)
		checkDuals(t, cost, n, rowTo, u, v)
		// Wasserstein1's start from a linear potential, on distances.
		cost = costMatrix(x, y, 2, true)
		rowTo, u, v = solve(n, func(i int) []float64 { return cost[i*n : (i+1)*n] }, linearPotential(x, y, 2))
		checkDuals(t, cost, n, rowTo, u, v)
	}
}

// checkDuals fails t unless u and v are feasible and tight on rowTo.
func checkDuals(t *testing.T, cost []float64, n int, rowTo []int, u, v []float64) {
	t.Helper()
	// Costs are O(10); the potentials are sums of up to n path lengths, so
	// allow n ulps of 10 in each check.
	tol := float64(n) * 10 * 0x1p-52
	for i := range n {
		for j := range n {
			if slack := cost[i*n+j] - u[i] - v[j]; slack < -tol {
				t.Fatalf("n=%d: u[%d]+v[%d] exceeds c by %g", n, i, j, -slack)
			}
		}
		if slack := cost[i*n+rowTo[i]] - u[i] - v[rowTo[i]]; math.Abs(slack) > tol {
			t.Fatalf("n=%d: assigned pair (%d, %d) has slack %g", n, i, rowTo[i], slack)
		}
	}
}

// TestWasserstein1DIsSorting: in one dimension, for convex costs |a-b|^p
// with p >= 1, matching the sorted samples is optimal, so Wasserstein2 must
// agree with Wasserstein1D and Wasserstein1 with the mean |sorted
// difference|.
func TestWassersteinOneDimension(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	for _, n := range []int{1, 2, 17, 400} {
		x, y := gaussian(n, []float64{0}, rng), gaussian(n, []float64{0.7}, rng)
		for i := range y {
			y[i] = y[i] * y[i] * y[i] // a skewed target
		}
		w2, want2 := Wasserstein2(x, y, 1), Wasserstein1D(x, y)
		// Both sum n squares of O(10): relative rounding about n ulps.
		if numtest.RelErr([]float64{w2}, []float64{want2}) > float64(n)*0x1p-52+1e-15 {
			t.Errorf("n=%d: Wasserstein2 %v, sorted %v", n, w2, want2)
		}
		xs, ys := slices.Clone(x), slices.Clone(y)
		slices.Sort(xs)
		slices.Sort(ys)
		var want1 float64
		for i := range xs {
			want1 += math.Abs(xs[i] - ys[i])
		}
		want1 /= float64(n)
		if w1 := Wasserstein1(x, y, 1); numtest.RelErr([]float64{w1}, []float64{want1}) > float64(n)*0x1p-52+1e-15 {
			t.Errorf("n=%d: Wasserstein1 %v, sorted %v", n, w1, want1)
		}
	}
}

// TestWassersteinByHand: the unit square's corners against themselves
// shifted by (3, 4): every point moves 5, so W₁ = W₂ = 5, whatever the
// order of y.
func TestWassersteinByHand(t *testing.T) {
	x := []float64{0, 0, 1, 0, 0, 1, 1, 1}
	y := []float64{4, 5, 3, 4, 3, 5, 4, 4}
	// Every step is exact in binary floating point (means 0.5, 3.5, 4.5,
	// squares summing to 25): the tolerance is slack only.
	if w := Wasserstein2(x, y, 2); math.Abs(w-5) > 1e-15 {
		t.Errorf("W₂ = %v, want 5", w)
	}
	if w := Wasserstein1(x, y, 2); math.Abs(w-5) > 1e-15 {
		t.Errorf("W₁ = %v, want 5", w)
	}
	if w := Wasserstein2(x, x, 2); w != 0 {
		t.Errorf("W₂(x, x) = %v, want 0", w)
	}
}

// TestWasserstein2Brute compares Wasserstein2 in R³ with the square root of
// the brute-force minimum over permutations, and Wasserstein1 with its
// minimum.
func TestWasserstein2Brute(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 7))
	for n := 1; n <= 6; n++ {
		x, y := gaussian(n, make([]float64, 3), rng), gaussian(n, []float64{1, 2, 0}, rng)
		want := math.Sqrt(bruteAssignment(costMatrix(x, y, 3, false), n) / float64(n))
		// Sums of <= 6 squared distances of O(10), summed in another
		// order (and centred): rounding below 1e-13.
		if got := Wasserstein2(x, y, 3); math.Abs(got-want) > 1e-12 {
			t.Errorf("n=%d: W₂ %v, brute force %v", n, got, want)
		}
		want = bruteAssignment(costMatrix(x, y, 3, true), n) / float64(n)
		if got := Wasserstein1(x, y, 3); math.Abs(got-want) > 1e-12 {
			t.Errorf("n=%d: W₁ %v, brute force %v", n, got, want)
		}
	}
}

func TestWassersteinPanics(t *testing.T) {
	numtest.WantPanic(t, "metric: Wasserstein2: 2 points against 1", func() {
		Wasserstein2([]float64{1, 2}, []float64{1}, 1)
	})
	numtest.WantPanic(t, "metric: Wasserstein1: len(y)=3", func() {
		Wasserstein1([]float64{1, 2}, []float64{1, 2, 3}, 2)
	})
	numtest.WantPanic(t, "metric: Wasserstein2: coordinate 1 of point 0 is +Inf", func() {
		Wasserstein2([]float64{0, math.Inf(1)}, []float64{1, 2}, 2)
	})
	numtest.WantPanic(t, "metric: Assignment: cost[1][0] = NaN", func() {
		Assignment([]float64{0, 1, math.NaN(), 2}, 2)
	})
	numtest.WantPanic(t, "metric: Assignment: len(cost)=3", func() {
		Assignment([]float64{0, 1, 2}, 2)
	})
	numtest.WantPanic(t, "metric: EqualSubsets: maxPoints", func() {
		EqualSubsets([]float64{1}, []float64{1}, 1, -1, nil)
	})
}

func TestEqualSubsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	x := []float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}
	y := []float64{9, 9, 8, 8, 7, 7}
	for _, tc := range []struct{ max, want int }{{0, 3}, {2, 2}, {10, 3}} {
		xs, ys := EqualSubsets(x, y, 2, tc.max, rng)
		if len(xs) != 2*tc.want || len(ys) != 2*tc.want {
			t.Errorf("maxPoints %d: %d and %d values, want %d each", tc.max, len(xs), len(ys), 2*tc.want)
		}
		for i := 0; i < len(xs); i += 2 {
			if xs[i] != xs[i+1] || xs[i] > 4 {
				t.Errorf("maxPoints %d: %v is not a point of x", tc.max, xs[i:i+2])
			}
		}
	}
}

var large = flag.Bool("large", false, "run TestWasserstein2Large (seconds, 200 MB)")

// TestWasserstein2Large times Wasserstein2 on two Gaussian samples of up to
// 5000 points in R² (run with -args -large; skipped otherwise) and checks
// the result against the population value: W₂ between N(0, I) and N(δ, I)
// is ‖δ‖ = 1, and in R² the empirical W₂² exceeds it by O(log n / n)
// (Ajtai, Komlós and Tusnády 1984), far below the 0.2 allowed.
func TestWasserstein2Large(t *testing.T) {
	if !*large {
		t.Skip("run with -args -large to time n = 1000, 2000, 5000")
	}
	rng := rand.New(rand.NewPCG(6, 7))
	for _, n := range []int{1000, 2000, 5000} {
		x, y := gaussian(n, []float64{0, 0}, rng), gaussian(n, []float64{1, 0}, rng)
		start := time.Now()
		w := Wasserstein2(x, y, 2)
		t.Logf("n=%d: W₂ = %.4f in %v", n, w, time.Since(start).Round(time.Millisecond))
		if math.Abs(w-1) > 0.2 {
			t.Errorf("n=%d: W₂ = %v, want 1 within 0.2", n, w)
		}
	}
}

func BenchmarkWasserstein2(b *testing.B) {
	rng := rand.New(rand.NewPCG(8, 7))
	for _, n := range []int{100, 500} {
		x, y := gaussian(n, []float64{0, 0}, rng), gaussian(n, []float64{1, 0}, rng)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Wasserstein2(x, y, 2)
			}
		})
	}
}
