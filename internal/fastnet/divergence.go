package fastnet

import "fmt"

// ScoresDivergence sets dst as Scores does and div[i] to the divergence of
// the score at the point x[i*d:(i+1)*d], the trace of its Jacobian,
//
//	div s(x) = Σ_k ∂s_k/∂x_k,
//
// which the probability-flow ODE's log-density integrates. It is exact
// (up to float32 rounding): forward-mode tangents in the d coordinate
// directions go through the same fused layers as the scores, at the cost
// of about 1 + d evaluations of Scores. The tangent of a hidden layer is
//
//	ṫ_k = φ'(z_k) ⊙ (ṫ_{k-1} W_k),
//
// with φ'(z) = [z > 0] for ReLU (the primal's mask) and the logistic
// function 1 - e^{-softplus(z)} for softplus, and the tangent of the
// features in direction k is
//
//	∂/∂u_k α cos(2π b·u) = -2π b_k α sin(2π b·u),  ∂/∂u_k α sin(2π b·u) = 2π b_k α cos(2π b·u),
//
// whose sin(2π B_cos u) and cos(2π B_sin u) come from one more call of
// the features kernel with B_cos and B_sin swapped.
//
// It panics if len(dst) != len(x), if len(x) is not a multiple of d, if
// len(div) != len(x)/d, or if level is out of range. Batches of two
// blocks (lanes = 32 points) or more are shared among runtime.GOMAXPROCS
// goroutines.
func (n *Net) ScoresDivergence(dst, div, x []float64, level int) {
	n.checkLevel(level)
	n.checkBatch(dst, x)
	d := n.dim
	pts := len(x) / d
	if len(div) != pts {
		panic(fmt.Sprintf("fastnet: len(div)=%d, want one per point (%d)", len(div), pts))
	}
	nblk := (pts + lanes - 1) / lanes
	shareBlocks(nblk, func(take func() int) {
		w := n.dp.Get().(*divWork)
		for b := take(); b < nblk; b = take() {
			lo, hi := b*lanes, min((b+1)*lanes, pts)
			n.divergenceBlock(w, dst[lo*d:hi*d], div[lo:hi], x[lo*d:hi*d], level)
		}
		n.dp.Put(w)
	})
}

// divWork is the scratch space of ScoresDivergence, transposed like
// blockWork's.
type divWork struct {
	u      []float32   // d×lanes
	h0, hs []float32   // (2F+d)×lanes: the first layer's input; the swapped features (2F×lanes)
	h      [][]float32 // per layer: activations (maxb×lanes); with softplus, hidden layers' φ'
	t0     []float32   // 2F×lanes: tangent of the features in h0
	ta, tb []float32   // maxb×lanes: tangents of the hidden layers
	zero   []float32   // maxb: the tangents' bias past the first layer
}

func (n *Net) newDivWork() *divWork {
	w := &divWork{
		u:    alignedFloat32s(n.dim * lanes),
		h0:   alignedFloat32s((2*n.features + n.dim) * lanes),
		hs:   alignedFloat32s(2 * n.features * lanes),
		t0:   alignedFloat32s(2 * n.features * lanes),
		ta:   alignedFloat32s(n.maxb * lanes),
		tb:   alignedFloat32s(n.maxb * lanes),
		zero: alignedFloat32s(n.maxb),
	}
	for range n.blocks {
		w.h = append(w.h, alignedFloat32s(n.maxb*lanes))
	}
	return w
}

