package train

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/scorenet"
)

// TestRunRefusesSlicedOnParallelGoBackend checks that Run refuses, with an
// error saying what to do, the sliced objective on a pure-Go backend that
// runs ops in parallel (where it can deadlock), and runs it on one started
// with scorenet.SequentialGoBackend.
func TestRunRefusesSlicedOnParallelGoBackend(t *testing.T) {
	s := Settings{Steps: 2, Batch: 8, Objective: Sliced}
	net := smallNetWith(t, 1, gobackend.GetBackend(), "softplus")
	if _, err := Run(context.Background(), net, gaussian{}, s); err == nil || !strings.Contains(err.Error(), "SequentialGoBackend") {
		t.Errorf("sliced on the parallel Go backend: error %v, want one naming scorenet.SequentialGoBackend", err)
	}
	if net.Step() != 0 {
		t.Errorf("a refused run took %d steps", net.Step())
	}
	b, err := scorenet.SequentialGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	if h, err := Run(context.Background(), smallNetWith(t, 1, b, "softplus"), gaussian{}, s); err != nil || len(h) != 2 {
		t.Errorf("sliced on the sequential Go backend: %d steps, error %v", len(h), err)
	}
}

// TestRunRefusesTimedOnParallelGoBackend checks that Run refuses every
// objective of a time-conditioned network that trains on the graph (here
// softplus: the fused engine is ReLU's) on a pure-Go backend that runs ops
// in parallel (where a step once hung), with an error naming
// scorenet.SequentialGoBackend, and trains it on one started so; a ReLU
// network that the fused engine trains runs no graph and is not refused.
func TestRunRefusesTimedOnParallelGoBackend(t *testing.T) {
	data := twoModes(t)
	seq, err := scorenet.SequentialGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		process string
		o       Objective
	}{{"vp", Continuous}, {"flow", CFM}, {"flow", OTCFM}} {
		cfg := scorenet.Config{Width: 8, Features: 4, Depth: 1, Activation: "softplus", Conditioning: "time", Process: c.process}
		s := Settings{Steps: 2, Batch: 8, Objective: c.o}
		net, err := scorenet.New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), net, data, s); err == nil || !strings.Contains(err.Error(), "SequentialGoBackend") {
			t.Errorf("%s on the parallel Go backend: error %v, want one naming scorenet.SequentialGoBackend", c.o, err)
		}
		if net.Step() != 0 {
			t.Errorf("%s: a refused run took %d steps", c.o, net.Step())
		}
		if net, err = scorenet.New(seq, cfg, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatal(err)
		}
		if h, err := Run(context.Background(), net, data, s); err != nil || len(h) != 2 {
			t.Errorf("%s on the sequential Go backend: %d steps, error %v", c.o, len(h), err)
		}
		cfg.Activation = "relu"
		if net, err = scorenet.New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatal(err)
		}
		if !fastTimeApplies(net) {
			continue // no vectorised kernels here: ReLU takes the graph too
		}
		if h, err := Run(context.Background(), net, data, s); err != nil || len(h) != 2 {
			t.Errorf("%s, ReLU on the fused engine, parallel Go backend: %d steps, error %v", c.o, len(h), err)
		}
	}
}

// TestSettingsForBackend checks the settings Run picks per backend: on an
// accelerator (here a network with no backend, which is not the pure-Go
// one) noise drawn in the graph and losses read every 50 steps, unless
// LossEvery is given; on the pure-Go backend what the caller set.
func TestSettingsForBackend(t *testing.T) {
	sigmas, _ := sgm.Geometric(0.01, 1, 3)
	accel, err := scorenet.New(nil, scorenet.Config{Features: 2, Width: 2, Depth: 1, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		net       *scorenet.Net
		in        Settings
		graph     bool
		lossEvery int
	}{
		{"accelerator", accel, Settings{}, true, 50},
		{"accelerator, LossEvery given", accel, Settings{LossEvery: 3}, true, 3},
		{"go", smallNet(t, 1), Settings{}, false, 1},
		{"go, GraphNoise", smallNet(t, 1), Settings{GraphNoise: true, LossEvery: 7}, true, 7},
	} {
		s, err := c.in.forBackend(c.net)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.GraphNoise != c.graph || s.LossEvery != c.lossEvery || s.Steps != 5000 {
			t.Errorf("%s: GraphNoise %v, LossEvery %d, Steps %d; want %v, %d, 5000", c.name, s.GraphNoise, s.LossEvery, s.Steps, c.graph, c.lossEvery)
		}
	}
	if _, err := (Settings{Batch: -1}).forBackend(accel); err == nil {
		t.Error("batch -1: no error")
	}
}
