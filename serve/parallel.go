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
	n := len(x) / d
	w := min(p.workers, n*p.m.Len()/parallelWork)
	if w <= 1 {
		p.m.ScoreBatch(dst, x)
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := d*(k*n/w), d*((k+1)*n/w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.m.ScoreBatch(dst[lo:hi], x[lo:hi])
		}()
	}
	wg.Wait()
}
