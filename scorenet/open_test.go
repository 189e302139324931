package scorenet

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/sample"
)

// TestOpen checks that Open loads a checkpoint on the pure-Go backend with
// no backend given, evaluates the moving averages where the checkpoint
// keeps them, and the raw weights with RawWeights.
func TestOpen(t *testing.T) {
	b, err := GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	sigmas, _ := sgm.Geometric(0.01, 1, 3)
	cfg := Config{Features: 4, Width: 8, Depth: 1, Sigmas: sigmas}
	n, err := New(b, cfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	// Moving averages: the weights halved.
	for _, p := range Layout(cfg) {
		if !p.Trainable {
			continue
		}
		v, err := n.VariableValues(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range v {
			v[i] /= 2
		}
		if _, err := n.Store().CreateVariable(EMAPath(p.Name), tensors.FromFlatDataAndDimensions(v, p.Shape...)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	x := []float64{0.2, 0.7, 0.9, 0.1}
	scores := func(n *Net) []float64 {
		dst := make([]float64, len(x))
		n.AtLevel(1).ScoreBatch(dst, x)
		return dst
	}
	ema, _ := n.EMA()
	for _, c := range []struct {
		name string
		opts []Option
		want []float64
	}{
		{"default", nil, scores(ema)},
		{"raw", []Option{RawWeights()}, scores(n)},
		{"backend", []Option{WithBackend(b)}, scores(ema)},
	} {
		got, err := Open(dir, c.opts...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !got.OnGoBackend() {
			t.Errorf("%s: not on the pure-Go backend", c.name)
		}
		if s := scores(got); !slices.Equal(s, c.want) {
			t.Errorf("%s: scores %v, want %v", c.name, s, c.want)
		}
		if got.Averaged() != (c.name != "raw") {
			t.Errorf("%s: Averaged() = %v", c.name, got.Averaged())
		}
	}
	if slices.Equal(scores(ema), scores(n)) {
		t.Fatal("the moving averages score as the weights: the test cannot tell them apart")
	}
	if _, err := Open(dir + "/missing"); err == nil {
		t.Error("Open of a missing directory: no error")
	}
}

// TestOpenTimedBackend checks that Open runs a network conditioned on time
// on the pure-Go backend with its ops one at a time (BackendFor), the one
// rule by which package model opens and trains it, so that its training
// graph cannot hang (CheckTimeTraining), and one of levels in parallel.
func TestOpenTimedBackend(t *testing.T) {
	b, err := GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg        Config
		sequential bool
	}{
		{Config{Dim: 2, Features: 4, Width: 8, Depth: 1, Conditioning: "time", Process: "vp"}, true},
		{Config{Dim: 2, Features: 4, Width: 8, Depth: 1}, false},
	} {
		n, err := New(b, c.cfg, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := n.Save(dir); err != nil {
			t.Fatal(err)
		}
		got, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if seq := got.CheckTimeTraining() == nil; seq != c.sequential {
			t.Errorf("%s: opened with ops one at a time: %v, want %v", c.cfg, seq, c.sequential)
		}
	}
}

// TestLangevinOnGoBackend checks that NewLangevin runs package sample's
// Langevin on the network's score in Go on the pure-Go backend: the same
// points from the same source.
func TestLangevinOnGoBackend(t *testing.T) {
	b, err := GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(b, Config{Features: 4, Width: 8, Depth: 1}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.NewLangevin(17, 1e-3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if m.PerCall() != 0 {
		t.Errorf("PerCall() = %d on the pure-Go backend, want 0", m.PerCall())
	}
	x := sample.Uniform(8, 2, 0, 1, rand.New(rand.NewPCG(1, 1)))
	want := slices.Clone(x)
	if err := m.Run(x, 5, rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	if err := (sample.Langevin{StepSize: 1e-3, Steps: 5}).Run(want, n.AtLevel(17), rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, want) {
		t.Errorf("NewLangevin's run %v, sample.Langevin's %v", x, want)
	}
	if _, err := n.NewLangevin(0, -1, 5); err == nil {
		t.Error("NewLangevin with step size -1: no error")
	}
}
