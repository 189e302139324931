package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// SampleOptions choose how Sample samples. The zero value gives good
// samples for every kind (the defaults sgm sample uses): for a Levels
// model of points (or of the explorer's raw data), annealed Langevin over all its levels
// (sample.PointStepsPerLevel = 5 steps each at ε = sample.PointEps = 1e-4, unless either is
// given) with the final denoising step, from N(0, σ_max²); for a Levels
// model of an image, the blog post's plain Langevin at the level nearest
// σ = 0.0221 (its level 17), η = 1e-3, 1,000 steps from uniform [0, 1]²;
// for a Diffusion model the probability-flow ODE (Dormand-Prince at 1e-5),
// but for VP DDPM's ancestral sampler (ddim with Eta sample.VPEta = 1
// unless Eta is given, sample.VPSteps = 100 evaluations), and for a Flow
// the ODE solver along its velocity.
//
// The struct may grow (conditioning: labels, guidance, given
// coordinates); a field's zero value always means its default.
type SampleOptions struct {
	// Sampler names the sampler: one of the model's Kind().Samplers();
	// "" means the first, the kind's default.
	Sampler string

	// NFE is the number of score (or velocity) evaluations of a
	// fixed-step reverse sampler or flow solver; 0 means the sampler's
	// default (DefaultNFE).
	NFE int
	// RTol and ATol are the tolerances of the adaptive ODE solver; 0
	// means sample.DefaultFlowTol.
	RTol, ATol float64
	// SNR is pc's corrector signal-to-noise ratio; 0 means 0.16.
	SNR float64
	// Eta is ddim's η: 0 deterministic, 1 DDPM's ancestral sampler.
	Eta float64

	// Level is the noise level index of plain Langevin (a Levels model);
	// nil means the level nearest σ = 0.0221 (the blog post's 17).
	Level *int
	// StepSize and Steps are plain Langevin's η and number of steps; 0
	// means 1e-3 and 1,000.
	StepSize float64
	Steps    int
	// StepsPerLevel and Eps are annealed Langevin's T and ε; both 0 mean
	// 5 and 1e-4 for a model of standardised points, else 0 means 100
	// and 2e-5. Lowest is the smallest level index it anneals to (its
	// levels run from the largest down to Lowest); nil means level 0, but
	// for a model of an image the level nearest σ = 0.0221 (the blog
	// post's 17, the sharpest it learns). Denoise says whether it ends
	// with the denoising step; nil means yes, but no for a model of an
	// image, whose samples are the post's.
	StepsPerLevel int
	Eps           float64
	Lowest        *int
	Denoise       *bool
	// Sigmas, if not nil, are the levels annealed Langevin runs at instead
	// (largest first), each one of the model's own.
	Sigmas []float64

	// Init holds the starting points (n·Dim values, in the data's units);
	// nil means the kind's prior. Sample does not change it.
	Init []float64

	// Label, for a model trained with labels, samples that class (one of
	// the model's Labels); "" samples the unconditional model.
	Label string
	// Guidance is classifier-free guidance's W (condition.go), in
	// [0, 100]: 0 samples the conditional model, W > 0 guides towards
	// Label with one more network evaluation per step. It needs a Label.
	Guidance float64
	// Given fixes coordinates (in the data's units) and samples the
	// others: Dim values shared by every sample, or n·Dim (one row per
	// sample), NaN marking a free coordinate. nil means none.
	Given []float64

	// Observe, if not nil, is called after every step of a Langevin
	// sampler and before every score (or velocity) evaluation of a
	// reverse sampler or flow solver, with the particles in the data's
	// units (valid only during the call).
	Observe func(Step)
}

// Step is the state of a sampler that SampleOptions.Observe sees.
type Step struct {
	N int // the step (Langevin) or evaluation (reverse samplers, flows), from 1
	// T is the time of a reverse sampler or flow (score models: 1 at the
	// prior; flows: 0 at the source), or the noise level σ of a Langevin
	// step, in the network's units.
	T float64
	X []float64
}

