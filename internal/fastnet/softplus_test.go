package fastnet

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftplus checks the float32 softplus against log1p(e^x) in float64
// over the whole float32 range: within 4 float32 ulps of the value (2⁻²¹
// relative), or e^-87 ≈ 1.65e-38 absolute, below which expNeg gives 0.
func TestSoftplus(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var xs []float32
	for _, scale := range []float64{1e-6, 0.01, 0.3, 1, 3, 10, 30, 90, 1e4, 1e30} {
		for range 4096 {
			xs = append(xs, float32(scale*(2*rng.Float64()-1)))
		}
	}
	nan := float32(math.NaN())
	xs = append(xs, 0, -0, 86.9, -86.9, 87.1, -87.1, 88.8, -88.8, 1e38, -1e38, math.SmallestNonzeroFloat32, nan, -nan)
	xs = append(xs, make([]float32, 16-len(xs)%16)...) // whole vectors for the 16-lane kernel
	kernels(t, func(t *testing.T) {
		got := append([]float32(nil), xs...)
		softplus(got)
		for i, x := range xs {
			a := float64(x)
			if math.IsNaN(a) {
				if !math.IsNaN(float64(got[i])) {
					t.Errorf("softplus(NaN) = %v, want NaN", got[i])
				}
				continue
			}
			want := max(a, 0) + math.Log1p(math.Exp(-math.Abs(a)))
			if err := math.Abs(float64(got[i]) - want); !(err <= 4*0x1p-24*want || err <= 1.65e-38) {
				t.Errorf("softplus(%v) = %v, want %v (relative error %.3g)", x, got[i], want, err/want)
			}
		}
	})
}

func BenchmarkSoftplus(b *testing.B) {
	v := make([]float32, 768)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range v {
		v[i] = float32(4 * rng.NormFloat64())
	}
	w := make([]float32, len(v))
	b.SetBytes(int64(4 * len(v)))
	for b.Loop() {
		copy(w, v)
		softplus(w)
	}
}
