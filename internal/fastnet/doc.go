// Package fastnet evaluates the forward pass of the seed's score network
// (package scorenet) in plain Go, fast enough to drive long Langevin chains
// without a GoMLX graph.
//
// For a point x in R^d and a noise level index l the network computes
//
//	u    = x - 0.5
//	f    = [cos(2π B_cos u), sin(2π B_sin u)]
//	h_0  = [α_l f + β_l, u]
//	h_k  = relu(h_{k-1} W_k + b_k),  k = 1..Depth
//	s(x, l) = h_Depth W_out + b_out
//
// with the parameters of Params (scorenet.Weights holds the same slices).
// Net.Scores in package scorenet stays the definition of the model; this
// package is checked against a float64 transcription of the formula above.
//
// Evaluation is in float32. The per-level shift is folded into the first
// layer's bias when the Net is built,
//
//	h_0 W_0 + b_0 = [α_l f, u] W_0 + (b_0 + β_l Σ_{i<2F} W_0[i, :]),
//
// so a level costs nothing beyond one bias vector. The trigonometric
// features use a range reduction in turns (exact in float32) and minimax
// polynomials; their absolute error is below 5e-7.
//
// Two layouts of the dense weights serve two shapes of work:
//
//   - Net.ScoreOne and single-particle Net.Chain evaluate one point: each
//     layer is a matrix-vector product that streams the weight rows once.
//   - Net.Scores evaluates a batch in blocks of 32 points. Activations are
//     kept transposed (feature-major, 32 points per row), and each layer is
//     a register-tiled product over panels of four output units, so the
//     activations of one block stay in cache through all layers. Blocks
//     are shared among runtime.GOMAXPROCS goroutines.
//
// On amd64 built with GOEXPERIMENT=simd the kernels use AVX-512 through
// package simd/archsimd when the CPU has it; otherwise portable Go loops
// compute the same values.
package fastnet
