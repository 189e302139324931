package metric

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/dist"
)

// TestBinomialSE checks the standard error against exact values and the
// spread of simulated fractions.
func TestBinomialSE(t *testing.T) {
	// sqrt(0.2·0.8/4000) = 0.0063246, sqrt(0.5·0.5/4000) = 0.0079057.
	for i, want := range []float64{0.0063246, 0.0079057, 0} {
		if se := BinomialSE([]float64{0.2, 0.5, 1}, 4000); math.Abs(se[i]-want) > 1e-7 {
			t.Errorf("BinomialSE[%d] = %v, want %v", i, se[i], want)
		}
	}
	const p, n, reps = 0.2, 4000, 2000
	rng := rand.New(rand.NewPCG(1, 2))
	var s, s2 float64
	for range reps {
		k := 0
		for range n {
			if rng.Float64() < p {
				k++
			}
		}
		f := float64(k) / n
		s += f
		s2 += f * f
	}
	sd := math.Sqrt((s2 - s*s/reps) / (reps - 1))
	// The sample sd of 2000 replicates has a relative error of about
	// 1/sqrt(2·2000) = 1.6%; 5% is three of those.
	for i, v := range BinomialSE([]float64{p, 1 - p}, n) {
		if math.Abs(v-sd) > 0.05*sd {
			t.Errorf("BinomialSE[%d] = %.5f, simulated fractions vary by %.5f", i, v, sd)
		}
	}
}

// TestComponentWeights checks the mean responsibilities: exact at points
// of known responsibility, and the mixture's weights from its own samples
// where its components overlap.
func TestComponentWeights(t *testing.T) {
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.3, Mean: []float64{-0.5}, Std: []float64{1}},
		{Weight: 0.7, Mean: []float64{0.5}, Std: []float64{1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// At x = 0 the densities are equal: r = (0.3, 0.7).
	if w := ComponentWeights(m, []float64{0, 0}); math.Abs(w[0]-0.3) > 1e-15 || math.Abs(w[1]-0.7) > 1e-15 {
		t.Errorf("ComponentWeights at 0 = %v, want [0.3 0.7]", w)
	}
	const n = 20000
	x := m.Sample(nil, n, rand.New(rand.NewPCG(3, 4)))
	w := ComponentWeights(m, x)
	// Each responsibility lies in [0, 1], so the mean of n has a standard
	// error of at most 0.5/sqrt(n) = 0.0035; 0.015 is four of those.
	if math.Abs(w[0]-0.3) > 0.015 {
		t.Errorf("ComponentWeights of %d draws = %v, want about [0.3 0.7]", n, w)
	}
}

// TestMoments checks the mean and unbiased variance per coordinate
// against values by hand.
func TestMoments(t *testing.T) {
	// Coordinate 0: 1, 2, 3, 6: mean 3, squares of deviations 4+1+0+9 =
	// 14, variance 14/3. Coordinate 1: all 5.
	mean, v := Moments([]float64{1, 5, 2, 5, 3, 5, 6, 5}, 2)
	if mean[0] != 3 || mean[1] != 5 || math.Abs(v[0]-14.0/3) > 1e-15 || v[1] != 0 {
		t.Errorf("Moments = %v, %v; want [3 5], [4.667 0]", mean, v)
	}
	defer func() {
		if recover() == nil {
			t.Error("Moments of one point did not panic")
		}
	}()
	Moments([]float64{1, 2}, 2)
}
