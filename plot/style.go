package plot

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of lines and markers, from matplotlib's default cycle.
var (
	blue   = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	orange = color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	green  = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	red    = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// viridisStops is matplotlib's viridis at nine evenly spaced points.
var viridisStops = []color.NRGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x47, 0x2d, 0x7b, 0xff}, {0x3b, 0x52, 0x8b, 0xff},
	{0x2c, 0x72, 0x8e, 0xff}, {0x21, 0x91, 0x8c, 0xff}, {0x28, 0xae, 0x80, 0xff},
	{0x5e, 0xc9, 0x62, 0xff}, {0xad, 0xdc, 0x30, 0xff}, {0xfd, 0xe7, 0x25, 0xff},
}

// ramp is a palette.ColorMap interpolating linearly in sRGB between evenly
// spaced colour stops: viridis for contours, black to white for images.
type ramp struct {
	stops    []color.NRGBA
	min, max float64
	alpha    float64
}

var _ palette.ColorMap = (*ramp)(nil)

func viridis(min, max float64) *ramp {
	return &ramp{stops: viridisStops, min: min, max: max, alpha: 1}
}

func gray(min, max float64) *ramp {
	return &ramp{stops: []color.NRGBA{{0, 0, 0, 0xff}, {0xff, 0xff, 0xff, 0xff}}, min: min, max: max, alpha: 1}
}

// at returns the colour at t in [0, 1], clamping t.
func (m *ramp) at(t float64) color.Color {
	t = math.Max(0, math.Min(1, t))
	if math.IsNaN(t) {
		t = 0
	}
	f := t * float64(len(m.stops)-1)
	k := min(int(f), len(m.stops)-2)
	f -= float64(k)
	a, b := m.stops[k], m.stops[k+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: uint8(math.Round(255 * m.alpha))}
}

func (m *ramp) At(v float64) (color.Color, error) {
	if v < m.min || v > m.max || math.IsNaN(v) {
		return nil, palette.ErrOverflow
	}
	if m.max == m.min {
		return m.at(0), nil
	}
	return m.at((v - m.min) / (m.max - m.min)), nil
}

func (m *ramp) Max() float64       { return m.max }
func (m *ramp) SetMax(v float64)   { m.max = v }
func (m *ramp) Min() float64       { return m.min }
func (m *ramp) SetMin(v float64)   { m.min = v }
func (m *ramp) Alpha() float64     { return m.alpha }
func (m *ramp) SetAlpha(a float64) { m.alpha = a }

// Palette returns n colours evenly spaced from the first stop to the last.
func (m *ramp) Palette(n int) palette.Palette {
	p := make(colors, n)
	for k := range p {
		t := 0.0
		if n > 1 {
			t = float64(k) / float64(n-1)
		}
		p[k] = m.at(t)
	}
	return p
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }

// levels returns round contour levels strictly between min and max, about
// n of them, at multiples of 1, 2, 2.5 or 5 times a power of ten. It
// returns nil when min >= max.
func levels(min, max float64, n int) []float64 {
	if !(max > min) || math.IsInf(max-min, 0) {
		return nil
	}
	// The step 1, 2, 2.5 or 5 times a power of ten nearest on a log
	// scale to the range over n.
	raw := (max - min) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{2, 2.5, 5, 10} {
		if math.Abs(math.Log(m*mag/raw)) < math.Abs(math.Log(step/raw)) {
			step = m * mag
		}
	}
	var l []float64
	for k := math.Floor(min/step) + 1; k*step < max; k++ {
		l = append(l, k*step)
	}
	return l
}

// quiver draws a plotter.FieldXY as arrows centred on the grid points,
// scaled so that the longest is 0.9 of the smallest grid step on the page.
// It draws in page units (no canvas scaling), so line widths are the same
// in every output format, unlike plotter.Field's glyph transform.
type quiver struct {
	field plotter.FieldXY
	max   float64 // largest magnitude, the scale
	color color.Color
	width vg.Length // shaft width
}

func newQuiver(f plotter.FieldXY) *quiver {
	q := &quiver{field: f, color: color.Black, width: 1}
	c, r := f.Dims()
	for i := range c {
		for j := range r {
			v := f.Vector(i, j)
			if m := math.Hypot(v.X, v.Y); m > q.max && !math.IsInf(m, 0) {
				q.max = m
			}
		}
	}
	return q
}

