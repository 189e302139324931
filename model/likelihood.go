package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/sde"
)

// LikelihoodOptions choose how LogProb integrates. The zero value is the
// probability-flow ODE at tolerances 1e-5 with the exact divergence.
type LikelihoodOptions struct {
	RTol, ATol float64 // the Dormand-Prince solver's; 0 means 1e-5
	// Probes is the number of Hutchinson probes used in place of the
	// exact divergence of a score network of more than
	// likelihood.MaxExactDim dimensions; 0 means 1. Rng draws them (nil:
	// a fixed stream).
	Probes int
	Rng    *rand.Rand

	// Batch and Progress are likelihood.ODE's: points per solve (0: all
	// in one) and a call after each batch with the points done.
	Batch    int
	Progress func(done, total, nfe int)
}

// LogProb sets dst[i] to log p(x_i), in nats, of each point of x (flat,
// row-major, in the data's units), by the probability-flow ODE of a
// Diffusion model or the flow of a Flow model (Song et al. 2021; Lipman et
// al. 2023), with the standardisation's log-Jacobian added: log p_x(x) =
// log p_z(z) - Σ log std. It returns the number of evaluations. A Levels
// model has no likelihood: LogProb returns an error. It panics if
// len(x) != len(dst)·Dim.
func (m *Model) LogProb(dst, x []float64, o LikelihoodOptions) (nfe int, err error) {
	d := m.Dim()
	if len(x) != len(dst)*d {
		panic(fmt.Sprintf("model: LogProb: %d values for %d points of dimension %d", len(x), len(dst), d))
	}
	solver := likelihood.ODE{RTol: o.RTol, ATol: o.ATol, Batch: o.Batch, Progress: o.Progress}
	y := m.toStandard(x)
	_, probes, err := m.Likelihood(o)
	if err != nil {
		return 0, err
	}
	switch k := m.kind.(type) {
	case Diffusion:
		score, err := m.net.TimeScore()
		if err != nil {
			return 0, err
		}
		var div likelihood.ScoreDivergence = score
		if probes > 0 {
			rng := o.Rng
			if rng == nil {
				rng = rand.New(rand.NewPCG(0, 0x407))
			}
			div = likelihood.HutchinsonVJP(score, probes, rng)
		}
		var solveErr error
		if err := Catch(func() { nfe, solveErr = solver.LogProb(dst, y, k.SDE, div) }); err != nil {
			return nfe, err
		}
		if solveErr != nil {
			return nfe, fmt.Errorf("model: %w", solveErr)
		}
	case Flow:
		v, err := m.net.Velocity()
		if err != nil {
			return 0, err
		}
		var solveErr error
		if err := Catch(func() { nfe, solveErr = solver.FlowMatching(dst, y, v) }); err != nil {
			return nfe, err
		}
		if solveErr != nil {
			return nfe, fmt.Errorf("model: %w", solveErr)
		}
	}
	if m.std != nil {
		ld := m.std.LogDet()
		for i := range dst {
			dst[i] -= ld
		}
	}
	return nfe, nil
}

// ErrNoLikelihood says that a model of noise levels has no likelihood.
var ErrNoLikelihood = errors.New("model: a model of noise levels has no likelihood; train one with an SDE or flow matching")

// Likelihood says how LogProb integrates the model's likelihood with the
// options o: along the probability-flow ODE of process (a Diffusion's SDE,
// as sde names it, or "flow"), with the exact divergence (probes 0) or, for
// a score network of more than likelihood.MaxExactDim dimensions,
// Hutchinson's estimate with probes probes. A Levels model has none: it
// returns ErrNoLikelihood.
func (m *Model) Likelihood(o LikelihoodOptions) (process string, probes int, err error) {
	switch k := m.kind.(type) {
	case Diffusion:
		if m.Dim() > likelihood.MaxExactDim {
			probes = max(1, o.Probes)
		}
		return k.SDE.String(), probes, nil
	case Flow:
		return k.String(), 0, nil
	}
	return "", 0, ErrNoLikelihood
}

// SDE is the forward process of a Diffusion model, whose reverse samplers
// take it (ReverseSampler), and false for the other kinds.
func (m *Model) SDE() (sde.SDE, bool) {
	k, ok := m.kind.(Diffusion)
	return k.SDE, ok
}

// NLL is the negative log-likelihood of a set of points.
type NLL struct {
	N          int
	Mean       float64 // mean of -log p over the points, nats
	SE         float64 // its standard error
	BitsPerDim float64 // Mean / (d log 2)
	NFE        int
}

// NLL returns the mean negative log-likelihood of the points x (in the
// data's units) with its standard error (LogProb). It returns an error
// naming the first point whose log-density is not finite.
func (m *Model) NLL(x []float64, o LikelihoodOptions) (NLL, error) {
	d := m.Dim()
	if len(x) == 0 || len(x)%d != 0 {
		return NLL{}, fmt.Errorf("model: NLL of %d values: want a whole, non-zero number of points of dimension %d", len(x), d)
	}
	logp := make([]float64, len(x)/d)
	nfe, err := m.LogProb(logp, x, o)
	if err != nil {
		return NLL{}, err
	}
	r, err := NLLOf(logp, d)
	r.NFE = nfe
	return r, err
}

// NLLOf returns the mean of -logp, its standard error and the bits per
// dimension of points of dimension d, or an error naming the first point
// whose log-density is not finite. Running means and a scaled two-pass
// deviation: log-densities near -1e300 (points at 1e150) would overflow
// their squares' sum into a NaN standard error.
func NLLOf(logp []float64, d int) (NLL, error) {
	n := len(logp)
	var mean float64
	for i, l := range logp {
		if math.IsInf(l, 0) || math.IsNaN(l) {
			return NLL{}, fmt.Errorf("point %d: log-density %v: too far out for float64", i+1, l)
		}
		mean += (-l - mean) / float64(i+1)
	}
	var scale, ss float64
	for _, l := range logp {
		scale = max(scale, math.Abs(l+mean))
	}
	if scale > 0 {
		for _, l := range logp {
			r := (l + mean) / scale
			ss += r * r
		}
	}
	se := 0.0
	if n > 1 {
		se = scale * math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	}
	return NLL{N: n, Mean: mean, SE: se, BitsPerDim: mean / (float64(d) * math.Ln2)}, nil
}
