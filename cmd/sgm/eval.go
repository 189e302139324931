package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/scorenet"
)

type evalFlags struct {
	samples, target, model, plotOut, backend string
	sigma                                    float64
	projections, mmdPoints, n, maxSamples    int
	wPoints                                  int // evalpoints.go
	seed                                     uint64
	asJSON                                   bool
}

func init() {
	register(&command{
		name:    "eval",
		args:    "(--samples FILE.csv --target SPEC [--sigma S] | --model DIR [--target SPEC]) [--json]",
		summary: "measure samples against their target, or a trained network's score error per noise level",
		detail: `With --samples: compares samples (CSV as written by sgm sample, or .npy)
with exact draws from the target --target, which is a data file or a toy, a
mixture, or an image. For every target but an image it prints, on w_n points
of each (at most --w-points; fewer for a data file of under 2 w_n points)
  w2, w1               exact 2- and 1-Wasserstein distances (optimal
                       assignment: O(n³), hence the default of 1000 points)
  energy               the energy distance
  rbf_mmd              MMD² with an RBF kernel at each of rbf_bandwidths,
  rbf_mmd_cfm          and torchcfm's RBF_MMD (the kernels summed)
and, for a mixture, also
  swd, swd_projections sliced Wasserstein-2 distance and its random directions
  mmd, mmd_bandwidth   unbiased MMD² with an RBF kernel, bandwidth by the
                       median heuristic (at most --mmd-points per set)
  mode_weights         share of samples whose most responsible component is
                       each component, in the spec's order, and
  mode_weight_error    its largest difference to the true weights.
For an image: swd and mmd as above, hist_corr and hist_tv (Pearson
correlation and total variation between the pixel histogram of the samples
and the image), plus hist_corr_smoothed and hist_tv_smoothed against the
image smoothed by N(0, σ²I) when --sigma is given.

Every metric M comes with its noise floor M_floor and M_floor_sd: the mean
and standard deviation, over floor_reps (8) pairs of fresh exact draws of the
same size, of M between the two draws of a pair (for mmd at the same
bandwidth), or, for a one-sample metric, of M of one draw: what an exact
sampler scores. A value within a few M_floor_sd of M_floor cannot be told
from exact sampling. A toy's exact draws are independent points (its
generator spaces circles, rings and moons evenly in angle, which lowers the
floor below what any sampler of independent points reaches); a data file's
are disjoint random subsets of its points. Files of more than --max-samples
samples are measured on that many, drawn at random without replacement.

With --nll: the negative log-likelihood of --data through the probability-flow
ODE, under a --target mixture and --sde, or under a --model conditioned on time;
progress goes to stderr.

With --model (without --nll): the weighted Fisher divergence
σ² E‖s_θ(x, σ) − s*(x, σ)‖² of the network against the exact score of the
σ-smoothed image, for x drawn from the smoothed image, at every noise level; as
a table (or JSON) and, with --plot, a figure. The target defaults to the model's
training image.

` + data.PointSpecHelp + `
A mixture is a preset (` + strings.Join(dist.PresetNames(), ", ") + `) or a
JSON file {"components": [{"weight": w, "mean": [...], "std": [...]}, ...]}.
` + data.SpecHelp,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var f evalFlags
			fs.StringVar(&f.samples, "samples", "", "samples `FILE` (CSV, the header row optional, or .npy)")
			fs.StringVar(&f.target, "target", "", "the target `SPEC`: a data file (.csv, .npy), toy:NAME, a mixture preset or JSON file, or an image")
			fs.Float64Var(&f.sigma, "sigma", 0, "compare with the target smoothed by N(0, σ²I) too (images), or instead (mixtures)")
			fs.StringVar(&f.model, "model", "", "trained network: checkpoint `DIR`, to measure its score error per level")
			fs.IntVar(&f.n, "n", 2000, "with --model: points drawn per level")
			fs.StringVar(&f.plotOut, "plot", "", "with --model: also draw the score error against σ into this `FILE` (.png or .svg)")
			fs.IntVar(&f.projections, "projections", metric.DefaultProjections, "random directions for the sliced Wasserstein distance")
			fs.IntVar(&f.mmdPoints, "mmd-points", metric.DefaultMMDPoints, "MMD uses at most this many points of each set")
			fs.IntVar(&f.maxSamples, "max-samples", defaultMaxSamples, "with --samples: measure at most this many samples, drawn at random from a larger file (the sliced Wasserstein distance costs O(n log n) per direction)")
			fs.Uint64Var(&f.seed, "seed", 0, "random seed for the reference draws and projections")
			fs.IntVar(&f.wPoints, "w-points", defaultWPoints, wPointsHelp)
			fs.StringVar(&f.backend, "backend", "go", backendFlagHelp)
			fs.BoolVar(&f.asJSON, "json", false, "print one JSON object")
			nf := registerNLLFlags(fs) // --nll: nll.go
			return func(ctx context.Context, e *env) error {
				if ok, err := evalNLL(e, fs, nf, f.target, f.model, f.n, f.seed, f.asJSON); ok {
					return err
				}
				switch {
				case f.samples == "" && f.model == "":
					return usagef("give --samples FILE.csv (with --target) or --model DIR")
				case f.samples != "" && f.model != "":
					return usagef("give one of --samples and --model, not both")
				}
				if f.sigma < 0 {
					return usagef("--sigma must not be negative, got %v", f.sigma)
				}
				for _, c := range []struct {
					name  string
					v, at int
				}{{"mmd-points", f.mmdPoints, 2}, {"n", f.n, 2}, {"max-samples", f.maxSamples, 2}, {"w-points", f.wPoints, 2}} {
					// Bounded by memory, below and once the data are read.
					if err := checkAtLeast(c.name, c.v, c.at); err != nil {
						return err
					}
				}
				if err := firstErr(checkCount("projections", f.projections, 1), checkRange("w-points", f.wPoints, 2, maxWPoints)); err != nil {
					return err
				}
				// The median heuristic sorts the distances between all pairs
				// of the pooled points it keeps.
				if err := checkFits("mmd-points", f.mmdPoints, "the median heuristic's pairwise distances", func(m int) float64 {
					return 8 * float64(m) * float64(m-1) / 2
				}); err != nil {
					return err
				}
				if f.plotOut != "" {
					if f.model == "" {
						return usagef("--plot draws a --model's score error; with --samples there is nothing to draw")
					}
					if err := checkOutput("plot", f.plotOut, figureExts...); err != nil {
						return err
					}
				}
				if f.model != "" {
					return evalModel(e, f)
				}
				return evalSamples(e, f)
			}
		},
	})
}

