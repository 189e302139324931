package ode

import (
	"errors"
	"fmt"
	"math"
)

// Func is a vector field: it sets dxdt to f(t, x). x is a flat slice that
// may hold a batch of points; f is called with slices of the state's
// length and must not keep them.
type Func func(t float64, x, dxdt []float64)

// Stats counts the work of a solve.
type Stats struct {
	NFE      int // evaluations of the vector field
	Steps    int // accepted steps
	Rejected int // rejected steps (adaptive solvers only)
}

// DormandPrince integrates with the explicit Runge-Kutta pair of Dormand
// and Prince, order 5 with an embedded order-4 error estimate, and
// adaptive steps, as scipy's RK45 and torchdiffeq's dopri5: a step is
// accepted when the RMS of
//
//	err_i / (ATol + RTol max(|x_i|, |x_i'|))
//
// is at most 1, and the next step is h·min(10, max(0.2, 0.9 err^(-1/5))).
// The stages are first-same-as-last, so each step costs 6 evaluations
// after the first evaluation and the two of the initial step choice
// (Hairer, Nørsett & Wanner, section II.4).
//
// The zero value is usable: RTol 1e-3 and ATol 1e-6 (scipy's defaults),
// MaxNFE 1e6.
type DormandPrince struct {
	RTol, ATol float64

	// PointDim, when positive, makes the error norm the largest of the
	// per-point RMS norms over the batch of points of that dimension the
	// state holds, so that every point is held to the tolerances; zero
	// takes the RMS over the whole state (scipy's norm).
	PointDim int

	// MaxNFE bounds the evaluations; Solve returns an error beyond it.
	MaxNFE int
}

// Validate returns an error naming the field that is out of range.
func (s DormandPrince) Validate() error {
	switch {
	case !(s.RTol >= 0) || s.RTol > 1:
		return fmt.Errorf("rtol must be in [0, 1], got %v", s.RTol)
	case !(s.ATol >= 0) || s.ATol > 1:
		return fmt.Errorf("atol must be in [0, 1], got %v", s.ATol)
	case s.RTol > 0 && s.RTol < 1e-13:
		return fmt.Errorf("rtol must be 0 (default) or at least 1e-13 (float64 rounding), got %v", s.RTol)
	case s.PointDim < 0:
		return fmt.Errorf("point dimension must be non-negative, got %d", s.PointDim)
	case s.MaxNFE < 0:
		return fmt.Errorf("max NFE must be non-negative, got %d", s.MaxNFE)
	}
	return nil
}

// Dormand-Prince 5(4) tableau (Hairer, Nørsett & Wanner, Table II.5.2);
// e holds b - b̂, the coefficients of the error estimate, as scipy.
var (
	dpC = [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	dpA = [6][6]float64{
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	dpE = [7]float64{-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920, 17253.0 / 339200, -22.0 / 525, 1.0 / 40}
)

// ErrNotFinite is returned when the state or the field becomes NaN or
// infinite, as a *NotFiniteError that says where.
var ErrNotFinite = errors.New("ode: state or vector field not finite")

// NotFiniteError is the error of a state or field that is not finite: at
// time T (or in the state Solve was given, Initial), first at element
// Index of the state, which belongs to point Point = Index / PointDim when
// the solver knows PointDim, and -1 otherwise, so that a caller can name
// the point at fault (one point at 1e50 failed a whole likelihood run
// without a word of which). errors.Is(err, ErrNotFinite) holds for it.
type NotFiniteError struct {
	T       float64
	Initial bool
	Index   int
	Point   int
}

func (e *NotFiniteError) Error() string {
	s := ErrNotFinite.Error()
	if e.Initial {
		s += ": initial state"
	} else {
		s += fmt.Sprintf(" at t=%v", e.T)
	}
	if e.Point >= 0 {
		s += fmt.Sprintf(" (point %d, from 0)", e.Point)
	}
	return s
}

// Unwrap returns ErrNotFinite.
func (e *NotFiniteError) Unwrap() error { return ErrNotFinite }

// notFinite returns a *NotFiniteError for the first element of v that is
// not finite, nil if there is none; pointDim 0 means points are not known.
func notFinite(v []float64, t float64, pointDim int) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			p := -1
			if pointDim > 0 {
				p = i / pointDim
			}
			return &NotFiniteError{T: t, Index: i, Point: p}
		}
	}
	return nil
}

