package objective

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// SlicedOneLevel is sliced score matching (Song, Garg, Shi & Ermon 2019)
// on noise-perturbed data, the alternative to denoising that the blog post
// mentions: data point i is perturbed at the level level[i] with noise z,
// x̃ = x + σ z, and with a random projection v (shape [B, d], standard
// normal)
//
//	loss = 1/B Σ_i σ_{l_i}² ( vᵢᵀ ∇ₓ(vᵢᵀ s(x̃ᵢ, l_i)) + ½ ‖s(x̃ᵢ, l_i)‖² )
//
// which equals, up to a constant independent of the network, the
// σ²-weighted ½E‖s − ∇log p_σ‖² (the projected-Jacobian term is the
// sliced version of the trace in the blog post's eq. 2). The Jacobian-vector
// product ∇ₓ(vᵀs) comes from GoMLX's reverse-mode autodiff, and the
// optimiser differentiates through it again.
//
// Unlike denoising score matching, the loss does not need the perturbation
// kernel's score, and it is not bounded below by a positive constant: it
// is negative for a good network.
func SlicedOneLevel(score ScoreFn, sigmas []float64, x, level, z, v *Node) *Node {
	g := x.Graph()
	if !z.Shape().Equal(x.Shape()) || !v.Shape().Equal(x.Shape()) {
		panic(fmt.Sprintf("objective: noise %s and projections %s, want the data's shape %s", z.Shape(), v.Shape(), x.Shape()))
	}
	sig := ExpandAxes(Gather(constAs(g, x, sigmas), ExpandAxes(level, -1)), -1) // [B, 1]
	xp := Add(x, Mul(sig, z))
	s := score(xp, level)
	jvp := Gradient(ReduceAllSum(Mul(v, s)), xp)[0] // ∇ₓ(vᵀs) per point
	perPoint := Add(ReduceSum(Mul(v, jvp), -1), MulScalar(ReduceSum(Square(s), -1), 0.5))
	return ReduceAllMean(Mul(Square(Reshape(sig, -1)), perPoint))
}
