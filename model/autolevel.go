package model

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
)

// AutoLevel picks the level at which plain Langevin of step size
// stepSize samples a Levels model of the image ref well, by metric's one
// rule (metric.AutoLevel): from each level's relative score error against
// the exact score of ref smoothed at its σ (metric.ScoreErrors, n draws a
// level from rng) and the sharpness of those smoothed images
// (metric.Sharpness). tol is the largest relative error accepted. It
// returns an error for another kind, a model of points (which has no
// image to measure against), and when no level is usable.
func (m *Model) AutoLevel(ref *dist.Image, stepSize, tol float64, n int, rng *rand.Rand) (metric.LevelChoice, error) {
	k, ok := m.kind.(Levels)
	switch {
	case !ok:
		return metric.LevelChoice{}, fmt.Errorf("model: a %s model has no noise levels", m.kind)
	case m.std != nil:
		return metric.LevelChoice{}, errors.New("model: a model of points has no image whose exact score its levels can be measured against")
	}
	errs := metric.ScoreErrors(m.net.AtLevel, k.Sigmas, ref.Smoothed, n, rng)
	return metric.AutoLevel(errs, metric.Sharpness(ref, k.Sigmas), stepSize, tol)
}
