package plot

import (
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sizes of the figures, in points.
const (
	squareSize  = 6 * vg.Inch   // one 2-D plot
	panelSize   = 3.2 * vg.Inch // one cell of a grid of fields
	imageSize   = 4 * vg.Inch   // one cell of ImageAndHistogram
	lossW       = 7 * vg.Inch
	lossH       = 4.5 * vg.Inch
	nLevels     = 12   // about how many contour levels to draw
	maxMarkers  = 2000 // paths longer than this are drawn without dots
	contourLine = 1.2  // contour line width in points
)

// LogDensityField is the blog post's Figure 1: contour lines of log p, coloured
// from dark (low) to bright (high) with a colour bar, under the score
// ∇ log p drawn as black arrows, the longest one grid step long. logp and
// score may be on different grids; both are in space.
func LogDensityField(logp Grid, score Field, space Space, title string) (*Chart, error) {
	if err := logp.check(); err != nil {
		return nil, fmt.Errorf("log density: %w", err)
	}
	if err := score.check(); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	p := newPlot(title, space)
	con, cm := contours(gridXYZ{logp, space})
	if con != nil {
		p.Add(con)
	}
	p.Add(newQuiver(fieldXY{score, space}))
	f := &Chart{Plot: p, W: squareSize + colorBarWidth, H: squareSize, Square: true}
	if cm != nil {
		f.ColorBar = colorBar(cm, "log p")
	}
	return f, nil
}

// contours returns the contour plotter of g at round levels with its
// colour map, or nils when g is constant.
func contours(g plotter.GridXYZ) (*plotter.Contour, *ramp) {
	lo, hi := math.Inf(1), math.Inf(-1)
	c, r := g.Dims()
	for i := range c {
		for j := range r {
			if z := g.Z(i, j); !math.IsNaN(z) && !math.IsInf(z, 0) {
				lo, hi = math.Min(lo, z), math.Max(hi, z)
			}
		}
	}
	l := levels(lo, hi, nLevels)
	if len(l) == 0 {
		return nil, nil
	}
	cm := viridis(l[0], l[len(l)-1])
	con := plotter.NewContour(g, l, cm.Palette(256))
	con.Min, con.Max = lo, hi
	con.LineStyles = []draw.LineStyle{{Width: contourLine}}
	return con, cm
}

// colorBar returns a vertical colour bar of cm labelled label.
func colorBar(cm *ramp, label string) *gplot.Plot {
	p := gplot.New()
	bar := &plotter.ColorBar{ColorMap: cm, Vertical: true}
	if cm.min == cm.max {
		wide := *cm
		wide.min, wide.max = cm.min-0.5, cm.max+0.5
		bar.ColorMap = &wide
	}
	p.Add(bar, frame{})
	p.HideX()
	p.Y.Label.Text = label
	p.Y.Label.TextStyle.Font.Size = 12
	p.Y.Tick.Label.Font.Size = 10
	p.Y.Padding = 0
	return p
}

// frame outlines the data area, so that the white end of a gray colour
// bar stands out from the page.
type frame struct{}

func (frame) Plot(c draw.Canvas, _ *gplot.Plot) {
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 0x60}, Width: 0.5}, c.ClipLinesXY(rectangle(c.Rectangle))...)
}

func rectangle(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min}
}