// Solve integrates dx/dt = f(t, x) from t0 to t1, either direction, with x
// the state at t0 on entry and at t1 on return. It returns an error, with
// x left at the last accepted step, if the state or field is not finite
// (ErrNotFinite), the step size underflows, or MaxNFE is reached; it
// panics if the settings are not valid, t0 or t1 is not finite, or x is
// empty or not a whole number of points of PointDim.
func (s DormandPrince) Solve(f Func, x []float64, t0, t1 float64) (Stats, error) {
	if err := s.Validate(); err != nil {
		panic("ode: DormandPrince: " + err.Error())
	}
	if math.IsNaN(t0) || math.IsInf(t0, 0) || math.IsNaN(t1) || math.IsInf(t1, 0) {
		panic(fmt.Sprintf("ode: DormandPrince: times must be finite, got %v to %v", t0, t1))
	}
	if len(x) == 0 || s.PointDim > 0 && len(x)%s.PointDim != 0 {
		panic(fmt.Sprintf("ode: DormandPrince: state of length %d for points of dimension %d", len(x), s.PointDim))
	}
	rtol, atol, maxNFE := s.RTol, s.ATol, s.MaxNFE
	if err := notFinite(x, t0, s.PointDim); err != nil {
		err.(*NotFiniteError).Initial = true
		return Stats{}, err
	}
	if rtol == 0 {
		rtol = 1e-3
	}
	if atol == 0 {
		atol = 1e-6
	}
	if maxNFE == 0 {
		maxNFE = 1_000_000
	}
	var st Stats
	if t0 == t1 {
		return st, nil
	}
	n := len(x)
	var k [7][]float64
	for i := range k {
		k[i] = make([]float64, n)
	}
	y, e := make([]float64, n), make([]float64, n)
	eval := func(t float64, x, dst []float64) error {
		st.NFE++
		f(t, x, dst)
		return notFinite(dst, t, s.PointDim)
	}
	dir := math.Copysign(1, t1-t0)
	if err := eval(t0, x, k[0]); err != nil {
		return st, err
	}
	h, err := s.initialStep(eval, x, k[0], y, e, t0, t1, dir, rtol, atol)
	if err != nil {
		return st, err
	}
	if minH := 10 * math.Abs(math.Nextafter(t0, t0+dir)-t0); !(h >= minH) {
		// A field too large for the tolerances' scale (or a NaN from
		// one) gives a first step below the smallest one: start there,
		// as scipy clamps to its min_step, and let the steps grow.
		h = minH
	}
	t := t0
	for dir*(t1-t) > 0 {
		if st.NFE >= maxNFE {
			return st, fmt.Errorf("ode: reached %d evaluations at t=%v before t=%v", maxNFE, t, t1)
		}
		minH := 10 * math.Abs(math.Nextafter(t, t+dir)-t)
		if h < minH {
			return st, fmt.Errorf("ode: step size underflow at t=%v", t)
		}
		rejected := false
		for {
			step := dir * min(h, math.Abs(t1-t))
			last := math.Abs(t1-t) <= h
			for i := 1; i < 7; i++ {
				for j := range y {
					acc := x[j]
					for l := range i {
						acc += step * dpA[i-1][l] * k[l][j]
					}
					y[j] = acc
				}
				ti := t + dpC[i]*step
				if last && i >= 5 {
					ti = t1
				}
				if err := eval(ti, y, k[i]); err != nil {
					return st, err
				}
			}
			// y holds the 5th-order solution (stage 7 is evaluated at it).
			for j := range e {
				var acc float64
				for l := range 7 {
					acc += dpE[l] * k[l][j]
				}
				e[j] = step * acc
			}
			errNorm := s.norm(e, x, y, rtol, atol)
			if math.IsNaN(errNorm) || !allFinite(y) {
				// The step overflowed the state: reject it as one too
				// long, at the smallest factor, rather than accept an
				// infinite state or let a NaN step size through.
				errNorm = math.Inf(1)
			}
			if errNorm <= 1 {
				factor := 10.0
				if errNorm > 0 {
					factor = min(10, 0.9*math.Pow(errNorm, -0.2))
				}
				if rejected {
					factor = min(1, factor)
				}
				if last {
					t = t1
				} else {
					t += step
				}
				h = math.Abs(step) * factor
				copy(x, y)
				k[0], k[6] = k[6], k[0]
				st.Steps++
				break
			}
			h = math.Abs(step) * max(0.2, 0.9*math.Pow(errNorm, -0.2))
			rejected = true
			st.Rejected++
			if st.NFE >= maxNFE {
				return st, fmt.Errorf("ode: reached %d evaluations at t=%v before t=%v", maxNFE, t, t1)
			}
			if h < minH {
				return st, fmt.Errorf("ode: step size underflow at t=%v", t)
			}
		}
	}
	return st, nil
}

