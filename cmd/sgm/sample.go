package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
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
	levelIdx                                                        int             // --level resolved against the model
	set                                                             map[string]bool // flags given on the command line
}

func (f *sampleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "analytic target `SPEC`: a mixture JSON file, a preset ("+strings.Join(dist.PresetNames(), ", ")+"), or an image (mnist:train:0, a PNG, ...) whose σ-smoothed version is sampled exactly")
	fs.StringVar(&f.model, "model", "", "trained score network: checkpoint `DIR` written by sgm train")
	fs.StringVar(&f.level, "level", "17", "with --model: noise level index whose score drives plain Langevin (the seed's 17), or auto: the smallest level whose measured score error (sgm eval --model) is below --auto-tolerance")
	fs.Float64Var(&f.autoTol, "auto-tolerance", autoTolerance, "with --level auto: largest relative score error σ²E‖s_θ−s*‖² / σ²E‖s*‖² accepted")
	fs.StringVar(&f.reference, "reference", "", "with --level auto: the image `SPEC` the model learned (default: the one recorded in the checkpoint)")
	fs.Float64Var(&f.sigma, "sigma", 0, "with --target: sample the target smoothed by N(0, σ²I) (default 0 for mixtures; 0.0221, the seed's level 17, for images)")
	fs.StringVar(&f.sampler, "sampler", samplerLangevin, "langevin (plain, the seed's), annealed (Song & Ermon's Algorithm 1), mala or hmc (Metropolis-corrected; need log p: --target, not --model)")
	fs.IntVar(&f.n, "n", 1000, "number of particles (independent chains)")
	fs.IntVar(&f.steps, "steps", 1000, "steps (langevin, mala, hmc)")
	fs.Float64Var(&f.stepSize, "step-size", 0, "step size η in x += (η/2) score + √η z (default 0.01 for mixtures, 0.001 for images and models: the seed's)")
	fs.IntVar(&f.leapfrog, "leapfrog", 10, "hmc: leapfrog steps per iteration")
	fs.StringVar(&f.sigmas, "sigmas", "", "annealed: noise levels MAX,MIN,L (geometric, largest first); with --model the network's own levels between MAX and MIN are used (default: all of them down to --level)")
	fs.IntVar(&f.stepsPerLevel, "steps-per-level", 100, "annealed: Langevin steps T at each level")
	fs.Float64Var(&f.eps, "eps", 2e-5, "annealed: ε; level i takes steps α_i = ε σ_i²/σ_L² (the η of the update above)")
	fs.BoolVar(&f.denoise, "denoise", false, "annealed: finish with the denoising step x += σ_L² s(x, σ_L)")
	fs.StringVar(&f.init, "init", "", "starting points: normal:STD (around the origin), uniform:LO,HI (a box), or point:X,Y,... (default normal:0.5 for mixtures, as the seed; uniform:0,1 for images and models)")
	fs.IntVar(&f.burnIn, "burn-in", 0, "if > 0, pool every chain's states after this many steps instead of writing only the final states")
	fs.IntVar(&f.every, "every", 1, "with --burn-in: keep every k-th step")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed")
	fs.StringVar(&f.out, "out", "samples.csv", "samples `FILE` (CSV, a header row, one sample per row)")
	fs.StringVar(&f.path, "path", "", "also write the path of particle 0 to this CSV `FILE`")
	fs.StringVar(&f.backend, "backend", "go", backendFlagHelp)
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
	if err := checkPositive("eps", f.eps); err != nil {
		return err
	}
	for _, c := range []struct {
		name     string
		v, least int
	}{{"n", f.n, 1}, {"steps", f.steps, 1}, {"burn-in", f.burnIn, 0}, {"every", f.every, 1},
		{"steps-per-level", f.stepsPerLevel, 1}, {"leapfrog", f.leapfrog, 1}} {
		if err := checkAtLeast(c.name, c.v, c.least); err != nil {
			return err
		}
	}
	// Annealed runs know their length once the schedule is read (runSample
	// checks it there).
	if f.sampler != samplerAnnealed && f.burnIn > 0 && f.burnIn >= f.steps {
		return usagef("--burn-in %d leaves none of the %d steps to keep", f.burnIn, f.steps)
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
		summary: "draw samples with Langevin dynamics (plain or annealed), MALA or HMC",
		detail: `Runs N chains and writes their final states (or, with --burn-in, their pooled
states after burn-in) as CSV. The same --seed gives the same samples.

Step-size convention (the seed's, and Song & Ermon's Algorithm 1): a Langevin
step of size η is  x <- x + (η/2) s(x) + sqrt(η) z,  z ~ N(0, I).

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

A mixture JSON file looks like
  {"components": [{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]},
                  {"weight": 0.8, "mean": [5, 5], "std": [1, 1]}]}
(weights are normalised).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var f sampleFlags
			f.register(fs)
			return func(ctx context.Context, e *env) error {
				if err := f.validate(fs); err != nil {
					return err
				}
				return runSample(e, f)
			}
		},
	})
}

// target is what --target names: a mixture, or an image whose smoothed
// versions are mixtures.
type target struct {
	mixture *dist.Mixture
	image   *dist.Image
}

// resolveTarget reads a mixture (preset or JSON file) or an image spec.
func resolveTarget(spec string) (target, error) {
	isJSON := strings.EqualFold(filepath.Ext(spec), ".json")
	isPreset := false
	for _, p := range dist.PresetNames() {
		isPreset = isPreset || p == spec
	}
	if _, err := os.Stat(spec); err != nil && !isPreset && (isJSON || !strings.Contains(spec, ":")) {
		return target{}, usagef("--target %q: no such file, and not a preset (%s)", spec, strings.Join(dist.PresetNames(), ", "))
	}
	if isJSON || isPreset {
		m, err := dist.Target(spec)
		if err != nil {
			return target{}, usagef("--target: %v", err)
		}
		return target{mixture: m}, nil
	}
	im, err := loadImage(spec)
	if err != nil {
		return target{}, fmt.Errorf("--target: %w", err)
	}
	return target{image: im}, nil
}

// seedSigma is the seed's sampling level: level 17 of its grid, σ ≈ 0.0221.
func seedSigma() float64 { return sgm.SeedSchedule()[17] }

// at returns the target's density smoothed by N(0, σ²I) (σ = 0: the mixture
// itself; an image needs σ > 0).
func (t target) at(sigma float64) *dist.Mixture {
	if t.image != nil {
		return t.image.Smoothed(sigma)
	}
	if sigma == 0 {
		return t.mixture
	}
	return t.mixture.Perturbed(sigma)
}

func runSample(e *env, f sampleFlags) error {
	var (
		tgt   target
		net   *scorenet.Net
		score sgm.Scorer // plain Langevin's score
		d     = 2
		err   error
	)
	if f.target != "" {
		if tgt, err = resolveTarget(f.target); err != nil {
			return err
		}
		if tgt.image != nil && !f.set["sigma"] {
			f.sigma = seedSigma()
		}
		if tgt.image != nil && !f.set["init"] {
			f.init = "uniform:0,1"
		}
		score = tgt.at(f.sigma)
		d = score.Dim()
	} else {
		backend, err := newBackend(f.backend)
		if err != nil {
			return err
		}
		if net, err = loadNet(backend, f.model); err != nil {
			return err
		}
		d = net.Config().Dim
		switch {
		case f.sampler == samplerAnnealed && f.sigmas != "":
			// The levels come from --sigmas; --level plays no part.
		case f.level == "auto":
			if f.levelIdx, err = autoLevel(e, net, f.reference, f.autoTol, f.seed); err != nil {
				return err
			}
		default:
			if f.levelIdx, err = chooseLevel(f.level, net); err != nil {
				return err
			}
		}
		score = net.AtLevel(f.levelIdx)
		if !f.set["init"] {
			f.init = "uniform:0,1"
		}
	}
	if f.init == "" {
		f.init = "normal:0.5"
	}
	if !f.set["step-size"] { // the seed's: 0.01 on its mixture, 0.001 on the image
		f.stepSize = 1e-3
		if tgt.mixture != nil {
			f.stepSize = 1e-2
		}
	}
	rng := rand.New(rand.NewPCG(f.seed, 0x5a3b1e))
	x, err := initialPoints(f.init, f.n, d, rng)
	if err != nil {
		return err
	}
	var observers []sample.Observer
	path := sample.Path{Particle: 0, Dim: d}
	if f.path != "" {
		path.Points = append(path.Points, x[:d]...)
		observers = append(observers, path.Observe)
	}
	pool := sample.Pool{BurnIn: f.burnIn, Every: f.every}
	if f.burnIn > 0 {
		observers = append(observers, pool.Observe)
	}
	began := time.Now()
	report := ""
	switch f.sampler {
	case samplerLangevin:
		report = fmt.Sprintf("plain Langevin, %d steps of η=%g", f.steps, f.stepSize)
		if net != nil && len(observers) == 0 {
			var m *modelLangevin
			if m, err = newModelLangevin(net, f.levelIdx, f.stepSize, f.steps); err != nil {
				return err
			}
			if m.chain != nil {
				report += fmt.Sprintf(" in compiled loops of %d", m.perCall)
			}
			err = m.run(x, f.steps, rng)
			break
		}
		err = sample.Langevin{StepSize: f.stepSize, Steps: f.steps}.Run(x, score, rng, observers...)
	case samplerAnnealed:
		var a sample.Annealed
		var levels sample.Levels
		if a, levels, err = f.annealed(tgt, net); err != nil {
			return err
		}
		if f.burnIn >= a.Steps() {
			return usagef("--burn-in %d leaves none of the %d annealed steps to keep", f.burnIn, a.Steps())
		}
		err = a.Run(x, levels, rng, observers...)
		report = fmt.Sprintf("annealed Langevin, %d levels σ=%.3g..%.3g, %d steps each, ε=%g", len(a.Sigmas), a.Sigmas[0], a.Sigmas[len(a.Sigmas)-1], a.StepsPerLevel, a.Eps)
	case samplerMALA, samplerHMC:
		if tgt.mixture == nil && tgt.image == nil {
			return usagef("--sampler %s needs log p: use --target, not --model", f.sampler)
		}
		var st sample.Stats
		if f.sampler == samplerMALA {
			st, err = sample.MALA{StepSize: f.stepSize, Steps: f.steps}.Run(x, score.(*dist.Mixture), rng, observers...)
		} else {
			st, err = sample.HMC{StepSize: f.stepSize, LeapfrogSteps: f.leapfrog, Steps: f.steps}.Run(x, score.(*dist.Mixture), rng, observers...)
		}
		report = fmt.Sprintf("%s, %d steps of size %g, acceptance rate %.3f", strings.ToUpper(f.sampler), f.steps, f.stepSize, st.AcceptanceRate())
	}
	if err != nil {
		return err
	}
	out := x
	if f.burnIn > 0 {
		out = pool.Points
	}
	if bad := nonFiniteRows(out, d); bad > 0 {
		return fmt.Errorf("%d of %d samples are not finite: the chains diverged (%s); try a smaller step size; nothing written", bad, len(out)/d, report)
	}
	header := coordHeader(d)
	if err := data.WriteCSVFile(f.out, header, out); err != nil {
		return err
	}
	if f.path != "" {
		if err := data.WriteCSVFile(f.path, header, path.Points); err != nil {
			return err
		}
	}
	if net != nil && !(f.sampler == samplerAnnealed && f.sigmas != "") {
		report += fmt.Sprintf(", model level %d (σ=%.3g)", f.levelIdx, net.Config().Sigmas[f.levelIdx])
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (%d chains; %s; %.1fs)\n",
		len(out)/d, f.out, f.n, report, time.Since(began).Seconds())
	return nil
}

// nonFiniteRows counts the points (rows of d values) with a NaN or an
// infinite coordinate.
func nonFiniteRows(x []float64, d int) int {
	bad := 0
	for i := 0; i < len(x); i += d {
		for _, v := range x[i : i+d] {
			if !finite(v) {
				bad++
				break
			}
		}
	}
	return bad
}

// annealed builds the annealed sampler and its noise-conditional score.
func (f *sampleFlags) annealed(tgt target, net *scorenet.Net) (sample.Annealed, sample.Levels, error) {
	a := sample.Annealed{StepsPerLevel: f.stepsPerLevel, Eps: f.eps, Denoise: f.denoise}
	if net != nil {
		grid := net.Config().Sigmas
		lo, hi := grid[f.levelIdx], grid[len(grid)-1]
		if f.sigmas != "" {
			v, err := parseFloats("sigmas", f.sigmas, -1)
			if err != nil {
				return a, nil, err
			}
			if len(v) < 2 || len(v) > 3 || !(v[0] >= v[1]) || !(v[1] > 0) {
				return a, nil, usagef("--sigmas %q: want MAX,MIN[,L] with MAX >= MIN > 0", f.sigmas)
			}
			hi, lo = v[0], v[1]
		}
		for i := len(grid) - 1; i >= 0; i-- {
			if grid[i] <= hi*(1+1e-9) && grid[i] >= lo*(1-1e-9) {
				a.Sigmas = append(a.Sigmas, grid[i])
			}
		}
		if len(a.Sigmas) == 0 {
			return a, nil, usagef("--sigmas %q: none of the model's levels (%.3g..%.3g) lies in that range", f.sigmas, grid[0], grid[len(grid)-1])
		}
		return a, sample.ScheduleLevels(grid, net.AtLevel), nil
	}
	spec := f.sigmas
	if spec == "" {
		spec = "1,0.01,10"
		if tgt.image != nil {
			spec = fmt.Sprintf("1,%g,10", f.sigma)
		} else if f.set["sigma"] {
			return a, nil, usagef("--sigma: annealed sampling of a mixture takes its levels from --sigmas")
		}
	}
	v, err := parseFloats("sigmas", spec, 3)
	if err != nil {
		return a, nil, err
	}
	if a.Sigmas, err = sample.GeometricSigmas(v[0], v[1], int(v[2])); err != nil || v[2] != float64(int(v[2])) {
		return a, nil, usagef("--sigmas %q: want MAX,MIN,L with MAX >= MIN > 0 and a whole L >= 1", spec)
	}
	return a, func(s float64) sgm.Scorer { return tgt.at(s) }, nil
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

// autoLevel picks the level for plain Langevin by a measured criterion: the
// smallest noise level whose relative score error against the exact score
// of the smoothed training image (sgm eval --model) is at most tol. Smaller
// σ means sharper samples; a larger score error means the chain follows
// the wrong field. The seed picked its level 17 by eye on the same trade-off.
func autoLevel(e *env, net *scorenet.Net, reference string, tol float64, seed uint64) (int, error) {
	if !(tol > 0) {
		return 0, usagef("--auto-tolerance must be positive, got %v", tol)
	}
	if reference == "" {
		var ok bool
		if reference, ok = net.Label(imageLabel); !ok {
			return 0, usagef("--level auto: the checkpoint does not record its training image; give --reference SPEC")
		}
	}
	im, err := loadImage(reference)
	if err != nil {
		return 0, fmt.Errorf("--reference: %w", err)
	}
	errs := scoreErrors(net, im, 1000, rand.New(rand.NewPCG(seed, 0xa070)))
	for _, le := range errs {
		if le.Relative <= tol {
			fmt.Fprintf(e.stderr, "level auto: level %d (σ=%.4g), the smallest with relative score error %.3f <= %g against %s\n",
				le.Level, le.Sigma, le.Relative, tol, reference)
			return le.Level, nil
		}
	}
	return 0, fmt.Errorf("--level auto: no level's relative score error is below %g (train longer, or raise --auto-tolerance)", tol)
}

// initialPoints parses --init for n points of dimension d.
func initialPoints(spec string, n, d int, rng *rand.Rand) ([]float64, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "normal":
		v, err := parseFloats("init", arg, 1)
		if err != nil {
			return nil, err
		}
		if err := checkPositive("init normal standard deviation", v[0]); err != nil {
			return nil, err
		}
		x := make([]float64, n*d)
		for i := range x {
			x[i] = v[0] * rng.NormFloat64()
		}
		return x, nil
	case "uniform":
		v, err := parseFloats("init", arg, 2)
		if err != nil {
			return nil, err
		}
		if !(v[1] > v[0]) {
			return nil, usagef("--init %q: the box's upper end must exceed its lower end", spec)
		}
		return sample.Uniform(n, d, v[0], v[1], rng), nil
	case "point":
		v, err := parseFloats("init", arg, d)
		if err != nil {
			return nil, err
		}
		return sample.Fill(n, v...), nil
	}
	return nil, usagef("--init %q: want normal:STD, uniform:LO,HI or point:X,Y", spec)
}

// coordHeader names the d coordinates x0, x1, ...
func coordHeader(d int) []string {
	h := make([]string, d)
	for i := range h {
		h[i] = fmt.Sprintf("x%d", i)
	}
	return h
}

// chainStepsPerCall is how many Langevin steps a compiled loop takes per
// call on an XLA backend.
const chainStepsPerCall = 1000

// modelLangevin is plain Langevin with a network's score at one level: in
// Go through ScoreBatch (the fused CPU path) on the pure-Go backend, and in
// compiled loops (scorenet.Chain) on the others, where one call per step
// would keep the device waiting on the host.
type modelLangevin struct {
	net      *scorenet.Net
	level    int
	stepSize float64
	chain    *scorenet.Chain // nil on the pure-Go backend
	perCall  int
}

// newModelLangevin prepares runs of up to steps steps per call.
func newModelLangevin(net *scorenet.Net, level int, stepSize float64, steps int) (*modelLangevin, error) {
	m := &modelLangevin{net: net, level: level, stepSize: stepSize}
	if net.OnGoBackend() {
		return m, nil
	}
	m.perCall = min(steps, chainStepsPerCall)
	c, err := net.NewChain(level, stepSize, m.perCall)
	if err != nil {
		return nil, err
	}
	m.chain = c
	return m, nil
}

// run advances the points x by steps steps, drawing the noise from rng (a
// compiled loop draws it in the graph, from a seed taken from rng).
func (m *modelLangevin) run(x []float64, steps int, rng *rand.Rand) error {
	if m.chain != nil {
		return m.chain.Run(x, steps, rng.Uint64())
	}
	return sample.Langevin{StepSize: m.stepSize, Steps: steps}.Run(x, m.net.AtLevel(m.level), rng)
}