// Stats are a sampler's statistics.
type Stats struct {
	Sampler string
	NFE     int // score or velocity evaluations, each of the whole batch
	Steps   int // updates of the particles
	// Accepted and Proposed count Metropolis-Hastings moves; both are 0
	// for the samplers without an accept/reject step (every one a
	// model's score drives).
	Accepted, Proposed int
	// Sigmas are the noise levels a Langevin sampler ran at, largest
	// first, in the network's units; StepSize is plain Langevin's η or
	// annealed Langevin's ε; StepsPerLevel is annealed Langevin's T.
	Sigmas        []float64
	StepSize      float64
	StepsPerLevel int
	// Level is the level index plain Langevin ran at (a Levels model).
	Level int
}

// DefaultSampler is the sampler Sample takes when SampleOptions.Sampler
// is "": the first of the kind's, but plain Langevin for a model of an
// image (the blog post's).
func (m *Model) DefaultSampler() string {
	if _, ok := m.kind.(Levels); ok && m.image {
		return Langevin
	}
	return m.kind.Samplers()[0]
}

// MaxNFE bounds SampleOptions.NFE.
const MaxNFE = 100_000

// NFERange is the range of SampleOptions.NFE that the fixed-step sampler
// name of a model of kind k takes: from 2 for pc (a predictor and a
// corrector) and a flow's heun (two stages a step), else from 1, to
// MaxNFE.
func NFERange(k Kind, name string) (least, most int) {
	if _, flow := k.(Flow); name == PC || flow && name == Heun {
		return 2, MaxNFE
	}
	return 1, MaxNFE
}

// CheckSampler returns an error unless name is one of the samplers of
// kind k (Kind.Samplers), naming them: "a flow-matching model is sampled
// by ode, euler, heun".
func CheckSampler(k Kind, name string) error {
	if slices.Contains(k.Samplers(), name) {
		return nil
	}
	what := "a " + k.String() + " model"
	if _, ok := k.(Flow); ok {
		what = "a flow-matching model"
	}
	return fmt.Errorf("%s is sampled by %s", what, strings.Join(k.Samplers(), ", "))
}

// DefaultNFE is the default number of evaluations of each fixed-step
// sampler: enough for the presets' W₂ to reach its floor at n = 1000
// (sgm plot nfe); a flow's solvers take fewer.
var DefaultNFE = map[string]int{EM: 1000, PC: 1000, Heun: 35, DDIM: sample.VPSteps, DPM2M: 20}

// defaultFlowNFE is the default NFE of a flow's fixed-step solvers.
var defaultFlowNFE = map[string]int{Euler: 100, Heun: 40}

// Defaults of the Langevin samplers of a Levels model.
const (
	imageSigma           = 0.0221 // the blog post's level 17 of geomspace(1e-4, 1, 30)
	defaultStepSize      = 1e-3
	defaultSteps         = 1000
	defaultStepsPerLevel = 100
	defaultEps           = 2e-5
)

