package metric

import (
	"math"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func TestPixelHistogram(t *testing.T) {
	// A 3×2 grid: rows at 0, 0.5, 1 and columns at 0, 1.
	pts := []float64{
		0, 0, // pixel (0,0)
		0.49, 0.9, // rounds to (1,1)
		1, 1, // (2,1)
		1.3, 0, // outside
		-0.2, 0, // rounds to row 0: inside (nearest centre)
	}
	hist, n := PixelHistogram(pts, 3, 2)
	want := []float64{2, 0, 0, 1, 0, 1}
	for i := range want {
		if hist[i] != want[i] {
			t.Fatalf("histogram %v, want %v", hist, want)
		}
	}
	if n != 4 {
		t.Errorf("counted %d points, want 4", n)
	}
}

func TestPixelHistogramPanics(t *testing.T) {
	pix := []float64{0, 1, 0.5, 0}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"PixelHistogram odd", func() { PixelHistogram([]float64{0, 0, 1}, 2, 2) }},
		{"PixelHistogram no points", func() { PixelHistogram(nil, 2, 2) }},
		{"PixelHistogram empty grid", func() { PixelHistogram([]float64{0, 0}, 0, 2) }},
		{"HistCorr odd", func() { HistCorr([]float64{0, 1, 0, 1, 1}, pix, 2, 2) }},
		{"HistCorr no points", func() { HistCorr(nil, pix, 2, 2) }},
		{"HistCorr size mismatch", func() { HistCorr([]float64{0, 0}, pix[:3], 2, 2) }},
		{"HistTV odd", func() { HistTV([]float64{0, 1, 0}, pix, 2, 2) }},
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "metric: ", tc.f) })
	}
}

func TestHistCorr(t *testing.T) {
	pix := []float64{0, 1, 0.5, 0}
	// Points in proportion 0 : 2 : 1 : 0 correlate perfectly.
	pts := []float64{0, 1, 0, 1, 1, 0}
	if c := HistCorr(pts, pix, 2, 2); math.Abs(c-1) > 1e-12 {
		t.Errorf("HistCorr = %v, want 1", c)
	}
	// All mass on the empty pixel anticorrelates.
	if c := HistCorr([]float64{1, 1}, pix, 2, 2); !(c < 0) {
		t.Errorf("HistCorr = %v, want negative", c)
	}
}
