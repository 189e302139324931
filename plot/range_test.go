package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	gplot "gonum.org/v1/plot"
)

// within runs f and fails the test if it has not returned after d, as a
// figure that loops on bad data would not.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still drawing after %v", d)
	}
}

// TestLossCurveDegenerate draws loss histories that gave gplot an empty
// log axis (a constant or a single loss) or no range at all (a NaN).
func TestLossCurveDegenerate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name        string
		steps, loss []float64
		log         bool   // want a log loss axis
		note        string // the title must end in this
	}{
		{"constant below 1", []float64{1, 2}, []float64{0.5, 0.5}, true, ""},
		{"one step", []float64{1}, []float64{0.5}, true, ""},
		{"one step above 1", []float64{1}, []float64{3}, true, ""},
		{"constant zero", []float64{1, 2, 3}, []float64{0, 0, 0}, false, ""},
		{"NaN loss", []float64{1, 2, 3}, []float64{0.5, nan, 0.4}, true, "(1 non-finite loss left out)"},
		{"infinite losses", []float64{1, 2, 3, 4}, []float64{inf, 0.5, -inf, 0.4}, true, "(2 non-finite losses left out)"},
		{"NaN step", []float64{1, nan, 3}, []float64{0.5, 0.45, 0.4}, true, "(1 non-finite loss left out)"},
		{"NaN then constant", []float64{1, 2, 3}, []float64{nan, 0.5, 0.5}, true, "(1 non-finite loss left out)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			within(t, 20*time.Second, func() {
				fig, err := LossCurve(tt.steps, tt.loss, 2, "loss")
				if err != nil {
					t.Error(err)
					return
				}
				if _, log := fig.Plot.Y.Scale.(gplot.LogScale); log != tt.log {
					t.Errorf("loss axis on %T, want a log scale: %v", fig.Plot.Y.Scale, tt.log)
				}
				if want := strings.TrimSpace("loss " + tt.note); fig.Plot.Title.Text != want {
					t.Errorf("title %q, want %q", fig.Plot.Title.Text, want)
				}
				readPNG(t, save(t, fig, "loss_"+strings.ReplaceAll(tt.name, " ", "_")+".png"), fig)
			})
		})
	}
	if _, err := LossCurve(nil, []float64{nan, inf}, 0, ""); err == nil {
		t.Error("losses none of which is finite drawn without an error")
	}
}

// TestCurvesDegenerate draws the score error of a model with one noise
// level, whose σ axis is a single value, and a curve with a NaN in it.
func TestCurvesDegenerate(t *testing.T) {
	one, err := Curves([]Series{
		{Name: "error", X: []float64{1e-4}, Y: []float64{1.9}},
		{Name: "relative", X: []float64{1e-4}, Y: []float64{1}},
	}, "σ", "score error", "one level")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := one.Plot.X.Scale.(gplot.LogScale); !ok {
		t.Errorf("one positive σ drawn on %T, want a log scale", one.Plot.X.Scale)
	}
	readPNG(t, save(t, one, "curves_one_level.png"), one)

	nan, err := Curves([]Series{{Name: "error", X: []float64{0.01, 0.1, 1}, Y: []float64{2, math.NaN(), 0.5}}}, "σ", "score error", "with a NaN")
	if err != nil {
		t.Fatal(err)
	}
	if want := "with a NaN (1 non-finite point left out)"; nan.Plot.Title.Text != want {
		t.Errorf("title %q, want %q", nan.Plot.Title.Text, want)
	}
	readPNG(t, save(t, nan, "curves_nan.png"), nan)
}

