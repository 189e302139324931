package model

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// Target is an analytic distribution whose scores and densities are
// exact: a diagonal Gaussian mixture (a preset or a JSON file), or an
// image, a distribution over its pixel centres whose σ-smoothed versions
// are mixtures. The Langevin and reverse samplers of a Model also sample
// a Target, and MALA and HMC, which need log p, sample only a Target; it
// is what a model's samples are measured against. Make one with
// OpenTarget, or fill one of the two fields.
type Target struct {
	Mixture *dist.Mixture // a mixture; nil for an image
	Image   *dist.Image   // an image; nil for a mixture
}

// ErrNoTarget says that a target spec names neither a file nor a preset.
var ErrNoTarget = errors.New("no such file, and not a preset")

// OpenTarget opens the target a spec names: a mixture (a preset, or a
// JSON file as dist.LoadMixture reads it) or an image spec (data.SpecHelp).
// A spec that names neither an existing file nor a preset gives a
// DataError wrapping ErrNoTarget, a mixture that does not read a
// DataError; an image that does not read its error.
func OpenTarget(spec string) (*Target, error) {
	isJSON := strings.EqualFold(filepath.Ext(spec), ".json")
	isPreset := slices.Contains(dist.PresetNames(), spec)
	if _, err := os.Stat(spec); err != nil && !isPreset && (isJSON || !strings.Contains(spec, ":")) {
		return nil, &DataError{fmt.Errorf("%q: %w (%s)", spec, ErrNoTarget, strings.Join(dist.PresetNames(), ", "))}
	}
	if isJSON || isPreset {
		m, err := dist.Target(spec)
		if err != nil {
			return nil, &DataError{err}
		}
		return &Target{Mixture: m}, nil
	}
	im, err := OpenImage(spec)
	if err != nil {
		return nil, err
	}
	return &Target{Image: im}, nil
}

// OpenImage reads an image spec (data.SpecHelp) as the distribution over
// its pixel centres. An image that does not read gives data.LoadImage's
// error; one that is no distribution (every pixel zero) names the spec.
func OpenImage(spec string) (*dist.Image, error) {
	g, err := data.LoadImage(spec)
	if err != nil {
		return nil, err
	}
	im, err := dist.NewImage(g.H, g.W, g.Pix)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", spec, err)
	}
	return im, nil
}

// Dim is the dimension of the target's points.
func (t *Target) Dim() int {
	if t.Image != nil {
		return t.Image.Dim()
	}
	return t.Mixture.Dim()
}

// Components is the number of Gaussians of the target smoothed: the
// mixture's, or an image's pixels of positive intensity. A sampler keeps
// one smoothed copy per noise level, so memory grows with it.
func (t *Target) Components() int {
	if t.Image == nil {
		return t.Mixture.Len()
	}
	k := 0
	for _, v := range t.Image.Pix {
		if v > 0 {
			k++
		}
	}
	return k
}

// CheckNoise returns an error unless the target smoothed by N(0, σ²I) is
// defined (At): any σ >= 0 a mixture's variances take (Mixture.CheckPerturbed),
// and for an image σ > 0 in dist.CheckNoise's range.
func (t *Target) CheckNoise(sigma float64) error {
	if t.Image != nil {
		return dist.CheckNoise(sigma)
	}
	return t.Mixture.CheckPerturbed(sigma)
}

// At returns the target smoothed by N(0, σ²I), whose score and log
// density are exact: the mixture itself at σ = 0, an image's Gaussian
// mixture over its pixel centres. It returns CheckNoise's error.
func (t *Target) At(sigma float64) (*dist.Mixture, error) {
	if err := t.CheckNoise(sigma); err != nil {
		return nil, err
	}
	if t.Image != nil {
		return t.Image.Smoothed(sigma), nil
	}
	if sigma == 0 {
		return t.Mixture, nil
	}
	return t.Mixture.Perturbed(sigma), nil
}

// Samplers of a Target besides a Model's.
const (
	MALA  = "mala"  // Metropolis-adjusted Langevin (needs log p)
	HMC   = "hmc"   // Hamiltonian Monte Carlo (needs log p)
	Exact = "exact" // exact draws of a mixture's conditional (TargetOptions.Given)
)

