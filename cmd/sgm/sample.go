package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

// Samplers that "sgm sample --sampler" knows.
const (
	samplerLangevin = "langevin"
	samplerAnnealed = "annealed"
	samplerMALA     = "mala"
	samplerHMC      = "hmc"
)

type sampleFlags struct {
	target, model, out, path, init, backend, sampler, sigmas, level string
	n, steps, burnIn, every, stepsPerLevel, leapfrog                int
	stepSize, eps, sigma, autoTol                                   float64
	reference                                                       string
	seed                                                            uint64
	denoise                                                         bool
	set                                                             map[string]bool // flags given on the command line
	cond                                                            condFlags       // --label, --guidance, --given: samplecond.go
}

func (f *sampleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "analytic target `SPEC`: a mixture JSON file, a preset ("+strings.Join(dist.PresetNames(), ", ")+"), or an image (mnist:train:0, a PNG, ...) whose σ-smoothed version is sampled exactly")
	fs.StringVar(&f.model, "model", "", "trained score network: checkpoint `DIR` written by sgm train")
	fs.StringVar(&f.level, "level", "", "with --model: noise level index whose score drives plain Langevin (default: the blog post's 17 for a model of an image; annealed sampling of a model of points goes down to its last level), or auto: the smallest level whose measured score error (sgm eval --model) is below --auto-tolerance among those sharp enough and resolved by --step-size; with a warning, a fallback where none is (see below)")
	fs.Float64Var(&f.autoTol, "auto-tolerance", autoTolerance, "with --level auto: largest relative score error σ²E‖s_θ−s*‖² / σ²E‖s*‖² accepted")
	fs.StringVar(&f.reference, "reference", "", "with --level auto: the image `SPEC` the model learned (default: the one recorded in the checkpoint)")
	fs.Float64Var(&f.sigma, "sigma", 0, "with --target: sample the target smoothed by N(0, σ²I) (default 0 for mixtures; 0.0221, the blog post's level 17, for images)")
	fs.StringVar(&f.sampler, "sampler", "", "langevin (plain, the blog post's), annealed (Song & Ermon's Algorithm 1), mala or hmc (Metropolis-corrected; need log p: --target, not --model); with --sde or a --model trained with --sde: em, pc, ode, heun, ddim or dpm2m; a --model trained with cfm or otcfm: ode, euler or heun. Default: langevin for a --target and a model of an image; annealed over the model's own levels with --denoise for a model of points (sgm train --data); ddim (DDPM's ancestral sampler, --eta 1 --nfe 100) for a model trained with --sde vp; ode for one trained with --sde ve or subvp, cfm or otcfm")
	fs.IntVar(&f.n, "n", 1000, "number of particles (independent chains)")
	fs.IntVar(&f.steps, "steps", 1000, "steps (langevin, mala, hmc)")
	fs.Float64Var(&f.stepSize, "step-size", 0, "step size η in x += (η/2) score + √η z (default 0.01 for mixtures, 0.001 for images and models of images: the blog post's)")
	fs.IntVar(&f.leapfrog, "leapfrog", 10, "hmc: leapfrog steps per iteration")
	fs.StringVar(&f.sigmas, "sigmas", "", "annealed: noise levels MAX,MIN,L (geometric, largest first); with --model the network's own levels between MAX and MIN are used (default: all of them down to --level)")
	fs.IntVar(&f.stepsPerLevel, "steps-per-level", 100, "annealed: Langevin steps T at each level (a model of point data: 5, with --eps 1e-4, unless either is given)")
	fs.Float64Var(&f.eps, "eps", 2e-5, "annealed: ε; level i takes steps α_i = ε σ_i²/σ_L² (the η of the update above)")
	fs.BoolVar(&f.denoise, "denoise", false, "annealed: finish with the denoising step x += σ_L² s(x, σ_L)")
	fs.StringVar(&f.init, "init", "", "starting points: normal:STD (around the origin), uniform:LO,HI (a box), or point:X,Y,... (default normal:0.5 for mixtures, as the blog post; uniform:0,1 for images and models of images; normal:σ_max, the largest noise level, for models of points)")
	fs.IntVar(&f.burnIn, "burn-in", 0, "if > 0, pool every chain's states after this many steps instead of writing only the final states")
	fs.IntVar(&f.every, "every", 1, "with --burn-in: keep every k-th step")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed")
	fs.StringVar(&f.out, "out", "samples.csv", "samples `FILE` (CSV, a header row, one sample per row)")
	fs.StringVar(&f.path, "path", "", "also write the path of particle 0 to this CSV `FILE`")
	fs.StringVar(&f.backend, "backend", "go", backendFlagHelp)
	f.cond.register(fs)
}

