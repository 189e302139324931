// Package objective holds the training losses of noise-conditional score
// networks as GoMLX graphs.
//
// Denoising score matching (Vincent 2011; Song & Ermon 2019, eq. 5-6) at a
// noise level σ perturbs a data point x as x̃ = x + σz, z ~ N(0, I), and
// regresses the network on the score of the perturbation kernel,
// -(x̃ - x)/σ² = -z/σ. Weighted by λ(σ) = σ² and averaged over the L levels,
//
//	E(θ) = 1/L Σ_l σ_l² · E_x E_z ½‖s_θ(x + σ_l z, l) + z/σ_l‖²
//	     ∝ 1/L Σ_l E_x E_z ‖σ_l s_θ(x + σ_l z, l) + z‖²
//
// The losses here average the squared error over the d coordinates, as the
// seed does (jnp.square(...).mean(-1)), so a network that outputs zero scores
// has loss 1.
//
// Two estimators of the same objective are given: AllLevels, the blog post's,
// perturbs every data point at every level (B·L network evaluations per
// batch of B); OneLevel, the NCSN paper's, draws one level per data point
// (B evaluations), an unbiased estimate of the same average with more
// variance per evaluation.
//
// Networks conditioned on time train with the continuous-time objectives
// of continuous.go (denoising score matching under a forward SDE, and
// flow matching), which regress the network's output on a target.
//
// The noise z is an input, drawn by the caller from an explicit random
// source, so that a loss is a deterministic function of its inputs.
package objective