// defaultMaxSamples is the default of eval --max-samples: 100,000 samples
// take a few seconds (200 sorts of 100,000 projections for the sliced
// Wasserstein distance, and as many for its floor).
const defaultMaxSamples = 100000

func evalSamples(e *env, f evalFlags) error {
	if f.target == "" {
		return usagef("--target is required with --samples")
	}
	pts, d, err := readSamples(f.samples)
	if err != nil {
		return err
	}
	n := len(pts) / d
	if n < 2 {
		return fmt.Errorf("%s: %d samples; at least 2 are needed", f.samples, n)
	}
	if bad := nonFiniteRows(pts, d); bad > 0 {
		return fmt.Errorf("%s: %d of %d samples are not finite (NaN or Inf); a diverged sampler?", f.samples, bad, n)
	}
	// The samples, two exact draws of as many and the projections of two.
	if err := checkFits("max-samples", min(n, f.maxSamples), fmt.Sprintf("%d-dimensional samples and their reference draws", d), func(m int) float64 {
		return 5 * 8 * float64(m) * float64(d)
	}); err != nil {
		return err
	}
	if isPointSpec(f.target) {
		return evalPoints(e, f, pts, d)
	}
	tgt, err := resolveTarget(f.target)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(f.seed, 0xe7a1))
	if n > f.maxSamples {
		fmt.Fprintf(e.stderr, "eval: measuring %d of the %d samples of %s, drawn at random (--max-samples)\n", f.maxSamples, n, f.samples)
		pts, n = metric.Subsample(pts, d, f.maxSamples, rng), f.maxSamples
	}
	r := metric.Report{N: n}
	// The samples are measured against one exact draw ref of n points;
	// each floor is the mean over metric.FloorReps pairs of fresh exact
	// draws (a, b), of the two-sample metrics between a and b and of the
	// one-sample metrics of a.
	var draw func(n int, rng *rand.Rand) []float64
	var one func(x []float64) []float64 // the one-sample metrics
	var oneFields [][2]**float64        // where they and their floors go: value, floor
	var oneSD []**float64
	if tgt.mixture != nil {
		m, err := tgt.at("sigma", f.sigma)
		if err != nil {
			return err
		}
		if m.Dim() != d {
			return fmt.Errorf("%s has %d columns; the target is %d-dimensional", f.samples, d, m.Dim())
		}
		draw = drawOf(m)
		r.ModeWeights = metric.ModeWeights(m, pts)
		one = func(x []float64) []float64 { return []float64{metric.ModeWeightError(m, metric.ModeWeights(m, x))} }
		oneFields = [][2]**float64{{&r.ModeWeightError, &r.ModeWeightErrorFloor}}
		oneSD = []**float64{&r.ModeWeightErrorFloorSD}
		if err := comparePoints(e, &r, pts, d, referenceSource{d: d, draw: drawOf(m)}, f.wPoints, rng); err != nil {
			return err
		}
	} else {
		im := tgt.image
		if d != 2 {
			return fmt.Errorf("%s has %d columns; an image target needs 2 (row, column)", f.samples, d)
		}
		draw = drawOf(im)
		one = func(x []float64) []float64 {
			return []float64{metric.HistCorr(x, im.Pix, im.H, im.W), metric.HistTV(x, im.Pix, im.H, im.W)}
		}
		oneFields = [][2]**float64{{&r.HistCorr, &r.HistCorrFloor}, {&r.HistTV, &r.HistTVFloor}}
		oneSD = []**float64{&r.HistCorrFloorSD, &r.HistTVFloorSD}
		if f.sigma > 0 {
			sm, err := tgt.at("sigma", f.sigma)
			if err != nil {
				return err
			}
			draw = drawOf(sm)
			hist := metric.SmoothedImageHistogram(im, f.sigma)
			plain := one
			one = func(x []float64) []float64 {
				return append(plain(x), metric.HistCorr(x, hist, im.H, im.W), metric.HistTVSmoothed(x, im, f.sigma))
			}
			oneFields = append(oneFields, [2]**float64{&r.HistCorrSmoothed, &r.HistCorrSmoothedFloor}, [2]**float64{&r.HistTVSmoothed, &r.HistTVSmoothedFloor})
			oneSD = append(oneSD, &r.HistCorrSmoothedFloorSD, &r.HistTVSmoothedFloorSD)
		}
	}
	ref := draw(n, rng)
	for i, v := range one(pts) {
		*oneFields[i][0] = new(v)
	}
	r.SWD, r.SWDProjections = new(metric.SlicedWasserstein(pts, ref, d, f.projections, rng)), f.projections
	mmd := metric.MMDSubsample(pts, ref, d, f.mmdPoints, rng)
	r.SetMMD(mmd)
	fmt.Fprintf(e.stderr, "eval: noise floors over %d pairs of exact draws of %d points\n", metric.FloorReps, n)
	floors := metric.Floors(metric.DrawPair(draw, n), metric.FloorReps, rng, func(a, b []float64, rng *rand.Rand) []float64 {
		return append(one(a), metric.SlicedWasserstein(a, b, d, f.projections, rng), metric.MMDSubsampleAt(a, b, d, f.mmdPoints, mmd.Bandwidth, rng).MMD2)
	})
	for i := range oneFields {
		r.SetFloor(oneFields[i][1], oneSD[i], floors[i])
	}
	r.SetFloor(&r.SWDFloor, &r.SWDFloorSD, floors[len(oneFields)])
	r.SetFloor(&r.MMDFloor, &r.MMDFloorSD, floors[len(oneFields)+1])
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	return printReport(e, r)
}