// TestDensityPathStaysInBox checks that a path leaving the density's grid,
// as far as a diverging chain goes, leaves the frame instead of widening
// it, and that the title says so.
func TestDensityPathStaysInBox(t *testing.T) {
	grid := mixGrid(-1.5, 1.5, 50, true)
	away := []float64{0, 0, 0.5, 0.2, 1.2, -0.4, 3, -1, -1e65, 2e65, 3e65, -4e65, math.NaN(), 0, 0.1, 0.1, -0.3, 0.6}
	fig, err := DensityPath(grid, away, Cartesian, "diverging")
	if err != nil {
		t.Fatal(err)
	}
	p := fig.Plot
	if p.X.Min != -1.5 || p.X.Max != 1.5 || p.Y.Min != -1.5 || p.Y.Max != 1.5 {
		t.Errorf("axes [%g, %g]×[%g, %g], want the grid's [-1.5, 1.5]²", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	if want := "diverging (leaves the box)"; p.Title.Text != want {
		t.Errorf("title %q, want %q", p.Title.Text, want)
	}
	var img *image.RGBA
	within(t, 30*time.Second, func() { img = readPNG(t, save(t, fig, "density_path_diverging.png"), fig) })
	main, _ := fig.layout(figureCanvas(fig))
	data := pixelRect(fig, p.DataCanvas(main))
	isBlue := func(c color.RGBA) bool { return c.B > 150 && c.R < 100 && c.G < 160 }
	if !anyPixel(img, data, isBlue) {
		t.Error("no path colour in the data area")
	}
	outside := 0
	b := img.Bounds()
	grown := data.Inset(-2) // antialiasing
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !(image.Point{X: x, Y: y}).In(grown) && isBlue(img.RGBAAt(x, y)) {
				outside++
			}
		}
	}
	if outside > 0 {
		t.Errorf("%d pixels of path colour outside the data area", outside)
	}

	inside, err := DensityPath(grid, []float64{0, 0, 0.5, 0.2, 1.5, -1.5}, Cartesian, "inside")
	if err != nil {
		t.Fatal(err)
	}
	if inside.Plot.Title.Text != "inside" {
		t.Errorf("a path inside the grid is titled %q, want %q", inside.Plot.Title.Text, "inside")
	}
}

// TestAnimationTitleFits checks that a title wider than the frames is set
// smaller rather than cut off at their edges.
func TestAnimationTitleFits(t *testing.T) {
	var buf bytes.Buffer
	title := "Langevin path on seed-mog, 200 steps of η=0.01 (leaves the box)"
	if err := AnimatePathGIF(&buf, mixGrid(-1.5, 1.5, 30, true), langevin(20), AnimOptions{Frames: 2, Title: title}); err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	frame := composite(anim)[0]
	b := frame.Bounds()
	for _, edge := range []image.Rectangle{
		image.Rect(b.Min.X, b.Min.Y, b.Min.X+3, b.Min.Y+25),
		image.Rect(b.Max.X-3, b.Min.Y, b.Max.X, b.Min.Y+25),
	} {
		if anyPixel(frame, edge, func(c color.RGBA) bool { return int(c.R)+int(c.G)+int(c.B) < 3*200 }) {
			t.Errorf("the title reaches the edge of the frame at %v", edge)
		}
	}
}

// TestAxisBeyondFloat64 checks figures whose data span more than the
// largest float64 (a loss of -1e308 beside one of 1e308; samples across
// ±1.7e308 beside a reference near 0): gonum/plot's tick search never
// returned on the loss curve, and the samples' panel was drawn empty
// without a word. Each is refused by Encode, naming the axis.
func TestAxisBeyondFloat64(t *testing.T) {
	loss, err := LossCurve([]float64{1, 2, 3}, []float64{1e308, -1e308, 1}, 1, "loss")
	if err != nil {
		t.Fatal(err)
	}
	ref := []float64{0, 0, 0.5, 1, -1, 0.25}
	far := []float64{-1.7e308, 1, 1.7e308, -1, 0, 0}
	samples, err := SamplesFigure([]PointSet{{Name: "reference", Points: ref}, {Name: "samples", Points: far}}, 2, SamplesOptions{I: 0, J: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fig  Figure
		want string
	}{
		{"loss", loss, "the loss axis would span -1e+308 to 1e+308, a width beyond the largest float64"},
		{"samples", samples, "axis would span -1.7e+308 to 1.7e+308, a width beyond the largest float64"},
	} {
		within(t, 20*time.Second, func() {
			err := Encode(io.Discard, tc.fig, "png")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
			}
		})
	}
}
