package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

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

// FloorReps is the number of pairs of independent samples a noise floor
// is measured over where no other number is given (sgm eval and the
// demo): W₂ between one pair of 1000 draws of 8gaussians fell anywhere
// from about 0.25 to 0.5, so one pair says little; the mean of 8 has a
// third of that spread, and Floor.Std says how much is left.
const FloorReps = 8

// Pair draws a pair of independent samples of the same distribution,
// using rng: a fresh pair on each call, which the caller may keep.
// SamplerPair and SplitPair make one.
type Pair func(rng *rand.Rand) (a, b []float64)

// SamplerPair returns the Pair of two independent samples of n points each
// from s. It panics unless n >= 1.
func SamplerPair(s Sampler, n int) Pair {
	checkFloor("SamplerPair", n, 1)
	return DrawPair(func(n int, rng *rand.Rand) []float64 { return s.Sample(nil, n, rng) }, n)
}

// DrawPair returns the Pair of two calls draw(n, rng), which must give
// independent samples of n points each, such as dist.Mixture.Sample. It
// panics unless n >= 1.
func DrawPair(draw func(n int, rng *rand.Rand) []float64, n int) Pair {
	checkFloor("DrawPair", n, 1)
	return func(rng *rand.Rand) (a, b []float64) { return draw(n, rng), draw(n, rng) }
}

// SplitPair returns the Pair of two disjoint subsets of n points each of
// the reference points ref in R^d, drawn together without replacement:
// independent samples of the empirical distribution of ref, and nearly so
// of ref's own distribution when ref holds many more than 2n points. It
// panics unless d >= 1, ref holds whole points, at least 2n of them, and
// n >= 1.
func SplitPair(ref []float64, d, n int) Pair {
	checkFloor("SplitPair", n, 1)
	total := checkPoints("SplitPair", "ref", ref, d)
	if total < 2*n {
		panic(fmt.Sprintf("metric: SplitPair: %d reference points, want at least 2n = %d", total, 2*n))
	}
	return func(rng *rand.Rand) (a, b []float64) {
		// A partial Fisher–Yates shuffle: the first 2n of idx are a
		// uniform draw without replacement, split in two.
		idx := make([]int, total)
		for i := range idx {
			idx[i] = i
		}
		a, b = make([]float64, n*d), make([]float64, n*d)
		for i := range 2 * n {
			j := i + rng.IntN(total-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		for i := range n {
			copy(a[i*d:(i+1)*d], ref[idx[i]*d:])
			copy(b[i*d:(i+1)*d], ref[idx[n+i]*d:])
		}
		return a, b
	}
}

// Floors measures noise floors of several metrics at once: it draws reps
// pairs from pair and returns, for each value measure returns on a pair
// (the same number of values every time), its mean and sample standard
// deviation over the pairs. The pairs are drawn and measured in parallel,
// each with its own random source seeded from rng in turn (passed to
// measure too, for metrics that draw projections or subsets), so that the
// result does not depend on the number of processors. It panics unless
// reps >= 1.
func Floors(pair Pair, reps int, rng *rand.Rand, measure func(a, b []float64, rng *rand.Rand) []float64) []Floor {
	checkFloor("Floors", 1, reps)
	seeds := make([][2]uint64, reps)
	for k := range seeds {
		seeds[k] = [2]uint64{rng.Uint64(), rng.Uint64()}
	}
	v := make([][]float64, reps)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k := range v {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := rand.New(rand.NewPCG(seeds[k][0], seeds[k][1]))
			a, b := pair(r)
			v[k] = measure(a, b, r)
		}()
	}
	wg.Wait()
	out := make([]Floor, len(v[0]))
	col := make([]float64, reps)
	for j := range out {
		for k := range v {
			if len(v[k]) != len(out) {
				panic(fmt.Sprintf("metric: Floors: %d values from one pair, %d from another", len(v[k]), len(out)))
			}
			col[k] = v[k][j]
		}
		out[j] = floorOf(col, 0)
	}
	return out
}

// NoiseFloor returns the Floor of dist for samples of n points from s: it
// draws reps pairs of independent samples of n points each and measures
// dist between the two of each pair, as Floors does. It panics unless
// n >= 1 and reps >= 1.
func NoiseFloor(dist Distance, s Sampler, n, reps int, rng *rand.Rand) Floor {
	checkFloor("NoiseFloor", n, reps)
	f := Floors(SamplerPair(s, n), reps, rng, func(a, b []float64, _ *rand.Rand) []float64 { return []float64{dist(a, b)} })[0]
	f.N = n
	return f
}

// SplitFloor returns the Floor of dist for samples of n points from the
// distribution of the reference points ref in R^d, when no sampler is at
// hand (a data file): each of the reps pairs is two disjoint subsets of n
// points each (SplitPair), measured as Floors does. It panics unless
// d >= 1, ref holds whole points, at least 2n of them, n >= 1 and
// reps >= 1.
func SplitFloor(dist Distance, ref []float64, d, n, reps int, rng *rand.Rand) Floor {
	checkFloor("SplitFloor", n, reps)
	total := checkPoints("SplitFloor", "ref", ref, d)
	if total < 2*n {
		panic(fmt.Sprintf("metric: SplitFloor: %d reference points, want at least 2n = %d", total, 2*n))
	}
	f := Floors(SplitPair(ref, d, n), reps, rng, func(a, b []float64, _ *rand.Rand) []float64 { return []float64{dist(a, b)} })[0]
	f.N = n
	return f
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