// divergenceBlock is ScoresDivergence for up to lanes points.
//
// The tangent of the first layer in direction k is t0 W_0[:2F] + W_0[2F+k]:
// the features' tangent (the swapped features scaled row by row, scaleRows)
// through the features' rows of W_0, plus the row of u_k, read from the
// packed panels as the product's bias. Each hidden layer's product applies
// φ' in its epilogue (panelSelect on the primal ReLU activations, which
// are positive exactly where the slope is 1; panelScale by the softplus
// slopes), so no pass over the activations is left but softplus's slopes.
func (n *Net) divergenceBlock(w *divWork, dst, div, x []float64, level int) {
	d, F := n.dim, n.features
	pts := len(x) / d
	n.inputBlock(w.u, w.h0, x, level)
	y := n.layersBlock(w.h0, level, func(k int) []float32 { return w.h[k] })
	for k := range d {
		yk := y[k*lanes:]
		for i := range pts {
			dst[i*d+k] = float64(yk[i])
		}
	}
	featuresBlock(n.bs, d, F, n.alpha[level], w.u, w.hs[:2*F*lanes])
	last := len(n.blocks) - 1
	ep := panelSelect
	if n.softplus {
		ep = panelScale
		for k := range last {
			n.activationSlope(w.h[k][:n.blocks[k].out*lanes])
		}
	}

	clear(div)
	for k := range d {
		// Tangent of the features α f in direction k: feature j is the
		// other function of the same phase, from hs, times ±2π b_jk.
		s := n.ds[k*2*F : (k+1)*2*F]
		scaleRows(w.t0[:F*lanes], w.hs[F*lanes:2*F*lanes], s[:F])
		scaleRows(w.t0[F*lanes:2*F*lanes], w.hs[:F*lanes], s[F:])
		in := w.t0
		for i := range last {
			L := &n.blocks[i]
			out := w.ta
			if i%2 == 1 {
				out = w.tb
			}
			out = out[:L.out*lanes]
			m := w.h[i][:L.out*lanes]
			if i == 0 {
				// K = 2F rows of the panels, each panel's row 2F+k its bias.
				tangentLayer(L.w, L.in, 2*F, L.out, in[:2*F*lanes], L.w[(2*F+k)*panelOut:], L.in*panelOut, m, out, ep)
			} else {
				tangentLayer(L.w, L.in, L.in, L.out, in[:L.in*lanes], w.zero, panelOut, m, out, ep)
			}
			in = out
		}
		// Of the output layer only the panel holding unit k is needed.
		L := &n.blocks[last]
		p := k / panelOut * panelOut
		out := w.tb[:panelOut*lanes] // not in: layer last-1 wrote ta if last is odd
		if last%2 == 0 {
			out = w.ta[:panelOut*lanes]
		}
		tangentLayer(L.w[p*L.in:], L.in, L.in, panelOut, in[:L.in*lanes], w.zero, panelOut, nil, out, panelLinear)
		tk := out[(k-p)*lanes:]
		for i := range pts {
			div[i] += float64(tk[i])
		}
	}
}

// Epilogues of a panel of the batched path (panel4x32, tangentLayer).
const (
	panelLinear = iota // bias + Σ
	panelReLU          // max(bias + Σ, 0)
	panelSelect        // bias + Σ where m > 0, 0 elsewhere
	panelScale         // (bias + Σ)·m
)

// tangentLayer is layerBlock with strides and a mask: for the panels
// q < np/4 of w (panel q at w[q*stride*4:], its first K rows read), it sets
//
//	out[(4q+j)*32+l] = ep(bias[q*bstride+j] + Σ_{k<K} w[q*stride*4+k*4+j] h[k*32+l], m[(4q+j)*32+l]),
//
// ep being one of the panel epilogues; m is read by panelSelect and
// panelScale only.
//
// tangentLayerPortable is its arithmetic on the portable and AVX2 kernels:
// layerBlock one panel at a time, then the epilogue.
func tangentLayerPortable(w []float32, stride, K, np int, h, bias []float32, bstride int, m, out []float32, ep int) {
	checkTangentLayer(w, stride, K, np, h, bias, bstride, m, out, ep)
	for q := range np / panelOut {
		o := out[q*panelOut*lanes : (q+1)*panelOut*lanes]
		layerBlock(w[q*stride*panelOut:], K, panelOut, h, bias[q*bstride:q*bstride+panelOut], o, ep == panelReLU)
		switch ep {
		case panelSelect:
			for i, v := range m[q*panelOut*lanes : (q+1)*panelOut*lanes] {
				if !(v > 0) {
					o[i] = 0
				}
			}
		case panelScale:
			for i, v := range m[q*panelOut*lanes : (q+1)*panelOut*lanes] {
				o[i] *= v
			}
		}
	}
}

// checkTangentLayer panics if tangentLayer's operands are too short.
func checkTangentLayer(w []float32, stride, K, np int, h, bias []float32, bstride int, m, out []float32, ep int) {
	q := np / panelOut
	if lanes != 32 || K < 1 || K > stride || np < panelOut || np%panelOut != 0 ||
		len(w) < ((q-1)*stride+K)*panelOut || len(h) < K*lanes || len(bias) < (q-1)*bstride+panelOut ||
		len(out) < np*lanes || ((ep == panelSelect || ep == panelScale) && len(m) < np*lanes) {
		panic(fmt.Sprintf("fastnet: tangentLayer: bad sizes stride=%d K=%d np=%d len(w)=%d len(h)=%d len(bias)=%d bstride=%d len(m)=%d len(out)=%d",
			stride, K, np, len(w), len(h), len(bias), bstride, len(m), len(out)))
	}
}

// scaleRowsGeneric sets dst[j*32+l] = s[j]·src[j*32+l] for j < len(s),
// l < 32.
func scaleRowsGeneric(dst, src, s []float32) {
	for j, sj := range s {
		d, x := dst[j*lanes:(j+1)*lanes], src[j*lanes:(j+1)*lanes]
		for l, v := range x {
			d[l] = sj * v
		}
	}
}

// activationSlope replaces softplus activations h = φ(z) by φ'(z), the
// logistic function of z, 1 - e^{-h}. Padding units, whose tangents are 0,
// get any value.
func (n *Net) activationSlope(h []float32) {
	for i, v := range h {
		h[i] = 1 - expNeg(-v)
	}
}
