package sde

import (
	"fmt"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// TimeScorer is a time-conditioned score: the score of the marginal p_t of
// a forward SDE at a batch of points,
//
//	s(x, t) = ∇ₓ log p_t(x)
//
// ScoreAt sets dst[i*d:(i+1)*d] to s(x[i*d:(i+1)*d], t) and panics as
// sgm.CheckBatch does. Analytic mixtures under an SDE (Mixture) and a
// network trained in continuous time implement it; the samplers (sample)
// and the likelihood (likelihood) see only this interface.
type TimeScorer interface {
	Dim() int
	ScoreAt(dst, x []float64, t float64)
}

// Mixture is the exact time-conditioned score of a Gaussian mixture data
// density p₀ under a forward SDE: p_t is p₀ scaled and perturbed by the
// kernel, again a mixture (dist.Mixture.Scaled),
//
//	p_t(x) = Σ_k w_k N(x; a(t) μ_k, diag(a(t)² σ_k² + s(t)²))
//
// It is the oracle against which samplers and likelihoods are checked.
type Mixture struct {
	SDE  SDE
	Data *dist.Mixture
}

var _ TimeScorer = Mixture{}

// NewMixture returns the exact score of data under p, or an error if p is
// not valid or a marginal of data under p is not representable.
func NewMixture(p SDE, data *dist.Mixture) (Mixture, error) {
	if err := p.Validate(); err != nil {
		return Mixture{}, err
	}
	for _, t := range []float64{0, 1} {
		a, s := p.Marginal(t)
		if err := data.CheckScaled(a, s); err != nil {
			return Mixture{}, fmt.Errorf("mixture under %v at t=%v: %w", p, t, err)
		}
	}
	return Mixture{SDE: p, Data: data}, nil
}

// Dim returns the dimension of the data.
func (m Mixture) Dim() int { return m.Data.Dim() }

// At returns the marginal p_t as a mixture.
func (m Mixture) At(t float64) *dist.Mixture {
	a, s := m.SDE.Marginal(t)
	return m.Data.Scaled(a, s)
}

// ScoreAt sets dst to the exact score of p_t at the batch x.
func (m Mixture) ScoreAt(dst, x []float64, t float64) {
	sgm.CheckBatch("sde: Mixture.ScoreAt", m.Dim(), dst, x)
	m.At(t).ScoreBatch(dst, x)
}

// ScoreJVPAt sets dst to the score of p_t at the batch x and hv to the
// product of its Jacobian (the Hessian of log p_t) with v, point by point:
// a directional derivative of the score, what forward-mode tangents through
// a network give. It implements likelihood.JVPScorer.
func (m Mixture) ScoreJVPAt(dst, hv, x, v []float64, t float64) {
	d := m.Dim()
	sgm.CheckBatch("sde: Mixture.ScoreJVPAt", d, dst, x)
	sgm.CheckBatch("sde: Mixture.ScoreJVPAt", d, hv, v)
	sgm.CheckBatch("sde: Mixture.ScoreJVPAt", d, dst, v)
	pt := m.At(t)
	for i := 0; i < len(x); i += d {
		pt.ScoreHessVec(dst[i:i+d], hv[i:i+d], x[i:i+d], v[i:i+d])
	}
}

// ScoreDivAt sets dst to the score of p_t at the batch x and div[i] to its
// divergence (the Laplacian of log p_t) at point i, in closed form.
func (m Mixture) ScoreDivAt(dst, div, x []float64, t float64) {
	d := m.Dim()
	sgm.CheckBatch("sde: Mixture.ScoreDivAt", d, dst, x)
	if len(div)*d != len(x) {
		panic(fmt.Sprintf("sde: Mixture.ScoreDivAt: len(div)=%d for %d points", len(div), len(x)/d))
	}
	pt := m.At(t)
	for i := range div {
		div[i] = pt.ScoreHessVec(dst[i*d:(i+1)*d], nil, x[i*d:(i+1)*d], nil)
	}
}
