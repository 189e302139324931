package scorenet

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ScoreDivergenceBatch sets dst to the scores at the points x for noise
// level index level, as ScoreBatch does, and div[i] to the divergence of
// the score at point i, the trace of its Jacobian with respect to x,
//
//	div s(x) = Σ_k ∂s_k/∂x_k,
//
// exactly (up to float32 rounding), as the probability-flow ODE's
// log-density needs it. On the fast path (FastPath) it costs about 1 + d
// evaluations of the scores (fastnet's forward-mode tangents); elsewhere
// the graph differentiates the scores d times (reverse mode), on any
// backend. It returns an error if the backend fails; it panics (the
// caller's error) if dst and x differ in length, if x does not hold whole
// points, if div does not hold one value per point, or if level is out of
// range.
func (n *Net) ScoreDivergenceBatch(dst, div, x []float64, level int) error {
	d := n.cfg.Dim
	if len(dst) != len(x) || len(x)%d != 0 || len(div)*d != len(x) {
		panic(fmt.Sprintf("scorenet: ScoreDivergenceBatch: len(dst)=%d, len(div)=%d and len(x)=%d, want whole points of dimension %d in x and dst and one value per point in div",
			len(dst), len(div), len(x), d))
	}
	n.mustLevel("ScoreDivergenceBatch", level)
	rows := len(div)
	if rows == 0 {
		return nil
	}
	if fast, err := n.fastEval(); err != nil {
		return err
	} else if fast != nil {
		fast.ScoresDivergence(dst, div, x, level)
		return nil
	}
	exec, err := n.divergenceExecutor()
	if err != nil {
		return err
	}
	out, err := exec.Exec(graphInputs(x, d, level)...)
	if err != nil {
		return fmt.Errorf("scorenet: evaluate the divergence: %w", err)
	}
	defer func() {
		for _, t := range out {
			t.FinalizeAll()
		}
	}()
	if err := readFloat64(dst, out[0]); err != nil {
		return err
	}
	return readFloat64(div, out[1])
}

// divergenceExecutor returns the graph of the scores and their divergence:
// the gradient of Σ_points s_k with respect to x, column k, summed over k.
func (n *Net) divergenceExecutor() (*model.Exec, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.divExec != nil {
		return n.divExec, nil
	}
	scope := n.Scope()
	d := n.cfg.Dim
	exec, err := model.NewExec(n.backend, n.store, func(_ *model.Scope, x, level *graph.Node) []*graph.Node {
		s := n.Scores(scope, x, level)
		var div *graph.Node
		for k := range d {
			g := graph.Gradient(graph.ReduceAllSum(graph.Slice(s, graph.AxisRange(), graph.AxisElem(k))), x)[0]
			gk := graph.Reshape(graph.Slice(g, graph.AxisRange(), graph.AxisElem(k)), -1)
			if div == nil {
				div = gk
			} else {
				div = graph.Add(div, gk)
			}
		}
		return []*graph.Node{s, div}
	})
	if err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	exec.SetMaxCache(8)
	n.divExec = exec
	return exec, nil
}
