package plot

import (
	"strings"
	"testing"
)

// TestCurvesFloorClips: a Floor mark bounds a logarithmic y-axis at
// FloorDecades decades above it (plus the legend's room), the title
// counting the points cut off, where a diverged run at 1e6 made the axis
// span 8 decades for curves within 2 of the floor. Without Floor the axis
// reaches the run.
func TestCurvesFloorClips(t *testing.T) {
	series := []Series{
		{Name: "em", X: []float64{2, 4, 8, 16}, Y: []float64{1e6, 3, 0.6, 0.5}},
		{Name: "ode", X: []float64{20, 40}, Y: []float64{0.7, 0.6}},
	}
	for _, floor := range []bool{false, true} {
		c, err := Curves(series, "NFE", "W₂", "t", Mark{Name: "floor", At: 0.4, Floor: floor})
		if err != nil {
			t.Fatal(err)
		}
		p := c.Plot
		if floor {
			// The legend sits in the top right, over the curves' low end,
			// and takes no room above them.
			if p.Y.Max != 40 || p.Legend.Left || !strings.Contains(p.Title.Text, "(1 point above 40, 2 decades over the floor, cut off)") {
				t.Errorf("with a floor: y up to %v, title %q", p.Y.Max, p.Title.Text)
			}
		} else if p.Y.Max < 1e6 || strings.Contains(p.Title.Text, "cut off") {
			t.Errorf("without a floor: y up to %v, title %q", p.Y.Max, p.Title.Text)
		}
		if !strings.HasSuffix(p.Y.Label.Text, "(log scale)") || !strings.HasSuffix(p.X.Label.Text, "(log scale)") {
			t.Errorf("log axes labelled %q and %q, want them to say so", p.X.Label.Text, p.Y.Label.Text)
		}
	}
}

// TestRow: one data panel and one panel per sampler, in one row at one
// scale, where Compare repeated the data above each sampler.
func TestRow(t *testing.T) {
	ref := []float64{0, 0, 1, 1, 2, 0}
	cols := []Comparison{{Name: "ode", Samples: []float64{0, 1, 3, 3}, Note: "W₂ 0.1"}, {Name: "dpm2m", Samples: []float64{-1, 0, 1, 0}}}
	f, err := Row(ref, "data", cols, "title")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Plots) != 1 || len(f.Plots[0]) != 3 {
		t.Fatalf("%d rows, want 1 of 3 panels", len(f.Plots))
	}
	titles := []string{"data (3)", "ode: samples (2)\nW₂ 0.1", "dpm2m: samples (2)"}
	for k, p := range f.Plots[0] {
		if p.Title.Text != titles[k] {
			t.Errorf("panel %d: title %q, want %q", k, p.Title.Text, titles[k])
		}
		if p.X.Min != f.Plots[0][0].X.Min || p.Y.Max != f.Plots[0][0].Y.Max {
			t.Errorf("panel %d: box [%v, ...] × [..., %v], not the data panel's", k, p.X.Min, p.Y.Max)
		}
		if p.X.Max < 3 || p.X.Min > -1 {
			t.Errorf("panel %d: x from %v to %v does not hold every set", k, p.X.Min, p.X.Max)
		}
	}
	if _, err := Row(ref, "data", nil, ""); err == nil {
		t.Error("no columns: no error")
	}
	if _, err := Row([]float64{1}, "data", cols, ""); err == nil {
		t.Error("odd-length data: no error")
	}
}
