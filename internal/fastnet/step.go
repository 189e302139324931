package fastnet

import (
	"runtime"
)

// blockRows is the number of training rows that go through the network
// together: their activations (about 6 rows of Width floats per row) stay
// in L2 between the forward and the backward pass, and the weight
// gradients are read and written once per block.
const blockRows = 64

// engine computes the loss and its gradient for a set of training rows.
// It holds the weights packed for gemmNN (rebuilt by pack after every
// change) and one worker per goroutine.
type engine struct {
	d, F, W, D, L int
	fp            int // features padded to rowVec: the cos and sin parts of a feature row
	wp            int // width padded to tile
	np            int // panels of tile columns: wp/tile
	k0            int // length of a first-layer input row: roundUp(2fp+d, 4)

	b           []float32 // featuresRow's layout of [B_cos; B_sin]: d×2fp
	alpha, beta []float32 // per level

	w0      []float32   // np panels of 2fp×tile: W_0's feature rows, cos part padded to fp
	w0u     []float32   // d×wp: W_0's input rows
	colsum0 []float32   // wp: Σ_{i<2F} W_0[i, :]
	bias0   []float32   // L×wp: b_0 + β_l colsum0
	fw, bw  [][]float32 // hidden layers k = 1..D-1: W_k and W_kᵀ, np panels of wp×tile each
	bias    [][]float32 // hidden layers k = 1..D-1: b_k, padded to wp
	wo      []float32   // d×wp: W_Dᵀ
	bo      []float32   // d: b_D
	emb     []float32   // labels×wp: the label embedding E, rows padded to wp
	labels  int         // rows of E (C+1); 0 without labels

	lay     layout // of the trainable parameters in flat slices
	workers []*worker

	wideIO // products for the inputs and outputs of a wide d (wide.go)
}

// worker is one goroutine's scratch space and gradient accumulators.
type worker struct {
	// One block of rows.
	h0   []float32   // blockRows×k0: rows [f, u, 0...]; f becomes α f + β after the forward pass
	p    []float32   // blockRows×wp: f W_0[:2F]
	h    [][]float32 // hidden activations h_1..h_D (index 1..D), blockRows×wp each
	g, t []float32   // blockRows×wp: gradients at pre-activations
	lev  []int32     // level of each row
	lab  []int32     // label of each row (with labels)
	lb   []float32   // wp: one row's first-layer bias with its label's E_c
	sig  []float32   // σ of each row (0 in padding rows)
	z    []float32   // blockRows×d: noise of each row
	dy   []float32   // d
	y    []float32   // wide d: blockRows×dp, the outputs, then their gradients
	u    []float32   // d: one row's input x̃ - 0.5

	// Gradient accumulators, laid out like the packed weights' sources.
	dw0  []float32   // k0×wp: rows of h0
	db0  []float32   // wp
	dw   [][]float32 // hidden layers k = 1..D-1: wp×wp
	db   [][]float32 // hidden layers k = 1..D-1: wp
	dwo  []float32   // d×wp: W_Dᵀ
	dbo  []float64   // d
	dA   []float64   // L: α
	dB   []float64   // L: β
	dE   []float32   // labels×wp: the label embedding
	loss float64     // Σ of squared errors
}

func newEngine(p *Params) *engine {
	e := &engine{d: p.Dim, F: p.Features, W: p.Width, D: p.Depth, L: len(p.Alpha), labels: len(p.Label) / p.Width}
	e.lay = newLayout(e.d, e.F, e.W, e.D, e.L, len(p.Label))
	e.fp = roundUp(e.F, rowVec)
	e.wp = roundUp(e.W, tile)
	e.np = e.wp / tile
	e.k0 = roundUp(2*e.fp+e.d, 4)
	d, fp, wp := e.d, e.fp, e.wp
	e.b = alignedFloat32s(d * 2 * fp)
	for i := range e.F {
		for k := range d {
			e.b[k*2*fp+i] = p.BCos[i*d+k]
			e.b[k*2*fp+fp+i] = p.BSin[i*d+k]
		}
	}
	e.w0 = alignedFloat32s(2 * fp * wp)
	e.w0u = alignedFloat32s(d * wp)
	e.colsum0 = alignedFloat32s(wp)
	e.bias0 = alignedFloat32s(e.L * wp)
	e.fw = make([][]float32, e.D)
	e.bw = make([][]float32, e.D)
	e.bias = make([][]float32, e.D)
	for k := 1; k < e.D; k++ {
		e.fw[k] = alignedFloat32s(wp * wp)
		e.bw[k] = alignedFloat32s(wp * wp)
		e.bias[k] = alignedFloat32s(wp)
	}
	e.wo = alignedFloat32s(d * wp)
	e.bo = make([]float32, d)
	e.alpha = make([]float32, e.L)
	e.beta = make([]float32, e.L)
	e.emb = alignedFloat32s(e.labels * wp)
	e.newWide()
	e.pack(p)
	for range runtime.GOMAXPROCS(0) {
		e.workers = append(e.workers, e.newWorker())
	}
	return e
}

