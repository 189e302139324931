package likelihood

import (
	"math/rand/v2"

	"github.com/sgm-dev/sgm/sde"
)

// VJPScorer is a time-conditioned score with the vector-Jacobian product
// at each point, v_iᵀ J(x_i) with J the Jacobian of the score (what one
// reverse pass through a network gives): ScoreVJPAt sets dst to the score
// and vj to the products.
type VJPScorer interface {
	sde.TimeScorer
	ScoreVJPAt(dst, vj, x, v []float64, t float64)
}

// HutchinsonVJP returns Hutchinson's estimator over vector-Jacobian
// products: vᵀJv = (vᵀJ)·v, so one reverse pass per probe serves as well
// as one forward-mode pass.
func HutchinsonVJP(s VJPScorer, probes int, rng *rand.Rand) *Hutchinson {
	return &Hutchinson{S: transposed{s}, Probes: probes, Rng: rng}
}

// transposed gives a VJPScorer's vᵀJ where Hutchinson asks for J v: the
// two have the same inner product with v, the only use Hutchinson makes of
// them. It is unexported because it is no JVP for any other use.
type transposed struct{ VJPScorer }

func (s transposed) ScoreJVPAt(dst, jv, x, v []float64, t float64) { s.ScoreVJPAt(dst, jv, x, v, t) }
