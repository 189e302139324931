package metric

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// Pearson returns the Pearson correlation of x and y, which must have the
// same length. It returns NaN when either is constant.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("metric: lengths %d and %d differ", len(x), len(y)))
	}
	return stat.Correlation(x, y, nil)
}

// PixelHistogram counts the 2-D points (flat, (row, col) coordinates scaled
// to [0,1] as (row/(h-1), col/(w-1))) falling nearest to each pixel centre
// of an h×w grid, row-major. Points outside the grid are not counted; the
// second result is how many were. It panics unless h, w >= 1 and points
// holds at least one whole 2-D point.
func PixelHistogram(points []float64, h, w int) ([]float64, int) {
	return pixelHistogram("PixelHistogram", points, h, w)
}

// pixelHistogram is PixelHistogram, whose panics name who.
func pixelHistogram(who string, points []float64, h, w int) ([]float64, int) {
	if h < 1 || w < 1 {
		panic(fmt.Sprintf("metric: %s: grid of %d×%d pixels, want at least 1×1", who, h, w))
	}
	checkPoints(who, "points", points, 2)
	hist := make([]float64, h*w)
	n := 0
	for i := 0; i < len(points); i += 2 {
		r := math.Round(points[i] * float64(h-1))
		c := math.Round(points[i+1] * float64(w-1))
		if r < 0 || c < 0 || r > float64(h-1) || c > float64(w-1) || math.IsNaN(r) || math.IsNaN(c) {
			continue
		}
		hist[int(r)*w+int(c)]++
		n++
	}
	return hist, n
}

// HistCorr is the Pearson correlation between the pixel histogram of the
// points and the image pix (h×w, row-major). Points outside the image count
// as lost mass: they are absent from the histogram. It panics as
// PixelHistogram does, or if len(pix) != h*w.
func HistCorr(points []float64, pix []float64, h, w int) float64 {
	hist, _ := pixelHistogram("HistCorr", points, h, w)
	return Pearson(hist, pix)
}