// DensityPath is the blog post's Figure 2: contours of the density p,
// with a colour bar, and a particle's path drawn over them as a line
// through small dots, its start marked by a green square and its end by a
// red dot. path holds the particle's positions in order, flat row-major
// ({x0, y0, x1, y1, ...}); paths of more than 2000 positions are drawn
// without dots. The figure shows p's grid: a path that leaves it leaves
// the frame, and the title then ends in "(leaves the box)".
func DensityPath(p Grid, path []float64, space Space, title string) (*Chart, error) {
	pl, cm, err := densityContours(p, path, space, title)
	if err != nil {
		return nil, err
	}
	xys := space.points(path)
	view := Box{Min: [2]float64{pl.X.Min, pl.Y.Min}, Max: [2]float64{pl.X.Max, pl.Y.Max}}
	pl.Add(pathPlotters(xys, view, len(xys) <= maxMarkers)...)
	for _, m := range []struct {
		name  string
		at    int // index into xys
		style draw.GlyphStyle
	}{{"start", 0, startDot}, {"end", len(xys) - 1, headDot}} {
		if m.at < 0 || !view.Contains(xys[m.at].X, xys[m.at].Y) {
			continue
		}
		s := &plotter.Scatter{XYs: xys[m.at : m.at+1], GlyphStyle: m.style}
		pl.Add(s)
		pl.Legend.Add(m.name, s)
	}
	pl.Legend.XOffs, pl.Legend.YOffs = -vg.Points(4), vg.Points(4)   // bottom right
	setRange(pl, view.Min[0], view.Max[0], view.Min[1], view.Max[1]) // the dots widened the axes
	f := &Chart{Plot: pl, W: squareSize + colorBarWidth, H: squareSize, Square: true}
	if cm != nil {
		f.ColorBar = colorBar(cm, "p")
	}
	return f, nil
}

// densityPlot returns the contours of p with the axes covering p's grid,
// for DensityPath and its animation. The title ends in "(leaves the box)"
// when a point of path lies outside the grid or is not finite.
func densityPlot(p Grid, path []float64, space Space, title string) (*gplot.Plot, error) {
	pl, _, err := densityContours(p, path, space, title)
	return pl, err
}

// densityContours is densityPlot that returns the contours' colour map
// too, nil when p is constant.
func densityContours(p Grid, path []float64, space Space, title string) (*gplot.Plot, *ramp, error) {
	if err := p.check(); err != nil {
		return nil, nil, fmt.Errorf("density: %w", err)
	}
	checkPoints("path", path)
	box := Box{
		Min: [2]float64{p.X[0], p.Y[0]},
		Max: [2]float64{p.X[len(p.X)-1], p.Y[len(p.Y)-1]},
	}
	if box.Count(path) < len(path)/2 {
		title = withNote(title, "(leaves the box)")
	}
	pl := newPlot(title, space)
	con, cm := contours(gridXYZ{p, space})
	if con != nil {
		pl.Add(con)
	}
	showBox(pl, space, box)
	return pl, cm, nil
}

// pathStyle is the line and dots of a particle's path.
var (
	pathLine = draw.LineStyle{Color: blue, Width: 1}
	pathDot  = draw.GlyphStyle{Color: blue, Radius: 1.6, Shape: draw.CircleGlyph{}}
	headDot  = draw.GlyphStyle{Color: red, Radius: 4, Shape: draw.CircleGlyph{}}
	startDot = draw.GlyphStyle{Color: green, Radius: 4, Shape: draw.BoxGlyph{}}
)

// pathPlotters returns the path xys as lines through its points, clipped
// to the page rectangle view, and, with markers, a dot on each point.
func pathPlotters(xys plotter.XYs, view Box, markers bool) []gplot.Plotter {
	var ps []gplot.Plotter
	for _, l := range clipLines(xys, view) {
		ps = append(ps, &plotter.Line{XYs: l, LineStyle: pathLine})
	}
	if markers {
		ps = append(ps, &plotter.Scatter{XYs: xys, GlyphStyle: pathDot})
	}
	return ps
}

// Histogram2D is the blog post's last figure: a 2-D histogram of points in
// gray, black for empty bins and white for the fullest, with bins×bins
// equal bins covering box and a colour bar of the count per bin. Points
// outside box are not counted. samples are flat row-major points in space;
// in ImageSpace box is usually UnitSquare and the histogram stands upright
// like the image it was drawn from.
func Histogram2D(samples []float64, bins int, box Box, space Space, title string) (*Chart, error) {
	p, bar, err := histogramPlot(samples, bins, bins, box, space, title)
	if err != nil {
		return nil, err
	}
	return &Chart{Plot: p, ColorBar: bar, W: squareSize + colorBarWidth, H: squareSize, Square: true}, nil
}

