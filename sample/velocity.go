package sample

import (
	"fmt"
	"slices"

	"github.com/sgm-dev/sgm/ode"
)

// VelocityFlow samples a flow-matching model: it carries points x drawn
// from the source N(0, I) at t = 0 along a learned velocity field
// dx/dt = v(t, x) to the data at t = 1, with the solver Solver names:
// "ode" (adaptive Dormand-Prince 5(4) at RTol and ATol, zero meaning
// DefaultFlowTol), "euler" (Steps steps, Steps evaluations) or "heun"
// (Steps steps, 2·Steps evaluations) on a uniform time grid.
type VelocityFlow struct {
	Solver     string
	Steps      int
	RTol, ATol float64
}

// VelocitySolvers lists the solvers of VelocityFlow.
var VelocitySolvers = []string{"ode", "euler", "heun"}

// Validate returns an error naming the setting that is out of range.
func (s VelocityFlow) Validate() error {
	switch {
	case !slices.Contains(VelocitySolvers, s.Solver):
		return fmt.Errorf("unknown solver %q of a velocity field (known: %v)", s.Solver, VelocitySolvers)
	case s.Solver != "ode" && s.Steps < 1:
		return fmt.Errorf("%s needs at least 1 step, got %d", s.Solver, s.Steps)
	}
	return nil
}

// Sample integrates v from t = 0 to 1, moving the points x (flat,
// row-major) in place, and returns the number of evaluations of v (each for
// the whole batch).
func (s VelocityFlow) Sample(x []float64, v ode.Func) (nfe int, err error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if s.Solver == "ode" {
		dp, err := flowSolver(s.RTol, s.ATol)
		if err != nil {
			return 0, err
		}
		st, err := dp.Solve(v, x, 0, 1)
		return st.NFE, err
	}
	ts := make([]float64, s.Steps+1)
	for i := range ts {
		ts[i] = float64(i) / float64(s.Steps)
	}
	if s.Solver == "euler" {
		return ode.Euler(v, x, ts)
	}
	return ode.Heun(v, x, ts)
}

// flowSolver is Dormand-Prince at rtol and atol, zero meaning
// DefaultFlowTol, validated.
func flowSolver(rtol, atol float64) (ode.DormandPrince, error) {
	dp := ode.DormandPrince{RTol: rtol, ATol: atol}
	if dp.RTol == 0 {
		dp.RTol = DefaultFlowTol
	}
	if dp.ATol == 0 {
		dp.ATol = DefaultFlowTol
	}
	return dp, dp.Validate()
}
