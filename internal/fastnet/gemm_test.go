package fastnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randFloats(n int, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestGemm checks both products, with every epilogue, against float64 sums.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	kernels(t, func(t *testing.T) {
		for _, c := range []struct{ rows, K, np int }{{4, 1, 1}, {8, 7, 2}, {64, 514, 8}, {12, 33, 3}} {
			lda, ldc := c.K+3, c.np*tile+tile
			a := randFloats((c.rows-1)*lda+c.K, rng)
			b := randFloats(c.np*c.K*tile, rng)
			bias := randFloats(c.np*tile, rng)
			m := randFloats(c.rows*ldc, rng)
			for _, ep := range []int{epStore, epBiasReLU, epMask} {
				got := make([]float32, c.rows*ldc)
				gemmNN(got, ldc, a, lda, c.K, b, c.np, c.rows, ep, bias, m)
				for r := range c.rows {
					for j := range c.np * tile {
						var s float64
						for k := range c.K {
							s += float64(a[r*lda+k]) * float64(b[(j/tile)*c.K*tile+k*tile+j%tile])
						}
						switch ep {
						case epBiasReLU:
							s = max(s+float64(bias[j]), 0)
						case epMask:
							if !(m[r*ldc+j] > 0) {
								s = 0
							}
						}
						if d := math.Abs(float64(got[r*ldc+j]) - s); d > 1e-4*math.Sqrt(float64(c.K)) {
							t.Fatalf("%+v ep=%d: C[%d][%d] = %v, want %v", c, ep, r, j, got[r*ldc+j], s)
						}
					}
				}
			}
			// gemmTN with kp = K rounded down to a multiple of 4.
			kp := c.K / 4 * 4
			if kp == 0 {
				continue
			}
			ldb := c.np*tile + 5
			g := randFloats((c.rows-1)*ldb+c.np*tile, rng)
			c0 := randFloats(kp*ldc, rng)
			got := append([]float32(nil), c0...)
			gemmTN(got, ldc, a, lda, kp, g, ldb, c.np, c.rows)
			for k := range kp {
				for j := range c.np * tile {
					s := float64(c0[k*ldc+j])
					for r := range c.rows {
						s += float64(a[r*lda+k]) * float64(g[r*ldb+j])
					}
					if d := math.Abs(float64(got[k*ldc+j]) - s); d > 1e-4*math.Sqrt(float64(c.rows)) {
						t.Fatalf("%+v: gemmTN C[%d][%d] = %v, want %v", c, k, j, got[k*ldc+j], s)
					}
				}
			}
		}
	})
}

func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, R := range []int{32, 64, 128, 256} {
		for _, K := range []int{256, 512} {
			a := randFloats(R*(K+4), rng)
			w := randFloats(K*256, rng)
			c := make([]float32, R*256)
			b.Run(fmt.Sprintf("NN/R=%d/K=%d", R, K), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					gemmNN(c, 256, a, K+4, K, w, 8, R, epBiasReLU, w, nil)
				}
				b.ReportMetric(float64(b.N)*float64(2*R*K*256)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(fmt.Sprintf("TN/R=%d/K=%d", R, K), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					gemmTN(w, 256, a, K+4, K, c, 256, 8, R)
				}
				b.ReportMetric(float64(b.N)*float64(2*R*K*256)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkLayerBlock measures the batched path's dense layer of the
// blog post's network: 256 inputs, 256 outputs, a block of 32 points.
func BenchmarkLayerBlock(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	const np = 256
	for _, K := range []int{256, 514} { // a hidden layer; the first layer at d = 2
		w, h, bias := randFloats(K*np, rng), randFloats(K*lanes, rng), randFloats(np, rng)
		out := make([]float32, np*lanes)
		b.Run(fmt.Sprintf("K=%d", K), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				layerBlock(w, K, np, h, bias, out, true)
			}
			b.ReportMetric(float64(b.N)*2*float64(K*np*lanes)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
