package fastnet

import (
	"errors"
	"fmt"
	"math"
)

// layout places the trainable parameters in one flat slice: α, β, then
// W_0, b_0, ..., W_Depth, b_Depth, then the label embedding (if any), each
// as in Params.
type layout struct {
	alpha, beta int
	dense, bias []int // offsets, per layer
	label       int   // offset of the label embedding
	labels      int   // its length: 0 without labels
	n           int   // total length
}

func newLayout(d, F, W, D, L, labels int) layout {
	lay := layout{alpha: 0, beta: L}
	off := 2 * L
	in := 2*F + d
	for k := 0; k <= D; k++ {
		out := W
		if k == D {
			out = d
		}
		lay.dense = append(lay.dense, off)
		off += in * out
		lay.bias = append(lay.bias, off)
		off += out
		in = out
	}
	lay.label, lay.labels = off, labels
	lay.n = off + labels
	return lay
}

// view returns the Params (sizes from p, B_cos and B_sin nil) whose
// trainable slices are the parts of flat.
func (lay *layout) view(p *Params, flat []float32) Params {
	v := Params{Dim: p.Dim, Features: p.Features, Width: p.Width, Depth: p.Depth}
	L := lay.beta - lay.alpha
	v.Alpha = flat[lay.alpha : lay.alpha+L : lay.alpha+L]
	v.Beta = flat[lay.beta : lay.beta+L : lay.beta+L]
	for k := range lay.dense {
		end := lay.bias[k]
		next := lay.label
		if k+1 < len(lay.dense) {
			next = lay.dense[k+1]
		}
		v.Dense = append(v.Dense, flat[lay.dense[k]:end:end])
		v.DenseBiases = append(v.DenseBiases, flat[end:next:next])
	}
	if lay.labels > 0 {
		v.Label = flat[lay.label:lay.n:lay.n]
	}
	return v
}

// gather copies the trainable parameters of p into flat.
func (lay *layout) gather(flat []float32, p *Params) {
	v := lay.view(p, flat)
	copy(v.Alpha, p.Alpha)
	copy(v.Beta, p.Beta)
	for k := range v.Dense {
		copy(v.Dense[k], p.Dense[k])
		copy(v.DenseBiases[k], p.DenseBiases[k])
	}
	copy(v.Label, p.Label)
}

// Accelerated reports whether the kernels are vectorised: on amd64, built
// with GOEXPERIMENT=simd, on a CPU with AVX-512 or with AVX2 and FMA.
// Otherwise portable Go loops compute the same values 10 to 30 times
// slower, and a training step takes longer than GoMLX's graph on its Go
// backend.
func Accelerated() bool { return useSIMD || useAVX2 }

// Adam's constants: GoMLX's optimizer.Adam() defaults, but for ε, which
// is optax's (the blog post's optax.adam; GoMLX's default is 1e-7).
// Package train gives the graph's Adam AdamEpsilon too.
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	AdamEpsilon = 1e-8
)

// Trainer trains a score network with the denoising score matching loss
// and Adam, in float32 like the GoMLX graph of package train. A Trainer is
// not safe for concurrent use; its methods share runtime.GOMAXPROCS
// goroutines among blocks of training rows.
//
// In the GoMLX store of a scorenet.Net the trainable parameters are the
// variables /scorenet/rf/alpha and /scorenet/rf/beta (Alpha and Beta) and
// /scorenet/dense_k/weights and /scorenet/dense_k/biases (Dense[k] and
// DenseBiases[k], same row-major layout); /scorenet/rf/B_cos and B_sin are
// frozen. optimizer.Adam keeps its update count in /AdamOptimizer/step (a
// float32 scalar; the graph also increments the int64 /global_step) and
// the moments of the variable /scorenet/X in /AdamOptimizer/scorenet/X_1st_moment
// and /AdamOptimizer/scorenet/X_2nd_moment, shaped like the variable: the
// m and v of AdamState and NewTrainerFromState.
type Trainer struct {
	p    Params // the trainer's own copy: B_cos, B_sin and views into theta
	lay  layout
	lr   float64
	step int64 // Adam updates taken

	theta, m, v, grad []float32 // flat, in lay's layout

	eng  *engine
	rows rows
	sig  []float32 // σ per level, as float32
}