func (f *sampleFlags) validate(fs *flag.FlagSet) error {
	f.set = givenFlags(fs)
	switch {
	case f.target == "" && f.model == "":
		return usagef("give --target SPEC (an analytic density or an image) or --model DIR (a trained network)")
	case f.target != "" && f.model != "":
		return usagef("give one of --target and --model, not both")
	}
	switch f.sampler {
	case samplerLangevin, samplerAnnealed, samplerMALA, samplerHMC:
	default:
		return usagef("--sampler %q: want langevin, annealed, mala or hmc", f.sampler)
	}
	if f.set["step-size"] {
		if err := checkPositive("step-size", f.stepSize); err != nil {
			return err
		}
	}
	if f.set["sigma"] && !(f.sigma > 0) {
		return usagef("--sigma must be a positive number, got %v", f.sigma)
	}
	if f.set["sigma"] && f.model != "" {
		return usagef("--sigma goes with --target; a model's noise level is chosen with --level")
	}
	// Flags that would be ignored are refused, so that none is silently.
	annealed := f.sampler == samplerAnnealed
	for _, c := range []struct {
		flag    string
		applies bool
		only    string
	}{
		{"level", f.model != "" && !(annealed && f.sigmas != ""), "with --model, and not with --sigmas, which gives annealed sampling its levels"},
		{"backend", f.model != "", "with --model (analytic targets are sampled in Go)"},
		{"auto-tolerance", f.level == "auto", "with --level auto"},
		{"reference", f.level == "auto", "with --level auto"},
		{"steps", !annealed, "to langevin, mala and hmc (annealed takes --steps-per-level at each level)"},
		{"step-size", !annealed, "to langevin, mala and hmc (annealed takes --eps)"},
		{"leapfrog", f.sampler == samplerHMC, "to --sampler hmc"},
		{"sigmas", annealed, "to --sampler annealed"},
		{"steps-per-level", annealed, "to --sampler annealed"},
		{"eps", annealed, "to --sampler annealed"},
		{"denoise", annealed, "to --sampler annealed"},
		{"every", f.burnIn > 0, "with --burn-in"},
		{"sigma", !annealed || f.sigmas == "", "to annealed sampling without --sigmas (it then sets the smallest level of an image's)"},
	} {
		if f.set[c.flag] && !c.applies {
			return usagef("--%s applies only %s", c.flag, c.only)
		}
	}
	if err := firstErr(checkPositive("eps", f.eps), checkAtLeast("n", f.n, 1)); err != nil {
		return err
	}
	for _, c := range []struct {
		name     string
		v, least int
	}{{"steps", f.steps, 1}, {"burn-in", f.burnIn, 0}, {"every", f.every, 1},
		{"steps-per-level", f.stepsPerLevel, 1}, {"leapfrog", f.leapfrog, 1}} {
		if err := checkCount(c.name, c.v, c.least); err != nil {
			return err
		}
	}
	// --n is bounded by memory, once the dimension is known (checkSizes).
	// Annealed runs know their length once the schedule is read (runSample
	// checks it there).
	if f.sampler != samplerAnnealed && f.burnIn > 0 {
		if err := f.checkPool(f.steps, "steps"); err != nil {
			return err
		}
	}
	if err := checkOutput("out", f.out, ".csv"); err != nil {
		return err
	}
	if f.path != "" {
		if filepath.Clean(f.path) == filepath.Clean(f.out) {
			return usagef("--path %q is --out too; give the path its own file", f.path)
		}
		return checkOutput("path", f.path, ".csv")
	}
	return nil
}

