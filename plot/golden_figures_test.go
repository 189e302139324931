package plot

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGoldenFigures extends TestGolden to the blog post's other figures,
// drawn from fixed inputs: the log density with its score (Figure 1), the
// image as a distribution, the learned fields (Figure 3), the loss and
// the histogram of samples (the last figure).
func TestGoldenFigures(t *testing.T) {
	h, w, pix := letterL()
	im, err := ImageGrid(h, w, pix)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		draw func() (Figure, error)
	}{
		{"log_density_field.png", func() (Figure, error) {
			return LogDensityField(mixGrid(-1.5, 1.5, 100, false), mixScore(-1.5, 1.5, 10), Cartesian, "log p (contours) and its score (arrows)")
		}},
		{"image_and_histogram.png", func() (Figure, error) {
			return ImageAndHistogram(im, drawImage(h, w, pix, 10000, rand.New(rand.NewPCG(7, 8))), 0, "the letter L as a distribution")
		}},
		{"field_panels.png", func() (Figure, error) {
			var fields []Field
			var titles []string
			for k, s := range []float64{0.02, 0.1, 0.5} {
				fields = append(fields, imageScore(h, w, pix, s, 15))
				titles = append(titles, fmt.Sprintf("level %d: σ=%.4g", 3*k, s))
			}
			return FieldPanels(fields, FieldOptions{Titles: titles, Cols: 3, Space: ImageSpace, Under: &im})
		}},
		{"loss.png", func() (Figure, error) {
			s := NewLossSeries(DefaultLossPoints)
			rng := rand.New(rand.NewPCG(1, 2))
			for step := 1; step <= 2000; step++ {
				s.Add(float64(step), (1+0.3*rng.NormFloat64())/math.Sqrt(float64(step)))
			}
			return LossSeriesCurve(s, 40, "denoising score matching loss")
		}},
		{"histogram.png", func() (Figure, error) {
			return Histogram2D(drawImage(h, w, pix, 20000, rand.New(rand.NewPCG(5, 6))), 50, UnitSquare, ImageSpace, "Langevin samples, level 17")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fig, err := c.draw()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, fig, c.name)
		})
	}
}
