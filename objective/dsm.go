package objective

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// ScoreFn is a noise-conditional score model as a graph: the scores at the
// points x (shape [n, d]) for the noise level indices level (shape [n],
// int32).
type ScoreFn func(x, level *Node) *Node

// AllLevels is the blog post's denoising score matching loss: every one of the B
// data points x (shape [B, d]) is perturbed at every one of the L levels
// sigmas, with the standard normal noise z (shape [B, L, d]), and the
// σ²-weighted squared errors are averaged:
//
//	loss = 1/(B L d) Σ_i Σ_l ‖σ_l s(x_i + σ_l z_il, l) + z_il‖²
func AllLevels(score ScoreFn, sigmas []float64, x, z *Node) *Node {
	g := x.Graph()
	B, d := x.Shape().Dim(0), x.Shape().Dim(1)
	L := len(sigmas)
	if s := z.Shape(); s.Rank() != 3 || s.Dim(0) != B || s.Dim(1) != L || s.Dim(2) != d {
		panic(fmt.Sprintf("objective: noise shape %s, want [%d %d %d]", s, B, L, d))
	}
	sig := Reshape(constAs(g, x, sigmas), 1, L, 1)
	xp := Add(ExpandAxes(x, 1), Mul(sig, z)) // [B, L, d]
	levels := Reshape(Iota(g, shapeOfInt32(B, L), 1), B*L)
	pred := Reshape(score(Reshape(xp, B*L, d), levels), B, L, d)
	return ReduceAllMean(Square(Add(Mul(sig, pred), z)))
}

// OneLevel is the NCSN paper's estimator of the same loss: data point i is
// perturbed once, at the level level[i] (shape [B], int32, drawn uniformly
// by the caller), with the noise z (shape [B, d]):
//
//	loss = 1/(B d) Σ_i ‖σ_{l_i} s(x_i + σ_{l_i} z_i, l_i) + z_i‖²
//
// With levels uniform on {0..L-1} its expectation equals AllLevels'.
func OneLevel(score ScoreFn, sigmas []float64, x, level, z *Node) *Node {
	g := x.Graph()
	if !z.Shape().Equal(x.Shape()) {
		panic(fmt.Sprintf("objective: noise shape %s, want the data's %s", z.Shape(), x.Shape()))
	}
	sig := Gather(constAs(g, x, sigmas), ExpandAxes(level, -1)) // [B]
	sig = ExpandAxes(sig, -1)                                   // [B, 1]
	xp := Add(x, Mul(sig, z))
	pred := score(xp, level)
	return ReduceAllMean(Square(Add(Mul(sig, pred), z)))
}
