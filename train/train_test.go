package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/gobackendpasses"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/scorenet"
)

// twoPoints draws (0.25, 0.25) or (0.75, 0.75) with equal probability: data
// simple enough that a small network fits it in a few hundred steps.
type twoPoints struct{}

func (twoPoints) Dim() int { return 2 }

func (twoPoints) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("twoPoints", dst, n, 2)
	for i := 0; i < n; i++ {
		v := 0.25
		if rng.IntN(2) == 1 {
			v = 0.75
		}
		x[2*i], x[2*i+1] = v, v
	}
	return x
}

func smallNet(t testing.TB, seed uint64) *scorenet.Net {
	t.Helper()
	return smallNetOn(t, seed, gobackend.GetBackend())
}

// sequentialBackend runs one op at a time: the sliced objective's graph can
// deadlock GoMLX's parallel executor (see cmd/sgm/train.go).
func sequentialBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := gobackend.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func smallNetOn(t testing.TB, seed uint64, backend compute.Backend) *scorenet.Net {
	t.Helper()
	return smallNetWith(t, seed, backend, "")
}

// smallNetWith is smallNetOn with the given activation ("" for the default).
func smallNetWith(t testing.TB, seed uint64, backend compute.Backend, activation string) *scorenet.Net {
	t.Helper()
	sigmas, err := sgm.Geometric(0.01, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.New(backend, scorenet.Config{Features: 16, Width: 32, Depth: 2, Sigmas: sigmas, Activation: activation},
		rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func mean(r []Record) float64 {
	var s float64
	for _, v := range r {
		s += v.Loss
	}
	return s / float64(len(r))
}

func TestLossFallsAndFrozenStay(t *testing.T) {
	for _, tc := range []struct {
		obj        Objective
		graphNoise bool
	}{{AllLevels, false}, {OneLevel, false}, {Sliced, false}, {AllLevels, true}, {OneLevel, true}, {Sliced, true}} {
		obj := tc.obj
		t.Run(fmt.Sprintf("%s/graph-noise=%v", obj, tc.graphNoise), func(t *testing.T) {
			net := smallNet(t, 1)
			if obj == Sliced {
				// Sliced score matching needs a smooth network (see
				// TestSlicedNeedsSmoothActivation).
				net = smallNetWith(t, 1, sequentialBackend(t), "softplus")
			}
			var before [][]float32
			for _, name := range scorenet.Frozen() {
				v, err := net.VariableValues(name)
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, v)
			}
			alpha0, _ := net.VariableValues("rf/alpha")
			hist, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: 300, Batch: 64, LearningRate: 3e-3, Objective: obj, Seed: 7, GraphNoise: tc.graphNoise})
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 300 {
				t.Fatalf("history has %d records, want 300", len(hist))
			}
			first, last := mean(hist[:30]), mean(hist[len(hist)-30:])
			// A zero network scores 1 (objective docs); fitting two points
			// must take the loss well below where it started.
			if !(last < 0.8*first) {
				t.Errorf("loss went from %.4f to %.4f, want a fall of at least 20%%", first, last)
			}
			for i, name := range scorenet.Frozen() {
				after, _ := net.VariableValues(name)
				if !slices.Equal(before[i], after) {
					t.Errorf("frozen %s changed during training", name)
				}
			}
			alpha1, _ := net.VariableValues("rf/alpha")
			if slices.Equal(alpha0, alpha1) {
				t.Errorf("trainable rf/alpha did not change")
			}
		})
	}
}

// engines runs f for each engine that can run here: the fused one (when
// it applies) and the GoMLX graph.
func engines(t *testing.T, f func(t *testing.T, graph bool)) {
	if fastApplies(smallNet(t, 1), Settings{Objective: AllLevels}) {
		t.Run("fast", func(t *testing.T) { f(t, false) })
	}
	t.Run("graph", func(t *testing.T) { f(t, true) })
}

// netOn is smallNet evaluated and trained by the fused engine or the graph.
func netOn(t *testing.T, seed uint64, graph bool) *scorenet.Net {
	net := smallNet(t, seed)
	net.UseGraph(graph)
	return net
}

// loadOn loads dir for the fused engine or the graph.
func loadOn(t *testing.T, dir string, graph bool) *scorenet.Net {
	t.Helper()
	net, err := scorenet.Load(gobackend.GetBackend(), dir)
	if err != nil {
		t.Fatal(err)
	}
	net.UseGraph(graph)
	return net
}

