package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

func mustImage(t testing.TB, h, w int, pix []float64) *dist.Image {
	t.Helper()
	im, err := dist.NewImage(h, w, pix)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func TestTotalVariation(t *testing.T) {
	for _, tc := range []struct {
		name string
		p, q []float64
		want float64
	}{
		{"equal", []float64{0.5, 0.5}, []float64{0.5, 0.5}, 0},
		{"disjoint", []float64{1, 0}, []float64{0, 1}, 1},
		{"shifted quarter", []float64{0.75, 0.25}, []float64{0.5, 0.5}, 0.25},
		// q lacks 0.4, which sits outside: ½(0.3 + 0.1 + 0.4).
		{"q loses mass", []float64{0.5, 0.5}, []float64{0.2, 0.4}, 0.4},
		{"both lose the same", []float64{0.3, 0.2}, []float64{0.3, 0.2}, 0},
		{"all outside", []float64{0, 0}, []float64{0.5, 0.5}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TotalVariation(tc.p, tc.q); math.Abs(got-tc.want) > 1e-15 {
				t.Errorf("TotalVariation = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHistTV(t *testing.T) {
	// A 2×2 grid: pixel centres at 0 and 1 on each axis.
	pix := []float64{0, 2, 1, 1}
	for _, tc := range []struct {
		name   string
		points []float64
		want   float64
	}{
		{"identical", []float64{0, 1, 0, 1, 1, 0, 1, 1}, 0},
		{"disjoint", []float64{0, 0, 0.1, 0.2}, 1},
		{"all outside", []float64{2, 0, -1, 1}, 1},
		// Pixel (0, 1) gets its share ½ and the other half is lost, so
		// pixels (1, 0) and (1, 1) miss ¼ each: ½(¼ + ¼ + ½).
		{"half lost", []float64{0, 1, 5, 5}, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HistTV(tc.points, pix, 2, 2); math.Abs(got-tc.want) > 1e-15 {
				t.Errorf("HistTV = %v, want %v", got, tc.want)
			}
		})
	}
	// Only the intensities' proportions matter.
	pts := []float64{0, 1, 1, 0, 0.4, 0.6}
	if a, b := HistTV(pts, pix, 2, 2), HistTV(pts, []float64{0, 20, 10, 10}, 2, 2); a != b {
		t.Errorf("HistTV depends on the scale of the image: %v and %v", a, b)
	}
}

func TestImageMetricsHugeIntensities(t *testing.T) {
	// Intensities whose sum, 2.7e308, overflows give the same distribution
	// as the same intensities scaled down by 1e308, up to a few roundings
	// of each probability (1e-15 relative, against 1e-15 absolute for TV).
	huge := mustImage(t, 2, 2, []float64{1e308, 1.7e308, 1, 0})
	small := mustImage(t, 2, 2, []float64{1, 1.7, 1e-308, 0})
	points := []float64{0, 0, 0, 1, 0, 1, 1, 1, 2, 2}
	if got, want := HistTV(points, huge.Pix, 2, 2), HistTV(points, small.Pix, 2, 2); !scalar.EqualWithinAbs(got, want, 1e-15) {
		t.Errorf("HistTV = %v, want %v as for the scaled image", got, want)
	}
	got, want := SmoothedImageHistogram(huge, 0.3), SmoothedImageHistogram(small, 0.3)
	for i := range want {
		if !scalar.EqualWithinRel(got[i], want[i], 1e-15) {
			t.Errorf("SmoothedImageHistogram = %v, want %v as for the scaled image", got, want)
			break
		}
	}
}

func TestSmoothedImageHistogramLimit(t *testing.T) {
	pix := []float64{
		0, 0.2, 0, 1, 0,
		0.5, 0, 0.01, 0, 0,
		0, 0, 1.5, 0.3, 0,
		1, 0, 0, 0, 0.7,
	}
	im := mustImage(t, 4, 5, pix)
	var total float64
	for _, v := range pix {
		total += v
	}
	exact := SmoothedImageHistogram(im, 0)
	for i, v := range pix {
		if exact[i] != v/total {
			t.Fatalf("σ = 0: %v, want the normalised image", exact)
		}
	}
	// σ = 0.001 is 0.004 pixel in the larger axis: a neighbour gets
	// Φ(-0.5/0.004) = Φ(-125), far below the rounding error.
	tiny := SmoothedImageHistogram(im, 0.001)
	for i := range pix {
		if math.Abs(tiny[i]-exact[i]) > 1e-15 {
			t.Fatalf("σ = 0.001: %v, want %v", tiny, exact)
		}
	}
	// At σ = 0.02 (0.08 pixel) the border pixels lose Φ(-6.25) ≈ 2e-10 of
	// their mass outside the grid.
	if s := sum(SmoothedImageHistogram(im, 0.02)); math.Abs(s-1) > 1e-9 {
		t.Errorf("σ = 0.02: total %v, want 1 within 1e-9", s)
	}
	// At σ = 1 (3 to 4 pixels) most of the mass falls outside.
	if s := sum(SmoothedImageHistogram(im, 1)); !(s > 0 && s < 0.5) {
		t.Errorf("σ = 1: total %v, want in (0, 0.5)", s)
	}
}

// TestSmoothedImageHistogramOnePixel checks the product of the per-axis
// cell masses for one lit pixel, the centre of a 3×3 image (std s = 2σ in
// pixel units).
func TestSmoothedImageHistogramOnePixel(t *testing.T) {
	im := mustImage(t, 3, 3, []float64{0, 0, 0, 0, 5, 0, 0, 0, 0})
	const sigma = 0.3
	s := 2 * sigma
	phi := distuv.UnitNormal.CDF
	centre := phi(0.5/s) - phi(-0.5/s)
	side := phi(1.5/s) - phi(0.5/s)
	want := []float64{
		side * side, side * centre, side * side,
		centre * side, centre * centre, centre * side,
		side * side, side * centre, side * side,
	}
	got := SmoothedImageHistogram(im, sigma)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("SmoothedImageHistogram = %v, want %v", got, want)
		}
	}
}

// TestSmoothedImageHistogramDraws compares the expected histogram with the
// histogram of exact draws from im.Smoothed(σ), binned by Image.Histogram.
func TestSmoothedImageHistogramDraws(t *testing.T) {
	im := mustImage(t, 5, 4, []float64{
		1, 0, 0, 0.5,
		0, 0, 2, 0,
		0, 1, 0, 0,
		0, 0, 0, 0,
		0.3, 0, 0, 1,
	})
	const sigma, n = 0.15, 100000 // 0.6 pixel on rows, 0.45 on columns
	want := SmoothedImageHistogram(im, sigma)
	x := im.Smoothed(sigma).Sample(nil, n, rand.New(rand.NewPCG(13, 13)))
	counts := im.Histogram(x)
	// Each count is binomial(n, p): allow 5 standard deviations per cell
	// (20 cells and the outside: a false alarm has probability ~1e-5).
	check := func(what string, got, p float64) {
		if tol := 5 * math.Sqrt(p*(1-p)/n); math.Abs(got-p) > tol {
			t.Errorf("%s: frequency %v, want %v within %.2g", what, got, p, tol)
		}
	}
	for i, p := range want {
		check(fmt.Sprintf("pixel (%d, %d)", i/im.W, i%im.W), counts[i]/n, p)
	}
	check("outside", 1-sum(counts)/n, 1-sum(want))
	if s := sum(want); !(s < 0.95) {
		t.Errorf("total %v: want noticeable mass outside the grid at this σ", s)
	}

	// The same draws scored against the smoothed image: TV is the sampling
	// error only, at most ½ sqrt(2/π) Σ sqrt(p_i/n) <= 0.4 sqrt(21/n) =
	// 0.006 in expectation; allow 0.02. Against the sharp image the lost
	// mass alone gives more.
	if tv := HistTVSmoothed(x, im, sigma); tv > 0.02 {
		t.Errorf("HistTVSmoothed = %v, want <= 0.02", tv)
	}
	if tv := HistTV(x, im.Pix, im.H, im.W); !(tv > 1-sum(want)) {
		t.Errorf("HistTV = %v, want above the lost mass %v", tv, 1-sum(want))
	}
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

func TestImageMetricPanics(t *testing.T) {
	im := mustImage(t, 2, 2, []float64{1, 0, 0, 1})
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"size mismatch", func() { HistTV([]float64{0, 0}, []float64{1, 1, 1}, 2, 2) }},
		{"no points", func() { HistTV(nil, []float64{1, 1, 1, 1}, 2, 2) }},
		{"zero image", func() { HistTV([]float64{0, 0}, []float64{0, 0, 0, 0}, 2, 2) }},
		{"negative sigma", func() { SmoothedImageHistogram(im, -1) }},
		{"infinite sigma", func() { SmoothedImageHistogram(im, math.Inf(1)) }},
		{"lengths differ", func() { TotalVariation([]float64{1}, []float64{0.5, 0.5}) }},
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "metric: ", tc.f) })
	}
}
