package scorenet

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/gobackendpasses"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// chainNet is a small network with non-trivial biases, so its score moves
// the points.
func chainNet(t *testing.T) *Net {
	t.Helper()
	sigmas, _ := sgm.Geometric(0.01, 1, 4)
	n, err := New(gobackend.GetBackend(), Config{Features: 8, Width: 16, Depth: 2, Sigmas: sigmas}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestChainFollowsLangevin checks the compiled chain against Langevin
// steps taken in Go with ScoreBatch and the same noise: the generator's
// draws are replayed by a separate graph from the same seed.
func TestChainFollowsLangevin(t *testing.T) {
	gobackendpasses.Disable(t)
	n := chainNet(t)
	const (
		rows, steps, level = 5, 12, 2
		eta                = 1e-2
		seed               = 9
	)
	start := make([]float64, rows*2)
	for i := range start {
		start[i] = 0.1 + 0.08*float64(i)
	}
	// The noise, drawn as the loop body draws it: one normal [rows, 2] per
	// step from the state threaded through.
	draw := MustNewExec(n.Backend(), func(r *Node) (*Node, *Node) {
		return RandomNormal(r, shapes.Make(dtypes.Float32, rows, 2))
	})
	state, err := RNGStateFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]float64(nil), start...)
	s := make([]float64, len(want))
	for range steps {
		out := draw.MustCall(state)
		state = out[0]
		z := out[1].Value().([][]float32)
		if err := n.ScoreBatch(s, want, level); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			want[i] += eta/2*s[i] + math.Sqrt(eta)*float64(z[i/2][i%2])
		}
	}
	for _, perCall := range []int{steps, 5} { // one call; calls of 5, 5 and 2
		c, err := n.NewChain(level, eta, perCall)
		if err != nil {
			t.Fatal(err)
		}
		got := append([]float64(nil), start...)
		if err := c.Run(got, steps, seed); err != nil {
			t.Fatal(err)
		}
		// float32 in the graph against float64 here: agreement to a few
		// float32 roundings per step.
		if e := numtest.RelErr(got, want); !(e <= 1e-5) {
			t.Errorf("%d steps per call: relative difference %g from the Go-side chain\ngot  %v\nwant %v", perCall, e, got, want)
		}
	}
}

// TestChainUsesMovingAverages checks that the EMA view's chain runs with
// the averaged weights.
func TestChainUsesMovingAverages(t *testing.T) {
	gobackendpasses.Disable(t)
	n := chainNet(t)
	// Moving averages that differ from the weights: the output biases plus 1.
	for v := range n.Scope().IterVariables() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		clone, err := val.Clone()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(v.Path(), "dense_2/biases") { // the output layer
			clone.MutableFlatData(func(flat any) {
				for i := range flat.([]float32) {
					flat.([]float32)[i]++
				}
			})
		}
		if _, err := n.store.CreateVariable(EMAPrefix+v.Path(), clone); err != nil {
			t.Fatal(err)
		}
	}
	ema, ok := n.EMA()
	if !ok {
		t.Fatal("no moving averages")
	}
	run := func(n *Net) []float64 {
		c, err := n.NewChain(1, 1e-3, 4)
		if err != nil {
			t.Fatal(err)
		}
		x := []float64{0.4, 0.6}
		if err := c.Run(x, 4, 1); err != nil {
			t.Fatal(err)
		}
		return x
	}
	plain, averaged := run(n), run(ema)
	// The last layer's biases move the score by 1 per coordinate: over 4
	// steps of η/2 = 5e-4 the points part by 2e-3.
	for i := range plain {
		if d := averaged[i] - plain[i]; math.Abs(d-2e-3) > 2e-4 {
			t.Errorf("coordinate %d: averaged minus plain %g, want about 2e-3", i, d)
		}
	}
}

func TestChainErrors(t *testing.T) {
	n := chainNet(t)
	if _, err := n.NewChain(1, 1e-3, 10); err == nil || !strings.Contains(err.Error(), "XLA") {
		t.Errorf("a chain on the Go backend: error %v, want one naming XLA", err)
	}
	gobackendpasses.Disable(t)
	for _, c := range []struct {
		level   int
		eta     float64
		perCall int
	}{{0, 0, 1}, {0, math.Inf(1), 1}, {0, 1e-3, 0}} {
		if _, err := n.NewChain(c.level, c.eta, c.perCall); err == nil {
			t.Errorf("NewChain(%d, %v, %d): no error", c.level, c.eta, c.perCall)
		}
	}
	// A level out of range, points that are not whole and negative steps
	// are the caller's errors: they panic.
	for _, level := range []int{-1, 4} {
		numtest.WantPanic(t, "scorenet: NewChain: ", func() { _, _ = n.NewChain(level, 1e-3, 1) })
	}
	c, err := n.NewChain(0, 1e-3, 1)
	if err != nil {
		t.Fatal(err)
	}
	numtest.WantPanic(t, "scorenet: Chain.Run: ", func() { _ = c.Run([]float64{1, 2, 3}, 1, 0) })
	numtest.WantPanic(t, "scorenet: Chain.Run: ", func() { _ = c.Run([]float64{1, 2}, -1, 0) })
	if err := c.Run(nil, 1, 0); err != nil {
		t.Errorf("Run on no points: %v", err)
	}
}