// float32Variables returns the values of every float32 variable in net's
// store, by path: weights, Adam's moments and step, moving averages.
func float32Variables(t *testing.T, net *scorenet.Net) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range net.Store().IterVariables() {
		if v.DType() != dtypes.Float32 {
			continue
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if out[v.Path()], err = tensors.CopyFlatData[float32](val); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestResumeMatchesUninterrupted checks that a run stopped at a checkpoint
// and resumed from it takes exactly the steps of a run never stopped: the
// checkpoint holds everything a run needs (weights, Adam's moments and
// step, moving averages) and the draws depend on the step alone.
func TestResumeMatchesUninterrupted(t *testing.T) {
	engines(t, func(t *testing.T, graph bool) {
		for _, graphNoise := range []bool{false, true} {
			if graphNoise && !graph {
				continue // the fused engine draws in Go
			}
			t.Run(fmt.Sprintf("graph-noise=%v", graphNoise), func(t *testing.T) { resumeMatchesUninterrupted(t, graph, graphNoise) })
		}
	})
}

func resumeMatchesUninterrupted(t *testing.T, graph, graphNoise bool) {
	{
		s := Settings{Steps: 30, Batch: 16, Seed: 3, EMA: 0.9, Objective: OneLevel, GraphNoise: graphNoise}
		whole := netOn(t, 2, graph)
		want, err := Run(context.Background(), whole, twoPoints{}, s)
		if err != nil {
			t.Fatal(err)
		}

		dir := t.TempDir() + "/ckpt"
		s.CheckpointDir, s.CheckpointEvery, s.Steps = dir, 10, 20
		first, err := Run(context.Background(), netOn(t, 2, graph), twoPoints{}, s)
		if err != nil {
			t.Fatal(err)
		}
		resumed := loadOn(t, dir, graph)
		s.Steps = 30
		rest, err := Run(context.Background(), resumed, twoPoints{}, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := append(first, rest...); !slices.Equal(got, want) {
			t.Errorf("losses stopped at 20 and resumed:\n%v\nnever stopped:\n%v", got, want)
		}
		if resumed.Step() != 30 {
			t.Errorf("resumed network at step %d, want 30", resumed.Step())
		}
		// Float32 arithmetic in the same order on the same values: equal.
		got, ref := float32Variables(t, loadOn(t, dir, graph)), float32Variables(t, whole)
		if len(got) != len(ref) {
			t.Errorf("resumed run's checkpoint has %d float32 variables, the uninterrupted run %d", len(got), len(ref))
		}
		for path, w := range ref {
			if !slices.Equal(got[path], w) {
				t.Errorf("%s differs between the resumed and the uninterrupted run", path)
			}
		}
	}
}

// TestResumeWithNewSeed checks that a run resumed with another seed draws
// other noise when it draws in the graph (the generator's saved state
// belongs to the old seed), and that one resumed after steps drawn in Go
// does not replay the generator's stale state.
func TestResumeWithNewSeed(t *testing.T) {
	dir := t.TempDir() + "/ckpt"
	s := Settings{Steps: 5, Batch: 16, Seed: 3, Objective: OneLevel, GraphNoise: true, CheckpointDir: dir}
	if _, err := Run(context.Background(), netOn(t, 2, true), discreteTwoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	resume := func(seed uint64) []Record {
		s := s
		s.Steps, s.Seed, s.CheckpointDir = 8, seed, ""
		hist, err := Run(context.Background(), loadOn(t, dir, true), discreteTwoPoints{}, s)
		if err != nil {
			t.Fatal(err)
		}
		return hist
	}
	if same, other := resume(3), resume(99); slices.Equal(same, other) {
		t.Errorf("resumed with seed 99, the losses %v are seed 3's", other)
	}

	// Steps 6 to 8 drawn in Go leave the generator at step 5's state.
	s.Steps, s.GraphNoise = 8, false
	goDrawn := loadOn(t, dir, true)
	if _, err := Run(context.Background(), goDrawn, discreteTwoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	if mark, _ := goDrawn.Store().GetParam(generatorParam); mark != "" {
		t.Errorf("after steps drawn in Go, the generator is marked %q, want \"\" (stale)", mark)
	}
}

// TestCheckpointedSeesEachCheckpoint checks the Checkpointed callback: one
// call per checkpoint, with the losses up to it.
func TestCheckpointedSeesEachCheckpoint(t *testing.T) {
	var calls [][2]int
	s := Settings{Steps: 12, Batch: 8, CheckpointDir: t.TempDir() + "/ckpt", CheckpointEvery: 5,
		Checkpointed: func(step int, h []Record) error {
			calls = append(calls, [2]int{step, len(h)})
			return nil
		}}
	if _, err := Run(context.Background(), netOn(t, 2, false), twoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{5, 5}, {10, 10}, {12, 12}}; !slices.Equal(calls, want) {
		t.Errorf("Checkpointed called with (step, records) %v, want %v", calls, want)
	}
}

// TestNaNWeightNotSaved checks that a NaN weight stops the run before any
// checkpoint, on both engines: the fused kernels' ReLU turns NaN into 0,
// so the loss and the scores can stay finite while the weights are not.
func TestNaNWeightNotSaved(t *testing.T) {
	engines(t, func(t *testing.T, graph bool) {
		net := netOn(t, 2, graph)
		v := net.Store().GetVariable("/" + scorenet.ScopeName + "/dense_1/weights")
		w, err := tensors.CopyFlatData[float32](v.MustValue())
		if err != nil {
			t.Fatal(err)
		}
		w[0] = float32(math.NaN())
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(w, v.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir() + "/ckpt"
		_, err = Run(context.Background(), net, twoPoints{}, Settings{Steps: 5, Batch: 16, CheckpointDir: dir, CheckpointEvery: 1})
		if !errors.Is(err, ErrDiverged) {
			t.Errorf("Run with a NaN weight: error %v, want ErrDiverged", err)
		}
		if has, _ := scorenet.HasCheckpoints(dir); has {
			t.Error("a checkpoint holding a NaN weight was saved")
		}
	})
}

// TestInterruptSavesOnce checks what a cancelled run saves: the steps it
// took since its last checkpoint, and nothing when it took none (an
// interrupt right after a resume must not push older checkpoints out).
func TestInterruptSavesOnce(t *testing.T) {
	dir := t.TempDir() + "/ckpt"
	ctx, cancel := context.WithCancel(context.Background())
	s := Settings{Steps: 100, Batch: 16, CheckpointDir: dir, CheckpointEvery: 5, ProgressEvery: 1,
		Progress: func(st Status) {
			if st.Step == 7 {
				cancel()
			}
		}}
	hist, err := Run(ctx, netOn(t, 2, false), twoPoints{}, s)
	if !errors.Is(err, context.Canceled) || len(hist) != 7 {
		t.Fatalf("cancelled at step 7: %d steps, error %v", len(hist), err)
	}
	names, _ := os.ReadDir(dir)
	if net := loadOn(t, dir, false); net.Step() != 7 {
		t.Errorf("interrupted run's checkpoint at step %d, want 7", net.Step())
	}
	s.Progress = nil
	if _, err := Run(ctx, loadOn(t, dir, false), twoPoints{}, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("resumed with a cancelled context: error %v", err)
	}
	if again, _ := os.ReadDir(dir); len(again) != len(names) {
		t.Errorf("an interrupt before any step changed the checkpoints: %d files, then %d", len(names), len(again))
	}
}

// TestLoadKeepsTrainable checks that a loaded network trains what the
// network it was saved from trains: its weights, not the optimiser's
// state, the step counts or the generator's state (GoMLX loads every
// variable as trainable, and training then corrupted the generator).
func TestLoadKeepsTrainable(t *testing.T) {
	dir := t.TempDir() + "/ckpt"
	net := netOn(t, 2, true)
	s := Settings{Steps: 3, Batch: 16, Seed: 3, Objective: OneLevel, GraphNoise: true, EMA: 0.9, CheckpointDir: dir}
	if _, err := Run(context.Background(), net, twoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for v := range net.Store().IterVariables() {
		want[v.Path()] = v.Trainable
	}
	got := 0
	for v := range loadOn(t, dir, true).Store().IterVariables() {
		got++
		if v.Trainable != want[v.Path()] {
			t.Errorf("%s: trainable %v after loading, %v before saving", v.Path(), v.Trainable, want[v.Path()])
		}
	}
	if got != len(want) {
		t.Errorf("%d variables loaded, %d saved", got, len(want))
	}
}

// TestResumeUsesNewSettings checks that a resumed run takes its learning
// rate from its settings (GoMLX's Adam keeps the old one in a variable
// that the checkpoint restores), and that a network with moving averages
// cannot be trained without them.
func TestResumeUsesNewSettings(t *testing.T) {
	engines(t, func(t *testing.T, graph bool) {
		dir := t.TempDir() + "/ckpt"
		s := Settings{Steps: 5, Batch: 16, Seed: 3, EMA: 0.9, CheckpointDir: dir}
		if _, err := Run(context.Background(), netOn(t, 2, graph), twoPoints{}, s); err != nil {
			t.Fatal(err)
		}
		net := loadOn(t, dir, graph)
		before := float32Variables(t, net)
		// Adam moves each weight by about the learning rate: 1e-30 leaves
		// float32 weights of order 0.01 to 1 as they are, 1e-3 does not.
		s.Steps, s.LearningRate = 10, 1e-30
		if _, err := Run(context.Background(), net, twoPoints{}, s); err != nil {
			t.Fatal(err)
		}
		after := float32Variables(t, net)
		for _, name := range []string{"dense_0/weights", "dense_1/biases", "rf/alpha"} {
			path := "/" + scorenet.ScopeName + "/" + name
			if !slices.Equal(before[path], after[path]) {
				t.Errorf("%s moved with a learning rate of 1e-30", name)
			}
		}

		s.Steps, s.EMA = 15, 0
		_, err := Run(context.Background(), net, twoPoints{}, s)
		if err == nil || !strings.Contains(err.Error(), "moving averages") {
			t.Errorf("training a network that keeps moving averages without them: error %v, want one naming them", err)
		}
	})
}

// finiteEverywhere fails the test unless net's scores are finite at every
// level on a grid of points over the unit square.
func finiteEverywhere(t *testing.T, net *scorenet.Net) {
	t.Helper()
	var x []float64
	for i := range 5 {
		for j := range 5 {
			x = append(x, float64(i)/4, float64(j)/4)
		}
	}
	if level, err := nonFiniteLevel(net, x); err != nil || level >= 0 {
		t.Errorf("scores not finite at level %d (error %v)", level, err)
	}
}

// TestDivergenceStops checks that a run whose weights blow up stops with
// ErrDiverged, that the checkpoint it leaves gives finite scores, and that
// its message says which checkpoint that is.
func TestDivergenceStops(t *testing.T) {
	engines(t, func(t *testing.T, graph bool) {
		for _, lossEvery := range []int{1, 7} {
			dir := t.TempDir() + "/ckpt"
			// A fresh run at a learning rate of 1e30 blows the weights up
			// in its first step, before any checkpoint.
			s := Settings{Steps: 200, Batch: 16, LearningRate: 1e30, CheckpointDir: dir, CheckpointEvery: 1, LossEvery: lossEvery}
			hist, err := Run(context.Background(), netOn(t, 4, graph), twoPoints{}, s)
			if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "no checkpoint was saved") {
				t.Fatalf("loss every %d: Run error = %v, want ErrDiverged saying no checkpoint was saved", lossEvery, err)
			}
			if has, _ := scorenet.HasCheckpoints(dir); has {
				t.Errorf("loss every %d: a checkpoint of blown-up weights was saved", lossEvery)
			}
			for _, r := range hist {
				if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
					t.Fatalf("history holds a non-finite loss at step %d", r.Step)
				}
			}

			// Trained sanely for 10 steps, then resumed at 1e30: the
			// checkpoint at step 10 is kept, and says so.
			s.LearningRate, s.Steps, s.CheckpointEvery = 1e-3, 10, 5
			if _, err := Run(context.Background(), netOn(t, 4, graph), twoPoints{}, s); err != nil {
				t.Fatal(err)
			}
			s.LearningRate, s.Steps, s.CheckpointEvery = 1e30, 200, 1
			_, err = Run(context.Background(), loadOn(t, dir, graph), twoPoints{}, s)
			if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "saved before this run") {
				t.Fatalf("loss every %d, resumed: Run error = %v, want ErrDiverged naming the earlier checkpoints", lossEvery, err)
			}
			loaded := loadOn(t, dir, graph)
			if loaded.Step() != 10 {
				t.Errorf("loss every %d: checkpoint left at step %d, want 10", lossEvery, loaded.Step())
			}
			finiteEverywhere(t, loaded)
		}
	})
}

func TestLossEveryKeepsEveryStep(t *testing.T) {
	net := smallNet(t, 5)
	hist, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: 23, Batch: 8, LossEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 23 {
		t.Fatalf("%d records, want 23", len(hist))
	}
	for i, r := range hist {
		if r.Step != i+1 {
			t.Fatalf("record %d is step %d", i, r.Step)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Settings
	}{
		{"negative steps", Settings{Steps: -1}},
		{"negative batch", Settings{Batch: -2}},
		{"negative learning rate", Settings{LearningRate: -1}},
		{"NaN learning rate", Settings{LearningRate: math.NaN()}},
		{"unknown objective", Settings{Objective: "bogus"}},
		{"negative steps per call", Settings{StepsPerCall: -1}},
		{"steps per call without graph noise", Settings{StepsPerCall: 10}},
	} {
		if err := tc.s.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want an error", tc.name)
		}
	}
	if err := (Settings{}).Validate(); err != nil {
		t.Errorf("zero Settings: %v", err)
	}
}

// BenchmarkStep times optimiser steps of the blog post's reference network
// (batch 256, width 256, depth 3, 256 features, 30 levels). One op is one
// step; graph compilation happens in a warm-up run outside the timer.
func BenchmarkStep(b *testing.B) {
	for _, obj := range Objectives {
		b.Run("objective="+string(obj)+"/batch=256", func(b *testing.B) {
			net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{}, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: 2, Objective: obj}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: 2 + b.N, Objective: obj}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// TestEMA: after one step from ema = w0 the averages are d w0 + (1-d) w1,
// with d = min(EMA, 1/10) under the warm-up (diffusers' (1+k)/(10+k) at
// k = 0) and d = EMA without it.
func TestEMA(t *testing.T) {
	for _, c := range []struct {
		name     string
		noWarmup bool
		d        float32
	}{{"warm-up", false, 0.1}, {"no warm-up", true, 0.25}} {
		t.Run(c.name, func(t *testing.T) { testEMA(t, c.noWarmup, c.d) })
	}
	if got := EMADecay(0.999, 1, true); got != 0.1 {
		t.Errorf("EMADecay(0.999, 1, warm-up) = %v, want 0.1", got)
	}
	if got := EMADecay(0.999, 100_000, true); got != 0.999 {
		t.Errorf("EMADecay(0.999, 1e5, warm-up) = %v, want 0.999", got)
	}
}

func testEMA(t *testing.T, noWarmup bool, d float32) {
	net := smallNet(t, 8)
	alpha0, _ := net.VariableValues("rf/alpha")
	if _, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: 1, Batch: 8, EMA: 0.25, EMANoWarmup: noWarmup, LearningRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	alpha1, _ := net.VariableValues("rf/alpha")
	ema, ok := net.EMA()
	if !ok {
		t.Fatal("no moving averages after training with EMA")
	}
	avg, err := ema.VariableValues("rf/alpha")
	if err != nil {
		t.Fatal(err)
	}
	for i := range avg {
		want := d*alpha0[i] + (1-d)*alpha1[i]
		if math.Abs(float64(avg[i]-want)) > 1e-6 {
			t.Fatalf("ema alpha[%d] = %v, want %v", i, avg[i], want)
		}
	}
	x := []float64{0.3, 0.3}
	a, b := make([]float64, 2), make([]float64, 2)
	net.ScoreBatch(a, x, 1)
	ema.ScoreBatch(b, x, 1)
	if slices.Equal(a, b) {
		t.Error("the EMA view scores like the raw weights")
	}
	if err := (Settings{EMA: 1}).Validate(); err == nil {
		t.Error("EMA decay 1 accepted")
	}
}

// discreteTwoPoints is twoPoints with its support known, so that Run draws
// it inside the graph under GraphNoise.
type discreteTwoPoints struct{ twoPoints }

func (discreteTwoPoints) Support() (points, weights []float64) {
	return []float64{0.25, 0.25, 0.75, 0.75}, []float64{0.5, 0.5}
}

func TestGraphDataLossFalls(t *testing.T) {
	net := smallNet(t, 9)
	hist, err := Run(context.Background(), net, discreteTwoPoints{}, Settings{Steps: 300, Batch: 64, LearningRate: 3e-3, Objective: OneLevel, GraphNoise: true, LossEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	if first, last := mean(hist[:30]), mean(hist[len(hist)-30:]); !(last < 0.8*first) {
		t.Errorf("loss went from %.4f to %.4f, want a fall of at least 20%%", first, last)
	}
}

func TestDiscreteDraw(t *testing.T) {
	dd := &discreteData{points: []float64{0, 0, 1, 2, 3, 4}, weights: []float64{0.2, 0.5, 0.3}}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	exec, err := model.NewExec(gobackend.GetBackend(), store, func(_ *model.Scope, nb *Node) *Node {
		return dd.draw(store, nb.Graph(), n, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(tensors.FromScalar(int32(n)))
	if err != nil {
		t.Fatal(err)
	}
	pts := tensors.MustCopyFlatData[float32](out[0])
	counts := map[[2]float32]int{}
	for i := 0; i < len(pts); i += 2 {
		counts[[2]float32{pts[i], pts[i+1]}]++
	}
	for k, p := range map[[2]float32]float64{{0, 0}: 0.2, {1, 2}: 0.5, {3, 4}: 0.3} {
		// 5 binomial standard errors: sqrt(p(1-p)/n) <= 0.0036.
		if got := float64(counts[k]) / n; math.Abs(got-p) > 5*math.Sqrt(p*(1-p)/n) {
			t.Errorf("point %v drawn with frequency %.4f, want %.2f", k, got, p)
		}
	}
	if len(counts) != 3 {
		t.Errorf("drew %d distinct points, want the 3 of the support", len(counts))
	}
}

// The fused engine and the GoMLX graph train the same network the same way:
// equal losses step by step, and checkpoints that either can resume.
func TestEnginesAgree(t *testing.T) {
	if !fastApplies(smallNet(t, 1), Settings{Objective: AllLevels}) {
		t.Skip("the fused engine does not apply here (no AVX-512 kernels)")
	}
	for _, obj := range []Objective{AllLevels, OneLevel} {
		t.Run(string(obj), func(t *testing.T) {
			dir := t.TempDir()
			run := func(graph bool, steps int, ckpt string, net *scorenet.Net) []Record {
				net.UseGraph(graph)
				hist, err := Run(context.Background(), net, twoPoints{}, Settings{Steps: steps, Batch: 32, Objective: obj, Seed: 4, EMA: 0.9, CheckpointDir: ckpt, CheckpointEvery: 1000})
				if err != nil {
					t.Fatal(err)
				}
				return hist
			}
			fast := run(false, 20, dir+"/fast", smallNet(t, 6))
			graph := run(true, 20, dir+"/graph", smallNet(t, 6))
			for i := range fast {
				// float32 arithmetic in different orders: losses agree to
				// about 1e-6 relative per step, drifting slowly.
				if math.Abs(fast[i].Loss-graph[i].Loss) > 1e-3*math.Abs(graph[i].Loss) {
					t.Fatalf("step %d: fused loss %v, graph loss %v", i+1, fast[i].Loss, graph[i].Loss)
				}
			}
			// Resume each checkpoint with the other engine.
			for _, c := range []struct {
				dir   string
				graph bool
			}{{dir + "/fast", true}, {dir + "/graph", false}} {
				net, err := scorenet.Load(gobackend.GetBackend(), c.dir)
				if err != nil {
					t.Fatal(err)
				}
				more := run(c.graph, 25, c.dir, net)
				if len(more) != 5 || more[0].Step != 21 {
					t.Fatalf("resumed %s: steps %v", c.dir, more)
				}
				if _, ok := net.EMA(); !ok {
					t.Errorf("resumed %s: no moving averages", c.dir)
				}
			}
		})
	}
}

// gaussian draws points around (0.5, 0.5) with standard deviation 0.05.
type gaussian struct{}

func (gaussian) Dim() int { return 2 }

func (gaussian) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("gaussian", dst, n, 2)
	for i := range x {
		x[i] = 0.5 + 0.05*rng.NormFloat64()
	}
	return x
}

// Sliced score matching learns the score of a Gaussian with a smooth
// network, and collapses to the zero score with the blog post's ReLU one (whose
// Jacobian has no slope for the objective to follow). At σ = 0.3 the
// perturbed data are N(0.5, V I) with V = 0.05² + 0.3², score -(x-0.5)/V.
func TestSlicedNeedsSmoothActivation(t *testing.T) {
	// One op at a time: GoMLX's parallel executor can deadlock on this
	// graph (see cmd/sgm/train.go).
	backend := sequentialBackend(t)
	V := 0.05*0.05 + 0.09
	for _, tc := range []struct {
		activation string
		learns     bool
	}{{"softplus", true}, {"relu", false}} {
		t.Run(tc.activation, func(t *testing.T) {
			net, err := scorenet.New(backend, scorenet.Config{Features: 8, Width: 32, Depth: 2, Sigmas: sgm.Schedule{0.3}, Activation: tc.activation},
				rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(context.Background(), net, gaussian{}, Settings{Steps: 600, Batch: 256, Objective: Sliced}); err != nil {
				t.Fatal(err)
			}
			x := []float64{0.8, 0.5, 0.5, 0.2}
			got := make([]float64, 4)
			if err := net.ScoreBatch(got, x, 0); err != nil {
				t.Fatal(err)
			}
			want := []float64{-0.3 / V, 0, 0, 0.3 / V}
			// Within 30% of the true score (a 600-step fit of a noisy
			// objective), against a near-zero score when it fails.
			fits := math.Abs(got[0]-want[0]) < 0.3*math.Abs(want[0]) && math.Abs(got[3]-want[3]) < 0.3*want[3]
			if fits != tc.learns {
				t.Errorf("scores %v against the true %v: fitted %v, want %v", got, want, fits, tc.learns)
			}
		})
	}
}

// TestStepsPerCallMatchesSingleSteps checks that the compiled loop takes
// the steps single calls take: the same draws in the same order, so the
// same losses and weights, with chunks cut at checkpoints and reports.
func TestStepsPerCallMatchesSingleSteps(t *testing.T) {
	gobackendpasses.Disable(t)
	for _, obj := range []Objective{AllLevels, OneLevel} {
		t.Run(string(obj), func(t *testing.T) {
			run := func(perCall int) ([]Record, []int, *scorenet.Net) {
				net := smallNet(t, 8)
				var reports []int
				hist, err := Run(context.Background(), net, discreteTwoPoints{}, Settings{
					Steps: 23, Batch: 16, Objective: obj, Seed: 5, EMA: 0.9, GraphNoise: true,
					StepsPerCall: perCall, CheckpointEvery: 10, ProgressEvery: 7, LossEvery: 4,
					Progress: func(st Status) { reports = append(reports, st.Step) },
				})
				if err != nil {
					t.Fatalf("%+v", err)
				}
				return hist, reports, net
			}
			one, oneReports, oneNet := run(1)
			loop, loopReports, loopNet := run(6)
			if !slices.Equal(oneReports, loopReports) {
				t.Errorf("reports at steps %v, with the loop at %v", oneReports, loopReports)
			}
			if len(one) != 23 || len(loop) != 23 {
				t.Fatalf("histories of %d and %d steps, want 23", len(one), len(loop))
			}
			for i := range one {
				// The same float32 operations in the same order on the
				// same backend: equal up to rounding of fused ops.
				if loop[i].Step != one[i].Step || math.Abs(loop[i].Loss-one[i].Loss) > 1e-5*math.Abs(one[i].Loss) {
					t.Fatalf("record %d: loop %+v, single steps %+v", i, loop[i], one[i])
				}
			}
			if a, b := oneNet.Step(), loopNet.Step(); a != 23 || b != 23 {
				t.Errorf("step counters %d and %d, want 23", a, b)
			}
			wa, err := oneNet.Weights()
			if err != nil {
				t.Fatal(err)
			}
			wb, err := loopNet.Weights()
			if err != nil {
				t.Fatal(err)
			}
			pa, pb := wa, wb
			if d := numtest.RelErr(pb.Dense[0], pa.Dense[0]); !(d <= 1e-5) {
				t.Errorf("first layer's weights differ by %g relative", d)
			}
			ea, _ := oneNet.EMA()
			eb, _ := loopNet.EMA()
			xs := []float64{0.3, 0.6, 0.7, 0.2}
			sa, sb := make([]float64, 4), make([]float64, 4)
			ea.AtLevel(2).ScoreBatch(sa, xs)
			eb.AtLevel(2).ScoreBatch(sb, xs)
			for i := range sa {
				if math.Abs(sa[i]-sb[i]) > 1e-4*(1+math.Abs(sa[i])) {
					t.Errorf("moving-average scores %v and %v", sa, sb)
					break
				}
			}
		})
	}
}

// rareOverflow is two points and, with probability 1%, a point far enough
// out to make the loss overflow: a run on it diverges at a step that is
// rarely the first.
type rareOverflow struct{ twoPoints }

func (rareOverflow) Support() (points, weights []float64) {
	return []float64{0.25, 0.25, 0.75, 0.75, 1e30, 1e30}, []float64{0.495, 0.495, 0.01}
}

// TestDivergenceStopsInLoop checks the divergence guard when the steps run
// in loops: the run stops at the step single calls stop at (here in the
// middle of a loop), and the checkpoint left is the last one before it.
func TestDivergenceStopsInLoop(t *testing.T) {
	gobackendpasses.Disable(t)
	run := func(perCall int) ([]Record, string) {
		dir := t.TempDir() + "/ckpt"
		hist, err := Run(context.Background(), smallNet(t, 4), rareOverflow{}, Settings{Steps: 200, Batch: 16, Seed: 5,
			GraphNoise: true, StepsPerCall: perCall, CheckpointDir: dir, CheckpointEvery: 10})
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "the last good checkpoint (step 10)") {
			t.Fatalf("%d steps per call: Run error = %v, want ErrDiverged naming the checkpoint at step 10", perCall, err)
		}
		return hist, dir
	}
	one, _ := run(1)
	loop, dir := run(8)
	// With seed 5 the overflowing point is first drawn at step 16, inside
	// the loop call that takes steps 11 to 18.
	if len(loop) != len(one) || len(loop) < 11 {
		t.Fatalf("diverged after %d finite steps in loops, %d in single calls; want the same, past 10", len(loop), len(one))
	}
	for _, r := range loop {
		if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
			t.Fatalf("history holds a non-finite loss at step %d", r.Step)
		}
	}
	loaded, err := scorenet.Load(gobackend.GetBackend(), dir)
	if err != nil {
		t.Fatalf("the last good checkpoint does not load: %v", err)
	}
	if got, want := loaded.Step(), len(loop)/10*10; got != want {
		t.Errorf("checkpoint at step %d, want %d (the last before step %d)", got, want, len(loop)+1)
	}
	finiteEverywhere(t, loaded)
}

// TestStepsPerCallRefused checks the errors for loops that cannot run: on
// the Go backend (see loop.go), and with data drawn in Go.
func TestStepsPerCallRefused(t *testing.T) {
	s := Settings{Steps: 5, Batch: 4, GraphNoise: true, StepsPerCall: 3}
	_, err := Run(context.Background(), smallNet(t, 1), discreteTwoPoints{}, s)
	if err == nil || !strings.Contains(err.Error(), "XLA") {
		t.Errorf("a loop on the Go backend: error %v, want one naming XLA", err)
	}
	gobackendpasses.Disable(t)
	_, err = Run(context.Background(), smallNet(t, 1), twoPoints{}, s)
	if err == nil || !strings.Contains(err.Error(), "Discrete") {
		t.Errorf("a loop with data drawn in Go: error %v, want one naming Discrete samplers", err)
	}
}

// TestSyncOnProgress: with SyncOnProgress the network holds the weights
// trained so far at each progress report, with no checkpoint saved (the
// fused engine keeps them to itself between checkpoints otherwise).
func TestSyncOnProgress(t *testing.T) {
	net := smallNet(t, 9)
	before, _ := net.VariableValues("rf/alpha")
	var seen []bool
	if _, err := Run(context.Background(), net, twoPoints{}, Settings{
		Steps: 20, Batch: 8, LearningRate: 0.05, CheckpointEvery: 1000, ProgressEvery: 5, SyncOnProgress: true,
		Progress: func(st Status) {
			now, _ := net.VariableValues("rf/alpha")
			seen = append(seen, !slices.Equal(now, before))
		},
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 || slices.Contains(seen, false) {
		t.Errorf("weights trained so far at the progress reports: %v, want 4 times true", seen)
	}
}