func init() {
	register(&command{
		name:    "sample",
		args:    "(--target SPEC | --model DIR [--level L]) [--sampler S] [--n N] [--steps T] [--step-size ETA] [--out FILE.csv]",
		summary: "draw samples: Langevin (plain or annealed), MALA, HMC, or the reverse SDE / probability-flow ODE samplers",
		detail: `Runs N chains and writes their final states (or, with --burn-in, their pooled
states after burn-in) as CSV. The same --seed gives the same samples.

Step-size convention (the blog post's, and Song & Ermon's Algorithm 1): a
Langevin step of size η is  x <- x + (η/2) s(x) + sqrt(η) z,  z ~ N(0, I).

Score sources:
  --target a mixture (preset or JSON)   exact score; --sigma > 0 smooths it
  --target an image (mnist:train:0...)   exact score of the image smoothed
                                         by N(0, σ²I): a Gaussian mixture
                                         over pixel centres (the oracle)
  --model DIR                            a trained network at --level

Samplers:
  langevin   plain Langevin with --step-size for --steps steps
  annealed   Song & Ermon (2019) Algorithm 1: --steps-per-level T steps at
             each of the levels --sigmas MAX,MIN,L (largest first) with step
             α_i = ε σ_i²/σ_L²; --denoise adds x += σ_L² s(x, σ_L)
  mala, hmc  Metropolis-adjusted Langevin / Hamiltonian Monte Carlo, which
             need log p: a --target (a mixture, or an image smoothed by
             --sigma), not a --model; they report the acceptance rate

--level auto measures, at every level of the model, the relative score
error against the exact score of the smoothed training image (as sgm eval
--model) and the level's sharpness: the hist_corr that exact samples of the
image smoothed at its σ would reach. Usable levels are sharp (sharpness >=
0.8) and resolved by the step size (η <= 4σ²). It takes the usable level of
least σ whose error is within --auto-tolerance. Where there is none it warns
on stderr and takes the usable level of least error, or, when no level at
all is within the tolerance (a network barely trained), the blog post's
level 17.

A mixture JSON file looks like
  {"components": [{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]},
                  {"weight": 0.8, "mean": [5, 5], "std": [1, 1]}]}
(weights are normalised).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var f sampleFlags
			f.register(fs)
			sf := registerSDEFlags(fs, true, sample.DefaultFlowTol, sample.DefaultFlowTol) // --sde and its samplers: sdesample.go
			return func(ctx context.Context, e *env) error {
				if f.set = givenFlags(fs); f.cond.wanted(f.set) {
					sf.set = f.set
					return runCondSample(e, f, sf) // samplecond.go
				}
				if f.model != "" {
					return sampleModel(e, fs, f, sf) // samplemodel.go
				}
				// Defaults that depend on the model, left out of the
				// flags' help (whose own would be wrong for some).
				f.sampler = cmp.Or(f.sampler, samplerLangevin)
				f.level = cmp.Or(f.level, "17")
				if ok, err := sdeSample(e, fs, sf, f); ok {
					return err
				}
				if err := f.validate(fs); err != nil {
					return err
				}
				return runSample(e, f)
			}
		},
	})
}

// target is what --target names (model.Target), with the fields and the
// smoothing eval reads.
type target struct {
	*model.Target
	mixture *dist.Mixture
	image   *dist.Image
}

// resolveTarget reads a mixture (preset or JSON file) or an image spec
// (model.OpenTarget).
func resolveTarget(spec string) (target, error) {
	t, err := model.OpenTarget(spec)
	var de *model.DataError
	switch {
	case errors.Is(err, model.ErrNoTarget):
		return target{}, usagef("--target %v", err)
	case errors.As(err, &de):
		return target{}, usagef("--target: %v", err)
	case err != nil:
		return target{}, fmt.Errorf("--target: %w", err)
	}
	return target{t, t.Mixture, t.Image}, nil
}

// at is Target.At, its error naming --flag.
func (t target) at(flag string, sigma float64) (*dist.Mixture, error) {
	m, err := t.At(sigma)
	if err != nil {
		return nil, usagef("--%s: %v", flag, err)
	}
	return m, nil
}

// seedSigma is the blog post's sampling level: level 17 of its grid, σ ≈ 0.0221.
func seedSigma() float64 { return sgm.SeedSchedule()[17] }

// checkModelNoise refuses a network with a noise level outside the range
// where the smoothed images it is compared with are defined
// (dist.CheckNoise): train accepted such levels once, and a network
// conditioned on σ = 1e-300 scores nothing that can be measured.
func checkModelNoise(net *scorenet.Net, dir string) error {
	for l, s := range net.Config().Sigmas {
		if err := dist.CheckNoise(s); err != nil {
			return fmt.Errorf("--model %q: level %d: %v; retrain with noise levels in that range", dir, l, err)
		}
	}
	return nil
}

// checkSizes refuses, before anything is allocated, a run whose particles
// (--n), pooled states (--burn-in) or path of particle 0 (--path) would
// not fit in memory. steps(v) is the number of updates for the value v of
// the flag stepsFlag that sets the run's length.
func (f *sampleFlags) checkSizes(d int, perParticle float64, stepsFlag string, steps func(v int) float64) error {
	if err := checkFits("n", f.n, "the particles", func(n int) float64 { return float64(n) * perParticle }); err != nil {
		return err
	}
	stepsValue := f.steps
	if stepsFlag != "steps" {
		stepsValue = f.stepsPerLevel
	}
	if f.burnIn > 0 {
		kept := math.Ceil((steps(stepsValue) - float64(f.burnIn)) / float64(f.every))
		if err := checkFits("n", f.n, fmt.Sprintf("pooling %.0f states of every particle (--burn-in, --every)", kept), func(n int) float64 {
			return float64(n) * (perParticle + kept*8*float64(d))
		}); err != nil {
			return err
		}
	}
	if f.path != "" {
		return checkFits(stepsFlag, stepsValue, "the path of particle 0 (--path)", func(v int) float64 {
			return (steps(v) + 1) * 8 * float64(d)
		})
	}
	return nil
}

// runSample samples --target with model.Target.Sample as the flags say,
// writes the samples, then prints one line saying what it did.
func runSample(e *env, f sampleFlags) error {
	t, err := resolveTarget(f.target)
	if err != nil {
		return err
	}
	o := model.TargetOptions{Sampler: f.sampler, Steps: f.steps, Leapfrog: f.leapfrog, StepsPerLevel: f.stepsPerLevel, Eps: f.eps, Denoise: f.denoise}
	if f.set["step-size"] {
		o.StepSize = f.stepSize
	}
	if f.set["sigma"] {
		o.Sigma = f.sigma
		if err := t.CheckNoise(f.sigma); err != nil {
			return usagef("--sigma: %v", err)
		}
	}
	d := t.Dim()
	total, steps := f.steps, func(v int) float64 { return float64(v) }
	if f.sampler == samplerAnnealed {
		a, err := f.annealed(t)
		if err != nil {
			return err
		}
		o.Sigmas, total = a.Sigmas, a.Steps()
		steps = func(v int) float64 {
			return float64(len(a.Sigmas))*float64(v) + float64(a.Steps()-len(a.Sigmas)*a.StepsPerLevel)
		}
		if err := f.checkSizes(d, model.ParticleBytes(d, nil), "steps-per-level", steps); err != nil {
			return err
		}
		if f.burnIn > 0 {
			if err := f.checkPool(a.Steps(), "annealed steps"); err != nil {
				return err
			}
		}
	} else if err := f.checkSizes(d, model.ParticleBytes(d, nil), "steps", steps); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(f.seed, 0x5a3b1e))
	if f.set["init"] {
		if o.Init, err = initialPoints(f.init, f.n, d, rng); err != nil {
			return err
		}
	}
	var rec recorders
	o.Observe = rec.observer(&f, d, total, e.stderr)
	began := time.Now()
	x, st, err := t.Sample(nil, f.n, rng, o)
	if err != nil {
		return err
	}
	report := fmt.Sprintf("plain Langevin, %d steps of η=%g", st.Steps, st.StepSize)
	switch st.Sampler {
	case samplerAnnealed:
		s := st.Sigmas
		report = fmt.Sprintf("annealed Langevin, %d levels σ=%.3g..%.3g, %d steps each, ε=%g", len(s), s[0], s[len(s)-1], st.StepsPerLevel, st.StepSize)
	case samplerMALA, samplerHMC:
		report = fmt.Sprintf("%s, %d steps of size %g, acceptance rate %.3f", strings.ToUpper(st.Sampler), st.Steps, st.StepSize, sample.Stats{Accepted: st.Accepted, Proposed: st.Proposed}.AcceptanceRate())
	}
	return f.finish(e, rec, d, x, st, report, began)
}

// recorders are what a run's observer fills: the states after --burn-in
// and the path of particle 0 (--path).
type recorders struct {
	pool sample.Pool
	path sample.Path
}

// observer returns the Step callback that fills r as the flags ask and,
// for a run of total steps (0: none known), reports progress on log.
func (r *recorders) observer(f *sampleFlags, d, total int, log io.Writer) func(model.Step) {
	r.pool, r.path = sample.Pool{BurnIn: f.burnIn, Every: f.every}, sample.Path{Particle: 0, Dim: d}
	prog := newProgress(log, "sample", "steps", total)
	return func(s model.Step) {
		if f.burnIn > 0 {
			r.pool.Observe(s.N, s.X)
		}
		if f.path != "" {
			r.path.Observe(s.N, s.X)
		}
		if total > 0 {
			prog.update(s.N)
		}
	}
}

// finish writes the samples x of a run began at began (the pooled states
// with --burn-in) and the path, and prints the line that reports it.
func (f *sampleFlags) finish(e *env, r recorders, d int, x []float64, st model.Stats, report string, began time.Time) error {
	if f.burnIn > 0 {
		if f.burnIn >= st.Steps {
			return usagef("--burn-in %d leaves none of the %d steps to keep", f.burnIn, st.Steps)
		}
		x = r.pool.Points
	}
	if err := f.writeSamples(d, x, r.path.Points, report); err != nil {
		return err
	}
	chains := ""
	if st.Accepted+st.Proposed > 0 || st.Sampler == model.Langevin || st.Sampler == model.Annealed {
		chains = fmt.Sprintf("%d chains; ", f.n)
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (%s%s; %.1fs)\n", len(x)/d, f.out, chains, report, time.Since(began).Seconds())
	return nil
}

// writeSamples writes the samples out (and the path of particle 0 with
// --path), refusing, with nothing written, samples that are not finite.
func (f *sampleFlags) writeSamples(d int, out, path []float64, report string) error {
	if bad := metric.NonFiniteRows(out, d); bad > 0 {
		return fmt.Errorf("%d of %d samples are not finite: the chains diverged (%s); try a smaller step size; nothing written", bad, len(out)/d, report)
	}
	header := coordHeader(d)
	if err := data.WriteCSVFile(f.out, header, out); err != nil {
		return err
	}
	if f.path != "" {
		return data.WriteCSVFile(f.path, header, path)
	}
	return nil
}

// annealed returns the annealed sampler --sigmas (MAX,MIN,L; by default
// 1,0.01,10, or 1,σ,10 on an image) and the other flags ask for, checked
// against the target.
func (f *sampleFlags) annealed(t target) (sample.Annealed, error) {
	a := sample.Annealed{StepsPerLevel: f.stepsPerLevel, Eps: f.eps, Denoise: f.denoise}
	spec := f.sigmas
	if spec == "" {
		spec = "1,0.01,10"
		if t.image != nil {
			spec = fmt.Sprintf("1,%g,10", cmp.Or(f.sigma, seedSigma()))
		} else if f.set["sigma"] {
			return a, usagef("--sigma: annealed sampling of a mixture takes its levels from --sigmas")
		}
	}
	v, err := parseFloats("sigmas", spec, 3)
	if err != nil {
		return a, err
	}
	if !(v[2] >= 1 && v[2] <= maxCount && v[2] == math.Trunc(v[2])) {
		return a, usagef("--sigmas %q: want MAX,MIN,L with MAX >= MIN > 0 and a whole L >= 1", spec)
	}
	// Each level is a mixture of the target's components, kept for the run.
	perLevel := 80 * float64(t.Components())
	if err := checkFits("sigmas", int(v[2]), "the levels' smoothed targets (L of --sigmas MAX,MIN,L)", func(l int) float64 { return float64(l) * perLevel }); err != nil {
		return a, err
	}
	if a.Sigmas, err = sample.GeometricSigmas(v[0], v[1], int(v[2])); err != nil {
		return a, usagef("--sigmas %q (MAX,MIN,L): %v", spec, err)
	}
	for _, s := range a.Sigmas {
		if err := t.CheckNoise(s); err != nil {
			return a, usagef("--sigmas: %v", err)
		}
	}
	if float64(len(a.Sigmas))*float64(a.StepsPerLevel) > maxCount {
		return a, usagef("--steps-per-level %d at %d levels is %g steps; a run takes at most %d (2^40)",
			a.StepsPerLevel, len(a.Sigmas), float64(len(a.Sigmas))*float64(a.StepsPerLevel), maxCount)
	}
	if step := a.StepSize(0); math.IsInf(step, 0) {
		return a, usagef("--sigmas and --eps: the first level's step size ε σ_1²/σ_L² = %g × (%g/%g)² overflows", a.Eps, a.Sigmas[0], a.Sigmas[len(a.Sigmas)-1])
	}
	return a, nil
}

// chooseLevel parses a --level index.
func chooseLevel(spec string, net *scorenet.Net) (int, error) {
	grid := net.Config().Sigmas
	l, err := parseInts("level", spec)
	if err != nil || len(l) != 1 {
		return 0, usagef("--level %q: want a level index or auto", spec)
	}
	if l[0] < 0 || l[0] >= len(grid) {
		return 0, usagef("--level %d out of range: the model has levels 0..%d", l[0], len(grid)-1)
	}
	return l[0], nil
}

// defaultModelStepSize is plain Langevin's step size with a --model of
// an image: the blog post's η.
const defaultModelStepSize = 1e-3

// autoLevel picks the level for plain Langevin with step size stepSize
// (model.AutoLevel: measured against the exact score of the smoothed
// training image, as sgm eval --model, and each level's sharpness). It
// prints its choice on stderr, and a warning where it falls back.
func autoLevel(e *env, m *model.Model, reference string, tol, stepSize float64, seed uint64) (int, error) {
	if !(tol > 0) {
		return 0, usagef("--auto-tolerance must be positive, got %v", tol)
	}
	if reference == "" {
		var ok bool
		if reference, ok = m.Net().Label(imageLabel); !ok {
			return 0, usagef("--level auto: the checkpoint does not record its training image; give --reference SPEC")
		}
	}
	im, err := model.OpenImage(reference)
	if err != nil {
		return 0, fmt.Errorf("--reference: %w", err)
	}
	choice, err := m.AutoLevel(im, stepSize, tol, 1000, rand.New(rand.NewPCG(seed, 0xa070)))
	if err != nil {
		return 0, usagef("--level auto: %v; give --level or another --step-size", err)
	}
	prefix := "level auto: "
	if choice.Warn {
		prefix += "warning: "
	}
	fmt.Fprintf(e.stderr, "%s%s; measured against %s\n", prefix, choice.Message, reference)
	return choice.Level, nil
}

// initialPoints is sample.ParseInit of --init, its error naming the flag.
func initialPoints(spec string, n, d int, rng *rand.Rand) ([]float64, error) {
	x, err := sample.ParseInit(spec, n, d, rng)
	if err != nil {
		return nil, usagef("--init %v", err)
	}
	return x, nil
}

// coordHeader names the d coordinates x0, x1, ...
func coordHeader(d int) []string {
	h := make([]string, d)
	for i := range h {
		h[i] = fmt.Sprintf("x%d", i)
	}
	return h
}

// checkPool returns a usage error naming --burn-in and --every when they
// keep none of a run's steps (sample.Pool.Kept): 200 steps with --burn-in
// 150 --every 51 wrote 0 samples and exited 0.
func (f *sampleFlags) checkPool(steps int, what string) error {
	p := sample.Pool{BurnIn: f.burnIn, Every: f.every}
	switch {
	case p.Kept(steps) > 0:
		return nil
	case f.burnIn >= steps:
		return usagef("--burn-in %d leaves none of the %d %s to keep", f.burnIn, steps, what)
	}
	return usagef("--burn-in %d --every %d keep none of the %d %s: the first kept would be step %d; give --every at most %d",
		f.burnIn, f.every, steps, what, f.burnIn+f.every, steps-f.burnIn)
}
