package scorenet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// referenceScores evaluates the network of the package doc in plain Go,
// float64, from the network's variables: the specification the graph is
// checked against.
func referenceScores(t *testing.T, n *Net, x []float64, level int) []float64 {
	t.Helper()
	get := func(name string) []float64 {
		v, err := n.VariableValues(name)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, len(v))
		for i, f := range v {
			out[i] = float64(f)
		}
		return out
	}
	cfg := n.Config()
	F, d := cfg.Features, cfg.Dim
	bcos, bsin := get("rf/B_cos"), get("rf/B_sin")
	alpha, beta := get("rf/alpha")[level], get("rf/beta")[level]
	var out []float64
	for p := 0; p < len(x)/d; p++ {
		u := make([]float64, d)
		for k := range u {
			u[k] = x[p*d+k] - 0.5
		}
		h := make([]float64, 0, 2*F+d)
		for _, trig := range []struct {
			b []float64
			f func(float64) float64
		}{{bcos, math.Cos}, {bsin, math.Sin}} {
			for j := 0; j < F; j++ {
				var dot float64
				for k := range u {
					dot += trig.b[j*d+k] * u[k]
				}
				h = append(h, alpha*trig.f(2*math.Pi*dot)+beta)
			}
		}
		h = append(h, u...)
		for k := 0; k <= cfg.Depth; k++ {
			w, b := get(fmt.Sprintf("dense_%d/weights", k)), get(fmt.Sprintf("dense_%d/biases", k))
			next := make([]float64, len(b))
			for o := range next {
				s := b[o]
				for i := range h {
					s += h[i] * w[i*len(b)+o]
				}
				if k < cfg.Depth {
					if cfg.Activation == "softplus" {
						s = math.Log1p(math.Exp(s))
					} else {
						s = max(s, 0)
					}
				}
				next[o] = s
			}
			h = next
		}
		out = append(out, h...)
	}
	return out
}

func TestScoresMatchReference(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 4)
	for _, cfg := range []Config{
		{Features: 8, Width: 16, Depth: 1, Sigmas: sigmas},
		{Features: 32, Width: 24, Depth: 3, Sigmas: sigmas},
		{Dim: 3, Features: 5, Width: 7, Depth: 2, Sigmas: sigmas},
		{Features: 6, Width: 9, Depth: 2, Sigmas: sigmas, Activation: "softplus"},
		{Features: 32, Width: 70, Depth: 3, Sigmas: sigmas, Activation: "softplus"},
	} {
		t.Run(fmt.Sprintf("d=%d,F=%d,W=%d,D=%d,%s", cfg.Dim, cfg.Features, cfg.Width, cfg.Depth, cfg.Activation), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			n, err := New(gobackend.GetBackend(), cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			d := n.Config().Dim
			x := make([]float64, 10*d)
			for i := range x {
				x[i] = rng.Float64()
			}
			for _, level := range []int{0, 3} {
				want := referenceScores(t, n, x, level)
				byPath := map[string][]float64{}
				for _, path := range []string{"graph", "fast"} {
					n.UseGraph(path == "graph")
					if path == "fast" && !fastnet.Accelerated() {
						continue // no fast path for this network here
					}
					if n.FastPath() != (path == "fast") {
						t.Fatalf("FastPath() = %v evaluating the %s path", n.FastPath(), path)
					}
					got := make([]float64, len(x))
					if err := n.ScoreBatch(got, x, level); err != nil {
						t.Fatal(err)
					}
					byPath[path] = got
					// float32 evaluation against the float64 reference:
					// relative error of the whole vector within 1e-4 (the
					// bound the fast path is held to).
					if r := numtest.RelErr(got, want); !(r <= 1e-4) {
						t.Errorf("level %d: relative error %.3g between %s and reference", level, r, path)
					}
				}
				if byPath["fast"] == nil {
					continue
				}
				if r := numtest.RelErr(byPath["fast"], byPath["graph"]); !(r <= 1e-4) {
					t.Errorf("level %d: relative error %.3g between the fast path and the GoMLX graph", level, r)
				}
			}
		})
	}
}

