package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarGroup is one set of bars of a GroupedBars chart, one bar per
// category, such as the mode weights one sampler gives.
type BarGroup struct {
	Name string
	// Values has one value per category.
	Values []float64
	// Errors is nil or has one standard error per value, drawn as an
	// error bar of ± that much.
	Errors []float64
}

// GroupedBars draws the groups' values side by side over each category,
// with their error bars, and, when want is not nil, the value each
// category should have as a black line across its bars, named wantName in
// the legend: mode weights of several samplers against the true weights,
// for instance. The value axis starts at 0 unless a value is negative and
// leaves room for the legend above the bars. Values, errors or want of
// another length than categories panic (the caller's error).
func GroupedBars(categories []string, groups []BarGroup, want []float64, wantName, yLabel, title string) (*Chart, error) {
	if len(categories) == 0 || len(groups) == 0 {
		return nil, fmt.Errorf("no bars to draw: %d categories, %d groups", len(categories), len(groups))
	}
	if want != nil && len(want) != len(categories) {
		panic(fmt.Sprintf("plot: GroupedBars: %d wanted values for %d categories", len(want), len(categories)))
	}
	lo, hi := 0.0, math.Inf(-1)
	for _, g := range groups {
		if len(g.Values) != len(categories) || g.Errors != nil && len(g.Errors) != len(categories) {
			panic(fmt.Sprintf("plot: GroupedBars: group %q: %d values and %d errors for %d categories", g.Name, len(g.Values), len(g.Errors), len(categories)))
		}
		for k, v := range g.Values {
			e := 0.0
			if g.Errors != nil {
				e = g.Errors[k]
			}
			if !finite(v) || !finite(e) || e < 0 {
				return nil, fmt.Errorf("group %q, %s: value %v ± %v is not finite", g.Name, categories[k], v, e)
			}
			lo, hi = math.Min(lo, v-e), math.Max(hi, v+e)
		}
	}
	for _, v := range want {
		if !finite(v) {
			return nil, fmt.Errorf("wanted value %v is not finite", v)
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	p := newChartPlot(title, "", yLabel)
	p.Add(plotter.NewGrid())
	p.NominalX(categories...)
	p.X.Tick.Label.Font.Size = 12
	const width = 36 // bar width in points
	colours := []color.Color{blue, orange, green, red}
	for i, g := range groups {
		offset := vg.Length(float64(i)-float64(len(groups)-1)/2) * width
		bars, err := plotter.NewBarChart(plotter.Values(g.Values), width)
		if err != nil {
			return nil, fmt.Errorf("group %q: %w", g.Name, err)
		}
		bars.Color = colours[i%len(colours)]
		bars.LineStyle.Width = 0
		bars.Offset = offset
		p.Add(bars)
		p.Legend.Add(g.Name, bars)
		if g.Errors != nil {
			p.Add(errorBars{values: g.Values, errs: g.Errors, offset: offset})
		}
	}
	if want != nil {
		w := wantLines{values: want, half: vg.Length(len(groups))*width/2 + 4}
		p.Add(w)
		p.Legend.Add(wantName, w)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	p.Y.Min, p.Y.Max = lo, hi
	makeRoom(&p.Y, hi, 0.07*float64(len(groups)+1))
	return &Chart{Plot: p, W: lossW, H: lossH}, nil
}

// errorBars draws value ± err at category k, offset from its centre.
type errorBars struct {
	values, errs []float64
	offset       vg.Length
}

func (e errorBars) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Black, Width: 1.2}
	for k, v := range e.values {
		x := trX(float64(k)) + e.offset
		y0, y1 := trY(v-e.errs[k]), trY(v+e.errs[k])
		c.StrokeLine2(sty, x, y0, x, y1)
		for _, y := range []vg.Length{y0, y1} {
			c.StrokeLine2(sty, x-4, y, x+4, y)
		}
	}
}

// wantLines draws each wanted value as a black line across its
// category's bars, half long on either side of the centre.
type wantLines struct {
	values []float64
	half   vg.Length
}

var wantStyle = draw.LineStyle{Color: color.Black, Width: 2, Dashes: []vg.Length{5, 3}}

func (w wantLines) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for k, v := range w.values {
		x, y := trX(float64(k)), trY(v)
		c.StrokeLine2(wantStyle, x-w.half, y, x+w.half, y)
	}
}

// Thumbnail implements gplot.Thumbnailer.
func (wantLines) Thumbnail(c *draw.Canvas) { lineThumbnail(c, wantStyle) }
