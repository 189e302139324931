package scorenet

import (
	"fmt"
	"math"
	"slices"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/sde"
)

// Time conditioning. The blog post's network scales and shifts its Fourier
// features by a learned α_l and β_l per noise level l. A network
// conditioned on time makes them functions of t in [0, 1] through a
// Fourier embedding of t with K fixed geometric frequencies and a learned
// linear map,
//
//	e(t) = (cos ω₁t, …, cos ω_K t, sin ω₁t, …, sin ω_K t, 1),  ω_k = 100^((k-1)/(K-1))
//	α(t) = e(t)·a,  β(t) = e(t)·b
//
// and the discrete case is this same model with the one-hot embedding of
// the level, e(l) = δ_l, for which e(l)·a = α_l. The rest of the network
// is the same, except that the input is not centred (x - 0.5 is the unit
// square's centre, not that of standardised data). a and b are Layout's
// rf/alpha and rf/beta, of 2K+1 values, initialised to α(t) = 1, β(t) = 0.

// defaultTimeFeatures is the default number of frequencies K.
const defaultTimeFeatures = 8

// maxTimeFeatures bounds Config.TimeFeatures.
const maxTimeFeatures = 256

// Processes lists what a time-conditioned network's output may mean
// (Config.Process).
var Processes = []string{"ve", "vp", "subvp", "flow"}

// Timed reports whether the network is conditioned on time.
func (c Config) Timed() bool { return c.Conditioning == "time" }

// conditioningSize is the length of rf/alpha and rf/beta: one per level,
// or 2K+1 with time. c has its defaults.
func (c Config) conditioningSize() int {
	if c.Timed() {
		return 2*c.TimeFeatures + 1
	}
	return len(c.Sigmas)
}

