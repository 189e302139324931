package likelihood

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/sde"
)

var (
	ve    = sde.VE{SigmaMin: 0.01, SigmaMax: 20}
	vp    = sde.VP{BetaMin: 0.1, BetaMax: 20}
	subvp = sde.SubVP{BetaMin: 0.1, BetaMax: 20}
)

func mustMixture(t testing.TB, comps []dist.Component) *dist.Mixture {
	m, err := dist.NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkExact computes log p through the ODE at rtol = atol = 1e-6 with the
// exact p₁ as the prior, and compares it point by point with the closed
// form of the marginal at Eps within 1e-3 nats (issue 13's criterion).
func checkExact(t *testing.T, p sde.SDE, data *dist.Mixture, div func(sde.Mixture) ScoreDivergence) {
	t.Helper()
	oracle, err := sde.NewMixture(p, data)
	if err != nil {
		t.Fatal(err)
	}
	const eps = 1e-5
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 50
	d := data.Dim()
	x := data.Sample(nil, n, rng)
	// Two far points, in the tails.
	x[0], x[d] = 4, -4
	got := make([]float64, n)
	p1 := oracle.At(1)
	o := ODE{RTol: 1e-6, ATol: 1e-6, Eps: eps, Prior: p1.LogProb}
	nfe, err := o.LogProb(got, x, p, div(oracle))
	if err != nil {
		t.Fatal(err)
	}
	pe := oracle.At(eps)
	var worst float64
	for i := range n {
		want := pe.LogProb(x[i*d : (i+1)*d])
		worst = max(worst, math.Abs(got[i]-want))
		if math.Abs(got[i]-want) > 1e-3 {
			t.Errorf("%v point %d %v: log p %.6f, closed form %.6f", p, i, x[i*d:(i+1)*d], got[i], want)
		}
	}
	t.Logf("%v d=%d: NFE %d, largest error %.2g nats", p, d, nfe, worst)
}

func closedForm(m sde.Mixture) ScoreDivergence { return m }
func exactJVP(m sde.Mixture) ScoreDivergence   { return Exact{m} }

// TestLogProbMixtureVP: a 2-D three-mode mixture with unequal weights and
// widths under VP, with the closed-form divergence and with d passes of
// directional derivatives.
func TestLogProbMixtureVP(t *testing.T) {
	data := mustMixture(t, []dist.Component{
		{Weight: 0.5, Mean: []float64{1, 1}, Std: []float64{0.3, 0.5}},
		{Weight: 0.3, Mean: []float64{-1, 0.5}, Std: []float64{0.4, 0.2}},
		{Weight: 0.2, Mean: []float64{0, -1.5}, Std: []float64{0.6, 0.3}},
	})
	checkExact(t, vp, data, closedForm)
	checkExact(t, vp, data, exactJVP)
}

// TestLogProbGaussianAllSDEs: a single anisotropic Gaussian in 3-D under
// VE, VP and sub-VP.
func TestLogProbGaussianAllSDEs(t *testing.T) {
	data := mustMixture(t, []dist.Component{{Weight: 1, Mean: []float64{0.5, -1, 2}, Std: []float64{0.3, 1, 2}}})
	for _, p := range []sde.SDE{ve, vp, subvp} {
		checkExact(t, p, data, closedForm)
	}
}

// TestDefaultPrior: with the SDE's own prior N(0, s(1)² I) instead of the
// exact p₁ the result is off by the prior's mismatch, log N(x₁; 0, s(1)²)
// - log p₁(x₁), which for a mixture centred at 0 under VP is below 1e-3.
func TestDefaultPrior(t *testing.T) {
	data, _ := dist.Preset("seed-mog")
	oracle, _ := sde.NewMixture(vp, data)
	x := []float64{0.4, 0.6, -0.3, 0.1}
	got := make([]float64, 2)
	if _, err := (ODE{RTol: 1e-6, ATol: 1e-6}).LogProb(got, x, vp, oracle); err != nil {
		t.Fatal(err)
	}
	pe := oracle.At(1e-5)
	for i := range 2 {
		if want := pe.LogProb(x[2*i : 2*i+2]); math.Abs(got[i]-want) > 1e-3 {
			t.Errorf("point %d: %.6f, closed form %.6f", i, got[i], want)
		}
	}
}

// TestHutchinsonUnbiased: 4-D mixture, 200 independent solves with one
// Rademacher probe each; their mean log p lies within 4 standard errors
// (of those 200) of the exact-divergence solve, and the spread is not zero.
func TestHutchinsonUnbiased(t *testing.T) {
	data := mustMixture(t, []dist.Component{
		{Weight: 0.6, Mean: []float64{1, 0, -1, 0.5}, Std: []float64{0.5, 0.3, 0.8, 0.4}},
		{Weight: 0.4, Mean: []float64{-1, 1, 0, 0}, Std: []float64{0.4, 0.6, 0.3, 0.7}},
	})
	oracle, _ := sde.NewMixture(vp, data)
	x := []float64{0.3, 0.2, -0.5, 0.1}
	o := ODE{RTol: 1e-5, ATol: 1e-5, Prior: oracle.At(1).LogProb}
	want := make([]float64, 1)
	if _, err := o.LogProb(want, x, vp, Exact{oracle}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	const runs = 200
	var sum, sum2 float64
	got := make([]float64, 1)
	for range runs {
		h := &Hutchinson{S: oracle, Probes: 1, Rng: rng}
		if _, err := o.LogProb(got, x, vp, h); err != nil {
			t.Fatal(err)
		}
		sum += got[0]
		sum2 += got[0] * got[0]
	}
	mean := sum / runs
	sd := math.Sqrt((sum2/runs - mean*mean) * runs / (runs - 1))
	se := sd / math.Sqrt(runs)
	if sd == 0 || math.Abs(mean-want[0]) > 4*se {
		t.Errorf("Hutchinson mean %.4f ± %.4f (sd %.4f), exact %.4f", mean, se, sd, want[0])
	}
}

func TestAutoAndErrors(t *testing.T) {
	big := make([]dist.Component, 1)
	big[0] = dist.Component{Weight: 1, Mean: make([]float64, 17), Std: make([]float64, 17)}
	for j := range big[0].Std {
		big[0].Std[j] = 1
	}
	hi, _ := sde.NewMixture(vp, mustMixture(t, big))
	if _, ok := Auto(hi, 2, rand.New(rand.NewPCG(1, 1))).(*Hutchinson); !ok {
		t.Error("Auto in 17 dimensions is not Hutchinson")
	}
	data, _ := dist.Preset("seed-mog")
	lo, _ := sde.NewMixture(vp, data)
	if _, ok := Auto(lo, 2, nil).(Exact); !ok {
		t.Error("Auto in 2 dimensions is not Exact")
	}
	if _, err := (ODE{Eps: 1}).LogProb(make([]float64, 1), []float64{0, 0}, vp, lo); err == nil {
		t.Error("Eps 1: no error")
	}
	if _, err := (ODE{RTol: 5}).LogProb(make([]float64, 1), []float64{0, 0}, vp, lo); err == nil {
		t.Error("RTol 5: no error")
	}
	numtest.WantPanic(t, "likelihood: LogProb", func() { ODE{}.LogProb(make([]float64, 2), []float64{0, 0}, vp, lo) })
	numtest.WantPanic(t, "likelihood: Hutchinson", func() {
		(&Hutchinson{S: lo}).ScoreDivAt(make([]float64, 2), make([]float64, 1), []float64{0, 0}, 0.5)
	})
}

func ExampleODE() {
	data, _ := dist.Preset("seed-mog")
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	score, _ := sde.NewMixture(p, data)
	x := []float64{0.5, 0.5}
	logp := make([]float64, 1)
	_, err := ODE{RTol: 1e-6, ATol: 1e-6, Prior: score.At(1).LogProb}.LogProb(logp, x, p, score)
	fmt.Printf("ODE %.4f, closed form %.4f, err %v\n", logp[0], data.LogProb(x), err)
	// Output:
	// ODE -0.6965, closed form -0.6965, err <nil>
}

// linear is v(x, t) = -x, divergence -d: the flow x(t) = e^{-t} x(0)
// carries N(0, I) at t = 0 to N(0, e^{-2} I) at t = 1.
type linear struct{ d int }

func (l linear) Dim() int { return l.d }
func (l linear) VelocityDivAt(dst, div, x []float64, _ float64) {
	for j := range x {
		dst[j] = -x[j]
	}
	for i := range div {
		div[i] = -float64(l.d)
	}
}

// TestFlowLinear checks the generic flow, a plain velocity field as flow
// matching learns, both directions: from the density at t = 1, N(0, e^{-2}
// I), it recovers N(0, I) at t = 0, and back.
func TestFlowLinear(t *testing.T) {
	normal := func(s float64) func(x []float64) float64 {
		return func(x []float64) float64 {
			var ss float64
			for _, v := range x {
				ss += v * v
			}
			d := float64(len(x))
			return -0.5*ss/(s*s) - d*math.Log(s) - 0.5*d*math.Log(2*math.Pi)
		}
	}
	x := []float64{0.3, -1, 2, 0.5, 0, 0}
	got := make([]float64, 3)
	o := ODE{RTol: 1e-8, ATol: 1e-10}
	for _, c := range []struct {
		t0, t1         float64
		prior, density func([]float64) float64
	}{{0, 1, normal(math.Exp(-1)), normal(1)}, {1, 0, normal(1), normal(math.Exp(-1))}} {
		if _, err := o.Flow(got, x, linear{2}, c.t0, c.t1, c.prior); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if want := c.density(x[2*i : 2*i+2]); math.Abs(got[i]-want) > 1e-6 {
				t.Errorf("t0=%v point %d: log p %.8f, want %.8f", c.t0, i, got[i], want)
			}
		}
	}
}
