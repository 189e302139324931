package fastnet

import (
	"fmt"
	"math"
)

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
	h      [][]float32 // per layer: activations (maxb×lanes); then, hidden layers, φ'
	t0     []float32   // (2F+d)×lanes: tangent of h0
	ta, tb []float32   // maxb×lanes: tangents of the hidden layers
	zero   []float32   // maxb: the tangents' bias
	s      []float32   // 2F: ±2π b_k per feature
}

func (n *Net) newDivWork() *divWork {
	k0 := 2*n.features + n.dim
	w := &divWork{
		u:    alignedFloat32s(n.dim * lanes),
		h0:   alignedFloat32s(k0 * lanes),
		hs:   alignedFloat32s(k0 * lanes),
		t0:   alignedFloat32s(k0 * lanes),
		ta:   alignedFloat32s(n.maxb * lanes),
		tb:   alignedFloat32s(n.maxb * lanes),
		zero: alignedFloat32s(n.maxb),
		s:    make([]float32, 2*n.features),
	}
	for range n.blocks {
		w.h = append(w.h, alignedFloat32s(n.maxb*lanes))
	}
	return w
}

// divergenceBlock is ScoresDivergence for up to lanes points.
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
	for k := range last {
		n.activationSlope(w.h[k][:n.blocks[k].out*lanes])
	}

	clear(div)
	const twoPi = float32(2 * math.Pi)
	for k := range d {
		// Tangent of h0 = [α f, u] in direction k: feature j is the
		// other function of the same phase, from hs, times ±2π b_jk.
		for j := range 2 * F {
			sj, src := twoPi*n.b[j*d+k], j-F
			if j < F {
				sj, src = -sj, j+F
			}
			tj, hj := w.t0[j*lanes:(j+1)*lanes], w.hs[src*lanes:(src+1)*lanes]
			for l := range tj {
				tj[l] = sj * hj[l]
			}
		}
		clear(w.t0[2*F*lanes:])
		for l := range lanes {
			w.t0[(2*F+k)*lanes+l] = 1
		}
		in := w.t0
		for i := range last {
			L := &n.blocks[i]
			out := w.ta
			if i%2 == 1 {
				out = w.tb
			}
			out = out[:L.out*lanes]
			layerBlock(L.w, L.in, L.out, in[:L.in*lanes], w.zero[:L.out], out, false)
			mulSlope(out, w.h[i][:L.out*lanes])
			in = out
		}
		// Of the output layer only the panel holding unit k is needed.
		L := &n.blocks[last]
		p := k / panelOut * panelOut
		out := w.tb[:panelOut*lanes] // not in: layer last-1 wrote ta if last is odd
		if last%2 == 0 {
			out = w.ta[:panelOut*lanes]
		}
		layerBlock(L.w[p*L.in:], L.in, panelOut, in[:L.in*lanes], w.zero[:panelOut], out, false)
		tk := out[(k-p)*lanes:]
		for i := range pts {
			div[i] += float64(tk[i])
		}
	}
}

// activationSlope replaces hidden activations h = φ(z) by φ'(z): 1 where
// a ReLU output is positive, 0 elsewhere; for softplus, the logistic
// function of z, 1 - e^{-h}. Padding units, whose tangents are 0, get any
// value.
func (n *Net) activationSlope(h []float32) {
	if n.softplus {
		for i, v := range h {
			h[i] = 1 - expNeg(-v)
		}
		return
	}
	// ReLU outputs are +0, -0 or positive: the slope is 1 where the bits
	// below the sign are not all 0, found without a branch (a branch on
	// the signs, which are random, costs a misprediction every other unit).
	for i, v := range h {
		h[i] = float32((math.Float32bits(v)&0x7fffffff + 0x7fffffff) >> 31)
	}
}

// mulSlope sets t[i] *= m[i].
func mulSlope(t, m []float32) {
	m = m[:len(t)]
	for i, v := range m {
		t[i] *= v
	}
}
