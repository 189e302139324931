package plot

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/ from the figures drawn")

// Golden comparison, in the spirit of gonum/plot's cmpimg.CheckPlotApprox:
// two pixels match when their difference in the NTSC YIQ colour space
// (Kotsarenko and Ramos, as cmpimg measures it) is at most goldenDelta of
// that of black and white, and a figure matches when all but goldenSlack
// of its pixels do. Rasterisation is deterministic for one Go and gonum
// version; the slack absorbs last-bit differences of math functions
// across architectures that tip a few antialiased pixels, and is smaller
// than a change to a figure's content: the end marker of the path drawn
// 1 point larger changes 164 pixels.
const (
	goldenDelta = 0.05
	goldenSlack = 16 // pixels
)

// checkGolden compares fig, drawn as PNG, with testdata/name, or with
// -update writes it there.
func checkGolden(t *testing.T, fig Figure, name string) {
	t.Helper()
	var got bytes.Buffer
	if err := Encode(&got, fig, "png"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: write it with go test ./plot -run %s -update, and look at it", err, t.Name())
	}
	want, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	img, err := png.Decode(bytes.NewReader(got.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	bad, n := differentPixels(img, want)
	if bad < 0 || bad > goldenSlack {
		out := filepath.Join(os.TempDir(), "sgm-golden-"+name)
		if err := os.WriteFile(out, got.Bytes(), 0o644); err != nil {
			t.Log(err)
		}
		if bad < 0 {
			t.Errorf("%s: drawn %v, golden %v; the figure drawn is %s", path, img.Bounds(), want.Bounds(), out)
			return
		}
		t.Errorf("%s: %d of %d pixels differ (at most %d may); the figure drawn is %s", path, bad, n, goldenSlack, out)
	}
}

// differentPixels returns how many pixels of a and b differ by more than
// goldenDelta, and how many there are; -1 when their sizes differ.
func differentPixels(a, b image.Image) (bad, n int) {
	if a.Bounds() != b.Bounds() {
		return -1, 0
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if yiqDistance(a.At(x, y), b.At(x, y)) > goldenDelta {
				bad++
			}
		}
	}
	return bad, r.Dx() * r.Dy()
}

// yiqDistance returns the perceived difference of two colours as a
// fraction of that of black and white: the square root of the weighted
// squared difference in YIQ over its largest value, 35215, as in cmpimg.
func yiqDistance(c1, c2 color.Color) float64 {
	yiq := func(c color.Color) (y, i, q float64) {
		r, g, b, _ := c.RGBA()
		R, G, B := float64(r>>8), float64(g>>8), float64(b>>8)
		return R*0.29889531 + G*0.58662247 + B*0.11448223,
			R*0.59597799 - G*0.27417610 - B*0.32180189,
			R*0.21147017 - G*0.52261711 + B*0.31114694
	}
	y1, i1, q1 := yiq(c1)
	y2, i2, q2 := yiq(c2)
	dy, di, dq := y1-y2, i1-i2, q1-q2
	return math.Sqrt((0.5053*dy*dy + 0.299*di*di + 0.1957*dq*dq) / 35215)
}

// TestGolden draws three figures from fixed inputs and compares them with
// the golden images in testdata/, which were looked at when written.
func TestGolden(t *testing.T) {
	t.Run("density path", func(t *testing.T) {
		fig, err := DensityPath(mixGrid(-1.5, 1.5, 100, true), langevin(200), Cartesian, "Langevin path, 200 steps of η=0.01")
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, fig, "density_path.png")
	})
	t.Run("score error", func(t *testing.T) {
		x := []float64{1e-4, 1e-3, 1e-2, 1e-1, 1}
		fig, err := Curves([]Series{
			{Name: "σ² E‖s(x, σ; θ) − s*(x, σ)‖²", X: x, Y: []float64{2, 1.9, 0.5, 0.02, 0.015}},
			{Name: "relative to σ² E‖s*(x, σ)‖²", X: x, Y: []float64{1, 1, 0.3, 0.05, 0.008}},
		}, "noise level σ", "score error", "score error per level",
			Mark{Name: "tolerance 0.1", At: 0.1}, Mark{Name: "level it picks", Vertical: true, At: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, fig, "score_error.png")
	})
	t.Run("mode weights", func(t *testing.T) {
		fig, err := GroupedBars([]string{"mode 1", "mode 2"}, []BarGroup{
			{Name: "plain Langevin", Values: []float64{0.5, 0.5}, Errors: []float64{0.008, 0.008}},
			{Name: "annealed Langevin", Values: []float64{0.21, 0.79}, Errors: []float64{0.0064, 0.0064}},
		}, []float64{0.2, 0.8}, "true weight", "share of the chains", "mode weights")
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, fig, "mode_weights.png")
	})
}