// histogramPlot returns the histogram's plot and its colour bar.
func histogramPlot(samples []float64, nb0, nb1 int, box Box, space Space, title string) (p, bar *gplot.Plot, err error) {
	checkPoints("samples", samples)
	if nb0 < 1 || nb1 < 1 {
		return nil, nil, fmt.Errorf("histogram needs at least 1 bin per axis, got %d×%d", nb0, nb1)
	}
	for k := range 2 {
		if !(box.Max[k] > box.Min[k]) || math.IsInf(box.Max[k]-box.Min[k], 0) {
			return nil, nil, fmt.Errorf("histogram box [%v, %v] along coordinate %d is empty or infinite", box.Min[k], box.Max[k], k)
		}
	}
	p = newPlot(title, space)
	h := grayMap(gridXYZ{histogram(samples, box, nb0, nb1), space})
	p.Add(h)
	showBox(p, space, box)
	bar = h.colorBar("samples per bin")
	bar.Y.Tick.Marker = countTicks{}
	return p, bar, nil
}

// countTicks labels an axis of counts as gplot.DefaultTicks does, but at
// whole numbers only, as %d, and at every whole tick when the counts span
// at most 10.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []gplot.Tick {
	ts := gplot.DefaultTicks{}.Ticks(min, max)
	for k := range ts {
		if ts[k].Label == "" && max-min > 10 {
			continue
		}
		if v := ts[k].Value; v == math.Trunc(v) {
			ts[k].Label = fmt.Sprintf("%d", int64(v))
		} else {
			ts[k].Label = ""
		}
	}
	return ts
}

// histogram counts the points of samples in each of nb0×nb1 equal bins of
// box, nb0 along the first coordinate; points on the upper edge of box
// count in the last bin. The Grid holds the bin centres.
func histogram(samples []float64, box Box, nb0, nb1 int) Grid {
	g := Grid{X: make([]float64, nb0), Y: make([]float64, nb1), Z: make([]float64, nb0*nb1)}
	w0 := (box.Max[0] - box.Min[0]) / float64(nb0)
	w1 := (box.Max[1] - box.Min[1]) / float64(nb1)
	for i := range g.X {
		g.X[i] = box.Min[0] + (float64(i)+0.5)*w0
	}
	for j := range g.Y {
		g.Y[j] = box.Min[1] + (float64(j)+0.5)*w1
	}
	for k := 0; k+1 < len(samples); k += 2 {
		if !box.Contains(samples[k], samples[k+1]) {
			continue
		}
		i := min(int((samples[k]-box.Min[0])/w0), nb0-1)
		j := min(int((samples[k+1]-box.Min[1])/w1), nb1-1)
		g.Z[j*nb0+i]++
	}
	return g
}

// grayMap returns a heat map of g in gray, black at its smallest value and
// white at its largest, with sharp cells.
func grayMap(g plotter.GridXYZ) sharpHeatMap { return heatMap(g, gray(0, 1)) }

// faintGray runs from white to light gray, for an image under arrows.
var faintGray = &ramp{stops: []color.NRGBA{{0xff, 0xff, 0xff, 0xff}, {0xb8, 0xb8, 0xb8, 0xff}}, max: 1, alpha: 1}

// heatMap returns a heat map of g in the colours of cm, its first stop at
// g's smallest value and its last at the largest, with sharp cells.
func heatMap(g plotter.GridXYZ, cm *ramp) sharpHeatMap {
	h := plotter.NewHeatMap(g, cm.Palette(256))
	if !(h.Max > h.Min) {
		h.Max = h.Min + 1
	}
	h.Underflow, h.Overflow = h.Palette.Colors()[0], h.Palette.Colors()[255]
	return sharpHeatMap{h}
}

// colorBar returns the colour bar of a grayMap h labelled label.
func (h sharpHeatMap) colorBar(label string) *gplot.Plot {
	return colorBar(gray(h.Min, h.Max), label)
}

// sharpHeatMap draws a heat map on a uniform grid as an image, like
// HeatMap.Rasterized, but enlarged first so that the canvas's smooth
// resampling leaves the cells' edges sharp, as matplotlib's imshow and
// hist2d show them.
type sharpHeatMap struct{ *plotter.HeatMap }

