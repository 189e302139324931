package metric

import (
	"fmt"
	"math"

	"github.com/sgm-dev/sgm"
)

// FisherDivergence returns the σ²-weighted Fisher divergence between the
// score of a model and an exact score, estimated at the points x_i (flat,
// n of them in R^d):
//
//	D = σ² · 1/n Σ_i ‖s_model(x_i) - s_exact(x_i)‖²
//
// With the points drawn from the σ-perturbed data p_σ and s_exact = ∇ log p_σ
// (dist.Mixture.Perturbed, dist.Image.Smoothed), this estimates
//
//	σ² E_{x~p_σ} ‖s_model(x) - ∇ₓ log p_σ(x)‖²
//
// the explicit score matching loss at noise level σ with the weighting
// λ(σ) = σ² of Song & Ermon (2019), under which the losses of all levels
// have the same scale (σ‖∇ log p_σ‖ is of order 1). Denoising score
// matching minimises the same quantity up to a constant.
//
// It panics if the scorers' dimensions differ, x does not hold at least one
// whole point of that dimension, or sigma is negative or not finite.
func FisherDivergence(model, exact sgm.Scorer, x []float64, sigma float64) float64 {
	d := model.Dim()
	if exact.Dim() != d {
		panic(fmt.Sprintf("metric: FisherDivergence: model dimension %d != exact dimension %d", d, exact.Dim()))
	}
	n := checkPoints("FisherDivergence", "x", x, d)
	if !(sigma >= 0) || sigma > math.MaxFloat64 {
		panic(fmt.Sprintf("metric: FisherDivergence: noise level must be non-negative and finite, got %v", sigma))
	}
	sm := make([]float64, len(x))
	se := make([]float64, len(x))
	model.ScoreBatch(sm, x)
	exact.ScoreBatch(se, x)
	var s float64
	for i, v := range sm {
		dv := v - se[i]
		s += dv * dv
	}
	return sigma * sigma * s / float64(n)
}