// TargetOptions choose how Target.Sample samples; the zero value is sgm
// sample --target's default, the blog post's plain Langevin: η = 0.01 on a
// mixture from N(0, 0.5²I), and on an image smoothed at the post's σ₁₇ ≈
// 0.0221, η = 0.001 from uniform [0, 1]², 1,000 steps. A field's zero
// value means its default; where a field means the same as in
// SampleOptions it has the same name.
type TargetOptions struct {
	// Sampler is langevin (the default), annealed, mala or hmc, or with
	// SDE one of em, pc, ode (its default), heun, ddim (VP only), dpm2m.
	Sampler string

	// Sigma smooths the target by N(0, σ²I) for langevin, mala and hmc;
	// 0 means none for a mixture and σ₁₇ of sgm.SeedSchedule for an
	// image. For annealed sampling of an image it is the smallest level;
	// a mixture's annealed levels are Sigmas.
	Sigma float64
	// StepSize is η of langevin and mala and the leapfrog step of hmc;
	// Steps their number of steps (1,000); Leapfrog hmc's leapfrog steps
	// per iteration (10).
	StepSize float64
	Steps    int
	Leapfrog int

	// Sigmas are annealed Langevin's levels, largest first; nil means
	// sample.GeometricSigmas(1, 0.01, 10) for a mixture and (1, Sigma,
	// 10) for an image. StepsPerLevel and Eps are its T (100) and ε
	// (2e-5); Denoise adds the final denoising step (off by default).
	Sigmas        []float64
	StepsPerLevel int
	Eps           float64
	Denoise       bool

	// SDE, if not nil, samples the reverse process of a mixture under it
	// with the mixture's exact perturbed score (sde.NewMixture), from its
	// prior; NFE, RTol, ATol, SNR and Eta are as in SampleOptions.
	SDE        sde.SDE
	NFE        int
	RTol, ATol float64
	SNR, Eta   float64

	// Init holds the starting points (n·Dim values); nil means the
	// default above, or the SDE's prior. Sample does not change it.
	Init []float64

	// Given, if not nil, draws a mixture's closed-form conditional
	// exactly (dist.Mixture.SampleGiven, sampler Exact): Dim values shared
	// by every sample or n·Dim, NaN marking a free coordinate. No other
	// option applies with it.
	Given []float64

	// Observe, if not nil, is called with N = 0 and the starting points,
	// then after every step of a Langevin-family sampler (T the step's
	// noise level), with the particles valid only during the call.
	Observe func(Step)
}

// Defaults of a Target's samplers.
const (
	mixtureStepSize = 1e-2 // the blog post's on its mixture
	mixtureInitStd  = 0.5  // the blog post's starting points: N(0, 0.5²I)
	defaultLeapfrog = 10
)

