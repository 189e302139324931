package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The blog post's two-component Gaussian mixture: means ±(0.5, 0.5), standard
// deviation 0.4, equal weights.
const mixSD = 0.4

var mixMeans = [2][2]float64{{0.5, 0.5}, {-0.5, -0.5}}

// mixture returns log p and the score ∇ log p of the mixture at (x, y).
func mixture(x, y float64) (logp, sx, sy float64) {
	var w [2]float64
	for k, m := range mixMeans {
		dx, dy := x-m[0], y-m[1]
		w[k] = -(dx*dx + dy*dy) / (2 * mixSD * mixSD)
	}
	top := math.Max(w[0], w[1])
	e0, e1 := math.Exp(w[0]-top), math.Exp(w[1]-top)
	logp = top + math.Log(0.5*e0+0.5*e1) - math.Log(2*math.Pi*mixSD*mixSD)
	r0, r1 := e0/(e0+e1), e1/(e0+e1) // responsibilities
	sx = -(r0*(x-mixMeans[0][0]) + r1*(x-mixMeans[1][0])) / (mixSD * mixSD)
	sy = -(r0*(y-mixMeans[0][1]) + r1*(y-mixMeans[1][1])) / (mixSD * mixSD)
	return logp, sx, sy
}

func linspace(lo, hi float64, n int) []float64 {
	s := make([]float64, n)
	for k := range s {
		s[k] = lo + (hi-lo)*float64(k)/float64(n-1)
	}
	return s
}

// mixGrid returns log p (or p when exp) of the mixture on an n×n grid
// over [lo, hi]².
func mixGrid(lo, hi float64, n int, exp bool) Grid {
	g := Grid{X: linspace(lo, hi, n), Y: linspace(lo, hi, n), Z: make([]float64, n*n)}
	for j, y := range g.Y {
		for i, x := range g.X {
			l, _, _ := mixture(x, y)
			if exp {
				l = math.Exp(l)
			}
			g.Z[j*n+i] = l
		}
	}
	return g
}

func mixScore(lo, hi float64, n int) Field {
	f := Field{X: linspace(lo, hi, n), Y: linspace(lo, hi, n), U: make([]float64, n*n), V: make([]float64, n*n)}
	for j, y := range f.Y {
		for i, x := range f.X {
			_, f.U[j*n+i], f.V[j*n+i] = mixture(x, y)
		}
	}
	return f
}

// langevin runs the blog post's Langevin dynamics on the mixture: 200 steps of
// size 0.01 from x0 ~ N(0, 0.5²).
func langevin(steps int) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	const eta = 0.01
	x, y := 0.5*rng.NormFloat64(), 0.5*rng.NormFloat64()
	path := make([]float64, 0, 2*steps)
	for range steps {
		_, sx, sy := mixture(x, y)
		x += eta/2*sx + math.Sqrt(eta)*rng.NormFloat64()
		y += eta/2*sy + math.Sqrt(eta)*rng.NormFloat64()
		path = append(path, x, y)
	}
	return path
}

// letterL is a 28×28 image of the letter L: a bar down the left and a foot
// along the bottom, 1 on the letter and 0 elsewhere.
func letterL() (h, w int, pix []float64) {
	h, w = 28, 28
	pix = make([]float64, h*w)
	for r := 4; r < 24; r++ {
		for c := 6; c < 10; c++ {
			pix[r*w+c] = 1
		}
	}
	for r := 20; r < 24; r++ {
		for c := 6; c < 22; c++ {
			pix[r*w+c] = 1
		}
	}
	return h, w, pix
}

// drawImage returns n draws (row, col)/(h-1) from the distribution
// p(r, c) ∝ pix[r*w+c].
func drawImage(h, w int, pix []float64, n int, rng *rand.Rand) []float64 {
	var total float64
	for _, v := range pix {
		total += v
	}
	out := make([]float64, 0, 2*n)
	for range n {
		u := rng.Float64() * total
		k := 0
		for ; k < len(pix)-1; k++ {
			if u -= pix[k]; u < 0 {
				break
			}
		}
		out = append(out, float64(k/w)/float64(h-1), float64(k%w)/float64(w-1))
	}
	return out
}