// initialStep chooses the first step as scipy's select_initial_step
// (Hairer, Nørsett & Wanner, section II.4), with one evaluation; y and f1
// are scratch space.
func (s DormandPrince) initialStep(eval func(float64, []float64, []float64) error, x, f0, y, f1 []float64, t0, t1, dir, rtol, atol float64) (float64, error) {
	span := math.Abs(t1 - t0)
	for j := range y {
		y[j] = x[j] / (atol + math.Abs(x[j])*rtol)
		f1[j] = f0[j] / (atol + math.Abs(x[j])*rtol)
	}
	d0, d1 := s.rms(y), s.rms(f1)
	h0 := 1e-6
	if d0 >= 1e-5 && d1 >= 1e-5 {
		h0 = 0.01 * d0 / d1
	}
	h0 = min(h0, span)
	for j := range y {
		y[j] = x[j] + h0*dir*f0[j]
	}
	if err := eval(t0+h0*dir, y, f1); err != nil {
		return 0, err
	}
	for j := range y {
		y[j] = (f1[j] - f0[j]) / (atol + math.Abs(x[j])*rtol)
	}
	d2 := s.rms(y) / h0
	var h1 float64
	if d1 <= 1e-15 && d2 <= 1e-15 {
		h1 = max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/max(d1, d2), 1.0/5)
	}
	return min(100*h0, h1, span), nil
}

// norm returns the error norm of e for the step from x to y.
func (s DormandPrince) norm(e, x, y []float64, rtol, atol float64) float64 {
	for j := range e {
		e[j] /= atol + rtol*max(math.Abs(x[j]), math.Abs(y[j]))
	}
	return s.rms(e)
}

// rms is the root mean square of v, or with PointDim the largest of the
// per-point root mean squares.
func (s DormandPrince) rms(v []float64) float64 {
	d := s.PointDim
	if d == 0 {
		d = len(v)
	}
	var worst float64
	for i := 0; i < len(v); i += d {
		worst = max(worst, scaledRMS(v[i:i+d]))
	}
	return worst
}

// scaledRMS is the root mean square of v, scaled by its largest magnitude
// as BLAS's nrm2, so that it overflows only when the result does: a field
// of 1e200 squared would make it +Inf, and the initial step 0.
func scaledRMS(v []float64) float64 {
	var scale float64
	for _, e := range v {
		scale = max(scale, math.Abs(e))
	}
	if scale == 0 || math.IsInf(scale, 1) || math.IsNaN(scale) {
		return scale
	}
	var ss float64
	for _, e := range v {
		r := e / scale
		ss += r * r
	}
	return scale * math.Sqrt(ss/float64(len(v)))
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Euler integrates dx/dt = f(t, x) over the time grid ts (increasing or
// decreasing) with the explicit Euler method, one evaluation per step,
// with x the state at ts[0] on entry and at ts[len(ts)-1] on return. It
// returns the number of evaluations, len(ts) - 1, and ErrNotFinite if the
// field becomes NaN or infinite. It panics if len(ts) < 2.
func Euler(f Func, x []float64, ts []float64) (int, error) {
	checkGrid("Euler", ts)
	dx := make([]float64, len(x))
	for i := range len(ts) - 1 {
		h := ts[i+1] - ts[i]
		f(ts[i], x, dx)
		if err := notFinite(dx, ts[i], 0); err != nil {
			return i + 1, err
		}
		for j := range x {
			x[j] += h * dx[j]
		}
	}
	return len(ts) - 1, nil
}

// Heun integrates as Euler with Heun's second-order method (the explicit
// trapezoidal rule), two evaluations per step:
//
//	x' = x + h f(t, x),   x ← x + h/2 (f(t, x) + f(t+h, x'))
//
// It returns the number of evaluations, 2(len(ts) - 1).
func Heun(f Func, x []float64, ts []float64) (int, error) {
	checkGrid("Heun", ts)
	d1, d2, y := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	nfe := 0
	for i := range len(ts) - 1 {
		h := ts[i+1] - ts[i]
		f(ts[i], x, d1)
		for j := range x {
			y[j] = x[j] + h*d1[j]
		}
		f(ts[i+1], y, d2)
		nfe += 2
		if err := notFinite(d1, ts[i], 0); err != nil {
			return nfe, err
		}
		if err := notFinite(d2, ts[i], 0); err != nil {
			return nfe, err
		}
		for j := range x {
			x[j] += 0.5 * h * (d1[j] + d2[j])
		}
	}
	return nfe, nil
}

func checkGrid(who string, ts []float64) {
	if len(ts) < 2 {
		panic(fmt.Sprintf("ode: %s: time grid needs at least 2 points, got %d", who, len(ts)))
	}
}
