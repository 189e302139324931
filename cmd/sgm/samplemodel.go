package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sgm-dev/sgm/model"
)

// "sgm sample --model DIR" is model.Sample: this file turns the flags
// into model.SampleOptions, refusing those that do not apply to the
// model's kind and sampler, and writes and reports the samples.

// langevinFlags and annealedFlags are the flags of the Langevin samplers
// of a model (the reverse samplers' are sdeFlags').
var (
	langevinFlags = []string{"steps", "step-size"}
	annealedFlags = []string{"sigmas", "steps-per-level", "eps", "denoise"}
)

// sampleModel samples the model in f.model as the flags say.
func sampleModel(e *env, fs *flag.FlagSet, f sampleFlags, sf *sdeFlags) error {
	f.set = givenFlags(fs)
	sf.set = f.set
	switch {
	case f.target != "":
		return usagef("give one of --target and --model, not both")
	case f.set["sigma"]:
		return usagef("--sigma goes with --target; a model's noise level is chosen with --level")
	}
	for _, name := range []string{"leapfrog", "sde", "sigma-max"} {
		if f.set[name] {
			return usagef("--%s does not apply with --model (the model knows its process; leapfrog steps are hmc's, which needs log p)", name)
		}
	}
	if err := firstErr(checkAtLeast("n", f.n, 1), checkOutput("out", f.out, ".csv")); err != nil {
		return err
	}
	if f.path != "" {
		if err := checkOutput("path", f.path, ".csv"); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name     string
		v, least int
	}{{"steps", f.steps, 1}, {"burn-in", f.burnIn, 0}, {"every", f.every, 1}, {"steps-per-level", f.stepsPerLevel, 1}} {
		if err := checkCount(c.name, c.v, c.least); err != nil {
			return err
		}
	}
	if f.set["level"] && f.set["sigmas"] {
		return usagef("--level applies only without --sigmas, which gives annealed sampling its levels")
	}
	m, err := openModel(f.model)
	if err != nil {
		return err
	}
	for _, w := range m.Warnings() {
		fmt.Fprintf(e.stderr, "sgm sample: warning: %s\n", w)
	}
	if err := checkModelNoise(m.Net(), f.model); err != nil {
		return err
	}
	o, err := f.modelOptions(e, m, sf)
	if err != nil {
		return err
	}
	d := m.Dim()
	rng := rand.New(rand.NewPCG(f.seed, 0x5a3b1e)) // the stream of every sgm sample
	if f.set["init"] {
		if o.Init, err = initialPoints(f.init, f.n, d, rng); err != nil {
			return err
		}
	}
	var rec recorders
	if f.burnIn > 0 || f.path != "" {
		o.Observe = rec.observer(&f, d, 0, e.stderr)
	}
	began := time.Now()
	x, st, err := m.Sample(nil, f.n, rng, o)
	if err != nil {
		return err
	}
	return f.finish(e, rec, d, x, st, modelReport(f.model, m, st), began)
}

// modelOptions turns the flags into the options of model.Sample, refusing
// flags that do not apply to the sampler they choose, and a run that would
// not fit in memory (checkModelSizes), before anything is allocated: for
// every path that samples a model (plain, labelled, given values).
func (f *sampleFlags) modelOptions(e *env, m *model.Model, sf *sdeFlags) (model.SampleOptions, error) {
	o, err := f.samplerOptions(e, m, sf)
	if err != nil {
		return o, err
	}
	return o, f.checkModelSizes(m, o)
}

