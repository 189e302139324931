package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// benchResult is what "sgm bench --json" prints.
type benchResult struct {
	TrainStepsPerSec      float64       `json:"train_steps_per_s"`
	TrainGFLOPs           float64       `json:"train_gflops"`
	TrainStepsPerSec8d    float64       `json:"train_steps_per_s_8d"`   // benchpoints.go
	DivergenceEvalsPerSec float64       `json:"divergence_evals_per_s"` // benchdiv.go
	ChainSeconds          float64       `json:"langevin_chain_400k_s"`
	ChainSteps            int           `json:"langevin_chain_steps"`
	ParticleStepsPerSec   float64       `json:"langevin_particle_steps_per_s"`
	PeakRSSMiB            float64       `json:"peak_rss_mib"`
	Config                benchConfig   `json:"config"`
	ChainSecondsMeasured  float64       `json:"langevin_chain_measured_s"`
	ParticleStepsMeasured int           `json:"langevin_particle_steps"`
	Guidance              benchGuidance `json:"guidance"` // benchguide.go
}

type benchConfig struct {
	Batch      int     `json:"batch"`
	Width      int     `json:"width"`
	Depth      int     `json:"depth"`
	Features   int     `json:"features"`
	Levels     int     `json:"levels"`
	Objective  string  `json:"objective"`
	TrainSteps int     `json:"train_steps"`
	Particles  int     `json:"particles"`
	Level      int     `json:"level"`
	StepSize   float64 `json:"step_size"`
	Backend    string  `json:"backend"`
	PerCall    int     `json:"steps_per_call"`
	FastPath   bool    `json:"fast_path"`
	GoMaxProcs int     `json:"gomaxprocs"`
	GoVersion  string  `json:"go_version"`
	Simd       bool    `json:"goexperiment_simd"`
}

// trainFLOPs is the nominal cost of one training step as the PyTorch peer
// counts it: three times the forward pass's matrix-product FLOPs.
func trainFLOPs(cfg scorenet.Config, rows int) float64 {
	F, W, D := float64(cfg.Features), float64(cfg.Width), float64(cfg.Depth)
	d := float64(cfg.Dim)
	fwd := 2 * (2*d*F + (2*F+d)*W + (D-1)*W*W + W*d)
	return 3 * fwd * float64(rows)
}

