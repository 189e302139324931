package fastnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// randomParams draws parameters shaped like a trained seed network: B from
// N(0, 1), α = 1 ± 0.3, β = ±0.2, dense weights and biases uniform in
// ±1/sqrt(fan-in) (the blog post's initialisation).
func randomParams(d, F, W, D, levels int, rng *rand.Rand) Params {
	p := Params{Dim: d, Features: F, Width: W, Depth: D}
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	uniform := func(n int, lo, hi float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		return v
	}
	p.BCos, p.BSin = normal(F*d), normal(F*d)
	p.Alpha, p.Beta = uniform(levels, 0.7, 1.3), uniform(levels, -0.2, 0.2)
	in := 2*F + d
	for k := 0; k <= D; k++ {
		out := W
		if k == D {
			out = d
		}
		lim := 1 / math.Sqrt(float64(in))
		p.Dense = append(p.Dense, uniform(in*out, -lim, lim))
		p.DenseBiases = append(p.DenseBiases, uniform(out, -lim, lim))
		in = out
	}
	return p
}

// randomNet is a Net of randomParams with 4 levels and the activation
// softplus or ReLU.
func randomNet(t *testing.T, d, F, W, D int, softplus bool, rng *rand.Rand) (Params, *Net) {
	t.Helper()
	p := randomParams(d, F, W, D, 4, rng)
	p.Softplus = softplus
	net, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, net
}

// reference is the network's formula (see the package doc) in float64.
func reference(p *Params, x []float64, level int) []float64 {
	d, F := p.Dim, p.Features
	dst := make([]float64, len(x))
	for i := 0; i < len(x); i += d {
		u := make([]float64, d)
		for k := range d {
			u[k] = x[i+k] - 0.5
		}
		h := make([]float64, 0, 2*F+d)
		for _, part := range []struct {
			b  []float32
			fn func(float64) float64
		}{{p.BCos, math.Cos}, {p.BSin, math.Sin}} {
			for j := range F {
				t := 0.0
				for k := range d {
					t += float64(part.b[j*d+k]) * u[k]
				}
				h = append(h, float64(p.Alpha[level])*part.fn(2*math.Pi*t)+float64(p.Beta[level]))
			}
		}
		h = append(h, u...)
		for k, w := range p.Dense {
			out := len(p.DenseBiases[k])
			next := make([]float64, out)
			for j := range out {
				s := float64(p.DenseBiases[k][j])
				for i, hi := range h {
					s += hi * float64(w[i*out+j])
				}
				if k < p.Depth && p.Softplus {
					s = math.Log1p(math.Exp(s))
				} else if k < p.Depth {
					s = max(s, 0)
				}
				next[j] = s
			}
			h = next
		}
		copy(dst[i:i+d], h)
	}
	return dst
}

// kernels runs f once with each set of kernels: the portable ones, the
// AVX2 ones and the AVX-512 ones; a set the CPU lacks is skipped with a
// message.
func kernels(t *testing.T, f func(t *testing.T)) {
	simd, avx2 := useSIMD, useAVX2
	defer func() { useSIMD, useAVX2 = simd, avx2 }()
	for _, k := range []struct {
		name       string
		simd, avx2 bool // the kernels' switches
		have       bool // the CPU has them
	}{
		{"generic", false, false, true},
		{"avx2", false, true, avx2},
		{"avx512", true, avx2, simd},
	} {
		t.Run(k.name, func(t *testing.T) {
			if !k.have {
				t.Skipf("no %s kernels on this CPU or build", k.name)
			}
			useSIMD, useAVX2 = k.simd, k.avx2
			f(t)
		})
	}
}

