package scorenet

import (
	"os"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm/internal/fastnet"
)

// The graph of Scores is the model's definition. Where the network runs on
// GoMLX's pure-Go backend, ScoreBatch evaluates the same formula with
// internal/fastnet instead: float32 kernels written for this network
// (vectorised sin/cos and softplus, AVX-512 or AVX2 matrix products, a single-point
// path for long chains), about 5x faster than the graph on a batch and 100x
// on one point, and within 1e-6 of it (relative; see the tests). It is rebuilt
// from the weights whenever training has taken a step since.
//
// SGM_FASTNET=0 in the environment turns it off, for comparisons.

// fastEval returns the fast evaluator of the current weights, or nil where
// it does not apply.
func (n *Net) fastEval() (*fastnet.Net, error) {
	if !n.FastPath() {
		return nil, nil
	}
	step := n.stepCheap()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fast != nil && n.fastStep == step {
		return n.fast, nil
	}
	w, err := n.Weights()
	if err != nil {
		return nil, err
	}
	f, err := fastnet.New(w.fastParams())
	if err != nil {
		return nil, err
	}
	n.fast, n.fastStep = f, step
	return f, nil
}

// goBackendName is what GoMLX's pure-Go backend calls itself (a test
// checks it).
const goBackendName = "Go Backend"

// OnGoBackend reports whether the network runs on GoMLX's pure-Go backend.
func (n *Net) OnGoBackend() bool {
	return n.backend != nil && n.backend.Name() == goBackendName
}

// FastPath reports whether ScoreBatch evaluates with internal/fastnet
// rather than the GoMLX graph: on the pure-Go backend, where fastnet's
// AVX-512 or AVX2 kernels run (its portable loops are slower than the graph), for
// either activation.
func (n *Net) FastPath() bool {
	return !n.noFast && !n.cfg.Timed() && n.OnGoBackend() && fastnet.Accelerated() &&
		(n.cfg.Activation == "relu" || n.cfg.Activation == "softplus")
}

// fastDisabled reports whether the environment turns the fast path off.
func fastDisabled() bool { return os.Getenv("SGM_FASTNET") == "0" }

// UseGraph makes ScoreBatch evaluate the GoMLX graph even where the fast
// pure-Go evaluator applies (for comparisons and tests).
func (n *Net) UseGraph(graph bool) { n.noFast = graph }

// stepCheap reads the optimiser's step count without creating anything: -1
// for a network that was never trained.
func (n *Net) stepCheap() int64 {
	v := n.store.GetVariable(optimizer.GlobalStepVariableName)
	if v == nil {
		return -1
	}
	t, err := v.Value()
	if err != nil {
		return -1
	}
	var step int64 = -1
	tensors.ConstFlatData(t, func(s []int64) {
		if len(s) == 1 {
			step = s[0]
		}
	})
	return step
}

// fastParams returns the weights in internal/fastnet's form (the same
// slices, not copies).
func (w *Weights) fastParams() fastnet.Params {
	c := w.Config
	return fastnet.FromValues(c.Dim, c.Features, c.Width, c.Depth, c.Activation == "softplus", w.Values())
}
