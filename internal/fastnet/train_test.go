package fastnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// refLossGrad is the loss of GradientAllLevels or GradientOneLevel and its
// gradient, in float64 by plain backpropagation through the formula of the
// package doc, one row at a time. Row r perturbs point pt[r] at level
// lev[r] with noise z[r·d:].
func refLossGrad(p *Params, x []float32, pt, lev []int, z []float32, sigmas []float64) (float64, *Params) {
	d, F, D := p.Dim, p.Features, p.Depth
	g := &Params{Dim: d, Features: F, Width: p.Width, Depth: D,
		Alpha: make([]float32, len(p.Alpha)), Beta: make([]float32, len(p.Beta))}
	alpha, beta := make([]float64, len(p.Alpha)), make([]float64, len(p.Beta))
	dense := make([][]float64, D+1)
	bias := make([][]float64, D+1)
	for k := range D + 1 {
		dense[k] = make([]float64, len(p.Dense[k]))
		bias[k] = make([]float64, len(p.DenseBiases[k]))
	}
	n := len(pt)
	N := float64(n * d)
	var loss float64
	for r := range n {
		l, sig := lev[r], sigmas[lev[r]]
		u := make([]float64, d)
		for c := range d {
			u[c] = float64(x[pt[r]*d+c]) + sig*float64(z[r*d+c]) - 0.5
		}
		f := make([]float64, 2*F)
		for j := range 2 * F {
			b, fn := p.BCos, math.Cos
			if j >= F {
				b, fn = p.BSin, math.Sin
			}
			var t float64
			for c := range d {
				t += float64(b[(j%F)*d+c]) * u[c]
			}
			f[j] = fn(2 * math.Pi * t)
		}
		hs := [][]float64{make([]float64, 0, 2*F+d)}
		for _, fj := range f {
			hs[0] = append(hs[0], float64(p.Alpha[l])*fj+float64(p.Beta[l]))
		}
		hs[0] = append(hs[0], u...)
		for k := range D + 1 {
			in, out := hs[k], len(p.DenseBiases[k])
			next := make([]float64, out)
			for j := range out {
				s := float64(p.DenseBiases[k][j])
				for i, v := range in {
					s += v * float64(p.Dense[k][i*out+j])
				}
				if k < D {
					s = max(s, 0)
				}
				next[j] = s
			}
			hs = append(hs, next)
		}
		y := hs[D+1]
		dz := make([]float64, d)
		for c := range d {
			e := sig*y[c] + float64(z[r*d+c])
			loss += e * e
			dz[c] = 2 * sig * e / N
		}
		for k := D; k >= 0; k-- {
			in, out := hs[k], len(dz)
			dh := make([]float64, len(in))
			for i, v := range in {
				for j, g := range dz {
					dense[k][i*out+j] += v * g
					dh[i] += float64(p.Dense[k][i*out+j]) * g
				}
			}
			for j, g := range dz {
				bias[k][j] += g
			}
			if k > 0 {
				for i := range dh {
					if !(in[i] > 0) {
						dh[i] = 0
					}
				}
			} else {
				for j := range 2 * F {
					alpha[l] += f[j] * dh[j]
					beta[l] += dh[j]
				}
			}
			dz = dh
		}
	}
	to32 := func(v []float64) []float32 {
		s := make([]float32, len(v))
		for i, x := range v {
			s[i] = float32(x)
		}
		return s
	}
	g.Alpha, g.Beta = to32(alpha), to32(beta)
	for k := range D + 1 {
		g.Dense = append(g.Dense, to32(dense[k]))
		g.DenseBiases = append(g.DenseBiases, to32(bias[k]))
	}
	return loss / N, g
}