func TestScoresMatchReference(t *testing.T) {
	configs := []struct {
		d, F, W, D int
		softplus   bool
	}{
		{2, 256, 256, 3, false}, // the blog post's network
		{2, 16, 7, 1, false},
		{3, 7, 64, 2, false},
		{3, 33, 256, 1, false},
		{2, 5, 7, 3, false},
		{1, 1, 1, 1, false},
		{5, 20, 130, 2, false}, // row panels of 128 and 16; padded batch panels
		{2, 256, 256, 3, true}, // the blog post's network with softplus
		{2, 5, 7, 3, true},     // padded units, which softplus sets to log 2
		{5, 20, 130, 2, true},
		{8, 16, 40, 2, false},
		{64, 16, 48, 2, false},
		{64, 16, 48, 2, true},
	}
	kernels(t, func(t *testing.T) {
		for ci, c := range configs {
			rng := rand.New(rand.NewPCG(uint64(ci), 1))
			p, net := randomNet(t, c.d, c.F, c.W, c.D, c.softplus, rng)
			for _, n := range []int{1, 3, 17, 31, 40, 45, 50, 64, 4096} {
				if n == 4096 && c.W > 64 && (testing.Short() || c.softplus) {
					continue // the ReLU configurations cover many blocks
				}
				t.Run(fmt.Sprintf("d=%d,F=%d,W=%d,D=%d,softplus=%v/n=%d", c.d, c.F, c.W, c.D, c.softplus, n), func(t *testing.T) {
					x := make([]float64, n*c.d)
					for i := range x {
						x[i] = rng.Float64()
					}
					if n >= 40 { // a few points far out, where Langevin may wander
						for i := 0; i < len(x); i += 7 {
							x[i] = 6*rng.Float64() - 3
						}
					}
					for _, level := range []int{0, 3} {
						want := reference(&p, x, level)
						got := make([]float64, len(x))
						net.Scores(got, x, level)
						// float32 evaluation: relative errors are ~1e-6.
						if e := numtest.RelErr(got, want); !(e <= 1e-4) {
							t.Errorf("level %d: Scores relative error %.3g > 1e-4", level, e)
						}
						one := make([]float64, c.d)
						for i := 0; i < n; i += max(1, n/5) {
							net.ScoreOne(one, x[i*c.d:(i+1)*c.d], level)
							if e := numtest.RelErr(one, want[i*c.d:(i+1)*c.d]); !(e <= 1e-4) {
								t.Errorf("level %d point %d: ScoreOne relative error %.3g > 1e-4", level, i, e)
							}
						}
					}
				})
			}
		}
	})
}

// TestTrig checks the float32 sin(2πt) and cos(2πt) of both feature
// kernels against math.Sin and math.Cos of the same float32 t.
func TestTrig(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var ts []float32
	for _, scale := range []float64{0.5, 1, 3, 100, 1e4, 1e6} {
		for range 4096 {
			ts = append(ts, float32(scale*(2*rng.Float64()-1)))
		}
	}
	for i := -64; i <= 64; i++ { // multiples of 1/8 and their neighbours
		v := float32(i) / 8
		ts = append(ts, v, math.Nextafter32(v, 10), math.Nextafter32(v, -10))
	}
	ts = append(ts, 0, float32(math.Copysign(0, -1)), 1<<22+0.5, -(1 << 23), 3e9, -3e9)
	for len(ts)%lanes != 0 {
		ts = append(ts, 0)
	}
	check := func(t *testing.T, kind string, tt, got float32) {
		// Reduce first: math.Sin(2π t) itself is inexact for large t.
		f := float64(tt) - math.Round(float64(tt))
		want := math.Cos(2 * math.Pi * f)
		if kind == "sin" {
			want = math.Sin(2 * math.Pi * f)
		}
		if e := math.Abs(float64(got) - want); e > 5e-7 {
			t.Errorf("%s(2π·%v) = %v, want %v (error %.3g)", kind, tt, got, want, e)
		}
	}
	kernels(t, func(t *testing.T) {
		// Row kernel: d = 1, u = 1, bt = t for both halves.
		fp := len(ts)
		bt := append(append([]float32(nil), ts...), ts...)
		h := make([]float32, 2*fp)
		featuresRow(bt, 1, fp, 1, []float32{1}, h)
		for j, tt := range ts {
			check(t, "cos", tt, h[j])
			check(t, "sin", tt, h[fp+j])
		}
		// Block kernel: d = 1, b = 1, u = 32 values of t at a time.
		b := []float32{1, 1}
		hb := make([]float32, 2*lanes)
		for i := 0; i < len(ts); i += lanes {
			featuresBlock(b, 1, 1, 1, ts[i:i+lanes], hb)
			for l := range lanes {
				check(t, "cos", ts[i+l], hb[l])
				check(t, "sin", ts[i+l], hb[lanes+l])
			}
		}
	})
}

