package train

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// The continuous-time objectives train a time-conditioned network
// (scorenet.Config.Conditioning "time") on the GoMLX graph: Continuous,
// denoising score matching under the network's forward SDE, and CFM and
// OTCFM, flow matching (objective's continuous.go). Their batches (times,
// perturbed points, targets) are drawn in Go from the step's stream, so
// GraphNoise does not apply. Where internal/fastnet applies, the fused CPU
// engine (fasttime.go) takes their steps instead.

const (
	// Continuous is denoising score matching in continuous time under the
	// network's SDE, t uniform on [objective.TimeEps, 1], weighted by s(t)².
	Continuous Objective = "continuous"
	// CFM is conditional flow matching from N(0, I) (σ = 0).
	CFM Objective = "cfm"
	// OTCFM is CFM with the minibatch exact optimal-transport pairing.
	OTCFM Objective = "otcfm"
)

// timed reports whether o trains a time-conditioned network.
func (o Objective) timed() bool { return o == Continuous || o == CFM || o == OTCFM }

// checkTimed checks that objective o fits net's conditioning: a timed
// objective needs a time-conditioned network of the matching process, and
// a network conditioned on time needs a timed objective. With o "", it
// returns the objective of a time-conditioned network's process.
func checkTimed(net *scorenet.Net, o Objective) (Objective, error) {
	cfg := net.Config()
	if !cfg.Timed() {
		if o.timed() {
			return o, fmt.Errorf("train: objective %s needs a network conditioned on time, not %s", o, cfg)
		}
		return o, nil
	}
	flow := cfg.Process == "flow"
	switch {
	case o == "" && flow:
		return CFM, nil
	case o == "":
		return Continuous, nil
	case flow && o != CFM && o != OTCFM:
		return o, fmt.Errorf("train: a flow-matching network trains with objective cfm or otcfm, not %q", o)
	case !flow && o != Continuous:
		return o, fmt.Errorf("train: a time-conditioned score network of %s trains with objective continuous, not %q", cfg.Process, o)
	}
	return o, nil
}

// timeEngine takes the steps of a continuous-time objective, for a
// labelled network at the labels *labels (label.go).
type timeEngine struct {
	exec   *model.Exec
	labels *[]int32 // nil without labels
	timeBatch
}

func newTimeEngine(net *scorenet.Net, s Settings, labels *[]int32) (*timeEngine, error) {
	cfg := net.Config()
	if net.Store().GetVariable(scorenet.LearningRatePath) != nil {
		if err := setScalar(net.Store(), scorenet.LearningRatePath, float32(s.LearningRate)); err != nil {
			return nil, err
		}
	}
	emaVars, err := emaVariables(net, s.EMA)
	if err != nil {
		return nil, err
	}
	opt := stepper{newAdam(s.LearningRate), emaVars, s.EMA, s.EMANoWarmup}
	netScope := net.Scope()
	var exec *model.Exec
	if labels == nil {
		out := func(x, t *Node) *Node { return net.TimeOutput(netScope, x, t) }
		exec, err = model.NewExec(net.Backend(), net.Store(), func(scope *model.Scope, xt, t, target *Node) *Node {
			return opt.step(scope, objective.Regression(out, xt, t, target))
		})
	} else {
		exec, err = model.NewExec(net.Backend(), net.Store(), func(scope *model.Scope, xt, t, target, label *Node) *Node {
			out := func(x, t *Node) *Node { return net.TimeOutputLabelled(netScope, x, t, label) }
			return opt.step(scope, objective.Regression(out, xt, t, target))
		})
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	e := &timeEngine{exec: exec, labels: labels, timeBatch: newTimeBatch(cfg, s)}
	e.timeBatch.labels = labels
	return e, nil
}

// step takes a step on the data x and the standard normal noise z (the
// flows' source points).
func (e *timeEngine) step(x, z, _ []float32, _ []int32) (lossValue, error) {
	e.fill(x, z)
	B, d := e.batch, e.d
	in := []any{tensors.FromFlatDataAndDimensions(e.xt, B, d),
		tensors.FromFlatDataAndDimensions(e.t, B), tensors.FromFlatDataAndDimensions(e.target, B, d)}
	if e.labels != nil {
		in = append(in, tensors.FromFlatDataAndDimensions(*e.labels, B))
	}
	out, err := e.exec.Exec(in...)
	if err != nil {
		return nil, err
	}
	return tensorLoss{out[0]}, nil
}

func (e *timeEngine) drawsData() bool { return e.labels != nil } // run.draw draws labelled data itself
func (e *timeEngine) sync() error     { return nil }
func (e *timeEngine) close()          { e.exec.Finalize() }

// probeTimes are the times at which a time-conditioned network's outputs
// are checked before a checkpoint.
var probeTimes = []float64{objective.TimeEps, 0.5, 1}

// nonFiniteTime returns the index in probeTimes of the first time at which
// net's outputs at the points x are not all finite, or -1 if they are
// finite at every one.
func nonFiniteTime(net *scorenet.Net, x []float64) (int, error) {
	return firstNonFinite(len(probeTimes), len(x), func(dst []float64, i int) error {
		return net.OutputAt(dst, x, probeTimes[i])
	})
}

// DefaultEMA returns the decay of the moving averages of the weights that
// a new network of configuration cfg keeps unless told otherwise: 0.99 for
// a time-conditioned score network of an SDE, 0 (none) for the others.
// Measured on sgm train --sde vp (v prediction) on moons, 3,000 steps, W2
// over three sample draws against the time-to-quality kit's floor: 1.39x
// with 0.99, about 1.7x without; 0.999 keeps 5% of the initial weights
// after 3,000 steps, which the kit found worse than none.
func DefaultEMA(cfg scorenet.Config) float64 {
	if _, ok := cfg.SDE(); ok {
		return 0.99
	}
	return 0
}
