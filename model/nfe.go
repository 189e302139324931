package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sde"
)

// SampleScore draws n samples into dst (allocated when nil) by the
// reverse process of p driven by score, a time-conditioned score that is
// not a model's (the exact score of a mixture under p, sde.Mixture), from
// the prior: what Sample does for a Diffusion model, with the same
// samplers and options (Sampler, default ODE; NFE; RTol and ATol; SNR;
// Eta) and the same draws from rng, so that an exact score and a learned
// one are compared sampler for sampler.
func SampleScore(dst []float64, n int, p sde.SDE, score sde.TimeScorer, rng *rand.Rand, o SampleOptions) ([]float64, Stats, error) {
	d := score.Dim()
	if n < 0 {
		return nil, Stats{}, fmt.Errorf("model: %d samples", n)
	}
	if dst == nil {
		dst = make([]float64, n*d)
	}
	if len(dst) != n*d {
		panic(fmt.Sprintf("model: SampleScore: len(dst)=%d, want %d samples of dimension %d", len(dst), n, d))
	}
	if o.Sampler == "" {
		o.Sampler = ODE
	}
	if !slices.Contains(ReverseSamplers, o.Sampler) {
		return nil, Stats{}, fmt.Errorf("model: sampler %q is not a reverse-time sampler (%s)", o.Sampler, strings.Join(ReverseSamplers, ", "))
	}
	r, err := ReverseSampler(p, o)
	if err != nil {
		return nil, Stats{}, err
	}
	sde.PriorSample(p, dst, rng)
	nfe, err := r.Sample(dst, p, score, rng)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("model: %w", err)
	}
	return dst, Stats{Sampler: o.Sampler, NFE: nfe, Steps: nfe}, nil
}

// NFESamplers are the reverse-time samplers NFECurves compares under p by
// default: em, pc, ode, heun and dpm2m, and ddim where p is VP (DDIM is
// defined for it).
func NFESamplers(p sde.SDE) []string {
	names := []string{EM, PC, ODE, Heun, DPM2M}
	if _, ok := p.(sde.VP); ok {
		names = append(names, DDIM)
	}
	return names
}

// SampleFunc draws n samples as o says, as Model.Sample does with a nil
// dst; SampleScore gives one for an exact score.
type SampleFunc func(n int, rng *rand.Rand, o SampleOptions) ([]float64, Stats, error)

// NFEPoint is one run of NFECurves: a sampler, the evaluations it used
// and the W₂ of its samples to exact draws.
type NFEPoint struct {
	Sampler string
	NFE     int
	W2      float64
}

// NFETolerances are the tolerances, rtol = atol, at which NFECurves runs
// the adaptive ODE sampler: from loose to score_sde's.
var NFETolerances = []float64{1e-1, 1e-2, 1e-3, 1e-4, 1e-5}

// NFECurves measures sample quality against the number of evaluations:
// it runs each sampler of names by s at each NFE of budgets (the ODE
// sampler at NFETolerances instead), n samples a run each from its own
// stream (seed + 1000i + j, for the j-th run of the i-th sampler), and
// returns the exact W₂ of each run's samples to n exact draws of ref, with
// W₂'s noise floor between exact draws of n over reps pairs (none for reps
// 0). progress, when not nil, is called before the first run and after
// each with the runs done and their total.
func NFECurves(s SampleFunc, ref sgm.Source, names []string, budgets []int, n, reps int, seed uint64, progress func(done, total int)) ([]NFEPoint, metric.Floor, error) {
	d := ref.Dim()
	w2 := func(x, y []float64) float64 { return metric.Wasserstein2(x, y, d) }
	rng := rand.New(rand.NewPCG(seed, 0xf1))
	exact := ref.Sample(nil, n, rng)
	var floor metric.Floor
	if reps > 0 {
		floor = metric.NoiseFloor(w2, ref, n, reps, rng)
	}
	runs := make([][]SampleOptions, len(names))
	total := 0
	for i, name := range names {
		if name == ODE {
			for _, tol := range NFETolerances {
				runs[i] = append(runs[i], SampleOptions{Sampler: name, RTol: tol, ATol: tol})
			}
		} else {
			for _, k := range budgets {
				runs[i] = append(runs[i], SampleOptions{Sampler: name, NFE: k})
			}
		}
		total += len(runs[i])
	}
	if progress != nil {
		progress(0, total)
	}
	var pts []NFEPoint
	for i, name := range names {
		for j, o := range runs[i] {
			x, st, err := s(n, rand.New(rand.NewPCG(seed+uint64(1000*i+j), 0x5de)), o)
			if err != nil {
				return nil, floor, fmt.Errorf("%s: %w", name, err)
			}
			pts = append(pts, NFEPoint{name, st.NFE, w2(x, exact)})
			if progress != nil {
				progress(len(pts), total)
			}
		}
	}
	return pts, floor, nil
}
