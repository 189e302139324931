// Package dist holds densities whose log-density and score are known
// exactly: Gaussian mixtures with diagonal covariances in any dimension, and
// images read as distributions over the unit square. They are the targets
// that samplers are checked against and the exact scores that a network's
// are compared with.
//
// # Gaussian mixtures
//
// A Mixture of K components in R^d has weights w_k (normalised to sum to 1),
// means μ_k and per-axis standard deviations σ_k:
//
//	p(x) = Σ_k w_k N(x; μ_k, diag(σ_k²))
//
//	log N(x; μ, diag(σ²)) = -d/2 log 2π - Σ_j log σ_j - ½ Σ_j (x_j - μ_j)²/σ_j²
//
// Writing l_k(x) = log w_k + log N(x; μ_k, diag(σ_k²)), the log-density is a
// log-sum-exp and the score is the responsibility-weighted average of the
// components' scores:
//
//	log p(x) = m + log Σ_k exp(l_k(x) - m),   m = max_k l_k(x)
//	r_k(x)   = exp(l_k(x) - log p(x))
//	∇ₓ log p(x) = Σ_k r_k(x) (μ_k - x)/σ_k²
//
// Both are computed from l_k(x) - m, so they stay finite far from the modes,
// where every p_k(x) underflows. Farther still, beyond about 1.9e154
// standard deviations from every mode, even l_k(x) overflows: there the
// differences l_k(x) - m are computed from the logarithms of the scaled
// distances, which gives the responsibilities to the components nearest in
// standard deviations, and log p(x) is -Inf, below the smallest float64.
// The responsibilities are thus finite wherever x is, and the score is
// finite wherever x is, as long as no x_j - μ_kj nor (x_j - μ_kj)/σ_kj²
// overflows.
//
// Adding independent noise N(0, σ² I) to a draw of the mixture gives another
// mixture with the same weights and means:
//
//	p_σ(x̃) = ∫ p(x) N(x̃; x, σ² I) dx = Σ_k w_k N(x̃; μ_k, diag(σ_k² + σ²))
//
// so Mixture.Perturbed gives the exact score ∇ log p_σ that a
// noise-conditional score network is trained to match at noise level σ.
// Perturbed and Image.Smoothed panic on a noise level out of their range
// (too large, or too small for 1/σ²); check a level that comes from a user
// or a file with Mixture.CheckPerturbed or CheckNoise first.
//
// Mixtures are read from JSON,
//
//	{"components": [
//		{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]},
//		{"weight": 0.8, "mean": [5, 5], "std": [1, 1]}
//	]}
//
// or named as presets (see PresetNames); Target accepts either. Keys are
// case-sensitive and may not repeat, unlike encoding/json's defaults.
//
// # Images
//
// An Image of H×W non-negative intensities I(r, c) is the categorical
// distribution over its pixel centres, placed on the unit square as
//
//	x = (r/(H-1), c/(W-1)),   P(x) = I(r, c) / Σ I
//
// Convolved with N(0, σ² I) it is a mixture with one component per non-zero
// pixel (Image.Smoothed), whose score is the exact score of the
// σ-perturbed image distribution.
//
// Points and batches are flat row-major slices, as in package sgm: a batch
// of n points in R^d has length n*d. Every Mixture is an sgm.Scorer.
package dist
