package metric

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestFarPoints checks the metrics on points far out, where squared
// distances overflow: MMDSubsample's median bandwidth was +Inf, on which MMD
// panicked (sgm eval on samples at ±1e308). Scaling both sets by a power of
// two leaves MMD² unchanged at a scaled bandwidth and scales SW₂, so the
// far sets give what the same sets scaled down give.
func TestFarPoints(t *testing.T) {
	x := []float64{1, -1, -1, 1, 0.5, 0.5, 1, 1, 0.25, -0.75}
	y := []float64{0, 0.1, 0.2, 0, -0.1, 0.05, 0.1, -0.2}
	const s = 0x1p1020 // 1e307: x·s reaches ±1e307, whose squared distances overflow
	far := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, a := range v {
			out[i] = a * s
		}
		return out
	}
	near := MMDSubsample(x, y, 2, 0, rand.New(rand.NewPCG(1, 2)))
	got := MMDSubsample(far(x), far(y), 2, 0, rand.New(rand.NewPCG(1, 2)))
	// Powers of two scale exactly: the same bits.
	if got.MMD2 != near.MMD2 || got.Bandwidth != near.Bandwidth*s {
		t.Errorf("far MMDSubsample %+v, want %+v with the bandwidth times 2^1020", got, near)
	}
	at := MMDSubsampleAt(far(y), far(x), 2, 0, near.Bandwidth*s, rand.New(rand.NewPCG(1, 2)))
	if want := MMDSubsampleAt(y, x, 2, 0, near.Bandwidth, rand.New(rand.NewPCG(1, 2))); at.MMD2 != want.MMD2 {
		t.Errorf("far MMDSubsampleAt %v, want %v", at.MMD2, want.MMD2)
	}
	swNear := SlicedWasserstein(x, y, 2, 50, rand.New(rand.NewPCG(3, 4)))
	swFar := SlicedWasserstein(far(x), far(y), 2, 50, rand.New(rand.NewPCG(3, 4)))
	if swFar != swNear*s {
		t.Errorf("far SlicedWasserstein %v, want %v", swFar, swNear*s)
	}
	// At ±1e308 the pooled median distance itself is beyond MaxFloat64:
	// the bandwidth says so, and MMD² is still a number.
	edge := []float64{1e308, -1e308, -1e308, 1e308, 1e308, 1e308}
	r := MMDSubsample(edge, y, 2, 0, rand.New(rand.NewPCG(1, 2)))
	if math.IsNaN(r.MMD2) || math.IsInf(r.MMD2, 0) || !(r.Bandwidth > 1e307) {
		t.Errorf("points at ±1e308: %+v, want a finite MMD² and a huge bandwidth", r)
	}
}

// TestFarOutlier checks MMDSubsample on a cloud near the origin with one
// point far out, as a diverged sampler leaves: the kernel between the far
// point and any other is 0 whether it lies at 1e100 or at 1e300, so both
// give the same bandwidth (the median distance, between near points) and
// the same MMD². Scaling every point by the farthest, as at 1e300 it did,
// rounded the near points to 0: the bandwidth became 1e300 and MMD² 0, a
// perfect score (sgm eval said mmd 0 for samples with one at 1e308).
func TestFarOutlier(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y := make([]float64, 40), make([]float64, 40)
	for i := range x {
		x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()+1
	}
	at := func(far float64) MMDResult {
		x[0] = far
		return MMDSubsample(x, y, 2, 0, rand.New(rand.NewPCG(1, 2)))
	}
	want, got := at(1e100), at(1e300)
	if got != want || !(want.Bandwidth < 10) || !(want.MMD2 > 0.1) {
		t.Errorf("one point at 1e300: %+v, want %+v as at 1e100 (a bandwidth of the near points, MMD² well above 0)", got, want)
	}
}

// TestFarPointsTransport checks the exact W₂ and W₁ and the energy distance
// on points far out: at 1e154 the squared distances overflowed, and the
// assignment solver never returned (sgm eval and plot nfe hung). Scaling
// both sets by a power of two scales each of them exactly, so the far sets
// give the near sets' values times 2^k, bit for bit; each is computed under
// a deadline, as a hang fails the test rather than stalling it.
func TestFarPointsTransport(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, y := make([]float64, 40), make([]float64, 40)
	for i := range x {
		x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()+1
	}
	for _, s := range []float64{0x1p512, 0x1p1000} { // 1.3e154, 1e301
		far := func(v []float64) []float64 {
			out := make([]float64, len(v))
			for i, a := range v {
				out[i] = a * s
			}
			return out
		}
		for name, f := range map[string]func(x, y []float64, d int) float64{
			"Wasserstein2": Wasserstein2, "Wasserstein1": Wasserstein1, "EnergyDistance": EnergyDistance,
		} {
			done := make(chan float64, 1)
			go func() { done <- f(far(x), far(y), 2) }()
			select {
			case got := <-done:
				if want := f(x, y, 2) * s; got != want {
					t.Errorf("%s at scale %g: %v, want %v", name, s, got, want)
				}
			case <-time.After(time.Minute): // the near sets take microseconds
				t.Fatalf("%s at scale %g: no answer after a minute", name, s)
			}
		}
	}
}
