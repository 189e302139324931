package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// LevelError is the score error of a noise-conditional score at one noise
// level (see ScoreErrors).
type LevelError struct {
	Level    int     `json:"level"`
	Sigma    float64 `json:"sigma"`
	Fisher   float64 `json:"fisher"`   // σ² E‖s_θ − s*‖²
	Relative float64 `json:"relative"` // Fisher / (σ² E‖s*‖²)
}

// LevelErrorColumns returns the noise levels, Fisher errors and relative errors of
// errs as three columns, in errs' order, as figures of the score error
// take them (plot.ScoreErrorCurves).
func LevelErrorColumns(errs []LevelError) (sigma, fisher, relative []float64) {
	sigma, fisher, relative = make([]float64, len(errs)), make([]float64, len(errs)), make([]float64, len(errs))
	for i, le := range errs {
		sigma[i], fisher[i], relative[i] = le.Sigma, le.Fisher, le.Relative
	}
	return sigma, fisher, relative
}

// ScoreErrors measures a noise-conditional score at each of the noise
// levels sigmas against the exact score: at(l) is the score at level l
// (scorenet.Net.AtLevel), exact(σ) the data perturbed by N(0, σ²I)
// (dist.Image.Smoothed, dist.Mixture.Perturbed). At each level, in order,
// it draws n points from exact(σ) with rng and returns the weighted
// Fisher divergence (FisherDivergence) and its size relative to that of
// the zero score, σ² E‖s*‖²: 0 for the exact score, 1 for none at all.
//
// It panics if n < 1 or a level's score and exact density differ in
// dimension.
func ScoreErrors(at func(level int) sgm.Scorer, sigmas []float64, exact func(sigma float64) *dist.Mixture, n int, rng *rand.Rand) []LevelError {
	if n < 1 {
		panic(fmt.Sprintf("metric: ScoreErrors: n must be at least 1, got %d", n))
	}
	out := make([]LevelError, len(sigmas))
	for l, s := range sigmas {
		ex := exact(s)
		x := ex.Sample(nil, n, rng)
		fisher := FisherDivergence(at(l), ex, x, s)
		scale := FisherDivergence(zeroScore{ex.Dim()}, ex, x, s)
		out[l] = LevelError{Level: l, Sigma: s, Fisher: fisher, Relative: fisher / scale}
	}
	return out
}

// Constants of AutoLevel.
const (
	// SharpCorr is the least sharpness of a usable level: the pixel
	// histogram of exact samples of the image smoothed at its σ correlates
	// with the image at least this well (Sharpness). On the blog post's
	// grid that keeps levels up to 17 of a 64×64 ring (0.857; level 22,
	// 0.42, is a blur) and up to 20 of MNIST digit 0 (0.862).
	SharpCorr = 0.8
	// ResolveRatio bounds the step size at a usable level: η <= 4σ². A
	// Langevin step moves a particle by about √η, and a level far finer
	// than that is not resolved; the blog post samples level 17 with
	// η = 0.001 ≈ 2σ².
	ResolveRatio = 4
	// DefaultLevel is the blog post's level, which AutoLevel falls back
	// to when no level at all meets the tolerance.
	DefaultLevel = 17
	// AutoTolerance is the relative score error AutoLevel is usually
	// given as tol (sgm sample's --auto-tolerance, the level sgm demo
	// reports).
	AutoTolerance = 0.1
)

// LevelChoice is the level AutoLevel picks and why.
type LevelChoice struct {
	Level   int    // an index of the levels
	Message string // why, one line
	Warn    bool   // a fallback: no usable level met the tolerance
}

// Sharpness returns, for each noise level, how sharp exact samples of the
// image smoothed at it are: the correlation of their expected pixel
// histogram with the image (Pearson of SmoothedImageHistogram).
func Sharpness(im *dist.Image, sigmas []float64) []float64 {
	out := make([]float64, len(sigmas))
	for l, s := range sigmas {
		out[l] = Pearson(SmoothedImageHistogram(im, s), im.Pix)
	}
	return out
}

// ImageAutoLevel is AutoLevel for a model of the image im whose score
// errors at its levels are errs (ScoreErrors against im smoothed at each
// level): the sharpness of each level is im's at the error's σ.
func ImageAutoLevel(errs []LevelError, im *dist.Image, stepSize, tol float64) (LevelChoice, error) {
	sigmas := make([]float64, len(errs))
	for i, le := range errs {
		sigmas[i] = le.Sigma
	}
	return AutoLevel(errs, Sharpness(im, sigmas), stepSize, tol)
}

