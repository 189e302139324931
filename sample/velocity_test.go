package sample

import (
	"math"
	"testing"
)

// TestVelocityFlowLinear checks each solver on v(t, x) = x, whose flow from
// t = 0 to 1 multiplies x by e: Euler's error is O(1/n), Heun's O(1/n²),
// Dormand-Prince's within its tolerance.
func TestVelocityFlowLinear(t *testing.T) {
	v := func(_ float64, x, dx []float64) { copy(dx, x) }
	for _, tc := range []struct {
		s       VelocityFlow
		tol     float64
		wantNFE int
	}{
		{VelocityFlow{Solver: "euler", Steps: 100}, 0.02, 100}, // e - (1.01)^100 = 0.0134
		{VelocityFlow{Solver: "heun", Steps: 50}, 3e-4, 100},   // e·h²/6 per unit time ≈ 1.8e-4
		{VelocityFlow{Solver: "ode", RTol: 1e-8, ATol: 1e-8}, 1e-6, 0},
	} {
		x := []float64{1, -2}
		nfe, err := tc.s.Sample(x, v)
		if err != nil {
			t.Fatal(err)
		}
		for i, x0 := range []float64{1, -2} {
			if got := x[i]; math.Abs(got-x0*math.E) > tc.tol*math.Abs(x0) {
				t.Errorf("%s: x[%d] = %v, want %v", tc.s.Solver, i, got, x0*math.E)
			}
		}
		if tc.wantNFE > 0 && nfe != tc.wantNFE {
			t.Errorf("%s: nfe %d, want %d", tc.s.Solver, nfe, tc.wantNFE)
		}
	}
	for _, bad := range []VelocityFlow{{Solver: "rk4"}, {Solver: "euler"}} {
		if _, err := bad.Sample([]float64{1}, v); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
