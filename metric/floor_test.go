package metric

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// normal2 is a Sampler of N(0, I) in R².
type normal2 struct{}

func (normal2) Dim() int { return 2 }

func (normal2) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	if dst == nil {
		dst = make([]float64, 2*n)
	}
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
	return dst
}

// TestNoiseFloorMean: the difference of the means of two independent
// samples of n points of N(0, I) in R² has E‖m_x - m_y‖² = 2·2/n, so that
// "distance" has a floor of 4/n.
func TestNoiseFloorMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	const n, reps = 50, 2000
	meanGap := func(x, y []float64) float64 {
		var dx, dy float64
		for i := 0; i < len(x); i += 2 {
			dx += x[i] - y[i]
			dy += x[i+1] - y[i+1]
		}
		return (dx*dx + dy*dy) / (n * n)
	}
	f := NoiseFloor(meanGap, normal2{}, n, reps, rng)
	if f.N != n || f.Reps != reps {
		t.Errorf("N, Reps = %d, %d; want %d, %d", f.N, f.Reps, n, reps)
	}
	// The gap is (4/n)·χ²₂/2: standard deviation 4/n, so the mean of
	// 2000 has standard error 4/n/sqrt(2000); allow 5 of them. The sample
	// standard deviation of 2000 exponentials is off by about 3%.
	if want := 4.0 / n; math.Abs(f.Mean-want) > 5*want/math.Sqrt(reps) || math.Abs(f.Std-want) > 0.1*want {
		t.Errorf("floor %v ± %v, want %v ± %v", f.Mean, f.Std, want, want)
	}
	// The same for two halves of one large reference set.
	ref := normal2{}.Sample(nil, 100000, rng)
	g := SplitFloor(meanGap, ref, 2, n, reps, rng)
	if want := 4.0 / n; math.Abs(g.Mean-want) > 5*want/math.Sqrt(reps) {
		t.Errorf("split floor %v, want %v", g.Mean, want)
	}
}

// TestSplitFloorDisjoint: each pair is 2n distinct reference points, whole
// points, in an order that changes from pair to pair.
func TestSplitFloorDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 5))
	const d, n = 3, 4
	ref := make([]float64, 2*n*d) // exactly 2n points: all are used
	for i := range ref {
		ref[i] = float64(i)
	}
	var (
		mu     sync.Mutex // the pairs are measured in parallel
		firsts []float64
	)
	SplitFloor(func(x, y []float64) float64 {
		if len(x) != n*d || len(y) != n*d {
			t.Errorf("sizes %d and %d, want %d", len(x), len(y), n*d)
			return 0
		}
		all := append(slices.Clone(x), y...)
		for i := 0; i < len(all); i += d {
			if int(all[i])%d != 0 || all[i+1] != all[i]+1 || all[i+2] != all[i]+2 {
				t.Errorf("%v is not a whole reference point", all[i:i+d])
				return 0
			}
		}
		slices.Sort(all)
		if !slices.Equal(all, ref) {
			t.Errorf("the pair %v, %v is not the 2n reference points", x, y)
		}
		mu.Lock()
		firsts = append(firsts, x[0])
		mu.Unlock()
		return 0
	}, ref, d, n, 20, rng)
	slices.Sort(firsts)
	if len(slices.Compact(firsts)) < 3 {
		t.Errorf("the first point of x took the values %v only: not random", firsts)
	}
}

func TestFloorPanics(t *testing.T) {
	dist := func(x, y []float64) float64 { return 0 }
	numtest.WantPanic(t, "metric: NoiseFloor: n=0 points and reps=1", func() { NoiseFloor(dist, normal2{}, 0, 1, nil) })
	numtest.WantPanic(t, "metric: SplitFloor: 3 reference points, want at least 2n = 4", func() {
		SplitFloor(dist, []float64{1, 2, 3}, 1, 2, 1, nil)
	})
}
