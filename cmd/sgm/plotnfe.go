package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// Limits of plot nfe: W₂ by exact assignment costs O(n³).
const (
	maxNFEPoints = 5000
	maxNFEReps   = 100
)

// nfePoint is one run of plot nfe.
type nfePoint = model.NFEPoint

func init() {
	register(&command{
		name:    "plot nfe",
		args:    "(--target SPEC --sde S | --model DIR) [--samplers LIST] [--nfe LIST] [--n N] [--out FILE.png]",
		summary: "sample quality (W₂ to exact samples, with its floor) against the number of score evaluations, per sampler",
		detail: `Runs each reverse-SDE sampler on the exact score of --target under --sde at
each budget of --nfe score evaluations (the adaptive ode sampler at
rtol = atol = 1e-1 ... 1e-5 instead), measures the 2-Wasserstein distance of
its --n samples to --n exact draws of the target, and draws W₂ against the
NFE each sampler really used, with the floor: the mean W₂ between two exact
samples of n (over --reps pairs). A sampler at its floor cannot be told from
exact sampling at that n. The table is printed too.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var (
				target, dir, samplers, budgets, out string
				n, reps                             int
				seed                                uint64
			)
			fs.StringVar(&target, "target", "", "the target mixture `SPEC`: a preset or a JSON file")
			fs.StringVar(&dir, "model", "", "a network trained with sgm train --sde: checkpoint `DIR` whose samples are measured (against --target, default the mixture it was trained on)")
			fs.StringVar(&samplers, "samplers", "", "comma-separated samplers (default: em, pc, ode, heun, dpm2m, and ddim with --sde vp)")
			fs.StringVar(&budgets, "nfe", "2,4,8,16,32,64,128", "comma-separated NFE budgets of the fixed-step samplers")
			fs.IntVar(&n, "n", 500, "samples per run and exact draws per reference")
			fs.IntVar(&reps, "reps", metric.FloorReps, "pairs of exact samples for the floor")
			fs.Uint64Var(&seed, "seed", 0, "random seed")
			fs.StringVar(&out, "out", "nfe.png", figureOutHelp)
			sf := registerSDEFlags(fs, false, sample.DefaultFlowTol, sample.DefaultFlowTol)
			return func(ctx context.Context, e *env) error {
				sf.set = givenFlags(fs)
				for _, name := range []string{"rtol", "atol"} {
					if sf.set[name] {
						return usagef("--%s does not apply: plot nfe runs the ode sampler at rtol = atol = 1e-1 ... 1e-5", name)
					}
				}
				src, err := nfeSource(sf, target, dir) // timemodel.go
				if err != nil {
					return err
				}
				p := src.p
				names := model.NFESamplers(p)
				if samplers != "" {
					if names, err = nfeSamplers(samplers); err != nil {
						return err
					}
				}
				ks, err := parseInts("nfe", budgets)
				if err != nil {
					return err
				}
				if len(ks) == 0 || len(ks) > 20 {
					return usagef("--nfe %q: want 1 to 20 budgets", budgets)
				}
				for _, k := range ks {
					if err := checkRange("nfe", k, 2, maxNFE); err != nil {
						return err
					}
				}
				for _, name := range names {
					if name == "ode" {
						continue // run at odeTolerances
					}
					if _, err := sf.reverse(p, name, ks[0]); err != nil {
						return err
					}
				}
				if err := firstErr(checkRange("n", n, 2, maxNFEPoints), checkRange("reps", reps, 1, maxNFEReps), checkOutput("out", out, figureExts...)); err != nil {
					return err
				}
				// The reference draws, a pair for the floor and a run of the
				// ode sampler, the most memory of any.
				if err := checkFits("n", n, fmt.Sprintf("%d-dimensional samples", src.d), func(v int) float64 {
					return 8 * (3 + sdeCopies(sample.Flow{})) * float64(v) * float64(src.d)
				}); err != nil {
					return err
				}
				pts, floor, err := nfeCurves(src, sf, names, ks, n, reps, seed, e.stderr)
				if err != nil {
					return err
				}
				if dir != "" {
					target = "model " + dir
				}
				return drawNFE(e, pts, floor, names, target, p, n, out)
			}
		},
	})
}

// nfeCurves runs every sampler at every budget (model.NFECurves) on src:
// a model by its own samplers, or the exact score by the same ones
// (model.SampleScore).
func nfeCurves(src nfeSourceOf, _ *sdeFlags, names []string, ks []int, n, reps int, seed uint64, log io.Writer) ([]nfePoint, metric.Floor, error) {
	run := func(n int, rng *rand.Rand, o model.SampleOptions) ([]float64, model.Stats, error) {
		return model.SampleScore(nil, n, src.p, src.score, rng, o)
	}
	if src.model != nil {
		run = func(n int, rng *rand.Rand, o model.SampleOptions) ([]float64, model.Stats, error) {
			return src.model.Sample(nil, n, rng, o)
		}
	}
	var prog *progress
	return model.NFECurves(run, src.ref, names, ks, n, reps, seed, func(done, total int) {
		if prog == nil {
			prog = newProgress(log, "nfe", "runs", total)
		}
		prog.update(done)
	})
}

// drawNFE prints the table and draws the figure (plot.NFECurves).
func drawNFE(e *env, pts []nfePoint, floor metric.Floor, names []string, target string, p sde.SDE, n int, out string) error {
	fmt.Fprintf(e.stdout, "%-8s %6s %10s\n", "sampler", "nfe", "w2")
	fig := make([]plot.NFEPoint, 0, len(pts))
	for _, name := range names {
		for _, pt := range pts {
			if pt.Sampler == name {
				fmt.Fprintf(e.stdout, "%-8s %6d %10.4g\n", name, pt.NFE, pt.W2)
				fig = append(fig, plot.NFEPoint(pt))
			}
		}
	}
	fmt.Fprintf(e.stdout, "floor    %6s %10.4g ± %.2g (W₂ between exact samples, %d pairs)\n", "", floor.Mean, floor.Std, floor.Reps)
	if err := plot.SaveTo(out)(plot.NFECurves(names, fig, floor.Mean, fmt.Sprintf("%s under %s, n = %d", target, p, n))); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", out)
	return nil
}

// nfeSamplers parses --samplers: known names, each once (a repeated one
// would run again and draw a second curve of the same name).
func nfeSamplers(list string) ([]string, error) {
	names := strings.Split(list, ",")
	for i, name := range names {
		if !slices.Contains(sdeSamplers, name) {
			return nil, usagef("--samplers %q: %q is not a sampler: want some of %s", list, name, strings.Join(sdeSamplers, ", "))
		}
		if slices.Contains(names[:i], name) {
			return nil, usagef("--samplers %q: %s is given twice", list, name)
		}
	}
	return names, nil
}
