package train

import (
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/scorenet"
)

// BenchmarkTimeStep measures a step of continuous-time denoising score
// matching under VP (width 256, batch 256, d = 2, ReLU, the defaults of a
// time-conditioned network otherwise) with the fused engine and with the
// graph's, on the pure-Go backend. Measured on this 2-core Zen 3 (AVX2):
// 256 vs 32 steps/s at load 2 (7.9x), 73 vs 18 at load 9 (4.1x).
func BenchmarkTimeStep(b *testing.B) {
	backend, err := scorenet.GoBackend()
	if err != nil {
		b.Fatal(err)
	}
	const B, d = 256, 2
	for _, name := range []string{"fused", "graph"} {
		b.Run(name, func(b *testing.B) {
			cfg := scorenet.Config{Dim: d, Width: 256, Activation: "relu", Conditioning: "time", Process: "vp"}
			net, err := scorenet.New(backend, cfg, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				b.Fatal(err)
			}
			s := Settings{Batch: B, Objective: Continuous}.WithDefaults()
			var eng interface {
				engine
				drawTimes(*rand.Rand)
			}
			if name == "fused" {
				if !fastTimeApplies(net) {
					b.Skip("no vectorised fastnet kernels here")
				}
				eng, err = newFastTimeEngine(net, s, nil)
			} else {
				eng, err = newTimeEngine(net, s, nil)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer eng.close()
			rng := rand.New(rand.NewPCG(3, 4))
			x, z := make([]float32, B*d), make([]float32, B*d)
			for i := range x {
				x[i], z[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
			eng.drawTimes(rng)
			b.ReportAllocs()
			for b.Loop() {
				l, err := eng.step(x, z, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				l.read()
				l.release()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
