package dist

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMixtureMoments checks Mean and Var against a hand computation and
// against a large sample: with n = 200,000 draws the sample mean is within
// 5 standard errors sqrt(Var/n) of Mean, and the sample variance within 5
// standard errors of Var (for a mixture of Gaussians its standard error is
// about Var·sqrt(2/n) times a kurtosis factor below 3 here).
func TestMixtureMoments(t *testing.T) {
	m, err := NewMixture([]Component{
		{Weight: 0.25, Mean: []float64{-2, 1}, Std: []float64{1, 0.5}},
		{Weight: 0.75, Mean: []float64{2, 1}, Std: []float64{0.5, 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// mean_0 = -0.5 + 1.5 = 1; var_0 = 0.25(1 + 9) + 0.75(0.25 + 1) = 3.4375;
	// mean_1 = 1; var_1 = 0.25·0.25 + 0.75·4 = 3.0625.
	mean, v := m.Mean(), m.Var()
	if mean[0] != 1 || mean[1] != 1 || v[0] != 3.4375 || v[1] != 3.0625 {
		t.Fatalf("Mean %v Var %v, want [1 1] [3.4375 3.0625]", mean, v)
	}
	const n = 200000
	x := m.Sample(nil, n, rand.New(rand.NewPCG(1, 2)))
	for j := range 2 {
		var s, ss float64
		for i := j; i < len(x); i += 2 {
			s += x[i]
		}
		mu := s / n
		for i := j; i < len(x); i += 2 {
			ss += (x[i] - mu) * (x[i] - mu)
		}
		if se := math.Sqrt(v[j] / n); math.Abs(mu-mean[j]) > 5*se {
			t.Errorf("coordinate %d: sample mean %g, Mean %g (5 s.e. = %g)", j, mu, mean[j], 5*se)
		}
		if se := 3 * v[j] * math.Sqrt(2.0/n); math.Abs(ss/(n-1)-v[j]) > 5*se {
			t.Errorf("coordinate %d: sample variance %g, Var %g (5 s.e. = %g)", j, ss/(n-1), v[j], 5*se)
		}
	}
	lo, hi := m.Bounds(2)
	if lo[0] != -4 || hi[0] != 3 || lo[1] != -3 || hi[1] != 5 {
		t.Errorf("Bounds(2) = %v, %v, want [-4 -3], [3 5]", lo, hi)
	}
}

// TestMixtureRMS checks RMS against the hand computation of
// TestMixtureMoments, √(Σ_j Var_j + Mean_j²) = √(3.4375 + 3.0625 + 2) =
// √8.5, and far out: with the means scaled by 2^1000 (near 1e301, where
// Var overflowed to +Inf) and the standard deviations left as they are
// (negligible beside the means), the RMS is √(Σ_c w_c ‖μ_c‖²) = √5 · 2^1000,
// bit for bit: the sums are of exact powers of two.
func TestMixtureRMS(t *testing.T) {
	comps := func(s float64) []Component {
		return []Component{
			{Weight: 0.25, Mean: []float64{-2 * s, 1 * s}, Std: []float64{1, 0.5}},
			{Weight: 0.75, Mean: []float64{2 * s, 1 * s}, Std: []float64{0.5, 2}},
		}
	}
	near, err := NewMixture(comps(1))
	if err != nil {
		t.Fatal(err)
	}
	// Sums of a few terms of O(1): an ulp or two.
	if got := near.RMS(); math.Abs(got-math.Sqrt(8.5)) > 4e-16*math.Sqrt(8.5) {
		t.Errorf("RMS %v, want √8.5 = %v", got, math.Sqrt(8.5))
	}
	far, err := NewMixture(comps(0x1p1000))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := far.RMS(), math.Sqrt(5)*0x1p1000; got != want {
		t.Errorf("far RMS %v, want √5 · 2^1000 = %v", got, want)
	}
}

// TestStandardized checks Standardized on one Gaussian, where the mapped
// mean and scale are exact: N(3, 2²) standardised by mean 1, scale 4 is
// N(0.5, 0.5²), whose log density at z is that of N(3, 2²) at 1 + 4z plus
// log 4.
func TestStandardized(t *testing.T) {
	m, err := NewMixture([]Component{{Weight: 1, Mean: []float64{3}, Std: []float64{2}}})
	if err != nil {
		t.Fatal(err)
	}
	z, err := m.Standardized([]float64{1}, []float64{4})
	if err != nil {
		t.Fatal(err)
	}
	c := z.Components()[0]
	if c.Mean[0] != 0.5 || c.Std[0] != 0.5 {
		t.Errorf("component %+v, want mean 0.5, std 0.5", c)
	}
	// Relative 1e-14: a few roundings.
	if got, want := z.LogProb([]float64{0.3}), m.LogProb([]float64{2.2})+math.Log(4); math.Abs(got-want) > 1e-14*math.Abs(want) {
		t.Errorf("log p_Z(0.3) = %v, want %v", got, want)
	}
	if _, err := m.Standardized([]float64{0, 0}, []float64{1, 1}); err == nil {
		t.Error("a 2-D standardisation of a 1-D mixture: no error")
	}
}
