package likelihood

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// ScoreDivergence is a time-conditioned score with the divergence of the
// score at each point: ScoreDivAt sets dst as sde.TimeScorer.ScoreAt does
// and div[i] to ∇ₓ·s(x_i, t) for point i. sde.Mixture implements it in
// closed form; Exact and Hutchinson build it from directional derivatives;
// a network with a fused score and divergence implements it directly.
type ScoreDivergence interface {
	Dim() int
	ScoreDivAt(dst, div, x []float64, t float64)
}

// JVPScorer is a time-conditioned score with its directional derivative
// along v at each point, J(x_i) v_i with J the Jacobian of the score (what
// forward-mode tangents through a network give): ScoreJVPAt sets dst to
// the score and jv to the products. sde.Mixture implements it.
type JVPScorer interface {
	sde.TimeScorer
	ScoreJVPAt(dst, jv, x, v []float64, t float64)
}

// MaxExactDim is the largest dimension for which Auto takes the exact
// divergence, d passes of a directional derivative; above it Auto takes
// Hutchinson's estimate.
const MaxExactDim = 16

// Auto returns Exact(s) for dimensions up to MaxExactDim and a Hutchinson
// estimator with the given number of Rademacher probes above.
func Auto(s JVPScorer, probes int, rng *rand.Rand) ScoreDivergence {
	if s.Dim() <= MaxExactDim {
		return Exact{s}
	}
	return &Hutchinson{S: s, Probes: probes, Rng: rng}
}

// Exact is the divergence as the trace of the Jacobian, Σ_j e_jᵀ J e_j,
// from d directional derivatives along the basis vectors: exact up to
// rounding, d passes per evaluation.
type Exact struct{ S JVPScorer }

func (e Exact) Dim() int { return e.S.Dim() }

// ScoreDivAt implements ScoreDivergence.
func (e Exact) ScoreDivAt(dst, div, x []float64, t float64) {
	d := e.S.Dim()
	checkDiv("Exact", d, dst, div, x)
	v, jv := make([]float64, len(x)), make([]float64, len(x))
	clear(div)
	for j := range d {
		clear(v)
		for i := j; i < len(x); i += d {
			v[i] = 1
		}
		e.S.ScoreJVPAt(dst, jv, x, v, t)
		for i := range div {
			div[i] += jv[i*d+j]
		}
	}
}

// Hutchinson estimates the divergence as the mean of vᵀ J v over Probes
// Rademacher vectors v (Hutchinson 1990; FFJORD, Grathwohl et al. 2019):
// unbiased, with a variance that grows with the off-diagonal of J. The
// probes are drawn from Rng on the first evaluation and kept, so that a
// solve sees one smooth vector field (as FFJORD); Reset draws new ones.
// Probes zero means 1.
type Hutchinson struct {
	S      JVPScorer
	Probes int
	Rng    *rand.Rand

	v [][]float64
}

// Reset forgets the probes; the next evaluation draws new ones.
func (h *Hutchinson) Reset() { h.v = nil }

func (h *Hutchinson) Dim() int { return h.S.Dim() }

// ScoreDivAt implements ScoreDivergence.
func (h *Hutchinson) ScoreDivAt(dst, div, x []float64, t float64) {
	d := h.S.Dim()
	checkDiv("Hutchinson", d, dst, div, x)
	probes := max(1, h.Probes)
	if len(h.v) != probes || len(h.v[0]) != len(x) {
		if h.Rng == nil {
			panic("likelihood: Hutchinson: nil Rng")
		}
		h.v = make([][]float64, probes)
		for p := range h.v {
			h.v[p] = make([]float64, len(x))
			for i := range h.v[p] {
				h.v[p][i] = float64(2*int(h.Rng.Uint64()&1) - 1)
			}
		}
	}
	jv := make([]float64, len(x))
	clear(div)
	for _, v := range h.v {
		h.S.ScoreJVPAt(dst, jv, x, v, t)
		for i := range div {
			var s float64
			for j := i * d; j < (i+1)*d; j++ {
				s += v[j] * jv[j]
			}
			div[i] += s / float64(probes)
		}
	}
}

func checkDiv(who string, d int, dst, div, x []float64) {
	sgm.CheckBatch("likelihood: "+who, d, dst, x)
	if len(div)*d != len(x) {
		panic(fmt.Sprintf("likelihood: %s: len(div)=%d for %d points", who, len(div), len(x)/d))
	}
}