// featureRow is the row of the first-layer input that feature i (< 2F)
// of the model occupies: cos features from 0, sin features from fp.
func (e *engine) featureRow(i int) int {
	if i < e.F {
		return i
	}
	return e.fp + i - e.F
}

// pack lays out the weights of p for the products.
func (e *engine) pack(p *Params) {
	d, F, W, wp := e.d, e.F, e.W, e.wp
	copy(e.alpha, p.Alpha)
	copy(e.beta, p.Beta)
	w0 := p.Dense[0]
	clear(e.colsum0)
	for j := range W {
		var s float64
		for i := range 2 * F {
			s += float64(w0[i*W+j])
		}
		e.colsum0[j] = float32(s)
	}
	for l, beta := range p.Beta {
		b := e.bias0[l*wp : (l+1)*wp]
		for j := range W {
			b[j] = p.DenseBiases[0][j] + beta*e.colsum0[j]
		}
	}
	packPanels(e.w0, w0, 2*F, W, 2*e.fp, e.featureRow)
	for c := range d {
		copy(e.w0u[c*wp:c*wp+W], w0[(2*F+c)*W:(2*F+c+1)*W])
	}
	for k := 1; k < e.D; k++ {
		w := p.Dense[k]
		packPanels(e.fw[k], w, W, W, wp, nil)
		packPanelsT(e.bw[k], w, W, W, wp)
		copy(e.bias[k], p.DenseBiases[k])
	}
	wd := p.Dense[e.D]
	for i := range W {
		for c := range d {
			e.wo[c*wp+i] = wd[i*d+c]
		}
	}
	copy(e.bo, p.DenseBiases[e.D])
	for c := range e.labels {
		copy(e.emb[c*wp:], p.Label[c*W:(c+1)*W])
	}
	e.packWide(p)
}

// rowBias returns the first-layer bias of row r of w's block: base, plus
// E at the row's label for a labelled step (labelled).
func (e *engine) rowBias(w *worker, r int, base []float32, labelled bool) []float32 {
	if !labelled {
		return base
	}
	c := int(w.lab[r])
	emb := e.emb[c*e.wp : (c+1)*e.wp]
	for j := range w.lb {
		w.lb[j] = base[j] + emb[j]
	}
	return w.lb
}

// labelGrad adds the gradient at the first layer's pre-activation g (R
// rows) to the label embedding's rows of w's block.
func (e *engine) labelGrad(w *worker, g []float32, R int) {
	wp := e.wp
	for r := range R {
		c := int(w.lab[r])
		axpyGeneric(w.dE[c*wp:(c+1)*wp], 1, g[r*wp:(r+1)*wp])
	}
}

// packPanels sets dst (panels of kp×tile, zero where w has no value) to
// the in×out matrix w, row i going to panel row rowOf(i) (i if nil).
func packPanels(dst, w []float32, in, out, kp int, rowOf func(int) int) {
	np := len(dst) / (kp * tile)
	clear(dst)
	for i := range in {
		r := i
		if rowOf != nil {
			r = rowOf(i)
		}
		for p := range np {
			lo, hi := p*tile, min((p+1)*tile, out)
			if lo >= hi {
				break
			}
			copy(dst[(p*kp+r)*tile:], w[i*out+lo:i*out+hi])
		}
	}
}

