package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PointSet is a named cloud of points in R^d, flat and row-major, for
// SamplesFigure and Corner.
type PointSet struct {
	Name   string
	Points []float64
}

// setColors are the colours of the point sets, in order: the first (a
// reference, say) in blue, the second (samples) in orange.
var setColors = []color.NRGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

// MaxCornerDim is the largest dimension Corner draws: d² panels.
const MaxCornerDim = 10

// SamplesOptions configures SamplesFigure. The zero value draws
// coordinates 0 and 1 as scatter plots, one panel per set.
type SamplesOptions struct {
	I, J    int      // the coordinates drawn (from 0) on the x and y axes
	Names   []string // coordinate names, d of them; nil names them x1, x2, ...
	Bins    int      // if > 0, 2-D histograms of Bins×Bins bins instead of scatter plots
	Overlay bool     // one panel with the sets overlaid (scatter only)
	Title   string
	Box     *Box // if not nil, the region drawn; nil fits the finite points
}

// SamplesFigure draws coordinates I and J of point sets in R^d at the same
// scale: one panel per set side by side, or, with Overlay, all in one
// panel in the colours of setColors (at most 4 sets). Non-finite points
// are left out. It returns an error for bad data: no sets, more than 4,
// points not whole, coordinates out of range, no finite point, or a
// histogram with Overlay.
func SamplesFigure(sets []PointSet, d int, o SamplesOptions) (Figure, error) {
	if err := checkSets(sets, d); err != nil {
		return nil, err
	}
	if o.I < 0 || o.I >= d || o.J < 0 || o.J >= d || o.I == o.J {
		return nil, fmt.Errorf("coordinates %d and %d: want two different ones of 0..%d", o.I, o.J, d-1)
	}
	if o.Bins > 0 && o.Overlay {
		return nil, errors.New("histograms are drawn side by side, not overlaid")
	}
	names := coordNames(o.Names, d)
	box, ok := pairBox(sets, d, o.I, o.J)
	if !ok {
		return nil, errors.New("no finite point to draw")
	}
	if o.Box != nil {
		box = *o.Box
	}
	panel := func(title string) *gplot.Plot {
		p := newPlot(title, Cartesian)
		p.X.Label.Text, p.Y.Label.Text = names[o.I], names[o.J]
		return p
	}
	if o.Overlay {
		p := panel("")
		for k, s := range sets {
			if err := addScatter(p, pairOf(s.Points, d, o.I, o.J), k, s.Name); err != nil {
				return nil, err
			}
		}
		p.Legend.Top = true
		showBox(p, Cartesian, box)
		return &Panels{Plots: [][]*gplot.Plot{{p}}, Title: o.Title, PanelW: squareSize, PanelH: squareSize}, nil
	}
	row := make([]*gplot.Plot, len(sets))
	var bars []*gplot.Plot
	for k, s := range sets {
		xy := pairOf(s.Points, d, o.I, o.J)
		title := fmt.Sprintf("%s (%d points)", s.Name, len(s.Points)/d)
		if o.Bins > 0 {
			p, bar, err := histogramPlot(xy, o.Bins, o.Bins, box, Cartesian, title)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			p.X.Label.Text, p.Y.Label.Text = names[o.I], names[o.J]
			row[k], bars = p, append(bars, bar)
			continue
		}
		p := panel(title)
		if err := addScatter(p, xy, k, ""); err != nil {
			return nil, err
		}
		showBox(p, Cartesian, box)
		row[k] = p
	}
	f := &Panels{Plots: [][]*gplot.Plot{row}, Title: o.Title, PanelW: squareSize, PanelH: squareSize}
	if bars != nil {
		f.ColorBars, f.Square, f.PanelW = [][]*gplot.Plot{bars}, true, squareSize+colorBarWidth
	}
	return f, nil
}

