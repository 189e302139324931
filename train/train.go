package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// Sampler is a source of training data: sgm.Source, which toys, point
// files, mixtures and images implement.
type Sampler = sgm.Source

// Discrete is a Sampler of a finite distribution: its support points (flat,
// row-major) and their probabilities. dist.Image implements it. With
// Settings.GraphNoise, Run draws such data inside the compiled step too.
type Discrete interface {
	Support() (points, weights []float64)
}

// Objective names an estimator of the denoising score matching loss.
type Objective string

const (
	// AllLevels perturbs every point at every level (the blog post's estimator).
	AllLevels Objective = "all-levels"
	// OneLevel draws one level per point (the NCSN paper's estimator).
	OneLevel Objective = "one-level"
	// Sliced is sliced score matching on noise-perturbed points, one level
	// per point (objective.SlicedOneLevel).
	Sliced Objective = "sliced"
)

// Objectives lists the known objectives.
var Objectives = []Objective{AllLevels, OneLevel, Sliced, Continuous, CFM, OTCFM}

// Settings configure Run. Zero values are the documented defaults.
type Settings struct {
	Steps        int       // total optimiser steps to reach (a resumed run continues to it); 0 means 5000
	Batch        int       // data points per step; 0 means 256
	LearningRate float64   // Adam's step size; 0 means 1e-3
	Objective    Objective // "" means AllLevels
	Seed         uint64    // seeds data and noise draws: step k draws from the stream (Seed, k), so a resumed run takes the same steps as one never stopped

	// LabelDropout is the probability with which a labelled network's
	// training replaces a point's label by the null label (label.go); 0
	// means DefaultLabelDropout. It applies only to labelled networks.
	LabelDropout float64

	// EMA, if in (0, 1), keeps exponential moving averages of the weights,
	// ema ← d_k·ema + (1-d_k)·w after step k (NCSNv2 uses 0.999), saved
	// with the checkpoints; scorenet.Net.EMA evaluates with them. The
	// decay warms up as diffusers' EMAModel's,
	//
	//	d_k = min(EMA, k/(k+9))
	//
	// so that after k steps the averages hold little of the initial
	// weights (without it, EMA^k of them: 63% after 1/(1-EMA) steps).
	EMA float64
	// EMANoWarmup keeps the decay at EMA from the first step (sgm before
	// the warm-up; a run resumed from such a checkpoint keeps it).
	EMANoWarmup bool

	// GraphNoise draws the perturbation noise (and levels, and projections)
	// inside the compiled step from the GoMLX store's generator, seeded with
	// Seed, instead of in Go, and the data points too when the Sampler is
	// Discrete: on an accelerator it spares the transfers and the host's
	// time. Runs are then reproducible per backend. Run turns it on for
	// every backend but GoMLX's pure-Go one.
	GraphNoise bool

	// LossEvery is how many steps' losses are read back from the device at
	// once (0 means 1 on GoMLX's pure-Go backend, 50 on others). Reading a loss waits for the device to finish, so
	// on an accelerator reading every 50 steps keeps it busy. Losses are
	// always read, and checked for NaN or Inf, before a checkpoint is saved
	// and before a progress report.
	LossEvery int

	// StepsPerCall, if above 1, lets the engine take up to that many steps
	// in one call of a compiled loop (see loop.go), never past a
	// checkpoint or a progress report. It needs GraphNoise and a Discrete
	// sampler. The steps are the ones single calls would take.
	StepsPerCall int

	CheckpointDir   string // where checkpoints go; "" means none
	CheckpointEvery int    // steps between checkpoints; 0 means 1000 (and always at the end)

	// History holds the losses of the steps taken before this run (a
	// resumed run's, as its checkpoint recorded them): each checkpoint
	// saves them, with this run's up to it, as its history
	// (EncodeHistory), so that the two are one unit.
	History []Record

	// Checkpointed, if not nil, is called after each checkpoint is saved,
	// with the step it holds and the losses of this run's steps up to it,
	// so that a caller can keep its own records in step with the
	// checkpoints. An error it returns stops the run.
	Checkpointed func(step int, history []Record) error

	// Progress, if not nil, is called after every ProgressEvery steps
	// (0 means 10) and after the last one; with ProgressInterval > 0, also
	// after the first step and then whenever that much time has passed
	// since the last call, so that a slow run is never silent for long.
	Progress         func(Status)
	ProgressEvery    int
	ProgressInterval time.Duration
	// SyncOnProgress writes the engine's weights (and averages) into the
	// network before each progress report, as a checkpoint does, so that
	// Progress can evaluate the network as trained so far without a
	// checkpoint being saved (the explorer draws the learned field).
	SyncOnProgress bool
}

