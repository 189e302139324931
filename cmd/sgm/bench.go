package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/bench"
	"github.com/sgm-dev/sgm/scorenet"
)

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
				r, err := bench.Run(ctx, bench.Options{Backend: b, BackendName: *backend, Accelerator: onAccelerator(*backend), Net: net,
					TrainSteps: *trainSteps, Batch: *batch, StepsPerCall: *perCall, ChainSteps: *chainSteps, Particles: *particles,
					ParticleSteps: *particleSteps, Log: e.stderr})
				if err != nil {
					return err
				}
				r.Config.Simd = simdEnabled()
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
