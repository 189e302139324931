package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Assignment solves the linear assignment problem for the dense n×n cost
// matrix cost (row-major, cost[i*n+j] the cost of giving row i column j):
// it returns the permutation rowTo, row i taking column rowTo[i], that
// minimises
//
//	Σ_i cost[i, rowTo[i]]
//
// and that minimum. The solver is the shortest augmenting path method of
// Jonker and Volgenant (1987) in the form of Crouse (2016, "On implementing
// 2D rectangular assignment algorithms", IEEE TAES 52(4), Algorithm 1, the
// one scipy's linear_sum_assignment uses): one Dijkstra search per row over
// reduced costs kept non-negative by dual potentials u, v, O(n³) in the
// worst case and O(n) memory beyond the matrix. It is exact: at the end
// u_i + v_j <= cost[i, j] for all i, j with equality on the assignment,
// which certifies optimality (up to the rounding of float64 sums).
//
// It panics unless n >= 1, len(cost) == n*n and every cost is finite.
func Assignment(cost []float64, n int) (rowTo []int, total float64) {
	rowTo, _, _ = assign(cost, n)
	for i, j := range rowTo {
		total += cost[i*n+j]
	}
	return rowTo, total
}

// assign is Assignment, also returning the dual potentials u (rows) and v
// (columns) that certify optimality.
func assign(cost []float64, n int) (rowTo []int, u, v []float64) {
	if n < 1 || len(cost) != n*n {
		panic(fmt.Sprintf("metric: Assignment: len(cost)=%d is not n*n for n=%d >= 1", len(cost), n))
	}
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			panic(fmt.Sprintf("metric: Assignment: cost[%d][%d] = %v is not finite", k/n, k%n, c))
		}
	}
	return solve(n, func(i int) []float64 { return cost[i*n : (i+1)*n : (i+1)*n] }, nil)
}

// solve runs the solver on the n×n costs whose row i is row(i) (the slice
// it returns is read before the next call), starting from the row
// potentials u0, or zeros if u0 is nil.
func solve(n int, row func(i int) []float64, u0 []float64) (rowTo []int, u, v []float64) {
	s := lsap{
		row: row, n: n,
		u: make([]float64, n), v: make([]float64, n),
		dist: make([]float64, n), path: make([]int, n),
		rowTo: make([]int, n), colTo: make([]int, n),
		sr: make([]bool, n), sc: make([]bool, n),
	}
	if u0 != nil {
		copy(s.u, u0)
	}
	s.columnReduction()
	for i := range n {
		if s.rowTo[i] < 0 {
			s.augment(i)
		}
	}
	return s.rowTo, s.u, s.v
}

// assignPoints solves the assignment problem for the costs ‖x_i - y_j‖²
// (or ‖x_i - y_j‖ if root), computing each row of costs when the solver
// needs it instead of storing the n×n matrix: O(n) memory instead of 8n²
// bytes (200 MB at n = 5000), for O(n d) work each time a row is scanned.
// It starts from the row potentials u0 (nil for zeros) and returns the
// assignment and the total cost.
func assignPoints(x, y []float64, d int, root bool, u0 []float64) (rowTo []int, total float64) {
	n := len(x) / d
	buf := make([]float64, n)
	row := func(i int) []float64 {
		a := x[i*d : (i+1)*d : (i+1)*d]
		if d == 2 {
			a0, a1 := a[0], a[1]
			for j := range buf {
				d0, d1 := a0-y[2*j], a1-y[2*j+1]
				buf[j] = d0*d0 + d1*d1
			}
		} else {
			for j := range buf {
				buf[j] = sqDist(a, y[j*d:(j+1)*d:(j+1)*d])
			}
		}
		if root {
			for j, c := range buf {
				buf[j] = math.Sqrt(c)
			}
		}
		return buf
	}
	rowTo, _, _ = solve(n, row, u0)
	for i, j := range rowTo {
		c := sqDist(x[i*d:(i+1)*d], y[j*d:(j+1)*d])
		if root {
			c = math.Sqrt(c)
		}
		total += c
	}
	return rowTo, total
}

// lsap is the state of the shortest augmenting path solver.
type lsap struct {
	row          func(i int) []float64 // row i of the costs
	n            int
	u, v         []float64 // dual potentials of the rows and columns
	dist         []float64 // shortest path lengths to the columns
	path         []int     // the row before each column on its shortest path
	rowTo, colTo []int     // the partial assignment, -1 where none
	sr, sc       []bool    // the rows and columns scanned in this search
}