// packPanelsT sets dst (panels of kp×tile over the in units) to the
// transpose of the in×out matrix w: panel p row j column c is w[p·tile+c][j].
func packPanelsT(dst, w []float32, in, out, kp int) {
	clear(dst)
	for i := range in {
		p, c := i/tile, i%tile
		panel := dst[p*kp*tile:]
		for j, v := range w[i*out : (i+1)*out] {
			panel[j*tile+c] = v
		}
	}
}

func (e *engine) newWorker() *worker {
	R, wp, d := blockRows, e.wp, e.d
	w := &worker{
		h0:  alignedFloat32s(R * e.k0),
		p:   alignedFloat32s(R * wp),
		h:   make([][]float32, e.D+1),
		g:   alignedFloat32s(R * wp),
		t:   alignedFloat32s(R * wp),
		lev: make([]int32, R),
		lab: make([]int32, R),
		lb:  alignedFloat32s(wp),
		dE:  alignedFloat32s(e.labels * wp),
		sig: make([]float32, R),
		z:   make([]float32, R*d),
		dy:  make([]float32, d),
		u:   make([]float32, d),
		dw0: alignedFloat32s(e.k0 * wp),
		db0: alignedFloat32s(wp),
		dw:  make([][]float32, e.D),
		db:  make([][]float32, e.D),
		dwo: alignedFloat32s(d * wp), // wp×dp for a wide d

		dbo: make([]float64, d),
		dA:  make([]float64, e.L),
		dB:  make([]float64, e.L),
	}
	for k := 1; k <= e.D; k++ {
		w.h[k] = alignedFloat32s(R * wp)
	}
	if e.wide {
		w.y = alignedFloat32s(R * e.dp)
		w.dwo = alignedFloat32s(wp * e.dp)
	}
	for k := 1; k < e.D; k++ {
		w.dw[k] = alignedFloat32s(wp * wp)
		w.db[k] = alignedFloat32s(wp)
	}
	return w
}

func (w *worker) reset() {
	clear(w.dw0)
	clear(w.db0)
	for k := range w.dw {
		clear(w.dw[k])
		clear(w.db[k])
	}
	clear(w.dwo)
	clear(w.dbo)
	clear(w.dA)
	clear(w.dB)
	clear(w.dE)
	w.loss = 0
}

// rows are the training rows of one step. Row r perturbs the data point
// x[i] at level l with the noise z[r·d:(r+1)·d]:
//
//	all-levels (levels == nil): i = r / L, l = r % L;
//	one-level: i = r, l = levels[r].
type rows struct {
	n      int
	x, z   []float32
	levels []int32
	labels []int32   // one-level rows' labels of a labelled network; nil without
	sigmas []float32 // per level
}

func (s *rows) at(r, L int) (i, l int) {
	if s.levels == nil {
		return r / L, r % L
	}
	return r, int(s.levels[r])
}

// lossGrad computes the loss of the rows, Σ (σ_l s(x̃, l) + z)² / (n d),
// and sets grad (in the flat layout of newLayout) to its gradient.
//
// Worker w of nw takes blocks w, w+nw, ... and the workers' sums are added
// in order, so the result depends on runtime.GOMAXPROCS but not on how the
// goroutines are scheduled: a step is reproducible.
func (e *engine) lossGrad(s *rows, grad []float32) float64 {
	scale := float32(2 / float64(s.n*e.d))
	ws := e.eachBlock(s.n, func(w *worker, _, r0, r1 int) { e.block(w, s, r0, r1, scale) })
	return e.reduce(ws, grad) / float64(s.n*e.d)
}

