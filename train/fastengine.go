package train

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/scorenet"
)

// The fast engine trains with internal/fastnet's fused forward, backward
// and Adam, which compute what the GoMLX graph computes (checked against
// it to about 1e-6) several times faster on a CPU. It applies on GoMLX's
// pure-Go backend with the AVX-512 kernels available, for ReLU networks and
// the denoising objectives with the noise drawn in Go. The weights, Adam's moments and
// step counts live in the engine while it runs and are written back into
// the network's store (the same variables the graph uses, so checkpoints
// and resumes are interchangeable) at every checkpoint and at the end.

func fastApplies(net *scorenet.Net, s Settings) bool {
	return net.FastPath() && fastnet.Accelerated() && !s.GraphNoise &&
		net.Config().Activation == "relu" && // fastnet.Trainer's backward pass is ReLU's
		(s.Objective == AllLevels || s.Objective == OneLevel)
}

type fastEngine struct {
	labels  *[]int32 // a labelled network's labels of the batch (label.go); nil without
	net     *scorenet.Net
	layout  []scorenet.Param
	s       Settings
	sigmas  []float64
	trainer *fastnet.Trainer
	ema     *fastnet.Params // moving averages, when s.EMA > 0
}

// slot is a trainable variable's name in scorenet.Layout and where its
// values sit in a fastnet.Params.
type slot struct {
	name string
	vals *[]float32
}

// trainable lists the slots of p's trainable parameters, named by layout.
func trainable(p *fastnet.Params, layout []scorenet.Param) []slot {
	var out []slot
	for i, v := range p.Values() {
		if layout[i].Trainable {
			out = append(out, slot{layout[i].Name, v})
		}
	}
	return out
}

// fastParams returns the weights in internal/fastnet's form (the same
// slices).
func fastParams(w *scorenet.Weights) fastnet.Params {
	c := w.Config
	return fastnet.FromValues(c.Dim, c.Features, c.Width, c.Depth, c.Activation == "softplus", w.Values())
}

// newFastEngine returns the fused engine of net, for a labelled network
// at the labels *labels (nil without).
func newFastEngine(net *scorenet.Net, s Settings, labels *[]int32) (*fastEngine, error) {
	w, err := net.Weights()
	if err != nil {
		return nil, err
	}
	p := fastParams(w)
	layout := scorenet.Layout(net.Config())
	store := net.Store()
	// Adam's state, where an earlier run (either engine) left it.
	var m, v fastnet.Params
	step := int64(0)
	if sv := store.GetVariable(scorenet.AdamStepPath); sv != nil {
		t, err := sv.Value()
		if err != nil {
			return nil, err
		}
		step = int64(tensors.ToScalar[float32](t))
		m, v = zeroLike(p), zeroLike(p)
		for moment, dst := range []*fastnet.Params{&m, &v} {
			for _, tv := range trainable(dst, layout) {
				path := scorenet.AdamMomentPath(tv.name, moment+1)
				mv := store.GetVariable(path)
				if mv == nil {
					return nil, fmt.Errorf("train: checkpoint has Adam's step count but no %s", path)
				}
				t, err := mv.Value()
				if err != nil {
					return nil, err
				}
				vals, err := tensors.CopyFlatData[float32](t)
				if err != nil {
					return nil, err
				}
				*tv.vals = vals
			}
		}
	}
	tr, err := fastnet.NewTrainerFromState(p, s.LearningRate, step, m, v)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	e := &fastEngine{net: net, layout: layout, s: s, sigmas: net.Config().Sigmas, trainer: tr, labels: labels}
	if s.EMA > 0 {
		avg := tr.Params()
		if ema, ok := net.EMA(); ok {
			ew, err := ema.Weights()
			if err != nil {
				return nil, err
			}
			avg = fastParams(ew)
		}
		e.ema = &avg
	}
	return e, nil
}

