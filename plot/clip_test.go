package plot

import (
	"math"
	"testing"

	"gonum.org/v1/plot/plotter"
)

func TestClipSegment(t *testing.T) {
	r := Box{Min: [2]float64{-1, -1}, Max: [2]float64{1, 1}}
	xy := func(x, y float64) plotter.XY { return plotter.XY{X: x, Y: y} }
	tests := []struct {
		name string
		a, b plotter.XY
		ok   bool
		p, q plotter.XY
	}{
		{"inside", xy(0.1, 0.2), xy(-0.3, 0.4), true, xy(0.1, 0.2), xy(-0.3, 0.4)},
		{"out through the top", xy(0, 0), xy(1e65, 2e65), true, xy(0, 0), xy(0.5, 1)},
		{"in from far away", xy(1e65, 2e65), xy(0, 0), true, xy(0.5, 1), xy(0, 0)},
		{"across", xy(-2, 0.5), xy(2, 0.5), true, xy(-1, 0.5), xy(1, 0.5)},
		{"past a corner", xy(0.5, 3), xy(3, 0.5), false, xy(0, 0), xy(0, 0)},
		{"parallel outside", xy(2, -5), xy(2, 5), false, xy(0, 0), xy(0, 0)},
		{"along an edge", xy(1, -5), xy(1, 5), true, xy(1, -1), xy(1, 1)},
		{"NaN end", xy(0, 0), xy(math.NaN(), 0), false, xy(0, 0), xy(0, 0)},
		{"infinite end", xy(0, 0), xy(math.Inf(1), 0), false, xy(0, 0), xy(0, 0)},
	}
	near := func(u, v plotter.XY) bool { return math.Abs(u.X-v.X) < 1e-12 && math.Abs(u.Y-v.Y) < 1e-12 }
	for _, tt := range tests {
		p, q, ok := clipSegment(tt.a, tt.b, r)
		if ok != tt.ok || ok && (!near(p, tt.p) || !near(q, tt.q)) {
			t.Errorf("%s: clipSegment(%v, %v) = %v, %v, %v, want %v, %v, %v", tt.name, tt.a, tt.b, p, q, ok, tt.p, tt.q, tt.ok)
		}
	}
}

func TestClipLines(t *testing.T) {
	r := Box{Min: [2]float64{-1, -1}, Max: [2]float64{1, 1}}
	path := plotter.XYs{{X: 0, Y: 0}, {X: 0.5, Y: 0}, {X: 3, Y: 0}, {X: 0.5, Y: 0.5}, {X: 0, Y: 0.5}, {X: math.NaN(), Y: 0}, {X: 0, Y: -0.5}, {X: 0.2, Y: -0.5}, {X: 5, Y: 5}, {X: 6, Y: 5}}
	got := clipLines(path, r)
	want := []plotter.XYs{
		{{X: 0, Y: 0}, {X: 0.5, Y: 0}, {X: 1, Y: 0}},
		{{X: 1, Y: 0.4}, {X: 0.5, Y: 0.5}, {X: 0, Y: 0.5}},
		{{X: 0, Y: -0.5}, {X: 0.2, Y: -0.5}, {X: 1, Y: -0.5 + 0.8*5.5/4.8}},
	}
	if len(got) != len(want) {
		t.Fatalf("clipLines gave %d lines %v, want %d: %v", len(got), got, len(want), want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("line %d is %v, want %v", i, got[i], want[i])
			continue
		}
		for k := range want[i] {
			if math.Abs(got[i][k].X-want[i][k].X) > 1e-12 || math.Abs(got[i][k].Y-want[i][k].Y) > 1e-12 {
				t.Errorf("line %d is %v, want %v", i, got[i], want[i])
				break
			}
		}
	}
}

func TestBoxCount(t *testing.T) {
	pts := []float64{0, 0, 1, 1, 0.5, 1.0000001, -0.1, 0.5, math.NaN(), 0.5, 0.3, 0.7}
	if n := UnitSquare.Count(pts); n != 3 {
		t.Errorf("UnitSquare.Count = %d, want 3: the corners count, NaN does not", n)
	}
}
