package plot

import (
	"testing"

	"github.com/sgm-dev/sgm"
)

// minusX is the score of N(0, I) in 2-D: s(x) = -x.
type minusX struct{}

func (minusX) Dim() int { return 2 }
func (minusX) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("minusX", 2, dst, x)
	for i, v := range x {
		dst[i] = -v
	}
}

func TestGridPoints(t *testing.T) {
	box := Box{Min: [2]float64{-1, 2}, Max: [2]float64{3, 4}}
	xs, ys, pts := GridPoints(box, 3, 2)
	want := []float64{-1, 2, 1, 2, 3, 2, -1, 4, 1, 4, 3, 4} // first axis fastest
	if len(xs) != 3 || len(ys) != 2 || len(pts) != len(want) {
		t.Fatalf("axes %v %v, points %v", xs, ys, pts)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Fatalf("points %v, want %v", pts, want)
		}
	}
	g := DensityGrid(func(x []float64) float64 { return x[0] * x[1] }, box, 2)
	if g.Z[0] != -2 || g.Z[1] != 6 || g.Z[2] != -4 || g.Z[3] != 12 {
		t.Errorf("DensityGrid Z = %v, want [-2 6 -4 12]", g.Z)
	}
}

// TestScoreField checks that the arrows sit at the cells' centres, inside
// the box, and carry the score there (-x exactly).
func TestScoreField(t *testing.T) {
	box := Box{Min: [2]float64{0, 0}, Max: [2]float64{4, 2}}
	f := ScoreField(minusX{}, box, 4)
	if f.X[0] != 0.5 || f.X[3] != 3.5 || f.Y[0] != 0.25 || f.Y[3] != 1.75 {
		t.Errorf("centres x %v y %v, want 0.5..3.5 and 0.25..1.75", f.X, f.Y)
	}
	for j, y := range f.Y {
		for i, x := range f.X {
			if k := j*len(f.X) + i; f.U[k] != -x || f.V[k] != -y {
				t.Errorf("arrow at (%g, %g) = (%g, %g), want (%g, %g)", x, y, f.U[k], f.V[k], -x, -y)
			}
		}
	}
}
