package plot

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"github.com/sgm-dev/sgm/internal/atomicfile"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of raster output: PNG, JPEG and animation frames.
const DPI = 96

// Figure is a drawing with a natural size: a Chart or a Panels grid.
type Figure interface {
	// Draw draws the figure filling c.
	Draw(c draw.Canvas)
	// Size returns the size the figure is saved at.
	Size() (w, h vg.Length)
}

// Chart is one gonum plot, optionally with a colour bar to its right.
type Chart struct {
	Plot *gplot.Plot
	// ColorBar, if not nil, is drawn in a narrow strip to the right of
	// Plot with its data area level with Plot's.
	ColorBar *gplot.Plot
	// W and H are the size the chart is saved at.
	W, H vg.Length
	// Square narrows or shortens the chart so that the plot's data area
	// is square, for 2-D spaces drawn at equal scale on both axes.
	Square bool
}

// Size implements Figure.
func (f *Chart) Size() (w, h vg.Length) { return f.W, f.H }

// colorBarWidth is the width of the strip holding a colour bar, its tick
// labels and its axis label.
const colorBarWidth = 1.1 * vg.Inch

// Draw implements Figure.
func (f *Chart) Draw(c draw.Canvas) {
	fill(c, color.White)
	main, bar := f.layout(c)
	f.Plot.Draw(main)
	if f.ColorBar != nil {
		f.ColorBar.Draw(bar)
	}
}

// layout returns the canvases of the plot and of the colour bar in c.
func (f *Chart) layout(c draw.Canvas) (main, bar draw.Canvas) {
	main = c
	if f.ColorBar != nil {
		main.Max.X -= colorBarWidth
	}
	if f.Square {
		d := f.Plot.DataCanvas(main)
		w, h := d.Max.X-d.Min.X, d.Max.Y-d.Min.Y
		switch {
		case w > h:
			shift := (w - h) / 2
			main.Min.X += shift
			main.Max.X -= shift
		case h > w:
			main.Max.Y -= h - w // keep the title close to the data
		}
	}
	if f.ColorBar == nil {
		return main, bar
	}
	bar = c
	bar.Min.X = main.Max.X + 0.1*vg.Inch
	bar.Max.X = bar.Min.X + colorBarWidth - 0.35*vg.Inch
	d := f.Plot.DataCanvas(main)
	b := f.ColorBar.DataCanvas(bar)
	bar.Min.Y += d.Min.Y - b.Min.Y
	bar.Max.Y += d.Max.Y - b.Max.Y
	return main, bar
}

// Panels is a grid of plots on one canvas, their data areas aligned with
// gplot.Align, under an optional overall title.
type Panels struct {
	// Plots[row][col] is the plot in that cell; nil leaves it empty. All
	// rows have the same length.
	Plots [][]*gplot.Plot
	// ColorBars is nil or has the shape of Plots: ColorBars[row][col],
	// when not nil, is drawn to the right of its plot as Chart draws its
	// ColorBar, within the cell.
	ColorBars [][]*gplot.Plot
	// Square narrows or shortens each plot with a colour bar so that its
	// data area is square, as Chart.Square.
	Square bool
	// Title is drawn above the grid when not empty.
	Title string
	// PanelW and PanelH are the size of each cell.
	PanelW, PanelH vg.Length
}

// panelsTitleSize is the font size of a Panels title in points.
const panelsTitleSize = 15

func (f *Panels) titleStyle() text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(gplot.DefaultFont, panelsTitleSize),
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: gplot.DefaultTextHandler,
	}
}

// titleHeight is the height the title takes, padding included.
func (f *Panels) titleHeight() vg.Length {
	if f.Title == "" {
		return 0
	}
	return f.titleStyle().Rectangle(f.Title).Size().Y + 8
}

// Size implements Figure.
func (f *Panels) Size() (w, h vg.Length) {
	cols := 0
	if len(f.Plots) > 0 {
		cols = len(f.Plots[0])
	}
	return vg.Length(cols) * f.PanelW, vg.Length(len(f.Plots))*f.PanelH + f.titleHeight()
}

// Draw implements Figure.
func (f *Panels) Draw(c draw.Canvas) {
	fill(c, color.White)
	if len(f.Plots) == 0 || len(f.Plots[0]) == 0 {
		return
	}
	if f.Title != "" {
		c.FillText(f.titleStyle(), vg.Point{X: c.Center().X, Y: c.Max.Y - 4}, f.Title)
	}
	plots, bars := f.layout(c)
	for j, row := range f.Plots {
		for i, p := range row {
			if p != nil {
				p.Draw(plots[j][i])
			}
			if f.ColorBars != nil && f.ColorBars[j][i] != nil {
				f.ColorBars[j][i].Draw(bars[j][i])
			}
		}
	}
}