// validateTime checks the time-conditioning fields of c (with defaults).
func (c Config) validateTime() error {
	switch c.Conditioning {
	case "levels":
		if c.Process != "" || c.SigmaMax != 0 || c.TimeFeatures != 0 || c.BetaMin != 0 || c.BetaMax != 0 || c.Prediction != "" {
			return fmt.Errorf("process, sigma_max, beta_min, beta_max, time_features and prediction apply only to conditioning \"time\"")
		}
		return nil
	case "time":
	default:
		return fmt.Errorf("unknown conditioning %q (known: levels, time)", c.Conditioning)
	}
	if !slices.Contains(Processes, c.Process) {
		return fmt.Errorf("unknown process %q of a time-conditioned network (known: %v)", c.Process, Processes)
	}
	if c.TimeFeatures < 1 || c.TimeFeatures > maxTimeFeatures {
		return fmt.Errorf("time features must be in [1, %d], got %d", maxTimeFeatures, c.TimeFeatures)
	}
	if c.Process != "ve" && c.SigmaMax != 0 {
		return fmt.Errorf("sigma_max applies only to process ve")
	}
	if c.Process != "vp" && c.Process != "subvp" && (c.BetaMin != 0 || c.BetaMax != 0) {
		return fmt.Errorf("beta_min and beta_max apply only to processes vp and subvp")
	}
	switch c.Prediction {
	case "", PredictNoise:
	case PredictV:
		if c.Process != "vp" {
			return fmt.Errorf("prediction %q applies only to process vp, not %s", c.Prediction, c.Process)
		}
	default:
		return fmt.Errorf("unknown prediction %q (known: %s, %s)", c.Prediction, PredictNoise, PredictV)
	}
	if p, ok := c.SDE(); ok {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// SDE returns the forward process of a time-conditioned score network (c
// with defaults), and false for a flow or a network of discrete levels.
func (c Config) SDE() (sde.SDE, bool) {
	switch c.Process {
	case "ve":
		return sde.VE{SigmaMin: sde.DefaultSigmaMin, SigmaMax: c.SigmaMax}, c.Timed()
	case "vp":
		return sde.VP{BetaMin: c.BetaMin, BetaMax: c.BetaMax}, c.Timed()
	case "subvp":
		return sde.SubVP{BetaMin: c.BetaMin, BetaMax: c.BetaMax}, c.Timed()
	}
	return nil, false
}

// timeFrequencies returns the K angular frequencies of the embedding,
// geometric from 1 to 100 radians per unit time.
func timeFrequencies(K int) []float64 {
	w := make([]float64, K)
	for k := range w {
		w[k] = 1
		if K > 1 {
			w[k] = math.Pow(100, float64(k)/float64(K-1))
		}
	}
	return w
}

// TimeOutput builds the graph of a time-conditioned network: its output
// at the points x (shape [n, Dim], float32) at the times t (shape [n],
// float32). Its meaning is the Config's Process: s(t) times the score for
// an SDE, the velocity for a flow. It panics for a network of levels.
func (n *Net) TimeOutput(scope *model.Scope, x, t *Node) *Node {
	return n.TimeOutputLabelled(scope, x, t, nil)
}

// TimeOutputLabelled is TimeOutput for the class labels label (shape [n],
// int32, each in [0, len(Labels)], len(Labels) the null label) of a
// labelled network (label.go); nil means the null label, and is all a
// network without labels takes.
func (n *Net) TimeOutputLabelled(scope *model.Scope, x, t, label *Node) *Node {
	if !n.cfg.Timed() {
		panic("scorenet: TimeOutput of a network of discrete levels (use Scores)")
	}
	g := x.Graph()
	omega := ConvertDType(Const(g, timeFrequencies(n.cfg.TimeFeatures)), x.DType())
	wt := Mul(ExpandAxes(t, -1), ExpandAxes(omega, 0)) // [n, K]
	one := OnesLike(ExpandAxes(t, -1))
	emb := Concatenate([]*Node{Cos(wt), Sin(wt), one}, 1) // [n, 2K+1]
	rf := scope.At("rf")
	alpha := ExpandAxes(MatMul(emb, n.node(rf, g, varAlpha)), -1)
	beta := ExpandAxes(MatMul(emb, n.node(rf, g, varBeta)), -1)
	return n.body(scope, x, alpha, beta, n.labelShift(scope, t, label))
}

// checkTimed panics, naming who, unless the network is time-conditioned.
func (n *Net) checkTimed(who string) {
	if !n.cfg.Timed() {
		panic(fmt.Sprintf("scorenet: %s of a network of discrete levels", who))
	}
}

// OutputAt sets dst to the output of a time-conditioned network at the
// points x (the batch layout of sgm.Scorer) at time t. Misuse panics (a
// network of levels, mismatched lengths); a backend failure is returned.
func (n *Net) OutputAt(dst, x []float64, t float64) error {
	return n.outputAt(dst, nil, x, t)
}

// OutputAtLabelled is OutputAt for the class label index label (in
// [0, len(Labels)], len(Labels) the null label) of a labelled network: one
// evaluation, as OutputAt. Misuse panics as OutputAt's does, and for a
// network without labels or a label out of range.
func (n *Net) OutputAtLabelled(dst, x []float64, t float64, label int) error {
	n.checkLabel("OutputAtLabelled", label)
	return n.timeEval(outPlain, dst, nil, x, nil, t, label)
}

// OutputDivAt is OutputAt that also sets div[i] to the divergence of the
// output at point i, ∇ₓ·out(x_i, t), exactly: the trace of the graph's
// Jacobian, by Dim reverse passes.
func (n *Net) OutputDivAt(dst, div, x []float64, t float64) error {
	if div == nil {
		panic("scorenet: OutputDivAt: nil div")
	}
	return n.outputAt(dst, div, x, t)
}

func (n *Net) outputAt(dst, div, x []float64, t float64) error {
	kind := outPlain
	if div != nil {
		kind = outDiv
	}
	return n.timeEval(kind, dst, div, x, nil, t, -1)
}

// OutputVJPAt is OutputAt that also sets vj, for each point i, to the
// vector-Jacobian product v_iᵀ ∂out(x_i, t)/∂x, by one reverse pass.
func (n *Net) OutputVJPAt(dst, vj, x, v []float64, t float64) error {
	if len(vj) != len(x) || len(v) != len(x) {
		panic(fmt.Sprintf("scorenet: OutputVJPAt: len(vj)=%d, len(v)=%d for len(x)=%d", len(vj), len(v), len(x)))
	}
	return n.timeEval(outVJP, dst, vj, x, v, t, -1)
}

// The graphs of a time-conditioned network: its output, with its
// divergence, with a vector-Jacobian product, at a class label.
const (
	outPlain = iota
	outDiv
	outVJP
	outLabelled
)

// timeEval evaluates the graph kind at the points x at time t: the output
// into dst, and the divergence or the products with v into second. label
// is a label index of a labelled network (outPlain only), or -1 for the
// null label (or none).
func (n *Net) timeEval(kind int, dst, second, x, v []float64, t float64, label int) error {
	n.checkTimed("OutputAt")
	d := n.cfg.Dim
	sgm.CheckBatch("scorenet: OutputAt", d, dst, x)
	if kind == outDiv && len(second)*d != len(x) {
		panic(fmt.Sprintf("scorenet: OutputDivAt: len(div)=%d for len(x)=%d in dimension %d", len(second), len(x), d))
	}
	if !(t >= 0 && t <= 1) {
		panic(fmt.Sprintf("scorenet: OutputAt: time %v outside [0, 1]", t))
	}
	rows := len(x) / d
	if rows == 0 {
		return nil
	}
	if kind != outVJP && n.timeFastApplies() {
		n.timeMu.Lock()
		defer n.timeMu.Unlock()
		f, err := n.timeFastEval()
		if err != nil {
			return err
		}
		if kind == outDiv {
			f.outputs(dst, second, x, t, label)
		} else {
			f.outputs(dst, nil, x, t, label)
		}
		return nil
	}
	if label >= 0 {
		kind = outLabelled
	}
	exec, err := n.timeExecutor(kind)
	if err != nil {
		return err
	}
	in := []any{tensors.FromFlatDataAndDimensions(toFloat32(x), rows, d), tensors.FromFlatDataAndDimensions(repeated(float32(t), rows), rows)}
	switch kind {
	case outVJP:
		in = append(in, tensors.FromFlatDataAndDimensions(toFloat32(v), rows, d))
	case outLabelled:
		in = append(in, tensors.FromFlatDataAndDimensions(repeated(int32(label), rows), rows))
	}
	out, err := exec.Exec(in...)
	if err != nil {
		return fmt.Errorf("scorenet: evaluate: %w", err)
	}
	defer func() {
		for _, o := range out {
			o.FinalizeAll()
		}
	}()
	if err := readFloat64(dst, out[0]); err != nil {
		return err
	}
	if kind == outDiv || kind == outVJP {
		return readFloat64(second, out[1])
	}
	return nil
}

// timeExecutor returns the compiled graph of kind.
func (n *Net) timeExecutor(kind int) (*model.Exec, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.timeExec[kind] != nil {
		return n.timeExec[kind], nil
	}
	scope := n.Scope()
	var exec *model.Exec
	var err error
	switch kind {
	case outDiv:
		exec, err = model.NewExec(n.backend, n.store, func(_ *model.Scope, x, t *Node) (*Node, *Node) {
			h := n.TimeOutput(scope, x, t)
			var div *Node
			for i := range n.cfg.Dim {
				gi := Gradient(ReduceAllSum(SliceAxis(h, 1, AxisElem(i))), x)[0]
				col := Reshape(SliceAxis(gi, 1, AxisElem(i)), -1)
				if div == nil {
					div = col
				} else {
					div = Add(div, col)
				}
			}
			return h, div
		})
	case outLabelled:
		exec, err = model.NewExec(n.backend, n.store, func(_ *model.Scope, x, t, label *Node) *Node {
			return n.TimeOutputLabelled(scope, x, t, label)
		})
	case outVJP:
		exec, err = model.NewExec(n.backend, n.store, func(_ *model.Scope, x, t, v *Node) (*Node, *Node) {
			h := n.TimeOutput(scope, x, t)
			return h, Gradient(ReduceAllSum(Mul(h, v)), x)[0]
		})
	default:
		exec, err = model.NewExec(n.backend, n.store, func(_ *model.Scope, x, t *Node) *Node {
			return n.TimeOutput(scope, x, t)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	exec.SetMaxCache(8)
	n.timeExec[kind] = exec
	return exec, nil
}