// Corner draws the corner plot of point sets in R^d (2 <= d <=
// MaxCornerDim): below the diagonal, panel (i, j) is the scatter of
// coordinate j against i; on the diagonal, the histogram of coordinate i
// (as a density, so that sets of different sizes compare); the sets are
// overlaid in the colours of setColors, the first set's name and colour
// in the top-right legend. Errors as SamplesFigure's.
func Corner(sets []PointSet, d int, names []string, title string) (*Panels, error) {
	if err := checkSets(sets, d); err != nil {
		return nil, err
	}
	if d < 2 || d > MaxCornerDim {
		return nil, fmt.Errorf("corner plot of %d dimensions: want 2 to %d", d, MaxCornerDim)
	}
	names = coordNames(names, d)
	lo, hi := make([]float64, d), make([]float64, d)
	for i := range d {
		box, ok := pairBox(sets, d, i, (i+1)%d)
		if !ok {
			return nil, errors.New("no finite point to draw")
		}
		lo[i], hi[i] = box.Min[0], box.Max[0]
	}
	plots := make([][]*gplot.Plot, d)
	for r := range d {
		plots[r] = make([]*gplot.Plot, d)
		for c := 0; c <= r; c++ {
			p := newPlot("", Cartesian)
			p.X.Label.Text, p.Y.Label.Text = "", ""
			if r == d-1 {
				p.X.Label.Text = names[c]
			}
			if c == 0 && r > 0 {
				p.Y.Label.Text = names[r]
			}
			for _, a := range []*gplot.Axis{&p.X, &p.Y} {
				a.Label.TextStyle.Font.Size = 10
				a.Tick.Label.Font.Size = 7
			}
			if r == c {
				for k, s := range sets {
					if err := addMarginal(p, coordOf(s.Points, d, c), lo[c], hi[c], k); err != nil {
						return nil, err
					}
				}
				p.X.Min, p.X.Max = lo[c], hi[c]
				p.Y.Label.Text = ""
				if c == 0 {
					p.Y.Label.Text = "density"
				}
			} else {
				for k, s := range sets {
					if err := addScatter(p, pairOf(s.Points, d, c, r), k, ""); err != nil {
						return nil, err
					}
				}
				setRange(p, lo[c], hi[c], lo[r], hi[r])
			}
			plots[r][c] = p
		}
	}
	if d > 1 {
		// The legend, in the empty panel at the top right.
		leg := gplot.New()
		leg.HideAxes()
		for k, s := range sets {
			sc, err := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}})
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: setColors[k], Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
			leg.Legend.Add(s.Name, sc)
		}
		leg.Legend.Top = true
		leg.Legend.TextStyle.Font.Size = 12
		leg.X.Min, leg.X.Max, leg.Y.Min, leg.Y.Max = 10, 11, 10, 11 // the dummy point out of view
		plots[0][d-1] = leg
	}
	size := max(1.6*vg.Inch, 8*vg.Inch/vg.Length(d))
	return &Panels{Plots: plots, Title: title, PanelW: size, PanelH: size}, nil
}

// checkSets returns an error unless there are 1 to len(setColors) sets of
// whole points of dimension d >= 1.
func checkSets(sets []PointSet, d int) error {
	if d < 1 {
		return fmt.Errorf("points of dimension %d", d)
	}
	if len(sets) == 0 || len(sets) > len(setColors) {
		return fmt.Errorf("%d point sets: want 1 to %d", len(sets), len(setColors))
	}
	for _, s := range sets {
		if len(s.Points) == 0 || len(s.Points)%d != 0 {
			return fmt.Errorf("%s: %d values are not whole points of dimension %d", s.Name, len(s.Points), d)
		}
	}
	return nil
}

// coordNames returns names, or x1..xd when it does not name d coordinates.
func coordNames(names []string, d int) []string {
	if len(names) == d {
		return names
	}
	n := make([]string, d)
	for i := range n {
		n[i] = fmt.Sprintf("x%d", i+1)
	}
	return n
}

// pairOf returns coordinates i and j of the points x in R^d as 2-D points.
func pairOf(x []float64, d, i, j int) []float64 {
	out := make([]float64, 0, 2*len(x)/d)
	for k := 0; k < len(x); k += d {
		out = append(out, x[k+i], x[k+j])
	}
	return out
}