// columnReduction starts the search from Jonker and Volgenant's column
// reduction, v_j = min_i (c_ij - u_i) for the starting u, which keeps every
// reduced cost c_ij - u_i - v_j non-negative, and each column assigned to
// the row of its minimum where that row is still free (a zero reduced
// cost, as the assigned pairs need). The rows left over are assigned by
// augment. Any starting u is valid; one close to the optimal potentials
// shortens the searches.
func (s *lsap) columnReduction() {
	n := s.n
	for i := range n {
		s.rowTo[i], s.colTo[i] = -1, -1
		s.v[i] = math.Inf(1)
	}
	argmin := s.path // as scratch: the row of each column's minimum
	for i := range n {
		ui := s.u[i]
		for j, c := range s.row(i) {
			if c-ui < s.v[j] {
				s.v[j], argmin[j] = c-ui, i
			}
		}
	}
	for j := range n {
		if i := argmin[j]; s.rowTo[i] < 0 {
			s.rowTo[i], s.colTo[j] = j, i
		}
	}
}

// augment assigns row cur: it finds the shortest path in reduced costs from
// cur to an unassigned column, updates the potentials so that the reduced
// costs stay non-negative, and flips the path.
func (s *lsap) augment(cur int) {
	n := s.n
	for j := range n {
		s.dist[j] = math.Inf(1)
		s.sr[j], s.sc[j] = false, false
	}
	minVal := 0.0
	sink := -1
	i := cur
	for sink < 0 {
		s.sr[i] = true
		row := s.row(i)[:n:n]
		base := minVal - s.u[i]
		lowest, at := math.Inf(1), -1
		// A sequential sweep over all columns, skipping the scanned ones,
		// reads memory in order.
		dist, v, path, sc, colTo := s.dist[:n], s.v[:n], s.path[:n], s.sc[:n], s.colTo[:n]
		for j, c := range row {
			if sc[j] {
				continue
			}
			r := base + c - v[j]
			if r < dist[j] {
				path[j], dist[j] = i, r
			}
			// Ties go to an unassigned column, which ends the search.
			if dj := dist[j]; dj < lowest || (dj == lowest && colTo[j] < 0) {
				lowest, at = dj, j
			}
		}
		if at < 0 { // only with non-finite costs, which assign refuses
			panic("metric: Assignment: no augmenting path")
		}
		minVal = lowest
		if s.colTo[at] < 0 {
			sink = at
		} else {
			i = s.colTo[at]
		}
		s.sc[at] = true
	}

	s.u[cur] += minVal
	for r := range n {
		if s.sr[r] && r != cur {
			s.u[r] += minVal - s.dist[s.rowTo[r]]
		}
	}
	for j := range n {
		if s.sc[j] {
			s.v[j] -= minVal - s.dist[j]
		}
	}
	// The path visits each row at most once: n steps at most, unless the
	// costs were not finite (a row of costs must be).
	for j, k := sink, 0; k < n; k++ {
		r := s.path[j]
		s.colTo[j] = r
		s.rowTo[r], j = j, s.rowTo[r]
		if r == cur {
			return
		}
	}
	panic("metric: Assignment: the augmenting path does not return to its row (costs not finite?)")
}

// Wasserstein2 returns the Wasserstein-2 distance between the empirical
// distributions of the points x and y in R^d, which must be equally many
// (n each): with σ ranging over the permutations of n,
//
//	W₂(X, Y) = sqrt( min_σ 1/n Σ_i ‖x_i - y_σ(i)‖² )
//
// computed exactly by the solver of Assignment (between equal-size uniform
// empirical measures an optimal transport plan can be taken to be a
// permutation, by Birkhoff's theorem). The points are centred first: with
// x̃ and ỹ the centred points and δ the difference of the means,
//
//	1/n Σ_i ‖x_i - y_σ(i)‖² = 1/n Σ_i ‖x̃_i - ỹ_σ(i)‖² + ‖δ‖²
//
// for every σ (the cross term sums to zero), so the optimal σ is the same;
// the solver's searches are much shorter for centred clouds (they scanned
// 0.03n² rows instead of 0.21n² for Gaussian clouds a standard deviation
// apart, n = 1000). The costs are computed row
// by row as the solver needs them, in O(n d) memory. It takes O(n³) time
// in the worst case; two Gaussian clouds of 5000 points in R², a standard
// deviation apart, took 20 s on one busy core (TestWasserstein2Large), two
// clouds of the same distribution 27 s.
// EqualSubsets draws equal-size subsets of larger sets.
//
// Points far out (coordinates beyond 2^500, whose squared distances could
// overflow, and did: the solver then never returned) are scaled by a power
// of two first, and the distance scaled back, as W₂ scales with the
// points: it is finite for any finite points unless it exceeds MaxFloat64
// itself.
//
// It panics unless d >= 1, x and y hold the same positive number of whole
// points and every coordinate is finite.
func Wasserstein2(x, y []float64, d int) float64 {
	n := checkPairs("Wasserstein2", x, y, d)
	if xs, ys, exp := scaled(x, y); exp != 0 {
		return math.Ldexp(Wasserstein2(xs, ys, d), exp)
	}
	xc, mx := centred(x, d)
	yc, my := centred(y, d)
	_, total := assignPoints(xc, yc, d, false, nil)
	return math.Sqrt(max(total/float64(n)+sqDist(mx, my), 0))
}

