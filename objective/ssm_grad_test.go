package objective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
)

// The sliced loss needs a second derivative: the optimiser differentiates
// the Jacobian-vector product again. Check its gradient with respect to a
// weight matrix against central finite differences, for a small tanh and a
// small ReLU network.
func TestSlicedGradientMatchesFiniteDifferences(t *testing.T) {
	backend := gobackend.GetBackend()
	rng := rand.New(rand.NewPCG(3, 4))
	const B, d, H = 5, 2, 7
	randn := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = s * rng.NormFloat64()
		}
		return v
	}
	x, z, v := randn(B*d, 1), randn(B*d, 1), randn(B*d, 1)
	w1, w2 := randn(d*H, 1), randn(H*d, 1)
	b1 := randn(H, 0.5)
	level := []int32{0, 1, 1, 0, 1}
	sigmas := []float64{0.5, 1.5}
	for _, act := range []struct {
		name string
		f    func(*Node) *Node
	}{{"tanh", Tanh}, {"relu", activation.Relu}} {
		t.Run(act.name, func(t *testing.T) {
			lossAndGrad := func(w1 []float64) (float64, []float64) {
				out := MustExecOnceN(backend, func(in []*Node) []*Node {
					x, z, v, level, w1, b1, w2 := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
					score := func(xp, _ *Node) *Node {
						h := act.f(Add(MatMul(xp, w1), ExpandAxes(b1, 0)))
						return MatMul(h, w2)
					}
					loss := SlicedOneLevel(score, sigmas, x, level, z, v)
					return []*Node{loss, Gradient(loss, w1)[0]}
				}, tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(z, B, d),
					tensors.FromFlatDataAndDimensions(v, B, d), tensors.FromFlatDataAndDimensions(level, B),
					tensors.FromFlatDataAndDimensions(w1, d, H), tensors.FromFlatDataAndDimensions(b1, H),
					tensors.FromFlatDataAndDimensions(w2, H, d))
				return tensors.ToScalar[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
			}
			_, grad := lossAndGrad(w1)
			const h = 1e-6
			var num, den float64
			for i := range w1 {
				wp := append([]float64(nil), w1...)
				wm := append([]float64(nil), w1...)
				wp[i] += h
				wm[i] -= h
				lp, _ := lossAndGrad(wp)
				lm, _ := lossAndGrad(wm)
				fd := (lp - lm) / (2 * h)
				num += (fd - grad[i]) * (fd - grad[i])
				den += fd * fd
			}
			// float64 throughout: central differences with h = 1e-6 agree to
			// about 1e-8 relative where the loss is smooth (ReLU kinks are
			// not crossed at this step size for random inputs).
			if r := math.Sqrt(num / den); !(r < 1e-5) {
				t.Errorf("relative error %.3g between autodiff and finite differences", r)
			}
		})
	}
}
