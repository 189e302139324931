package metric

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// scaledScore is c times a score.
type scaledScore struct {
	c float64
	s sgm.Scorer
}

func (s scaledScore) Dim() int { return s.s.Dim() }
func (s scaledScore) ScoreBatch(dst, x []float64) {
	s.s.ScoreBatch(dst, x)
	for i := range dst {
		dst[i] *= s.c
	}
}

// TestScoreErrorsAnalytic checks ScoreErrors on scores whose error is
// known exactly: c·s* has relative error (1-c)² on any draws, since both
// the error and its scale are sums over the same points.
func TestScoreErrorsAnalytic(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	sigmas := []float64{0.05, 0.3, 1}
	for _, c := range []float64{1, 0, 0.5, 1.5} {
		at := func(l int) sgm.Scorer { return scaledScore{c, m.Perturbed(sigmas[l])} }
		errs := ScoreErrors(at, sigmas, m.Perturbed, 200, rand.New(rand.NewPCG(1, 2)))
		for l, le := range errs {
			want := (1 - c) * (1 - c)
			// Rounding of sums of 400 terms: a few ulps each.
			if le.Level != l || le.Sigma != sigmas[l] || math.Abs(le.Relative-want) > 1e-12 {
				t.Errorf("c=%g level %d: %+v, want relative %g", c, l, le, want)
			}
			if c == 1 && le.Fisher != 0 {
				t.Errorf("c=1 level %d: Fisher %g, want 0", l, le.Fisher)
			}
		}
	}
}

func TestLevelErrorColumns(t *testing.T) {
	errs := []LevelError{{Level: 0, Sigma: 1, Fisher: 0.5, Relative: 0.1}, {Level: 1, Sigma: 0.1, Fisher: 2, Relative: 0.4}}
	sigma, fisher, relative := LevelErrorColumns(errs)
	if !slices.Equal(sigma, []float64{1, 0.1}) || !slices.Equal(fisher, []float64{0.5, 2}) || !slices.Equal(relative, []float64{0.1, 0.4}) {
		t.Errorf("LevelErrorColumns = %v, %v, %v; want the errors' columns in order", sigma, fisher, relative)
	}
}
