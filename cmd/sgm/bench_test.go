package main

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// TestBenchTrainLeavesOutWarmUp checks that benchTrain takes its warm-up
// steps and then exactly the timed ones.
func TestBenchTrainLeavesOutWarmUp(t *testing.T) {
	sigmas, err := sgm.Geometric(0.01, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Features: 4, Width: 8, Depth: 1, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := dist.NewImage(2, 2, []float64{0, 1, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ n, total int }{{3, 5}, {1, 8}} {
		rate, err := benchTrain(context.Background(), net, data, "go", 4, c.n, 1, train.AllLevels)
		if err != nil {
			t.Fatal(err)
		}
		if !(rate > 0) || math.IsInf(rate, 0) {
			t.Errorf("n=%d: rate %v", c.n, rate)
		}
		if got := net.Step(); got != c.total {
			t.Errorf("n=%d: network at step %d, want %d (2 warm-up steps, then n)", c.n, got, c.total)
		}
	}
}