// DefaultRTol, DefaultATol and DefaultBatch are the tolerances and batch
// that sgm eval --nll takes by default, chosen by measurement (README,
// "SDEs, ODE likelihoods and flow matching"). On 200 points of a VP model
// of the moons (sgm train --sde vp --data toy:moons with its defaults) the
// mean NLL at rtol = atol = 1e-3 was 0.0017 nats from 1e-5's, at 1e-4
// 0.0002, against a standard error of 0.067 (0.022 on 2,000 points), for
// 236, 1,064 and 5,510 evaluations: score_sde's 1e-5 buys nothing a reader
// can see at 20 times the cost (2,000 points took 474 to 582 s). The
// state's scale sets what the absolute tolerance means, the integral of
// the divergence (several nats under VE) what the relative one does: at
// rtol = atol = 1e-3 the NLL of N(0, I) under VE was 0.011 nats off its
// closed form, at rtol 1e-4 and atol 1e-3 0.0005, for 68 evaluations
// against 50 (the VP model's: 266 against 236, the same NLL). Batches of
// 250 points, each solved with its own steps, took 463k point evaluations
// on 2,000 points where one solve of all took 556k (the stiffest point
// sets every point's steps), and give progress to report.
const (
	DefaultRTol  = 1e-4
	DefaultATol  = 1e-3
	DefaultBatch = 250
)

// ODE computes log-densities through the probability-flow ODE of an SDE
// (Song et al. 2021, appendix D.2; FFJORD): with v(x, t) = f x - ½ g² s(x, t),
//
//	log p_ε(x(ε)) = log p₁(x(1)) + ∫_ε^1 ∇ₓ·v(x(t), t) dt
//	∇ₓ·v = f d - ½ g² ∇ₓ·s
//
// integrating x and the divergence together from Eps to 1 with
// Dormand-Prince at RTol and ATol, each point's state (x_i, its integral)
// held to the tolerances on its own (ode.DormandPrince.PointDim). The
// zero value takes RTol = ATol = 1e-5 and Eps = 1e-5 (score_sde's
// likelihood settings) and the SDE's prior for log p₁.
type ODE struct {
	RTol, ATol float64
	Eps        float64 // the time the densities are of; zero means 1e-5

	// Prior is log p₁; nil means sde.PriorLogProb. The exact p₁ of an
	// analytic target makes the result exact up to the solver's error.
	Prior func(x []float64) float64

	MaxNFE int // zero means the solver's bound, for each batch

	// Batch, when positive, solves the points in batches of at most that
	// many, one after another, each with its own steps: the error norm
	// holds every point of a solve to the tolerances, so in one solve of
	// all the points the stiffest sets the steps of every other. Zero
	// solves them all at once.
	Batch int

	// Progress, when not nil, is called after each batch with the points
	// done, of total, and the evaluations so far.
	Progress func(done, total, nfe int)
}

// Validate returns an error naming the setting that is out of range.
func (o ODE) Validate() error {
	if !(o.Eps >= 0 && o.Eps < 1) {
		return fmt.Errorf("eps must be in [0, 1), got %v", o.Eps)
	}
	if o.Batch < 0 {
		return fmt.Errorf("batch must be non-negative, got %d", o.Batch)
	}
	return o.solver(1).Validate()
}

func (o ODE) solver(d int) ode.DormandPrince {
	s := ode.DormandPrince{RTol: o.RTol, ATol: o.ATol, PointDim: d + 1, MaxNFE: o.MaxNFE}
	if s.RTol == 0 {
		s.RTol = 1e-5
	}
	if s.ATol == 0 {
		s.ATol = 1e-5
	}
	return s
}

// VelocityDivergence is a time-dependent vector field with its
// divergence: VelocityDivAt sets dst[i*d:(i+1)*d] to v(x_i, t) and div[i]
// to ∇ₓ·v(x_i, t) for each point of the batch x. A learned flow-matching
// vector field with its divergence implements it; Velocity builds one from
// an SDE and a ScoreDivergence (the probability-flow ODE).
type VelocityDivergence interface {
	Dim() int
	VelocityDivAt(dst, div, x []float64, t float64)
}

// Velocity returns the probability-flow vector field of p and s with its
// divergence:
//
//	v = f(t) x - ½ g(t)² s(x, t),   ∇ₓ·v = f(t) d - ½ g(t)² ∇ₓ·s
func Velocity(p sde.SDE, s ScoreDivergence) VelocityDivergence { return flowField{p, s} }