// Sample draws n samples into dst (allocated when nil; n·Dim values, in
// the data's units) with rng, as o says, and returns them with the
// sampler's statistics. It returns an error for options that do not apply
// to the model's kind or are out of range, and when the particles become
// NaN or infinite; it panics if dst is not nil and not n·Dim long.
func (m *Model) Sample(dst []float64, n int, rng *rand.Rand, o SampleOptions) ([]float64, Stats, error) {
	d := m.Dim()
	if n < 0 {
		return nil, Stats{}, fmt.Errorf("model: %d samples", n)
	}
	if dst == nil {
		dst = make([]float64, n*d)
	}
	if len(dst) != n*d {
		panic(fmt.Sprintf("model: Sample: len(dst)=%d, want %d samples of dimension %d", len(dst), n, d))
	}
	givenFlow := false
	if _, ok := m.kind.(Flow); ok && o.Given != nil {
		// A flow samples given values by annealed Langevin on its scores.
		if o.Sampler != "" && o.Sampler != Annealed {
			return nil, Stats{}, fmt.Errorf("model: given values of a flow are sampled by %s Langevin on the scores of its velocity, not %s", Annealed, o.Sampler)
		}
		o.Sampler, givenFlow = Annealed, true
	}
	if o.Sampler == "" {
		o.Sampler = m.DefaultSampler()
		if _, ok := m.kind.(Diffusion); ok && o.Sampler == DDIM && o.Eta == 0 {
			o.Eta = sample.VPEta // DDPM's ancestral sampler
		}
	}
	if err := CheckSampler(m.kind, o.Sampler); err != nil && !givenFlow {
		return nil, Stats{}, fmt.Errorf("model: sampler %q: %w", o.Sampler, err)
	}
	if o.Init != nil && len(o.Init) != n*d {
		return nil, Stats{}, fmt.Errorf("model: %d starting values for %d points of dimension %d", len(o.Init), n, d)
	}
	if _, err := m.conditionOf(n, o); err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Sampler: o.Sampler}
	var err error
	switch k := m.kind.(type) {
	case Levels:
		switch o.Sampler {
		case Langevin:
			err = m.langevin(dst, k, rng, o, &st)
		case Annealed:
			err = m.annealed(dst, k, rng, o, &st)
		default:
			p, ok := k.VE()
			if !ok {
				return nil, st, fmt.Errorf("model: a model of one noise level has no reverse process: sample it with %s", Langevin)
			}
			c, _ := m.conditionOf(n, o)
			v := &levelVE{at: c.at, sigmas: k.Sigmas, p: p, d: m.Dim()}
			err = m.reverse(dst, p, v, rng, o, &st)
		}
	case Diffusion:
		score, e := m.net.TimeScore()
		if e != nil {
			return nil, st, e
		}
		c, _ := m.conditionOf(n, o)
		err = m.reverse(dst, k.SDE, c.timeScore(score), rng, o, &st)
	case Flow:
		if o.Given != nil {
			err = m.flowGiven(dst, rng, o, &st)
		} else {
			err = m.flow(dst, rng, o, &st)
		}
	}
	if err != nil {
		return nil, st, err
	}
	if m.std != nil {
		m.std.Invert(dst)
	}
	if o.Given != nil {
		sample.Given{Values: o.Given}.Fill(dst, d) // exactly, not through the standardisation's rounding
	}
	return dst, st, nil
}

// start sets x (standard units) to o.Init or to draws of prior.
func (m *Model) start(x []float64, o SampleOptions, prior func(x []float64)) {
	if o.Init == nil {
		prior(x)
		return
	}
	copy(x, o.Init)
	if m.std != nil {
		m.std.Apply(x)
	}
}

// observer returns the Step callback of o in the data's units, or nil.
func (m *Model) observer(o SampleOptions) func(n int, t float64, x []float64) {
	if o.Observe == nil {
		return nil
	}
	var buf []float64
	return func(n int, t float64, x []float64) {
		y := x
		if m.std != nil {
			buf = append(buf[:0], x...)
			m.std.Invert(buf)
			y = buf
		}
		o.Observe(Step{N: n, T: t, X: y})
	}
}

// langevin is plain Langevin at one level.
func (m *Model) langevin(x []float64, k Levels, rng *rand.Rand, o SampleOptions, st *Stats) error {
	level := k.Sigmas.Level(imageSigma)
	if o.Level != nil {
		level = *o.Level
	}
	if level < 0 || level >= len(k.Sigmas) {
		return fmt.Errorf("model: level %d out of range: the model has levels 0..%d", level, len(k.Sigmas)-1)
	}
	l := sample.Langevin{StepSize: o.StepSize, Steps: o.Steps}
	if l.StepSize == 0 {
		l.StepSize = defaultStepSize
	}
	if l.Steps == 0 {
		l.Steps = defaultSteps
	}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	m.start(x, o, func(x []float64) {
		copy(x, sample.Uniform(len(x)/m.Dim(), m.Dim(), 0, 1, rng))
	})
	c, _ := m.conditionOf(len(x)/m.Dim(), o)
	st.Steps, st.NFE = l.Steps, l.Steps*c.evals()
	st.Sigmas, st.StepSize, st.Level = []float64{k.Sigmas[level]}, l.StepSize, level
	var obs []sample.Observer
	if f := m.observer(o); f != nil {
		sigma := k.Sigmas[level]
		obs = append(obs, func(step int, x []float64) { f(step, sigma, x) })
	} else if !m.net.OnGoBackend() && c.label < 0 && c.given == nil {
		// A compiled loop on an accelerator: no per-step callback.
		c, err := m.net.NewLangevin(level, l.StepSize, l.Steps)
		if err != nil {
			return err
		}
		return c.Run(x, l.Steps, rng)
	}
	return Catch(func() { must(c.langevin(l, x, c.at(level), rng, obs)) })
}

