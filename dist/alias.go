package dist

import "math/rand/v2"

// alias is Walker's alias table (Vose's construction) for drawing indices
// with probabilities proportional to non-negative weights in O(1) per draw.
// Only the indices with positive weight enter the table, so an index of
// weight zero is never drawn, whatever the rounding in the construction.
type alias struct {
	prob  []float64 // probability of keeping slot i rather than taking alias[i]
	alias []int     // slot taken otherwise
	index []int     // original index of each slot
}

// newAlias returns the table for weights, or ok false if no weight is
// positive. Weights must be finite and non-negative; their sum may
// overflow.
func newAlias(weights []float64) (a alias, ok bool) {
	var top float64
	n := 0
	for _, w := range weights {
		if w > 0 {
			top = max(top, w)
			n++
		}
	}
	if n == 0 {
		return alias{}, false
	}
	// Dividing by the largest weight first keeps the total finite however
	// large the weights.
	var total float64
	for _, w := range weights {
		if w > 0 {
			total += w / top
		}
	}
	a = alias{
		prob:  make([]float64, n),
		alias: make([]int, n),
		index: make([]int, 0, n),
	}
	scale := float64(n) / total
	for i, w := range weights {
		if w > 0 {
			a.prob[len(a.index)] = w / top * scale
			a.index = append(a.index, i)
		}
	}
	// small and large are stacks sharing one buffer from either end.
	work := make([]int, n)
	ns, nl := 0, n
	for i, p := range a.prob {
		if p < 1 {
			work[ns] = i
			ns++
		} else {
			nl--
			work[nl] = i
		}
	}
	for ns > 0 && nl < n {
		ns--
		s := work[ns]
		l := work[nl]
		a.alias[s] = l
		a.prob[l] -= 1 - a.prob[s]
		if a.prob[l] < 1 {
			// l moves from the large stack to the small one.
			nl++
			work[ns] = l
			ns++
		}
	}
	// What is left differs from 1 only by rounding.
	for i := range ns {
		a.prob[work[i]] = 1
	}
	for i := nl; i < n; i++ {
		a.prob[work[i]] = 1
	}
	return a, true
}

// draw returns an index with probability proportional to its weight.
func (a *alias) draw(rng *rand.Rand) int {
	i := rng.IntN(len(a.prob))
	if rng.Float64() < a.prob[i] {
		return a.index[i]
	}
	return a.index[a.alias[i]]
}