type flowField struct {
	p sde.SDE
	s ScoreDivergence
}

func (v flowField) Dim() int { return v.s.Dim() }

func (v flowField) VelocityDivAt(dst, div, x []float64, t float64) {
	v.s.ScoreDivAt(dst, div, x, t)
	sde.FlowVelocity(v.p, t, dst, x, dst)
	for i := range div {
		div[i] = sde.FlowDivergence(v.p, t, v.s.Dim(), div[i])
	}
}

// LogProb sets dst[i] to log p_Eps at point i of the batch x, in nats, and
// returns the number of evaluations of s (each for the whole batch). It
// returns an error if the settings are out of range or the solve fails;
// it panics if len(x) != len(dst)·s.Dim().
func (o ODE) LogProb(dst, x []float64, p sde.SDE, s ScoreDivergence) (nfe int, err error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	eps := o.Eps
	if eps == 0 {
		eps = 1e-5
	}
	prior := o.Prior
	if prior == nil {
		prior = func(x []float64) float64 { return sde.PriorLogProb(p, x) }
	}
	return o.Flow(dst, x, Velocity(p, s), eps, 1, prior)
}

// Flow sets dst[i] to log p_t0 at point i of the batch x for the density
// transported by the ODE dx/dt = v(x, t), given log p_t1 = prior, by the
// instantaneous change of variables (Chen et al. 2018):
//
//	log p_t0(x(t0)) = log p_t1(x(t1)) + ∫_t0^t1 ∇ₓ·v(x(t), t) dt
//
// integrating x and the integral together from t0 to t1 (either direction:
// flow matching's data end is t = 1, its noise end t = 0) at the settings'
// tolerances; Eps and Prior are not used. It returns the number of
// evaluations of v (each for one batch of points, summed over the
// batches) and an error as LogProb does.
func (o ODE) Flow(dst, x []float64, v VelocityDivergence, t0, t1 float64, prior func(x []float64) float64) (nfe int, err error) {
	d := v.Dim()
	if len(dst)*d != len(x) || d <= 0 {
		panic(fmt.Sprintf("likelihood: LogProb: len(x)=%d for %d points of dimension %d", len(x), len(dst), d))
	}
	if err := o.Validate(); err != nil {
		return 0, err
	}
	total := len(dst)
	size := total
	if o.Batch > 0 {
		size = o.Batch
	}
	for start := 0; start < total; start += size {
		end := min(start+size, total)
		k, err := o.flow(dst[start:end], x[start*d:end*d], v, t0, t1, prior)
		nfe += k
		if err != nil {
			if nf := (*ode.NotFiniteError)(nil); errors.As(err, &nf) && nf.Point >= 0 {
				nf.Point += start // the point among all, not the batch's
			}
			if start > 0 || end < total {
				err = fmt.Errorf("points %d to %d: %w", start+1, end, err)
			}
			return nfe, err
		}
		if o.Progress != nil {
			o.Progress(end, total, nfe)
		}
	}
	return nfe, nil
}

// flow is Flow for one batch.
func (o ODE) flow(dst, x []float64, v VelocityDivergence, t0, t1 float64, prior func(x []float64) float64) (nfe int, err error) {
	d := v.Dim()
	n := len(dst)
	state := make([]float64, n*(d+1))
	for i := range n {
		copy(state[i*(d+1):i*(d+1)+d], x[i*d:(i+1)*d])
	}
	xs, vel, div := make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	field := func(t float64, y, dy []float64) {
		for i := range n {
			copy(xs[i*d:(i+1)*d], y[i*(d+1):i*(d+1)+d])
		}
		v.VelocityDivAt(vel, div, xs, t)
		for i := range n {
			copy(dy[i*(d+1):i*(d+1)+d], vel[i*d:(i+1)*d])
			dy[i*(d+1)+d] = div[i]
		}
	}
	st, err := o.solver(d).Solve(field, state, t0, t1)
	if err != nil {
		return st.NFE, fmt.Errorf("probability-flow ODE: %w", err)
	}
	// Integrating from t0 to t1 accumulates ∫_t0^t1 div dt, whatever the
	// direction.
	for i := range n {
		y := state[i*(d+1) : (i+1)*(d+1)]
		dst[i] = prior(y[:d]) + y[d]
		if math.IsNaN(dst[i]) {
			return st.NFE, fmt.Errorf("log-density of point %d is NaN", i)
		}
	}
	return st.NFE, nil
}