func init() {
	register(&command{
		name:    "bench",
		args:    "[--json] [--train-steps N] [--chain-steps N] [--particles P]",
		summary: "measure training and sampling speed on the blog post's reference configuration",
		detail: `Times, on the blog post's reference network (256 features, width 256,
depth 3, 30 levels): training steps at batch 256 with every point at every
level (the blog post's objective), after warm-up steps that compile the step
and are not timed; one Langevin chain of --chain-steps steps (the blog post's
last experiment: 400,000 steps at level 17, η = 0.001), and --particles
particles for --particle-steps steps. langevin_chain_400k_s is scaled to
400,000 steps when --chain-steps is smaller. On an XLA backend the Langevin
steps run in compiled loops of up to 1000 steps per call (scorenet.Chain),
after an untimed run that compiles them. peak_rss_mib is the process's peak
resident memory. Compare with the PyTorch peer with bench/peer.sh.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			asJSON := fs.Bool("json", false, "print one JSON object")
			trainSteps := fs.Int("train-steps", 20, "training steps to time (after warm-up steps: 2 on the CPU, 50 on a device, which compile the step)")
			batch := fs.Int("batch", 256, "training batch (data points; each at all 30 levels)")
			chainSteps := fs.Int("chain-steps", 400000, "steps of the single Langevin chain")
			particles := fs.Int("particles", 4096, "particles of the batched Langevin run")
			particleSteps := fs.Int("particle-steps", 200, "steps of the batched Langevin run")
			backend := fs.String("backend", "go", backendFlagHelp)
			perCall := fs.Int("steps-per-call", 1, stepsPerCallHelp)
			return func(ctx context.Context, e *env) error {
				for _, c := range []struct {
					name string
					v    int
				}{{"chain-steps", *chainSteps}, {"particle-steps", *particleSteps}, {"steps-per-call", *perCall}} {
					if err := checkCount(c.name, c.v, 1); err != nil {
						return err
					}
				}
				// --train-steps, --batch and --particles are bounded by memory
				// (below).
				if err := firstErr(checkAtLeast("train-steps", *trainSteps, 1), checkAtLeast("batch", *batch, 1), checkAtLeast("particles", *particles, 1)); err != nil {
					return err
				}
				if err := checkStepsPerCall(*perCall, *backend); err != nil {
					return err
				}
				// Training keeps a loss record (16 bytes) for every step,
				// the warm-up steps included.
				if err := checkFits("train-steps", *trainSteps, "the loss history", func(n int) float64 {
					return 16 * (float64(n) + float64(max(2, lossEvery(*backend), *perCall)))
				}); err != nil {
					return err
				}
				b, err := newBackend(*backend)
				if err != nil {
					return err
				}
				net, err := scorenet.New(b, scorenet.Config{}, rand.New(rand.NewPCG(1, 2)))
				if err != nil {
					return err
				}
				cfg := net.Config()
				// A training step evaluates the network, forward and back,
				// on every batch point at every level; sampling on every
				// particle at once.
				if err := firstErr(
					checkFits("batch", *batch, fmt.Sprintf("a training step on %d levels", len(cfg.Sigmas)), func(b int) float64 {
						return 2 * float64(b) * float64(len(cfg.Sigmas)) * particleBytes(cfg.Dim, net)
					}),
					checkFits("particles", *particles, "the particles", func(p int) float64 { return float64(p) * particleBytes(cfg.Dim, net) }),
				); err != nil {
					return err
				}
				if ps := float64(*particles) * float64(*particleSteps); ps > maxCount {
					return usagef("--particles %d × --particle-steps %d = %g particle-steps; a run takes at most %d (2^40)", *particles, *particleSteps, ps, maxCount)
				}
				r := benchResult{Config: benchConfig{
					Batch: *batch, Width: cfg.Width, Depth: cfg.Depth, Features: cfg.Features, Levels: len(cfg.Sigmas),
					Objective: string(train.AllLevels), TrainSteps: *trainSteps, Particles: *particles, Level: 17, StepSize: 1e-3,
					Backend: *backend, PerCall: *perCall, FastPath: net.FastPath(), GoMaxProcs: runtime.GOMAXPROCS(0),
					GoVersion: runtime.Version(), Simd: simdEnabled(),
				}}
				data, err := loadImage("mnist:train:0")
				if err != nil {
					return err
				}
				// Training, timed from the first progress report on, so that
				// compiling the step (and warming the device) is left out,
				// as the JAX peer leaves out its warm-up steps.
				rate, err := benchTrain(ctx, net, data, *backend, *batch, *trainSteps, *perCall, train.AllLevels)
				if err != nil {
					return err
				}
				r.TrainStepsPerSec = rate
				r.TrainGFLOPs = trainFLOPs(cfg, *batch*len(cfg.Sigmas)) * r.TrainStepsPerSec / 1e9
				fmt.Fprintf(e.stderr, "train: %.2f steps/s (%.1f GFLOP/s nominal)\n", r.TrainStepsPerSec, r.TrainGFLOPs)
				if r.TrainStepsPerSec8d, err = benchTrainPoints(ctx, b, *backend, *trainSteps, *perCall); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "train 8-D points: %.2f steps/s (batch 256, one-level)\n", r.TrainStepsPerSec8d)

				// Sampling at level 17 with η = 0.001, the blog post's. On an XLA
				// backend the steps run in compiled loops; a first run of
				// each shape compiles the loop and is not timed.
				m, err := net.NewLangevin(17, 1e-3, max(*chainSteps, *particleSteps))
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
				if r.ChainSecondsMeasured, err = timed([]float64{0.5, 0.5}, *chainSteps); err != nil {
					return err
				}
				r.ChainSteps = *chainSteps
				r.ChainSeconds = r.ChainSecondsMeasured * 400000 / float64(*chainSteps)
				fmt.Fprintf(e.stderr, "chain: %d steps in %.2fs (%.2fs per 400k)\n", *chainSteps, r.ChainSecondsMeasured, r.ChainSeconds)

				secs, err := timed(sample.Uniform(*particles, 2, 0, 1, rng), *particleSteps)
				if err != nil {
					return err
				}
				r.ParticleStepsMeasured = *particles * *particleSteps
				r.ParticleStepsPerSec = float64(r.ParticleStepsMeasured) / secs
				fmt.Fprintf(e.stderr, "particles: %.0f particle-steps/s\n", r.ParticleStepsPerSec)
				if r.DivergenceEvalsPerSec, err = benchDivergence(ctx, net); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "score+divergence: %.0f evals/s (%d points, level %d, exact trace)\n", r.DivergenceEvalsPerSec, benchDivPoints, benchDivLevel)
				if r.Guidance, err = benchGuide(ctx, b); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "scores: %.0f evals/s unlabelled, %.0f at a label, %.0f guided (%.2fx the cost)\n", r.Guidance.Plain, r.Guidance.Label, r.Guidance.Guided, r.Guidance.CostRate)
				r.PeakRSSMiB = peakRSSMiB()
				if *asJSON {
					return json.NewEncoder(e.stdout).Encode(r)
				}
				fmt.Fprintf(e.stdout, "train_steps_per_s %.3f\ntrain_gflops %.1f\ntrain_steps_per_s_8d %.3f\nlangevin_chain_400k_s %.2f\nlangevin_particle_steps_per_s %.0f\ndivergence_evals_per_s %.0f\nguided_score_evals_per_s %.0f (guidance_cost %.2f)\npeak_rss_mib %.0f\n",
					r.TrainStepsPerSec, r.TrainGFLOPs, r.TrainStepsPerSec8d, r.ChainSeconds, r.ParticleStepsPerSec, r.DivergenceEvalsPerSec, r.Guidance.Guided, r.Guidance.CostRate, r.PeakRSSMiB)
				return nil
			}
		},
	})
}

// benchTrain trains net for warm-up steps and then n more (past any steps
// it had taken), up to perCall steps per call, and returns the steps per
// second of those n. The warm-up steps (2 on the CPU, one loss-read
// interval or one call's worth on a device) end with a progress report,
// and the clock runs from that report to the last.
func benchTrain(ctx context.Context, net *scorenet.Net, data train.Sampler, backend string, batch, n, perCall int, objective train.Objective) (float64, error) {
	warm := max(2, lossEvery(backend), perCall)
	var first, last time.Time
	var firstStep, lastStep int
	_, err := train.Run(ctx, net, data, train.Settings{
		Steps: net.Step() + warm + n, Batch: batch, GraphNoise: onAccelerator(backend), LossEvery: lossEvery(backend),
		StepsPerCall: perCall, ProgressEvery: warm, Objective: objective,
		Progress: func(st train.Status) {
			now := time.Now()
			if first.IsZero() {
				first, firstStep = now, st.Step
			}
			last, lastStep = now, st.Step
		},
	})
	if err != nil {
		return 0, err
	}
	return float64(lastStep-firstStep) / last.Sub(first).Seconds(), nil
}

// peakRSSMiB is the process's peak resident set size.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
