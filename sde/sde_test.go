package sde

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

var sdes = []SDE{
	VE{SigmaMin: 0.01, SigmaMax: 20},
	VP{BetaMin: 0.1, BetaMax: 20},
	SubVP{BetaMin: 0.1, BetaMax: 20},
}

// TestKernelMatchesCoefficients checks that each kernel solves the moment
// equations of its linear SDE,
//
//	da/dt = f a,   d(s²)/dt = 2 f s² + g²
//
// by central differences with step h = 1e-5, whose truncation error is
// O(h²) ≈ 1e-10 relative times the third derivative (at most about
// (2 log 2000)³ ≈ 3e3 for VE) and rounding error 1e-16/h ≈ 1e-11.
func TestKernelMatchesCoefficients(t *testing.T) {
	const h = 1e-5
	for _, p := range sdes {
		for _, tt := range []float64{0.01, 0.1, 0.3, 0.5, 0.9, 0.99} {
			a1, s1 := p.Marginal(tt - h)
			a2, s2 := p.Marginal(tt + h)
			a, s := p.Marginal(tt)
			f, g := p.Coefficients(tt)
			da := (a2 - a1) / (2 * h)
			dv := (s2*s2 - s1*s1) / (2 * h)
			if want := f * a; math.Abs(da-want) > 1e-6*(1+math.Abs(want)) {
				t.Errorf("%v t=%v: da/dt = %v, f a = %v", p, tt, da, want)
			}
			if want := 2*f*s*s + g*g; math.Abs(dv-want) > 1e-6*(1+math.Abs(want)) {
				t.Errorf("%v t=%v: ds²/dt = %v, 2 f s² + g² = %v", p, tt, dv, want)
			}
		}
		if a, s := p.Marginal(0); a != 1 || s != 0 {
			t.Errorf("%v: Marginal(0) = %v, %v, want 1, 0", p, a, s)
		}
	}
}

func TestTimeOfInvertsNoiseLevel(t *testing.T) {
	for _, p := range sdes {
		for _, tt := range []float64{0, 1e-5, 1e-3, 0.2, 0.5, 0.8, 1} {
			got := p.TimeOf(NoiseLevel(p, tt))
			if math.Abs(got-tt) > 1e-9 {
				t.Errorf("%v: TimeOf(NoiseLevel(%v)) = %v", p, tt, got)
			}
		}
		if got := p.TimeOf(1e300); got != 1 {
			t.Errorf("%v: TimeOf(1e300) = %v, want 1 (clamped)", p, got)
		}
	}
}

func TestValidateAndPanics(t *testing.T) {
	for _, p := range []SDE{VE{}, VE{SigmaMin: 1, SigmaMax: 1}, VP{}, SubVP{BetaMin: 2, BetaMax: 1}, VP{BetaMin: math.NaN(), BetaMax: 20}} {
		if p.Validate() == nil {
			t.Errorf("%v: Validate() = nil, want an error", p)
		}
	}
	for _, p := range sdes {
		if err := p.Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
		numtest.WantPanic(t, "sde: ", func() { p.Marginal(1.5) })
		numtest.WantPanic(t, "sde: ", func() { p.Coefficients(math.NaN()) })
		numtest.WantPanic(t, "sde: ", func() { p.TimeOf(-1) })
	}
	if _, err := Parse("edm"); err == nil {
		t.Error("Parse(edm) succeeded")
	}
}

// TestPrior checks PriorLogProb against the standard normal mixture scaled
// by s(1), and PriorSample's variance within 5 standard errors.
func TestPrior(t *testing.T) {
	std, _ := dist.Preset("standard-normal")
	for _, p := range sdes {
		s := PriorStd(p)
		ref := std.Scaled(s, 0)
		x := []float64{0.3 * s, -1.2 * s}
		if got, want := PriorLogProb(p, x), ref.LogProb(x); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("%v: PriorLogProb = %v, want %v", p, got, want)
		}
		const n = 20000
		z := make([]float64, n)
		PriorSample(p, z, rand.New(rand.NewPCG(1, 2)))
		var v float64
		for _, zi := range z {
			v += zi * zi
		}
		v /= n
		if se := s * s * math.Sqrt(2.0/n); math.Abs(v-s*s) > 5*se {
			t.Errorf("%v: prior variance %v, want %v ± %v", p, v, s*s, 5*se)
		}
	}
}