// TestSparse checks the single-point path's compaction of a ReLU output
// and the product over its nonzero rows against the dense product.
func TestSparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	kernels(t, func(t *testing.T) {
		for _, K := range []int{16, 48, 256} {
			for _, width := range []int{16, 64} {
				h := make([]float32, K)
				for i := range h {
					switch rng.IntN(3) {
					case 0:
						h[i] = float32(rng.Float64())
					case 1:
						h[i] = float32(math.Copysign(0, -1))
					}
				}
				w := make([]float32, K*width)
				bias := make([]float32, width)
				for i := range w {
					w[i] = float32(rng.NormFloat64())
				}
				for i := range bias {
					bias[i] = float32(rng.NormFloat64())
				}
				idx, val := make([]int32, K+16), make([]float32, K+16)
				nz := compactNonzero(idx, val, h)
				want := 0
				for i, v := range h {
					if v != 0 {
						if idx[want] != int32(i) || val[want] != v {
							t.Fatalf("K=%d: entry %d is (%d, %v), want (%d, %v)", K, want, idx[want], val[want], i, v)
						}
						want++
					}
				}
				if nz != want {
					t.Fatalf("K=%d: %d nonzero entries, want %d", K, nz, want)
				}
				for _, relu := range []bool{false, true} {
					dense, sparse := make([]float32, width), make([]float32, width)
					matvecPanelGeneric(w, K, width, h, bias, dense, relu)
					matvecSparse(w, K, width, idx[:nz], val[:nz], bias, sparse, relu)
					for c := range dense {
						if d := math.Abs(float64(dense[c] - sparse[c])); d > 1e-5*(1+math.Abs(float64(dense[c]))) {
							t.Errorf("K=%d width=%d relu=%v: column %d is %v, want %v", K, width, relu, c, sparse[c], dense[c])
						}
					}
				}
			}
		}
	})
}

// TestConcurrent runs Scores and ScoreOne from several goroutines at once
// (run it with -race).
func TestConcurrent(t *testing.T) {
	p := randomParams(2, 16, 16, 2, 2, rand.New(rand.NewPCG(5, 5)))
	net, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 2*100)
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range x {
		x[i] = rng.Float64()
	}
	want := make([]float64, len(x))
	net.Scores(want, x, 1)
	errs := make(chan string, 8)
	for g := range 8 {
		go func() {
			got := make([]float64, len(x))
			if g%2 == 0 {
				net.Scores(got, x, 1)
			} else {
				for i := 0; i < len(x); i += 2 {
					net.ScoreOne(got[i:i+2], x[i:i+2], 1)
				}
			}
			msg := ""
			if e := numtest.RelErr(got, want); !(e <= 1e-5) {
				msg = fmt.Sprintf("goroutine %d: relative error %.3g", g, e)
			}
			errs <- msg
		}()
	}
	for range 8 {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}

