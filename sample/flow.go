package sample

import (
	"math/rand/v2"

	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// Flow samples by integrating the probability-flow ODE of Song et al.
// (2021) from t = 1 down to Eps,
//
//	dx/dt = f(t) x - ½ g(t)² ∇ₓ log p_t(x)
//
// with the adaptive Dormand-Prince 5(4) solver (ode.DormandPrince) at
// tolerances RTol and ATol (zero: 1e-5 each, as score_sde). It is
// deterministic: rng is not used. Its NFE is the solver's.
type Flow struct {
	RTol, ATol float64
	Eps        float64 // final time; zero means DefaultEps
}

// DefaultFlowTol is score_sde's tolerance for the probability-flow ODE.
const DefaultFlowTol = 1e-5

// FlowField returns the probability-flow vector field of p and score.
func FlowField(p sde.SDE, score sde.TimeScorer) ode.Func {
	return func(t float64, x, dx []float64) {
		score.ScoreAt(dx, x, t)
		sde.FlowVelocity(p, t, dx, x, dx)
	}
}

// Sample implements Reverse.
func (s Flow) Sample(x []float64, p sde.SDE, score sde.TimeScorer, _ *rand.Rand) (int, error) {
	eps, err := checkReverse("ode", 1, s.Eps, x, p, score)
	if err != nil {
		return 0, err
	}
	dp, err := flowSolver(s.RTol, s.ATol)
	if err != nil {
		return 0, err
	}
	st, err := dp.Solve(FlowField(p, score), x, 1, eps)
	return st.NFE, err
}
