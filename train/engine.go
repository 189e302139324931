package train

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/scorenet"
)

// An engine takes the optimiser steps that Run drives. The GoMLX engine
// runs the compiled graph of the objective and Adam on any backend; the
// fast engine (fastengine.go) runs internal/fastnet's fused kernels, on
// the pure-Go backend where they apply. Both see the same batches.
type engine interface {
	// step takes one optimiser step on the batch (x: B×d, z: noise, v:
	// projections, levels: one per point; unused ones are nil) and
	// returns its loss.
	step(x, z, v []float32, levels []int32) (lossValue, error)
	// drawsData reports whether the engine draws the data points itself.
	drawsData() bool
	// sync makes the network's store hold what the engine has trained, so
	// that it can be saved or evaluated.
	sync() error
	close()
}

// lossValue is a step's loss, perhaps still on the device.
type lossValue interface {
	read() float64
	release()
}

// generatorParam is the store parameter that says, in each checkpoint,
// which run and step the store's generator state belongs to: the
// generatorMark of the run's seed and the checkpoint's step when the run
// drew its noise in the graph, "" when it drew in Go (and left the
// generator behind).
var generatorParam = model.JoinPath("/", "train_generator")

func generatorMark(seed uint64, step int) string { return fmt.Sprintf("seed %d, step %d", seed, step) }

// newEngine picks the engine for net and s: the fast one where it applies.
func newEngine(net *scorenet.Net, data Sampler, s Settings) (engine, error) {
	if s.Objective.timed() {
		if fastTimeApplies(net) {
			return newFastTimeEngine(net, s, nil)
		}
		return newTimeEngine(net, s, nil)
	}
	if fastApplies(net, s) {
		return newFastEngine(net, s, nil)
	}
	return newGraphEngine(net, data, s)
}

// multiStepper is an engine that can take several steps in one call.
type multiStepper interface {
	// stepsUpTo takes between 1 and n steps and returns their losses.
	stepsUpTo(n int) ([]lossValue, error)
}

// graphEngine runs a compiled GoMLX step.
type graphEngine struct {
	exec        *model.Exec
	s           Settings
	batch, d, L int
	graphData   bool

	// With s.StepsPerCall > 1: the loop (compiled once a first step has
	// created every variable), how to build it, and whether a step ran.
	loop      *model.Exec
	buildLoop func() (*model.Exec, error)
	stepped   bool

	// The inputs that do not change between calls, made once so that an
	// accelerator receives each only once: the batch size, which gives
	// the data-drawing graph its shape, and the loop's step counts.
	batchInput *tensors.Tensor
	loopInputs map[int]*tensors.Tensor
}

// newAdam returns the graph's Adam with learning rate lr and ε as optax's,
// which the blog post uses (GoMLX's default is 1e-7), as the fused
// engine's.
func newAdam(lr float64) optimizer.Interface {
	return optimizer.Adam().LearningRate(lr).Epsilon(fastnet.AdamEpsilon).Done()
}

// graphStepper returns the graph's Adam at s's learning rate, with the
// moving averages s asks for.
func graphStepper(net *scorenet.Net, s Settings) (stepper, error) {
	adam := newAdam(s.LearningRate)
	// Adam keeps its rate in a variable, which a checkpoint restores and
	// GoMLX then reuses: this run's rate must replace it.
	if net.Store().GetVariable(scorenet.LearningRatePath) != nil {
		if err := setScalar(net.Store(), scorenet.LearningRatePath, float32(s.LearningRate)); err != nil {
			return stepper{}, err
		}
	}
	emaVars, err := emaVariables(net, s.EMA)
	if err != nil {
		return stepper{}, err
	}
	return stepper{adam, emaVars, s.EMA, s.EMANoWarmup}, nil
}