func TestChain(t *testing.T) {
	p := randomParams(2, 32, 32, 2, 3, rand.New(rand.NewPCG(3, 4)))
	net, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	const eta, steps, level = 1e-3, 50, 2
	for _, n := range []int{1, 40} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			start := rand.New(rand.NewPCG(5, uint64(n)))
			x0 := make([]float64, 2*n)
			for i := range x0 {
				x0[i] = start.Float64()
			}
			// The update written out, as package sample's Langevin runs it.
			want := append([]float64(nil), x0...)
			g := make([]float64, len(want))
			rng := rand.New(rand.NewPCG(9, 9))
			for range steps {
				net.Scores(g, want, level)
				for i := range want {
					want[i] += eta/2*g[i] + math.Sqrt(eta)*rng.NormFloat64()
				}
			}
			got := append([]float64(nil), x0...)
			calls := 0
			net.Chain(got, level, eta, steps, rand.New(rand.NewPCG(9, 9)), func(step int, x []float64) {
				calls++
				if step != calls {
					t.Errorf("record called with step %d, want %d", step, calls)
				}
			})
			if calls != steps {
				t.Errorf("record called %d times, want %d", calls, steps)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("x[%d] = %v after Chain, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestNewRejectsBadShapes(t *testing.T) {
	good := func() Params { return randomParams(2, 4, 5, 2, 3, rand.New(rand.NewPCG(1, 1))) }
	cases := []struct {
		name   string
		mutate func(p *Params)
		want   string
	}{
		{"dim", func(p *Params) { p.Dim = 0 }, "dimension"},
		{"features", func(p *Params) { p.Features = 0 }, "features"},
		{"width", func(p *Params) { p.Width = -1 }, "width"},
		{"depth", func(p *Params) { p.Depth = 0 }, "depth"},
		{"BCos", func(p *Params) { p.BCos = p.BCos[1:] }, "BCos"},
		{"BSin", func(p *Params) { p.BSin = nil }, "BSin"},
		{"levels", func(p *Params) { p.Alpha, p.Beta = nil, nil }, "noise level"},
		{"beta", func(p *Params) { p.Beta = p.Beta[:1] }, "Beta"},
		{"layers", func(p *Params) { p.Dense = p.Dense[:2] }, "dense matrices"},
		{"biases", func(p *Params) { p.DenseBiases = p.DenseBiases[:2] }, "bias vectors"},
		{"matrix", func(p *Params) { p.Dense[1] = p.Dense[1][:24] }, "dense matrix 1"},
		{"bias", func(p *Params) { p.DenseBiases[2] = p.DenseBiases[2][:1] }, "dense bias 2"},
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("good parameters: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good()
			c.mutate(&p)
			_, err := New(p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New: error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestPanics(t *testing.T) {
	net, err := New(randomParams(2, 4, 5, 1, 3, rand.New(rand.NewPCG(1, 1))))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name string
		f    func()
	}{
		{"level", func() { net.Scores(make([]float64, 2), make([]float64, 2), 3) }},
		{"negative level", func() { net.ScoreOne(make([]float64, 2), make([]float64, 2), -1) }},
		{"lengths", func() { net.Scores(make([]float64, 2), make([]float64, 4), 0) }},
		{"dimension", func() { net.Scores(make([]float64, 3), make([]float64, 3), 0) }},
		{"one", func() { net.ScoreOne(make([]float64, 4), make([]float64, 4), 0) }},
		{"eta", func() { net.Chain(make([]float64, 2), 0, 0, 1, rng, nil) }},
		{"steps", func() { net.Chain(make([]float64, 2), 0, 1e-3, -1, rng, nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { numtest.WantPanic(t, "fastnet: ", c.f) })
	}
}

// seedNet is the blog post's reference network: d = 2, 256 features, three
// hidden layers of 256 units, 30 noise levels.
func seedNet(b *testing.B) *Net {
	net, err := New(randomParams(2, 256, 256, 3, 30, rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkScores(b *testing.B) {
	net := seedNet(b)
	for _, n := range []int{1, 32, 4096} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := make([]float64, 2*n)
			for i := range x {
				x[i] = rng.Float64()
			}
			dst := make([]float64, len(x))
			b.ReportAllocs()
			for b.Loop() {
				net.Scores(dst, x, 17)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "particle-steps/s")
		})
	}
}

func BenchmarkScoreOne(b *testing.B) {
	net := seedNet(b)
	x, dst := []float64{0.3, 0.6}, make([]float64, 2)
	b.ReportAllocs()
	for b.Loop() {
		net.ScoreOne(dst, x, 17)
	}
}

func BenchmarkChain(b *testing.B) {
	net := seedNet(b)
	for _, steps := range []int{10000} {
		b.Run(fmt.Sprintf("steps=%d", steps), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			b.ReportAllocs()
			for b.Loop() {
				x := []float64{0.5, 0.5}
				net.Chain(x, 17, 1e-3, steps, rng, nil)
			}
			b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds(), "particle-steps/s")
		})
	}
}
