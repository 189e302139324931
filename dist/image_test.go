package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func mustImage(t testing.TB, h, w int, pix []float64) *Image {
	t.Helper()
	im, err := NewImage(h, w, pix)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// testImage is 4×5 with zeros, a dim pixel and a value above 1.
func testImage(t testing.TB) *Image {
	return mustImage(t, 4, 5, []float64{
		0, 0.2, 0, 1, 0,
		0.5, 0, 0.01, 0, 0,
		0, 0, 1.5, 0.3, 0,
		1, 0, 0, 0, 0.7,
	})
}

func TestNewImageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		h, w int
		pix  []float64
		want string
	}{
		{"one row", 1, 3, []float64{1, 1, 1}, "at least 2×2 pixels, got 1×3"},
		{"one column", 3, 1, []float64{1, 1, 1}, "at least 2×2 pixels, got 3×1"},
		{"size mismatch", 2, 3, []float64{1, 1, 1, 1, 1}, "needs 6 intensities, got 5"},
		{"negative", 2, 2, []float64{1, 0, -0.5, 1}, "pixel (1, 0): intensity must be finite and non-negative, got -0.5"},
		{"NaN", 2, 2, []float64{1, math.NaN(), 0, 1}, "pixel (0, 1): intensity must be finite and non-negative, got NaN"},
		{"Inf", 2, 2, []float64{1, 1, 0, math.Inf(1)}, "pixel (1, 1): intensity must be finite and non-negative, got +Inf"},
		{"all zero", 2, 2, []float64{0, 0, 0, 0}, "all zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewImage(tc.h, tc.w, tc.pix)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestImageCoord(t *testing.T) {
	im := testImage(t) // 4×5: rows step 1/3, columns 1/4
	for _, tc := range []struct {
		row, col int
		x0, x1   float64
	}{
		{0, 0, 0, 0},
		{3, 4, 1, 1},
		{1, 2, 1.0 / 3, 0.5},
		{2, 1, 2.0 / 3, 0.25},
	} {
		if x0, x1 := im.Coord(tc.row, tc.col); x0 != tc.x0 || x1 != tc.x1 {
			t.Errorf("Coord(%d, %d) = (%v, %v), want (%v, %v)", tc.row, tc.col, x0, x1, tc.x0, tc.x1)
		}
	}
}

func TestImageHistogram(t *testing.T) {
	im := mustImage(t, 3, 3, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}) // centres at 0, 0.5, 1
	points := []float64{
		0, 0, // (0, 0)
		0.24, 0.26, // rounds to (0, 1)
		0.5, 0.5, // (1, 1)
		0.5, 0.5, // (1, 1)
		1, 0.74, // (2, 1)
		1.2, 0.2, // rounds to row 2 (2.4): kept
		1.3, 0, // rounds to row 3: outside
		-0.3, 0.5, // rounds to row -1: outside
		0.5, math.NaN(), // dropped
	}
	want := []float64{
		1, 1, 0,
		0, 2, 0,
		1, 1, 0,
	}
	if got := im.Histogram(points); !floats.Equal(got, want) {
		t.Errorf("Histogram = %v, want %v", got, want)
	}
}

func TestImageSample(t *testing.T) {
	// Pixel frequencies match the normalised intensities within 5 standard
	// errors of a binomial proportion, sqrt(p(1-p)/n); zero pixels are never
	// drawn, and every draw is exactly at a pixel centre.
	const n = 200_000
	im := testImage(t)
	x := im.Sample(nil, n, rand.New(rand.NewPCG(1, 2)))
	if len(x) != 2*n {
		t.Fatalf("len(Sample(%d)) = %d, want %d", n, len(x), 2*n)
	}
	counts := im.Histogram(x)
	if got := floats.Sum(counts); got != n {
		t.Fatalf("%v of %d draws fall on pixel centres", got, n)
	}
	total := floats.Sum(im.Pix)
	for i, v := range im.Pix {
		p := v / total
		if v == 0 {
			if counts[i] != 0 {
				t.Errorf("pixel (%d, %d) of intensity 0 drawn %v times", i/im.W, i%im.W, counts[i])
			}
			continue
		}
		if tol := 5 * math.Sqrt(p*(1-p)/n); math.Abs(counts[i]/n-p) > tol {
			t.Errorf("pixel (%d, %d): frequency %.5f, want %.5f within %.5f", i/im.W, i%im.W, counts[i]/n, p, tol)
		}
	}
	for i := 0; i < len(x); i += 2 {
		r, c := math.Round(x[i]*3), math.Round(x[i+1]*4)
		if x0, x1 := im.Coord(int(r), int(c)); x0 != x[i] || x1 != x[i+1] {
			t.Fatalf("draw %d at (%v, %v) is not the centre (%v, %v)", i/2, x[i], x[i+1], x0, x1)
		}
	}
}

func TestImageSmoothed(t *testing.T) {
	im := testImage(t)
	for _, sigma := range []float64{0.02, 0.1, 1} {
		t.Run(fmt.Sprintf("sigma=%g", sigma), func(t *testing.T) {
			m := im.Smoothed(sigma)
			comps := m.Components()
			if len(comps) != 8 {
				t.Fatalf("%d components, want one per non-zero pixel: 8", len(comps))
			}
			total := floats.Sum(im.Pix)
			k := 0
			for i, v := range im.Pix {
				if v == 0 {
					continue
				}
				x0, x1 := im.Coord(i/im.W, i%im.W)
				c := comps[k]
				if math.Abs(c.Weight-v/total) > 1e-15 || c.Mean[0] != x0 || c.Mean[1] != x1 || c.Std[0] != sigma || c.Std[1] != sigma {
					t.Errorf("component %d = %+v, want weight %v at (%v, %v) with std %v", k, c, v/total, x0, x1, sigma)
				}
				k++
			}
			// The score against finite differences of log p, as in
			// TestMixtureScoreInput: central differences with a step
			// small against σ, relative tolerance 1e-6.
			step := 1e-4 * sigma
			for _, x := range [][]float64{{0, 0}, {0.33, 0.5}, {0.5, 0.51}, {1, 1}, {-0.4, 1.3}, {3, -2}} {
				got := m.ScoreInput(nil, x)
				want := fd.Gradient(nil, m.LogProb, x, &fd.Settings{Formula: fd.Central, Step: step})
				if !floats.EqualApprox(got, want, 1e-6*(1+floats.Norm(want, math.Inf(1)))) {
					t.Errorf("x=%v: ScoreInput=%v, finite differences %v", x, got, want)
				}
			}
		})
	}
}