// TestMixtureScoreAt checks the marginal p_t against the forward process
// simulated with a seeded source (mean a μ and variance a² σ² + s² within 5
// standard errors) and ScoreAt against the closed form for one Gaussian.
func TestMixtureScoreAt(t *testing.T) {
	data, _ := dist.NewMixture([]dist.Component{{Weight: 1, Mean: []float64{1.5}, Std: []float64{0.5}}})
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 40000
	for _, p := range sdes {
		m, err := NewMixture(p, data)
		if err != nil {
			t.Fatal(err)
		}
		const tt = 0.3
		a, s := p.Marginal(tt)
		var sum, sum2 float64
		for range n {
			x := a*(1.5+0.5*rng.NormFloat64()) + s*rng.NormFloat64()
			sum += x
			sum2 += x * x
		}
		mean := sum / n
		v := sum2/n - mean*mean
		pt := m.At(tt).Components()[0]
		wantV := pt.Std[0] * pt.Std[0]
		if se := math.Sqrt(wantV / n); math.Abs(mean-pt.Mean[0]) > 5*se {
			t.Errorf("%v: simulated mean %v, mixture's %v ± %v", p, mean, pt.Mean[0], 5*se)
		}
		if se := wantV * math.Sqrt(2.0/n); math.Abs(v-wantV) > 5*se {
			t.Errorf("%v: simulated variance %v, mixture's %v ± %v", p, v, wantV, 5*se)
		}
		// For one Gaussian the score is (a μ - x)/(a²σ² + s²).
		x := []float64{0.2}
		dst := []float64{0}
		m.ScoreAt(dst, x, tt)
		if want := (a*1.5 - 0.2) / (a*a*0.25 + s*s); math.Abs(dst[0]-want) > 1e-12*math.Abs(want) {
			t.Errorf("%v: score %v, want %v", p, dst[0], want)
		}
	}
	if _, err := NewMixture(VE{}, data); err == nil {
		t.Error("NewMixture with an invalid VE succeeded")
	}
}

// TestScoreJVPAt checks the Hessian-vector product and the Laplacian
// against central differences of the score (step 1e-5; error O(h²) times
// the third derivative of log p, below 1e-6 for these component widths).
func TestScoreJVPAt(t *testing.T) {
	data, _ := dist.NewMixture([]dist.Component{
		{Weight: 0.3, Mean: []float64{1, -1, 0.5}, Std: []float64{0.5, 0.7, 0.4}},
		{Weight: 0.7, Mean: []float64{-1, 0.5, 0}, Std: []float64{0.6, 0.3, 0.8}},
	})
	const d, h = 3, 1e-5
	for _, p := range sdes {
		m, _ := NewMixture(p, data)
		for _, tt := range []float64{0, 0.05, 0.5} {
			x := []float64{0.2, -0.3, 0.4, 0.9, 0.1, -0.5}
			v := []float64{0.3, -1, 0.5, 1, 1, -1}
			dst, hv := make([]float64, 6), make([]float64, 6)
			m.ScoreJVPAt(dst, hv, x, v, tt)
			div := make([]float64, 2)
			dst2 := make([]float64, 6)
			m.ScoreDivAt(dst2, div, x, tt)
			if numtest.RelErr(dst2, dst) > 1e-14 {
				t.Errorf("%v t=%v: ScoreDivAt's score %v != %v", p, tt, dst2, dst)
			}
			for i := range 2 {
				pt := x[i*d : (i+1)*d]
				fd := func(dir []float64) []float64 {
					xp, xm := make([]float64, d), make([]float64, d)
					for j := range d {
						xp[j], xm[j] = pt[j]+h*dir[j], pt[j]-h*dir[j]
					}
					sp, sm := make([]float64, d), make([]float64, d)
					m.ScoreAt(sp, xp, tt)
					m.ScoreAt(sm, xm, tt)
					for j := range d {
						sp[j] = (sp[j] - sm[j]) / (2 * h)
					}
					return sp
				}
				want := fd(v[i*d : (i+1)*d])
				if e := numtest.RelErr(hv[i*d:(i+1)*d], want); e > 1e-6 {
					t.Errorf("%v t=%v point %d: Hv %v, differences %v (rel err %.2g)", p, tt, i, hv[i*d:(i+1)*d], want, e)
				}
				var lap float64
				for j := range d {
					e := make([]float64, d)
					e[j] = 1
					lap += fd(e)[j]
				}
				if math.Abs(div[i]-lap) > 1e-6*math.Abs(lap) {
					t.Errorf("%v t=%v point %d: divergence %v, differences %v", p, tt, i, div[i], lap)
				}
			}
		}
	}
}