// NewTrainer returns a trainer that starts from the parameters p, with
// zero Adam moments and step count, and learning rate lr. It copies p.
func NewTrainer(p Params, lr float64) (*Trainer, error) {
	return NewTrainerFromState(p, lr, 0, Params{}, Params{})
}

// NewTrainerFromState is NewTrainer resuming an optimisation: step Adam
// updates were taken before, and m and v are Adam's first and second
// moments, shaped like p's trainable parameters (Alpha, Beta, Dense,
// DenseBiases; their BCos and BSin are ignored). Moments without any
// trainable slice (the zero Params) mean zeros. It copies what it keeps.
func NewTrainerFromState(p Params, lr float64, step int64, m, v Params) (*Trainer, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.Softplus {
		return nil, errors.New("fastnet: Trainer trains ReLU networks only, not softplus ones")
	}
	if !(lr > 0) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("fastnet: learning rate must be positive and finite, got %v", lr)
	}
	if step < 0 {
		return nil, fmt.Errorf("fastnet: step count must not be negative, got %d", step)
	}
	t := &Trainer{lr: lr, step: step}
	t.lay = newLayout(p.Dim, p.Features, p.Width, p.Depth, len(p.Alpha), len(p.Label))
	n := t.lay.n
	t.theta, t.m, t.v, t.grad = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	t.lay.gather(t.theta, &p)
	for _, mv := range []struct {
		name string
		src  *Params
		dst  []float32
	}{{"first moment", &m, t.m}, {"second moment", &v, t.v}} {
		if mv.src.Alpha == nil && mv.src.Beta == nil && mv.src.Dense == nil && mv.src.DenseBiases == nil {
			continue
		}
		if err := sameShapes(&p, mv.src); err != nil {
			return nil, fmt.Errorf("fastnet: Adam %s: %w", mv.name, err)
		}
		t.lay.gather(mv.dst, mv.src)
	}
	t.p = t.lay.view(&p, t.theta)
	t.p.BCos = append([]float32(nil), p.BCos...)
	t.p.BSin = append([]float32(nil), p.BSin...)
	t.eng = newEngine(&t.p)
	t.sig = make([]float32, len(p.Alpha))
	return t, nil
}

// sameShapes reports the first trainable parameter of q whose length
// differs from p's.
func sameShapes(p, q *Params) error {
	switch {
	case len(q.Alpha) != len(p.Alpha):
		return fmt.Errorf("%d Alpha values, want %d", len(q.Alpha), len(p.Alpha))
	case len(q.Beta) != len(p.Beta):
		return fmt.Errorf("%d Beta values, want %d", len(q.Beta), len(p.Beta))
	case len(q.Dense) != len(p.Dense):
		return fmt.Errorf("%d dense matrices, want %d", len(q.Dense), len(p.Dense))
	case len(q.DenseBiases) != len(p.DenseBiases):
		return fmt.Errorf("%d dense bias vectors, want %d", len(q.DenseBiases), len(p.DenseBiases))
	case len(q.Label) != len(p.Label):
		return fmt.Errorf("%d label embedding values, want %d", len(q.Label), len(p.Label))
	}
	for k := range p.Dense {
		if len(q.Dense[k]) != len(p.Dense[k]) {
			return fmt.Errorf("dense matrix %d has %d values, want %d", k, len(q.Dense[k]), len(p.Dense[k]))
		}
		if len(q.DenseBiases[k]) != len(p.DenseBiases[k]) {
			return fmt.Errorf("dense bias %d has %d values, want %d", k, len(q.DenseBiases[k]), len(p.DenseBiases[k]))
		}
	}
	return nil
}

// Params returns a copy of the current parameters.
func (t *Trainer) Params() Params {
	flat := append([]float32(nil), t.theta...)
	p := t.lay.view(&t.p, flat)
	p.BCos = append([]float32(nil), t.p.BCos...)
	p.BSin = append([]float32(nil), t.p.BSin...)
	return p
}