// Plot implements gplot.Plotter.
func (q *quiver) Plot(c draw.Canvas, p *gplot.Plot) {
	if !(q.max > 0) {
		return
	}
	trX, trY := p.Transforms(&c)
	cols, rows := q.field.Dims()
	cell := vg.Length(math.Inf(1))
	for i := 1; i < cols; i++ {
		cell = min(cell, vg.Length(math.Abs(float64(trX(q.field.X(i))-trX(q.field.X(i-1))))))
	}
	for j := 1; j < rows; j++ {
		cell = min(cell, vg.Length(math.Abs(float64(trY(q.field.Y(j))-trY(q.field.Y(j-1))))))
	}
	if math.IsInf(float64(cell), 1) {
		cell = min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y) / 4
	}
	longest := 0.9 * cell
	// Page length of one data unit along each axis, so that a vector
	// points the same way on the page as in the data.
	x0, y0 := q.field.X(0), q.field.Y(0)
	kx := float64(trX(x0+1) - trX(x0))
	ky := float64(trY(y0+1) - trY(y0))
	sty := draw.LineStyle{Color: q.color, Width: q.width}
	for i := range cols {
		for j := range rows {
			v := q.field.Vector(i, j)
			m := math.Hypot(v.X, v.Y)
			dx, dy := v.X*kx, v.Y*ky
			d := math.Hypot(dx, dy)
			if !(m > 0) || !(d > 0) || math.IsInf(m, 0) {
				continue
			}
			n := float64(longest) * m / q.max // page length
			if n < 0.5 {
				continue
			}
			ux, uy := dx/d, dy/d
			cx, cy := float64(trX(q.field.X(i))), float64(trY(q.field.Y(j)))
			tail := vg.Point{X: vg.Length(cx - ux*n/2), Y: vg.Length(cy - uy*n/2)}
			tip := vg.Point{X: vg.Length(cx + ux*n/2), Y: vg.Length(cy + uy*n/2)}
			head := headLength(n)
			half := 0.5 * head
			base := vg.Point{X: tip.X - vg.Length(ux*head), Y: tip.Y - vg.Length(uy*head)}
			neck := vg.Point{X: tip.X - vg.Length(ux*head*0.8), Y: tip.Y - vg.Length(uy*head*0.8)}
			if c.Contains(tail) && c.Contains(tip) {
				c.StrokeLine2(sty, tail.X, tail.Y, neck.X, neck.Y)
				c.FillPolygon(q.color, []vg.Point{
					tip,
					{X: base.X - vg.Length(uy*half), Y: base.Y + vg.Length(ux*half)},
					{X: base.X + vg.Length(uy*half), Y: base.Y - vg.Length(ux*half)},
				})
			}
		}
	}
}

// headLength returns the length in points of the head of an arrow n
// points long: 0.45 of the arrow, but at least 3 points (or the whole
// arrow, if shorter) so that its direction is legible in small panels,
// and at most 6.
func headLength(n float64) float64 { return math.Min(math.Max(0.45*n, math.Min(3, n)), 6) }

// DataRange implements gplot.DataRanger: the grid's cells, so that arrows
// centred on the outer points fit.
func (q *quiver) DataRange() (xmin, xmax, ymin, ymax float64) {
	c, r := q.field.Dims()
	x := make([]float64, c)
	for i := range x {
		x[i] = q.field.X(i)
	}
	y := make([]float64, r)
	for j := range y {
		y[j] = q.field.Y(j)
	}
	b := extent(x, y)
	return b.Min[0], b.Max[0], b.Min[1], b.Max[1]
}

// flippedTicks labels an axis that shows -v at page coordinate v with the
// values v, for the row axis of ImageSpace.
type flippedTicks struct{ gplot.Ticker }

func (t flippedTicks) Ticks(min, max float64) []gplot.Tick {
	ts := t.Ticker.Ticks(-max, -min)
	for k := range ts {
		ts[k].Value = -ts[k].Value
	}
	return ts
}