// AnnealedSigmas returns the levels annealed Langevin runs at under o
// (SampleOptions.Sigmas, each one of the model's own, or the model's from
// the largest down to Lowest), largest first, with the same defaults as
// Sample. It returns an error for a model without levels, a level out of
// range, and a level not the model's.
func (m *Model) AnnealedSigmas(o SampleOptions) ([]float64, error) {
	k, ok := m.kind.(Levels)
	if !ok {
		return nil, fmt.Errorf("model: a %s model has no noise levels", m.kind)
	}
	for _, s := range o.Sigmas {
		if i := k.Sigmas.Level(math.Max(s, 0)); !(math.Abs(k.Sigmas[i]-s) <= 1e-9*k.Sigmas[i]) {
			return nil, fmt.Errorf("model: noise level %v is not one of the model's (%.3g..%.3g)", s, k.Sigmas[0], k.Sigmas[len(k.Sigmas)-1])
		}
	}
	if o.Sigmas != nil {
		return o.Sigmas, nil
	}
	lowest := 0
	if m.image {
		lowest = k.Sigmas.Level(imageSigma)
	}
	if o.Lowest != nil {
		lowest = *o.Lowest
	}
	if lowest < 0 || lowest >= len(k.Sigmas) {
		return nil, fmt.Errorf("model: lowest level %d out of range: the model has levels 0..%d", lowest, len(k.Sigmas)-1)
	}
	return sample.Descending(k.Sigmas[lowest:]), nil
}

// annealed is annealed Langevin at the levels AnnealedSigmas gives.
func (m *Model) annealed(x []float64, k Levels, rng *rand.Rand, o SampleOptions, st *Stats) error {
	sigmas, err := m.AnnealedSigmas(o)
	if err != nil {
		return err
	}
	a := sample.Annealed{Sigmas: sigmas, StepsPerLevel: o.StepsPerLevel, Eps: o.Eps, Denoise: !m.image}
	if o.Denoise != nil {
		a.Denoise = *o.Denoise
	}
	if a.StepsPerLevel == 0 && a.Eps == 0 && m.std != nil { // standardised points
		a.StepsPerLevel, a.Eps = sample.PointStepsPerLevel, sample.PointEps
	}
	if a.StepsPerLevel == 0 {
		a.StepsPerLevel = defaultStepsPerLevel
	}
	if a.Eps == 0 {
		a.Eps = defaultEps
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("model: annealed: %w", err)
	}
	return m.annealedFrom(x, a, rng, o, st, func(c *condition) sample.Levels { return sample.ScheduleLevels(k.Sigmas, c.at) })
}

// annealedFrom runs a on x, from N(0, σ_max²) unless o gives the start,
// on the levels levels gives for the run's condition, recording a's
// statistics in st and calling o's observer after each step with its
// level.
func (m *Model) annealedFrom(x []float64, a sample.Annealed, rng *rand.Rand, o SampleOptions, st *Stats, levels func(c *condition) sample.Levels) error {
	top := a.Sigmas[0]
	m.start(x, o, func(x []float64) {
		for i := range x {
			x[i] = top * rng.NormFloat64()
		}
	})
	c, err := m.conditionOf(len(x)/m.Dim(), o)
	if err != nil {
		return err
	}
	st.Steps = a.Steps()
	st.NFE = st.Steps * c.evals()
	st.Sigmas, st.StepSize, st.StepsPerLevel = a.Sigmas, a.Eps, a.StepsPerLevel
	var obs []sample.Observer
	if f := m.observer(o); f != nil {
		obs = append(obs, func(step int, x []float64) {
			i := min((step-1)/a.StepsPerLevel, len(a.Sigmas)-1)
			f(step, a.Sigmas[i], x)
		})
	}
	return Catch(func() { must(c.annealed(a, x, levels(c), rng, obs)) })
}

