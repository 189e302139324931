package serve

import (
	"runtime"
	"sync"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// parallel is an analytic mixture's score evaluated on all CPUs: the batch
// is cut into one contiguous chunk per worker. A mixture's ScoreBatch
// reads the mixture only, so concurrent calls are safe, and every point's
// score is computed by the same code as a serial call: the results are
// bitwise equal. It is what makes a toy's or a drawing's empirical
// density animate 2,000 particles smoothly: one core took about 11 ms a
// step with 250 components in one measurement, and 5.5 ms (best of 20)
// with a toy's 500 in a later one.
type parallel struct {
	m       *dist.Mixture
	workers int
}

var _ sgm.Scorer = parallel{}

// parallelWork is the smallest points × components per worker worth a
// goroutine (about 0.1 ms of work).
const parallelWork = 1 << 14

// newParallel returns m's score on up to runtime.GOMAXPROCS workers.
func newParallel(m *dist.Mixture) parallel {
	return parallel{m: m, workers: runtime.GOMAXPROCS(0)}
}

func (p parallel) Dim() int { return p.m.Dim() }

func (p parallel) ScoreBatch(dst, x []float64) {
	d := p.m.Dim()
	sgm.CheckBatch("serve: parallel ScoreBatch", d, dst, x)
	p.chunks(len(x)/d, func(lo, hi int) { p.m.ScoreBatch(dst[d*lo:d*hi], x[d*lo:d*hi]) })
}

// logProb sets dst[i] to log p of point i of x, floored at floor.
func (p parallel) logProb(dst, x []float64, floor float64) {
	d := p.m.Dim()
	p.chunks(len(dst), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = max(p.m.LogProb(x[d*i:d*(i+1)]), floor)
		}
	})
}

// chunks calls f on one contiguous range [lo, hi) of the n points per
// worker, at once, when the work is worth it.
func (p parallel) chunks(n int, f func(lo, hi int)) {
	w := min(p.workers, n*p.m.Len()/parallelWork)
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k*n/w, (k+1)*n/w)
		}()
	}
	wg.Wait()
}
