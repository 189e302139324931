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

// odeTolerances are the tolerances at which plot nfe runs the adaptive
// ODE sampler, rtol = atol, from loose to score_sde's.
var odeTolerances = []float64{1e-1, 1e-2, 1e-3, 1e-4, 1e-5}

// nfePoint is one run of plot nfe.
type nfePoint struct {
	sampler string
	nfe     int
	w2      float64
}

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
				target, model, samplers, budgets, out string
				n, reps                               int
				seed                                  uint64
			)
			fs.StringVar(&target, "target", "", "the target mixture `SPEC`: a preset or a JSON file")
			fs.StringVar(&model, "model", "", "a network trained with sgm train --sde: checkpoint `DIR` whose samples are measured (against --target, default the mixture it was trained on)")
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
				src, err := nfeSource(sf, target, model) // timemodel.go
				if err != nil {
					return err
				}
				p := src.p
				names := []string{"em", "pc", "ode", "heun", "dpm2m"}
				if _, ok := p.(sde.VP); ok {
					names = append(names, "ddim")
				}
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
				if model != "" {
					target = "model " + model
				}
				return drawNFE(e, pts, floor, names, target, p, n, out)
			}
		},
	})
}

// nfeCurves runs every sampler at every budget and returns the W₂ of each
// run and the floor over reps pairs (none for reps 0: the caller has one).
func nfeCurves(src nfeSourceOf, sf *sdeFlags, names []string, ks []int, n, reps int, seed uint64, log io.Writer) ([]nfePoint, metric.Floor, error) {
	p, d := src.p, src.d
	w2 := func(x, y []float64) float64 { return metric.Wasserstein2(x, y, d) }
	rng := rand.New(rand.NewPCG(seed, 0xf1))
	ref := src.ref.Sample(nil, n, rng)
	var floor metric.Floor
	if reps > 0 {
		floor = metric.NoiseFloor(w2, src.ref, n, reps, rng)
	}
	var pts []nfePoint
	runs := 0
	for _, name := range names {
		runs += len(ks)
		if name == "ode" {
			runs += len(odeTolerances) - len(ks)
		}
	}
	prog := newProgress(log, "nfe", "runs", runs)
	for i, name := range names {
		if src.model != nil { // the model's own samplers (model.Sample), at each budget
			var opts []model.SampleOptions
			if name == "ode" {
				for _, tol := range odeTolerances {
					opts = append(opts, model.SampleOptions{Sampler: name, RTol: tol, ATol: tol})
				}
			} else {
				for _, k := range ks {
					opts = append(opts, model.SampleOptions{Sampler: name, NFE: k})
				}
			}
			for j, o := range opts {
				x, st, err := src.model.Sample(nil, n, rand.New(rand.NewPCG(seed+uint64(1000*i+j), 0x5de)), o)
				if err != nil {
					return nil, floor, fmt.Errorf("%s: %w", name, err)
				}
				pts = append(pts, nfePoint{name, st.NFE, w2(x, ref)})
				prog.update(len(pts))
			}
			continue
		}
		var runs []sample.Reverse
		if name == "ode" {
			for _, tol := range odeTolerances {
				runs = append(runs, sample.Flow{RTol: tol, ATol: tol})
			}
		} else {
			for _, k := range ks {
				s, err := sf.reverse(p, name, k)
				if err != nil {
					return nil, floor, err
				}
				runs = append(runs, s)
			}
		}
		for j, s := range runs {
			r, err := sdeSamples(s, p, src.score, n, seed+uint64(1000*i+j))
			if err != nil {
				return nil, floor, fmt.Errorf("%s: %w", name, err)
			}
			pts = append(pts, nfePoint{name, r.nfe, w2(r.points, ref)})
			prog.update(len(pts))
		}
	}
	return pts, floor, nil
}

// drawNFE prints the table and draws the figure.
func drawNFE(e *env, pts []nfePoint, floor metric.Floor, names []string, target string, p sde.SDE, n int, out string) error {
	fmt.Fprintf(e.stdout, "%-8s %6s %10s\n", "sampler", "nfe", "w2")
	var series []plot.Series
	for _, name := range names {
		s := plot.Series{Name: name}
		for _, pt := range pts {
			if pt.sampler == name {
				fmt.Fprintf(e.stdout, "%-8s %6d %10.4g\n", name, pt.nfe, pt.w2)
				s.X = append(s.X, float64(pt.nfe))
				s.Y = append(s.Y, pt.w2)
			}
		}
		series = append(series, s)
	}
	fmt.Fprintf(e.stdout, "floor    %6s %10.4g ± %.2g (W₂ between exact samples, %d pairs)\n", "", floor.Mean, floor.Std, floor.Reps)
	title := fmt.Sprintf("%s under %s, n = %d", target, p, n)
	fig, err := plot.Curves(series, "score evaluations (NFE)", "W₂ to exact samples", title,
		plot.Mark{Name: "floor: W₂ between exact samples", At: floor.Mean, Floor: true})
	if err != nil {
		return err
	}
	if err := plot.Save(fig, out); err != nil {
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