// Sample draws n samples of the target into dst (allocated when nil; n·Dim
// values) with rng, as o says, and returns them with the sampler's
// statistics (Accepted and Proposed for mala and hmc). It returns an error
// for options out of range or that do not apply to the target; it panics
// if dst is not nil and not n·Dim long.
func (t *Target) Sample(dst []float64, n int, rng *rand.Rand, o TargetOptions) ([]float64, Stats, error) {
	d := t.Dim()
	if n < 0 {
		return nil, Stats{}, fmt.Errorf("model: %d samples", n)
	}
	if dst == nil {
		dst = make([]float64, n*d)
	}
	if len(dst) != n*d {
		panic(fmt.Sprintf("model: Target.Sample: len(dst)=%d, want %d samples of dimension %d", len(dst), n, d))
	}
	if o.Init != nil && len(o.Init) != n*d {
		return nil, Stats{}, fmt.Errorf("model: %d starting values for %d points of dimension %d", len(o.Init), n, d)
	}
	switch {
	case o.Given != nil:
		if t.Mixture == nil {
			return nil, Stats{}, errors.New("model: given values take a mixture target, not an image")
		}
		if len(o.Given) != d && len(o.Given) != n*d {
			return nil, Stats{}, fmt.Errorf("model: %d given values for %d points of dimension %d", len(o.Given), n, d)
		}
		return dst, Stats{Sampler: Exact}, t.Mixture.SampleGiven(dst, o.Given, n, rng)
	case o.SDE != nil:
		return t.reverse(dst, rng, o)
	}
	st := Stats{Sampler: cmp.Or(o.Sampler, Langevin)}
	sigma, step := o.Sigma, o.StepSize
	if sigma == 0 && t.Image != nil {
		sigma = sgm.SeedSchedule()[17]
	}
	if step == 0 {
		step = defaultStepSize
		if t.Image == nil {
			step = mixtureStepSize
		}
	}
	steps := cmp.Or(o.Steps, defaultSteps)
	var run func(obs []sample.Observer) error
	switch st.Sampler {
	case Langevin, MALA, HMC:
		p, err := t.At(sigma)
		if err != nil {
			return nil, st, fmt.Errorf("model: %w", err)
		}
		st.Steps, st.NFE, st.StepSize, st.Sigmas = steps, steps, step, []float64{sigma}
		run = func(obs []sample.Observer) error {
			var ms sample.Stats
			var err error
			switch st.Sampler {
			case Langevin:
				err = sample.Langevin{StepSize: step, Steps: steps}.Run(dst, p, rng, obs...)
			case MALA:
				ms, err = sample.MALA{StepSize: step, Steps: steps}.Run(dst, p, rng, obs...)
			default:
				ms, err = sample.HMC{StepSize: step, LeapfrogSteps: cmp.Or(o.Leapfrog, defaultLeapfrog), Steps: steps}.Run(dst, p, rng, obs...)
			}
			st.Accepted, st.Proposed = ms.Accepted, ms.Proposed
			return err
		}
	case Annealed:
		a, levels, err := t.annealed(o, sigma)
		if err != nil {
			return nil, st, err
		}
		st.Steps, st.NFE, st.Sigmas, st.StepSize, st.StepsPerLevel = a.Steps(), a.Steps(), a.Sigmas, a.Eps, a.StepsPerLevel
		run = func(obs []sample.Observer) error { return a.Run(dst, levels, rng, obs...) }
	default:
		return nil, st, fmt.Errorf("model: sampler %q does not apply to a target (its samplers: %s, %s, %s, %s; with an SDE %s)",
			o.Sampler, Langevin, Annealed, MALA, HMC, strings.Join(ReverseSamplers, ", "))
	}
	switch {
	case o.Init != nil:
		copy(dst, o.Init)
	case t.Image != nil:
		copy(dst, sample.Uniform(n, d, 0, 1, rng))
	default:
		for i := range dst {
			dst[i] = mixtureInitStd * rng.NormFloat64()
		}
	}
	var obs []sample.Observer
	if o.Observe != nil {
		o.Observe(Step{N: 0, T: st.Sigmas[0], X: dst})
		obs = append(obs, func(k int, x []float64) {
			level := st.Sigmas[min((k-1)/max(st.StepsPerLevel, 1), len(st.Sigmas)-1)]
			o.Observe(Step{N: k, T: level, X: x})
		})
	}
	if err := run(obs); err != nil {
		return nil, st, fmt.Errorf("model: %w", err)
	}
	return dst, st, nil
}

// annealed returns annealed Langevin as o says and the target's exact
// score at each of its levels (one smoothed copy each, made here).
func (t *Target) annealed(o TargetOptions, sigma float64) (sample.Annealed, sample.Levels, error) {
	a := sample.Annealed{Sigmas: o.Sigmas, StepsPerLevel: cmp.Or(o.StepsPerLevel, defaultStepsPerLevel), Eps: cmp.Or(o.Eps, defaultEps), Denoise: o.Denoise}
	if a.Sigmas == nil {
		if t.Image == nil && o.Sigma != 0 {
			return a, nil, errors.New("model: annealed sampling of a mixture takes its levels from Sigmas, not Sigma")
		}
		lo := 0.01
		if t.Image != nil {
			lo = sigma
		}
		var err error
		if a.Sigmas, err = sample.GeometricSigmas(1, lo, 10); err != nil {
			return a, nil, fmt.Errorf("model: annealed: %w", err)
		}
	}
	if err := a.Validate(); err != nil {
		return a, nil, fmt.Errorf("model: annealed: %w", err)
	}
	at := make(map[float64]*dist.Mixture, len(a.Sigmas))
	for _, s := range a.Sigmas {
		var err error
		if at[s], err = t.At(s); err != nil {
			return a, nil, fmt.Errorf("model: level %v: %w", s, err)
		}
	}
	return a, func(s float64) sgm.Scorer { return at[s] }, nil
}

// reverse samples a mixture target under o.SDE from its prior (or o.Init)
// with its exact perturbed score.
func (t *Target) reverse(x []float64, rng *rand.Rand, o TargetOptions) ([]float64, Stats, error) {
	if t.Mixture == nil {
		return nil, Stats{}, errors.New("model: the reverse samplers take a mixture target, not an image")
	}
	score, err := sde.NewMixture(o.SDE, t.Mixture)
	if err != nil {
		return nil, Stats{}, &DataError{fmt.Errorf("target under %v: %w", o.SDE, err)}
	}
	so := SampleOptions{Sampler: o.Sampler, NFE: o.NFE, RTol: o.RTol, ATol: o.ATol, SNR: o.SNR, Eta: o.Eta}
	st, err := reverseRun(x, o.Init, o.SDE, score, rng, so)
	if err != nil {
		return nil, st, err
	}
	return x, st, nil
}