// AdamState returns the number of Adam updates taken and copies of the
// first and second moments, shaped like the parameters (BCos and BSin
// nil: the random features are not trained). GoMLX keeps the same
// quantities in the variables AdamOptimizer/step (a float32 scalar) and
// AdamOptimizer/<scope>/<name>_1st_moment and _2nd_moment.
func (t *Trainer) AdamState() (step int64, m, v Params) {
	return t.step, t.lay.view(&t.p, append([]float32(nil), t.m...)), t.lay.view(&t.p, append([]float32(nil), t.v...))
}

// LearningRate returns Adam's step size.
func (t *Trainer) LearningRate() float64 { return t.lr }

// checkSigmas panics unless sigmas has one positive, finite value per
// level, and returns them as float32 (the graph's constants).
func (t *Trainer) checkSigmas(sigmas []float64) []float32 {
	L := len(t.p.Alpha)
	if len(sigmas) != L {
		panic(fmt.Sprintf("fastnet: %d noise levels in sigmas, want %d", len(sigmas), L))
	}
	s := t.sig[:L]
	for l, v := range sigmas {
		if !(v > 0) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("fastnet: noise level %d must be positive and finite, got %v", l, v))
		}
		s[l] = float32(v)
	}
	return s
}

func (t *Trainer) allLevels(x, z []float32, sigmas []float64) *rows {
	d, L := t.p.Dim, len(t.p.Alpha)
	if len(x) == 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("fastnet: len(x)=%d is not a positive multiple of the dimension %d", len(x), d))
	}
	B := len(x) / d
	if len(z) != B*L*d {
		panic(fmt.Sprintf("fastnet: len(z)=%d, want B×L×d = %d×%d×%d", len(z), B, L, d))
	}
	t.rows = rows{n: B * L, x: x, z: z, sigmas: t.checkSigmas(sigmas)}
	return &t.rows
}

// checkLabels panics unless labels holds n label indices of the trained
// network, each in [0, C] (C the null label), or is nil.
func (t *Trainer) checkLabels(labels []int32, n int) {
	if labels == nil {
		return
	}
	rows := len(t.p.Label) / t.p.Width
	if rows == 0 {
		panic("fastnet: labels given to a network without a label embedding")
	}
	if len(labels) != n {
		panic(fmt.Sprintf("fastnet: %d labels for %d points", len(labels), n))
	}
	for i, c := range labels {
		if c < 0 || int(c) >= rows {
			panic(fmt.Sprintf("fastnet: label %d of point %d out of range [0, %d)", c, i, rows))
		}
	}
}

func (t *Trainer) oneLevel(x []float32, levels []int32, z []float32, sigmas []float64) *rows {
	d, L := t.p.Dim, len(t.p.Alpha)
	if len(x) == 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("fastnet: len(x)=%d is not a positive multiple of the dimension %d", len(x), d))
	}
	B := len(x) / d
	if len(levels) != B || len(z) != len(x) {
		panic(fmt.Sprintf("fastnet: %d points but %d levels and %d noise values (want %d)", B, len(levels), len(z), len(x)))
	}
	for i, l := range levels {
		if l < 0 || int(l) >= L {
			panic(fmt.Sprintf("fastnet: level %d of point %d out of range [0, %d)", l, i, L))
		}
	}
	t.rows = rows{n: B, x: x, z: z, levels: levels, sigmas: t.checkSigmas(sigmas)}
	return &t.rows
}

// GradientAllLevels returns the all-levels denoising score matching loss
// at the current parameters (package objective's AllLevels),
//
//	loss = 1/(B L d) Σ_i Σ_l ‖σ_l s(x_i + σ_l z_il, l) + z_il‖²,
//
// and sets grad to its gradient with respect to the trainable parameters.
// x holds B points (B×d), z the noise (B×L×d, point-major), sigmas the L
// noise levels. grad's slices are reused where they have the right
// lengths and allocated otherwise; its BCos and BSin are set to nil. A nil
// grad discards the gradient. It panics if the lengths do not match or a
// σ is not positive and finite.
func (t *Trainer) GradientAllLevels(grad *Params, x, z []float32, sigmas []float64) float64 {
	loss := t.lossGrad(t.allLevels(x, z, sigmas))
	t.copyGrad(grad)
	return loss
}