func TestImageHugeIntensities(t *testing.T) {
	// The intensities' sum, 2.7e308, overflows; the probabilities are
	// 1/2.7, 1.7/2.7 and 1/2.7e308, which no draw of n reaches.
	im := mustImage(t, 2, 2, []float64{1e308, 1.7e308, 1, 0})
	want := []float64{1 / 2.7, 1.7 / 2.7, 1 / 2.7e308, 0}

	// Frequencies within 5 standard errors, as in TestImageSample.
	const n = 100_000
	counts := im.Histogram(im.Sample(nil, n, rand.New(rand.NewPCG(1, 2))))
	for i, p := range want {
		if tol := 5 * math.Sqrt(p*(1-p)/n); math.Abs(counts[i]/n-p) > tol {
			t.Errorf("pixel %d: frequency %.5f, want %.5f within %.5f", i, counts[i]/n, p, tol)
		}
	}

	// The smoothed image's weights and the support's probabilities are the
	// normalised intensities, within a few roundings.
	comps := im.Smoothed(0.1).Components()
	_, support := im.Support()
	if len(comps) != 3 || len(support) != 3 {
		t.Fatalf("%d components and %d support points, want 3", len(comps), len(support))
	}
	for k, c := range comps {
		if !scalar.EqualWithinRel(c.Weight, want[k], 1e-15) || !scalar.EqualWithinRel(support[k], want[k], 1e-15) {
			t.Errorf("pixel %d: weight %v, support probability %v, want %v", k, c.Weight, support[k], want[k])
		}
	}
}

func TestImagePanics(t *testing.T) {
	im := testImage(t)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Coord row", func() { im.Coord(4, 0) }},
		{"Coord col", func() { im.Coord(0, -1) }},
		{"Sample negative", func() { im.Sample(nil, -1, rand.New(rand.NewPCG(1, 2))) }},
		{"Sample zero image", func() { (&Image{H: 2, W: 2, Pix: make([]float64, 4)}).Sample(nil, 1, rand.New(rand.NewPCG(1, 2))) }},
		{"Sample bad size", func() { (&Image{H: 2, W: 2, Pix: make([]float64, 3)}).Sample(nil, 1, rand.New(rand.NewPCG(1, 2))) }},
		{"Smoothed zero sigma", func() { im.Smoothed(0) }},
		{"Smoothed huge sigma", func() { im.Smoothed(1.4e154) }}, // σ² = 1.96e308 overflows
		{"Smoothed zero image", func() { (&Image{H: 2, W: 2, Pix: make([]float64, 4)}).Smoothed(1) }},
		//lint:ignore SA5012 an odd length is the misuse this case checks
		{"Histogram odd", func() { im.Histogram(make([]float64, 3)) }},
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "dist: ", tc.f) })
	}
}

// benchImages are 28×28, MNIST-sized: a ring of radius ~9 pixels and width
// ~2.5 with a smooth profile (144 non-zero pixels), and a dense image with
// every pixel lit (784).
func benchImages(b *testing.B) []*Image {
	const h, w = 28, 28
	ring := make([]float64, h*w)
	dense := make([]float64, h*w)
	for r := range h {
		for c := range w {
			d := math.Hypot(float64(r)-13.5, float64(c)-13.5) - 9
			ring[r*w+c] = max(0, 1-d*d/1.5)
			dense[r*w+c] = 0.1 + 0.9*math.Abs(math.Sin(float64(r*c)))
		}
	}
	return []*Image{mustImage(b, h, w, ring), mustImage(b, h, w, dense)}
}

func BenchmarkImageSmoothedScore(b *testing.B) {
	for _, im := range benchImages(b) {
		for _, sigma := range []float64{0.01, 1} {
			m := im.Smoothed(sigma)
			for _, n := range []int{256, 4096} {
				b.Run(fmt.Sprintf("k=%d/sigma=%g/n=%d", m.Len(), sigma, n), func(b *testing.B) {
					x := m.Sample(nil, n, rand.New(rand.NewPCG(1, 2)))
					dst := make([]float64, len(x))
					b.ReportAllocs()
					for b.Loop() {
						m.ScoreBatch(dst, x)
					}
				})
			}
		}
	}
}

func BenchmarkImageSample(b *testing.B) {
	im := benchImages(b)[0]
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("n=1000000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			im.Sample(nil, 1_000_000, rng)
		}
	})
}

func TestImageSupport(t *testing.T) {
	im, err := NewImage(2, 3, []float64{0, 1, 0, 3, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	pts, w := im.Support()
	want := []float64{0, 0.5, 1, 0}
	if len(pts) != 4 || len(w) != 2 {
		t.Fatalf("Support() = %v, %v", pts, w)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Fatalf("points %v, want %v", pts, want)
		}
	}
	if w[0] != 0.25 || w[1] != 0.75 {
		t.Errorf("weights %v, want [0.25 0.75]", w)
	}
}
