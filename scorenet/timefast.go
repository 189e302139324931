package scorenet

import (
	"math"

	"github.com/sgm-dev/sgm/internal/fastnet"
)

// The fast path of a time-conditioned network. At one time t every point
// of a batch has the same α(t) and β(t), so internal/fastnet's evaluator
// of a network of one level computes the batch once that level is set to
// them (fastnet.Net.SetLevel); its input centring is undone by shifting the
// points by +0.5. It applies where the levels' fast path does (FastPath's
// conditions but for the conditioning), to the output without its
// divergence.

// timeFast is the fast evaluator of a time-conditioned network's weights.
type timeFast struct {
	net         *fastnet.Net
	w0, b0      []float32 // the first dense layer, for SetLevel
	label       []float32 // a labelled network's embedding, (C+1)×Width (label.go)
	b0s         map[int][]float32
	alpha, beta []float32 // the maps from the time embedding
	omega       []float64 // its frequencies
	step        int64
	xs          []float64
}

// timeFastApplies reports whether outputs are computed with fastnet.
func (n *Net) timeFastApplies() bool {
	return !n.noFast && n.OnGoBackend() && fastnet.Accelerated()
}

// timeFastEval returns the fast evaluator of the current weights, rebuilt
// whenever training has taken a step since. The caller holds n.timeMu.
func (n *Net) timeFastEval() (*timeFast, error) {
	step := n.stepCheap()
	if n.tfast != nil && n.tfast.step == step {
		return n.tfast, nil
	}
	w, err := n.Weights()
	if err != nil {
		return nil, err
	}
	c := n.cfg
	vals := w.Values()
	vals[2], vals[3] = []float32{1}, []float32{0} // one level, set per call
	f, err := fastnet.New(fastnet.FromValues(c.Dim, c.Features, c.Width, c.Depth, c.Activation == "softplus", vals))
	if err != nil {
		return nil, err
	}
	n.tfast = &timeFast{net: f, w0: w.Dense[0], b0: w.DenseBiases[0], alpha: w.Alpha, beta: w.Beta,
		omega: timeFrequencies(c.TimeFeatures), step: step, label: w.Label, b0s: map[int][]float32{}}
	return n.tfast, nil
}

// bias0 returns the first layer's bias at label (-1: the null label of a
// labelled network), the label's embedding folded in as the levels'
// fast path folds it (label.go).
func (f *timeFast) bias0(label int) []float32 {
	if f.label == nil {
		return f.b0
	}
	W := len(f.b0)
	if label < 0 {
		label = len(f.label)/W - 1
	}
	if b := f.b0s[label]; b != nil {
		return b
	}
	b := make([]float32, W)
	for i, v := range f.b0 {
		b[i] = v + f.label[label*W+i]
	}
	f.b0s[label] = b
	return b
}

// outputs sets dst to the network's outputs at the points x at time t
// and label (bias0's), and, when div is not nil, div[i] to the exact
// divergence of the output at point i (fastnet's forward-mode tangents,
// 1 + Dim passes).
func (f *timeFast) outputs(dst, div, x []float64, t float64, label int) {
	K := len(f.omega)
	var a, b float64
	for k, w := range f.omega {
		c, s := math.Cos(w*t), math.Sin(w*t)
		a += c*float64(f.alpha[k]) + s*float64(f.alpha[K+k])
		b += c*float64(f.beta[k]) + s*float64(f.beta[K+k])
	}
	a += float64(f.alpha[2*K])
	b += float64(f.beta[2*K])
	f.net.SetLevel(0, float32(a), float32(b), f.w0, f.bias0(label))
	if cap(f.xs) < len(x) {
		f.xs = make([]float64, len(x))
	}
	xs := f.xs[:len(x)]
	for i, v := range x {
		xs[i] = v + 0.5 // fastnet evaluates at x - 0.5; a shift leaves the divergence as it is
	}
	if div != nil {
		f.net.ScoresDivergence(dst, div, xs, 0)
		return
	}
	f.net.Scores(dst, xs, 0)
}