func TestInitialisation(t *testing.T) {
	n, err := New(gobackend.GetBackend(), Config{}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := n.Config()
	if cfg.Features != 256 || cfg.Width != 256 || cfg.Depth != 3 || cfg.Dim != 2 || len(cfg.Sigmas) != 30 {
		t.Errorf("defaults = %+v, want the blog post's (256 features, width 256, depth 3, d 2, 30 levels)", cfg)
	}
	b, _ := n.VariableValues("rf/B_cos")
	var m, v float64
	for _, f := range b {
		m += float64(f)
	}
	m /= float64(len(b))
	for _, f := range b {
		v += (float64(f) - m) * (float64(f) - m)
	}
	v /= float64(len(b) - 1)
	// 512 N(0,1) draws: mean within 5/sqrt(512) = 0.22, variance within
	// 5*sqrt(2/511) = 0.31 of 1.
	if math.Abs(m) > 0.22 || math.Abs(v-1) > 0.31 {
		t.Errorf("B_cos mean %.3f variance %.3f, want N(0,1) draws", m, v)
	}
	w, _ := n.VariableValues("dense_0/weights")
	lim := 1 / math.Sqrt(2*256+2)
	for _, f := range w {
		if math.Abs(float64(f)) > lim {
			t.Fatalf("dense_0 weight %v outside ±1/sqrt(fan-in) = %v", f, lim)
		}
	}
	a, _ := n.VariableValues("rf/alpha")
	if a[0] != 1 || a[29] != 1 {
		t.Errorf("alpha starts at %v, want ones", a)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{Width: -1}, {Depth: -3}, {Features: -1}, {Sigmas: sgm.Schedule{}}, {Sigmas: sgm.Schedule{0.1, -1}}, {Activation: "sigmoid"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}

// TestMisusePanics checks the root package's contract on Net: misuse
// panics with a "scorenet: " message naming what is wrong.
func TestMisusePanics(t *testing.T) {
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 2, Depth: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	panics := func(name, want string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			msg, _ := r.(string)
			if !strings.HasPrefix(msg, "scorenet: ") || !strings.Contains(msg, want) {
				t.Errorf("%s: panic %v, want a scorenet one naming %q", name, r, want)
			}
		}()
		f()
	}
	panics("ScoreBatch level 30 of 30", "out of range", func() { n.ScoreBatch(make([]float64, 2), []float64{0, 0}, 30) })
	panics("AtLevel(-1)", "out of range", func() { n.AtLevel(-1) })
	panics("Sigma(30)", "out of range", func() { n.Sigma(30) })
	for _, c := range []struct{ dst, x int }{{2, 3}, {3, 3}, {4, 2}} {
		panics(fmt.Sprintf("len(dst)=%d, len(x)=%d", c.dst, c.x), "len(", func() { n.ScoreBatch(make([]float64, c.dst), make([]float64, c.x), 0) })
		panics(fmt.Sprintf("AtLevel: len(dst)=%d, len(x)=%d", c.dst, c.x), "len(", func() { n.AtLevel(0).ScoreBatch(make([]float64, c.dst), make([]float64, c.x)) })
	}
	panics("NewLangevin at level 30 of 30", "out of range", func() { _, _ = n.NewLangevin(30, 1e-3, 10) })
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(gobackend.GetBackend(), dir+"/missing"); err == nil {
		t.Error("Load of a missing directory succeeded")
	}
	if _, err := Load(gobackend.GetBackend(), dir); err == nil {
		t.Error("Load of an empty directory succeeded")
	}
}

// After training steps the fast evaluator must follow the new weights.
func TestFastPathFollowsTraining(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 3)
	n, err := New(gobackend.GetBackend(), Config{Features: 4, Width: 8, Depth: 1, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.2, 0.7}
	before := make([]float64, 2)
	if err := n.ScoreBatch(before, x, 1); err != nil {
		t.Fatal(err)
	}
	// Change a weight and the step count, as a training step does.
	v := n.store.GetVariable("/scorenet/dense_1/biases")
	b, _ := v.Value()
	vals, _ := tensors.CopyFlatData[float32](b)
	vals[0] += 1
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, len(vals))); err != nil {
		t.Fatal(err)
	}
	step := optimizer.GetGlobalStepVar(n.store)
	if err := step.SetValue(tensors.FromScalar(int64(1))); err != nil {
		t.Fatal(err)
	}
	after := make([]float64, 2)
	if err := n.ScoreBatch(after, x, 1); err != nil {
		t.Fatal(err)
	}
	if math.Abs(after[0]-before[0]-1) > 1e-5 {
		t.Errorf("score moved from %v to %v after a bias changed by 1", before, after)
	}
}

// BenchmarkScoreBatch evaluates the blog post's reference network at one point
// and at 4096 points, through the fast path and through the graph.
func BenchmarkScoreBatch(b *testing.B) {
	n, err := New(gobackend.GetBackend(), Config{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"fast", "graph"} {
		for _, rows := range []int{1, 4096} {
			b.Run(fmt.Sprintf("path=%s/n=%d", path, rows), func(b *testing.B) {
				n.UseGraph(path == "graph")
				x := make([]float64, 2*rows)
				for i := range x {
					x[i] = 0.5
				}
				dst := make([]float64, len(x))
				b.ReportAllocs()
				for b.Loop() {
					if err := n.ScoreBatch(dst, x, 17); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
			})
		}
	}
}
