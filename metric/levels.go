package metric

import (
	"fmt"
	"math/rand/v2"

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

// FirstWithin returns the index into errs of the first level (the least σ
// on an ascending grid) whose relative error is at most tol, or -1 if none
// is: the rule by which sgm picks a sampling level from measured errors.
func FirstWithin(errs []LevelError, tol float64) int {
	for i, le := range errs {
		if le.Relative <= tol {
			return i
		}
	}
	return -1
}

// zeroScore is the score that is zero everywhere.
type zeroScore struct{ d int }

func (z zeroScore) Dim() int { return z.d }
func (z zeroScore) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("metric: zeroScore", z.d, dst, x)
	clear(dst)
}
