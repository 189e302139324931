package ode

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// rotation is dx/dt = A x with A = [[-λ, -ω], [ω, -λ]] for each point of a
// batch of 2-D points; its solution is x(t) = e^{-λt} R(ωt) x(0).
func rotation(lambda, omega float64, calls *int) Func {
	return func(_ float64, x, dx []float64) {
		*calls++
		for i := 0; i < len(x); i += 2 {
			dx[i] = -lambda*x[i] - omega*x[i+1]
			dx[i+1] = omega*x[i] - lambda*x[i+1]
		}
	}
}

func rotationAt(lambda, omega, t float64, x0 []float64) []float64 {
	want := make([]float64, len(x0))
	sin, cos := math.Sincos(omega * t)
	e := math.Exp(-lambda * t)
	for i := 0; i < len(x0); i += 2 {
		want[i] = e * (cos*x0[i] - sin*x0[i+1])
		want[i+1] = e * (sin*x0[i] + cos*x0[i+1])
	}
	return want
}

// TestDormandPrinceLinear checks the solution of a linear ODE against its
// closed form, forwards and backwards, for tightening tolerances: the
// global error of a 5(4) pair with local error control stays within a
// small multiple of the tolerance (here 20·rtol relative over ~3 turns;
// HNW II.4 shows the global error tracking tol over such spans) and the
// NFE the solver reports is the number of calls.
func TestDormandPrinceLinear(t *testing.T) {
	x0 := []float64{1, 0, 0.3, -2}
	prev := math.Inf(1)
	for _, rtol := range []float64{1e-3, 1e-6, 1e-9} {
		for _, span := range [][2]float64{{0, 20}, {20, 0}} {
			calls := 0
			x := append([]float64(nil), x0...)
			// Backwards, from 20 to 0, start at the solution at 20.
			if span[0] == 20 {
				x = rotationAt(0.1, 1, 20, x0)
			}
			st, err := DormandPrince{RTol: rtol, ATol: rtol * 1e-3}.Solve(rotation(0.1, 1, &calls), x, span[0], span[1])
			if err != nil {
				t.Fatal(err)
			}
			want := rotationAt(0.1, 1, span[1], x0)
			e := numtest.RelErr(x, want)
			if e > 20*rtol {
				t.Errorf("rtol %g, %v: relative error %.3g", rtol, span, e)
			}
			if st.NFE != calls || st.NFE != 2+6*(st.Steps+st.Rejected) {
				t.Errorf("rtol %g: NFE %d, calls %d, steps %d+%d rejected", rtol, st.NFE, calls, st.Steps, st.Rejected)
			}
			if span[0] == 0 {
				if e >= prev {
					t.Errorf("rtol %g: error %.3g did not fall below %.3g", rtol, e, prev)
				}
				prev = e
			}
		}
	}
}