// AutoLevel is sgm's one rule for the level at which to sample a
// noise-conditional score with plain Langevin of step size stepSize (sgm
// sample --level auto, the level the demo reports and figure 7 marks),
// from the levels' score errors errs (ScoreErrors, ascending σ) and their
// sharpness (Sharpness). A level is usable when it is sharp (sharpness >=
// SharpCorr) and resolved by the step size (stepSize <= ResolveRatio σ²).
// It takes
//
//   - the usable level of least σ whose relative error is at most tol: the
//     sharpest level whose score the network has learnt;
//   - else, with a warning, the usable level with the least relative error
//     when some level meets tol (a blurred or unresolved one, which the
//     message names), or when none does and DefaultLevel is not usable;
//   - else, with a warning, DefaultLevel: nothing meets tol, as for a
//     network barely trained, and the blog post's level is as good a guess
//     as any.
//
// It returns an error when no level is usable. It panics if sharpness and
// errs differ in length.
func AutoLevel(errs []LevelError, sharpness []float64, stepSize, tol float64) (LevelChoice, error) {
	if len(sharpness) != len(errs) {
		panic(fmt.Sprintf("metric: AutoLevel: %d sharpness values for %d levels", len(sharpness), len(errs)))
	}
	var usable []LevelError
	var met *LevelError // the level of least σ that meets tol, usable or not
	for l, le := range errs {
		if le.Relative <= tol && met == nil {
			met = &errs[l]
		}
		if sharpness[l] >= SharpCorr && stepSize <= ResolveRatio*le.Sigma*le.Sigma {
			usable = append(usable, le)
		}
	}
	if len(usable) == 0 {
		return LevelChoice{}, fmt.Errorf("no level is both sharp (hist_corr of exact samples >= %g) and resolved by step size %g (η <= %dσ²)", SharpCorr, stepSize, ResolveRatio)
	}
	span := fmt.Sprintf("usable levels %d..%d: sharp, and resolved by η=%g", usable[0].Level, usable[len(usable)-1].Level, stepSize)
	for _, le := range usable {
		if le.Relative <= tol {
			return LevelChoice{le.Level, fmt.Sprintf("level %d (σ=%.4g), the sharpest with relative score error %.3f <= %g (%s)", le.Level, le.Sigma, le.Relative, tol, span), false}, nil
		}
	}
	best := usable[0]
	for _, le := range usable {
		if le.Relative < best.Relative {
			best = le
		}
	}
	why := "none of the levels meets it"
	if met != nil {
		why = fmt.Sprintf("level %d (σ=%.4g) meets it but is not usable: ", met.Level, met.Sigma)
		if sharpness[met.Level] < SharpCorr {
			why += fmt.Sprintf("too blurred (sharpness %.3f < %g)", sharpness[met.Level], SharpCorr)
		} else {
			why += fmt.Sprintf("too fine for the step size (η/σ² = %.3g > %d)", stepSize/(met.Sigma*met.Sigma), ResolveRatio)
		}
	} else if DefaultLevel < len(errs) && slices.ContainsFunc(usable, func(le LevelError) bool { return le.Level == DefaultLevel }) {
		best = errs[DefaultLevel]
		return LevelChoice{best.Level, fmt.Sprintf("no level has relative score error <= %g (the least is %.3f): taking the blog post's level %d (σ=%.4g), relative error %.3f; train longer or raise the tolerance (%s)",
			tol, minRelative(errs), best.Level, best.Sigma, best.Relative, span), true}, nil
	}
	return LevelChoice{best.Level, fmt.Sprintf("no usable level has relative score error <= %g, and %s: taking level %d (σ=%.4g), the usable one of least relative error %.3f; samples may be poor: train longer or raise the tolerance (%s)",
		tol, why, best.Level, best.Sigma, best.Relative, span), true}, nil
}

// minRelative returns the least relative error of errs.
func minRelative(errs []LevelError) float64 {
	m := math.Inf(1)
	for _, le := range errs {
		m = min(m, le.Relative)
	}
	return m
}

// zeroScore is the score that is zero everywhere.
type zeroScore struct{ d int }

func (z zeroScore) Dim() int { return z.d }
func (z zeroScore) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("metric: zeroScore", z.d, dst, x)
	clear(dst)
}
