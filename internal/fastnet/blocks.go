package fastnet

import (
	"runtime"
	"sync"
)

// The parts of a training step that the levels' engine.block and the
// time-conditioned TimeTrainer.block share: the workers' schedule, and
// everything after the first hidden layer.

// eachBlock calls block for the rows 0..n-1 in blocks of blockRows, worker
// wi of nw taking blocks wi, wi+nw, ... after resetting its accumulators,
// and returns the workers used, whose sums reduce adds in order: the
// result depends on runtime.GOMAXPROCS but not on how the goroutines are
// scheduled, so a step is reproducible.
func (e *engine) eachBlock(n int, block func(w *worker, wi, r0, r1 int)) []*worker {
	nblk := (n + blockRows - 1) / blockRows
	nw := max(1, min(runtime.GOMAXPROCS(0), nblk))
	for len(e.workers) < nw {
		e.workers = append(e.workers, e.newWorker())
	}
	run := func(wi int) {
		w := e.workers[wi]
		w.reset()
		for b := wi; b < nblk; b += nw {
			block(w, wi, b*blockRows, min((b+1)*blockRows, n))
		}
	}
	if nw == 1 {
		run(0)
	} else {
		var wg sync.WaitGroup
		for wi := 1; wi < nw; wi++ {
			wg.Go(func() { run(wi) })
		}
		run(0)
		wg.Wait()
	}
	return e.workers[:nw]
}

// hiddenOutput runs the R rows of w from the first hidden layer's
// activations h_1 through the other hidden layers and the output, adds
// the loss and the gradients of those layers to w's accumulators, and
// returns the gradient at the first hidden layer's pre-activation. Row r's
// error is σ_r out + z_r (w.sig, w.z); scale is block's.
func (e *engine) hiddenOutput(w *worker, R int, scale float32) []float32 {
	wp := e.wp
	for k := 1; k < e.D; k++ {
		gemmNN(w.h[k+1], wp, w.h[k], wp, wp, e.fw[k], e.np, R, epBiasReLU, e.bias[k], nil)
	}

	// Output, loss and the gradient at the last hidden layer.
	if e.wide {
		e.outputWide(w, R, scale)
	} else {
		e.outputRows(w, R, scale)
	}

	// Backward through the hidden layers.
	g, t := w.g, w.t
	for k := e.D - 1; k >= 1; k-- {
		gemmTN(w.dw[k], wp, w.h[k], wp, wp, g, wp, e.np, R)
		sumRows(w.db[k], g, wp, R)
		gemmNN(t, wp, g, wp, wp, e.bw[k], e.np, R, epMask, nil, w.h[k])
		g, t = t, g
	}
	return g
}

// outputRows is the output layer row by row, for a narrow d: the loss,
// the output weights' gradients and the gradient g at the last hidden
// layer's pre-activation of the R rows of w. scale is block's.
func (e *engine) outputRows(w *worker, R int, scale float32) {
	d, wp := e.d, e.wp
	hD := w.h[e.D]
	for r := range R {
		h := hD[r*wp : (r+1)*wp]
		sig := w.sig[r]
		for c := range d {
			y := dot(h, e.wo[c*wp:(c+1)*wp]) + e.bo[c]
			err := float32(sig*y) + w.z[r*d+c]
			w.loss += float64(err) * float64(err)
			w.dy[c] = scale * sig * err
		}
		for c, dc := range w.dy {
			if dc != 0 {
				axpy(w.dwo[c*wp:(c+1)*wp], dc, h)
			}
			w.dbo[c] += float64(dc)
		}
		outputGrad(w.g[r*wp:(r+1)*wp], h, w.dy, e.wo, wp)
	}
}