func (h sharpHeatMap) Plot(c draw.Canvas, plt *gplot.Plot) {
	cols, rows := h.GridXYZ.Dims()
	// Make each cell k pixels square, k large enough for the image to be
	// at least twice the size of the canvas at DPI.
	side := float64(max(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)/vg.Inch) * DPI
	k := max(1, int(math.Ceil(2*side/float64(min(cols, rows)))))
	k = max(1, min(k, 4096/max(cols, rows)))
	img := image.NewRGBA(image.Rect(0, 0, cols*k, rows*k))
	pal := h.Palette.Colors()
	ps := float64(len(pal)-1) / (h.Max - h.Min)
	for i := range cols {
		for j := range rows {
			var col color.Color
			switch v := h.GridXYZ.Z(i, j); {
			case math.IsNaN(v):
				col = h.NaN
			case v < h.Min:
				col = h.Underflow
			case v > h.Max:
				col = h.Overflow
			default:
				col = pal[int((v-h.Min)*ps+0.5)]
			}
			if col == nil {
				continue
			}
			cell := image.Rect(i*k, (rows-1-j)*k, (i+1)*k, (rows-j)*k)
			stddraw.Draw(img, cell, image.NewUniform(col), image.Point{}, stddraw.Src)
		}
	}
	xmin, xmax, ymin, ymax := h.DataRange()
	plotter.NewImage(img, xmin, ymin, xmax, ymax).Plot(c, plt)
}

// ImageAndHistogram draws an image beside a 2-D histogram of draws from
// the distribution it defines, both in gray and upright, each with a
// colour bar: of the pixel values and of the draws per bin. img is an image
// in ImageSpace, as from ImageGrid; samples are flat row-major (row,
// column) points in its coordinates. The histogram covers the image's
// pixels with bins×bins bins; bins <= 0 gives one bin per pixel.
func ImageAndHistogram(img Grid, samples []float64, bins int, title string) (*Panels, error) {
	if err := img.check(); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	left := newPlot("image", ImageSpace)
	pix := grayMap(gridXYZ{img, ImageSpace})
	left.Add(pix)
	box := extent(img.X, img.Y)
	showBox(left, ImageSpace, box)
	nb0, nb1 := bins, bins
	if bins <= 0 {
		nb0, nb1 = len(img.X), len(img.Y)
	}
	right, bar, err := histogramPlot(samples, nb0, nb1, box, ImageSpace, fmt.Sprintf("%d draws", len(samples)/2))
	if err != nil {
		return nil, err
	}
	for _, p := range []*gplot.Plot{left, right} {
		p.Title.TextStyle.Font.Size = 12
	}
	return &Panels{
		Plots:     [][]*gplot.Plot{{left, right}},
		ColorBars: [][]*gplot.Plot{{pix.colorBar("pixel value"), bar}},
		Square:    true,
		Title:     title, PanelW: imageSize + colorBarWidth, PanelH: imageSize,
	}, nil
}

// FieldOptions configures FieldPanels. The zero value draws the fields in
// Cartesian space in 3 columns with no titles and nothing under them.
type FieldOptions struct {
	// Titles is nil or has one title per field, such as "level 17:
	// σ=0.0221".
	Titles []string
	// Cols is the number of columns, filled row by row; 0 means 3.
	Cols int
	// Space is the space of the fields and of Under.
	Space Space
	// Under, if not nil, is drawn faintly under the arrows of every
	// panel, from white at its smallest value to light gray at its
	// largest: the image whose score the fields are.
	Under *Grid
}

