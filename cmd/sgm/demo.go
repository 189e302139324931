package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/sgm-dev/sgm/demo"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/train"
)

// autoTolerance is sgm sample's default --auto-tolerance.
const autoTolerance = metric.AutoTolerance

func init() {
	register(&command{
		name:          "demo",
		interruptible: true,
		args:          "[--out DIR] [--quick]",
		summary:       "run every section of the blog post end to end and write its figures and summary.json",
		detail: `Runs the blog post from start to end: the Gaussian mixture's score
(Figure 1), a Langevin path on it (Figure 2, as a still and an animation), the
MNIST "five" as a distribution, training the noise-conditional score network,
its learned fields (Figure 3) and Langevin sampling with the learned score (the
last figure), then measures the samples against the image (hist_corr).
Past the post: annealed against plain Langevin on two unequal modes
(figure 8); the toy suite's moons, 8gaussians and checkerboard learned from
points, with W₂ against its noise floor (figure 9, summary key toys); and a
VP SDE model of 8gaussians sampled by the probability-flow ODE and
DPM-Solver++(2M), with the NLL of held-out points and W₂ against the number
of score evaluations (figures 11 and 12, summary key vp).
--quick runs the same stages on a tiny configuration, in seconds.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			out := fs.String("out", "sgm-demo", "output `DIR`")
			quick := fs.Bool("quick", false, "a tiny configuration that runs in seconds (for tests)")
			seed := fs.Uint64("seed", 0, "random seed")
			backend := fs.String("backend", "go", backendFlagHelp)
			return func(ctx context.Context, e *env) error {
				cfg := demo.Full()
				if *quick {
					cfg = demo.Quick()
				}
				return runDemo(ctx, e, *out, cfg, *seed, *backend)
			}
		},
	})
}

// errInterruptedDemo is the demo's error when interrupted: it starts
// afresh when run again, so there is nothing to resume.
var errInterruptedDemo = errors.New("interrupted; run sgm demo again to start afresh")

// runDemo runs demo.Run into out with the progress of its training runs
// and its stages on stderr, the line of each trained run and its own last
// line on stdout.
func runDemo(ctx context.Context, e *env, out string, cfg demo.Config, seed uint64, backend string) error {
	if err := checkBackend(backend); err != nil {
		return err
	}
	if err := demo.CheckRunDir(filepath.Join(out, "model")); err != nil {
		return usagef("--out: %v", err)
	}
	o := demo.Options{Seed: seed, Log: e.stderr,
		Progress: func(string) func(train.Status) { return newProgressBar(e.stderr).update },
		Trained: func(dir string, m *model.Model, steps []train.Record) {
			for _, w := range m.Warnings() {
				fmt.Fprintf(e.stderr, "sgm train: warning: %s\n", w)
			}
			loss, k := train.FinalLoss(m.Record().History)
			fmt.Fprintf(e.stdout, "trained %d steps (to step %d) of a %s model on %s; mean loss of %s %.4f; checkpoint in %s\n",
				len(steps), steps[len(steps)-1].Step, m.Kind(), m.Record().Data, lastSteps(k), loss, dir)
		},
	}
	if backend != "go" {
		b, err := newBackend(backend)
		if err != nil {
			return err
		}
		o.Backend = b
	}
	sum, err := demo.Run(ctx, out, cfg, o)
	if ctx.Err() != nil {
		return errInterruptedDemo
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: hist_corr %.4f on %d samples, %d training steps (mean loss of %s %.4f), %.0fs; figures and summary.json in %s\n",
		sum.HistCorr, sum.NSamples, sum.TrainSteps, lastSteps(sum.FinalLossSteps), sum.FinalLoss, sum.Seconds["total"], out)
	return nil
}