// TestDormandPrinceExp checks dx/dt = x, x(0) = 1, at t = 1 against e, and
// that the order-5 method takes ~10^(3/5)≈4 times as many steps for 1000
// times tighter tolerance (steps ∝ tol^(-1/5)): between 2 and 8.
func TestDormandPrinceExp(t *testing.T) {
	steps := map[float64]int{}
	for _, rtol := range []float64{1e-5, 1e-8} {
		x := []float64{1}
		st, err := DormandPrince{RTol: rtol, ATol: 1e-14}.Solve(func(_ float64, x, dx []float64) { dx[0] = x[0] }, x, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if e := math.Abs(x[0]-math.E) / math.E; e > 10*rtol {
			t.Errorf("rtol %g: x(1) = %v, error %.3g", rtol, x[0], e)
		}
		steps[rtol] = st.Steps
	}
	if r := float64(steps[1e-8]) / float64(steps[1e-5]); r < 2 || r > 8 {
		t.Errorf("steps %v: ratio %.2f, want about 4", steps, r)
	}
}

// TestPointDim checks that the per-point norm holds a point of small,
// fast-decaying values to the tolerance that the RMS over a batch of 99
// slowly growing points lets it miss (the RMS allows up to √100 = 10 atol
// on one entry).
func TestPointDim(t *testing.T) {
	f := func(_ float64, x, dx []float64) {
		dx[0] = -50 * x[0]
		for i := 1; i < len(x); i++ {
			dx[i] = x[i]
		}
	}
	var errs [2]float64
	for pd := range 2 {
		x := make([]float64, 100)
		x[0] = 1
		for i := 1; i < len(x); i++ {
			x[i] = 1e4
		}
		if _, err := (DormandPrince{RTol: 1e-4, ATol: 1e-4, PointDim: pd}).Solve(f, x, 0, 1); err != nil {
			t.Fatal(err)
		}
		errs[pd] = math.Abs(x[0]-math.Exp(-50)) / 1e-4
	}
	// Global error of a few atol is what local control gives; the RMS
	// norm's is several times larger.
	t.Logf("errors %v", errs)
	if errs[1] > 1 || errs[0] < 3*errs[1] {
		t.Errorf("error of the small point in atol: %.3g with the RMS norm, %.3g per point", errs[0], errs[1])
	}
}

func TestDormandPrinceErrors(t *testing.T) {
	x := []float64{1}
	_, err := DormandPrince{}.Solve(func(_ float64, x, dx []float64) { dx[0] = x[0] * x[0] }, x, 0, 2)
	if err == nil {
		t.Error("x' = x², blow-up at t=1: no error")
	}
	x = []float64{1}
	_, err = DormandPrince{}.Solve(func(_ float64, x, dx []float64) { dx[0] = math.NaN() }, x, 0, 1)
	if !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN field: error %v, want ErrNotFinite", err)
	}
	x = []float64{1}
	_, err = DormandPrince{RTol: 1e-10, MaxNFE: 20}.Solve(func(_ float64, x, dx []float64) { dx[0] = x[0] }, x, 0, 10)
	if err == nil {
		t.Error("MaxNFE 20: no error")
	}
	numtest.WantPanic(t, "ode: DormandPrince", func() { DormandPrince{RTol: -1}.Solve(nil, x, 0, 1) })
	numtest.WantPanic(t, "ode: DormandPrince", func() { DormandPrince{PointDim: 2}.Solve(nil, []float64{1, 2, 3}, 0, 1) })
	numtest.WantPanic(t, "ode: DormandPrince", func() { DormandPrince{}.Solve(nil, x, 0, math.Inf(1)) })
	numtest.WantPanic(t, "ode: Euler", func() { Euler(nil, x, []float64{0}) })
}

// TestFixedStepOrder checks the orders of Euler (1) and Heun (2) on the
// rotation: doubling the steps divides the error by about 2 and 4 (the
// ratio within 15% for these step sizes, where the next term of the error
// expansion is an order smaller).
func TestFixedStepOrder(t *testing.T) {
	x0 := []float64{1, 0}
	want := rotationAt(0.5, 2, 1, x0)
	for _, c := range []struct {
		name  string
		solve func(Func, []float64, []float64) (int, error)
		ratio float64
		nfe   int
	}{{"Euler", Euler, 2, 1}, {"Heun", Heun, 4, 2}} {
		var errs []float64
		for _, n := range []int{200, 400} {
			ts := make([]float64, n+1)
			for i := range ts {
				ts[i] = float64(i) / float64(n)
			}
			x := append([]float64(nil), x0...)
			calls := 0
			nfe, err := c.solve(rotation(0.5, 2, &calls), x, ts)
			if err != nil || nfe != c.nfe*n || calls != nfe {
				t.Fatalf("%s: nfe %d, calls %d, err %v", c.name, nfe, calls, err)
			}
			errs = append(errs, numtest.RelErr(x, want))
		}
		if r := errs[0] / errs[1]; math.Abs(r/c.ratio-1) > 0.15 {
			t.Errorf("%s: errors %v, ratio %.3f, want %v", c.name, errs, r, c.ratio)
		}
	}
}

