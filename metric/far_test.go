package metric

import (
	"math"
	"math/rand/v2"
	"testing"
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