// compareGrads reports every parameter of got farther than tol from want
// in relative norm.
func compareGrads(t *testing.T, got, want *Params, tol float64) {
	t.Helper()
	check := func(name string, g, w []float32) {
		t.Helper()
		if len(g) != len(w) {
			t.Errorf("%s: %d values, want %d", name, len(g), len(w))
			return
		}
		if e := numtest.RelErr(g, w); !(e <= tol) {
			t.Errorf("%s: relative error %.3g > %.0e", name, e, tol)
		}
	}
	check("alpha", got.Alpha, want.Alpha)
	check("beta", got.Beta, want.Beta)
	for k := range want.Dense {
		check(fmt.Sprintf("dense_%d/weights", k), got.Dense[k], want.Dense[k])
		check(fmt.Sprintf("dense_%d/biases", k), got.DenseBiases[k], want.DenseBiases[k])
	}
	if got.BCos != nil || got.BSin != nil {
		t.Error("gradient has B_cos or B_sin")
	}
}

// trainConfigs are small networks for the gradient tests, and one of the
// seed's size.
var trainConfigs = []struct{ d, F, W, D, L, B int }{
	{2, 8, 16, 2, 5, 7},
	{3, 7, 40, 3, 4, 9},
	{1, 1, 1, 1, 1, 3},
	{2, 33, 70, 1, 6, 50}, // several blocks, padded panels
	{5, 20, 130, 2, 3, 11},
	{17, 9, 40, 2, 3, 9}, // d > 16, once past a fixed input buffer
	{64, 16, 48, 2, 3, 5},
	{2, 256, 256, 3, 30, 5},
}

// randomBatch draws B points uniform in [0, 1]^d, noise for rows rows,
// one level per point and a geometric schedule of L levels.
func randomBatch(d, B, L, rows int, rng *rand.Rand) (x, z []float32, levels []int32, sigmas []float64) {
	x = make([]float32, B*d)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	z = randFloats(rows*d, rng)
	levels = make([]int32, B)
	for i := range levels {
		levels[i] = int32(rng.IntN(L))
	}
	sigmas = make([]float64, L)
	for l := range sigmas {
		sigmas[l] = math.Pow(1e-2, float64(l)/float64(max(L-1, 1)))
	}
	return x, z, levels, sigmas
}

func TestGradientMatchesReference(t *testing.T) {
	kernels(t, func(t *testing.T) {
		for ci, c := range trainConfigs {
			rng := rand.New(rand.NewPCG(uint64(ci), 9))
			p := randomParams(c.d, c.F, c.W, c.D, c.L, rng)
			tr, err := NewTrainer(p, 1e-3)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("d=%d,F=%d,W=%d,D=%d,L=%d,B=%d", c.d, c.F, c.W, c.D, c.L, c.B)
			// The features' phase B·u sums d float32 products of up to
			// a few turns, so its rounding error, and that of every
			// gradient through the features, grows like √d: 1e-4 up to
			// d = 8, √(d/8)·1e-4 beyond.
			tol := 1e-4 * max(1, math.Sqrt(float64(c.d)/8))
			t.Run(name+"/all-levels", func(t *testing.T) {
				x, z, _, sigmas := randomBatch(c.d, c.B, c.L, c.B*c.L, rng)
				var pt, lev []int
				for i := range c.B {
					for l := range c.L {
						pt, lev = append(pt, i), append(lev, l)
					}
				}
				want, wantGrad := refLossGrad(&p, x, pt, lev, z, sigmas)
				var grad Params
				got := tr.GradientAllLevels(&grad, x, z, sigmas)
				if e := math.Abs(got-want) / want; e > 1e-4 {
					t.Errorf("loss %v, want %v (relative error %.3g)", got, want, e)
				}
				compareGrads(t, &grad, wantGrad, tol)
			})
			t.Run(name+"/one-level", func(t *testing.T) {
				x, z, levels, sigmas := randomBatch(c.d, 4*c.B, c.L, 4*c.B, rng)
				var pt, lev []int
				for i, l := range levels {
					pt, lev = append(pt, i), append(lev, int(l))
				}
				want, wantGrad := refLossGrad(&p, x, pt, lev, z, sigmas)
				var grad Params
				got := tr.GradientOneLevel(&grad, x, levels, z, sigmas)
				if e := math.Abs(got-want) / want; e > 1e-4 {
					t.Errorf("loss %v, want %v (relative error %.3g)", got, want, e)
				}
				compareGrads(t, &grad, wantGrad, tol)
			})
		}
	})
}

