package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
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
			fs.IntVar(&f.wPoints, "w-points", metric.DefaultWPoints, wPointsHelp)
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

// maxWPoints bounds --w-points: the exact W₂ of 5000 points takes 20 s.
const maxWPoints = 5000

// wPointsHelp documents --w-points.
const wPointsHelp = "with --samples and a point or mixture target: measure W2, W1, RBF-MMD and the energy distance on this many samples and as many reference points (at most 5000: the exact Wasserstein distances cost O(n^3))"

func evalSamples(e *env, f evalFlags) error {
	if f.target == "" {
		return usagef("--target is required with --samples")
	}
	if hasLabelColumn(f.samples) {
		return evalLabelled(e, f) // evallabels.go
	}
	pts, d, err := readSamples(f.samples)
	if err != nil {
		return err
	}
	// The samples, two exact draws of as many and the projections of two.
	if err := checkFits("max-samples", min(len(pts)/d, f.maxSamples), fmt.Sprintf("%d-dimensional samples and their reference draws", d), func(m int) float64 {
		return 5 * 8 * float64(m) * float64(d)
	}); err != nil {
		return err
	}
	t, stream, err := evalTarget(f.target, f.sigma)
	if err != nil {
		return err
	}
	if t.Dim() != d {
		return fmt.Errorf("%s has %d columns; the target %s is %d-dimensional", f.samples, d, f.target, t.Dim())
	}
	rng := rand.New(rand.NewPCG(f.seed, stream))
	if n := len(pts) / d; n > f.maxSamples {
		fmt.Fprintf(e.stderr, "eval: measuring %d of the %d samples of %s, drawn at random (--max-samples)\n", f.maxSamples, n, f.samples)
		pts = metric.Subsample(pts, d, f.maxSamples, rng)
	}
	o := metric.EvalOptions{Projections: f.projections, MMDPoints: f.mmdPoints, WPoints: f.wPoints,
		Log: func(line string) { fmt.Fprintln(e.stderr, "eval: "+line) }}
	r, err := metric.Evaluate(pts, d, t, o, rng)
	if te := (*metric.TargetError)(nil); errors.As(err, &te) {
		return fmt.Errorf("--target %s: %w", f.target, err)
	} else if err != nil {
		return fmt.Errorf("%s: %w", f.samples, err)
	}
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	return r.WriteText(e.stdout)
}

// evalTarget reads eval's --target: a toy (its independent draws) or a
// data file, a mixture smoothed by --sigma, or an image (smoothed by
// --sigma too where it is positive); and the random stream of its report.
func evalTarget(spec string, sigma float64) (metric.Target, uint64, error) {
	if isPointSpec(spec) {
		ps, err := data.ParsePointSpec(spec)
		if err != nil {
			return metric.Target{}, 0, usagef("--target: %v", err)
		}
		if ps.Path == "" {
			return metric.Target{Source: ps.Toy.IID()}, 0xe7a2, nil
		}
		p, err := data.ReadPointsFile(ps.Path)
		if err != nil {
			return metric.Target{}, 0, fmt.Errorf("--target: %w", err)
		}
		return metric.Target{Points: p.Data, D: p.D}, 0xe7a2, nil
	}
	tgt, err := resolveTarget(spec)
	if err != nil {
		return metric.Target{}, 0, err
	}
	if tgt.image != nil && sigma == 0 {
		return metric.Target{Image: tgt.image}, 0xe7a1, nil
	}
	m, err := tgt.at("sigma", sigma) // checks σ
	if tgt.image != nil {
		return metric.Target{Image: tgt.image, Sigma: sigma}, 0xe7a1, err
	}
	return metric.Target{Mixture: m}, 0xe7a1, err
}

func evalModel(e *env, f evalFlags) error {
	backend, err := newBackend(f.backend)
	if err != nil {
		return err
	}
	m, err := model.Open(f.model, scorenet.WithBackend(backend))
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	// The draws at one level, their exact and network scores and the
	// network's activations (model.ParticleBytes) for each.
	if err := checkFits("n", f.n, "the draws at one level and their scores", func(n int) float64 {
		return float64(n) * model.ParticleBytes(m.Dim(), m.Net())
	}); err != nil {
		return err
	}
	if _, points := m.Standardizer(); points {
		return usagef("--model %s models point data: a score error per level needs an image's exact score; measure its samples with sgm eval --samples F --target DATA", f.model)
	}
	spec, ok := f.target, true
	if spec == "" {
		if spec, ok = m.Net().Label(model.LabelImage); !ok {
			return usagef("--model %q does not record its training image: give --target SPEC", f.model)
		}
	}
	im, err := model.OpenImage(spec)
	if err != nil {
		return fmt.Errorf("--target: %w", err)
	}
	errs, err := m.ScoreErrors(im, f.n, rand.New(rand.NewPCG(f.seed, 0xf15e)))
	if err != nil {
		return fmt.Errorf("--model %s: %w", f.model, err)
	}
	if f.plotOut != "" {
		choice, chooseErr := metric.ImageAutoLevel(errs, im, defaultModelStepSize, autoTolerance)
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

// readSamples reads eval's and plot hist's --samples as every point file
// is read (data.ReadPointsFile: .csv, the header optional, or .npy). It
// returns the points and their dimension.
func readSamples(path string) ([]float64, int, error) {
	p, err := data.ReadPointsFile(path)
	return p.Data, p.D, err
}
