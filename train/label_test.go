package train

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/scorenet"
)

// twoLabelled draws (0.25, 0.25) with label 0 or (0.75, 0.75) with label 1,
// with equal probability.
type twoLabelled struct{}

func (twoLabelled) Dim() int { return 2 }

func (twoLabelled) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x, _ := twoLabelled{}.SampleLabelled(dst, n, rng)
	return x
}

func (twoLabelled) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x := sgm.SampleDst("twoLabelled", dst, n, 2)
	labels := make([]int, n)
	for i := range n {
		labels[i] = rng.IntN(2)
		v := 0.25 + 0.5*float64(labels[i])
		x[2*i], x[2*i+1] = v, v
	}
	return x, labels
}

func labelledSmallNet(t *testing.T) *scorenet.Net {
	t.Helper()
	sigmas, _ := sgm.Geometric(0.05, 0.5, 4)
	net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Features: 16, Width: 32, Depth: 2, Sigmas: sigmas, Labels: []string{"low", "high"}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestLabelledTraining trains a labelled network on two points, each its
// own label, and checks that it learned the conditional scores: at the
// midpoint (0.5, 0.5), at the largest level σ = 0.5 (where the perturbed
// data lie; at σ = 0.05 the midpoint is 5σ from both), the score of label
// "low" points down towards (0.25, 0.25) and that of "high" up towards
// (0.75, 0.75), each coordinate by more than half the exact conditional
// score there, ∓0.25/σ² = ∓1 (a network that ignored the labels would give
// both the unconditional score, 0 at the midpoint by symmetry). It also checks that two runs with one seed agree bit for bit.
func TestLabelledTraining(t *testing.T) {
	run := func() *scorenet.Net {
		net := labelledSmallNet(t)
		_, err := Run(context.Background(), net, twoLabelled{}, Settings{Steps: 400, Batch: 64, LearningRate: 3e-3, Objective: OneLevel, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	net := run()
	x := []float64{0.5, 0.5}
	low, high := make([]float64, 2), make([]float64, 2)
	if err := net.ScoreBatchLabelled(low, x, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := net.ScoreBatchLabelled(high, x, 3, 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("score at the midpoint: low %v, high %v", low, high)
	for j := range 2 {
		if !(low[j] < -0.5) || !(high[j] > 0.5) {
			t.Errorf("coordinate %d: score of low %v, of high %v: want below -0.5 and above 0.5", j, low[j], high[j])
		}
	}
	again := run()
	w1, _ := net.Weights()
	w2, _ := again.Weights()
	if !slices.Equal(w1.Label, w2.Label) || !slices.Equal(w1.Dense[0], w2.Dense[0]) {
		t.Error("two runs with one seed differ")
	}
}

func TestLabelledTrainingErrors(t *testing.T) {
	for _, c := range []struct {
		data Sampler
		s    Settings
		want string
	}{
		{twoPoints{}, Settings{Steps: 1, Objective: OneLevel}, "needs labelled data"},
		{twoLabelled{}, Settings{Steps: 1, Objective: AllLevels}, "one-level objective"},
		{twoLabelled{}, Settings{Steps: 1, Objective: OneLevel, LabelDropout: 1}, "label dropout must be in [0, 1)"},
		{badLabels{}, Settings{Steps: 1, Objective: OneLevel}, "label 2, out of range [0, 2)"},
	} {
		_, err := Run(context.Background(), labelledSmallNet(t), c.data, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T %+v: %v, want an error with %q", c.data, c.s.Objective, err, c.want)
		}
	}
}

// badLabels gives label 2 to a network of two labels.
type badLabels struct{ twoLabelled }

func (badLabels) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x, l := twoLabelled{}.SampleLabelled(dst, n, rng)
	l[0] = 2
	return x, l
}

// TestDropLabels checks the share of labels label dropout replaces: 0.1
// of 100000 within 5 binomial standard errors (sqrt(n p (1-p)) ≈ 95).
func TestDropLabels(t *testing.T) {
	labels := make([]int32, 100000)
	dropLabels(labels, 7, 0.1, rand.New(rand.NewPCG(1, 1)))
	var k int
	for _, l := range labels {
		if l == 7 {
			k++
		}
	}
	if k < 10000-5*95 || k > 10000+5*95 {
		t.Errorf("%d of 100000 labels dropped, want 10000 ± 475", k)
	}
}

// labelledData draws 8gaussians-like labelled points: label k at the
// centre (cos, sin)(2πk/8) plus noise of standard deviation 0.1.
type labelledData struct{}

func (labelledData) Dim() int { return 2 }

func (l labelledData) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x, _ := l.SampleLabelled(dst, n, rng)
	return x
}

func (labelledData) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x := sgm.SampleDst("labelledData", dst, n, 2)
	labels := make([]int, n)
	for i := range labels {
		k := rng.IntN(8)
		labels[i] = k
		a := 2 * math.Pi * float64(k) / 8
		x[2*i] = math.Cos(a) + 0.1*rng.NormFloat64()
		x[2*i+1] = math.Sin(a) + 0.1*rng.NormFloat64()
	}
	return x, labels
}

// labelledNetOf is a small ReLU network of 8 labels: of levels, or
// conditioned on time under process.
func labelledNetOf(t testing.TB, process string) *scorenet.Net {
	t.Helper()
	backend, err := scorenet.SequentialGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg := scorenet.Config{Features: 16, Width: 32, Depth: 2, Labels: []string{"0", "1", "2", "3", "4", "5", "6", "7"}}
	if process != "" {
		cfg.Conditioning, cfg.Process = "time", process
	} else {
		cfg.Sigmas, _ = sgm.Geometric(0.01, 2, 10)
	}
	net, err := scorenet.New(backend, cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestLabelledEnginesAgree trains a labelled network for a few steps with
// the fused engine and with the GoMLX graph (the same batches, labels,
// dropout, Adam and moving averages), for the levels' one-level objective
// and the continuous-time ones, and checks that the losses agree step by
// step to 1e-3 relative and the label embeddings to 1e-4 (relative norm):
// internal/fastnet's TestLabelledGradientMatchesGoMLX finds the gradients
// within 1e-6, and Adam's division by √v magnifies the differences of the
// first steps' small gradients (TestFastTimeMatchesGraph's bound). Each
// engine then resumes the other's checkpoint.
func TestLabelledEnginesAgree(t *testing.T) {
	for _, c := range []struct {
		process string
		o       Objective
	}{{"", OneLevel}, {"vp", Continuous}, {"flow", OTCFM}} {
		t.Run(c.process+"/"+string(c.o), func(t *testing.T) {
			if net := labelledNetOf(t, c.process); !fastApplies(net, Settings{Objective: OneLevel}) && !fastTimeApplies(net) {
				t.Skip("the fused engine does not apply here")
			}
			dir := t.TempDir()
			run := func(graph bool, steps int, ckpt string, net *scorenet.Net) ([]Record, *scorenet.Net) {
				net.UseGraph(graph)
				h, err := Run(context.Background(), net, labelledData{}, Settings{Steps: steps, Batch: 64, LearningRate: 1e-2, Objective: c.o, Seed: 4, EMA: 0.9, LabelDropout: 0.2, CheckpointDir: ckpt, CheckpointEvery: 1000})
				if err != nil {
					t.Fatal(err)
				}
				return h, net
			}
			fast, fnet := run(false, 8, dir+"/fast", labelledNetOf(t, c.process))
			graph, gnet := run(true, 8, dir+"/graph", labelledNetOf(t, c.process))
			for i := range fast {
				if math.Abs(fast[i].Loss-graph[i].Loss) > 1e-3*math.Abs(graph[i].Loss) {
					t.Fatalf("step %d: fused loss %v, graph loss %v", i+1, fast[i].Loss, graph[i].Loss)
				}
			}
			fw, _ := fnet.Weights()
			gw, _ := gnet.Weights()
			if e := numtest.RelErr(toF64(fw.Label), toF64(gw.Label)); !(e <= 1e-4) {
				t.Errorf("label embeddings differ by %.3g (relative)", e)
			} else {
				t.Logf("label embeddings differ by %.2g (relative)", e)
			}
			for _, r := range []struct {
				dir   string
				graph bool
			}{{dir + "/fast", true}, {dir + "/graph", false}} {
				net, err := scorenet.Load(fnet.Backend(), r.dir)
				if err != nil {
					t.Fatal(err)
				}
				if more, _ := run(r.graph, 10, r.dir, net); len(more) != 2 || more[0].Step != 9 {
					t.Fatalf("resumed %s: steps %v", r.dir, more)
				}
			}
		})
	}
}

func toF64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// BenchmarkLabelledStep times a labelled network's training step, fused
// and on the GoMLX graph, at the size of README's labelled command (8
// labels, features 32, width 64, depth 2, batch 256; 30 levels, or a VP
// SDE). One op is one step; the graph compiles in a warm-up run outside
// the timer.
func BenchmarkLabelledStep(b *testing.B) {
	for _, process := range []string{"levels", "vp"} {
		for _, engine := range []string{"fused", "graph"} {
			b.Run(process+"/"+engine, func(b *testing.B) {
				backend, err := scorenet.SequentialGoBackend()
				if err != nil {
					b.Fatal(err)
				}
				cfg := scorenet.Config{Features: 32, Width: 64, Depth: 2, Labels: []string{"0", "1", "2", "3", "4", "5", "6", "7"}}
				o := OneLevel
				if process == "vp" {
					cfg.Conditioning, cfg.Process, o = "time", "vp", Continuous
				}
				net, err := scorenet.New(backend, cfg, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					b.Fatal(err)
				}
				net.UseGraph(engine == "graph")
				if engine == "fused" && !fastApplies(net, Settings{Objective: OneLevel}) && !fastTimeApplies(net) {
					b.Skip("the fused engine does not apply here")
				}
				s := Settings{Steps: 2, Batch: 256, Objective: o}
				if _, err := Run(context.Background(), net, labelledData{}, s); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				s.Steps = 2 + b.N
				if _, err := Run(context.Background(), net, labelledData{}, s); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			})
		}
	}
}
