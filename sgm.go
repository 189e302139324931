package sgm

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Scorer is the score of a density p over R^d, the gradient of log p with
// respect to the point, evaluated at a batch of points:
//
//	s(x) = ∇ₓ log p(x)
//
// ScoreBatch sets dst[i*d:(i+1)*d] to s(x[i*d:(i+1)*d]) for every point of
// the batch, where d = Dim(). It panics if len(dst) != len(x) or len(x) is
// not a multiple of d. Implementations are analytic densities (dist), the
// exact score of a noise-perturbed image (dist) and trained networks
// (scorenet); samplers (sample) only see this interface.
type Scorer interface {
	Dim() int
	ScoreBatch(dst, x []float64)
}

// Source is where points come from: a distribution or a set of points
// drawn from. Sample returns n points drawn with rng, flat and row-major,
// in dst (of length n·Dim()) or in a new slice if dst is nil; it panics if
// dst is neither nil nor n·Dim() long, or n is negative. Toys (data.Toy),
// point files (data.Points, drawn with replacement), mixtures
// (dist.Mixture) and images as distributions (dist.Image) implement it;
// training (train.Run), noise floors (metric) and the explorer take it.
type Source interface {
	Dim() int
	Sample(dst []float64, n int, rng *rand.Rand) []float64
}

// SampleDst returns dst, or a new slice of n points of dimension d if dst
// is nil, and panics, naming who, if dst has another length or n < 0.
// Source implementations call it.
func SampleDst(who string, dst []float64, n, d int) []float64 {
	if n < 0 {
		panic(fmt.Sprintf("%s: negative number of draws %d", who, n))
	}
	if dst == nil {
		return make([]float64, n*d)
	}
	if len(dst) != n*d {
		panic(fmt.Sprintf("%s: len(dst)=%d, want %d draws of dimension %d", who, len(dst), n, d))
	}
	return dst
}

// CheckBatch panics with a message naming who unless dst and x hold the same
// whole number of points of dimension d. Scorer implementations call it.
func CheckBatch(who string, d int, dst, x []float64) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("%s: len(dst)=%d != len(x)=%d", who, len(dst), len(x)))
	}
	if d <= 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("%s: len(x)=%d is not a multiple of the dimension %d", who, len(x), d))
	}
}

// Schedule is a grid of noise levels σ_0 < σ_1 < ... < σ_{L-1}, indexed in
// ascending order as in the blog post (jnp.geomspace(1e-4, 1, 30): level 0 is the
// smallest noise, level 17 is σ ≈ 0.0221).
type Schedule []float64

// Geometric returns n noise levels spaced evenly on a log scale from min to
// max inclusive, like numpy's geomspace. It returns an error naming the
// offending value unless 0 < min <= max and n >= 1, and, as a Schedule
// rises strictly, unless the n levels differ (min < max for n >= 2, and
// not so close that two round to the same float64); n == 1 gives {min}.
func Geometric(min, max float64, n int) (Schedule, error) {
	switch {
	case n < 1:
		return nil, fmt.Errorf("number of noise levels must be at least 1, got %d", n)
	case !(min > 0) || math.IsInf(min, 0):
		return nil, fmt.Errorf("smallest noise level must be a positive number, got %v", min)
	case !(max >= min) || math.IsInf(max, 0):
		return nil, fmt.Errorf("largest noise level must be finite and at least the smallest (%v), got %v", min, max)
	}
	s := make(Schedule, n)
	if n == 1 {
		s[0] = min
		return s, nil
	}
	lo, hi := math.Log(min), math.Log(max)
	for i := range s {
		s[i] = math.Exp(lo + (hi-lo)*float64(i)/float64(n-1))
	}
	s[0], s[n-1] = min, max // exact ends, as numpy.geomspace
	for i := 1; i < n; i++ {
		if !(s[i] > s[i-1]) {
			return nil, fmt.Errorf("%d noise levels from %v to %v: levels %d and %d are both %v; want the largest above the smallest, or fewer levels", n, min, max, i, i+1, s[i])
		}
	}
	return s, nil
}

// SeedSchedule is the blog post's grid: 30 levels from 1e-4 to 1.
func SeedSchedule() Schedule {
	s, _ := Geometric(1e-4, 1, 30)
	return s
}

// Between returns the levels of s from hi down to lo, both ends included
// within a relative 1e-9 (so that levels computed again or read back
// after a few roundings select themselves), largest first, as annealed
// Langevin runs them; nil when none lies there.
func (s Schedule) Between(hi, lo float64) []float64 {
	var out []float64
	for i := len(s) - 1; i >= 0; i-- {
		if v := s[i]; v <= hi*(1+1e-9) && v >= lo*(1-1e-9) {
			out = append(out, v)
		}
	}
	return out
}

// Level returns the index of the level closest to sigma on a log scale,
// |log σ_i - log sigma| least (the first on a tie). Levels beyond the
// grid's ends give the nearest end: 0 for sigma == 0 and len(s)-1 for
// sigma == +Inf. It panics if s is empty or sigma is NaN or negative.
func (s Schedule) Level(sigma float64) int {
	switch {
	case len(s) == 0:
		panic("sgm: Level: empty schedule")
	case !(sigma >= 0):
		panic(fmt.Sprintf("sgm: Level: noise level must be non-negative, got %v", sigma))
	case sigma == 0:
		return 0
	case math.IsInf(sigma, 1):
		return len(s) - 1
	}
	ls := math.Log(sigma)
	best, bestDist := 0, math.Inf(1)
	for i, v := range s {
		if d := math.Abs(math.Log(v) - ls); d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}