// reverse runs a reverse-time sampler of p with score from the prior.
func (m *Model) reverse(x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand, o SampleOptions, st *Stats) error {
	r, err := ReverseSampler(p, o)
	if err != nil {
		return err
	}
	m.start(x, o, func(x []float64) { sde.PriorSample(p, x, rng) })
	if f := m.observer(o); f != nil {
		score = observed{score, f, new(int)}
	}
	c, _ := m.conditionOf(len(x)/m.Dim(), o)
	var nfe int
	if err := Catch(func() { nfe, err = c.reverse(r, x, p, score, rng) }); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	st.NFE, st.Steps = nfe*c.evals(), nfe
	return nil
}

// observed calls f before every evaluation of the score.
type observed struct {
	sde.TimeScorer
	f func(n int, t float64, x []float64)
	n *int
}

func (s observed) ScoreAt(dst, x []float64, t float64) {
	*s.n++
	s.f(*s.n, t, x)
	s.TimeScorer.ScoreAt(dst, x, t)
}

// ReverseSampler returns the reverse-time sampler of p that o names (one
// of ReverseSamplers) with o's NFE (0: DefaultNFE), tolerances, SNR and
// Eta, for sample.Reverse's Sample with any score under p. It returns an
// error for an NFE out of NFERange, an NFE given to ode, and ddim under a
// process other than VP.
func ReverseSampler(p sde.SDE, o SampleOptions) (sample.Reverse, error) {
	if o.Sampler == ODE {
		if o.NFE != 0 {
			return nil, fmt.Errorf("model: NFE applies to the fixed-step samplers; ode's follows RTol and ATol")
		}
		return sample.Flow{RTol: o.RTol, ATol: o.ATol}, nil
	}
	if o.Sampler == DDIM {
		if _, ok := p.(sde.VP); !ok {
			return nil, fmt.Errorf("model: ddim needs the VP process (DDIM is defined for it), not %v: use heun or dpm2m", p)
		}
	}
	nfe := o.NFE
	if nfe == 0 {
		nfe = DefaultNFE[o.Sampler]
	}
	if least, most := NFERange(Diffusion{SDE: p}, o.Sampler); nfe < least || nfe > most {
		return nil, fmt.Errorf("model: NFE of %s must be in [%d, %d], got %d", o.Sampler, least, most, nfe)
	}
	switch o.Sampler {
	case EM:
		return sample.EM{Steps: nfe}, nil
	case PC:
		return sample.PC{Steps: nfe / 2, SNR: o.SNR}, nil
	case Heun:
		return sample.Heun{Steps: sample.Heun{}.StepsForNFE(nfe)}, nil
	case DDIM:
		return sample.DDIM{Steps: nfe, Eta: o.Eta}, nil
	}
	return sample.DPM2M{Steps: nfe}, nil
}

// flow carries N(0, I) draws along a flow model's velocity.
func (m *Model) flow(x []float64, rng *rand.Rand, o SampleOptions, st *Stats) error {
	v, err := m.net.Velocity()
	if err != nil {
		return err
	}
	s := sample.VelocityFlow{Solver: o.Sampler, RTol: o.RTol, ATol: o.ATol}
	if o.Sampler == ODE {
		if o.NFE != 0 {
			return fmt.Errorf("model: NFE applies to the fixed-step solvers; ode's follows RTol and ATol")
		}
	} else {
		nfe := o.NFE
		if nfe == 0 {
			nfe = defaultFlowNFE[o.Sampler]
		}
		if least, most := NFERange(Flow{}, o.Sampler); nfe < least || nfe > most {
			return fmt.Errorf("model: NFE of %s must be in [%d, %d], got %d", o.Sampler, least, most, nfe)
		}
		s.Steps = nfe
		if o.Sampler == Heun {
			s.Steps = nfe / 2
		}
	}
	m.start(x, o, func(x []float64) {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
	})
	c, _ := m.conditionOf(len(x)/m.Dim(), o)
	field := c.velocity(v)
	if f := m.observer(o); f != nil {
		n, inner := 0, field
		field = func(t float64, x, dx []float64) {
			n++
			f(n, t, x)
			inner(t, x, dx)
		}
	}
	var nfe int
	if err := Catch(func() { nfe, err = s.Sample(x, field) }); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	st.NFE, st.Steps = nfe*c.evals(), nfe
	return nil
}

// must panics with err, for catch to return.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

var _ sgm.Scorer = dataScorer{}
