// Package fastnet evaluates and trains the blog post's score network (package
// scorenet) in plain Go: evaluation fast enough to drive long Langevin
// chains, and training steps faster than the GoMLX graph's, without one.
//
// For a point x in R^d and a noise level index l the network computes
//
//	u    = x - 0.5
//	f    = [cos(2π B_cos u), sin(2π B_sin u)]
//	h_0  = [α_l f + β_l, u]
//	h_k  = φ(h_{k-1} W_k + b_k),  k = 1..Depth
//	s(x, l) = h_Depth W_out + b_out
//
// with the parameters of Params (scorenet.Weights holds the same slices)
// and φ = relu, the blog post's activation, or softplus, log(1 + eˣ), with
// Params.Softplus (evaluated in float32 to a few ulps with a polynomial
// exp and log1p, 16 lanes at a time; see softplus.go).
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
// Trainer trains the ReLU network as package train does, without a graph: the
// denoising score matching losses of package objective (every point at
// every level, or each point at one level), their gradient with respect
// to α, β and the dense layers by backpropagation written out, and GoMLX's
// Adam (optimizer.Adam() defaults, float32, bit for bit given the same
// gradient). A training row is one point at one level. Rows go through
// the network in blocks of 64, their activations kept row-major, so that
// each dense layer costs three register-tiled products that all read
// their operands along rows:
//
//	forward   h_k = relu(h_{k-1} W_k + b_k)         (W_k packed in panels)
//	backward  g_{k-1} = (g_k W_kᵀ) ⊙ [h_{k-1} > 0]   (W_kᵀ packed in panels)
//	          ∂W_k += h_{k-1}ᵀ g_k                   (accumulated per goroutine)
//
// The first layer's input gradient is never formed. With the feature
// product P = f W_0[:2F] kept from the forward pass (z_1 = α_l P + ...),
//
//	∂loss/∂α_l = Σ_{rows at l} g_1·P,   ∂loss/∂β_l = Σ_{rows at l} g_1·Σ_{i<2F} W_0[i, :],
//
// g_1 being the gradient at the first layer's pre-activation, which saves
// a quarter of the backward pass. Blocks are dealt to runtime.GOMAXPROCS
// goroutines in a fixed pattern and their sums added in a fixed order, so
// a step is reproducible. Gradients agree with GoMLX's graph to about 1e-6
// (relative norm; see gomlx_test.go).
//
// TimeTrainer (timetrain.go) trains a network conditioned on time with the
// same step: each row has its own α_i = e(t_i)·a and β_i = e(t_i)·b, and
// ∂loss/∂a = Σ_i (∂loss/∂α_i) e(t_i) (likewise b); blocks.go holds what the
// two steps share.
//
// A network conditioned on class labels (Params.Label, scorenet's
// label.go) adds its label's row E_c of the embedding to the first layer's
// pre-activation. Trainer.StepOneLevelLabelled and TimeTrainer.StepLabelled
// add it to each row's bias and sum the rows' gradients at that
// pre-activation into ∂loss/∂E_c, beside b_0's; Net evaluates one label at
// a time with E_c folded into b_0 by its caller.
//
// From d = 16 on, the training step also runs the inputs' and outputs'
// products register-tiled over the block (wide.go), so that a step costs
// the same per FLOP at any d.
//
// Net.ScoresDivergence adds the exact divergence of the score, Σ_k ∂s_k/∂x_k,
// by forward-mode tangents through the batched path's layers (1 + d
// passes), for the probability-flow ODE's log-density.
//
// On amd64 built with GOEXPERIMENT=simd the kernels use package
// simd/archsimd: 16-lane AVX-512 kernels where the CPU has AVX-512, else
// 8-lane AVX2+FMA kernels (kernels_avx2.go, gemm_avx2.go, rowops_avx2.go,
// with the register tiles of the products in panel_avx2_amd64.s); on a
// 2-core Zen 3 these run the training step about 11-20x and the batched
// scores about 20x as fast as the portable loops, which elsewhere compute
// the same values.
package fastnet
