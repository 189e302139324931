package main

import (
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/train"
)

// runSGMWithin runs the command line like runSGM and fails the test if it
// has not returned after d, as a command that loops on bad input would not.
func runSGMWithin(t *testing.T, d time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		code, stdout, stderr = runSGM(t, args...)
	}()
	select {
	case <-done:
		return code, stdout, stderr
	case <-time.After(d):
		t.Fatalf("%v still running after %v", args, d)
		return
	}
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlotDegenerateInput draws figures of data that made gplot panic on
// an empty log axis or loop on a NaN: a loss that never changes, a single
// step, a NaN loss, and the score error of a model with one noise level.
func TestPlotDegenerateInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, csv string }{
		{"constant", "step,loss\n1,0.5\n2,0.5\n"},
		{"one step", "step,loss\n1,0.5\n"},
		{"NaN", "step,loss\n1,0.5\n2,NaN\n3,0.4\n"},
		{"all NaN but one", "step,loss\n1,NaN\n2,NaN\n3,0.4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-")
			csv := writeFile(t, dir, name+".csv", tc.csv)
			out := filepath.Join(dir, name+".png")
			if code, _, stderr := runSGMWithin(t, 30*time.Second, "plot", "loss", "--csv", csv, "--out", out); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkFigure(t, out)
		})
	}
	t.Run("no finite loss", func(t *testing.T) {
		csv := writeFile(t, dir, "nan.csv", "step,loss\n1,NaN\n")
		code, _, stderr := runSGMWithin(t, 30*time.Second, "plot", "loss", "--csv", csv, "--out", filepath.Join(dir, "nan.png"))
		if code == 0 || !strings.Contains(stderr, "nan.csv") {
			t.Errorf("exit %d, stderr %q; want an error naming nan.csv", code, stderr)
		}
	})
	t.Run("one level", func(t *testing.T) {
		model := filepath.Join(dir, "L1")
		if code, _, stderr := runSGM(t, "train", "--features", "8", "--width", "8", "--depth", "1", "--steps", "1", "--levels", "1", "--out", model); code != 0 {
			t.Fatalf("train exited %d: %s", code, stderr)
		}
		checkFigure(t, filepath.Join(model, "loss.png"))
		fig := filepath.Join(dir, "err.png")
		if code, _, stderr := runSGM(t, "eval", "--model", model, "--n", "100", "--plot", fig); code != 0 {
			t.Fatalf("eval exited %d: %s", code, stderr)
		}
		checkFigure(t, fig)
	})
}

// TestPlotHistEmpty checks that a samples file with a header and no rows
// is an error in either space, not a panic or an empty figure.
func TestPlotHistEmpty(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty.csv", "x0,x1\n")
	for _, space := range []string{"xy", "image"} {
		out := filepath.Join(dir, space+".png")
		code, _, stderr := runSGM(t, "plot", "hist", "--samples", empty, "--space", space, "--out", out)
		// Read as every point file is (data.ReadPointsCSV).
		if code == 0 || !strings.Contains(stderr, "empty.csv: no points") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("--space %s: exit %d, stderr %q; want one line saying empty.csv: no points", space, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--space %s: wrote %s", space, out)
		}
	}
}

// TestPlotSizeLimits checks that sizes that would exhaust memory or time
// are refused with an error naming the flag.
func TestPlotSizeLimits(t *testing.T) {
	dir := t.TempDir()
	samples := writeFile(t, dir, "s.csv", "x0,x1\n0.5,0.5\n0.25,0.75\n") // two points, the fewest a point file holds
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"plot", "hist", "--samples", samples, "--bins", "1001"}, "--bins"},
		{[]string{"plot", "density", "--arrows", "201"}, "--arrows"},
		{[]string{"plot", "field", "--model", filepath.Join(dir, "nomodel"), "--arrows", "201"}, "--arrows"},
		{[]string{"plot", "image", "--n", strconv.Itoa(math.MaxInt)}, "--n must be at most 10000000"},
		{[]string{"plot", "path", "--steps", "100001"}, "--steps must be at most 100000"},
		{[]string{"plot", "field", "--model", filepath.Join(dir, "nomodel"), "--levels", strings.Repeat("0,", 64) + "0"}, "--levels: at most 64 levels, got 65"},
	} {
		out := filepath.Join(dir, "f.png")
		code, _, stderr := runSGMWithin(t, 30*time.Second, append(tc.args, "--out", out)...)
		if code == 0 || !strings.Contains(stderr, tc.flag) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %s", tc.args, code, stderr, tc.flag)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v wrote %s", tc.args, out)
			os.Remove(out)
		}
	}
	// The limits themselves are allowed.
	out := filepath.Join(dir, "hist.png")
	if code, _, stderr := runSGM(t, "plot", "hist", "--samples", samples, "--bins", "1000", "--out", out); code != 0 {
		t.Errorf("--bins 1000: exit %d: %s", code, stderr)
	}
}