// FieldPanels is the blog post's Figure 3: one quiver plot per field, in a
// grid of panels. Each panel scales its own arrows, the longest one cell
// long, and says under its title how long that arrow is: "longest arrow
// |s| = 12.5". Titles of another length than fields panic (the caller's
// error).
func FieldPanels(fields []Field, opts FieldOptions) (*Panels, error) {
	if len(fields) == 0 {
		return nil, fmt.Errorf("no fields to draw")
	}
	if opts.Titles != nil && len(opts.Titles) != len(fields) {
		panic(fmt.Sprintf("plot: FieldPanels: %d titles for %d fields", len(opts.Titles), len(fields)))
	}
	cols := opts.Cols
	if cols == 0 {
		cols = 3
	}
	if cols < 1 {
		return nil, fmt.Errorf("panel grid needs at least 1 column, got %d", cols)
	}
	var under *sharpHeatMap
	if opts.Under != nil {
		if err := opts.Under.check(); err != nil {
			return nil, fmt.Errorf("image under the fields: %w", err)
		}
		h := heatMap(gridXYZ{*opts.Under, opts.Space}, faintGray)
		under = &h
	}
	cols = min(cols, len(fields))
	rows := (len(fields) + cols - 1) / cols
	plots := make([][]*gplot.Plot, rows)
	for j := range plots {
		plots[j] = make([]*gplot.Plot, cols)
	}
	for k, f := range fields {
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("field %d: %w", k, err)
		}
		q := newQuiver(fieldXY{f, opts.Space})
		title := fmt.Sprintf("longest arrow |s| = %v", roundSigN(q.max, 3))
		if opts.Titles != nil {
			title = opts.Titles[k] + "\n" + title
		}
		p := newPlot(title, opts.Space)
		p.Title.TextStyle.Font.Size = 11
		p.Title.Padding = 4
		for _, a := range []*gplot.Axis{&p.X, &p.Y} {
			a.Label.TextStyle.Font.Size = 9
			a.Tick.Label.Font.Size = 8
		}
		if under != nil {
			p.Add(under)
		}
		p.Add(q)
		plots[k/cols][k%cols] = p
	}
	return &Panels{Plots: plots, PanelW: panelSize, PanelH: panelSize + 12}, nil
}

// newChartPlot returns a plot with a title and labelled axes, in the
// style of LossCurve and Curves.
func newChartPlot(title, xLabel, yLabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 14
	p.Title.Padding = 6
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 12
		a.Tick.Label.Font.Size = 10
	}
	return p
}

// Series is one named curve of a Curves chart.
type Series struct {
	Name string
	X, Y []float64
}

// Mark is a dashed reference line across a Curves chart, named in its
// legend: vertical at x = At when Vertical, horizontal at y = At
// otherwise.
//
// A horizontal Mark that is a Floor, a value the curves approach from
// above (the noise floor of a distance), bounds the y-axis: on a
// logarithmic axis it shows at most FloorDecades decades above the floor,
// where the curves' interest lies; the parts of curves above are cut at
// the top of the axis and the title says how many points are beyond it.
type Mark struct {
	Name     string
	Vertical bool
	At       float64
	Floor    bool
}

// FloorDecades is how many decades above a Floor mark a Curves chart's
// logarithmic y-axis shows at most: a sampler whose distance is 100 times
// the noise floor has failed, and how badly does not need the space.
// Without the bound a diverged run at 1e6 squeezed the curves near a
// floor of 0.4 into a sliver of an axis of 8 decades.
const FloorDecades = 2

