package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
)

// Grid holds values on a rectilinear grid: Z[j*len(X)+i] is the value at
// the point (X[i], Y[j]), so Z is row-major with len(Y) rows of len(X)
// values. X and Y are strictly increasing and hold at least two values
// each. The coordinates are those of the points (p[0], p[1]) in whatever
// Space the figure draws.
type Grid struct {
	X, Y []float64
	Z    []float64
}

// Field holds a vector field on a rectilinear grid: (U[k], V[k]) with
// k = j*len(X)+i is the vector at the point (X[i], Y[j]), laid out like
// Grid.Z. U is the component along the first coordinate and V along the
// second.
type Field struct {
	X, Y []float64
	U, V []float64
}

// Box is the rectangle [Min[0], Max[0]] × [Min[1], Max[1]] in the
// coordinates of the points (p[0], p[1]), before any Space mapping.
type Box struct {
	Min, Max [2]float64
}

// Contains reports whether the point (p0, p1) lies in b, edges included.
// A point with a NaN coordinate lies in no box.
func (b Box) Contains(p0, p1 float64) bool {
	return p0 >= b.Min[0] && p0 <= b.Max[0] && p1 >= b.Min[1] && p1 <= b.Max[1]
}

// Count returns how many of the flat row-major points ({x0, y0, x1, y1,
// ...}) lie in b, edges included.
func (b Box) Count(points []float64) int {
	n := 0
	for k := 0; k+1 < len(points); k += 2 {
		if b.Contains(points[k], points[k+1]) {
			n++
		}
	}
	return n
}

// UnitSquare is [0, 1]², the domain of image-space points.
var UnitSquare = Box{Max: [2]float64{1, 1}}

// Space says how a point (p[0], p[1]) is laid out on the page.
type Space int

const (
	// Cartesian draws (p[0], p[1]) at x = p[0], y = p[1], y pointing up.
	Cartesian Space = iota
	// ImageSpace treats (p[0], p[1]) as (row, column) and draws it at
	// x = column with the row axis pointing down, as an image is shown.
	// A vector (v_row, v_col) is drawn as (v_col, -v_row) on the page.
	ImageSpace
)

// String returns "cartesian" or "image".
func (s Space) String() string {
	switch s {
	case Cartesian:
		return "cartesian"
	case ImageSpace:
		return "image"
	}
	return fmt.Sprintf("Space(%d)", int(s))
}

func (s Space) check() {
	if s != Cartesian && s != ImageSpace {
		panic(fmt.Sprintf("plot: unknown Space %d", int(s)))
	}
}

// xy maps a point, or a vector, of the space to page coordinates. In
// ImageSpace the page y is minus the row, and the y-axis ticks are labelled
// with the row (see flippedTicks).
func (s Space) xy(a, b float64) (x, y float64) {
	if s == ImageSpace {
		return b, -a
	}
	return a, b
}

// points maps flat row-major points to page coordinates.
func (s Space) points(p []float64) plotter.XYs {
	xys := make(plotter.XYs, len(p)/2)
	for k := range xys {
		xys[k].X, xys[k].Y = s.xy(p[2*k], p[2*k+1])
	}
	return xys
}

// box maps b to page coordinates: xmin, xmax, ymin, ymax.
func (s Space) box(b Box) (xmin, xmax, ymin, ymax float64) {
	x0, y0 := s.xy(b.Min[0], b.Min[1])
	x1, y1 := s.xy(b.Max[0], b.Max[1])
	return math.Min(x0, x1), math.Max(x0, x1), math.Min(y0, y1), math.Max(y0, y1)
}

// cell maps the page column c and page row r of a grid with nx values of
// X and ny of Y to the indices (i, j) into X and Y. In ImageSpace the page
// columns run along Y (the image's columns) and the page rows along X in
// reverse, so that page y = -X[i] increases with r.
func (s Space) cell(nx, c, r int) (i, j int) {
	if s == ImageSpace {
		return nx - 1 - r, c
	}
	return c, r
}

// gridXYZ is g seen as a plotter.GridXYZ on the page. Dims returns
// (columns, rows) of the page grid.
type gridXYZ struct {
	g Grid
	s Space
}

var _ plotter.GridXYZ = gridXYZ{}

func (a gridXYZ) Dims() (c, r int) {
	if a.s == ImageSpace {
		return len(a.g.Y), len(a.g.X)
	}
	return len(a.g.X), len(a.g.Y)
}

func (a gridXYZ) Z(c, r int) float64 {
	i, j := a.s.cell(len(a.g.X), c, r)
	return a.g.Z[j*len(a.g.X)+i]
}

func (a gridXYZ) X(c int) float64 {
	if a.s == ImageSpace {
		return a.g.Y[c]
	}
	return a.g.X[c]
}

