package fastnet

import (
	"fmt"
	"math"
	"runtime"
)

// TimeTrainer trains a time-conditioned network (scorenet's Conditioning
// "time") with the regression loss of package objective's continuous-time
// objectives,
//
//	loss = 1/(n d) Σ_i ‖out(x_i, t_i) - target_i‖²,
//
// where row i has its own scale and shift of the random features,
//
//	α_i = e(t_i)·a,  β_i = e(t_i)·b,  e(t) = (cos ω₁t, …, cos ω_K t, sin ω₁t, …, sin ω_K t, 1),
//
// and the input is not centred (out(x, t) sees x, not x - 0.5). a and b are
// the Trainer's Alpha and Beta (2K+1 values each), whose gradients are
//
//	∂loss/∂a = Σ_i ∂loss/∂α_i e(t_i),  ∂loss/∂b = Σ_i ∂loss/∂β_i e(t_i).
//
// The batch (x, t, target) is the objective's: denoising score matching's
// x = a(t) x₀ + s(t) z with target -z, flow matching's interpolation with
// target x₁ - x₀ (objective.PerturbSDE, objective.InterpolateCFM). The
// rest of the step, the weights, Adam and its state are the Trainer's:
// everything but the features layer's per-row α and β runs through the
// same fused kernels. A TimeTrainer is not safe for concurrent use.
type TimeTrainer struct {
	tr    *Trainer
	omega []float32 // the graph's float32 frequencies
	emb   []float32 // n×(2K+1): e(t_i)
	ab    []float32 // n×2: α_i, β_i
	bias  [][]float32
	xt    []float32 // the step's batch
	tgt   []float32
	lab   []int32 // its labels (StepLabelled); nil without
}

// NewTimeTrainer returns a trainer of the time-conditioned network whose
// parameters tr trains, with the embedding's frequencies omega: tr's
// Alpha and Beta are the maps a and b, of 2·len(omega)+1 values each. The
// TimeTrainer takes the steps; tr keeps the parameters and Adam's state
// (Trainer.Params, Trainer.AdamState), and must not be stepped by itself
// while the TimeTrainer is in use.
func NewTimeTrainer(tr *Trainer, omega []float64) (*TimeTrainer, error) {
	if len(omega) < 1 || len(tr.p.Alpha) != 2*len(omega)+1 {
		return nil, fmt.Errorf("fastnet: a time embedding of %d frequencies needs 2K+1 = %d values of Alpha and Beta, got %d", len(omega), 2*len(omega)+1, len(tr.p.Alpha))
	}
	tt := &TimeTrainer{tr: tr, omega: make([]float32, len(omega))}
	for k, w := range omega {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("fastnet: frequency %d of the time embedding must be finite and not negative, got %v", k, w)
		}
		tt.omega[k] = float32(w)
	}
	return tt, nil
}

// Trainer returns the trainer that holds the parameters and Adam's state.
func (tt *TimeTrainer) Trainer() *Trainer { return tt.tr }

// Gradient returns the loss at the current parameters of the batch of n
// points xt (n×d) at the times t (n, in [0, 1]) with the targets target
// (n×d), and sets grad to its gradient as Trainer.GradientOneLevel does
// (Alpha and Beta: the gradients of a and b). It panics if the lengths do
// not match or a time is outside [0, 1].
func (tt *TimeTrainer) Gradient(grad *Params, xt, t, target []float32) float64 {
	loss := tt.lossGrad(xt, t, target)
	tt.tr.copyGrad(grad)
	return loss
}

// Step takes one Adam step on the loss of Gradient and returns the loss
// before the step.
func (tt *TimeTrainer) Step(xt, t, target []float32) float64 {
	loss := tt.lossGrad(xt, t, target)
	tt.tr.update()
	return loss
}

// GradientLabelled is Gradient for a labelled network (Params.Label):
// point i's first layer is shifted by E at labels[i], and grad's Label is
// the gradient of E. It also panics if a label is out of range or the
// network has no labels.
func (tt *TimeTrainer) GradientLabelled(grad *Params, xt, t []float32, labels []int32, target []float32) float64 {
	tt.tr.checkLabels(labels, len(t))
	tt.lab = labels
	loss := tt.lossGrad(xt, t, target)
	tt.tr.copyGrad(grad)
	return loss
}

// StepLabelled takes one Adam step on the loss of GradientLabelled and
// returns the loss before the step.
func (tt *TimeTrainer) StepLabelled(xt, t []float32, labels []int32, target []float32) float64 {
	tt.tr.checkLabels(labels, len(t))
	tt.lab = labels
	loss := tt.lossGrad(xt, t, target)
	tt.tr.update()
	return loss
}

// embed sets e(t_i), α_i and β_i for the n times, as the graph computes
// them in float32 (the products ω_k t_i rounded before cos and sin).
func (tt *TimeTrainer) embed(t []float32) {
	K, E := len(tt.omega), 2*len(tt.omega)+1
	n := len(t)
	if cap(tt.emb) < n*E {
		tt.emb = make([]float32, n*E)
		tt.ab = make([]float32, 2*n)
	}
	tt.emb, tt.ab = tt.emb[:n*E], tt.ab[:2*n]
	a, b := tt.tr.p.Alpha, tt.tr.p.Beta
	for i, ti := range t {
		if !(ti >= 0 && ti <= 1) {
			panic(fmt.Sprintf("fastnet: time %v of point %d outside [0, 1]", ti, i))
		}
		e := tt.emb[i*E : (i+1)*E]
		for k, w := range tt.omega {
			wt := float64(w * ti)
			e[k], e[K+k] = float32(math.Cos(wt)), float32(math.Sin(wt))
		}
		e[2*K] = 1
		var sa, sb float64
		for k, v := range e {
			sa += float64(v) * float64(a[k])
			sb += float64(v) * float64(b[k])
		}
		tt.ab[2*i], tt.ab[2*i+1] = float32(sa), float32(sb)
	}
}

