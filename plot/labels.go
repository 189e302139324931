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

// LabelledSet is one panel of Labelled: 2-D points, each with a label
// index into Names.
type LabelledSet struct {
	Title  string
	Points []float64 // 2-D, flat
	Labels []int     // one per point, in [0, len(Names))
}

// labelColors are the colours of the labels, in order (matplotlib's tab10),
// repeated beyond ten labels.
var labelColors = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// MaxLegendLabels is how many labels Labelled names in its legend; the
// colours of more repeat.
const MaxLegendLabels = 20

// Labelled draws 2-D point sets coloured by label, one panel per set side
// by side at one scale (box, or, if nil, the box of all their finite
// points), the labels named in the first panel's legend (the first
// MaxLegendLabels of them). It returns an error for no sets, a set whose
// points are not whole or whose labels do not match them or are out of
// range, or no finite point.
func Labelled(sets []LabelledSet, names []string, box *Box, title string) (*Panels, error) {
	if len(sets) == 0 {
		return nil, errors.New("no point sets to draw")
	}
	var all []PointSet
	for _, s := range sets {
		switch {
		case len(s.Points)%2 != 0:
			return nil, fmt.Errorf("%s: %d values are not whole 2-D points", s.Title, len(s.Points))
		case len(s.Labels) != len(s.Points)/2:
			return nil, fmt.Errorf("%s: %d labels for %d points", s.Title, len(s.Labels), len(s.Points)/2)
		}
		for i, l := range s.Labels {
			if l < 0 || l >= len(names) {
				return nil, fmt.Errorf("%s: point %d has label %d, out of range [0, %d)", s.Title, i, l, len(names))
			}
		}
		all = append(all, PointSet{Name: s.Title, Points: s.Points})
	}
	b, ok := pairBox(all, 2, 0, 1)
	if box != nil {
		b, ok = *box, true
	}
	if !ok {
		return nil, errors.New("no finite point to draw")
	}
	row := make([]*gplot.Plot, len(sets))
	for k, s := range sets {
		p := newPlot(s.Title, Cartesian)
		p.Title.TextStyle.Font.Size = 12
		byLabel := make([]plotter.XYs, len(names))
		for i, l := range s.Labels {
			x, y := s.Points[2*i], s.Points[2*i+1]
			if finite(x) && finite(y) {
				byLabel[l] = append(byLabel[l], plotter.XY{X: x, Y: y})
			}
		}
		n := len(s.Labels)
		for l, xys := range byLabel {
			c := labelColors[l%len(labelColors)]
			if len(xys) > 0 {
				sc, err := plotter.NewScatter(xys)
				if err != nil {
					return nil, err
				}
				dot := c
				dot.A = uint8(max(60, min(220, 220*300/float64(n+1))))
				sc.GlyphStyle = draw.GlyphStyle{Color: dot, Radius: vg.Points(max(1, min(2.5, 2.5*math.Sqrt(500/float64(n+1))))), Shape: draw.CircleGlyph{}}
				p.Add(sc)
			}
			if k == 0 && l < MaxLegendLabels {
				leg, _ := plotter.NewScatter(plotter.XYs{{}})
				leg.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
				p.Legend.Add(names[l], leg)
			}
		}
		p.Legend.Top = true
		showBox(p, Cartesian, b)
		row[k] = p
	}
	return &Panels{Plots: [][]*gplot.Plot{row}, Title: title, PanelW: squareSize, PanelH: squareSize}, nil
}

// GivenPanel is one panel of Given: the samples of the free coordinate
// given the others, against the exact conditional density where known.
type GivenPanel struct {
	Title   string
	Samples []float64 // the free coordinate's values
	// X and Density are the exact conditional density on a grid; nil
	// where it is not known.
	X, Density []float64
}

// Given draws, per panel, the histogram of conditional samples of one
// coordinate as a density (bars) with the exact conditional density (a
// line) where known, over [lo, hi]. It returns an error for no panels,
// lo >= hi, a density whose grid and values differ in length, or a panel
// without finite samples in range.
func Given(panels []GivenPanel, xLabel string, lo, hi float64, bins int, title string) (*Panels, error) {
	if len(panels) == 0 {
		return nil, errors.New("no panels to draw")
	}
	if !(lo < hi) || !finite(lo) || !finite(hi) || bins < 1 {
		return nil, fmt.Errorf("range [%v, %v] in %d bins: want a finite non-empty range and at least 1 bin", lo, hi, bins)
	}
	row := make([]*gplot.Plot, len(panels))
	for k, g := range panels {
		if len(g.X) != len(g.Density) {
			return nil, fmt.Errorf("%s: %d grid points, %d densities", g.Title, len(g.X), len(g.Density))
		}
		var vals plotter.Values
		for _, v := range g.Samples {
			if finite(v) && v >= lo && v <= hi {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("%s: no finite sample in [%v, %v]", g.Title, lo, hi)
		}
		p := newPlot(g.Title, Cartesian)
		p.Title.TextStyle.Font.Size = 12
		p.X.Label.Text, p.Y.Label.Text = xLabel, "density"
		h, err := plotter.NewHist(vals, bins)
		if err != nil {
			return nil, err
		}
		// As a density over all the samples, so that those out of range
		// lower the bars as they should.
		h.Normalize(float64(len(vals)) / float64(len(g.Samples)))
		h.FillColor = color.NRGBA{0xff, 0x7f, 0x0e, 0x90}
		h.LineStyle.Width = 0
		p.Add(h)
		p.Legend.Add("samples", h)
		if g.X != nil {
			xys := make(plotter.XYs, len(g.X))
			for i := range g.X {
				xys[i] = plotter.XY{X: g.X[i], Y: g.Density[i]}
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.LineStyle.Color = color.NRGBA{0x1f, 0x77, 0xb4, 0xff}
			l.LineStyle.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add("exact conditional", l)
		}
		p.Legend.Top = true
		p.X.Min, p.X.Max = lo, hi
		row[k] = p
	}
	return &Panels{Plots: [][]*gplot.Plot{row}, Title: title, PanelW: squareSize, PanelH: squareSize}, nil
}
