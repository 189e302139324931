package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// condTestMixture is a mixture in R^3 with unequal weights, means and
// standard deviations per axis.
func condTestMixture(t *testing.T) *Mixture {
	t.Helper()
	m, err := NewMixture([]Component{
		{Weight: 0.5, Mean: []float64{-2, 0, 1}, Std: []float64{0.5, 1, 0.7}},
		{Weight: 0.3, Mean: []float64{2, 1, -1}, Std: []float64{1, 0.4, 0.6}},
		{Weight: 0.2, Mean: []float64{0, -2, 3}, Std: []float64{0.8, 0.9, 1.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGivenIsConditional checks the definition of a conditional density,
// log p(x_F | v_G) = log p(x_F, v_G) - log p_G(v_G), at random points, for
// every choice of given coordinates; the marginal p_G is checked as well,
// as the integral of p over the free coordinates (by the mixture's own
// factorisation: each component's marginal is its Gaussian over G). Both
// sides are sums of a few exp and log terms: agreement to 1e-12 relative.
func TestGivenIsConditional(t *testing.T) {
	m := condTestMixture(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for mask := 1; mask < 7; mask++ { // bit j set: coordinate j given
		var g, f []int
		for j := range 3 {
			if mask&(1<<j) != 0 {
				g = append(g, j)
			} else {
				f = append(f, j)
			}
		}
		for range 20 {
			full := []float64{3 * rng.NormFloat64(), 3 * rng.NormFloat64(), 3 * rng.NormFloat64()}
			given := slices.Clone(full)
			var xf, vg []float64
			for _, j := range f {
				given[j] = math.NaN()
				xf = append(xf, full[j])
			}
			for _, j := range g {
				vg = append(vg, full[j])
			}
			c, err := m.Given(given)
			if err != nil {
				t.Fatal(err)
			}
			if c.Dim() != len(f) {
				t.Fatalf("mask %b: dimension %d, want %d", mask, c.Dim(), len(f))
			}
			want := m.LogProb(full) - m.Marginal(g...).LogProb(vg)
			if got := c.LogProb(xf); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("mask %b at %v: log p(x_F|v_G) = %.15g, want %.15g", mask, full, got, want)
			}
		}
	}
}

// TestGivenWeights checks the component weights of a conditional against
// Bayes' rule written out with the Gaussian densities (math.Exp of the
// log-density; the values are chosen where nothing underflows), and that
// far in the tails, where every density underflows, the nearest component
// in standard deviations takes all the weight.
func TestGivenWeights(t *testing.T) {
	m := condTestMixture(t)
	nan := math.NaN()
	given := []float64{0.5, nan, 0.2}
	comps := m.Components()
	want := make([]float64, len(comps))
	var sum float64
	for k, c := range comps {
		want[k] = c.Weight
		for _, j := range []int{0, 2} {
			z := (given[j] - c.Mean[j]) / c.Std[j]
			want[k] *= math.Exp(-z*z/2) / (c.Std[j] * math.Sqrt(2*math.Pi))
		}
		sum += want[k]
	}
	got, err := m.GivenWeights(given)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Given(given)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		want[k] /= sum
		if math.Abs(got[k]-want[k]) > 1e-14 {
			t.Errorf("weight %d: %.16g, want %.16g", k, got[k], want[k])
		}
		cc := c.Components()[k]
		if cc.Weight != got[k] || cc.Mean[0] != comps[k].Mean[1] || cc.Std[0] != comps[k].Std[1] {
			t.Errorf("component %d of the conditional: %+v, want weight %v, mean %v, std %v", k, cc, got[k], comps[k].Mean[1], comps[k].Std[1])
		}
	}

	// 1e200 is 1e200/σ standard deviations from every mean: component 1
	// (σ = 1 on axis 0, the widest) is the nearest. The others' terms lie
	// far below e^-64 of it and are dropped.
	far, err := m.Given([]float64{1e200, nan, nan})
	if err != nil {
		t.Fatal(err)
	}
	if fc := far.Components(); len(fc) != 1 || fc[0].Mean[0] != 1 || fc[0].Mean[1] != -1 {
		t.Errorf("far in the tail: components %+v, want component 1 only", fc)
	}
	// Nothing given: m's weights.
	w, err := m.GivenWeights([]float64{nan, nan, nan})
	if err != nil || w[0] != 0.5 || w[1] != 0.3 || w[2] != 0.2 {
		t.Errorf("nothing given: %v, %v", w, err)
	}
}

func TestGivenErrors(t *testing.T) {
	m := condTestMixture(t)
	nan := math.NaN()
	for _, given := range [][]float64{{math.Inf(1), nan, nan}, {1, 2, 3}} {
		if _, err := m.Given(given); err == nil {
			t.Errorf("Given(%v): no error", given)
		}
	}
	if _, err := m.GivenWeights([]float64{nan, math.Inf(-1), nan}); err == nil {
		t.Error("GivenWeights with -Inf: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("Given of 2 values in R^3 did not panic")
		}
	}()
	m.Given([]float64{1, 2})
}

// TestSampleLabelled checks that the labelled draws are Sample's, and that
// each point's label is its component: the components of this mixture
// are far apart (12 standard deviations), so each point's largest
// responsibility is its own component's.
func TestSampleLabelled(t *testing.T) {
	m, err := NewMixture([]Component{
		{Weight: 0.25, Mean: []float64{-6, 0}, Std: []float64{0.5, 0.5}},
		{Weight: 0.75, Mean: []float64{6, 0}, Std: []float64{0.5, 0.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x, labels := m.SampleLabelled(nil, 1000, rand.New(rand.NewPCG(5, 6)))
	if want := m.Sample(nil, 1000, rand.New(rand.NewPCG(5, 6))); !slices.Equal(x, want) {
		t.Fatal("SampleLabelled's points differ from Sample's")
	}
	ones := 0
	for i, l := range labels {
		r := m.Responsibilities(nil, x[2*i:2*i+2])
		if r[l] < 0.5 {
			t.Fatalf("point %d %v labelled %d, responsibilities %v", i, x[2*i:2*i+2], l, r)
		}
		ones += l
	}
	// Binomial(1000, 0.75): standard error 13.7; 5 of them.
	if math.Abs(float64(ones)-750) > 5*13.7 {
		t.Errorf("%d points of component 1, want 750 ± 68", ones)
	}
}

// TestSampleGiven checks that SampleGiven keeps each row's given values
// exactly, draws the free ones from that row's conditional (two-modes-unequal's
// free coordinate given x0 = 5 lies near its modes at x0 = 5),
// copies a row with every value given, and names the row of an error.
func TestSampleGiven(t *testing.T) {
	m, err := Preset("two-modes-unequal")
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	rows := []float64{5, nan, 1, 2, nan, -5}
	x := make([]float64, 6)
	if err := m.SampleGiven(x, rows, 3, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	if x[0] != 5 || x[2] != 1 || x[3] != 2 || x[5] != -5 {
		t.Errorf("given values not kept: %v", x)
	}
	// two-modes-unequal's components are centred at (-5, -5) and (5, 5)
	// with std 1 (dist/preset.go): given one coordinate at a mode, the
	// other is within 6 std of the same mode.
	if math.Abs(x[1]-5) > 6 || math.Abs(x[4]+5) > 6 {
		t.Errorf("free values %v and %v, want near 5 and -5", x[1], x[4])
	}
	shared := make([]float64, 4)
	if err := m.SampleGiven(shared, []float64{nan, -5}, 2, rand.New(rand.NewPCG(1, 2))); err != nil || shared[1] != -5 || shared[3] != -5 {
		t.Errorf("shared given: %v, %v", shared, err)
	}
	err = m.SampleGiven(x, []float64{5, nan, math.Inf(1), nan, 0, nan}, 3, rand.New(rand.NewPCG(1, 2)))
	var re *RowError
	if !errors.As(err, &re) || re.Row != 1 {
		t.Errorf("an infinite value in row 2: %v, want a RowError of row index 1", err)
	}
}
