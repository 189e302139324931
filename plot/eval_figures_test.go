package plot

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm"
)

func TestPointsBox(t *testing.T) {
	for _, tc := range []struct {
		pts  []float64
		pad  float64
		want Box
		ok   bool
	}{
		// x from 0 to 10 widened by a tenth; y on one value, by 0.5.
		{[]float64{0, 1, 10, 1, math.NaN(), 5}, 0.1, Box{Min: [2]float64{-1, 0.5}, Max: [2]float64{11, 1.5}}, true},
		{[]float64{0, 0, 2, 4}, 0.05, Box{Min: [2]float64{-0.1, -0.2}, Max: [2]float64{2.1, 4.2}}, true},
		{[]float64{math.Inf(1), 0}, 0.1, Box{}, false},
	} {
		got, ok := PointsBox(tc.pts, tc.pad)
		if ok != tc.ok || ok && (math.Abs(got.Min[0]-tc.want.Min[0]) > 1e-12 || math.Abs(got.Max[1]-tc.want.Max[1]) > 1e-12 || math.Abs(got.Min[1]-tc.want.Min[1]) > 1e-12) {
			t.Errorf("PointsBox(%v, %g) = %v, %v; want %v, %v", tc.pts, tc.pad, got, ok, tc.want, tc.ok)
		}
	}
}

func TestGuessSpace(t *testing.T) {
	img := make([]float64, 0, 200)
	for k := range 100 {
		img = append(img, 0.01*float64(k), 1-0.01*float64(k))
	}
	if got := GuessSpace(img); got != ImageSpace {
		t.Errorf("points in the unit square: %v, want ImageSpace", got)
	}
	img[1] = 3 // one outlier in 100, as a sampler leaves
	if got := GuessSpace(img); got != ImageSpace {
		t.Errorf("one outlier in 100: %v, want ImageSpace", got)
	}
	if got := GuessSpace([]float64{-3, 2, 0.5, 0.5}); got != Cartesian {
		t.Errorf("half the points far out: %v, want Cartesian", got)
	}
	if got := GuessSpace([]float64{math.NaN(), 0}); got != Cartesian {
		t.Errorf("no finite point: %v, want Cartesian", got)
	}
}

func TestSamplesHistogram(t *testing.T) {
	pts := []float64{0.1, 0.2, 0.5, 0.5, 3, 3}
	c, err := SamplesHistogram(pts, 10, ImageSpace, nil)
	if err != nil || c.Plot.Title.Text != "2 of 3 samples in the box" {
		t.Errorf("image space: %v, %v; want the unit square counting 2 of 3", c, err)
	}
	c, err = SamplesHistogram(pts, 10, Cartesian, nil)
	if err != nil || c.Plot.Title.Text != "3 samples" {
		t.Errorf("plain axes: %v, %v; want all 3 in the points' box", c, err)
	}
	_, err = SamplesHistogram(pts, 10, Cartesian, &Box{Min: [2]float64{5, 5}, Max: [2]float64{6, 6}})
	if !errors.Is(err, ErrEmptyBox) || !strings.Contains(err.Error(), "none of the 3 samples lies in the box 5,6,5,6") {
		t.Errorf("an empty box: %v", err)
	}
	if _, err := SamplesHistogram([]float64{math.NaN(), 1}, 10, Cartesian, nil); err == nil {
		t.Error("no finite sample: no error")
	}
}

func TestFitBox(t *testing.T) {
	unit := Box{Min: [2]float64{-1, -1}, Max: [2]float64{1, 1}}
	// Modes well inside, spread over most of it: the fixed box.
	if got := FitBox(unit, Box{Min: [2]float64{-0.9, -0.9}, Max: [2]float64{0.9, 0.9}}, Box{Min: [2]float64{-1.7, -1.7}, Max: [2]float64{1.7, 1.7}}); got != unit {
		t.Errorf("modes inside: %v, want %v", got, unit)
	}
	// A mode reaching the edge: the square around the outer box.
	want := Box{Min: [2]float64{-3, -3}, Max: [2]float64{3, 3}}
	if got := FitBox(unit, Box{Min: [2]float64{-1, -1}, Max: [2]float64{1, 1}}, Box{Min: [2]float64{-3, -2}, Max: [2]float64{3, 2}}); got != want {
		t.Errorf("a mode at the edge: %v, want %v", got, want)
	}
	// A narrow mode well inside: drawn close up (the fixed box is more
	// than twice its outer box's side).
	want = Box{Min: [2]float64{0.14, -0.06}, Max: [2]float64{0.26, 0.06}}
	got := FitBox(unit, Box{Min: [2]float64{0.19, -0.02}, Max: [2]float64{0.21, 0.02}}, Box{Min: [2]float64{0.17, -0.06}, Max: [2]float64{0.23, 0.06}})
	if math.Abs(got.Min[0]-want.Min[0]) > 1e-12 || math.Abs(got.Max[1]-want.Max[1]) > 1e-12 {
		t.Errorf("a narrow mode: %v, want %v", got, want)
	}
}

func TestLevelFields(t *testing.T) {
	at := func(int) sgm.Scorer { return minusX{} }
	p, err := LevelFields(at, []float64{0.1, 0.2, 0.4}, []int{0, 2}, UnitSquare, 5, " (units)", FieldOptions{Space: Cartesian})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Plots[0][1].Title.Text; !strings.HasPrefix(got, "level 2: σ=0.4 (units)\n") {
		t.Errorf("second panel titled %q", got)
	}
	if _, err := LevelFields(at, []float64{0.1}, []int{1}, UnitSquare, 5, "", FieldOptions{}); err == nil || !strings.Contains(err.Error(), "level 1 out of range: the model has levels 0..0") {
		t.Errorf("a level out of range: %v", err)
	}
}

func TestReadLossCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		path := filepath.Join(dir, "loss.csv")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	s, err := ReadLossCSV(write("step, loss\n1,0.5\n\n2,0.25\n"))
	if err != nil || s.Len() != 2 {
		t.Fatalf("two steps: %v, %v", s, err)
	}
	for _, tc := range []struct{ csv, want string }{
		{"x0,x1\n1,2\n", `header "x0,x1", want step,loss`},
		{"step,loss\n1,0.5\n2," + strings.Repeat("9", 100) + "x\n", `line 3: "2,` + strings.Repeat("9", 38) + `..." is not a step and a loss`},
		{"step,loss\n1," + strings.Repeat("1", 5000) + "\n", "line 2 is longer than 1024 bytes"},
		{"", "empty file"},
	} {
		if _, err := ReadLossCSV(write(tc.csv)); err == nil || !strings.Contains(err.Error(), "loss.csv: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.csv, err, tc.want)
		}
	}
}
