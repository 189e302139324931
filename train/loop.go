package train

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Several optimiser steps in one call. With Settings.StepsPerCall > 1 the
// GoMLX engine compiles, next to its one-step graph, a graph whose body is
// a While loop over that same step: the loop's state is every variable of
// the store (weights, Adam's moments and step, the moving averages, the
// random generator's state), so an accelerator runs up to StepsPerCall
// steps without returning to the host, and the host's per-call cost is
// paid once per call instead of once per step. The loop draws exactly what
// the one-step graph draws, in the same order, so both give the same run. It
// needs a backend that runs loops (scorenet.Net.CheckLoops).

// loopExec compiles the loop. Its input is the number of steps to take, n
// (1 ≤ n ≤ maxSteps, an int32 scalar, so one compilation serves every n);
// its output holds the n losses in its first n entries. step builds one
// optimiser step (the objective, the update of the variables) and returns
// its loss. Every variable step touches must already exist in the store:
// the loop's state is fixed before the body is built.
func loopExec(backend compute.Backend, store *model.Store, maxSteps int, step func(scope *model.Scope, g *Graph) *Node) (*model.Exec, error) {
	if maxSteps < 2 {
		return nil, fmt.Errorf("a loop of %d steps", maxSteps)
	}
	return model.NewExec(backend, store, func(scope *model.Scope, n *Node) *Node {
		g := n.Graph()
		vars := slices.Collect(store.IterVariables())
		// The variables' values as the call receives them.
		initial := make([]*Node, len(vars))
		for k, v := range vars {
			initial[k] = v.NodeValue(g)
		}
		// The state: the step counter, the losses so far, the variables.
		// (Built before the closures: GoMLX caches scalar constants per
		// graph, and a closure may use its parent's nodes but not the
		// other way round.)
		state := append([]*Node{Const(g, int32(0)), Zeros(g, shapes.Make(dtypes.Float32, maxSteps))}, initial...)
		params := func(g *Graph) (i, losses *Node, values []*Node) {
			i = Parameter(g, "loop_i", shapes.Make(dtypes.Int32))
			losses = Parameter(g, "loop_losses", shapes.Make(dtypes.Float32, maxSteps))
			values = make([]*Node, len(vars))
			for k, v := range vars {
				values[k] = Parameter(g, fmt.Sprintf("loop_var_%d", k), v.Shape())
			}
			return i, losses, values
		}
		cond := NewClosure(g, func(g *Graph) []*Node {
			i, _, _ := params(g)
			return []*Node{LessThan(i, n)}
		})
		changed := make([]bool, len(vars))
		body := NewClosure(g, func(g *Graph) []*Node {
			i, losses, values := params(g)
			for k, v := range vars {
				v.SetNodeValue(values[k])
			}
			loss := ConvertDType(step(scope, g), dtypes.Float32)
			// losses[i] = loss, as a select (every backend has it).
			at := Equal(Iota(g, shapes.Make(dtypes.Int32, maxSteps), 0), i)
			out := []*Node{AddScalar(i, 1), Where(at, BroadcastToDims(loss, maxSteps), losses)}
			for k, v := range vars {
				next := v.NodeValue(g)
				changed[k] = next != values[k]
				out = append(out, next)
			}
			return out
		})
		final := While(cond, body, state...)
		// The call's outputs: the variables the steps change, and the losses.
		for k, v := range vars {
			if changed[k] {
				v.SetNodeValue(final[2+k])
			} else {
				v.SetNodeValue(initial[k])
			}
		}
		return final[1]
	})
}

// lossChunk is the losses of one loop call, held in one tensor until read.
type lossChunk struct {
	t      *tensors.Tensor
	values []float32
	refs   int // entries not yet released
}

// chunkLosses returns the first n losses of t, one lossValue each.
func chunkLosses(t *tensors.Tensor, n int) []lossValue {
	c := &lossChunk{t: t, refs: n}
	out := make([]lossValue, n)
	for i := range out {
		out[i] = chunkLoss{c, i}
	}
	return out
}

// chunkLoss is entry i of a lossChunk.
type chunkLoss struct {
	c *lossChunk
	i int
}

func (l chunkLoss) read() float64 {
	if l.c.values == nil {
		l.c.values = tensors.MustCopyFlatData[float32](l.c.t)
	}
	return float64(l.c.values[l.i])
}

func (l chunkLoss) release() {
	l.c.refs--
	if l.c.refs == 0 {
		l.c.t.FinalizeAll()
	}
}
