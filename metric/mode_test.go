package metric

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

func mustMixture(t testing.TB, comps []dist.Component) *dist.Mixture {
	t.Helper()
	m, err := dist.NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// twoModes is the mixture 0.2 N((-5,-5), I) + 0.8 N((5,5), I), given with
// unnormalised weights.
func twoModes(t testing.TB) *dist.Mixture {
	return mustMixture(t, []dist.Component{
		{Weight: 1, Mean: []float64{-5, -5}, Std: []float64{1, 1}},
		{Weight: 4, Mean: []float64{5, 5}, Std: []float64{1, 1}},
	})
}

func TestModeWeightsSamples(t *testing.T) {
	m := twoModes(t)
	const n = 10000
	x := m.Sample(nil, n, rand.New(rand.NewPCG(11, 11)))
	shares := ModeWeights(m, x)
	// The modes are 10√2 apart with unit std: a draw lands nearer the
	// other mode with probability about Φ(-7), so the shares are binomial
	// proportions with standard deviation sqrt(0.2·0.8/n) = 0.004; allow 4
	// of it.
	const tol = 4 * 0.004
	for k, want := range []float64{0.2, 0.8} {
		if math.Abs(shares[k]-want) > tol {
			t.Errorf("share %d = %v, want %v within %v", k, shares[k], want, tol)
		}
	}
	if e := ModeWeightError(m, shares); e > tol || e != math.Abs(shares[0]-0.2) {
		t.Errorf("ModeWeightError = %v for shares %v", e, shares)
	}
}

func TestModeWeightsByHand(t *testing.T) {
	m := twoModes(t)
	x := []float64{
		-5, -5, // first
		5, 5, // second
		4, 6, // second
		// Nearer the first, but on (a, a) the log-odds of the first are
		// log(1/4) - 20a < 0 for a > -0.069: second.
		-0.05, -0.05,
		-1, -1, // first
		math.NaN(), 0, // neither
		-6, -3, // first
		math.Inf(1), 0, // neither
	}
	shares := ModeWeights(m, x)
	if want := []float64{3.0 / 8, 3.0 / 8}; shares[0] != want[0] || shares[1] != want[1] {
		t.Errorf("ModeWeights = %v, want %v", shares, want)
	}
	if e := ModeWeightError(m, []float64{0.25, 0.75}); math.Abs(e-0.05) > 1e-15 {
		t.Errorf("ModeWeightError = %v, want 0.05", e)
	}
}

func TestModeWeightsFarPoints(t *testing.T) {
	// Beyond about 1e154 standard deviations every log-density overflows,
	// yet a finite point still has a most responsible component: the one
	// nearest in standard deviations. The first component is wide on axis 0
	// and narrow on axis 1, the second the same on both.
	m := mustMixture(t, []dist.Component{
		{Weight: 1, Mean: []float64{0, 0}, Std: []float64{10, 0.1}},
		{Weight: 1, Mean: []float64{5, 5}, Std: []float64{1, 1}},
	})
	x := []float64{
		1e200, 0, // 1e199 std from the first, 1e200 from the second: first
		-1e300, 5, // first
		0, 1e200, // 1e201 against 1e200: second
		1e160, 1e160, // 1e161 against 1.4e160: second
		math.NaN(), 0, // neither
		math.Inf(-1), 0, // neither
	}
	if got, want := ModeWeights(m, x), []float64{2.0 / 6, 2.0 / 6}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ModeWeights = %v, want %v", got, want)
	}
}

func TestModeWeightErrorPanics(t *testing.T) {
	m := twoModes(t)
	numtest.WantPanic(t, "metric: ", func() { ModeWeightError(m, []float64{0.2, 0.3, 0.5}) })
}
