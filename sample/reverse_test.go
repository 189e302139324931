package sample

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/sde"
)

var testSDEs = []sde.SDE{
	sde.VE{SigmaMin: 0.01, SigmaMax: 20},
	sde.VP{BetaMin: 0.1, BetaMax: 20},
	sde.SubVP{BetaMin: 0.1, BetaMax: 20},
}

// counting wraps a TimeScorer and counts its evaluations.
type counting struct {
	sde.TimeScorer
	calls int
}

func (c *counting) ScoreAt(dst, x []float64, t float64) {
	c.calls++
	c.TimeScorer.ScoreAt(dst, x, t)
}

// moments1 returns the mean, variance and weight of x > 0 of a 1-D mixture.
func moments1(m *dist.Mixture) (mean, variance, right float64) {
	var m2 float64
	for _, c := range m.Components() {
		mu, s := c.Mean[0], c.Std[0]
		mean += c.Weight * mu
		m2 += c.Weight * (mu*mu + s*s)
		right += c.Weight * 0.5 * math.Erfc(-mu/(s*math.Sqrt2))
	}
	return mean, m2 - mean*mean, right
}

// TestReverseSamplersMatchMixture runs every sampler on the exact score of
// a 1-D two-mode mixture (weights 0.3 and 0.7, unequal widths) under each
// SDE and compares the samples' mean, variance and weight right of 0 with
// the target's, p_Eps for the samplers that stop at Eps and p₀ for those
// that end at σ̂ = 0 (the two differ by s(Eps)² ≈ 1e-4 in variance, far
// below the tolerance). Tolerances are 5 standard errors for n = 4000
// (√(var/n) for the mean, var·√(2/n)·κ for the variance with κ = 1.5 for
// the bimodal kurtosis, √(w(1-w)/n) for the weight) plus, for the
// first-order stochastic samplers, an allowance meanBias for their
// discretisation bias at this NFE (their largest deviations measured were
// within 1.5 standard errors, so the allowance is a margin, not a fit).
func TestReverseSamplersMatchMixture(t *testing.T) {
	data, err := dist.NewMixture([]dist.Component{
		{Weight: 0.3, Mean: []float64{-2}, Std: []float64{0.5}},
		{Weight: 0.7, Mean: []float64{1.5}, Std: []float64{0.3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	for _, p := range testSDEs {
		oracle, err := sde.NewMixture(p, data)
		if err != nil {
			t.Fatal(err)
		}
		type reverseCase struct {
			name     string
			s        Reverse
			nfe      int  // 0: adaptive
			atEps    bool // the sampler ends at Eps, not 0
			meanBias float64
		}
		cases := []reverseCase{
			{"em", EM{Steps: 400}, 400, true, 0.02},
			{"pc", PC{Steps: 200}, 400, true, 0.02},
			{"ode", Flow{}, 0, true, 0},
			{"heun", Heun{Steps: 20}, 39, false, 0},
			{"dpm2m", DPM2M{Steps: 30}, 30, false, 0},
		}
		if _, ok := p.(sde.VP); ok {
			cases = append(cases,
				reverseCase{"ddim", DDIM{Steps: 100}, 100, false, 0.01},
				reverseCase{"ddim eta=1", DDIM{Steps: 200, Eta: 1}, 200, false, 0.02})
		}
		for _, c := range cases {
			t.Run(p.String()+"/"+c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(len(c.name))))
				x := make([]float64, n)
				sde.PriorSample(p, x, rng)
				sc := &counting{TimeScorer: oracle}
				nfe, err := c.s.Sample(x, p, sc, rng)
				if err != nil {
					t.Fatal(err)
				}
				if nfe != sc.calls || (c.nfe != 0 && nfe != c.nfe) {
					t.Errorf("NFE %d, score calls %d, want %d", nfe, sc.calls, c.nfe)
				}
				target := data
				if c.atEps {
					target = oracle.At(DefaultEps)
				}
				wm, wv, wr := moments1(target)
				var m, v, r float64
				for _, xi := range x {
					m += xi
					if xi > 0 {
						r++
					}
				}
				m /= n
				r /= n
				for _, xi := range x {
					v += (xi - m) * (xi - m)
				}
				v /= n - 1
				if tol := 5*math.Sqrt(wv/n) + c.meanBias; math.Abs(m-wm) > tol {
					t.Errorf("mean %.4f, want %.4f ± %.4f", m, wm, tol)
				}
				if tol := 5*1.5*wv*math.Sqrt(2.0/n) + 4*c.meanBias; math.Abs(v-wv) > tol {
					t.Errorf("variance %.4f, want %.4f ± %.4f", v, wv, tol)
				}
				if tol := 5*math.Sqrt(wr*(1-wr)/n) + c.meanBias; math.Abs(r-wr) > tol {
					t.Errorf("weight right of 0: %.4f, want %.4f ± %.4f", r, wr, tol)
				}
				t.Logf("NFE %d: mean %.4f (%.4f) var %.4f (%.4f) right %.4f (%.4f)", nfe, m, wm, v, wv, r, wr)
			})
		}
	}
}

// TestDeterministicSamplersAgree checks that the deterministic samplers,
// all solvers of the same probability-flow ODE, map the same prior points
// to nearly the same samples at high NFE: the map is what they solve, so
// the points agree one by one, not only in distribution (within 0.02, the
// error of the coarsest of them, DDIM, first order, at 400 steps: 0.012
// measured; heun at 60 levels 0.01, dpm2m at 80 0.005).
func TestDeterministicSamplersAgree(t *testing.T) {
	data, _ := dist.Preset("seed-mog")
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	oracle, _ := sde.NewMixture(p, data)
	rng := rand.New(rand.NewPCG(1, 1))
	x0 := make([]float64, 2*200)
	sde.PriorSample(p, x0, rng)
	ref := append([]float64(nil), x0...)
	// The ODE to 1e-7 and to t = 1e-6, as close to 0 as the others end.
	if _, err := (Flow{RTol: 1e-7, ATol: 1e-7, Eps: 1e-6}).Sample(ref, p, oracle, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range []Reverse{Heun{Steps: 60, Eps: 1e-6}, DPM2M{Steps: 80, Eps: 1e-6}, DDIM{Steps: 400, Eps: 1e-6}} {
		x := append([]float64(nil), x0...)
		if _, err := s.Sample(x, p, oracle, nil); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range x {
			worst = max(worst, math.Abs(x[i]-ref[i]))
		}
		if worst > 0.02 {
			t.Errorf("%T: largest difference from the ODE %.4f", s, worst)
		}
	}
}

func TestReverseErrors(t *testing.T) {
	data, _ := dist.Preset("seed-mog")
	ve := sde.VE{SigmaMin: 0.01, SigmaMax: 20}
	oracle, _ := sde.NewMixture(ve, data)
	x := make([]float64, 4)
	for _, c := range []struct {
		s    Reverse
		p    sde.SDE
		want string
	}{
		{EM{}, ve, "steps"},
		{EM{Steps: 10, Eps: 1}, ve, "eps"},
		{PC{Steps: 10, SNR: -1}, ve, "snr"},
		{Heun{Steps: 10, Rho: 0.5}, ve, "rho"},
		{DDIM{Steps: 10}, ve, "VP"},
		{DDIM{Steps: 10, Eta: 2}, sde.VP{BetaMin: 0.1, BetaMax: 20}, "eta"},
		{Flow{RTol: 2}, ve, "rtol"},
		{DPM2M{Steps: 10}, sde.VE{}, "sigma"},
	} {
		_, err := c.s.Sample(x, c.p, oracle, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T %+v: error %v, want one naming %q", c.s, c.s, err, c.want)
		}
	}
	numtest.WantPanic(t, "sample: em", func() { EM{Steps: 1}.Sample(make([]float64, 3), ve, oracle, nil) })
	numtest.WantPanic(t, "sample: Karras", func() { Karras(1, 2, 7, 3) })
}

func TestKarras(t *testing.T) {
	s := Karras(80, 0.002, 7, 18)
	if len(s) != 19 || s[0] != 80 || s[17] != 0.002 || s[18] != 0 {
		t.Fatalf("Karras(80, 0.002, 7, 18) = %v", s)
	}
	// EDM's second level for these settings: (80^(1/7) + (0.002^(1/7) -
	// 80^(1/7))/17)^7 ≈ 57.586 (k-diffusion's get_sigmas_karras gives the
	// same).
	if want := math.Pow(math.Pow(80, 1.0/7)+(math.Pow(0.002, 1.0/7)-math.Pow(80, 1.0/7))/17, 7); math.Abs(s[1]-want) > 1e-12 {
		t.Errorf("level 1 = %v, want %v", s[1], want)
	}
	for i := 1; i < len(s); i++ {
		if !(s[i] < s[i-1]) {
			t.Errorf("not decreasing at %d: %v", i, s)
		}
	}
}