// imageScore is the score at (row, col) of the image distribution smoothed
// by a Gaussian of standard deviation sigma, on an n×n grid of [0, 1]².
func imageScore(h, w int, pix []float64, sigma float64, n int) Field {
	f := Field{X: linspace(0, 1, n), Y: linspace(0, 1, n), U: make([]float64, n*n), V: make([]float64, n*n)}
	for j, c := range f.Y {
		for i, r := range f.X {
			var sw, su, sv float64
			top := math.Inf(-1)
			logs := make([]float64, len(pix))
			for k, v := range pix {
				if v == 0 {
					continue
				}
				dr, dc := float64(k/w)/float64(h-1)-r, float64(k%w)/float64(w-1)-c
				logs[k] = math.Log(v) - (dr*dr+dc*dc)/(2*sigma*sigma)
				top = math.Max(top, logs[k])
			}
			for k, v := range pix {
				if v == 0 {
					continue
				}
				e := math.Exp(logs[k] - top)
				sw += e
				su += e * (float64(k/w)/float64(h-1) - r)
				sv += e * (float64(k%w)/float64(w-1) - c)
			}
			f.U[j*n+i] = su / sw / (sigma * sigma)
			f.V[j*n+i] = sv / sw / (sigma * sigma)
		}
	}
	return f
}

// save writes fig as name into a temporary directory, and into
// $SGM_PLOT_OUT too when that is set, so the figures can be looked at.
func save(t *testing.T, fig Figure, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := Save(fig, path); err != nil {
		t.Fatalf("Save(%s): %v", name, err)
	}
	if dir := os.Getenv("SGM_PLOT_OUT"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Save(fig, filepath.Join(dir, name)); err != nil {
			t.Fatalf("Save(%s) to SGM_PLOT_OUT: %v", name, err)
		}
	}
	return path
}

// pixels returns the size of fig in pixels at DPI.
func pixels(fig Figure) (w, h int) {
	fw, fh := fig.Size()
	return int(float64(fw/vg.Inch)*DPI + 0.5), int(float64(fh/vg.Inch)*DPI + 0.5)
}

// readPNG decodes the PNG at path and checks that it has fig's size and is
// a picture: many colours, and something not white in the middle.
func readPNG(t *testing.T, path string, fig Figure) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	w, h := pixels(fig)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	// Antialiased lines and text alone give dozens of colours; a blank or
	// single-colour image gives one or two.
	if n := distinctColours(rgba, rgba.Bounds()); n < 20 {
		t.Errorf("%s has %d distinct colours, want at least 20", path, n)
	}
	b := rgba.Bounds()
	middle := image.Rect(b.Dx()/4, b.Dy()/4, 3*b.Dx()/4, 3*b.Dy()/4)
	if !anyPixel(rgba, middle, func(c color.RGBA) bool { return c != color.RGBA{255, 255, 255, 255} }) {
		t.Errorf("%s is white in its middle half", path)
	}
	return rgba
}

func distinctColours(img *image.RGBA, r image.Rectangle) int {
	seen := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			seen[img.RGBAAt(x, y)] = true
		}
	}
	return len(seen)
}

func anyPixel(img *image.RGBA, r image.Rectangle, f func(color.RGBA) bool) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if f(img.RGBAAt(x, y)) {
				return true
			}
		}
	}
	return false
}

// pixelRect returns the pixels of the canvas rectangle c in an image of fig.
func pixelRect(fig Figure, c draw.Canvas) image.Rectangle {
	_, h := pixels(fig)
	px := func(l vg.Length) int { return int(math.Round(float64(l/vg.Inch) * DPI)) }
	return image.Rect(px(c.Min.X), h-px(c.Max.Y), px(c.Max.X), h-px(c.Min.Y))
}

