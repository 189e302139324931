package plot

import (
	"fmt"

	"github.com/sgm-dev/sgm"
)

// Evaluating functions for figures: a grid of points over a box, a density
// on it, and a 2-D score as a field of arrows.

// GridPoints returns the nx×ny grid over box, corners included, in the
// layout of Grid (first axis fastest): its axes and its points, flat. It
// panics if nx or ny is below 2.
func GridPoints(box Box, nx, ny int) (xs, ys, pts []float64) {
	if nx < 2 || ny < 2 {
		panic(fmt.Sprintf("plot: GridPoints: a grid needs at least 2×2 points, got %d×%d", nx, ny))
	}
	xs, ys = make([]float64, nx), make([]float64, ny)
	for i := range xs {
		xs[i] = box.Min[0] + (box.Max[0]-box.Min[0])*float64(i)/float64(nx-1)
	}
	for j := range ys {
		ys[j] = box.Min[1] + (box.Max[1]-box.Min[1])*float64(j)/float64(ny-1)
	}
	pts = make([]float64, 0, 2*nx*ny)
	for _, y := range ys {
		for _, x := range xs {
			pts = append(pts, x, y)
		}
	}
	return xs, ys, pts
}

// DensityGrid evaluates f (log p or p of a 2-D density) on an n×n grid over
// box, for LogDensityField and DensityPath.
func DensityGrid(f func(x []float64) float64, box Box, n int) Grid {
	xs, ys, pts := GridPoints(box, n, n)
	z := make([]float64, n*n)
	for k := range z {
		z[k] = f(pts[2*k : 2*k+2])
	}
	return Grid{X: xs, Y: ys, Z: z}
}

// ScoreField evaluates a 2-D score at the centres of n×n equal cells of
// box, so that arrows drawn centred on them, at most a cell long, stay
// inside box. It panics if s is not 2-D or n is below 2.
func ScoreField(s sgm.Scorer, box Box, n int) Field {
	if s.Dim() != 2 {
		panic(fmt.Sprintf("plot: ScoreField: the score is %d-dimensional, a field needs 2", s.Dim()))
	}
	w := [2]float64{(box.Max[0] - box.Min[0]) / float64(n), (box.Max[1] - box.Min[1]) / float64(n)}
	inner := Box{
		Min: [2]float64{box.Min[0] + w[0]/2, box.Min[1] + w[1]/2},
		Max: [2]float64{box.Max[0] - w[0]/2, box.Max[1] - w[1]/2},
	}
	xs, ys, pts := GridPoints(inner, n, n)
	g := make([]float64, len(pts))
	s.ScoreBatch(g, pts)
	f := Field{X: xs, Y: ys, U: make([]float64, n*n), V: make([]float64, n*n)}
	for k := range f.U {
		f.U[k], f.V[k] = g[2*k], g[2*k+1]
	}
	return f
}