// printReport prints a report as "name value" lines, in its JSON order.
func printReport(e *env, r metric.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var kv []struct {
		k string
		v any
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		var v any
		dec.Decode(&v)
		kv = append(kv, struct {
			k string
			v any
		}{k.(string), v})
	}
	for _, p := range kv {
		switch v := p.v.(type) {
		case float64:
			fmt.Fprintf(e.stdout, "%-27s %.6g\n", p.k, v)
		case []any: // a list of numbers, such as rbf_mmd at each bandwidth
			fmt.Fprintf(e.stdout, "%-27s %s\n", p.k, numberList(v))
		default:
			fmt.Fprintf(e.stdout, "%-27s %v\n", p.k, v)
		}
	}
	return nil
}

// levelError is the score error of a network at one noise level.
type levelError = metric.LevelError

// scoreErrors measures net against the exact score of im smoothed at each
// of the network's levels, on n exact draws per level. The levels must pass
// dist.CheckNoise (checkModelNoise).
func scoreErrors(net *scorenet.Net, im *dist.Image, n int, rng *rand.Rand) []levelError {
	return metric.ScoreErrors(net.AtLevel, net.Config().Sigmas, im.Smoothed, n, rng)
}

func evalModel(e *env, f evalFlags) error {
	backend, err := newBackend(f.backend)
	if err != nil {
		return err
	}
	net, err := loadNet(backend, f.model)
	if err != nil {
		return err
	}
	if err := checkModelNoise(net, f.model); err != nil {
		return err
	}
	// The draws at one level, their exact and network scores and the
	// network's activations (particleBytes) for each.
	if err := checkFits("n", f.n, "the draws at one level and their scores", func(n int) float64 {
		return float64(n) * particleBytes(net.Config().Dim, net)
	}); err != nil {
		return err
	}
	if err := refusePointModel(net, f.model, "a score error per level"); err != nil { // data.go
		return err
	}
	spec := f.target
	if spec == "" {
		var ok bool
		if spec, ok = net.Label(imageLabel); !ok {
			return usagef("--model %q does not record its training image: give --target SPEC", f.model)
		}
	}
	im, err := loadImage(spec)
	if err != nil {
		return fmt.Errorf("--target: %w", err)
	}
	errs := scoreErrors(net, im, f.n, rand.New(rand.NewPCG(f.seed, 0xf15e)))
	if f.plotOut != "" {
		choice, chooseErr := imageAutoLevel(errs, im)
		if err := saveScoreError(f.plotOut, errs, choice, chooseErr, "score error of "+f.model+" against the exact score of "+spec); err != nil {
			return err
		}
		w := e.stdout
		if f.asJSON {
			w = e.stderr // stdout holds the JSON object alone
		}
		fmt.Fprintf(w, "wrote %s\n", f.plotOut)
	}
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{"target": spec, "n": f.n, "levels": errs})
	}
	fmt.Fprintf(e.stdout, "score error of %s against the exact score of %s smoothed at each level (%d draws per level)\n", f.model, spec, f.n)
	fmt.Fprintf(e.stdout, "%5s %10s %14s %10s\n", "level", "sigma", "fisher", "relative")
	for _, le := range errs {
		fmt.Fprintf(e.stdout, "%5d %10.4g %14.5g %10.4f\n", le.Level, le.Sigma, le.Fisher, le.Relative)
	}
	return nil
}