// figureCanvas returns a canvas of fig's size, for layout.
func figureCanvas(fig Figure) draw.Canvas {
	w, h := fig.Size()
	return draw.New(newImageCanvas(w, h))
}

// brightCentre returns where in r, as fractions of its width and height
// from its top-left corner, the pixels brighter than 200 are on average.
func brightCentre(t *testing.T, img *image.RGBA, r image.Rectangle) (fx, fy float64) {
	t.Helper()
	var sx, sy, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if (int(c.R)+int(c.G)+int(c.B))/3 > 200 {
				sx += float64(x - r.Min.X)
				sy += float64(y - r.Min.Y)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatalf("no bright pixels in %v", r)
	}
	return sx / n / float64(r.Dx()), sy / n / float64(r.Dy())
}

func TestLogDensityField(t *testing.T) {
	fig, err := LogDensityField(mixGrid(-1, 1, 100, false), mixScore(-1, 1, 10), Cartesian, "log p and its score")
	if err != nil {
		t.Fatal(err)
	}
	readPNG(t, save(t, fig, "log_density_field.png"), fig)
	svg := save(t, fig, "log_density_field.svg")
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<svg") || len(b) < 10000 {
		t.Errorf("%s: %d bytes, not a full SVG", svg, len(b))
	}
}

func TestDensityPath(t *testing.T) {
	fig, err := DensityPath(mixGrid(-1.5, 1.5, 100, true), langevin(200), Cartesian, "Langevin dynamics of one particle")
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, save(t, fig, "density_path.png"), fig)
	main, _ := fig.layout(figureCanvas(fig))
	data := pixelRect(fig, fig.Plot.DataCanvas(main))
	isBlue := func(c color.RGBA) bool { return c.B > 150 && c.R < 100 && c.G < 160 }
	if !anyPixel(img, data, isBlue) {
		t.Error("no path colour in the data area")
	}
	// The start is marked green and the end red, each within a few
	// pixels of its point.
	path := langevin(200)
	dc := fig.Plot.DataCanvas(main)
	trX, trY := fig.Plot.Transforms(&dc)
	_, h := pixels(fig)
	for _, m := range []struct {
		name  string
		x, y  float64
		match func(color.RGBA) bool
	}{
		{"start", path[0], path[1], func(c color.RGBA) bool { return c.G > 140 && c.R < 80 && c.B < 80 }},
		{"end", path[len(path)-2], path[len(path)-1], func(c color.RGBA) bool { return c.R > 180 && c.G < 80 && c.B < 80 }},
	} {
		px := int(math.Round(float64(trX(m.x)/vg.Inch) * DPI))
		py := h - int(math.Round(float64(trY(m.y)/vg.Inch)*DPI))
		if !anyPixel(img, image.Rect(px-3, py-3, px+4, py+4), m.match) {
			t.Errorf("no %s marker at pixel (%d, %d)", m.name, px, py)
		}
	}
	if fig.ColorBar == nil {
		t.Fatal("no colour bar")
	}
	_, bar := fig.layout(figureCanvas(fig))
	isYellow := func(c color.RGBA) bool { return c.R > 200 && c.G > 200 && c.B < 100 } // viridis' top
	if !anyPixel(img, pixelRect(fig, fig.ColorBar.DataCanvas(bar)), isYellow) {
		t.Error("the colour bar has no viridis yellow")
	}
}

