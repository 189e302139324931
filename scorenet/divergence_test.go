package scorenet

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// TestScoreDivergenceBatch checks the divergence of both paths, the
// graph's reverse-mode Jacobian trace and fastnet's forward-mode tangents,
// against central differences of referenceScores (float64, h = 1e-7: an
// error near 1e-8, and a ReLU kink within ±h is rare), and against each
// other, at d = 2 and 5 for both activations.
func TestScoreDivergenceBatch(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 4)
	for _, cfg := range []Config{
		{Dim: 2, Features: 16, Width: 24, Depth: 2, Sigmas: sigmas},
		{Dim: 2, Features: 16, Width: 24, Depth: 2, Sigmas: sigmas, Activation: "softplus"},
		{Dim: 5, Features: 12, Width: 40, Depth: 3, Sigmas: sigmas},
		{Dim: 5, Features: 12, Width: 40, Depth: 3, Sigmas: sigmas, Activation: "softplus"},
	} {
		t.Run(fmt.Sprintf("d=%d,%s", cfg.Dim, cfg.Activation), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			n, err := New(gobackend.GetBackend(), cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			d, pts := n.Config().Dim, 37 // a block of 32 and a partial one
			x := make([]float64, pts*d)
			for i := range x {
				x[i] = 1.4*rng.Float64() - 0.2
			}
			for _, level := range []int{0, 3} {
				const h = 1e-7
				want := make([]float64, pts)
				xp := append([]float64(nil), x...)
				for k := range d {
					for i := range pts {
						xp[i*d+k] = x[i*d+k] + h
					}
					sp := referenceScores(t, n, xp, level)
					for i := range pts {
						xp[i*d+k] = x[i*d+k] - h
					}
					sm := referenceScores(t, n, xp, level)
					for i := range pts {
						xp[i*d+k] = x[i*d+k]
						want[i] += (sp[i*d+k] - sm[i*d+k]) / (2 * h)
					}
				}
				divs := map[string][]float64{}
				for _, path := range []string{"graph", "fast"} {
					n.UseGraph(path == "graph")
					if path == "fast" && !n.FastPath() {
						t.Logf("no fast path on this CPU or build")
						continue
					}
					dst, div := make([]float64, len(x)), make([]float64, pts)
					if err := n.ScoreDivergenceBatch(dst, div, x, level); err != nil {
						t.Fatal(err)
					}
					// float32 evaluation: the scores within ScoreBatch's
					// 1e-4; the divergence (relative norm over the points)
					// was within 1e-6 on both paths here.
					if e := numtest.RelErr(dst, referenceScores(t, n, x, level)); !(e <= 1e-4) {
						t.Errorf("%s, level %d: scores relative error %.3g > 1e-4", path, level, e)
					}
					if e := numtest.RelErr(div, want); !(e <= 3e-5) {
						t.Errorf("%s, level %d: divergence relative error %.3g > 3e-5", path, level, e)
					}
					divs[path] = div
				}
				if divs["fast"] != nil {
					if e := numtest.RelErr(divs["fast"], divs["graph"]); !(e <= 3e-5) {
						t.Errorf("level %d: fast and graph divergences differ by %.3g (relative) > 3e-5", level, e)
					}
				}
			}
		})
	}
}

// TestScoreDivergenceBatchRejects checks that slices that do not fit and a
// level out of range, the caller's errors, panic.
func TestScoreDivergenceBatchRejects(t *testing.T) {
	n, err := New(gobackend.GetBackend(), Config{Features: 4, Width: 8, Depth: 1, Sigmas: sgm.Schedule{1, 0.1}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 6)
	for name, c := range map[string]struct {
		dst, div []float64
		level    int
	}{
		"short dst": {make([]float64, 4), make([]float64, 3), 0},
		"short div": {make([]float64, 6), make([]float64, 2), 0},
		"level":     {make([]float64, 6), make([]float64, 3), 2},
	} {
		t.Run(name, func(t *testing.T) {
			numtest.WantPanic(t, "scorenet: ScoreDivergenceBatch: ", func() { _ = n.ScoreDivergenceBatch(c.dst, c.div, x, c.level) })
		})
	}
}

// BenchmarkScoreDivergenceBatch measures scores with their divergence on
// the blog post's network at level 17, 4096 points (issue 13; the PyTorch
// peer's --divergence-particles 4096), on the path ScoreDivergenceBatch
// takes here.
func BenchmarkScoreDivergenceBatch(b *testing.B) {
	n, err := New(gobackend.GetBackend(), Config{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	const pts = 4096
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 2*pts)
	for i := range x {
		x[i] = rng.Float64()
	}
	dst, div := make([]float64, len(x)), make([]float64, pts)
	b.ReportAllocs()
	for b.Loop() {
		if err := n.ScoreDivergenceBatch(dst, div, x, 17); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(pts*float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}
