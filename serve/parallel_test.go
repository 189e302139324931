package serve

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestParallelMatchesSerial checks that the parallel score is bitwise the
// mixture's own, with more workers than points, an uneven split and one
// worker.
func TestParallelMatchesSerial(t *testing.T) {
	tg, err := resolve(Spec{Toy: "moons"}, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tg.perturbed(tg.grid[2])
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ n, workers int }{{1, 4}, {3, 4}, {1001, 3}, {2000, 2}, {500, 1}} {
		x := make([]float64, 2*c.n)
		for i := range x {
			x[i] = 2 * rng.NormFloat64()
		}
		want, got := make([]float64, len(x)), make([]float64, len(x))
		m.ScoreBatch(want, x)
		parallel{m: m, workers: c.workers}.ScoreBatch(got, x)
		if !slices.Equal(got, want) {
			t.Errorf("n %d, %d workers: parallel score differs from the serial one", c.n, c.workers)
		}
	}
}