// Curves draws lines with dots through each series on log-log axes (each
// axis logarithmic where every value drawn on it is positive, linear
// otherwise), such as the score error of a trained network against the
// noise level, and a dashed line for each mark, such as a tolerance; the
// axes reach the marks. Points with a NaN or infinite coordinate are left
// out, and the title says how many; it is an error if none is left, or if
// a mark is not finite. An axis whose values are all the same shows them
// across its middle. A series whose X and Y differ in length panics (the
// caller's error).
func Curves(series []Series, xLabel, yLabel, title string, marks ...Mark) (*Chart, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("no series to draw")
	}
	p := newChartPlot(title, xLabel, yLabel)
	colours := []color.Color{blue, orange, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}} // tab10: + purple, brown for 6 samplers
	p.Add(plotter.NewGrid())
	var all plotter.XYs
	dropped := 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			panic(fmt.Sprintf("plot: Curves: series %q: %d x values for %d y values", s.Name, len(s.X), len(s.Y)))
		}
		if len(s.X) == 0 {
			return nil, fmt.Errorf("series %q: no points", s.Name)
		}
		xys, n := finiteXYs(s.X, s.Y)
		dropped += n
		all = append(all, xys...)
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		c := colours[i%len(colours)]
		line.LineStyle.Color, line.LineStyle.Width = c, 1.5
		points.Color, points.Shape = c, draw.CircleGlyph{}
		p.Add(line, points)
		if s.Name != "" {
			p.Legend.Add(s.Name, line, points)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no finite point to draw: %d NaN or infinite", dropped)
	}
	xmin, xmax, ymin, ymax := plotter.XYRange(all)
	curvesMin := ymin
	above, top := 0, math.Inf(1)
	for _, m := range marks {
		if m.Floor && !m.Vertical && m.At > 0 && ymin > 0 {
			top = math.Min(top, m.At*math.Pow(10, FloorDecades))
		}
	}
	if ymax > top {
		for _, q := range all {
			if q.Y > top {
				above++
			}
		}
		ymax = math.Max(top, math.Max(ymin, curvesMin))
	}
	note := leftOutNote(dropped, "point", "points")
	if above > 0 {
		what := "points"
		if above == 1 {
			what = "point"
		}
		note = withNote(note, fmt.Sprintf("(%d %s above %.3g, %d decades over the floor, cut off)", above, what, top, FloorDecades))
	}
	p.Title.Text = withNote(title, note)
	for i, m := range marks {
		if !finite(m.At) {
			return nil, fmt.Errorf("mark %q at %v is not finite", m.Name, m.At)
		}
		r := rule{Mark: m, style: draw.LineStyle{Color: markColours[i%len(markColours)], Width: 1.5, Dashes: []vg.Length{6, 3}}}
		p.Add(r)
		if m.Name != "" {
			p.Legend.Add(m.Name, r)
		}
		if m.Vertical {
			xmin, xmax = math.Min(xmin, m.At), math.Max(xmax, m.At)
		} else {
			ymin, ymax = math.Min(ymin, m.At), math.Max(ymax, m.At)
		}
	}
	useLogScale(&p.X, xmin, xmax)
	logY := useLogScale(&p.Y, ymin, ymax)
	if above > 0 && logY {
		p.Y.Max = ymax // gplot would reach the points beyond
	}
	if ymin < curvesMin && ymax > ymin {
		// A mark below the curves is the bottom of the axis: lift it off
		// the axis line by 4% of the axis.
		if logY {
			p.Y.Min = ymin / math.Pow(ymax/ymin, 0.04)
		} else {
			p.Y.Min = ymin - 0.04*(ymax-ymin)
		}
	}
	// Top left, above the curves: score errors and similar curves start
	// high on the left and fall to the right. Curves that approach a floor
	// are near it on the right, under a legend in the top right corner:
	// there it needs no room above the curves, which on a log axis cost
	// the plot a decade or more of empty space.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	if top < math.Inf(1) {
		p.Legend.Left, p.Legend.XOffs = false, -vg.Points(8)
		return &Chart{Plot: p, W: lossW, H: lossH}, nil
	}
	makeRoom(&p.Y, ymax, 0.08*float64(len(series)+len(marks)))
	return &Chart{Plot: p, W: lossW, H: lossH}, nil
}

// markColours are the colours of Curves' marks: gray, then red.
var markColours = []color.Color{color.Gray{Y: 0x70}, red}

// rule draws a Mark across the data area.
type rule struct {
	Mark
	style draw.LineStyle
}

func (r rule) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	var a, b vg.Point
	if r.Vertical {
		x := trX(r.At)
		a, b = vg.Point{X: x, Y: c.Min.Y}, vg.Point{X: x, Y: c.Max.Y}
	} else {
		y := trY(r.At)
		a, b = vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y}
	}
	c.StrokeLines(r.style, c.ClipLinesXY([]vg.Point{a, b})...)
}

// DataRange implements gplot.DataRanger: the mark's value on its axis,
// nothing on the other.
func (r rule) DataRange() (xmin, xmax, ymin, ymax float64) {
	inf := math.Inf(1)
	if r.Vertical {
		return r.At, r.At, inf, -inf
	}
	return inf, -inf, r.At, r.At
}

// Thumbnail implements gplot.Thumbnailer: a short dashed line.
func (r rule) Thumbnail(c *draw.Canvas) { lineThumbnail(c, r.style) }

// lineThumbnail draws a legend's sample line across c.
func lineThumbnail(c *draw.Canvas, sty draw.LineStyle) {
	y := c.Center().Y
	c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
}