// stepFlops is the nominal cost of one training row as the peer counts
// it: three times the multiply-adds of the forward products.
func stepFlops(d, F, W, D int) float64 { return 3 * forwardFlops(d, F, W, D) }

func BenchmarkTrainStep(b *testing.B) {
	const d, F, W, D, L = 2, 256, 256, 3, 30
	p := randomParams(d, F, W, D, L, rand.New(rand.NewPCG(1, 2)))
	for _, c := range []struct {
		objective string
		batch     int
	}{{"all-levels", 256}, {"one-level", 1024}} {
		b.Run(fmt.Sprintf("objective=%s/batch=%d", c.objective, c.batch), func(b *testing.B) {
			tr, err := NewTrainer(p, 1e-3)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			rows := c.batch
			if c.objective == "all-levels" {
				rows *= L
			}
			x, z, levels, sigmas := randomBatch(d, c.batch, L, rows, rng)
			b.ReportAllocs()
			for b.Loop() {
				if c.objective == "all-levels" {
					tr.StepAllLevels(x, z, sigmas)
				} else {
					tr.StepOneLevel(x, levels, z, sigmas)
				}
			}
			sps := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(sps, "steps/s")
			b.ReportMetric(sps*float64(rows)*stepFlops(d, F, W, D)/1e9, "GFLOP/s")
		})
	}
}

// refAdam is GoMLX's Adam (ml/train/optimizer/adam.go) written out in
// float64 with every operation rounded to float32, as the float32 graph
// rounds it: step t (1-based), β1 = 0.9, β2 = 0.999, ε = 1e-8 (AdamEpsilon).
func refAdam(theta, m, v, g []float32, lr float64, t int64) {
	r := func(x float64) float64 { return float64(float32(x)) }
	b1, b2, eps, lr32 := r(0.9), r(0.999), r(1e-8), r(lr)
	debias1 := r(1 / r(1-r(math.Pow(b1, float64(t)))))
	debias2 := r(1 / r(1-r(math.Pow(b2, float64(t)))))
	for i := range theta {
		gi := float64(g[i])
		mi := r(r(b1*float64(m[i])) + r(r(1-b1)*gi))
		vi := r(r(b2*float64(v[i])) + r(r(1-b2)*r(gi*gi)))
		step := r(r(lr32*r(mi*debias1)) / r(r(math.Sqrt(r(vi*debias2)))+eps))
		m[i], v[i], theta[i] = float32(mi), float32(vi), float32(r(float64(theta[i])-step))
	}
}

// TestAdam feeds the same gradients to the trainer's update and to refAdam
// and wants the same float32 values, bit for bit.
func TestAdam(t *testing.T) {
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(4, 4))
		p := randomParams(2, 5, 9, 2, 3, rng)
		const lr = 3e-3
		tr, err := NewTrainerFromState(p, lr, 7, Params{}, Params{})
		if err != nil {
			t.Fatal(err)
		}
		n := len(tr.theta)
		theta := append([]float32(nil), tr.theta...)
		m, v := make([]float32, n), make([]float32, n)
		for step := int64(8); step <= 12; step++ {
			for i := range tr.grad {
				switch rng.IntN(4) {
				case 0:
					tr.grad[i] = 0
				case 1:
					tr.grad[i] = float32(rng.NormFloat64() * 1e-9)
				default:
					tr.grad[i] = float32(rng.NormFloat64())
				}
			}
			refAdam(theta, m, v, tr.grad, lr, step)
			tr.update()
			for i := range theta {
				if tr.theta[i] != theta[i] || tr.m[i] != m[i] || tr.v[i] != v[i] {
					t.Fatalf("step %d, parameter %d: (θ, m, v) = (%v, %v, %v), want (%v, %v, %v)",
						step, i, tr.theta[i], tr.m[i], tr.v[i], theta[i], m[i], v[i])
				}
			}
		}
		if s, _, _ := tr.AdamState(); s != 12 {
			t.Errorf("AdamState step %d, want 12", s)
		}
	})
}

