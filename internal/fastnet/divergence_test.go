package fastnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// fdDivergence is the divergence of the float64 reference score by central
// differences, Σ_k (s_k(x + h e_k) - s_k(x - h e_k)) / 2h. With h = 1e-7
// its error is about h²|∂³s| + ε₆₄|s|/h, below 1e-8 here, so the
// comparison measures the float32 evaluation alone; and a ReLU unit whose
// pre-activation crosses 0 within ±h (which spoils the difference; at
// h = 1e-5 a few of the blog post's network's points do) is rare.
func fdDivergence(p *Params, x []float64, level int) []float64 {
	const h = 1e-7
	d := p.Dim
	div := make([]float64, len(x)/d)
	xp := append([]float64(nil), x...)
	for k := range d {
		for i := range div {
			xp[i*d+k] = x[i*d+k] + h
		}
		sp := reference(p, xp, level)
		for i := range div {
			xp[i*d+k] = x[i*d+k] - h
		}
		sm := reference(p, xp, level)
		for i := range div {
			xp[i*d+k] = x[i*d+k]
			div[i] += (sp[i*d+k] - sm[i*d+k]) / (2 * h)
		}
	}
	return div
}

func TestScoresDivergence(t *testing.T) {
	configs := []struct {
		d, F, W, D int
		softplus   bool
	}{
		{2, 256, 256, 3, false}, // the blog post's network
		{2, 256, 256, 3, true},
		{2, 5, 7, 3, false}, // padded units and panels
		{2, 5, 7, 3, true},
		{5, 20, 130, 2, false},
		{5, 20, 130, 2, true},
		{1, 3, 9, 1, false}, // one hidden layer: the output reads the first tangent
		{17, 8, 40, 2, true},
	}
	kernels(t, func(t *testing.T) {
		for ci, c := range configs {
			rng := rand.New(rand.NewPCG(uint64(ci), 21))
			p, net := randomNet(t, c.d, c.F, c.W, c.D, c.softplus, rng)
			for _, n := range []int{1, 31, 70} {
				t.Run(fmt.Sprintf("d=%d,F=%d,W=%d,D=%d,softplus=%v/n=%d", c.d, c.F, c.W, c.D, c.softplus, n), func(t *testing.T) {
					x := make([]float64, n*c.d)
					for i := range x {
						x[i] = 1.4*rng.Float64() - 0.2
					}
					for _, level := range []int{0, 3} {
						dst, div := make([]float64, len(x)), make([]float64, n)
						net.ScoresDivergence(dst, div, x, level)
						// float32 evaluation: the scores within Scores'
						// 1e-4; the divergence (relative norm over the
						// batch) was within 3.2e-6 in every case here, so
						// 3e-5 leaves a factor 10 for other kernels.
						if e := numtest.RelErr(dst, reference(&p, x, level)); !(e <= 1e-4) {
							t.Errorf("level %d: scores relative error %.3g > 1e-4", level, e)
						}
						if e := numtest.RelErr(div, fdDivergence(&p, x, level)); !(e <= 3e-5) {
							t.Errorf("level %d: divergence relative error %.3g > 3e-5", level, e)
						}
					}
				})
			}
		}
	})
}

func TestScoresDivergencePanics(t *testing.T) {
	net, err := New(randomParams(2, 4, 8, 2, 3, rand.New(rand.NewPCG(1, 1))))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 6)
	for name, f := range map[string]func(){
		"short div": func() { net.ScoresDivergence(make([]float64, 6), make([]float64, 2), x, 0) },
		"short dst": func() { net.ScoresDivergence(make([]float64, 4), make([]float64, 3), x, 0) },
		"odd x":     func() { net.ScoresDivergence(make([]float64, 5), make([]float64, 3), x[:5], 0) },
		"level":     func() { net.ScoresDivergence(make([]float64, 6), make([]float64, 3), x, 3) },
	} {
		t.Run(name, func(t *testing.T) { numtest.WantPanic(t, "fastnet: ", f) })
	}
}

// BenchmarkScoresDivergence measures scores with their divergence on the
// blog post's network at level 17, 4096 points in 2-D: the work of one
// stage of the probability-flow ODE (issue 13; the PyTorch peer's
// --divergence-particles 4096).
func BenchmarkScoresDivergence(b *testing.B) {
	net := seedNet(b)
	const n = 4096
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = rng.Float64()
	}
	dst, div := make([]float64, len(x)), make([]float64, n)
	b.ReportAllocs()
	for b.Loop() {
		net.ScoresDivergence(dst, div, x, 17)
	}
	b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "evals/s")
	if math.IsNaN(div[0]) {
		b.Fatal("NaN divergence")
	}
}