func ExampleDormandPrince() {
	x := []float64{1}
	st, err := DormandPrince{RTol: 1e-8, ATol: 1e-12}.Solve(func(_ float64, x, dx []float64) { dx[0] = -x[0] }, x, 0, 2)
	fmt.Printf("x(2) = %.8f (e^-2 = %.8f), err %v, NFE %d\n", x[0], math.Exp(-2), err, st.NFE)
	// Output:
	// x(2) = 0.13533528 (e^-2 = 0.13533528), err <nil>, NFE 140
}

// TestDormandPrinceHugeField checks the solver on fields and states near
// the float64 range, where a sum of squares overflows: a constant field
// of 1e200 from t = 1 down to 0 has the solution x(0) = x(1) - 1e200
// (exact in every step, the error estimate being 0), which the solver must
// reach with every evaluation at a time in [0, 1], never a NaN one; and
// one whose solution leaves the range, x' = 1e308 from x = 1e308, must
// fail with an error, not return an infinite state.
func TestDormandPrinceHugeField(t *testing.T) {
	var bad []float64
	field := func(c float64) Func {
		return func(tt float64, _, dx []float64) {
			if !(tt >= 0 && tt <= 1) {
				bad = append(bad, tt)
			}
			for i := range dx {
				dx[i] = c
			}
		}
	}
	x := []float64{0, 1}
	st, err := DormandPrince{}.Solve(field(1e200), x, 1, 0)
	if err != nil || len(bad) > 0 {
		t.Fatalf("x' = 1e200: error %v, %d evaluations at times outside [0, 1] (%v)", err, len(bad), bad[:min(3, len(bad))])
	}
	// The steps add up to 1 in about 16 decades of growth by 10 each:
	// a relative error of a few ulps per step.
	for i, x0 := range []float64{0, 1} {
		if want := x0 - 1e200; math.Abs(x[i]-want) > 1e-13*1e200 {
			t.Errorf("x' = 1e200: x[%d](0) = %v, want %v (%d NFE)", i, x[i], want, st.NFE)
		}
	}
	x = []float64{1e308}
	_, err = DormandPrince{}.Solve(field(1e308), x, 0, 1)
	if err == nil || math.IsInf(x[0], 0) || math.IsNaN(x[0]) {
		t.Errorf("x' = 1e308 from 1e308: error %v, state %v; want an error and a finite state", err, x[0])
	}
	_, err = DormandPrince{}.Solve(field(0), []float64{math.Inf(1)}, 0, 1)
	if !errors.Is(err, ErrNotFinite) {
		t.Errorf("infinite initial state: error %v, want ErrNotFinite", err)
	}
}

// TestNotFiniteNamesPoint checks that a field that is not finite at one
// point of a batch is reported with that point (PointDim 2: elements 4, 5
// are point 2), as errors.Is ErrNotFinite, from the initial state and
// from the field: a likelihood run failed on one point at 1e50 without
// naming it.
func TestNotFiniteNamesPoint(t *testing.T) {
	f := func(_ float64, x, dx []float64) {
		for i, v := range x {
			dx[i] = -v
			if v > 1e300 {
				dx[i] = math.Inf(1)
			}
		}
	}
	x := []float64{1, 2, 3, 4, 2e300, 6, 7, 8}
	_, err := DormandPrince{PointDim: 2}.Solve(f, x, 0, 1)
	var nf *NotFiniteError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFinite) || nf.Point != 2 || nf.Index != 4 || nf.Initial || nf.T != 0 {
		t.Errorf("field infinite at element 4: error %v (%+v), want point 2 at t=0", err, nf)
	}
	if want := "ode: state or vector field not finite at t=0 (point 2, from 0)"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	_, err = DormandPrince{PointDim: 2}.Solve(f, []float64{1, 2, 3, math.NaN()}, 0, 1)
	if !errors.As(err, &nf) || nf.Point != 1 || !nf.Initial {
		t.Errorf("NaN at element 3 of the initial state: error %v, want point 1", err)
	}
	_, err = Euler(f, []float64{2e300, 1}, []float64{0, 0.5, 1})
	if !errors.As(err, &nf) || nf.Point != -1 || nf.Index != 0 {
		t.Errorf("Euler: error %v, want element 0 of no known point", err)
	}
}