// coordOf returns coordinate i of the points x in R^d.
func coordOf(x []float64, d, i int) []float64 {
	out := make([]float64, 0, len(x)/d)
	for k := i; k < len(x); k += d {
		out = append(out, x[k])
	}
	return out
}

// pairBox returns the box of the finite points of all sets in coordinates
// i and j, widened by 5% each side (and to width 1 about a constant
// coordinate), and false if there is no finite point.
func pairBox(sets []PointSet, d, i, j int) (Box, bool) {
	b := Box{Min: [2]float64{math.Inf(1), math.Inf(1)}, Max: [2]float64{math.Inf(-1), math.Inf(-1)}}
	for _, s := range sets {
		for k := 0; k < len(s.Points); k += d {
			u, v := s.Points[k+i], s.Points[k+j]
			if !finite(u) || !finite(v) {
				continue
			}
			b.Min[0], b.Max[0] = min(b.Min[0], u), max(b.Max[0], u)
			b.Min[1], b.Max[1] = min(b.Min[1], v), max(b.Max[1], v)
		}
	}
	if !(b.Max[0] >= b.Min[0]) {
		return b, false
	}
	for k := range 2 {
		w := b.Max[k] - b.Min[k]
		if !(w > 0) {
			w = max(1, math.Abs(b.Min[k]))
		}
		// A margin that would overflow is left out: the width itself may
		// be beyond MaxFloat64, which Encode refuses with a message.
		if lo, hi := b.Min[k]-0.05*w, b.Max[k]+0.05*w; finite(lo) && finite(hi) {
			b.Min[k], b.Max[k] = lo, hi
		}
	}
	return b, true
}

// addScatter adds the finite 2-D points xy to p as small translucent dots
// in the colour of set k, named in the legend when name is not "".
func addScatter(p *gplot.Plot, xy []float64, k int, name string) error {
	xys, _ := finiteXYs(coordOf(xy, 2, 0), coordOf(xy, 2, 1))
	if len(xys) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	c := setColors[k]
	// Dots fade and shrink as they grow many, so that dense regions still
	// show, but up to 3,000 points no further than a dot a reader sees on
	// its own (35% opaque, 1.5 pt): 3,000 points of N(0, I) were barely
	// visible at the 16% and 1 pt this used to reach (issue 20). Beyond,
	// the opacity falls as 1/sqrt(n), to 10% at 50,000 points, so that a
	// dense core still shows its shape.
	n := float64(len(xys) + 1)
	c.A = uint8(min(220, max(220*math.Sqrt(300/n), 90*min(1, math.Sqrt(3000/n)), 25)))
	r := vg.Points(max(1.5, min(2.5, 2.5*math.Sqrt(500/n))))
	sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: r, Shape: draw.CircleGlyph{}}
	p.Add(sc)
	if name != "" {
		leg, _ := plotter.NewScatter(plotter.XYs{{}})
		leg.GlyphStyle = draw.GlyphStyle{Color: setColors[k], Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		p.Legend.Add(name, leg)
	}
	return nil
}