// layout returns the canvases of each panel's plot and colour bar in c,
// below the title.
func (f *Panels) layout(c draw.Canvas) (plots, bars [][]draw.Canvas) {
	plots = f.align(c)
	bars = make([][]draw.Canvas, len(plots))
	for j, row := range plots {
		bars[j] = make([]draw.Canvas, len(row))
		for i := range row {
			if f.Plots[j][i] != nil && f.ColorBars != nil && f.ColorBars[j][i] != nil {
				cell := Chart{Plot: f.Plots[j][i], ColorBar: f.ColorBars[j][i], Square: f.Square}
				plots[j][i], bars[j][i] = cell.layout(plots[j][i])
			}
		}
	}
	return plots, bars
}

// align returns the canvas of each cell in c, below the title, with the
// plots' data areas aligned.
func (f *Panels) align(c draw.Canvas) [][]draw.Canvas {
	c.Max.Y -= f.titleHeight()
	tiles := draw.Tiles{
		Rows: len(f.Plots), Cols: len(f.Plots[0]),
		PadX: 0.15 * vg.Inch, PadY: 0.15 * vg.Inch,
		PadTop: 0.05 * vg.Inch, PadBottom: 0.05 * vg.Inch,
		PadLeft: 0.05 * vg.Inch, PadRight: 0.15 * vg.Inch,
	}
	return gplot.Align(f.Plots, tiles, c)
}

func fill(c draw.Canvas, col color.Color) {
	c.SetColor(col)
	c.Fill(c.Rectangle.Path())
}

// Save writes fig to path at its natural size in the format named by the
// path's extension: .png, .jpg or .jpeg, .svg or .pdf. The file is written
// atomically: on error, path is left as it was. An unknown extension is an
// error naming the path.
func Save(fig Figure, path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if !knownFormat(format) {
		return fmt.Errorf("save %s: unknown image format %q: use .png, .jpg, .svg or .pdf", path, filepath.Ext(path))
	}
	return atomicfile.Write(path, func(w io.Writer) error { return Encode(w, fig, format) })
}

func knownFormat(format string) bool {
	switch format {
	case "png", "jpg", "jpeg", "svg", "pdf":
		return true
	}
	return false
}

// Encode writes fig at its natural size to w in format: "png", "jpg"
// (or "jpeg"), "svg" or "pdf". It refuses a figure with an axis whose
// width is not a finite float64 (checkAxisWidths).
func Encode(w io.Writer, fig Figure, format string) error {
	width, height := fig.Size()
	if !(width > 0 && height > 0) {
		return fmt.Errorf("figure size %v×%v is not positive", width, height)
	}
	var c vg.CanvasWriterTo
	switch strings.ToLower(format) {
	case "png":
		c = vgimg.PngCanvas{Canvas: newImageCanvas(width, height)}
	case "jpg", "jpeg":
		c = vgimg.JpegCanvas{Canvas: newImageCanvas(width, height)}
	case "svg":
		c = vgsvg.New(width, height)
	case "pdf":
		c = vgpdf.New(width, height)
	default:
		return fmt.Errorf("unknown image format %q: use png, jpg, svg or pdf", format)
	}
	if err := checkAxisWidths(fig); err != nil {
		return err
	}
	fig.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// checkAxisWidths returns an error naming the first axis of fig's plots whose
// width, max - min, is not a finite float64 (data from -1e308 to 1e308):
// gonum/plot's tick search never returns on one (plot loss hung on losses
// of ±1e308), so such a figure is refused before it is drawn.
func checkAxisWidths(fig Figure) error {
	var plots []*gplot.Plot
	switch f := fig.(type) {
	case *Chart:
		plots = append(plots, f.Plot, f.ColorBar)
	case *Panels:
		for _, row := range f.Plots {
			plots = append(plots, row...)
		}
		for _, row := range f.ColorBars {
			plots = append(plots, row...)
		}
	}
	for _, p := range plots {
		if p == nil {
			continue
		}
		for _, a := range []struct {
			name string
			axis *gplot.Axis
		}{{"x", &p.X}, {"y", &p.Y}} {
			if w := a.axis.Max - a.axis.Min; !finite(w) {
				name := a.name
				if a.axis.Label.Text != "" {
					name = a.axis.Label.Text
				}
				return fmt.Errorf("the %s axis would span %g to %g, a width beyond the largest float64: too wide to draw", name, a.axis.Min, a.axis.Max)
			}
		}
	}
	return nil
}

func newImageCanvas(w, h vg.Length) *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
}