// svgTexts returns the texts of the SVG figure at path: its title, axis
// labels and tick labels.
func svgTexts(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range regexp.MustCompile(`(?s)<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(string(b), -1) {
		texts = append(texts, html.UnescapeString(m[1]))
	}
	return texts
}

// svgTicks returns the smallest and largest number among the texts of the
// SVG figure at path, its tick labels.
func svgTicks(t *testing.T, path string) (lo, hi float64) {
	t.Helper()
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range svgTexts(t, path) {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(s, "−", "-"), 64); err == nil {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

// TestPlotFarTargets checks the region drawn: around the modes of a
// mixture far from the blog post's default box, and inside --box for a path
// that leaves it.
func TestPlotFarTargets(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args       []string
		reach, top float64 // the largest tick label lies in [reach, top]
		title      string  // the title must contain this
	}{
		{[]string{"plot", "density", "--target", "two-modes-unequal"}, 5, 10, "two-modes-unequal"},
		{[]string{"plot", "path", "--target", "two-modes-unequal"}, 5, 10, "η=0.01"},
		{[]string{"plot", "path", "--step-size", "1"}, 1.5, 1.5, "(leaves the box)"},
		{[]string{"plot", "path", "--step-size", "1", "--box", "-2,2,-2,2"}, 2, 2, "(leaves the box)"},
	} {
		out := filepath.Join(dir, "fig.svg")
		if code, _, stderr := runSGMWithin(t, 60*time.Second, append(tc.args, "--out", out)...); code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
			continue
		}
		if lo, hi := svgTicks(t, out); hi < tc.reach || hi > tc.top || lo > -tc.reach {
			t.Errorf("%v: ticks from %g to %g, want them to reach ±%g and stop by %g", tc.args, lo, hi, tc.reach, tc.top)
		}
		if texts := svgTexts(t, out); len(texts) == 0 || !strings.Contains(texts[0], tc.title) {
			t.Errorf("%v: texts %q, want a title with %q", tc.args, texts, tc.title)
		}
	}
	// A path still: the animation of the same diverging chain.
	gif := filepath.Join(dir, "diverging.gif")
	if code, _, stderr := runSGMWithin(t, 60*time.Second, "plot", "path", "--step-size", "1", "--steps", "30", "--out", gif); code != 0 {
		t.Fatalf("diverging .gif: exit %d: %s", code, stderr)
	}
	checkFigure(t, gif)
}

// TestPlotTitles checks the titles of the histogram, which says how many
// samples fall outside its box, and of a loss history, whose objective
// plot loss does not know.
func TestPlotTitles(t *testing.T) {
	dir := t.TempDir()
	samples := writeFile(t, dir, "s.csv", "x0,x1\n0.5,0.5\n0.2,0.9\n1.5,0.5\n0.5,-3\n0.1,0.1\n")
	loss := writeFile(t, dir, "loss.csv", "step,loss\n1,2\n2,1\n3,0.8\n")
	for _, tc := range []struct {
		args  []string
		title string
	}{
		{[]string{"plot", "hist", "--samples", samples, "--space", "image"}, "3 of 5 samples in the box"},
		{[]string{"plot", "hist", "--samples", samples, "--box", "-4,4,-4,4"}, "5 samples"},
		{[]string{"plot", "hist", "--samples", samples, "--space", "xy"}, "5 samples"},
		{[]string{"plot", "loss", "--csv", loss}, "training loss"},
	} {
		out := filepath.Join(dir, "fig.svg")
		if code, _, stderr := runSGM(t, append(tc.args, "--out", out)...); code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
			continue
		}
		if texts := svgTexts(t, out); len(texts) == 0 || texts[0] != tc.title {
			t.Errorf("%v: texts %q, want the title %q", tc.args, texts, tc.title)
		}
	}
}

// TestPlotHistSpace checks the region of a histogram without --box:
// samples of a mixture, mostly outside the unit square, are drawn on plain
// axes over their range (not as an all-black unit square), samples of an
// image over the unit square, and a box that holds no sample is an error.
func TestPlotHistSpace(t *testing.T) {
	dir := t.TempDir()
	var mix, img strings.Builder
	mix.WriteString("x0,x1\n")
	img.WriteString("x0,x1\n")
	for k := range 100 {
		// Two clusters around ±(0.5, 0.5), as seed-mog's samples.
		s := float64(2*(k%2) - 1)
		fmt.Fprintf(&mix, "%g,%g\n", s*(0.5+0.003*float64(k)), s*(0.5-0.002*float64(k)))
		// One outlier in 100, as a sampler leaves.
		fmt.Fprintf(&img, "%g,%g\n", 0.01*float64(k), 1-0.01*float64(k)+2*float64(k/99))
	}
	mixCSV := writeFile(t, dir, "mix.csv", mix.String())
	imgCSV := writeFile(t, dir, "img.csv", img.String())
	for _, tc := range []struct {
		args   []string
		lo, hi float64 // the tick labels span [lo, hi]
		title  string
	}{
		{[]string{"--samples", mixCSV}, -0.5, 0.5, "100 samples"},
		{[]string{"--samples", imgCSV}, 0, 1, "99 of 100 samples in the box"},
		{[]string{"--samples", imgCSV, "--space", "xy"}, 0, 2, "100 samples"},
	} {
		out := filepath.Join(dir, "fig.svg")
		if code, _, stderr := runSGM(t, append([]string{"plot", "hist", "--out", out}, tc.args...)...); code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
			continue
		}
		if lo, hi := svgTicks(t, out); lo > tc.lo || hi < tc.hi {
			t.Errorf("%v: ticks from %g to %g, want them to cover [%g, %g]", tc.args, lo, hi, tc.lo, tc.hi)
		}
		if texts := svgTexts(t, out); len(texts) == 0 || texts[0] != tc.title {
			t.Errorf("%v: texts %q, want the title %q", tc.args, texts, tc.title)
		}
	}
	out := filepath.Join(dir, "none.png")
	code, _, stderr := runSGM(t, "plot", "hist", "--samples", mixCSV, "--box", "2,3,2,3", "--out", out)
	if code == 0 || !strings.Contains(stderr, "mix.csv: none of the 100 samples lies in the box 2,3,2,3") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("empty box: exit %d, stderr %q; want one line saying no sample lies in the box", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("empty box: wrote %s", out)
	}
}

func TestMixtureBox(t *testing.T) {
	unit := plot.Box{Min: [2]float64{-1, -1}, Max: [2]float64{1, 1}}
	for _, tc := range []struct {
		preset string
		fixed  plot.Box
		want   plot.Box
	}{
		// The blog post's mixture keeps the blog post's boxes.
		{"seed-mog", unit, unit},
		{"seed-mog", seedBox, seedBox},
		// Modes at ±(5, 5) of std 1: means ± 3 std.
		{"two-modes-unequal", unit, plot.Box{Min: [2]float64{-8, -8}, Max: [2]float64{8, 8}}},
		{"ring8", unit, plot.Box{Min: [2]float64{-1.3, -1.3}, Max: [2]float64{1.3, 1.3}}},
		// One std reaches the edge of [-1, 1]², not that of [-1.5, 1.5]².
		{"standard-normal", unit, plot.Box{Min: [2]float64{-3, -3}, Max: [2]float64{3, 3}}},
		{"standard-normal", seedBox, seedBox},
	} {
		m, err := dist.Preset(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		got := mixtureBox(m, tc.fixed)
		for k := range 2 {
			if d := max(abs(got.Min[k]-tc.want.Min[k]), abs(got.Max[k]-tc.want.Max[k])); d > 1e-12 {
				t.Errorf("%s in %v: box %v, want %v", tc.preset, tc.fixed, got, tc.want)
				break
			}
		}
	}
	// A narrow mode inside the fixed box is drawn close up.
	tiny, err := dist.NewMixture([]dist.Component{{Weight: 1, Mean: []float64{0.2, 0}, Std: []float64{0.01, 0.02}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mixtureBox(tiny, unit), (plot.Box{Min: [2]float64{0.14, -0.06}, Max: [2]float64{0.26, 0.06}}); abs(got.Max[0]-want.Max[0]) > 1e-12 || abs(got.Min[1]-want.Min[1]) > 1e-12 {
		t.Errorf("narrow mode: box %v, want %v", got, want)
	}
}

func abs(v float64) float64 { return max(v, -v) }

// TestLossTitle draws a loss history of a named objective (the names:
// train.TestLossName).
func TestLossTitle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "loss.png")
	if err := saveLossPlot(out, []train.Record{{Step: 1, Loss: 2}, {Step: 2, Loss: 1}}, train.Sliced); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, out)
}

// TestMixtureFiguresAgree checks that Figures 1 and 2 show the same
// region, [-1.5, 1.5]², and that the arrows of Figure 1 are centred on
// cells of it, so that none sticks out of the axes.
func TestMixtureFiguresAgree(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"density", "path"} {
		out := filepath.Join(dir, kind+".svg")
		if code, _, stderr := runSGM(t, "plot", kind, "--out", out); code != 0 {
			t.Fatalf("plot %s: exit %d: %s", kind, code, stderr)
		}
		// Tick labels of the axes (not the colour bar's, which are
		// densities in (0, 0.5) or log densities below -1.5).
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range svgTexts(t, out) {
			if v, err := strconv.ParseFloat(strings.ReplaceAll(s, "−", "-"), 64); err == nil && (v == 0 || abs(v) >= 0.5) && v >= -1.5 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if lo != -1.5 || hi != 1.5 {
			t.Errorf("plot %s: axes from %g to %g, want ±1.5", kind, lo, hi)
		}
	}
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	f := plot.ScoreField(m, seedBox, 10)
	// Cells of 0.3: the first centre is 0.15 inside the box.
	if d := f.X[0] - seedBox.Min[0]; abs(d-0.15) > 1e-12 {
		t.Errorf("first arrow %g from the edge, want half a cell, 0.15", d)
	}
	if d := seedBox.Max[1] - f.Y[len(f.Y)-1]; abs(d-0.15) > 1e-12 {
		t.Errorf("last arrow %g from the edge, want half a cell, 0.15", d)
	}
}

// TestPlotLossStream checks that plot loss reads a long history into the
// bounded series, and names the file and line of a bad one in one line,
// cutting a long bad value.
func TestPlotLossStream(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("step,loss\n")
	for k := range 25_000 {
		fmt.Fprintf(&b, "%d,%g\n", k+1, 1/(1+0.001*float64(k)))
	}
	long := writeFile(t, dir, "long.csv", b.String())
	s, err := plot.ReadLossCSV(long)
	if err != nil {
		t.Fatal(err)
	}
	// 25,000 losses in at most 10,000 buckets: 4 a bucket.
	if s.Len() != 25_000 || s.PerBucket() != 4 {
		t.Errorf("%d losses, %d a bucket; want 25000, 4 a bucket", s.Len(), s.PerBucket())
	}
	out := filepath.Join(dir, "long.svg")
	if code, _, stderr := runSGM(t, "plot", "loss", "--csv", long, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if texts := svgTexts(t, out); !slices.Contains(texts, "loss, mean over 4 steps (band: min to max)") {
		t.Errorf("texts %q, want a legend of means over 4 steps", texts)
	}
	for _, tc := range []struct{ name, csv, want string }{
		{"header", "x0,x1\n1,2\n", `header "x0,x1", want step,loss`},
		{"bad number", "step,loss\n1,0.5\n2," + strings.Repeat("9", 100) + "x\n", "line 3: \"2," + strings.Repeat("9", 38) + "...\" is not a step and a loss"},
		{"one column", "step,loss\n1\n", `line 2: "1" is not a step and a loss`},
		{"long line", "step,loss\n1," + strings.Repeat("1", 5000) + "\n", "line 2 is longer than 1024 bytes"},
		{"empty", "", "empty file"},
	} {
		csv := writeFile(t, dir, "bad.csv", tc.csv)
		code, _, stderr := runSGM(t, "plot", "loss", "--csv", csv, "--out", filepath.Join(dir, "bad.png"))
		if code == 0 || !strings.Contains(stderr, "bad.csv: ") || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want one line naming bad.csv with %q", tc.name, code, stderr, tc.want)
		}
	}
}

// TestPlotLossTitle checks that plot loss titles a run's loss as training
// does, from the objective its checkpoint records.
func TestPlotLossTitle(t *testing.T) {
	model := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := runSGM(t, "train", "--features", "8", "--width", "8", "--depth", "1", "--steps", "3", "--levels", "2", "--out", model); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	csv := filepath.Join(model, "loss.csv")
	// The checkpoint beside the CSV, and named by --model with the CSV
	// elsewhere.
	moved := filepath.Join(t.TempDir(), "loss.csv")
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Dir(moved), "loss.csv", string(b))
	for _, args := range [][]string{{"--csv", csv}, {"--csv", moved, "--model", model}} {
		out := filepath.Join(t.TempDir(), "loss.svg")
		if code, _, stderr := runSGM(t, append([]string{"plot", "loss", "--out", out}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if texts := svgTexts(t, out); len(texts) == 0 || texts[0] != train.AllLevels.LossName() {
			t.Errorf("%v: texts %q, want the title %q", args, texts, train.AllLevels.LossName())
		}
	}
}

// TestScoreErrorFigure checks the score error's legend: no literal
// underscore, the tolerance of sample --level auto and the level it picks.
func TestScoreErrorFigure(t *testing.T) {
	errs := []levelError{
		{Level: 0, Sigma: 1e-3, Fisher: 2, Relative: 1},
		{Level: 1, Sigma: 1e-2, Fisher: 0.5, Relative: 0.3},
		{Level: 2, Sigma: 1e-1, Fisher: 0.05, Relative: 0.08},
		{Level: 3, Sigma: 1, Fisher: 0.01, Relative: 0.01},
	}
	out := filepath.Join(t.TempDir(), "err.svg")
	if err := saveScoreError(out, errs, metric.LevelChoice{Level: 2}, nil, "score error"); err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, out)
	for _, want := range []string{"tolerance 0.1 of sample --level auto", "level it picks: 2 (σ=0.1)"} {
		if !slices.Contains(texts, want) {
			t.Errorf("texts %q, want %q", texts, want)
		}
	}
	for _, s := range texts {
		if strings.Contains(s, "_") {
			t.Errorf("text %q has a literal underscore", s)
		}
	}
	if err := saveScoreError(out, errs, metric.LevelChoice{Level: 3, Warn: true}, nil, "score error"); err != nil {
		t.Fatal(err)
	}
	if texts, want := svgTexts(t, out), "level it picks: 3 (σ=1), a fallback"; !slices.Contains(texts, want) {
		t.Errorf("a fallback: texts %q, want %q", texts, want)
	}
	if err := saveScoreError(out, errs, metric.LevelChoice{}, errors.New("none usable"), "score error"); err != nil {
		t.Fatal(err)
	}
	if texts, want := svgTexts(t, out), "tolerance 0.1 of sample --level auto: no level usable"; !slices.Contains(texts, want) {
		t.Errorf("no level usable: texts %q, want %q", texts, want)
	}
}

// TestPlotLossBadModel checks that a checkpoint beside the CSV that does
// not load leaves the default title, and that a --model that does not load
// is an error naming it.
func TestPlotLossBadModel(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "loss.csv", "step,loss\n1,2\n2,1\n")
	writeFile(t, dir, "checkpoint-1.json", "{not json")
	out := filepath.Join(dir, "loss.svg")
	if code, _, stderr := runSGM(t, "plot", "loss", "--csv", csv, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if texts := svgTexts(t, out); len(texts) == 0 || texts[0] != "training loss" {
		t.Errorf("texts %q, want the title training loss", texts)
	}
	code, _, stderr := runSGM(t, "plot", "loss", "--csv", csv, "--model", dir, "--out", out)
	if code == 0 || !strings.Contains(stderr, "--model") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("--model that does not load: exit %d, stderr %q; want one line naming --model", code, stderr)
	}
}