func newGraphEngine(net *scorenet.Net, data Sampler, s Settings) (*graphEngine, error) {
	cfg := net.Config()
	sigmas := []float64(cfg.Sigmas)
	netScope := net.Scope()
	score := func(x, level *Node) *Node { return net.Scores(netScope, x, level) }
	opt, err := graphStepper(net, s)
	if err != nil {
		return nil, err
	}
	var support *discreteData
	if dd, ok := data.(Discrete); ok && s.GraphNoise {
		pts, w := dd.Support()
		support = &discreteData{points: pts, weights: w}
	}
	if s.GraphNoise {
		// A run resumed from a checkpoint of a run with the same seed that
		// drew in the graph up to its last step continues the generator's
		// saved state, as if it had never stopped; any other run seeds it.
		start := net.Step()
		v := net.Store().GetVariable(model.JoinPath("/", model.RNGStateVariableName))
		mark, _ := net.Store().GetParam(generatorParam)
		if start == 0 || v == nil || !v.HasValue() || mark != generatorMark(s.Seed, start) {
			if err := net.Store().SetRNGStateFromSeed(int64(s.Seed ^ uint64(start)*0x9e3779b97f4a7c15)); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
		}
	}
	exec, err := stepExec(net, s, score, opt, sigmas, s.Batch, cfg.Dim, support)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	e := &graphEngine{exec: exec, s: s, batch: s.Batch, d: cfg.Dim, L: len(sigmas), graphData: support != nil,
		batchInput: tensors.FromScalar(int32(s.Batch)), loopInputs: map[int]*tensors.Tensor{}}
	if s.StepsPerCall > 1 {
		if err := net.CheckLoops(); err != nil {
			return nil, fmt.Errorf("train: %d steps per call: %w", s.StepsPerCall, err)
		}
		if support == nil {
			return nil, fmt.Errorf("train: %d steps per call need data drawn on the device: GraphNoise and a Discrete sampler (an image)", s.StepsPerCall)
		}
		store := net.Store()
		step := graphNoiseStep(store, s, score, opt, sigmas, s.Batch, cfg.Dim)
		e.buildLoop = func() (*model.Exec, error) {
			return loopExec(net.Backend(), store, s.StepsPerCall, func(scope *model.Scope, g *Graph) *Node {
				return step(scope, support.draw(store, g, s.Batch, cfg.Dim))
			})
		}
	}
	return e, nil
}

func (e *graphEngine) stepsUpTo(n int) ([]lossValue, error) {
	if n == 1 || !e.stepped {
		// One step; the first also creates Adam's variables, which the
		// loop's state needs.
		l, err := e.step(nil, nil, nil, nil)
		if err != nil {
			return nil, err
		}
		return []lossValue{l}, nil
	}
	if e.loop == nil {
		loop, err := e.buildLoop()
		if err != nil {
			return nil, err
		}
		e.loop = loop
	}
	n = min(n, e.s.StepsPerCall)
	in, ok := e.loopInputs[n]
	if !ok {
		in = tensors.FromScalar(int32(n))
		e.loopInputs[n] = in
	}
	out, err := e.loop.Exec(in)
	if err != nil {
		return nil, err
	}
	return chunkLosses(out[0], n), nil
}

func (e *graphEngine) drawsData() bool { return e.graphData }
func (e *graphEngine) sync() error     { return nil }
func (e *graphEngine) close() {
	e.exec.Finalize()
	if e.loop != nil {
		e.loop.Finalize()
	}
	e.batchInput.FinalizeAll()
	for _, t := range e.loopInputs {
		t.FinalizeAll()
	}
}

func (e *graphEngine) step(x32, z32, v32 []float32, levels []int32) (lossValue, error) {
	e.stepped = true
	B, d, L := e.batch, e.d, e.L
	var out []*tensors.Tensor
	var err error
	switch {
	case e.graphData:
		out, err = e.exec.Exec(e.batchInput)
	case e.s.GraphNoise:
		out, err = e.exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d))
	case e.s.Objective == AllLevels:
		out, err = e.exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
			tensors.FromFlatDataAndDimensions(z32, B, L, d))
	case e.s.Objective == OneLevel:
		out, err = e.exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
			tensors.FromFlatDataAndDimensions(levels, B),
			tensors.FromFlatDataAndDimensions(z32, B, d))
	default:
		out, err = e.exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
			tensors.FromFlatDataAndDimensions(levels, B),
			tensors.FromFlatDataAndDimensions(z32, B, d),
			tensors.FromFlatDataAndDimensions(v32, B, d))
	}
	if err != nil {
		return nil, err
	}
	return tensorLoss{out[0]}, nil
}

// tensorLoss is a loss held in a GoMLX tensor.
type tensorLoss struct{ t *tensors.Tensor }

func (l tensorLoss) read() float64 { return float64(tensors.ToScalar[float32](l.t)) }
func (l tensorLoss) release()      { l.t.FinalizeAll() }

// floatLoss is a loss already in memory.
type floatLoss float64

func (l floatLoss) read() float64 { return float64(l) }
func (floatLoss) release()        {}
