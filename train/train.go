package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// Sampler is a source of training data: n points drawn with rng, flat and
// row-major. dist.Image and dist.Mixture implement it.
type Sampler interface {
	Sample(n int, rng *rand.Rand) []float64
}

// Objective names an estimator of the denoising score matching loss.
type Objective string

const (
	// AllLevels perturbs every point at every level (the seed's estimator).
	AllLevels Objective = "all-levels"
	// OneLevel draws one level per point (the NCSN paper's estimator).
	OneLevel Objective = "one-level"
	// Sliced is sliced score matching on noise-perturbed points, one level
	// per point (objective.SlicedOneLevel).
	Sliced Objective = "sliced"
)

// Objectives lists the known objectives.
var Objectives = []Objective{AllLevels, OneLevel, Sliced}

// Settings configure Run. Zero values are the documented defaults.
type Settings struct {
	Steps        int       // total optimiser steps to reach (a resumed run continues to it); 0 means 5000
	Batch        int       // data points per step; 0 means 256
	LearningRate float64   // Adam's step size; 0 means 1e-3
	Objective    Objective // "" means AllLevels
	Seed         uint64    // seeds data and noise draws

	// EMA, if in (0, 1), keeps exponential moving averages of the weights,
	// ema ← EMA·ema + (1-EMA)·w after every step (NCSNv2 uses 0.999), saved
	// with the checkpoints; scorenet.Net.EMA evaluates with them.
	EMA float64

	CheckpointDir   string // where checkpoints go; "" means none
	CheckpointEvery int    // steps between checkpoints; 0 means 1000 (and always at the end)

	// Progress, if not nil, is called after every ProgressEvery steps
	// (0 means 10) and after the last one.
	Progress      func(Status)
	ProgressEvery int
}

func (s Settings) withDefaults() Settings {
	if s.Steps == 0 {
		s.Steps = 5000
	}
	if s.Batch == 0 {
		s.Batch = 256
	}
	if s.LearningRate == 0 {
		s.LearningRate = 1e-3
	}
	if s.Objective == "" {
		s.Objective = AllLevels
	}
	if s.CheckpointEvery == 0 {
		s.CheckpointEvery = 1000
	}
	if s.ProgressEvery == 0 {
		s.ProgressEvery = 10
	}
	return s
}

// Validate reports the first setting out of range.
func (s Settings) Validate() error {
	s = s.withDefaults()
	switch {
	case s.Steps < 0:
		return fmt.Errorf("steps must be positive, got %d", s.Steps)
	case s.Batch < 1:
		return fmt.Errorf("batch must be at least 1, got %d", s.Batch)
	case !(s.LearningRate > 0) || math.IsInf(s.LearningRate, 0):
		return fmt.Errorf("learning rate must be positive and finite, got %v", s.LearningRate)
	case s.CheckpointEvery < 1:
		return fmt.Errorf("checkpoint interval must be at least 1, got %d", s.CheckpointEvery)
	case s.ProgressEvery < 1:
		return fmt.Errorf("progress interval must be at least 1, got %d", s.ProgressEvery)
	case !(s.EMA >= 0 && s.EMA < 1):
		return fmt.Errorf("EMA decay must be in [0, 1), got %v", s.EMA)
	}
	for _, o := range Objectives {
		if s.Objective == o {
			return nil
		}
	}
	return fmt.Errorf("unknown objective %q (known: %v)", s.Objective, Objectives)
}

// Status is a snapshot of a run for progress reports.
type Status struct {
	Step, Steps int           // steps done (counting earlier runs when resumed) and the target
	Loss        float64       // this step's loss
	MeanLoss    float64       // mean loss since the last report
	Elapsed     time.Duration // wall time of this run
	StepsPerSec float64       // this run's throughput
}

// Record is one step's loss.
type Record struct {
	Step int
	Loss float64
}