// samplerOptions is modelOptions less the memory check.
func (f *sampleFlags) samplerOptions(e *env, m *model.Model, sf *sdeFlags) (model.SampleOptions, error) {
	var o model.SampleOptions
	switch {
	case f.set["sampler"]:
		o.Sampler = f.sampler
	case f.set["steps"] || f.set["step-size"]:
		o.Sampler = model.Langevin
	}
	name := o.Sampler
	if name == "" {
		name = m.DefaultSampler()
	}
	if err := model.CheckSampler(m.Kind(), name); err != nil {
		return o, usagef("--sampler %q: %v", name, err)
	}
	langevin, annealed := name == model.Langevin, name == model.Annealed
	for _, c := range []struct {
		flags   []string
		applies bool
		only    string
	}{
		{langevinFlags, langevin, "to plain Langevin (--sampler langevin)"},
		{annealedFlags, annealed, "to --sampler annealed"},
		{[]string{"level"}, (langevin || annealed) && !f.set["sigmas"], "to langevin and annealed, and not with --sigmas, which gives annealed sampling its levels"},
		{[]string{"burn-in", "every"}, langevin || annealed, "to the Langevin samplers"},
		{[]string{"auto-tolerance", "reference"}, f.level == "auto", "with --level auto"},
	} {
		for _, flag := range c.flags {
			if f.set[flag] && !c.applies {
				return o, usagef("--%s applies only %s", flag, c.only)
			}
		}
	}
	if f.set["nfe"] && (langevin || annealed || name == model.ODE) {
		return o, usagef("--nfe applies to the fixed-step samplers; ode's NFE follows --rtol and --atol")
	}
	if err := sf.checkSamplerFlags(name); err != nil {
		return o, err
	}
	if f.set["every"] && f.burnIn == 0 {
		return o, usagef("--every applies only with --burn-in")
	}
	if f.set["rtol"] || f.set["atol"] {
		if err := sf.checkTol(); err != nil {
			return o, err
		}
		o.RTol, o.ATol = sf.rtol, sf.atol
	}
	if least, most := model.NFERange(m.Kind(), name); f.set["nfe"] {
		if err := checkRange("nfe", sf.nfe, least, most); err != nil {
			return o, err
		}
	}
	o.NFE, o.SNR, o.Eta = sf.nfe, sf.snr, sf.eta
	if f.set["step-size"] {
		if err := checkPositive("step-size", f.stepSize); err != nil {
			return o, err
		}
		o.StepSize = f.stepSize
	}
	if f.set["steps"] {
		o.Steps = f.steps
	}
	if f.set["steps-per-level"] {
		o.StepsPerLevel = f.stepsPerLevel
	}
	if f.set["eps"] {
		if err := checkPositive("eps", f.eps); err != nil {
			return o, err
		}
		o.Eps = f.eps
	}
	if f.set["denoise"] {
		o.Denoise = &f.denoise
	}
	if !(langevin || annealed) { // the samplers of a model of levels
		return o, nil
	}
	sigmas := m.Net().Config().Sigmas
	level := -1
	switch {
	case f.level == "auto" && f.set["level"]:
		if err := refusePointModel(m.Net(), f.model, "--level auto"); err != nil {
			return o, err
		}
		if !(f.autoTol > 0) {
			return o, usagef("--auto-tolerance must be positive, got %v", f.autoTol)
		}
		step := defaultModelStepSize
		if f.set["step-size"] {
			step = f.stepSize
		}
		var err error
		if level, err = autoLevel(e, m, f.reference, f.autoTol, step, f.seed); err != nil {
			return o, err
		}
	case f.set["level"]:
		var err error
		if level, err = chooseLevel(f.level, m.Net()); err != nil {
			return o, err
		}
	}
	if level >= 0 {
		o.Level, o.Lowest = &level, &level
	}
	if f.set["sigmas"] {
		v, err := parseFloats("sigmas", f.sigmas, -1)
		if err != nil {
			return o, err
		}
		if len(v) < 2 || len(v) > 3 || !(v[0] >= v[1]) || !(v[1] > 0) {
			return o, usagef("--sigmas %q: want MAX,MIN[,L] with MAX >= MIN > 0", f.sigmas)
		}
		if o.Sigmas = sigmas.Between(v[0], v[1]); o.Sigmas == nil {
			return o, usagef("--sigmas %q: none of the model's levels (%.3g..%.3g) lies in that range", f.sigmas, sigmas[0], sigmas[len(sigmas)-1])
		}
	}
	return o, nil
}

// checkModelSizes refuses, before anything is allocated, a run whose
// particles, pooled states or path would not fit in memory.
func (f *sampleFlags) checkModelSizes(m *model.Model, o model.SampleOptions) error {
	d := m.Dim()
	name := o.Sampler
	if name == "" {
		name = m.DefaultSampler()
	}
	switch name {
	case model.Langevin:
		return f.checkSizes(d, model.ParticleBytes(d, m.Net()), "steps", func(v int) float64 { return float64(v) })
	case model.Annealed:
		sigmas, err := m.AnnealedSigmas(o)
		if err != nil {
			return err
		}
		levels := float64(len(sigmas))
		if levels*float64(f.stepsPerLevel) > maxCount {
			return usagef("--steps-per-level %d at %.0f levels is %g steps; a run takes at most %d (2^40)", f.stepsPerLevel, levels, levels*float64(f.stepsPerLevel), maxCount)
		}
		return f.checkSizes(d, model.ParticleBytes(d, m.Net()), "steps-per-level", func(v int) float64 { return levels*float64(v) + 1 })
	}
	return checkFits("n", f.n, fmt.Sprintf("%d-dimensional particles", d), func(v int) float64 {
		return 8*model.ReverseCopies(name)*float64(v)*float64(d) + float64(v)*model.ParticleBytes(d, m.Net())
	})
}

// modelReport describes a run of model.Sample for the report line.
func modelReport(dir string, m *model.Model, st model.Stats) string {
	switch st.Sampler {
	case model.Langevin:
		return fmt.Sprintf("plain Langevin, %d steps of η=%g, model level %d (σ=%.3g)", st.Steps, st.StepSize, st.Level, st.Sigmas[0])
	case model.Annealed:
		s := st.Sigmas
		return fmt.Sprintf("annealed Langevin, %d levels σ=%.3g..%.3g, %d steps each, ε=%g", len(s), s[0], s[len(s)-1], st.StepsPerLevel, st.StepSize)
	}
	return fmt.Sprintf("model %s, %s, sampler %s, nfe %d", dir, m.Kind(), st.Sampler, st.NFE)
}