func (a gridXYZ) Y(r int) float64 {
	if a.s == ImageSpace {
		return -a.g.X[len(a.g.X)-1-r]
	}
	return a.g.Y[r]
}

// fieldXY is f seen as a plotter.FieldXY on the page.
type fieldXY struct {
	f Field
	s Space
}

var _ plotter.FieldXY = fieldXY{}

func (a fieldXY) Dims() (c, r int) { return gridXYZ{Grid{X: a.f.X, Y: a.f.Y}, a.s}.Dims() }
func (a fieldXY) X(c int) float64  { return gridXYZ{Grid{X: a.f.X, Y: a.f.Y}, a.s}.X(c) }
func (a fieldXY) Y(r int) float64  { return gridXYZ{Grid{X: a.f.X, Y: a.f.Y}, a.s}.Y(r) }

func (a fieldXY) Vector(c, r int) plotter.XY {
	i, j := a.s.cell(len(a.f.X), c, r)
	k := j*len(a.f.X) + i
	var v plotter.XY
	v.X, v.Y = a.s.xy(a.f.U[k], a.f.V[k])
	return v
}

// ImageGrid returns the h×w image pix (row-major, pix[r*w+c] the value of
// row r, column c) as a Grid in ImageSpace: X holds the row coordinates
// r/(h-1), Y the column coordinates c/(w-1), both in [0, 1]. It returns an
// error unless h, w >= 2, and panics (the caller's error) unless
// len(pix) == h*w.
func ImageGrid(h, w int, pix []float64) (Grid, error) {
	if h < 2 || w < 2 {
		return Grid{}, fmt.Errorf("image must be at least 2×2 pixels, got %d×%d", h, w)
	}
	if len(pix) != h*w {
		panic(fmt.Sprintf("plot: ImageGrid: image of %d×%d pixels needs %d values, got %d", h, w, h*w, len(pix)))
	}
	g := Grid{X: unitSteps(h), Y: unitSteps(w), Z: make([]float64, h*w)}
	for r := range h {
		for c := range w {
			g.Z[c*h+r] = pix[r*w+c]
		}
	}
	return g, nil
}

// unitSteps returns n >= 2 evenly spaced values from 0 to 1.
func unitSteps(n int) []float64 {
	s := make([]float64, n)
	for k := range s {
		s[k] = float64(k) / float64(n-1)
	}
	return s
}

// check returns an error if the grid's axes cannot be drawn (too short,
// not finite or not increasing), and panics, the caller's error, if Z does
// not hold len(X)*len(Y) values.
func (g Grid) check() error {
	if len(g.Z) != len(g.X)*len(g.Y) {
		panic(fmt.Sprintf("plot: grid has %d values, want len(X)*len(Y) = %d", len(g.Z), len(g.X)*len(g.Y)))
	}
	return checkAxes(g.X, g.Y)
}

// check is Grid.check for a field, whose U and V must each hold
// len(X)*len(Y) values.
func (f Field) check() error {
	if n := len(f.X) * len(f.Y); len(f.U) != n || len(f.V) != n {
		panic(fmt.Sprintf("plot: field has %d and %d vector components, want len(X)*len(Y) = %d", len(f.U), len(f.V), n))
	}
	return checkAxes(f.X, f.Y)
}

func checkAxes(x, y []float64) error {
	for _, a := range []struct {
		name string
		v    []float64
	}{{"X", x}, {"Y", y}} {
		if len(a.v) < 2 {
			return fmt.Errorf("grid needs at least 2 values of %s, got %d", a.name, len(a.v))
		}
		for k, v := range a.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("grid coordinate %s[%d] = %v is not finite", a.name, k, v)
			}
			if k > 0 && !(v > a.v[k-1]) {
				return fmt.Errorf("grid coordinates %s must increase, but %s[%d] = %v follows %v", a.name, a.name, k, v, a.v[k-1])
			}
		}
	}
	return nil
}

// checkPoints panics, the caller's error, if p does not hold whole 2-D
// points.
func checkPoints(what string, p []float64) {
	if len(p)%2 != 0 {
		panic(fmt.Sprintf("plot: %s: %d values do not make 2-D points", what, len(p)))
	}
}

// extent returns the page rectangle covered by the cells of the grid with
// coordinates x, y: from half a step before the first value to half a step
// after the last, as a heat map draws it.
func extent(x, y []float64) Box {
	return Box{
		Min: [2]float64{x[0] - (x[1]-x[0])/2, y[0] - (y[1]-y[0])/2},
		Max: [2]float64{x[len(x)-1] + (x[len(x)-1]-x[len(x)-2])/2, y[len(y)-1] + (y[len(y)-1]-y[len(y)-2])/2},
	}
}