// block runs rows r0..r1-1 forward and backward, adding to w's
// accumulators. scale is 2/(n d): the loss's derivative with respect to
// an error σ s + z is scale times the error.
func (e *engine) block(w *worker, s *rows, r0, r1 int, scale float32) {
	d, fp, wp, k0 := e.d, e.fp, e.wp, e.k0
	n := r1 - r0
	R := roundUp(n, 4)

	// Inputs: x̃ = x + σ z, rounded as the graph rounds it, and features.
	uu := w.u
	for r := range R {
		h0 := w.h0[r*k0 : (r+1)*k0]
		zr := w.z[r*d : (r+1)*d]
		if r < n {
			i, l := s.at(r0+r, e.L)
			sig := s.sigmas[l]
			copy(zr, s.z[(r0+r)*d:])
			for c := range d {
				uu[c] = (s.x[i*d+c] + float32(sig*zr[c])) - 0.5
			}
			w.lev[r], w.sig[r] = int32(l), sig
			if s.labels != nil {
				w.lab[r] = s.labels[r0+r]
			}
		} else {
			clear(uu)
			clear(zr)
			w.lev[r], w.sig[r], w.lab[r] = 0, 0, 0
		}
		copy(h0[2*fp:], uu)
		if !e.wide {
			featuresRow(e.b, d, fp, 1, uu, h0)
		}
	}
	if e.wide {
		e.featuresWide(w, R)
	}

	// Forward.
	gemmNN(w.p, wp, w.h0, k0, 2*fp, e.w0, e.np, R, epStore, nil, nil)
	h1 := w.h[1]
	labelled := s.labels != nil
	if e.wide {
		e.firstLayerWide(w, R, labelled)
	} else {
		for r := range R {
			l := w.lev[r]
			h0 := w.h0[r*k0 : (r+1)*k0]
			firstLayer(h1[r*wp:(r+1)*wp], w.p[r*wp:(r+1)*wp], e.alpha[l], h0[2*fp:2*fp+d], e.w0u, wp, e.rowBias(w, r, e.bias0[int(l)*wp:(int(l)+1)*wp], labelled))
		}
	}
	g := e.hiddenOutput(w, R, scale)
	if labelled {
		e.labelGrad(w, g, R)
	}

	// First layer: h0 = [α f + β, u].
	for r := range R {
		l := w.lev[r]
		gr := g[r*wp : (r+1)*wp]
		w.dA[l] += float64(dot(gr, w.p[r*wp:(r+1)*wp]))
		w.dB[l] += float64(dot(gr, e.colsum0))
		scaleShift(w.h0[r*k0:r*k0+2*fp], e.alpha[l], e.beta[l])
	}
	gemmTN(w.dw0, wp, w.h0, k0, k0, g, wp, e.np, R)
	sumRows(w.db0, g, wp, R)
}

// reduce sums the workers' gradients into grad, in the flat layout of
// newLayout, and returns the sum of their squared errors.
func (e *engine) reduce(ws []*worker, grad []float32) float64 {
	d, F, W, D, L, wp := e.d, e.F, e.W, e.D, e.L, e.wp
	lay := &e.lay
	var loss float64
	for l := range L {
		var a, b float64
		for _, w := range ws {
			a += w.dA[l]
			b += w.dB[l]
		}
		grad[lay.alpha+l], grad[lay.beta+l] = float32(a), float32(b)
	}
	sumInto := func(dst []float32, src func(w *worker) []float32) {
		copy(dst, src(ws[0]))
		for _, w := range ws[1:] {
			axpyGeneric(dst, 1, src(w))
		}
	}
	for i := range 2*F + d {
		r := 2*e.fp + i - 2*F
		if i < 2*F {
			r = e.featureRow(i)
		}
		sumInto(grad[lay.dense[0]+i*W:lay.dense[0]+(i+1)*W], func(w *worker) []float32 { return w.dw0[r*wp : r*wp+W] })
	}
	sumInto(grad[lay.bias[0]:lay.bias[0]+W], func(w *worker) []float32 { return w.db0[:W] })
	for k := 1; k < D; k++ {
		for i := range W {
			sumInto(grad[lay.dense[k]+i*W:lay.dense[k]+(i+1)*W], func(w *worker) []float32 { return w.dw[k][i*wp : i*wp+W] })
		}
		sumInto(grad[lay.bias[k]:lay.bias[k]+W], func(w *worker) []float32 { return w.db[k][:W] })
	}
	for c := range d {
		for i := range W {
			var s float32
			for _, w := range ws {
				if e.wide {
					s += w.dwo[i*e.dp+c]
				} else {
					s += w.dwo[c*wp+i]
				}
			}
			grad[lay.dense[D]+i*d+c] = s
		}
		var s float64
		for _, w := range ws {
			s += w.dbo[c]
		}
		grad[lay.bias[D]+c] = float32(s)
	}
	for c := range e.labels {
		sumInto(grad[lay.label+c*W:lay.label+(c+1)*W], func(w *worker) []float32 { return w.dE[c*wp : c*wp+W] })
	}
	for _, w := range ws {
		loss += w.loss
	}
	return loss
}
