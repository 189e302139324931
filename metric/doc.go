// Package metric measures how close samples are to their target: two-sample
// distances between point sets, the weights of a mixture's modes, pixel
// histograms against an image, and the error of a learned score.
//
// Points are flat row-major slices, as in package sgm: n points in R^d are a
// slice of length n*d. Functions that draw random numbers take an explicit
// *rand.Rand. Misuse (empty samples, mismatched lengths) panics with a
// "metric: ..." message.
//
// # Sliced Wasserstein distance
//
// SlicedWasserstein averages the squared Wasserstein-2 distance between the
// one-dimensional projections of the two samples over directions θ uniform
// on the unit sphere:
//
//	SW₂(X, Y)² = E_θ W₂²(θ·X, θ·Y)
//	W₂²(U, V)  = ∫₀¹ (F_U⁻¹(t) - F_V⁻¹(t))² dt
//
// Each W₂² is exact for the empirical distributions (sorted projections,
// merged over the union of the quantile steps when the sizes differ); the
// expectation over θ is a Monte Carlo mean over a given number of random
// directions (DefaultProjections = 200), so SW₂ is an estimate. For
// X ~ N(μ, I) and Y ~ N(μ + δ, I) in R^d, W₂ = ‖δ‖ and E_θ (θ·δ)² = ‖δ‖²/d,
// so SW₂ = ‖δ‖/sqrt(d). Over the directions, (θ·δ)²/‖δ‖² has mean 1/d and
// variance 2(d-1)/(d²(d+2)), a relative standard deviation of SW₂² of
// 0.71/sqrt(projections) in R².
//
// W₂ weighs moved mass by the squared distance: two samples of the same
// mixture whose modes are L apart, with shares that differ by ε by chance,
// are about L sqrt(ε) apart. With far modes that sets the noise floor of SW₂;
// ModeWeights measures the shares themselves.
//
// # Maximum mean discrepancy
//
// MMD is the unbiased estimate of the squared maximum mean discrepancy with
// a Gaussian kernel (Gretton et al. 2012, eq. 3):
//
//	k(a, b) = exp(-‖a - b‖² / (2h²))
//	MMD²_u  = 1/(n(n-1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m-1)) Σ_{i≠j} k(y_i, y_j)
//	        - 2/(nm) Σ_{i,j} k(x_i, y_j)
//
// It is zero in expectation for equal distributions and can be slightly
// negative. MedianBandwidth picks h as the median distance between pooled
// points (the median heuristic), and MMDSubsample, the form for large
// samples, subsamples each set to at most maxPoints (DefaultMMDPoints =
// 2000) because the cost is quadratic; it returns the bandwidth and the
// sizes it used in an MMDResult.
//
// # Mixture modes
//
// ModeWeights assigns each point to its most responsible component,
// argmax_k r_k(x), and returns each component's share of the points;
// ModeWeightError is max_k |share_k - w_k|. For n exact draws of
// well-separated modes the shares are binomial proportions, with standard
// deviations sqrt(w_k(1 - w_k)/n).
//
// # Images
//
// Points in the unit square are binned to the nearest pixel centre of an
// H×W grid, (r, c) = (round(x0(H-1)), round(x1(W-1))), as dist.Image
// places its pixels; points outside the grid are lost. HistCorr is the
// seed's check made a number: the Pearson correlation between the histogram
// and the image's intensities (1 for a perfect match in shape; scale does
// not matter). HistTV is the total variation distance between the
// histogram divided by the number of points, all of them, and the image
// normalised to sum 1, with the lost mass as one more cell:
//
//	TV(p̂, q) = ½ ( Σ_i |p̂_i - q_i| + |Σ_i q_i - Σ_i p̂_i| )
//
// so 0 is a perfect match and 1 means no point fell on a lit pixel.
//
// Exact draws from the σ-smoothed image (dist.Image.Smoothed) spread over
// the neighbouring pixels and out of the grid. SmoothedImageHistogram is
// their expected histogram: with s = σ(H-1) (rows) and σ(W-1) (columns) the
// noise in pixel units and Φ the standard normal CDF,
//
//	P(r, c) = Σ_{r',c'} I(r', c')/ΣI · a(r - r') b(c - c')
//	a(k)    = Φ((k + ½)/s) - Φ((k - ½)/s)
//
// Comparing samples with it (HistCorr on it, HistTVSmoothed) separates the
// sampler's error from the blur that σ itself causes.
//
// # Score error
//
// FisherDivergence compares a learned score with the exact one at points
// drawn from the σ-perturbed data p_σ:
//
//	D = σ² · 1/n Σ_i ‖s_model(x_i) - ∇ log p_σ(x_i)‖²
//
// the explicit score matching loss at level σ with Song & Ermon's weighting
// λ(σ) = σ².
//
// Report gathers these numbers for JSON output, each with its noise floor:
// the same metric for an exact sampler of the same size, against which a
// value is to be read.
//
// # Evaluating samples in one call
//
// Evaluate measures a set of samples against a Target (a mixture, an
// image, a source of independent draws such as a toy, or a data set) and
// returns the Report that sgm eval prints (Report.WriteText): every metric
// the target has, each with its floor over FloorReps pairs of exact draws.
// EvaluateLabels does the same per class label for labelled samples
// (LabelReport), with the share of samples in their label's component
// where the target is a mixture.
package metric
