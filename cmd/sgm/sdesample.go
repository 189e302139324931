package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// Samplers of a forward SDE's reverse process ("sgm sample --sde").
var sdeSamplers = model.ReverseSamplers

// maxNFE bounds --nfe.
const maxNFE = model.MaxNFE

// sdeFlags are the flags of sampling and likelihoods under a forward SDE,
// shared by sample, eval --nll and plot nfe.
type sdeFlags struct {
	sde, sampler string
	nfe          int
	snr, eta     float64
	rtol, atol   float64
	sigmaMax     float64
	probes       int
	set          map[string]bool
}

// registerSDEFlags registers --sde and the solver flags on fs, --rtol and
// --atol with the defaults rtol and atol; sampling adds --nfe, --snr and
// --eta (withSampler).
func registerSDEFlags(fs *flag.FlagSet, withSampler bool, rtol, atol float64) *sdeFlags {
	f := &sdeFlags{}
	fs.StringVar(&f.sde, "sde", "", "forward `SDE` of the score: ve, vp or subvp (Song et al. 2021), with --target's exact perturbed score")
	fs.Float64Var(&f.rtol, "rtol", rtol, "probability-flow ODE: relative tolerance of the Dormand-Prince solver")
	fs.Float64Var(&f.atol, "atol", atol, "probability-flow ODE: absolute tolerance of the Dormand-Prince solver")
	fs.Float64Var(&f.sigmaMax, "sigma-max", sde.DefaultSigmaMax, "with --sde ve: largest noise level σ_max (σ_min is 0.01)")
	if withSampler {
		fs.IntVar(&f.nfe, "nfe", 0, "score evaluations of a fixed-step sampler (default: em 1000, pc 1000, heun 35, ddim 100, dpm2m 20)")
		fs.Float64Var(&f.snr, "snr", sample.DefaultSNR, "pc: signal-to-noise ratio of the Langevin corrector")
		fs.Float64Var(&f.eta, "eta", 0, "ddim: η, 0 deterministic, 1 DDPM's ancestral sampler")
	}
	return f
}

// sdeOnlyFlags are the flags that only SDE sampling reads.
var sdeOnlyFlags = []string{"sde", "nfe", "snr", "eta", "rtol", "atol", "sigma-max"}

// sdeSample is the hook of "sgm sample": it runs SDE sampling and returns
// true when the command line asks for it (--sde, or one of the SDE
// samplers), returns true with a usage error when an SDE-only flag is
// given without it, and returns false otherwise, for the Langevin family.
func sdeSample(e *env, fs *flag.FlagSet, f *sdeFlags, s sampleFlags) (bool, error) {
	f.set = givenFlags(fs)
	f.sampler = s.sampler
	if !f.set["sde"] && !slices.Contains(sdeSamplers, s.sampler) {
		for _, name := range sdeOnlyFlags {
			if f.set[name] {
				return true, usagef("--%s applies only with --sde (the samplers %s)", name, strings.Join(sdeSamplers, ", "))
			}
		}
		return false, nil
	}
	return true, runSDESample(e, f, s.target, s.model, s.out, s.n, s.seed)
}

// process returns the SDE --sde names, checked.
func (f *sdeFlags) process() (sde.SDE, error) {
	if f.sde == "" {
		return nil, usagef("--sde is required: ve, vp or subvp")
	}
	p, err := sde.Parse(f.sde)
	if err != nil {
		return nil, usagef("--sde: %v", err)
	}
	if f.set["sigma-max"] {
		ve, ok := p.(sde.VE)
		if !ok {
			return nil, usagef("--sigma-max applies only to --sde ve")
		}
		if !(f.sigmaMax > ve.SigmaMin && f.sigmaMax <= 1e6) {
			return nil, usagef("--sigma-max must be in (%g, 1e6], got %v", ve.SigmaMin, f.sigmaMax)
		}
		ve.SigmaMax = f.sigmaMax
		p = ve
	}
	return p, nil
}

