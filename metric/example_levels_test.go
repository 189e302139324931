package metric_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
)

// half is half a score: its error against the score is a quarter of the
// score's own size.
type half struct{ s sgm.Scorer }

func (h half) Dim() int { return h.s.Dim() }
func (h half) ScoreBatch(dst, x []float64) {
	h.s.ScoreBatch(dst, x)
	for i := range dst {
		dst[i] /= 2
	}
}

// The score error of a noise-conditional score per level, and the level
// sgm would sample at: here half the exact score of the blog post's
// mixture at each level, whose relative error is (1 - 1/2)² = 0.25
// whatever the draws. (For a trained network pass net.AtLevel and its
// schedule, and the training image's Smoothed.)
func ExampleScoreErrors() {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		log.Fatal(err)
	}
	sigmas := []float64{0.01, 0.1, 1}
	at := func(l int) sgm.Scorer { return half{m.Perturbed(sigmas[l])} }
	errs := metric.ScoreErrors(at, sigmas, m.Perturbed, 500, rand.New(rand.NewPCG(1, 2)))
	for _, e := range errs {
		fmt.Printf("level %d (σ=%g): relative error %.2f\n", e.Level, e.Sigma, e.Relative)
	}
	// Every level is sharp here (a mixture has no image to blur); at the
	// blog post's step size 1e-3 level 0 is too fine to resolve.
	choice, err := metric.AutoLevel(errs, []float64{1, 1, 1}, 1e-3, 0.1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sample at level", choice.Level, "warning:", choice.Warn)
	// Output:
	// level 0 (σ=0.01): relative error 0.25
	// level 1 (σ=0.1): relative error 0.25
	// level 2 (σ=1): relative error 0.25
	// sample at level 1 warning: true
}
