package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Result is what Run measured ("sgm bench --json").
type Result struct {
	TrainStepsPerSec      float64  `json:"train_steps_per_s"`
	TrainGFLOPs           float64  `json:"train_gflops"` // nominal (TrainFLOPs)
	TrainStepsPerSec8d    float64  `json:"train_steps_per_s_8d"`
	DivergenceEvalsPerSec float64  `json:"divergence_evals_per_s"`
	ChainSeconds          float64  `json:"langevin_chain_400k_s"` // scaled to 400,000 steps
	ChainSteps            int      `json:"langevin_chain_steps"`
	ParticleStepsPerSec   float64  `json:"langevin_particle_steps_per_s"`
	PeakRSSMiB            float64  `json:"peak_rss_mib"`
	Config                Config   `json:"config"`
	ChainSecondsMeasured  float64  `json:"langevin_chain_measured_s"`
	ParticleStepsMeasured int      `json:"langevin_particle_steps"`
	Guidance              Guidance `json:"guidance"`
}

// Config is what Run measured on.
type Config struct {
	Batch      int             `json:"batch"`
	Width      int             `json:"width"`
	Depth      int             `json:"depth"`
	Features   int             `json:"features"`
	Levels     int             `json:"levels"`
	Objective  train.Objective `json:"objective"`
	TrainSteps int             `json:"train_steps"`
	Particles  int             `json:"particles"`
	Level      int             `json:"level"`
	StepSize   float64         `json:"step_size"`
	Backend    string          `json:"backend"`
	PerCall    int             `json:"steps_per_call"`
	FastPath   bool            `json:"fast_path"` // the network's fused CPU path (scorenet.Net.FastPath)
	GoMaxProcs int             `json:"gomaxprocs"`
	GoVersion  string          `json:"go_version"`
	Simd       bool            `json:"goexperiment_simd"` // for the caller to fill: a build tag of the command
}

// Guidance is the score evaluations per second of the reference network
// at level 17 on Points points: unlabelled, at a class label (a network of
// 10 labels, its embedding folded into the first layer's bias: no extra
// cost) and with classifier-free guidance (the conditional and the
// unconditional score: twice the cost).
type Guidance struct {
	Plain    float64 `json:"score_evals_per_s"`
	Label    float64 `json:"label_score_evals_per_s"`
	Guided   float64 `json:"guided_score_evals_per_s"`
	CostRate float64 `json:"guidance_cost"` // Plain / Guided: network evaluations per guided score
}

// Options say what Run measures on. A zero count means sgm bench's
// default: 20 training steps of batch 256, one step per call, a chain of
// 400,000 steps, 4,096 particles for 200 steps.
type Options struct {
	// Backend runs the networks (GoMLX's pure-Go backend when nil,
	// recorded as "go"); BackendName is recorded. Accelerator
	// says the backend is a device (XLA): training then draws its noise
	// inside the compiled step and reads its loss every 50 steps.
	Backend     compute.Backend
	BackendName string
	Accelerator bool
	// Net is the reference network: the default scorenet.Config's, which
	// Run makes (seeded 1, 2) when Net is nil.
	Net *scorenet.Net

	TrainSteps    int // timed training steps, after warm-up (WarmUp)
	Batch         int // training batch: data points, each at every level
	StepsPerCall  int // training steps per call of a compiled loop (XLA)
	ChainSteps    int // steps of the single Langevin chain
	Particles     int // particles of the batched Langevin run
	ParticleSteps int // its steps

	// Log, if not nil, gets one line per measure as it is taken.
	Log io.Writer
}

// Reference workloads: the blog post's sampling level and step size, and
// the points of the score, divergence and guidance measures (the PyTorch
// peer's torch_seed.py --divergence-particles 4096).
const (
	Level    = 17
	StepSize = 1e-3
	Points   = 4096
	// MinTime is how long EvalRate times at least, after one untimed
	// evaluation.
	MinTime = time.Second
)

