package metric

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
)

// Sampler draws points from a distribution: sgm.Source, which toys,
// point files, mixtures and images implement.
type Sampler = sgm.Source

// Distance is a two-sample metric on flat point sets of a fixed dimension,
// such as func(x, y []float64) float64 { return Wasserstein2(x, y, 2) }.
type Distance func(x, y []float64) float64

// Floor is a metric's noise floor: its mean and standard deviation over
// Reps pairs of independent samples of N points each from the same
// distribution. A model whose samples score within a few Std of Mean is as
// close to the target as a second sample of the target itself, by that
// metric at that N; distances such as W₂ are biased upwards at finite N,
// so it is Mean, not zero, that a model's score should be read against.
type Floor struct {
	Mean, Std float64 // Std is the sample standard deviation, 0 for one rep
	N, Reps   int
}

// NoiseFloor returns the Floor of dist for samples of n points from s: it
// draws reps pairs of independent samples of n points each, using rng, and
// measures dist between the two of each pair. It panics unless n >= 1 and
// reps >= 1.
func NoiseFloor(dist Distance, s Sampler, n, reps int, rng *rand.Rand) Floor {
	checkFloor("NoiseFloor", n, reps)
	v := make([]float64, reps)
	for k := range v {
		v[k] = dist(s.Sample(nil, n, rng), s.Sample(nil, n, rng))
	}
	return floorOf(v, n)
}

// SplitFloor returns the Floor of dist for samples of n points from the
// distribution of the reference points ref in R^d, when no sampler is at
// hand (a data file): each of the reps pairs is two disjoint subsets of n
// points each, drawn together without replacement using rng. The pairs are
// independent samples of the empirical distribution of ref, and nearly so
// of ref's own distribution when ref holds many more than 2n points; the
// two slices passed to dist are reused from one pair to the next. It
// panics unless d >= 1, ref holds whole points, at least 2n of them, n >= 1
// and reps >= 1.
func SplitFloor(dist Distance, ref []float64, d, n, reps int, rng *rand.Rand) Floor {
	checkFloor("SplitFloor", n, reps)
	total := checkPoints("SplitFloor", "ref", ref, d)
	if total < 2*n {
		panic(fmt.Sprintf("metric: SplitFloor: %d reference points, want at least 2n = %d", total, 2*n))
	}
	v := make([]float64, reps)
	a, b := make([]float64, n*d), make([]float64, n*d)
	idx := make([]int, total)
	for i := range idx {
		idx[i] = i
	}
	for k := range v {
		// A partial Fisher–Yates shuffle: the first 2n of idx are a
		// uniform draw without replacement (idx being any permutation),
		// split in two.
		for i := range 2 * n {
			j := i + rng.IntN(total-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		for i := range n {
			copy(a[i*d:(i+1)*d], ref[idx[i]*d:])
			copy(b[i*d:(i+1)*d], ref[idx[n+i]*d:])
		}
		v[k] = dist(a, b)
	}
	return floorOf(v, n)
}

func checkFloor(who string, n, reps int) {
	if n < 1 || reps < 1 {
		panic(fmt.Sprintf("metric: %s: n=%d points and reps=%d repetitions, want both at least 1", who, n, reps))
	}
}

// floorOf returns the mean and standard deviation of v.
func floorOf(v []float64, n int) Floor {
	f := Floor{N: n, Reps: len(v)}
	for _, x := range v {
		f.Mean += x
	}
	f.Mean /= float64(len(v))
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - f.Mean) * (x - f.Mean)
		}
		f.Std = math.Sqrt(ss / float64(len(v)-1))
	}
	return f
}
