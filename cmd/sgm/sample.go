package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

type sampleFlags struct {
	target, model, out, path, init, backend string
	level, n, steps, burnIn, every          int
	stepSize                                float64
	seed                                    uint64
	stepSizeSet                             bool
}

func (f *sampleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "analytic target `SPEC`: a mixture JSON file or a preset ("+strings.Join(dist.PresetNames(), ", ")+")")
	fs.StringVar(&f.model, "model", "", "trained score network: checkpoint `DIR` written by sgm train")
	fs.IntVar(&f.level, "level", 17, "with --model: noise level index whose score drives the chain (the seed's 17)")
	fs.IntVar(&f.n, "n", 1000, "number of particles (independent chains)")
	fs.IntVar(&f.steps, "steps", 1000, "Langevin steps")
	fs.Float64Var(&f.stepSize, "step-size", 0, "Langevin step size η in x += (η/2) score + √η z (default 0.01 with --target, 0.001 with --model: the seed's)")
	fs.StringVar(&f.init, "init", "", "starting points: normal:STD (around the origin), uniform:LO,HI (a box), or point:X,Y,... (default normal:0.5 with --target as the seed, uniform:0,1 with --model)")
	fs.IntVar(&f.burnIn, "burn-in", 0, "if > 0, pool every chain's states after this many steps instead of writing only the final states")
	fs.IntVar(&f.every, "every", 1, "with --burn-in: keep every k-th step")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed")
	fs.StringVar(&f.out, "out", "samples.csv", "samples `FILE` (CSV, a header row, one sample per row)")
	fs.StringVar(&f.path, "path", "", "also write the path of particle 0 to this CSV `FILE`")
	fs.StringVar(&f.backend, "backend", "go", backendFlagHelp)
}

func (f *sampleFlags) validate(fs *flag.FlagSet) error {
	fs.Visit(func(fl *flag.Flag) { f.stepSizeSet = f.stepSizeSet || fl.Name == "step-size" })
	switch {
	case f.target == "" && f.model == "":
		return usagef("give --target SPEC (an analytic density) or --model DIR (a trained network)")
	case f.target != "" && f.model != "":
		return usagef("give one of --target and --model, not both")
	}
	if f.stepSizeSet {
		if err := checkPositive("step-size", f.stepSize); err != nil {
			return err
		}
	} else if f.model != "" {
		f.stepSize = 1e-3
	} else {
		f.stepSize = 1e-2
	}
	if f.init == "" {
		f.init = "normal:0.5"
		if f.model != "" {
			f.init = "uniform:0,1"
		}
	}
	for _, c := range []struct {
		name     string
		v, least int
	}{{"n", f.n, 1}, {"steps", f.steps, 1}, {"burn-in", f.burnIn, 0}, {"every", f.every, 1}} {
		if err := checkAtLeast(c.name, c.v, c.least); err != nil {
			return err
		}
	}
	if f.burnIn >= f.steps {
		return usagef("--burn-in %d leaves no steps of --steps %d to keep", f.burnIn, f.steps)
	}
	if err := checkOutput("out", f.out, ".csv"); err != nil {
		return err
	}
	if f.path != "" {
		return checkOutput("path", f.path, ".csv")
	}
	return nil
}

func init() {
	register(&command{
		name:    "sample",
		args:    "(--target SPEC | --model DIR [--level L]) [--n N] [--steps T] [--step-size ETA] [--out FILE.csv]",
		summary: "draw samples with Langevin dynamics from an analytic score or a trained network",
		detail: `Runs N Langevin chains x <- x + (eta/2) s(x) + sqrt(eta) z for T steps, with s
the exact score of an analytic target or a trained network's score at one
noise level, and writes the final states (or, with --burn-in, the pooled
states after burn-in) as CSV. The same --seed gives the same samples.

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

// scoreSource opens the score that --target or --model names.
func (f *sampleFlags) scoreSource() (sgm.Scorer, error) {
	if f.target != "" {
		m, err := dist.Target(f.target)
		if err != nil {
			return nil, usagef("--target: %v", err)
		}
		return m, nil
	}
	backend, err := newBackend(f.backend)
	if err != nil {
		return nil, err
	}
	net, err := scorenet.Load(backend, f.model)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	if L := len(net.Config().Sigmas); f.level < 0 || f.level >= L {
		return nil, usagef("--level %d out of range: the model has levels 0..%d", f.level, L-1)
	}
	return net.AtLevel(f.level), nil
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

func runSample(e *env, f sampleFlags) error {
	score, err := f.scoreSource()
	if err != nil {
		return err
	}
	d := score.Dim()
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
	if err := (sample.Langevin{StepSize: f.stepSize, Steps: f.steps}).Run(x, score, rng, observers...); err != nil {
		return err
	}
	out := x
	if f.burnIn > 0 {
		out = pool.Points
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
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (%d chains x %d steps in %.1fs)\n",
		len(out)/d, f.out, f.n, f.steps, time.Since(began).Seconds())
	return nil
}

// coordHeader names the d coordinates x0, x1, ...
func coordHeader(d int) []string {
	h := make([]string, d)
	for i := range h {
		h[i] = fmt.Sprintf("x%d", i)
	}
	return h
}