// ErrDiverged is returned (wrapped) when a step's loss is NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// Run trains net on data until it has taken s.Steps steps in all (a network
// loaded from a checkpoint of an earlier run continues from its step
// count). It returns the loss of every step it took. It stops early, with
// the history so far, when ctx is cancelled (after saving a checkpoint) or
// when the loss stops being finite (saving nothing, see ErrDiverged).
func Run(ctx context.Context, net *scorenet.Net, data Sampler, s Settings) ([]Record, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	store := net.Store()
	start := int(optimizer.GetGlobalStep(store))
	if start >= s.Steps {
		return nil, nil
	}
	cfg := net.Config()
	sigmas := []float64(cfg.Sigmas)
	L, d := len(sigmas), cfg.Dim
	adam := optimizer.Adam().LearningRate(s.LearningRate).Done()
	netScope := net.Scope()
	score := func(x, level *Node) *Node { return net.Scores(netScope, x, level) }
	emaVars, err := emaVariables(net, s.EMA)
	if err != nil {
		return nil, err
	}
	opt := stepper{adam, emaVars, s.EMA}

	var exec *model.Exec
	switch s.Objective {
	case AllLevels:
		exec, err = model.NewExec(net.Backend(), store, func(scope *model.Scope, x, z *Node) *Node {
			loss := objective.AllLevels(score, sigmas, x, z)
			opt.UpdateGraph(scope, x.Graph(), loss)
			return loss
		})
	case OneLevel:
		exec, err = model.NewExec(net.Backend(), store, func(scope *model.Scope, x, level, z *Node) *Node {
			loss := objective.OneLevel(score, sigmas, x, level, z)
			opt.UpdateGraph(scope, x.Graph(), loss)
			return loss
		})
	case Sliced:
		exec, err = model.NewExec(net.Backend(), store, func(scope *model.Scope, x, level, z, v *Node) *Node {
			loss := objective.SlicedOneLevel(score, sigmas, x, level, z, v)
			opt.UpdateGraph(scope, x.Graph(), loss)
			return loss
		})
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer exec.Finalize()

	rng := rand.New(rand.NewPCG(s.Seed, uint64(start)))
	B := s.Batch
	x32 := make([]float32, B*d)
	var z32, v32 []float32
	var levels []int32
	switch s.Objective {
	case AllLevels:
		z32 = make([]float32, B*L*d)
	case Sliced:
		v32 = make([]float32, B*d)
		fallthrough
	default:
		z32 = make([]float32, B*d)
		levels = make([]int32, B)
	}

	history := make([]Record, 0, s.Steps-start)
	began := time.Now()
	var sinceReport float64
	var nReport int
	save := func() error {
		if s.CheckpointDir == "" {
			return nil
		}
		return net.Save(s.CheckpointDir)
	}
	for step := start + 1; step <= s.Steps; step++ {
		if err := ctx.Err(); err != nil {
			if serr := save(); serr != nil {
				return history, serr
			}
			return history, err
		}
		for i, v := range data.Sample(B, rng) {
			x32[i] = float32(v)
		}
		for i := range z32 {
			z32[i] = float32(rng.NormFloat64())
		}
		for i := range levels {
			levels[i] = int32(rng.IntN(L))
		}
		for i := range v32 {
			v32[i] = float32(rng.NormFloat64())
		}
		var out []*tensors.Tensor
		switch s.Objective {
		case AllLevels:
			out, err = exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
				tensors.FromFlatDataAndDimensions(z32, B, L, d))
		case OneLevel:
			out, err = exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
				tensors.FromFlatDataAndDimensions(levels, B),
				tensors.FromFlatDataAndDimensions(z32, B, d))
		case Sliced:
			out, err = exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
				tensors.FromFlatDataAndDimensions(levels, B),
				tensors.FromFlatDataAndDimensions(z32, B, d),
				tensors.FromFlatDataAndDimensions(v32, B, d))
		}
		if err != nil {
			return history, fmt.Errorf("train: step %d: %w", step, err)
		}
		loss := float64(tensors.ToScalar[float32](out[0]))
		out[0].FinalizeAll()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			where := "no checkpoint was saved"
			if s.CheckpointDir != "" {
				where = "the last good checkpoint is in " + s.CheckpointDir
			}
			return history, fmt.Errorf("%w at step %d: loss is %v (try a smaller learning rate); %s",
				ErrDiverged, step, loss, where)
		}
		history = append(history, Record{Step: step, Loss: loss})
		sinceReport += loss
		nReport++
		if step%s.CheckpointEvery == 0 || step == s.Steps {
			if err := save(); err != nil {
				return history, err
			}
		}
		if s.Progress != nil && (step%s.ProgressEvery == 0 || step == s.Steps) {
			el := time.Since(began)
			s.Progress(Status{
				Step: step, Steps: s.Steps, Loss: loss, MeanLoss: sinceReport / float64(nReport),
				Elapsed: el, StepsPerSec: float64(step-start) / el.Seconds(),
			})
			sinceReport, nReport = 0, 0
		}
	}
	return history, nil
}

// stepper is Adam followed, when on, by the moving averages' update.
type stepper struct {
	adam  optimizer.Interface
	ema   [][2]*model.Variable // (weight, its average)
	decay float64
}

func (o stepper) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	o.adam.UpdateGraph(scope, g, loss)
	for _, p := range o.ema {
		w, avg := p[0].NodeValue(g), p[1].NodeValue(g)
		p[1].SetNodeValue(Add(MulScalar(avg, o.decay), MulScalar(w, 1-o.decay)))
	}
}

// emaVariables returns each trainable weight of net with its moving
// average, creating the averages (starting at the weights) where the store
// has none yet. It returns nil when decay is 0.
func emaVariables(net *scorenet.Net, decay float64) ([][2]*model.Variable, error) {
	if decay == 0 {
		return nil, nil
	}
	store := net.Store()
	var pairs [][2]*model.Variable
	for v := range net.Scope().IterVariables() {
		if !v.Trainable {
			continue
		}
		path := scorenet.EMAPrefix + v.Path()
		avg := store.GetVariable(path)
		if avg == nil {
			val, err := v.Value()
			if err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			clone, err := val.Clone()
			if err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			if avg, err = store.CreateVariable(path, clone); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
		}
		avg.SetTrainable(false)
		pairs = append(pairs, [2]*model.Variable{v, avg})
	}
	return pairs, nil
}
