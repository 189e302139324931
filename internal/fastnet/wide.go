package fastnet

// The inputs and outputs of a training row cost (2F + W)·d multiply-adds:
// for the blog post's d = 2, a few per cent of the step, done row by row
// (featuresRow, firstLayer, dot, axpy, outputGrad). For a wide d they
// would be a third of it, and row-by-row matrix-vector products run at
// the speed of the cache, not of the FMA units. From wideDim on, the
// engine does them as register-tiled products over the block:
//
//	features     T = U B             (U: rows×d, B: d×2fp), then cos and sin
//	first layer  Q = U W_0[2F:]      added to α P + b_0
//	output       Y = h_D W_D,  ∂W_D += h_Dᵀ ∂Y,  g = (∂Y W_Dᵀ) ⊙ [h_D > 0]
//
// with the output's columns padded to dp, a multiple of tile.

// wideDim is the smallest dimension that takes the products: padding d to
// tile columns wastes less than half of the output's products from here.
const wideDim = 16

// wideIO holds the weights of a wide d packed for gemmNN.
type wideIO struct {
	wide bool
	dp   int       // d padded to tile
	bpan []float32 // 2fp/tile panels of d×tile: [B_cosᵀ | B_sinᵀ] as featuresRow lays it out
	w0up []float32 // np panels of d×tile: W_0's input rows
	wop  []float32 // dp/tile panels of wp×tile: W_D
	woT  []float32 // np panels of d×tile: W_Dᵀ
}

// one is the input of a single-input call of featuresRow or firstLayer
// that applies the kernel's epilogue to values computed beforehand.
var one = []float32{1}

func (e *engine) newWide() {
	if e.d < wideDim {
		return
	}
	d, wp := e.d, e.wp
	e.wide = true
	e.dp = roundUp(d, tile)
	e.bpan = alignedFloat32s(d * 2 * e.fp)
	packPanels(e.bpan, e.b, d, 2*e.fp, d, nil)
	e.w0up = alignedFloat32s(d * wp)
	e.wop = alignedFloat32s(wp * e.dp)
	e.woT = alignedFloat32s(d * wp)
}

// packWide packs the trainable weights of the wide products from p.
func (e *engine) packWide(p *Params) {
	if !e.wide {
		return
	}
	d, F, W := e.d, e.F, e.W
	packPanels(e.w0up, p.Dense[0][2*F*W:], d, W, d, nil)
	packPanels(e.wop, p.Dense[e.D], W, d, e.wp, nil)
	packPanelsT(e.woT, p.Dense[e.D], W, d, d)
}

// featuresWide sets the features of the R rows of w.h0 from their inputs
// u, which sit after them: T = U B into the feature columns, then
// featuresRow's cos and sin of T in place (as bt of a single input 1).
func (e *engine) featuresWide(w *worker, R int) {
	fp, k0 := e.fp, e.k0
	gemmNN(w.h0, k0, w.h0[2*fp:], k0, e.d, e.bpan, 2*fp/tile, R, epStore, nil, nil)
	for r := range R {
		h0 := w.h0[r*k0 : r*k0+2*fp]
		featuresRow(h0, 1, fp, 1, one, h0)
	}
}

// firstLayerWide sets h_1 = relu(α_l P + U W_0[2F:] + b_0,l) for the R rows
// of w: Q = U W_0[2F:] into h_1, then firstLayer with Q as the weight row
// of a single input 1.
func (e *engine) firstLayerWide(w *worker, R int, labelled bool) {
	fp, k0, wp := e.fp, e.k0, e.wp
	h1 := w.h[1]
	gemmNN(h1, wp, w.h0[2*fp:], k0, e.d, e.w0up, e.np, R, epStore, nil, nil)
	for r := range R {
		l := int(w.lev[r])
		h := h1[r*wp : (r+1)*wp]
		firstLayer(h, w.p[r*wp:(r+1)*wp], e.alpha[l], one, h, wp, e.rowBias(w, r, e.bias0[l*wp:(l+1)*wp], labelled))
	}
}

// outputWide is the output layer of block for the R rows of w: the loss,
// the output weights' gradients and the gradient g at the last hidden
// layer's pre-activation. scale is block's.
func (e *engine) outputWide(w *worker, R int, scale float32) {
	d, dp, wp := e.d, e.dp, e.wp
	hD := w.h[e.D]
	gemmNN(w.y, dp, hD, wp, wp, e.wop, dp/tile, R, epStore, nil, nil)
	for r := range R {
		y := w.y[r*dp : r*dp+d]
		sig := w.sig[r]
		for c := range y {
			err := float32(sig*(y[c]+e.bo[c])) + w.z[r*d+c]
			w.loss += float64(err) * float64(err)
			dc := scale * sig * err
			y[c] = dc
			w.dbo[c] += float64(dc)
		}
		// Columns d..dp-1 are 0: W_D's padding is.
	}
	gemmTN(w.dwo, dp, hD, wp, wp, w.y, dp, dp/tile, R)
	gemmNN(w.g, wp, w.y, dp, d, e.woT, e.np, R, epMask, nil, hD)
}