// WithDefaults returns s with its zero fields set to the defaults their
// comments give: what Run trains with, and what package model records.
func (s Settings) WithDefaults() Settings {
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
	if s.LossEvery == 0 {
		s.LossEvery = 1
	}
	if s.LabelDropout == 0 {
		s.LabelDropout = DefaultLabelDropout
	}
	return s
}

// Validate reports the first setting out of range.
func (s Settings) Validate() error {
	s = s.WithDefaults()
	switch {
	case s.Steps < 0:
		return fmt.Errorf("steps must be positive, got %d", s.Steps)
	case s.Batch < 1 || s.Batch > MaxBatch:
		return fmt.Errorf("batch must be in [1, %d], got %d", MaxBatch, s.Batch)
	case s.Objective == OTCFM && s.Batch > MaxOTBatch:
		return fmt.Errorf("batch %d: otcfm solves an exact assignment of batch² costs per step; at most %d", s.Batch, MaxOTBatch)
	case !(s.LearningRate > 0) || math.IsInf(s.LearningRate, 0):
		return fmt.Errorf("learning rate must be positive and finite, got %v", s.LearningRate)
	case s.CheckpointEvery < 1:
		return fmt.Errorf("checkpoint interval must be at least 1, got %d", s.CheckpointEvery)
	case s.ProgressEvery < 1:
		return fmt.Errorf("progress interval must be at least 1, got %d", s.ProgressEvery)
	case s.LossEvery < 0:
		return fmt.Errorf("loss read interval must not be negative, got %d", s.LossEvery)
	case s.StepsPerCall < 0:
		return fmt.Errorf("steps per call must not be negative, got %d", s.StepsPerCall)
	case s.StepsPerCall > 1 && !s.GraphNoise:
		return fmt.Errorf("%d steps per call need the noise drawn in the graph (GraphNoise)", s.StepsPerCall)
	case !(s.LabelDropout >= 0 && s.LabelDropout < 1):
		return fmt.Errorf("label dropout must be in [0, 1), got %v", s.LabelDropout)
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

// MaxBatch is the largest batch Run takes: with 30 levels in 2 dimensions,
// all-levels noise of 240 MB a step.
const MaxBatch = 1 << 20

// MaxOTBatch is the largest batch of OTCFM, which solves an exact
// assignment of batch² costs a step in O(batch³) time.
const MaxOTBatch = 4096

// Status is a snapshot of a run for progress reports.
type Status struct {
	Step, Steps int     // steps done (counting earlier runs when resumed) and the target
	Loss        float64 // this step's loss
	MeanLoss    float64 // mean loss since the last report: of the last MeanOf steps
	MeanOf      int
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
// the history so far, when ctx is cancelled (after saving a checkpoint of
// the steps taken since the last one, if any) or
// when training diverges (see ErrDiverged): a step's loss is not finite,
// or, at a checkpoint, a variable holds a NaN or Inf or the weights give
// non-finite scores. A diverged run saves nothing more, so the newest
// checkpoint in s.CheckpointDir is finite and gave finite scores.
//
// A network that keeps moving averages of its weights (from an earlier
// run with s.EMA > 0) must be trained with s.EMA > 0, so that they stay
// current. The sliced objective needs a backend that differentiates the
// network twice safely (scorenet.Net.CheckSecondOrder; on the CPU,
// scorenet.SequentialGoBackend); Run refuses it on another, and so the
// objectives of time-conditioned networks where they run on the graph
// rather than the fused engine (scorenet.Net.CheckTimeTraining).
func Run(ctx context.Context, net *scorenet.Net, data Sampler, s Settings) ([]Record, error) {
	s, err := s.forBackend(net)
	if err != nil {
		return nil, err
	}
	start := net.Step()
	if start >= s.Steps {
		return nil, nil
	}
	if _, has := net.EMA(); has && s.EMA == 0 {
		return nil, errors.New("train: the network keeps moving averages of its weights from an earlier run; set EMA (their decay) so that they stay current")
	}
	r, err := newRun(net, data, s, start)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.loop(ctx)
}

// probePoints is how many data points the scores are checked on before a
// checkpoint, at every level; probeStream is the random stream they are
// drawn from (the steps' is the step count, far below it).
const (
	probePoints = 16
	probeStream = 1 << 62
)

// unfit says why net must not be checkpointed: a float32 variable (a
// weight, an optimiser moment, a moving average) that holds a NaN or an
// Inf, or scores at the points x that are not finite at some level. It
// returns "" if there is no such reason. The variables are read directly:
// the fused CPU kernels' ReLU maps a NaN to 0, so scores alone could miss
// a NaN weight.
func unfit(net *scorenet.Net, x []float64) (string, error) {
	for v := range net.Store().IterVariables() {
		if v.DType() != dtypes.Float32 {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return "", fmt.Errorf("train: %s: %w", v.Path(), err)
		}
		vals, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return "", fmt.Errorf("train: %s: %w", v.Path(), err)
		}
		for _, f := range vals {
			if !finite(float64(f)) {
				return fmt.Sprintf("%s holds %v", v.Path(), f), nil
			}
		}
	}
	level, err := nonFiniteLevel(net, x)
	if err != nil || level < 0 {
		return "", err
	}
	if net.Config().Timed() {
		return fmt.Sprintf("the weights give non-finite outputs at time %v", probeTimes[level]), nil
	}
	return fmt.Sprintf("the weights give non-finite scores at level %d", level), nil
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nonFiniteLevel returns the first level at which net's scores at the
// points x are not all finite, or -1 if they are finite at every level.
func nonFiniteLevel(net *scorenet.Net, x []float64) (int, error) {
	if net.Config().Timed() {
		return nonFiniteTime(net, x)
	}
	return firstNonFinite(len(net.Config().Sigmas), len(x), func(dst []float64, level int) error {
		return net.ScoreBatch(dst, x, level)
	})
}

// firstNonFinite returns the first i in [0, n) for which eval(dst, i)
// sets a non-finite value in dst (of length size), or -1 if none does.
func firstNonFinite(n, size int, eval func(dst []float64, i int) error) (int, error) {
	dst := make([]float64, size)
	for i := range n {
		if err := eval(dst, i); err != nil {
			return 0, fmt.Errorf("train: %w", err)
		}
		for _, v := range dst {
			if !finite(v) {
				return i, nil
			}
		}
	}
	return -1, nil
}

// untilMultiple is how many steps from step (counted) reach the next
// multiple of every.
func untilMultiple(step, every int) int {
	return every - (step-1)%every
}

// stepper is Adam followed, when on, by the moving averages' update.
type stepper struct {
	adam     optimizer.Interface
	ema      [][2]*model.Variable // (weight, its average)
	decay    float64
	noWarmup bool
}

// EMADecay is the decay of the moving averages after step k (from 1) of
// a run with Settings.EMA = decay: min(decay, k/(k+9)) with the warm-up,
// decay without.
func EMADecay(decay float64, k int64, warmup bool) float64 {
	if !warmup {
		return decay
	}
	return min(decay, float64(k)/float64(k+9))
}

func (o stepper) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	o.adam.UpdateGraph(scope, g, loss)
	if len(o.ema) == 0 {
		return
	}
	// The global step, which Adam has just advanced to this step's k.
	decay := Scalar(g, dtypes.Float32, o.decay)
	if !o.noWarmup {
		k := ConvertDType(optimizer.GetGlobalStepVar(scope).NodeValue(g), dtypes.Float32)
		decay = Min(decay, Div(k, AddScalar(k, 9)))
	}
	for _, p := range o.ema {
		w, avg := p[0].NodeValue(g), p[1].NodeValue(g)
		p[1].SetNodeValue(Add(Mul(avg, decay), Mul(w, OneMinus(decay))))
	}
}

// step adds the update for loss to its graph and returns loss.
func (o stepper) step(scope *model.Scope, loss *Node) *Node {
	o.UpdateGraph(scope, loss.Graph(), loss)
	return loss
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

// stepExec compiles one training step: the loss of s.Objective and the
// optimiser's update, taking the data points and, unless s.GraphNoise, the
// noise as inputs.
func stepExec(net *scorenet.Net, s Settings, score objective.ScoreFn, opt stepper, sigmas []float64, batch, d int, support *discreteData) (*model.Exec, error) {
	store := net.Store()
	if s.GraphNoise {
		step := graphNoiseStep(store, s, score, opt, sigmas, batch, d)
		if support != nil {
			// The input is only the batch size, to give the graph a shape.
			return model.NewExec(net.Backend(), store, func(scope *model.Scope, nb *Node) *Node {
				return step(scope, support.draw(store, nb.Graph(), batch, d))
			})
		}
		return model.NewExec(net.Backend(), store, step)
	}
	switch s.Objective {
	case AllLevels:
		return model.NewExec(net.Backend(), store, func(scope *model.Scope, x, z *Node) *Node {
			return opt.step(scope, objective.AllLevels(score, sigmas, x, z))
		})
	case OneLevel:
		return model.NewExec(net.Backend(), store, func(scope *model.Scope, x, level, z *Node) *Node {
			return opt.step(scope, objective.OneLevel(score, sigmas, x, level, z))
		})
	default:
		return model.NewExec(net.Backend(), store, func(scope *model.Scope, x, level, z, v *Node) *Node {
			return opt.step(scope, objective.SlicedOneLevel(score, sigmas, x, level, z, v))
		})
	}
}

// graphNoiseStep builds one optimiser step on the data points x with the
// noise (and levels, and projections) drawn from the store's generator,
// returning the loss.
func graphNoiseStep(store *model.Store, s Settings, score objective.ScoreFn, opt stepper, sigmas []float64, batch, d int) func(scope *model.Scope, x *Node) *Node {
	L := len(sigmas)
	return func(scope *model.Scope, x *Node) *Node {
		g := x.Graph()
		normal := func(dims ...int) *Node {
			return ConvertDType(store.RandomNormal(g, shapes.Make(x.DType(), dims...)), x.DType())
		}
		level := func() *Node {
			return ConvertDType(store.RandomIntN(g, int32(L), shapes.Make(dtypes.Int32, batch)), dtypes.Int32)
		}
		switch s.Objective {
		case AllLevels:
			return opt.step(scope, objective.AllLevels(score, sigmas, x, normal(batch, L, d)))
		case OneLevel:
			return opt.step(scope, objective.OneLevel(score, sigmas, x, level(), normal(batch, d)))
		default:
			return opt.step(scope, objective.SlicedOneLevel(score, sigmas, x, level(), normal(batch, d), normal(batch, d)))
		}
	}
}

// discreteData draws data points inside a graph from a finite distribution.
type discreteData struct {
	points, weights []float64
}

// draw returns n points (shape [n, d], float32) drawn with the store's
// generator: a uniform draw u per point picks the first support point
// whose cumulative probability exceeds u.
func (dd *discreteData) draw(store *model.Store, g *Graph, n, d int) *Node {
	K := len(dd.weights)
	cdf := make([]float32, K)
	var c float64
	for i, w := range dd.weights {
		c += w
		cdf[i] = float32(c)
	}
	pts := make([]float32, len(dd.points))
	for i, v := range dd.points {
		pts[i] = float32(v)
	}
	u := ConvertDType(store.RandomUniform(g, shapes.Make(dtypes.Float32, n)), dtypes.Float32)
	below := ConvertDType(GreaterOrEqual(ExpandAxes(u, -1), ExpandAxes(Const(g, cdf), 0)), dtypes.Int32) // [n, K]
	idx := MinScalar(ReduceSum(below, -1), int32(K-1))
	return Gather(Reshape(Const(g, pts), K, d), ExpandAxes(idx, -1))
}
