package fastnet

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// forwardFlops is the cost of the network at one point, two FLOPs per
// multiply-add of its products: the features' B u (2F×d), then the dense
// layers, (2F+d)×W, (Depth-1) of W×W and W×d. The trigonometric functions,
// activations and biases are left out (under 1% at the blog post's sizes).
func forwardFlops(d, F, W, D int) float64 {
	return 2 * float64(2*F*d+(2*F+d)*W+(D-1)*W*W+W*d)
}

// BenchmarkDims measures a training step (one level per point) and the
// scores of a batch at one level, 256 points each, on the blog post's
// network (256 features, three layers of 256 units, 30 levels) at
// dimensions 2, 8 and 64, in GFLOP/s of forwardFlops: a training row
// costs three forward passes (forward, backward for the activations and
// for the weights), a score one. Issue 12: the speed per FLOP should not
// depend on d.
func BenchmarkDims(b *testing.B) {
	const F, W, D, L, batch = 256, 256, 3, 30, 256
	for _, d := range []int{2, 8, 64} {
		p := randomParams(d, F, W, D, L, rand.New(rand.NewPCG(1, 2)))
		rng := rand.New(rand.NewPCG(3, 4))
		x, z, levels, sigmas := randomBatch(d, batch, L, batch, rng)
		flops := forwardFlops(d, F, W, D) * batch
		b.Run(fmt.Sprintf("train/d=%d", d), func(b *testing.B) {
			tr, err := NewTrainer(p, 1e-3)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tr.StepOneLevel(x, levels, z, sigmas)
			}
			b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("scores/d=%d", d), func(b *testing.B) {
			net, err := New(p)
			if err != nil {
				b.Fatal(err)
			}
			x64 := make([]float64, len(x))
			for i, v := range x {
				x64[i] = float64(v)
			}
			dst := make([]float64, len(x64))
			b.ReportAllocs()
			for b.Loop() {
				net.Scores(dst, x64, 17)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