// centred returns a copy of the points x of dimension d less their mean,
// and the mean.
func centred(x []float64, d int) (xc, mean []float64) {
	mean = meanPoint(x, d)
	xc = make([]float64, len(x))
	for i, v := range x {
		xc[i] = v - mean[i%d]
	}
	return xc, mean
}

// Wasserstein1 returns the Wasserstein-1 distance between the empirical
// distributions of the equally many points x and y in R^d,
//
//	W₁(X, Y) = min_σ 1/n Σ_i ‖x_i - y_σ(i)‖
//
// with the Euclidean norm, computed exactly by the same solver. Distances
// do not split off the means as squared distances do, so the points are
// not centred: for clouds far apart W₁ takes several times longer than W₂.
// Far points are scaled as in Wasserstein2. It panics as Wasserstein2 does.
func Wasserstein1(x, y []float64, d int) float64 {
	n := checkPairs("Wasserstein1", x, y, d)
	if xs, ys, exp := scaled(x, y); exp != 0 {
		return math.Ldexp(Wasserstein1(xs, ys, d), exp)
	}
	_, total := assignPoints(x, y, d, true, linearPotential(x, y, d))
	return total / float64(n)
}

// meanPoint returns the mean of the points x of dimension d.
func meanPoint(x []float64, d int) []float64 {
	m := make([]float64, d)
	for i, v := range x {
		m[i%d] += v
	}
	for j := range m {
		m[j] /= float64(len(x) / d)
	}
	return m
}

// linearPotential returns the row potentials u_i = -g·x_i for g the unit
// vector from the mean of x to the mean of y (zeros if the means agree):
// the Kantorovich potential of W₁ for a translation, where W₁ = ‖δ‖ (with
// v_j = g·y_j, tight on the pairs x_i, x_i + δ by Cauchy–Schwarz). Any
// start is valid, as columnReduction makes the reduced costs
// non-negative; this one is close to optimal for clouds that differ mostly
// by a shift, and cut the time for two Gaussian clouds of 2000 points a
// standard deviation apart from 52 s to 4 s.
func linearPotential(x, y []float64, d int) []float64 {
	mx, my := meanPoint(x, d), meanPoint(y, d)
	g := make([]float64, d)
	var norm float64
	for j := range g {
		g[j] = my[j] - mx[j]
		norm += g[j] * g[j]
	}
	u := make([]float64, len(x)/d)
	if norm == 0 {
		return u
	}
	norm = math.Sqrt(norm)
	for i := range u {
		var s float64
		for j, gj := range g {
			s += gj / norm * x[i*d+j]
		}
		u[i] = -s
	}
	return u
}

// checkPairs returns the number of points of x and y, which must be equal
// and have finite coordinates, and panics naming who otherwise.
func checkPairs(who string, x, y []float64, d int) int {
	n, m := checkPoints(who, "x", x, d), checkPoints(who, "y", y, d)
	if n != m {
		panic(fmt.Sprintf("metric: %s: %d points against %d: want equal sizes (see EqualSubsets)", who, n, m))
	}
	for _, z := range [][]float64{x, y} {
		for k, v := range z {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				panic(fmt.Sprintf("metric: %s: coordinate %d of point %d is %v", who, k%d, k/d, v))
			}
		}
	}
	return n
}

// EqualSubsets returns x and y cut to the same number of points, k =
// min(n, m, maxPoints), each a subset drawn without replacement using rng
// (a set of exactly k points is returned whole, in a new slice or not), so
// that Wasserstein2 and Wasserstein1 can compare sets of different sizes.
// maxPoints == 0 means no cap. It panics unless d >= 1, x and y hold whole
// points, at least one each, and maxPoints >= 0.
func EqualSubsets(x, y []float64, d, maxPoints int, rng *rand.Rand) (xs, ys []float64) {
	n, m := checkPoints("EqualSubsets", "x", x, d), checkPoints("EqualSubsets", "y", y, d)
	if maxPoints < 0 {
		panic(fmt.Sprintf("metric: EqualSubsets: maxPoints must be 0 (no cap) or positive, got %d", maxPoints))
	}
	k := min(n, m)
	if maxPoints > 0 {
		k = min(k, maxPoints)
	}
	return Subsample(x, d, k, rng), Subsample(y, d, k, rng)
}