// checkTol checks --rtol and --atol.
func (f *sdeFlags) checkTol() error {
	for _, c := range []struct {
		name string
		v    float64
	}{{"rtol", f.rtol}, {"atol", f.atol}} {
		if !(c.v >= 1e-12 && c.v <= 0.1) {
			return usagef("--%s must be in [1e-12, 0.1], got %v", c.name, c.v)
		}
	}
	return nil
}

// reverse returns the sampler --sampler names at an NFE budget of nfe
// (0: the sampler's default), or a usage error for a combination that does
// not exist.
func (f *sdeFlags) reverse(p sde.SDE, name string, nfe int) (sample.Reverse, error) {
	if !slices.Contains(sdeSamplers, name) {
		return nil, usagef("--sampler %q: with --sde, want one of %s", name, strings.Join(sdeSamplers, ", "))
	}
	if name == "ddim" {
		if _, ok := p.(sde.VP); !ok {
			return nil, usagef("--sampler ddim needs --sde vp (DDIM is defined for the variance-preserving process); use heun or dpm2m with --sde %s", f.sde)
		}
	}
	if name == "ode" {
		if f.set["nfe"] {
			return nil, usagef("--nfe applies to the fixed-step samplers; ode's NFE follows --rtol and --atol")
		}
		if err := f.checkTol(); err != nil {
			return nil, err
		}
		return model.ReverseSampler(p, model.SampleOptions{Sampler: name, RTol: f.rtol, ATol: f.atol})
	}
	nfe = cmp.Or(nfe, model.DefaultNFE[name])
	least, most := model.NFERange(model.Diffusion{SDE: p}, name)
	if err := checkRange("nfe", nfe, least, most); err != nil {
		return nil, err
	}
	return model.ReverseSampler(p, model.SampleOptions{Sampler: name, NFE: nfe, SNR: f.snr, Eta: f.eta})
}

// checkSamplerFlags refuses the solver flags that do not apply to name.
func (f *sdeFlags) checkSamplerFlags(name string) error {
	for _, c := range []struct {
		flag    string
		applies bool
		only    string
	}{
		{"snr", name == "pc", "to --sampler pc"},
		{"eta", name == "ddim", "to --sampler ddim"},
		{"rtol", name == "ode", "to --sampler ode"},
		{"atol", name == "ode", "to --sampler ode"},
	} {
		if f.set[c.flag] && !c.applies {
			return usagef("--%s applies only %s", c.flag, c.only)
		}
	}
	if f.set["snr"] && !(f.snr > 0 && f.snr <= 10) {
		return usagef("--snr must be in (0, 10], got %v", f.snr)
	}
	if f.set["eta"] && !(f.eta >= 0 && f.eta <= 1) {
		return usagef("--eta must be in [0, 1], got %v", f.eta)
	}
	return nil
}

// sdeSampleFlags are the flags of "sgm sample" that SDE sampling uses; any
// other given is refused.
var sdeSampleFlags = []string{"target", "model", "sde", "sampler", "nfe", "snr", "eta", "rtol", "atol", "sigma-max", "n", "seed", "out"}

