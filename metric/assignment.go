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
// worst case and O(n²) memory beyond the matrix. It is exact: at the end
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
	s := lsap{
		cost: cost, n: n,
		u: make([]float64, n), v: make([]float64, n),
		dist: make([]float64, n), path: make([]int, n),
		rowTo: make([]int, n), colTo: make([]int, n),
		sr: make([]bool, n), sc: make([]bool, n),
	}
	s.columnReduction()
	for row := range n {
		if s.rowTo[row] < 0 {
			s.augment(row)
		}
	}
	return s.rowTo, s.u, s.v
}

// lsap is the state of the shortest augmenting path solver.
type lsap struct {
	cost         []float64
	n            int
	u, v         []float64 // dual potentials of the rows and columns
	dist         []float64 // shortest path lengths to the columns
	path         []int     // the row before each column on its shortest path
	rowTo, colTo []int     // the partial assignment, -1 where none
	sr, sc       []bool    // the rows and columns scanned in this search
}

// columnReduction starts the search from Jonker and Volgenant's column
// reduction: v_j = min_i c_ij, u = 0, which keeps every reduced cost
// c_ij - u_i - v_j non-negative, and each column assigned to the row of its
// minimum where that row is still free (a zero reduced cost, as the
// assigned pairs need). The rows left over are assigned by augment.
func (s *lsap) columnReduction() {
	n := s.n
	for i := range n {
		s.rowTo[i], s.colTo[i] = -1, -1
	}
	for j := range n {
		s.v[j] = math.Inf(1)
	}
	argmin := s.path // as scratch: the row of each column's minimum
	for i := range n {
		for j, c := range s.cost[i*n : (i+1)*n] {
			if c < s.v[j] {
				s.v[j], argmin[j] = c, i
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
		row := s.cost[i*n : (i+1)*n : (i+1)*n]
		base := minVal - s.u[i]
		lowest, at := math.Inf(1), -1
		// A sequential sweep over all columns, skipping the scanned ones,
		// reads memory in order: faster than a list of the free columns.
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
	for j := sink; ; {
		r := s.path[j]
		s.colTo[j] = r
		s.rowTo[r], j = j, s.rowTo[r]
		if r == cur {
			return
		}
	}
}

// Wasserstein2 returns the Wasserstein-2 distance between the empirical
// distributions of the points x and y in R^d, which must be equally many
// (n each): with σ ranging over the permutations of n,
//
//	W₂(X, Y) = sqrt( min_σ 1/n Σ_i ‖x_i - y_σ(i)‖² )
//
// computed exactly by Assignment on the n×n matrix of squared Euclidean
// distances (between equal-size uniform empirical measures an optimal
// transport plan can be taken to be a permutation, by Birkhoff's theorem).
// It costs O(n³) time in the worst case and 8n² bytes for the matrix: about
// 200 MB at n = 5000. EqualSubsets draws equal-size subsets of larger sets.
//
// It panics unless d >= 1, x and y hold the same positive number of whole
// points and every coordinate is finite.
func Wasserstein2(x, y []float64, d int) float64 {
	n := checkPairs("Wasserstein2", x, y, d)
	_, total := Assignment(costMatrix(x, y, d, false), n)
	return math.Sqrt(max(total, 0) / float64(n))
}

// Wasserstein1 returns the Wasserstein-1 distance between the empirical
// distributions of the equally many points x and y in R^d,
//
//	W₁(X, Y) = min_σ 1/n Σ_i ‖x_i - y_σ(i)‖
//
// with the Euclidean norm, computed exactly as Wasserstein2 is. It panics
// as Wasserstein2 does.
func Wasserstein1(x, y []float64, d int) float64 {
	n := checkPairs("Wasserstein1", x, y, d)
	_, total := Assignment(costMatrix(x, y, d, true), n)
	return total / float64(n)
}

// checkPairs returns the number of points of x and y, which must be equal,
// and panics naming who otherwise.
func checkPairs(who string, x, y []float64, d int) int {
	n, m := checkPoints(who, "x", x, d), checkPoints(who, "y", y, d)
	if n != m {
		panic(fmt.Sprintf("metric: %s: %d points against %d: want equal sizes (see EqualSubsets)", who, n, m))
	}
	return n
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
	return subsample(x, d, k, rng), subsample(y, d, k, rng)
}