// addMarginal adds the histogram of the finite values v on [lo, hi] as a
// density (outline) in the colour of set k.
func addMarginal(p *gplot.Plot, v []float64, lo, hi float64, k int) error {
	var vals plotter.Values
	for _, x := range v {
		if finite(x) {
			vals = append(vals, x)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	h, err := plotter.NewHist(vals, 30)
	if err != nil {
		return err
	}
	h.Normalize(1)
	h.FillColor = nil
	h.LineStyle.Color = setColors[k]
	h.LineStyle.Width = vg.Points(1.2)
	p.Add(h)
	return nil
}

// Comparison is one column of Compare: 2-D reference points above 2-D
// samples of the same distribution, drawn at the same scale.
type Comparison struct {
	Name               string
	Reference, Samples []float64
	Note               string // added under the samples' panel title, e.g. "W₂ 0.12 (floor 0.10)"
}

// Compare draws columns of 2-D point sets: each column's reference
// points in the top row and its samples below, both panels of a column at
// the same scale. It returns an error for no columns, or a column without
// finite points or with odd-length data.
func Compare(cols []Comparison, title string) (*Panels, error) {
	if len(cols) == 0 {
		return nil, errors.New("no columns to draw")
	}
	plots := [][]*gplot.Plot{make([]*gplot.Plot, len(cols)), make([]*gplot.Plot, len(cols))}
	for k, c := range cols {
		sets := []PointSet{{Name: "data", Points: c.Reference}, {Name: "samples", Points: c.Samples}}
		if err := checkSets(sets, 2); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		box, ok := pairBox(sets, 2, 0, 1)
		if !ok {
			return nil, fmt.Errorf("%s: no finite point to draw", c.Name)
		}
		for r, s := range sets {
			t := fmt.Sprintf("%s: %s (%d)", c.Name, s.Name, len(s.Points)/2)
			if r == 1 && c.Note != "" {
				t += "\n" + c.Note
			}
			p := newPlot(t, Cartesian)
			p.Title.TextStyle.Font.Size = 12
			if err := addScatter(p, s.Points, r, ""); err != nil {
				return nil, err
			}
			showBox(p, Cartesian, box)
			plots[r][k] = p
		}
	}
	return &Panels{Plots: plots, Title: title, PanelW: 4 * vg.Inch, PanelH: 4 * vg.Inch}, nil
}

// Row draws the 2-D reference points ref (named refName) and, beside them
// in one row, the samples of each column, all panels at one scale: the
// figure for several samplers of one distribution against one set of
// data, which Compare would draw above each of them again. The columns'
// Reference is not used. It returns an error for no columns, or a set
// without finite points or with odd-length data.
func Row(ref []float64, refName string, cols []Comparison, title string) (*Panels, error) {
	if len(cols) == 0 {
		return nil, errors.New("no columns to draw")
	}
	sets := []PointSet{{Name: refName, Points: ref}}
	for _, c := range cols {
		sets = append(sets, PointSet{Name: c.Name + ": samples", Points: c.Samples})
	}
	if err := checkSets(sets, 2); err != nil {
		return nil, err
	}
	box, ok := pairBox(sets, 2, 0, 1)
	if !ok {
		return nil, errors.New("no finite point to draw")
	}
	row := make([]*gplot.Plot, len(sets))
	for k, set := range sets {
		t := fmt.Sprintf("%s (%d)", set.Name, len(set.Points)/2)
		if k > 0 && cols[k-1].Note != "" {
			t += "\n" + cols[k-1].Note
		}
		p := newPlot(t, Cartesian)
		p.Title.TextStyle.Font.Size = 12
		if err := addScatter(p, set.Points, min(k, 1), ""); err != nil {
			return nil, err
		}
		showBox(p, Cartesian, box)
		row[k] = p
	}
	return &Panels{Plots: [][]*gplot.Plot{row}, Title: title, PanelW: 4 * vg.Inch, PanelH: 4 * vg.Inch}, nil
}

// HistogramGrid counts the 2-D points in nx×ny equal bins of box (points
// outside are left out, those on the upper edges count in the last bins),
// as a Grid of bin centres: data drawn faintly under a field
// (FieldOptions.Under). It returns an error unless nx, ny >= 1, the box is
// non-empty and finite and the points are whole.
func HistogramGrid(points []float64, box Box, nx, ny int) (Grid, error) {
	checkPoints("points", points)
	if nx < 1 || ny < 1 {
		return Grid{}, fmt.Errorf("histogram of %d×%d bins", nx, ny)
	}
	for k := range 2 {
		if !(box.Max[k] > box.Min[k]) || math.IsInf(box.Max[k]-box.Min[k], 0) {
			return Grid{}, fmt.Errorf("histogram box [%v, %v] along coordinate %d is empty or infinite", box.Min[k], box.Max[k], k)
		}
	}
	return histogram(points, box, nx, ny), nil
}
