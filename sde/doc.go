// Package sde holds the forward processes of score-based generative
// modelling in continuous time (Song et al. 2021): the variance-exploding
// (VE), variance-preserving (VP) and sub-VP SDEs,
//
//	dx = f(t) x dt + g(t) dW,   t ∈ [0, 1]
//
// with their Gaussian perturbation kernels N(a(t) x₀, s(t)² I), and the
// time-conditioned score interface, TimeScorer, that the samplers (sample)
// and the likelihood (likelihood) are written against.
//
// The reverse-time SDE and the probability-flow ODE of a forward SDE are
//
//	dx = [f x - g² ∇ₓ log p_t(x)] dt + g dW̄
//	dx/dt = f x - ½ g² ∇ₓ log p_t(x)
//
// and both need only the score of the marginal p_t. For a Gaussian mixture
// p₀ that score is exact (Mixture): p_t is again a mixture, with means
// a(t) μ_k and variances a(t)² σ_k² + s(t)². A network trained in continuous
// time implements TimeScorer the same way, so the exact and the learned
// score drive the same samplers.
//
// All three SDEs also have an EDM noise level σ̂(t) = s(t)/a(t) (Karras et
// al. 2022): x_t/a(t) = x₀ + σ̂ z, and TimeOf inverts it, which lets the
// σ-parameterised samplers (EDM's Heun, DPM-Solver++) run on any of them.
package sde