func TestHistogram2DOrientation(t *testing.T) {
	// A cluster of points at p = (0.05, 0.95) and where it must show up,
	// as fractions of the data area from its top-left corner.
	tests := []struct {
		name   string
		space  Space
		at     [2]float64
		fx, fy float64
	}{
		// Row 0.05 is the top of the image, column 0.95 its right.
		{"image top right", ImageSpace, [2]float64{0.05, 0.95}, 0.95, 0.05},
		{"image bottom left", ImageSpace, [2]float64{0.9, 0.1}, 0.1, 0.9},
		{"cartesian top right", Cartesian, [2]float64{0.95, 0.95}, 0.95, 0.05},
		{"cartesian bottom right", Cartesian, [2]float64{0.9, 0.1}, 0.9, 0.9},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples := make([]float64, 0, 2000)
			for range 1000 {
				samples = append(samples, tt.at[0]+0.02*rng.NormFloat64(), tt.at[1]+0.02*rng.NormFloat64())
			}
			fig, err := Histogram2D(samples, 20, UnitSquare, tt.space, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			name := "histogram_" + strings.ReplaceAll(tt.name, " ", "_") + ".png"
			img := readPNG(t, save(t, fig, name), fig)
			main, _ := fig.layout(figureCanvas(fig))
			data := pixelRect(fig, fig.Plot.DataCanvas(main)).Inset(2) // off the axis lines
			fx, fy := brightCentre(t, img, data)
			// Bins are 1/20 wide; allow a bin and a half.
			if math.Abs(fx-tt.fx) > 0.075 || math.Abs(fy-tt.fy) > 0.075 {
				t.Errorf("bright mass at (%.2f, %.2f) of the data area from its top left, want (%.2f, %.2f)", fx, fy, tt.fx, tt.fy)
			}
		})
	}
}

func TestBlogPostHistogram(t *testing.T) {
	h, w, pix := letterL()
	samples := drawImage(h, w, pix, 20000, rand.New(rand.NewPCG(5, 6)))
	fig, err := Histogram2D(samples, 50, UnitSquare, ImageSpace, "Langevin samples, noise level 17")
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, save(t, fig, "histogram_letter_L.png"), fig)
	if fig.ColorBar == nil {
		t.Fatal("no colour bar")
	}
	_, bar := fig.layout(figureCanvas(fig))
	checkGrayBar(t, img, pixelRect(fig, fig.ColorBar.DataCanvas(bar)))
}

func TestImageAndHistogram(t *testing.T) {
	h, w, pix := letterL()
	img, err := ImageGrid(h, w, pix)
	if err != nil {
		t.Fatal(err)
	}
	samples := drawImage(h, w, pix, 10000, rand.New(rand.NewPCG(7, 8)))
	fig, err := ImageAndHistogram(img, samples, 0, "the letter L as a distribution")
	if err != nil {
		t.Fatal(err)
	}
	out := readPNG(t, save(t, fig, "image_and_histogram.png"), fig)
	// The L's bar is on the left and its foot at the bottom, so the
	// bright pixels lie in the lower left of both panels.
	canvases, bars := fig.layout(figureCanvas(fig))
	for i, p := range fig.Plots[0] {
		data := pixelRect(fig, p.DataCanvas(canvases[0][i])).Inset(2)
		fx, fy := brightCentre(t, out, data)
		if fx > 0.5 || fy < 0.5 {
			t.Errorf("panel %d: bright mass at (%.2f, %.2f) from the top left, want the lower left", i, fx, fy)
		}
		if fig.ColorBars == nil || fig.ColorBars[0][i] == nil {
			t.Errorf("panel %d has no colour bar", i)
			continue
		}
		checkGrayBar(t, out, pixelRect(fig, fig.ColorBars[0][i].DataCanvas(bars[0][i])))
	}
}

// checkGrayBar checks that the colour bar in r of img runs from black at
// the bottom to white at the top.
func checkGrayBar(t *testing.T, img *image.RGBA, r image.Rectangle) {
	t.Helper()
	r = r.Inset(2) // off the frame
	x := (r.Min.X + r.Max.X) / 2
	if top, bottom := img.RGBAAt(x, r.Min.Y), img.RGBAAt(x, r.Max.Y-1); top.R < 240 || bottom.R > 15 {
		t.Errorf("colour bar in %v: %v at the top and %v at the bottom, want white over black", r, top, bottom)
	}
}