// Run takes every measure of Result on the post's image (mnist:train:0),
// in order: training, training on 8-D points, the chain, the particles,
// score and divergence, guidance.
func Run(ctx context.Context, o Options) (*Result, error) {
	for _, c := range []struct {
		name string
		v    *int
		def  int
	}{{"TrainSteps", &o.TrainSteps, 20}, {"Batch", &o.Batch, 256}, {"StepsPerCall", &o.StepsPerCall, 1},
		{"ChainSteps", &o.ChainSteps, 400000}, {"Particles", &o.Particles, 4096}, {"ParticleSteps", &o.ParticleSteps, 200}} {
		if *c.v < 0 {
			return nil, fmt.Errorf("bench: Options.%s %d is negative", c.name, *c.v)
		}
		if *c.v == 0 {
			*c.v = c.def
		}
	}
	if o.Backend == nil {
		o.Backend, o.BackendName = gobackend.GetBackend(), "go"
	}
	net := o.Net
	if net == nil {
		var err error
		if net, err = scorenet.New(o.Backend, scorenet.Config{}, rand.New(rand.NewPCG(1, 2))); err != nil {
			return nil, err
		}
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	cfg := net.Config()
	r := &Result{Config: Config{
		Batch: o.Batch, Width: cfg.Width, Depth: cfg.Depth, Features: cfg.Features, Levels: len(cfg.Sigmas),
		Objective: train.AllLevels, TrainSteps: o.TrainSteps, Particles: o.Particles, Level: Level, StepSize: StepSize,
		Backend: o.BackendName, PerCall: o.StepsPerCall, FastPath: net.FastPath(), GoMaxProcs: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(),
	}}
	im, err := model.OpenData("mnist:train:0")
	if err != nil {
		return nil, err
	}
	s := o.settings(o.Batch, train.AllLevels)
	if r.TrainStepsPerSec, err = TrainRate(ctx, net, im.Image, s, o.TrainSteps); err != nil {
		return nil, err
	}
	r.TrainGFLOPs = TrainFLOPs(cfg, o.Batch*len(cfg.Sigmas)) * r.TrainStepsPerSec / 1e9
	logf("train: %.2f steps/s (%.1f GFLOP/s nominal)\n", r.TrainStepsPerSec, r.TrainGFLOPs)
	// Point data: the reference network on 8-D standard normal points,
	// batch 256, one level per point, as sgm train --data trains on a
	// standardised point cloud.
	net8, err := scorenet.New(o.Backend, scorenet.Config{Dim: 8}, rand.New(rand.NewPCG(1, 8)))
	if err != nil {
		return nil, err
	}
	if r.TrainStepsPerSec8d, err = TrainRate(ctx, net8, normal{8}, o.settings(256, train.OneLevel), o.TrainSteps); err != nil {
		return nil, err
	}
	logf("train 8-D points: %.2f steps/s (batch 256, one-level)\n", r.TrainStepsPerSec8d)
	if err := r.langevin(net, o); err != nil {
		return nil, err
	}
	logf("chain: %d steps in %.2fs (%.2fs per 400k)\n", o.ChainSteps, r.ChainSecondsMeasured, r.ChainSeconds)
	logf("particles: %.0f particle-steps/s\n", r.ParticleStepsPerSec)
	x := sample.Uniform(Points, cfg.Dim, 0, 1, rand.New(rand.NewPCG(5, 6)))
	dst, div := make([]float64, len(x)), make([]float64, Points)
	if r.DivergenceEvalsPerSec, err = EvalRate(ctx, Points, func() error { return net.ScoreDivergenceBatch(dst, div, x, Level) }); err != nil {
		return nil, err
	}
	logf("score+divergence: %.0f evals/s (%d points, level %d, exact trace)\n", r.DivergenceEvalsPerSec, Points, Level)
	if r.Guidance, err = guidance(ctx, o.Backend); err != nil {
		return nil, err
	}
	logf("scores: %.0f evals/s unlabelled, %.0f at a label, %.0f guided (%.2fx the cost)\n", r.Guidance.Plain, r.Guidance.Label, r.Guidance.Guided, r.Guidance.CostRate)
	r.PeakRSSMiB = PeakRSSMiB()
	return r, nil
}

// settings are the training settings of a measure.
func (o Options) settings(batch int, objective train.Objective) train.Settings {
	s := train.Settings{Batch: batch, GraphNoise: o.Accelerator, LossEvery: 1, StepsPerCall: o.StepsPerCall, Objective: objective}
	if o.Accelerator {
		s.LossEvery = 50
	}
	return s
}

// langevin times the chain and the particles at Level with StepSize. On
// an XLA backend the steps run in compiled loops; a first run of each
// shape compiles the loop and is not timed.
func (r *Result) langevin(net *scorenet.Net, o Options) error {
	m, err := net.NewLangevin(Level, StepSize, max(o.ChainSteps, o.ParticleSteps))
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	timed := func(x []float64, steps int) (float64, error) {
		if m.PerCall() > 0 {
			if err := m.Run(slices.Clone(x), min(steps, m.PerCall()), rng); err != nil {
				return 0, err
			}
		}
		t := time.Now()
		err := m.Run(x, steps, rng)
		return time.Since(t).Seconds(), err
	}
	if r.ChainSecondsMeasured, err = timed([]float64{0.5, 0.5}, o.ChainSteps); err != nil {
		return err
	}
	r.ChainSteps = o.ChainSteps
	r.ChainSeconds = r.ChainSecondsMeasured * 400000 / float64(o.ChainSteps)
	secs, err := timed(sample.Uniform(o.Particles, 2, 0, 1, rng), o.ParticleSteps)
	if err != nil {
		return err
	}
	r.ParticleStepsMeasured = o.Particles * o.ParticleSteps
	r.ParticleStepsPerSec = float64(r.ParticleStepsMeasured) / secs
	return nil
}

// guidance measures Guidance on backend b.
func guidance(ctx context.Context, b compute.Backend) (Guidance, error) {
	labels := make([]string, 10)
	for i := range labels {
		labels[i] = strconv.Itoa(i)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	plain, err := scorenet.New(b, scorenet.Config{}, rng)
	if err != nil {
		return Guidance{}, err
	}
	labelled, err := scorenet.New(b, scorenet.Config{Labels: labels}, rng)
	if err != nil {
		return Guidance{}, err
	}
	x := sample.Uniform(Points, 2, 0, 1, rng)
	dst := make([]float64, len(x))
	var g Guidance
	cond := labelled.AtLevelLabelled(Level, 3)
	for _, c := range []struct {
		dst *float64
		s   sgm.Scorer
	}{
		{&g.Plain, plain.AtLevel(Level)},
		{&g.Label, cond},
		{&g.Guided, &sample.Guided{Cond: cond, Uncond: labelled.AtLevelLabelled(Level, labelled.Config().NullLabel()), W: 3}},
	} {
		if *c.dst, err = EvalRate(ctx, Points, func() error { c.s.ScoreBatch(dst, x); return nil }); err != nil {
			return Guidance{}, err
		}
	}
	g.CostRate = g.Plain / g.Guided
	return g, nil
}

// EvalRate returns the points per second of eval, a call that evaluates n
// points: one untimed call (which compiles the graph where there is one),
// then calls until MinTime has passed. It returns eval's first error, or
// ctx's when cancelled.
func EvalRate(ctx context.Context, n int, eval func() error) (float64, error) {
	if err := eval(); err != nil {
		return 0, err
	}
	start, evals := time.Now(), 0
	for time.Since(start) < MinTime {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := eval(); err != nil {
			return 0, err
		}
		evals += n
	}
	return float64(evals) / time.Since(start).Seconds(), nil
}

// WarmUp is the number of untimed steps TrainRate takes first with
// settings s: 2 (the first compiles the step), or one loss read or one
// call's worth where those are longer.
func WarmUp(s train.Settings) int { return max(2, s.LossEvery, s.StepsPerCall) }

// TrainRate trains net on data with s for WarmUp(s) steps and then n more
// (past any steps it had taken), and returns the steps per second of those
// n: the warm-up ends with a progress report, and the clock runs from that
// report to the last. s's Steps, ProgressEvery and Progress are Run's.
func TrainRate(ctx context.Context, net *scorenet.Net, data train.Sampler, s train.Settings, n int) (float64, error) {
	warm := WarmUp(s)
	var first, last time.Time
	var firstStep, lastStep int
	s.Steps, s.ProgressEvery = net.Step()+warm+n, warm
	s.Progress = func(st train.Status) {
		now := time.Now()
		if first.IsZero() {
			first, firstStep = now, st.Step
		}
		last, lastStep = now, st.Step
	}
	if _, err := train.Run(ctx, net, data, s); err != nil {
		return 0, err
	}
	return float64(lastStep-firstStep) / last.Sub(first).Seconds(), nil
}

// TrainFLOPs is the nominal cost of one training step of a network of cfg
// on rows rows (points times levels) as the PyTorch peer counts it: three
// times the forward pass's matrix-product FLOPs.
func TrainFLOPs(cfg scorenet.Config, rows int) float64 {
	F, W, D := float64(cfg.Features), float64(cfg.Width), float64(cfg.Depth)
	d := float64(cfg.Dim)
	fwd := 2 * (2*d*F + (2*F+d)*W + (D-1)*W*W + W*d)
	return 3 * fwd * float64(rows)
}

// PeakRSSMiB is the process's peak resident set size in MiB (0 where the
// system does not say).
func PeakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// normal is a train.Sampler of standard normal points in R^d, the data of
// a standardised point cloud as far as speed goes.
type normal struct{ d int }

func (p normal) Dim() int { return p.d }

func (p normal) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("bench: normal", dst, n, p.d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}
