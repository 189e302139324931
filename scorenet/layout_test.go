package scorenet

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
)

// TestLayoutIsTheStore checks that Layout describes exactly the variables
// New creates: names, shapes, trainability, and Weights.Values' order.
func TestLayoutIsTheStore(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 5)
	cfg := Config{Dim: 3, Features: 4, Width: 6, Depth: 2, Sigmas: sigmas}
	n, err := New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	layout := Layout(cfg)
	if len(layout) != 4+2*(cfg.Depth+1) {
		t.Fatalf("%d parameters, want %d", len(layout), 4+2*(cfg.Depth+1))
	}
	seen := 0
	for v := range n.Scope().IterVariables() {
		i := slices.IndexFunc(layout, func(p Param) bool { return VariablePath(p.Name) == v.Path() })
		if i < 0 {
			t.Errorf("store variable %s is not in the layout", v.Path())
			continue
		}
		seen++
		p := layout[i]
		if !slices.Equal(v.Shape().Dimensions, p.Shape) || v.Trainable != p.Trainable {
			t.Errorf("%s: store %v trainable %v, layout %v trainable %v", p.Name, v.Shape().Dimensions, v.Trainable, p.Shape, p.Trainable)
		}
	}
	if seen != len(layout) {
		t.Errorf("the store holds %d of the layout's %d variables", seen, len(layout))
	}
	w, err := n.Weights()
	if err != nil {
		t.Fatal(err)
	}
	vals := w.Values()
	for i, p := range layout {
		got, err := n.VariableValues(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(vals[i], got) {
			t.Errorf("Weights.Values()[%d] is not %s", i, p.Name)
		}
	}
	// internal/fastnet takes the same order, sharing the slices.
	fp := fastnet.FromValues(cfg.Dim, cfg.Features, cfg.Width, cfg.Depth, false, vals)
	for i, v := range fp.Values() {
		if len(*v) != layout[i].Size() || &(*v)[0] != &vals[i][0] {
			t.Errorf("fastnet slot %d is not %s", i, layout[i].Name)
		}
	}
	// And each slice lands in the field of its meaning.
	same := func(a, b []float32) bool { return len(a) == len(b) && &a[0] == &b[0] }
	ok := same(fp.BCos, w.BCos) && same(fp.BSin, w.BSin) && same(fp.Alpha, w.Alpha) && same(fp.Beta, w.Beta)
	for k := range w.Dense {
		ok = ok && same(fp.Dense[k], w.Dense[k]) && same(fp.DenseBiases[k], w.DenseBiases[k])
	}
	if !ok {
		t.Error("fastnet.FromValues puts a weight in the wrong field")
	}
	if got := Frozen(); !slices.Equal(got, []string{"rf/B_cos", "rf/B_sin"}) {
		t.Errorf("Frozen() = %v", got)
	}
}

// TestNewInitialisation checks New's draws against the package doc, in
// Layout's order from one source: B_cos then B_sin from N(0, 1), α = 1,
// β = 0, each dense layer's weights then biases uniform in ±1/sqrt(fan-in).
func TestNewInitialisation(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 3)
	cfg := Config{Features: 3, Width: 5, Depth: 2, Sigmas: sigmas}
	n, err := New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	draw := func(k int, f func() float64) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = float32(f())
		}
		return v
	}
	one := func() float64 { return 1 }
	zero := func() float64 { return 0 }
	want := [][]float32{draw(6, rng.NormFloat64), draw(6, rng.NormFloat64), draw(3, one), draw(3, zero)}
	for _, fan := range [][2]int{{2*3 + 2, 5}, {5, 5}, {5, 2}} {
		lim := 1 / math.Sqrt(float64(fan[0]))
		u := func() float64 { return (2*rng.Float64() - 1) * lim }
		want = append(want, draw(fan[0]*fan[1], u), draw(fan[1], u))
	}
	w, err := n.Weights()
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range w.Values() {
		if !slices.Equal(got, want[i]) {
			t.Errorf("%s = %v, want %v", Layout(cfg)[i].Name, got, want[i])
		}
	}
}

func TestAdamMomentPathPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("AdamMomentPath(name, 3) did not panic")
		}
	}()
	AdamMomentPath("rf/alpha", 3)
}