// checkOnly refuses any flag given that is not in allowed.
func checkOnly(set map[string]bool, allowed []string, mode string) error {
	var extra []string
	for name := range set {
		if !slices.Contains(allowed, name) {
			extra = append(extra, "--"+name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return usagef("%s does not apply with %s", strings.Join(extra, ", "), mode)
	}
	return nil
}

// sdeTarget reads --target as a mixture for the exact perturbed score.
func sdeTarget(spec, model string) (*dist.Mixture, error) {
	if model != "" {
		return nil, usagef("--sde drives the exact score of a --target mixture; a --model trained in continuous time is not supported yet")
	}
	return loadTarget(spec)
}

// runSDESample is "sgm sample --sde": draws --n prior points and runs the
// reverse sampler on the exact score of the target under the SDE.
func runSDESample(e *env, f *sdeFlags, target, dir, out string, n int, seed uint64) error {
	if err := checkOnly(f.set, sdeSampleFlags, "--sde (sampling a forward SDE's reverse process)"); err != nil {
		return err
	}
	if !f.set["sampler"] {
		f.sampler = "ode"
	}
	p, err := f.process()
	if err != nil {
		return err
	}
	if err := f.checkSamplerFlags(f.sampler); err != nil {
		return err
	}
	s, err := f.reverse(p, f.sampler, f.nfe)
	if err != nil {
		return err
	}
	m, err := sdeTarget(target, dir)
	if err != nil {
		return err
	}
	if err := checkOutput("out", out, ".csv"); err != nil {
		return err
	}
	if err := checkSDESize(s, n, m.Dim()); err != nil {
		return err
	}
	if msg := priorCover(p, m); msg != "" {
		fmt.Fprintf(e.stderr, "sgm sample: warning: %s\n", msg)
	}
	began := time.Now()
	x, st, err := (&model.Target{Mixture: m}).Sample(nil, n, rand.New(rand.NewPCG(seed, 0x5de)),
		model.TargetOptions{SDE: p, Sampler: f.sampler, NFE: f.nfe, RTol: f.rtol, ATol: f.atol, SNR: f.snr, Eta: f.eta})
	var de *model.DataError
	if errors.As(err, &de) {
		return fmt.Errorf("--%w", de)
	} else if err != nil {
		return err
	}
	if err := data.WriteCSVFile(out, coordHeader(m.Dim()), x); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (%s, sampler %s, nfe %d; %.1fs)\n", n, out, p, f.sampler, st.NFE, time.Since(began).Seconds())
	return nil
}

// sdeRun is a finished run of a reverse sampler.
type sdeRun struct {
	points  []float64
	nfe     int
	elapsed time.Duration
}

// checkSDESize refuses --n where n particles of dimension d would not fit
// in memory under the reverse sampler s (sdeCopies).
func checkSDESize(s sample.Reverse, n, d int) error {
	if err := checkAtLeast("n", n, 1); err != nil {
		return err
	}
	return checkFits("n", n, fmt.Sprintf("%d-dimensional particles", d), func(v int) float64 {
		return 8 * sdeCopies(s) * float64(v) * float64(d)
	})
}

// sdeSamples checks --n against memory, draws n prior points with the
// seed and runs s on them.
func sdeSamples(s sample.Reverse, p sde.SDE, score sde.TimeScorer, n int, seed uint64) (sdeRun, error) {
	if err := checkSDESize(s, n, score.Dim()); err != nil {
		return sdeRun{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5de))
	x := make([]float64, n*score.Dim())
	sde.PriorSample(p, x, rng)
	began := time.Now()
	nfe, err := s.Sample(x, p, score, rng)
	if err != nil {
		return sdeRun{}, err
	}
	return sdeRun{x, nfe, time.Since(began)}, nil
}

// sdeCopies is the peak memory of a sampler's run in copies of the
// particles, as measured (peak RSS of sgm sample --sde vp --n 1000000 on
// seed-mog, 16 MB a copy): 12.7 for ode, the Dormand-Prince solver's seven
// stages, its error and trial state; 7 for the others (heun, pc, dpm2m; em
// 3.2), their buffers, the output and the collector's slack.
func sdeCopies(s sample.Reverse) float64 {
	if _, ok := s.(sample.Flow); ok {
		return 14
	}
	return 8
}

// priorCover returns a warning when the prior N(0, s(1)² I) does not
// cover the data at t = 1: the data's root-mean-square distance from 0,
// R = √(Σ_j Var_j + Mean_j²), scaled by a(1), beyond s(1). The reverse
// process then starts where p₁ has almost no mass and the samples come out
// wrong without an error (Song & Ermon 2020, technique 1: σ_max of the
// order of the largest distance in the data); "" when it covers.
func priorCover(p sde.SDE, m *dist.Mixture) string {
	r := m.RMS() // no overflow for a target at 1e300
	a, s := p.Marginal(1)
	if a*r <= s {
		return ""
	}
	fix := "centre and scale the data"
	if _, ok := p.(sde.VE); ok {
		fix = fmt.Sprintf("use --sigma-max above %.3g", r)
	}
	return fmt.Sprintf("the target's RMS distance from 0 at t=1, %.3g, exceeds the prior's std %.3g under %v: the samples will miss the target (%s)", a*r, s, p, fix)
}
