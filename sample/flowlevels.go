package sample

import (
	"fmt"
	"math"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/ode"
)

// FlowLevels reads the velocity field v of a flow from N(0, I) at t = 0 to
// the data at t = 1 along the linear path x_t = t x₁ + (1-t) x₀ (a
// flow-matching model's, CFM's and OT-CFM's) as the scores of the data
// perturbed by noise levels σ, which annealed Langevin and Given.Annealed
// take: the score of a flow's path is recoverable from its velocity. With
// x₀ ~ N(0, I), v(x, t) = E[x₁ - x₀ | x_t = x] = (x - E[x₀ | x])/t and, by
// Tweedie's formula for the noise (1-t) x₀, the score of x_t's marginal is
// s(x, t) = -E[x₀ | x]/(1-t), so
//
//	s(x, t) = (t v(x, t) - x) / (1 - t).
//
// Rescaled, y = x_t/t = x₁ + ((1-t)/t) x₀ is the data perturbed by noise
// of standard deviation σ = (1-t)/t (the VE reading of the path), whose
// score is t s(t y, t); at t = 1/(1+σ), where 1 - t = σ t,
//
//	∇_y log p_σ(y) = t (v(t y, t) - y) / σ.
//
// Levels(σ) is that score at σ > 0 (it panics at σ ≤ 0 or not finite),
// d the dimension; each evaluation is one evaluation of v. An error of v
// becomes an error of the score multiplied by t/σ, so the small levels
// need the velocity accurate near t = 1.
func FlowLevels(v ode.Func, d int) Levels {
	if d < 1 {
		panic(fmt.Sprintf("sample: FlowLevels: dimension %d", d))
	}
	return func(sigma float64) sgm.Scorer {
		if !(sigma > 0) || math.IsInf(sigma, 0) {
			panic(fmt.Sprintf("sample: FlowLevels: noise level %v, want positive and finite", sigma))
		}
		return &flowLevel{v: v, d: d, sigma: sigma}
	}
}

type flowLevel struct {
	v     ode.Func
	d     int
	sigma float64
	xt    []float64
}

func (f *flowLevel) Dim() int { return f.d }

func (f *flowLevel) ScoreBatch(dst, y []float64) {
	sgm.CheckBatch("sample: FlowLevels", f.d, dst, y)
	t := 1 / (1 + f.sigma)
	if cap(f.xt) < len(y) {
		f.xt = make([]float64, len(y))
	}
	xt := f.xt[:len(y)]
	for i, v := range y {
		xt[i] = t * v
	}
	f.v(t, xt, dst)
	for i, v := range dst {
		dst[i] = t * (v - y[i]) / f.sigma
	}
}
