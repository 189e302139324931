package plot

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
	"gonum.org/v1/plot/vg"
)

// TestGroupedBars draws two groups over two categories and checks the bar
// heights, the error bars and the wanted values on the page.
func TestGroupedBars(t *testing.T) {
	groups := []BarGroup{
		{Name: "plain", Values: []float64{0.5, 0.5}, Errors: []float64{0.05, 0.05}},
		{Name: "annealed", Values: []float64{0.2, 0.8}, Errors: []float64{0.05, 0.05}},
	}
	fig, err := GroupedBars([]string{"mode 1", "mode 2"}, groups, []float64{0.2, 0.8}, "true weight", "share", "mode weights")
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, save(t, fig, "grouped_bars.png"), fig)
	main, _ := fig.layout(figureCanvas(fig))
	dc := fig.Plot.DataCanvas(main)
	trX, trY := fig.Plot.Transforms(&dc)
	_, h := pixels(fig)
	px := func(x vg.Length) int { return int(math.Round(float64(x/vg.Inch) * DPI)) }
	isBlue := func(c color.RGBA) bool { return c.B > 150 && c.R < 100 }
	isOrange := func(c color.RGBA) bool { return c.R > 200 && c.G > 100 && c.B < 60 }
	isBlack := func(c color.RGBA) bool { return c.R < 60 && c.G < 60 && c.B < 60 }
	// Mode 2: the blue bar (left of the centre) ends at 0.5, the orange
	// one (right of it) at 0.8 under the dashed true weight.
	x := trX(1)
	for _, tc := range []struct {
		name  string
		x     vg.Length
		y     float64
		match func(color.RGBA) bool
	}{
		{"blue bar below 0.5", x - 8, 0.45, isBlue},
		{"orange bar below 0.8", x + 8, 0.75, isOrange},
		{"error bar above the blue bar", x - 18, 0.54, isBlack},
		{"nothing above the blue error bar", x - 18, 0.6, func(c color.RGBA) bool { return !isBlue(c) && !isBlack(c) }},
	} {
		cx, cy := px(tc.x), h-px(trY(tc.y))
		if !anyPixel(img, image.Rect(cx-1, cy-1, cx+2, cy+2), tc.match) {
			t.Errorf("%s: not at pixel (%d, %d)", tc.name, cx, cy)
		}
	}
	// The true weight 0.8 dashed across mode 2's bars, beyond the error
	// bars: some black within ten pixels.
	cx, cy := px(x-30), h-px(trY(0.8))
	if !anyPixel(img, image.Rect(cx, cy-1, cx+10, cy+2), isBlack) {
		t.Errorf("no true-weight line at pixels (%d..%d, %d)", cx, cx+10, cy)
	}
	if fig.Plot.Y.Min != 0 || fig.Plot.Y.Max < 0.85 {
		t.Errorf("value axis from %v to %v, want 0 to above the largest error bar", fig.Plot.Y.Min, fig.Plot.Y.Max)
	}
	numtest.WantPanic(t, "plot: GroupedBars: ", func() {
		_, _ = GroupedBars([]string{"a", "b"}, []BarGroup{{Name: "short", Values: []float64{0.5}}}, nil, "", "", "")
	})
	numtest.WantPanic(t, "plot: GroupedBars: ", func() {
		_, _ = GroupedBars([]string{"a", "b"}, []BarGroup{{Name: "a", Values: []float64{0.5, 0.5}}}, []float64{1}, "", "", "")
	})
	for _, bad := range [][]BarGroup{
		{{Name: "NaN", Values: []float64{0.5, math.NaN()}}},
		{{Name: "negative error", Values: []float64{0.5, 0.5}, Errors: []float64{0.1, -0.1}}},
	} {
		if _, err := GroupedBars([]string{"a", "b"}, bad, nil, "", "", ""); err == nil {
			t.Errorf("group %q accepted", bad[0].Name)
		}
	}
}
