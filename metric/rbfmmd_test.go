package metric

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// TestRBFMMD checks each bandwidth's MMD² against MMD, and the mixture
// against torchcfm's biased formula summed term by term, diagonal included.
func TestRBFMMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	for _, d := range []int{1, 2, 3} {
		n, m := 8, 5
		x, y := gaussian(n, make([]float64, d), rng), gaussian(m, make([]float64, d), rng)
		for i := range y {
			y[i] *= 3
		}
		res := RBFMMD(x, y, d, CFMBandwidths[:])
		for k, h := range CFMBandwidths {
			// The same sums in the same order: equal but for the last
			// bit of the final combination.
			if want := MMD(x, y, d, h); math.Abs(res.MMD2[k]-want) > 1e-15 {
				t.Errorf("d=%d, h=%v: MMD2 %v, MMD %v", d, h, res.MMD2[k], want)
			}
		}
		kern := func(a, b []float64) float64 {
			var s float64
			for _, h := range CFMBandwidths {
				s += math.Exp(-sqDist(a, b) / (2 * h * h))
			}
			return s
		}
		sxx, syy, sxy := bruteSums(x, y, d, kern, true)
		want := sxx/float64(n*n) + syy/float64(m*m) - 2*sxy/float64(n*m)
		// Sums of n² terms of at most 5: rounding below 1e-14.
		if math.Abs(res.Mixture-want) > 1e-14 {
			t.Errorf("d=%d: Mixture %v, brute force %v", d, res.Mixture, want)
		}
	}
	// The biased statistic of a set against itself is zero: the within
	// and between sums are the same numbers (to 1e-15 of rounding).
	x := gaussian(50, []float64{0, 0}, rng)
	if res := RBFMMD(x, x, 2, CFMBandwidths[:]); math.Abs(res.Mixture) > 1e-15 {
		t.Errorf("Mixture(x, x) = %v, want 0", res.Mixture)
	}
}

func TestRBFMMDPanics(t *testing.T) {
	x := []float64{0, 1, 2}
	numtest.WantPanic(t, "metric: RBFMMD: no bandwidths", func() { RBFMMD(x, x, 1, nil) })
	numtest.WantPanic(t, "metric: RBFMMD: bandwidth 1 must be positive", func() { RBFMMD(x, x, 1, []float64{1, 0}) })
	numtest.WantPanic(t, "metric: RBFMMD: need at least 2 points", func() { RBFMMD(x, x[:1], 1, []float64{1}) })
}