// TestResume checks that a trainer rebuilt from another's parameters and
// Adam state continues exactly as the original does.
func TestResume(t *testing.T) {
	const d, F, W, D, L, B = 2, 6, 20, 2, 4, 30
	rng := rand.New(rand.NewPCG(8, 8))
	a, err := NewTrainer(randomParams(d, F, W, D, L, rng), 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	batch := func() (x, z []float32, sigmas []float64) {
		x, z, _, sigmas = randomBatch(d, B, L, B*L, rng)
		return x, z, sigmas
	}
	var losses []float64
	for range 3 {
		losses = append(losses, a.StepAllLevels(batch()))
	}
	step, m, v := a.AdamState()
	b, err := NewTrainerFromState(a.Params(), a.LearningRate(), step, m, v)
	if err != nil {
		t.Fatal(err)
	}
	x, z, sigmas := batch()
	if la, lb := a.StepAllLevels(x, z, sigmas), b.StepAllLevels(x, z, sigmas); la != lb {
		t.Errorf("losses after resuming differ: %v and %v", la, lb)
	}
	pa, pb := a.Params(), b.Params()
	for k := range pa.Dense {
		if numtest.RelErr(pb.Dense[k], pa.Dense[k]) != 0 || numtest.RelErr(pb.DenseBiases[k], pa.DenseBiases[k]) != 0 {
			t.Errorf("layer %d differs after resuming", k)
		}
	}
	if numtest.RelErr(pb.Alpha, pa.Alpha) != 0 || numtest.RelErr(pb.Beta, pa.Beta) != 0 {
		t.Error("α or β differs after resuming")
	}
	if !(losses[2] < losses[0]) {
		t.Errorf("losses %v do not decrease", losses)
	}
}

func TestTrainerRejectsBadState(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := randomParams(2, 4, 5, 2, 3, rng)
	m := randomParams(2, 4, 5, 2, 3, rng)
	cases := []struct {
		name string
		lr   float64
		step int64
		m    Params
		want string
	}{
		{"lr", 0, 0, Params{}, "learning rate"},
		{"nan lr", math.NaN(), 0, Params{}, "learning rate"},
		{"step", 1e-3, -1, Params{}, "step"},
		{"moment", 1e-3, 1, Params{Alpha: m.Alpha}, "first moment"},
		{"layer", 1e-3, 1, Params{Alpha: m.Alpha, Beta: m.Beta, Dense: m.Dense[:2], DenseBiases: m.DenseBiases}, "dense matrices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewTrainerFromState(p, c.lr, c.step, c.m, Params{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
	p.Beta = p.Beta[:1]
	if _, err := NewTrainer(p, 1e-3); err == nil {
		t.Error("NewTrainer accepted bad parameters")
	}
}

func TestTrainerPanics(t *testing.T) {
	tr, err := NewTrainer(randomParams(2, 4, 5, 1, 3, rand.New(rand.NewPCG(1, 1))), 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	sig := []float64{1, 0.5, 0.1}
	x := make([]float32, 4)
	cases := []struct {
		name string
		f    func()
	}{
		{"sigmas", func() { tr.StepAllLevels(x, make([]float32, 12), sig[:2]) }},
		{"sigma", func() { tr.StepAllLevels(x, make([]float32, 12), []float64{1, 0, 1}) }},
		{"x", func() { tr.StepAllLevels(x[:3], make([]float32, 12), sig) }},
		{"z", func() { tr.StepAllLevels(x, make([]float32, 11), sig) }},
		{"levels", func() { tr.StepOneLevel(x, []int32{0}, x, sig) }},
		{"level", func() { tr.StepOneLevel(x, []int32{0, 3}, x, sig) }},
		{"one-level z", func() { tr.StepOneLevel(x, []int32{0, 1}, x[:2], sig) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { numtest.WantPanic(t, "fastnet: ", c.f) })
	}
}
