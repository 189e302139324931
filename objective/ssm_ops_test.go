package objective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Second derivatives through the ops of the score network: each variant
// differs from a plain tanh MLP by one op.
func TestSlicedGradientThroughOps(t *testing.T) {
	backend := gobackend.GetBackend()
	rng := rand.New(rand.NewPCG(7, 8))
	const B, d, H, F = 4, 2, 5, 3
	randn := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	x, z, v := randn(B*d), randn(B*d), randn(B*d)
	bf := randn(F * d)
	level := []int32{0, 1, 1, 0}
	alpha := []float64{1.2, 0.7}
	sigmas := []float64{0.5, 1.5}
	variants := map[string]func(xp, lvl, w1 *Node) *Node{
		"matmul": func(xp, _, w1 *Node) *Node { return Tanh(MatMul(xp, w1)) },
		"einsum": func(xp, _, w1 *Node) *Node { return Tanh(Einsum("nd,dh->nh", xp, w1)) },
		"cos": func(xp, _, w1 *Node) *Node {
			return MatMul(Cos(xp), w1)
		},
		"concat": func(xp, _, w1 *Node) *Node {
			return Tanh(MatMul(Concatenate([]*Node{Sin(xp), xp}, 1), Concatenate([]*Node{w1, w1}, 0)))
		},
		"gather": func(xp, lvl, w1 *Node) *Node {
			a := ExpandAxes(Gather(Const(xp.Graph(), alpha), ExpandAxes(lvl, -1)), -1)
			return Tanh(MatMul(Mul(a, xp), w1))
		},
		"sin-features": func(xp, _, w1 *Node) *Node {
			f := Sin(MulScalar(Einsum("nd,fd->nf", xp, Const(xp.Graph(), [][]float64{{bf[0], bf[1]}, {bf[2], bf[3]}})), 2*math.Pi))
			return Tanh(MatMul(f, w1))
		},
	}
	for name, hidden := range variants {
		t.Run(name, func(t *testing.T) {
			w1 := randn(d * H)
			w2 := randn(H * d)
			lossAndGrad := func(w1 []float64) (float64, []float64) {
				out := MustExecOnceN(backend, func(in []*Node) []*Node {
					x, z, v, lvl, w1, w2 := in[0], in[1], in[2], in[3], in[4], in[5]
					score := func(xp, l *Node) *Node { return MatMul(hidden(xp, l, w1), w2) }
					loss := SlicedOneLevel(score, sigmas, x, lvl, z, v)
					return []*Node{loss, Gradient(loss, w1)[0]}
				}, tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(z, B, d),
					tensors.FromFlatDataAndDimensions(v, B, d), tensors.FromFlatDataAndDimensions(level, B),
					tensors.FromFlatDataAndDimensions(w1, d, H), tensors.FromFlatDataAndDimensions(w2, H, d))
				return tensors.ToScalar[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
			}
			_, grad := lossAndGrad(w1)
			var num, den float64
			for i := range w1 {
				wp, wm := append([]float64(nil), w1...), append([]float64(nil), w1...)
				wp[i] += 1e-6
				wm[i] -= 1e-6
				lp, _ := lossAndGrad(wp)
				lm, _ := lossAndGrad(wm)
				fd := (lp - lm) / 2e-6
				num += (fd - grad[i]) * (fd - grad[i])
				den += fd * fd
			}
			if r := math.Sqrt(num / den); !(r < 1e-5) {
				t.Errorf("relative error %.3g between autodiff and finite differences", r)
			}
		})
	}
}