// zeroLike returns zero moments shaped like p's trainable parameters.
func zeroLike(p fastnet.Params) fastnet.Params {
	z := fastnet.Params{Dim: p.Dim, Features: p.Features, Width: p.Width, Depth: p.Depth,
		Alpha: make([]float32, len(p.Alpha)), Beta: make([]float32, len(p.Beta))}
	if p.Label != nil {
		z.Label = make([]float32, len(p.Label))
	}
	for k := range p.Dense {
		z.Dense = append(z.Dense, make([]float32, len(p.Dense[k])))
		z.DenseBiases = append(z.DenseBiases, make([]float32, len(p.DenseBiases[k])))
	}
	return z
}

func (e *fastEngine) drawsData() bool { return e.labels != nil } // run.draw draws labelled data itself
func (e *fastEngine) close()          {}

func (e *fastEngine) step(x, z, _ []float32, levels []int32) (lossValue, error) {
	var loss float64
	switch {
	case e.labels != nil:
		loss = e.trainer.StepOneLevelLabelled(x, levels, *e.labels, z, e.sigmas)
	case e.s.Objective == AllLevels:
		loss = e.trainer.StepAllLevels(x, z, e.sigmas)
	default:
		loss = e.trainer.StepOneLevel(x, levels, z, e.sigmas)
	}
	e.average()
	return floatLoss(loss), nil
}

// average updates the moving averages of the weights after a step.
func (e *fastEngine) average() {
	if e.ema != nil {
		cur := e.trainer.Params()
		k, _, _ := e.trainer.AdamState()
		d := float32(EMADecay(e.s.EMA, k, !e.s.EMANoWarmup))
		avg, now := trainable(e.ema, e.layout), trainable(&cur, e.layout)
		for i := range avg {
			a, w := *avg[i].vals, *now[i].vals
			for j := range a {
				a[j] = d*a[j] + (1-d)*w[j]
			}
		}
	}
}

// sync writes the weights, Adam's state and the step counts into the
// store, under the names GoMLX's graph and optimiser use.
func (e *fastEngine) sync() error {
	store := e.net.Store()
	p := e.trainer.Params()
	step, m, v := e.trainer.AdamState()
	shape := map[string][]int{}
	for _, l := range e.layout {
		shape[l.Name] = l.Shape
	}
	for _, group := range []struct {
		path   func(name string) string
		params *fastnet.Params
	}{
		{scorenet.VariablePath, &p},
		{func(name string) string { return scorenet.AdamMomentPath(name, 1) }, &m},
		{func(name string) string { return scorenet.AdamMomentPath(name, 2) }, &v},
		{scorenet.EMAPath, e.ema},
	} {
		if group.params == nil {
			continue
		}
		for _, tv := range trainable(group.params, e.layout) {
			path := group.path(tv.name)
			t := tensors.FromFlatDataAndDimensions(append([]float32(nil), *tv.vals...), shape[tv.name]...)
			if err := setVariable(store, path, t); err != nil {
				return fmt.Errorf("train: %s: %w", path, err)
			}
		}
	}
	// Step counts: Adam's (float32) and the global one (int64).
	if err := setScalar(store, scorenet.AdamStepPath, float32(step)); err != nil {
		return err
	}
	return setScalar(store, scorenet.StepPath, step)
}

// setScalar sets the scalar variable path to v, which must have its type.
func setScalar[T float32 | int64](store *model.Store, path string, v T) error {
	t := tensors.FromScalar(v)
	if variable := store.GetVariable(path); variable != nil && variable.DType() != t.Shape().DType {
		return fmt.Errorf("train: %s is %s, not %s", path, variable.DType(), t.Shape().DType)
	}
	return setVariable(store, path, t)
}

// setVariable sets the variable path to t, creating it (not trainable)
// where the store has none.
func setVariable(store *model.Store, path string, t *tensors.Tensor) error {
	if variable := store.GetVariable(path); variable != nil {
		return variable.SetValue(t)
	}
	variable, err := store.CreateVariable(path, t)
	if err != nil {
		return err
	}
	variable.SetTrainable(false)
	return nil
}