// logTicks labels a log axis at every multiple of a power of ten when the
// range spans less than a decade, at 1, 2 and 5 times powers of ten when
// it spans less than two, and at powers of ten over wider ranges (every
// k-th power over more than eight decades, with no minor ticks), where
// gplot.LogTicks would label one value or none, or leave out the decade at
// the end of the range; linearly where fewer than two multiples of a power
// of ten fall in the range.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	var ticks []gplot.Tick
	labelled := 0
	every := max(1, int(math.Ceil(math.Log10(hi/lo)/8))) // decades between labels
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi*(1+1e-9); e++ {
		p := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) || every > 1 && m > 1 {
				continue
			}
			t := gplot.Tick{Value: v}
			switch {
			case hi/lo < 10,
				hi/lo < 100 && (m == 1 || m == 2 || m == 5),
				m == 1 && int(e)%every == 0:
				t.Label = fmt.Sprint(roundSig(v))
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if len(ticks) < 2 {
		// Less than a step from one multiple of a power of ten to the
		// next, such as [1, 1.9]: linear ticks.
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	if labelled < 2 {
		for k := range ticks {
			ticks[k].Label = fmt.Sprint(roundSig(ticks[k].Value))
		}
	}
	return ticks
}

// useLogScale makes a logarithmic, with logTicks, when lo, the smallest
// value the axis shows, is positive and hi, the largest, is finite, and
// reports whether it did; its label then says "(log scale)". A single
// value (lo == hi), which gplot would widen by ±1 and so below zero, is
// shown from half of it to twice it.
func useLogScale(a *gplot.Axis, lo, hi float64) bool {
	if !(lo > 0 && hi >= lo) || math.IsInf(hi, 1) {
		return false
	}
	a.Scale, a.Tick.Marker = gplot.LogScale{}, logTicks{}
	if a.Label.Text != "" && !strings.HasSuffix(a.Label.Text, logNote) {
		a.Label.Text += logNote
	}
	if lo == hi {
		a.Min, a.Max = lo/2, hi*2
	}
	return true
}

// logNote ends the label of a logarithmic axis.
const logNote = " (log scale)"

// makeRoom raises the top of the axis a, whose largest value drawn is hi,
// so that the top fraction frac of it (0 < frac < 1) is free for a legend,
// on a linear or logarithmic scale. It does nothing to an axis that shows
// a single value.
func makeRoom(a *gplot.Axis, hi, frac float64) {
	lo := a.Min
	if !(hi > lo) {
		return
	}
	if _, log := a.Scale.(gplot.LogScale); log {
		a.Max = math.Max(a.Max, hi*math.Pow(hi/lo, frac/(1-frac)))
		return
	}
	a.Max = math.Max(a.Max, hi+(hi-lo)*frac/(1-frac))
}

// finiteXYs returns the points (x[k], y[k]) whose coordinates are both
// finite, in order, and how many it left out. x and y have the same length.
func finiteXYs(x, y []float64) (xys plotter.XYs, dropped int) {
	xys = make(plotter.XYs, 0, len(x))
	for k := range x {
		if finite(x[k]) && finite(y[k]) {
			xys = append(xys, plotter.XY{X: x[k], Y: y[k]})
		}
	}
	return xys, len(x) - len(xys)
}

// withNote returns title followed by note, or either alone when the other
// is empty.
func withNote(title, note string) string {
	if title == "" || note == "" {
		return title + note
	}
	return title + " " + note
}

// leftOutNote says that n values were not drawn for not being finite, one
// and many naming one value and several; it is empty when n is 0.
func leftOutNote(n int, one, many string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "(1 non-finite " + one + " left out)"
	}
	return fmt.Sprintf("(%d non-finite %s left out)", n, many)
}

// roundSig rounds v to 6 significant digits, so 3*0.1 prints as 0.3.
func roundSig(v float64) float64 { return roundSigN(v, 6) }

// roundSigN rounds v to n significant digits.
func roundSigN(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// newPlot returns a plot with a title and axes labelled for space.
func newPlot(title string, space Space) *gplot.Plot {
	space.check()
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 14
	p.Title.Padding = 6
	switch space {
	case Cartesian:
		p.X.Label.Text = "x₁"
		p.Y.Label.Text = "x₂"
	case ImageSpace:
		p.X.Label.Text = "column"
		p.Y.Label.Text = "row"
		p.Y.Tick.Marker = flippedTicks{gplot.DefaultTicks{}}
	}
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 12
		a.Tick.Label.Font.Size = 10
	}
	return p
}

// showBox makes the plot show box of space.
func showBox(p *gplot.Plot, space Space, box Box) {
	xmin, xmax, ymin, ymax := space.box(box)
	setRange(p, xmin, xmax, ymin, ymax)
}

// blendWhite mixes c with white, keeping the fraction keep of c.
func blendWhite(c color.NRGBA, keep float64) color.NRGBA {
	mix := func(v uint8) uint8 { return uint8(math.Round(keep*float64(v) + (1-keep)*255)) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: c.A}
}

// setRange sets the page rectangle the plot shows.
func setRange(p *gplot.Plot, xmin, xmax, ymin, ymax float64) {
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = ymin, ymax
}