// lossGrad is engine.lossGrad for the rows of a time-conditioned batch.
func (tt *TimeTrainer) lossGrad(xt, t, target []float32) float64 {
	e := tt.tr.eng
	d := e.d
	n := len(t)
	if n == 0 || len(xt) != n*d || len(target) != n*d {
		panic(fmt.Sprintf("fastnet: %d times, %d points' values and %d targets' in dimension %d", n, len(xt), len(target), d))
	}
	tt.embed(t)
	tt.xt, tt.tgt = xt, target
	defer func() { tt.xt, tt.tgt, tt.lab = nil, nil, nil }() // keep no reference to the caller's data
	for len(tt.bias) < runtime.GOMAXPROCS(0) {               // eachBlock's most workers
		tt.bias = append(tt.bias, alignedFloat32s(e.wp))
	}
	scale := float32(2 / float64(n*d))
	ws := e.eachBlock(n, func(w *worker, wi, r0, r1 int) { tt.block(w, tt.bias[wi], r0, r1, scale) })
	return e.reduce(ws, tt.tr.grad) / float64(n*d)
}

// rowAB returns α and β of row r of the batch (1 and 0 past its end).
func (tt *TimeTrainer) rowAB(r int) (alpha, beta float32) {
	if 2*r < len(tt.ab) {
		return tt.ab[2*r], tt.ab[2*r+1]
	}
	return 1, 0
}

// firstBias sets bias to the first layer's bias of a row whose features
// are shifted by beta: b_0 + β colsum0.
func (tt *TimeTrainer) firstBias(bias []float32, beta float32) {
	e := tt.tr.eng
	for j, b0 := range tt.tr.p.DenseBiases[0] {
		bias[j] = b0 + beta*e.colsum0[j]
	}
}

// block is engine.block for rows r0..r1-1 of the time-conditioned batch:
// the input is the point itself, the features of row r are scaled and
// shifted by its α_r and β_r, and the error is out - target (engine.block's
// σ out + z with σ = 1 and z = -target, which rounds the same).
func (tt *TimeTrainer) block(w *worker, bias []float32, r0, r1 int, scale float32) {
	e := tt.tr.eng
	d, fp, wp, k0 := e.d, e.fp, e.wp, e.k0
	n := r1 - r0
	R := roundUp(n, 4)

	// Inputs and features.
	uu := w.u
	for r := range R {
		h0 := w.h0[r*k0 : (r+1)*k0]
		zr := w.z[r*d : (r+1)*d]
		if r < n {
			copy(uu, tt.xt[(r0+r)*d:(r0+r+1)*d])
			for c, v := range tt.tgt[(r0+r)*d : (r0+r+1)*d] {
				zr[c] = -v
			}
			w.sig[r] = 1
			if tt.lab != nil {
				w.lab[r] = tt.lab[r0+r]
			}
		} else {
			clear(uu)
			clear(zr)
			w.sig[r], w.lab[r] = 0, 0 // no error, no gradient
		}
		copy(h0[2*fp:], uu)
		if !e.wide {
			featuresRow(e.b, d, fp, 1, uu, h0)
		}
	}
	if e.wide {
		e.featuresWide(w, R)
	}

	// Forward: h_1 = relu(α_r P + U W_0[2F:] + b_0 + β_r colsum0).
	gemmNN(w.p, wp, w.h0, k0, 2*fp, e.w0, e.np, R, epStore, nil, nil)
	h1 := w.h[1]
	if e.wide {
		gemmNN(h1, wp, w.h0[2*fp:], k0, d, e.w0up, e.np, R, epStore, nil, nil)
	}
	for r := range R {
		alpha, beta := tt.rowAB(r0 + r)
		tt.firstBias(bias, beta)
		h := h1[r*wp : (r+1)*wp]
		b := e.rowBias(w, r, bias, tt.lab != nil)
		if e.wide {
			firstLayer(h, w.p[r*wp:(r+1)*wp], alpha, one, h, wp, b)
		} else {
			firstLayer(h, w.p[r*wp:(r+1)*wp], alpha, w.h0[r*k0+2*fp:r*k0+2*fp+d], e.w0u, wp, b)
		}
	}
	g := e.hiddenOutput(w, R, scale)
	if tt.lab != nil {
		e.labelGrad(w, g, R)
	}

	// First layer: h0 = [α_r f + β_r, u]; α_r and β_r pass their
	// gradients on to a and b through e(t_r).
	E := len(e.alpha)
	for r := range R {
		alpha, beta := tt.rowAB(r0 + r)
		gr := g[r*wp : (r+1)*wp]
		if r < n {
			da := float64(dot(gr, w.p[r*wp:(r+1)*wp]))
			db := float64(dot(gr, e.colsum0))
			for k, v := range tt.emb[(r0+r)*E : (r0+r+1)*E] {
				w.dA[k] += da * float64(v)
				w.dB[k] += db * float64(v)
			}
		}
		scaleShift(w.h0[r*k0:r*k0+2*fp], alpha, beta)
	}
	gemmTN(w.dw0, wp, w.h0, k0, k0, g, wp, e.np, R)
	sumRows(w.db0, g, wp, R)
}