func TestHeadLength(t *testing.T) {
	for _, tc := range []struct{ n, want float64 }{
		{1, 1},    // the whole of a tiny arrow
		{5, 3},    // at least 3 points, legible in a small panel
		{10, 4.5}, // 0.45 of the arrow
		{100, 6},  // at most 6 points
	} {
		if got := headLength(tc.n); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("headLength(%v) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestFieldPanels(t *testing.T) {
	h, w, pix := letterL()
	sigmas := []float64{0.02, 0.05, 0.1, 0.2, 0.5, 1}
	fields := make([]Field, len(sigmas))
	titles := make([]string, len(sigmas))
	for k, s := range sigmas {
		fields[k] = imageScore(h, w, pix, s, 15)
		titles[k] = fmt.Sprintf("level %d: σ=%.4g", 3*k, s)
	}
	img, err := ImageGrid(h, w, pix)
	if err != nil {
		t.Fatal(err)
	}
	fig, err := FieldPanels(fields, FieldOptions{Titles: titles, Space: ImageSpace, Under: &img})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(fig.Plots), 2; got != want {
		t.Errorf("%d rows of panels, want %d", got, want)
	}
	out := readPNG(t, save(t, fig, "field_panels.png"), fig)
	// The L drawn faintly under the arrows: light gray in the lower left
	// of each panel, where its foot is.
	canvases, _ := fig.layout(figureCanvas(fig))
	isFaint := func(c color.RGBA) bool { return c.R == c.G && c.G == c.B && c.R > 0xa8 && c.R < 0xc8 }
	for j, row := range fig.Plots {
		for i, p := range row {
			r := pixelRect(fig, p.DataCanvas(canvases[j][i]))
			// Inside the foot, rows 0.75 to 0.85 and columns 0.3 to 0.5:
			// mostly faint gray, but for the arrows.
			foot := image.Rect(r.Min.X+3*r.Dx()/10, r.Min.Y+3*r.Dy()/4, r.Min.X+r.Dx()/2, r.Min.Y+85*r.Dy()/100)
			faint := 0
			for y := foot.Min.Y; y < foot.Max.Y; y++ {
				for x := foot.Min.X; x < foot.Max.X; x++ {
					if isFaint(out.RGBAAt(x, y)) {
						faint++
					}
				}
			}
			if frac := float64(faint) / float64(foot.Dx()*foot.Dy()); frac < 0.5 {
				t.Errorf("panel %d,%d: %.0f%% of %v faint gray, want the image under the arrows", j, i, 100*frac, foot)
			}
			if !strings.Contains(p.Title.Text, "\nlongest arrow |s| = ") {
				t.Errorf("panel %d,%d: title %q does not give the arrows' scale", j, i, p.Title.Text)
			}
		}
	}
	// Level 0's longest arrow, σ = 0.02 from the L: its scale rounded to
	// three digits.
	if want := fmt.Sprintf("longest arrow |s| = %v", roundSigN(newQuiver(fieldXY{fields[0], ImageSpace}).max, 3)); !strings.HasSuffix(fig.Plots[0][0].Title.Text, want) {
		t.Errorf("title %q, want it to end in %q", fig.Plots[0][0].Title.Text, want)
	}

	cart, err := FieldPanels([]Field{mixScore(-1, 1, 15), mixScore(-1, 1, 10)}, FieldOptions{Cols: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cart.Plots[0]); got != 2 {
		t.Errorf("2 fields in 5 columns gave %d columns, want 2", got)
	}
	readPNG(t, save(t, cart, "field_panels_cartesian.png"), cart)
}

func TestLossCurve(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	steps := make([]float64, 500)
	loss := make([]float64, 500)
	for k := range loss {
		steps[k] = float64(100 * k)
		loss[k] = 0.4 + 0.6*math.Exp(-steps[k]/15000) + 0.05*rng.NormFloat64()*math.Exp(-steps[k]/30000)
	}
	fig, err := LossCurve(steps, loss, 25, "training loss")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fig.Plot.Y.Scale.(gplot.LogScale); !ok {
		t.Errorf("positive losses drawn on %T, want a log scale", fig.Plot.Y.Scale)
	}
	readPNG(t, save(t, fig, "loss_curve.png"), fig)

	loss[3] = -0.1
	lin, err := LossCurve(nil, loss, 0, "loss with a negative value")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lin.Plot.Y.Scale.(gplot.LinearScale); !ok {
		t.Errorf("losses with a negative value drawn on %T, want a linear scale", lin.Plot.Y.Scale)
	}
	readPNG(t, save(t, lin, "loss_curve_linear.png"), lin)
}

func TestSaveFormats(t *testing.T) {
	fig, err := Histogram2D([]float64{0.5, 0.5}, 4, UnitSquare, Cartesian, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"f.png", "f.svg", "f.pdf", "f.jpg"} {
		path := filepath.Join(dir, name)
		if err := Save(fig, path); err != nil {
			t.Errorf("Save(%s): %v", name, err)
			continue
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("Save(%s) wrote nothing: %v", name, err)
		}
	}
	bad := filepath.Join(dir, "f.bmp")
	err = Save(fig, bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Save(%s) = %v, want an error naming the path", bad, err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("Save(%s) with an unknown format left a file", bad)
	}
}

// TestBadInput checks that data a figure cannot show returns an error,
// and that slices whose lengths do not fit, the caller's error, panic.
func TestBadInput(t *testing.T) {
	good := mixGrid(-1, 1, 5, false)
	field := mixScore(-1, 1, 5)
	tests := []struct {
		name string
		err  func() error
	}{
		{"decreasing X", func() error {
			_, err := DensityPath(Grid{X: []float64{1, 0}, Y: []float64{0, 1}, Z: make([]float64, 4)}, nil, Cartesian, "")
			return err
		}},
		{"no bins", func() error {
			_, err := Histogram2D([]float64{0, 0}, 0, UnitSquare, Cartesian, "")
			return err
		}},
		{"empty box", func() error {
			_, err := Histogram2D([]float64{0, 0}, 10, Box{}, Cartesian, "")
			return err
		}},
	}
	// Slices whose lengths do not match are the caller's error: a panic.
	numtest.WantPanic(t, "plot: LossCurve: ", func() { _, _ = LossCurve([]float64{1}, []float64{1, 2}, 0, "") })
	numtest.WantPanic(t, "plot: ImageGrid: ", func() { _, _ = ImageGrid(3, 3, make([]float64, 8)) })
	numtest.WantPanic(t, "plot: grid has 3 values", func() {
		_, _ = LogDensityField(Grid{X: good.X, Y: good.Y, Z: good.Z[:3]}, field, Cartesian, "")
	})
	numtest.WantPanic(t, "plot: path: ", func() { _, _ = DensityPath(good, []float64{1, 2, 3}, Cartesian, "") })
	numtest.WantPanic(t, "plot: field has 1 and", func() {
		_, _ = FieldPanels([]Field{{X: field.X, Y: field.Y, U: field.U[:1], V: field.V}}, FieldOptions{Cols: 1})
	})
	numtest.WantPanic(t, "plot: FieldPanels: ", func() {
		_, _ = FieldPanels([]Field{field}, FieldOptions{Titles: []string{"a", "b"}, Cols: 1})
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err(); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestImageSpaceAdapters checks the page layout of a grid and a field of
// (row, column) points: columns run left to right and rows top to bottom.
func TestImageSpaceAdapters(t *testing.T) {
	// Two rows (X) by three columns (Y); Z[j*2+i] = 10*row + col index.
	g := Grid{X: []float64{0, 1}, Y: []float64{0, 0.5, 1}, Z: []float64{0, 10, 1, 11, 2, 12}}
	a := gridXYZ{g, ImageSpace}
	if c, r := a.Dims(); c != 3 || r != 2 {
		t.Fatalf("Dims() = (%d, %d), want (3 columns, 2 rows)", c, r)
	}
	// Page row 0 is the bottom of the page: image row 1, page y = -1.
	if got := a.Y(0); got != -1 {
		t.Errorf("Y(0) = %v, want -1", got)
	}
	if got := a.X(2); got != 1 {
		t.Errorf("X(2) = %v, want 1", got)
	}
	if got := a.Z(2, 0); got != 12 {
		t.Errorf("Z(2, 0) = %v, want 12 (row 1, column 2)", got)
	}
	if got := a.Z(0, 1); got != 0 {
		t.Errorf("Z(0, 1) = %v, want 0 (row 0, column 0)", got)
	}
	// A vector pointing down the image (+row) points down the page.
	f := Field{X: g.X, Y: g.Y, U: []float64{1, 1, 1, 1, 1, 1}, V: []float64{0, 0, 0, 0, 0, 2}}
	fa := fieldXY{f, ImageSpace}
	if v := fa.Vector(0, 0); v.X != 0 || v.Y != -1 {
		t.Errorf("Vector(0, 0) = %v, want (0, -1)", v)
	}
	if v := fa.Vector(2, 0); v.X != 2 || v.Y != -1 {
		t.Errorf("Vector(2, 0) = %v, want (2, -1)", v)
	}
	// Cartesian keeps the layout: Dims is (len(X), len(Y)).
	if c, r := (gridXYZ{g, Cartesian}).Dims(); c != 2 || r != 3 {
		t.Errorf("Cartesian Dims() = (%d, %d), want (2, 3)", c, r)
	}
	if got := (gridXYZ{g, Cartesian}).Z(1, 2); got != 12 {
		t.Errorf("Cartesian Z(1, 2) = %v, want 12", got)
	}
}

func TestImageGrid(t *testing.T) {
	pix := []float64{1, 2, 3, 4, 5, 6} // 2 rows of 3
	g, err := ImageGrid(2, 3, pix)
	if err != nil {
		t.Fatal(err)
	}
	for r := range 2 {
		for c := range 3 {
			if got, want := g.Z[c*2+r], pix[r*3+c]; got != want {
				t.Errorf("value at row %d, column %d = %v, want %v", r, c, got, want)
			}
		}
	}
	if g.X[1] != 1 || g.Y[1] != 0.5 {
		t.Errorf("coordinates X=%v Y=%v, want rows {0, 1} and columns {0, 0.5, 1}", g.X, g.Y)
	}
}

func TestLevels(t *testing.T) {
	for _, r := range [][2]float64{{-3.2, 1.1}, {0, 1}, {1e-5, 3e-3}, {-40, -39.5}} {
		l := levels(r[0], r[1], nLevels)
		if len(l) < nLevels/2 || len(l) > 2*nLevels {
			t.Errorf("levels(%v, %v) = %d levels, want about %d", r[0], r[1], len(l), nLevels)
		}
		for k, v := range l {
			if v <= r[0] || v >= r[1] || (k > 0 && v <= l[k-1]) {
				t.Errorf("levels(%v, %v) = %v, not increasing strictly inside the range", r[0], r[1], l)
				break
			}
		}
	}
	if l := levels(1, 1, nLevels); l != nil {
		t.Errorf("levels of a constant = %v, want none", l)
	}
}

func TestLogTicks(t *testing.T) {
	// Less than a decade, and less than a step from one multiple of a
	// power of ten to the next.
	for _, r := range [][2]float64{{0.4, 1.02}, {1, 1.9}} {
		var labels []string
		for _, tk := range (logTicks{}).Ticks(r[0], r[1]) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if len(labels) < 2 {
			t.Errorf("ticks over %v are labelled %v, want at least 2 labels", r, labels)
		}
	}
}

func TestCurves(t *testing.T) {
	x := []float64{1e-4, 1e-3, 1e-2, 1e-1, 1}
	fig, err := Curves([]Series{
		{Name: "error", X: x, Y: []float64{2, 1.9, 0.5, 0.02, 0.015}},
		{Name: "relative", X: x, Y: []float64{1, 1, 0.3, 0.02, 0.008}},
	}, "σ", "score error", "score error per level")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fig.Plot.X.Scale.(gplot.LogScale); !ok {
		t.Errorf("positive x drawn on %T, want a log scale", fig.Plot.X.Scale)
	}
	readPNG(t, save(t, fig, "curves.png"), fig)
	numtest.WantPanic(t, "plot: Curves: ", func() { _, _ = Curves([]Series{{X: x, Y: x[:2]}}, "", "", "") })
	if _, err := Curves([]Series{{}}, "", "", ""); err == nil {
		t.Error("mismatched series accepted")
	}
	if _, err := Curves(nil, "", "", ""); err == nil {
		t.Error("no series accepted")
	}
}

// TestCurvesMarks checks that the marks are drawn, named in the legend and
// reached by the axes, and that the end of a σ axis a rounding error past
// 1e-4 is labelled.
func TestCurvesMarks(t *testing.T) {
	x := []float64{math.Exp(math.Log(1e-4)), 1e-3, 1e-2, 1e-1, 1}
	if x[0] <= 1e-4 {
		t.Fatalf("x[0] = %v, want a rounding error above 1e-4", x[0])
	}
	fig, err := Curves([]Series{{Name: "relative", X: x, Y: []float64{1, 1, 0.5, 0.3, 0.2}}}, "σ", "score error", "marks",
		Mark{Name: "tolerance", At: 0.1}, Mark{Name: "chosen", Vertical: true, At: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, save(t, fig, "curves_marks.png"), fig)
	// The curves' smallest value is 0.2; the mark at 0.1 lies 4% of the
	// axis above its bottom, off the axis line.
	if fig.Plot.Y.Min >= 0.1*0.97 {
		t.Errorf("y axis from %v, want it below the tolerance 0.1", fig.Plot.Y.Min)
	}
	main, _ := fig.layout(figureCanvas(fig))
	dc := fig.Plot.DataCanvas(main)
	trX, _ := fig.Plot.Transforms(&dc)
	px := int(math.Round(float64(trX(0.01)/vg.Inch) * DPI))
	r := pixelRect(fig, dc)
	if !anyPixel(img, image.Rect(px-1, r.Max.Y-20, px+2, r.Max.Y-2), func(c color.RGBA) bool { return c.R > 180 && c.G < 80 }) {
		t.Errorf("no red mark at pixel column %d", px)
	}
	var svg bytes.Buffer
	if err := Encode(&svg, fig, "svg"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{">tolerance<", ">chosen<", ">0.0001<"} {
		if !strings.Contains(svg.String(), text) {
			t.Errorf("no text %s: the legend names the marks, the σ axis starts at 0.0001", text)
		}
	}
	if _, err := Curves([]Series{{X: x, Y: x}}, "", "", "", Mark{At: math.NaN()}); err == nil {
		t.Error("a NaN mark accepted")
	}
}

func TestCountTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []string
	}{
		// gplot.DefaultTicks labels 0.00, 2.50 and 5.00: a count of 2.5
		// is no count.
		{5, []string{"0", "1", "2", "3", "4", "5"}},
		{100, []string{"0", "50", "100"}},
	} {
		var labels []string
		for _, tk := range (countTicks{}).Ticks(0, tc.max) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		slices.Sort(labels)
		if want := slices.Sorted(slices.Values(tc.want)); !slices.Equal(labels, want) {
			t.Errorf("counts 0 to %g labelled %q, want %q", tc.max, labels, want)
		}
	}
}
