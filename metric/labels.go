package metric

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
)

// LabelAccuracy returns the share of the points x (of dimension m.Dim())
// whose most responsible component of m is their label: for samples of a
// class-conditional model of a mixture (or a toy of separated parts
// written as one), how often a sample of class k lands in component k.
// Points with a NaN or infinite coordinate count as misses. It panics
// unless x holds whole points, as many as labels, at least one.
func LabelAccuracy(m *dist.Mixture, x []float64, labels []int) float64 {
	d := m.Dim()
	n := checkPoints("LabelAccuracy", "x", x, d)
	if len(labels) != n {
		panic(fmt.Sprintf("metric: LabelAccuracy: %d labels for %d points", len(labels), n))
	}
	r := make([]float64, m.Len())
	hit := 0
	for i, l := range labels {
		if l >= 0 && mostResponsible(m, r, x[i*d:(i+1)*d]) == l {
			hit++
		}
	}
	return float64(hit) / float64(n)
}

// LabelDistance is a two-sample distance between the samples of one label
// and the reference points of that label, with its noise floor.
type LabelDistance struct {
	Label    int
	N        int     // the samples of the label compared (equal subsets of both sides)
	Distance float64 // NaN where the label has no sample or no reference point
	// Floor is the distance's noise floor at N (SplitFloor of the
	// label's reference points); its Mean is NaN where the label has
	// fewer than 2N reference points.
	Floor Floor
}

// PerLabel measures dist between the samples x with labels xl and the
// reference points ref with labels rl, label by label, for the labels
// 0..labels-1: equal subsets of the label's samples and reference points
// (EqualSubsets, at most maxPoints each, 0 for no cap), and the noise
// floor of dist at that size from reps pairs of disjoint subsets of the
// label's reference points (SplitFloor). It panics unless x and ref hold
// whole points of dimension d, as many as their labels, and every label
// is in [0, labels).
func PerLabel(dist func(x, y []float64, d int) float64, x []float64, xl []int, ref []float64, rl []int, d, labels, maxPoints, reps int, rng *rand.Rand) []LabelDistance {
	group := func(who string, p []float64, l []int) [][]float64 {
		n := checkPoints("PerLabel", who, p, d)
		if len(l) != n {
			panic(fmt.Sprintf("metric: PerLabel: %d labels for %d points of %s", len(l), n, who))
		}
		out := make([][]float64, labels)
		for i, c := range l {
			if c < 0 || c >= labels {
				panic(fmt.Sprintf("metric: PerLabel: label %d of %s out of range [0, %d)", c, who, labels))
			}
			out[c] = append(out[c], p[i*d:(i+1)*d]...)
		}
		return out
	}
	xs, rs := group("x", x, xl), group("ref", ref, rl)
	out := make([]LabelDistance, labels)
	for c := range out {
		out[c] = LabelDistance{Label: c, Distance: math.NaN(), Floor: Floor{Mean: math.NaN(), Std: math.NaN()}}
		if len(xs[c]) == 0 || len(rs[c]) == 0 {
			continue
		}
		a, b := EqualSubsets(xs[c], rs[c], d, maxPoints, rng)
		n := len(a) / d
		out[c].N, out[c].Distance = n, dist(a, b, d)
		if len(rs[c])/d >= 2*n {
			out[c].Floor = SplitFloor(func(p, q []float64) float64 { return dist(p, q, d) }, rs[c], d, n, reps, rng)
		}
	}
	return out
}