// GradientOneLevel is GradientAllLevels for the one-level loss (package
// objective's OneLevel): point i is perturbed once, at level levels[i],
// with the noise z[i·d:(i+1)·d] (z is B×d),
//
//	loss = 1/(B d) Σ_i ‖σ_{l_i} s(x_i + σ_{l_i} z_i, l_i) + z_i‖².
//
// It also panics if a level is out of range.
func (t *Trainer) GradientOneLevel(grad *Params, x []float32, levels []int32, z []float32, sigmas []float64) float64 {
	loss := t.lossGrad(t.oneLevel(x, levels, z, sigmas))
	t.copyGrad(grad)
	return loss
}

// GradientOneLevelLabelled is GradientOneLevel for a labelled network
// (Params.Label): point i's first layer is shifted by E at labels[i], and
// grad's Label is the gradient of E. It also panics if a label is out of
// range or the network has no labels.
func (t *Trainer) GradientOneLevelLabelled(grad *Params, x []float32, levels, labels []int32, z []float32, sigmas []float64) float64 {
	r := t.oneLevel(x, levels, z, sigmas)
	t.checkLabels(labels, r.n)
	r.labels = labels
	loss := t.lossGrad(r)
	t.copyGrad(grad)
	return loss
}

// StepOneLevelLabelled takes one Adam step on the loss of
// GradientOneLevelLabelled and returns the loss before the step.
func (t *Trainer) StepOneLevelLabelled(x []float32, levels, labels []int32, z []float32, sigmas []float64) float64 {
	r := t.oneLevel(x, levels, z, sigmas)
	t.checkLabels(labels, r.n)
	r.labels = labels
	loss := t.lossGrad(r)
	t.update()
	return loss
}

// lossGrad returns the loss of the rows and leaves its gradient in t.grad.
func (t *Trainer) lossGrad(r *rows) float64 {
	loss := t.eng.lossGrad(r, t.grad)
	t.rows = rows{} // keep no reference to the caller's data
	return loss
}

func (t *Trainer) copyGrad(grad *Params) {
	if grad == nil {
		return
	}
	if err := sameShapes(&t.p, grad); err != nil {
		*grad = t.lay.view(&t.p, make([]float32, t.lay.n))
	}
	grad.Dim, grad.Features, grad.Width, grad.Depth = t.p.Dim, t.p.Features, t.p.Width, t.p.Depth
	grad.BCos, grad.BSin = nil, nil
	g := t.lay.view(&t.p, t.grad)
	copy(grad.Alpha, g.Alpha)
	copy(grad.Beta, g.Beta)
	for k := range g.Dense {
		copy(grad.Dense[k], g.Dense[k])
		copy(grad.DenseBiases[k], g.DenseBiases[k])
	}
	copy(grad.Label, g.Label)
}

// StepAllLevels takes one Adam step on the all-levels loss of
// GradientAllLevels and returns the loss before the step.
func (t *Trainer) StepAllLevels(x, z []float32, sigmas []float64) float64 {
	loss := t.lossGrad(t.allLevels(x, z, sigmas))
	t.update()
	return loss
}

// StepOneLevel takes one Adam step on the one-level loss of
// GradientOneLevel and returns the loss before the step.
func (t *Trainer) StepOneLevel(x []float32, levels []int32, z []float32, sigmas []float64) float64 {
	loss := t.lossGrad(t.oneLevel(x, levels, z, sigmas))
	t.update()
	return loss
}

// update applies Adam with the gradient in t.grad and repacks the weights.
func (t *Trainer) update() {
	t.step++
	t.adam()
	t.eng.pack(&t.p)
}

// adam applies GoMLX's Adam to theta with the gradient in grad. The graph
// computes in float32: its step count is a float32, the bias corrections
// are 1/(1 - β^t) with β^t = float32(math.Pow(float64(β), t)).
func (t *Trainer) adam() {
	b1, b2 := float32(adamBeta1), float32(adamBeta2)
	step := float64(float32(t.step))
	k := adamConsts{
		lr: float32(t.lr), b1: b1, nb1: 1 - b1, b2: b2, nb2: 1 - b2, eps: AdamEpsilon,
		c1: 1 / (1 - float32(math.Pow(float64(b1), step))),
		c2: 1 / (1 - float32(math.Pow(float64(b2), step))),
	}
	adam(t.theta, t.m, t.v, t.grad, &k)
}