func ExampleVP() {
	p := VP{BetaMin: 0.1, BetaMax: 20}
	for _, t := range []float64{0, 0.5, 1} {
		a, s := p.Marginal(t)
		fmt.Printf("t=%.1f a=%.4f s=%.4f\n", t, a, s)
	}
	// Output:
	// t=0.0 a=1.0000 s=0.0000
	// t=0.5 a=0.2812 s=0.9597
	// t=1.0 a=0.0066 s=1.0000
}

// TestFlowVelocity: the probability-flow velocity of a Gaussian's linear
// score s(x) = -x/c, against its definition f x - ½ g² s, and its
// divergence against central differences of the velocity (exact for a
// linear field up to rounding).
func TestFlowVelocity(t *testing.T) {
	const c = 0.7
	x := []float64{0.3, -1.2, 2}
	for _, p := range []SDE{VE{SigmaMin: 0.01, SigmaMax: 5}, VP{BetaMin: 0.1, BetaMax: 20}, SubVP{BetaMin: 0.1, BetaMax: 20}} {
		for _, tm := range []float64{0.1, 0.5, 0.9} {
			field := func(x []float64) []float64 {
				s := make([]float64, len(x))
				for j := range x {
					s[j] = -x[j] / c
				}
				FlowVelocity(p, tm, s, x, s) // in place
				return s
			}
			v := field(x)
			f, g := p.Coefficients(tm)
			for j := range x {
				if want := f*x[j] + 0.5*g*g*x[j]/c; math.Abs(v[j]-want) > 1e-12*math.Abs(want) {
					t.Errorf("%v t=%v: v[%d] = %v, want %v", p, tm, j, v[j], want)
				}
			}
			var fd float64
			const h = 1e-4
			for j := range x {
				xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
				xp[j] += h
				xm[j] -= h
				fd += (field(xp)[j] - field(xm)[j]) / (2 * h)
			}
			got := FlowDivergence(p, tm, len(x), -float64(len(x))/c)
			if math.Abs(got-fd) > 1e-6*math.Abs(fd) {
				t.Errorf("%v t=%v: divergence %v, central differences %v", p, tm, got, fd)
			}
		}
	}
}

// TestPriorCovers checks the prior-coverage rule on closed forms: under
// VE, a(1) = 1 and s(1) = √(σ_max² - σ_min²) (10 up to 5e-7 here), so data
// at RMS 9.99 is covered and 10.01 not; under VP with the default β,
// a(1) = exp(-(β_min + β_max)/4) = e^{-5.025} and s(1) = √(1 - a(1)²),
// so RMS 100 spreads to 0.657 (covered) and 200 to 1.31 (not).
func TestPriorCovers(t *testing.T) {
	ve := VE{SigmaMin: 0.01, SigmaMax: 10}
	for _, c := range []struct {
		p    SDE
		rms  float64
		a, s float64
		ok   bool
	}{
		{ve, 9.99, 1, math.Sqrt(100 - 1e-4), true},
		{ve, 10.01, 1, math.Sqrt(100 - 1e-4), false},
		{VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax}, 100, math.Exp(-5.025), math.Sqrt(1 - math.Exp(-10.05)), true},
		{VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax}, 200, math.Exp(-5.025), math.Sqrt(1 - math.Exp(-10.05)), false},
	} {
		spread, s, ok := PriorCovers(c.p, c.rms)
		// Tolerance: 1e-12 relative, a few ulps of the closed forms'
		// exp and sqrt against the marginal's own.
		if ok != c.ok || math.Abs(spread-c.a*c.rms) > 1e-12*c.a*c.rms || math.Abs(s-c.s) > 1e-12*c.s {
			t.Errorf("%v, RMS %v: spread %v, std %v, covers %v; want %v, %v, %v", c.p, c.rms, spread, s, ok, c.a*c.rms, c.s, c.ok)
		}
	}
}
