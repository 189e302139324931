package bench

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// TestTrainRateLeavesOutWarmUp checks that TrainRate takes its warm-up
// steps and then exactly the timed ones.
func TestTrainRateLeavesOutWarmUp(t *testing.T) {
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
		rate, err := TrainRate(context.Background(), net, data, train.Settings{Batch: 4, LossEvery: 1, StepsPerCall: 1, Objective: train.AllLevels}, c.n)
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

// TestEvalRate checks that EvalRate counts n points per call, leaves out
// the first call, and returns eval's error and a cancelled ctx's.
func TestEvalRate(t *testing.T) {
	calls := 0
	rate, err := EvalRate(context.Background(), 10, func() error { calls++; return nil })
	if err != nil || !(rate > 0) || calls < 2 {
		t.Errorf("rate %v after %d calls: %v", rate, calls, err)
	}
	boom := errors.New("boom")
	if _, err := EvalRate(context.Background(), 10, func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("eval's error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := EvalRate(ctx, 10, func() error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestTrainFLOPs checks the nominal FLOPs against a count by hand: d = 2,
// F = 4, W = 8, D = 2 gives a forward pass of 2(2·2·4 + (8+2)·8 + 8·8 +
// 8·2) = 2(16+80+64+16) = 352 per row, three times that per training row.
func TestTrainFLOPs(t *testing.T) {
	if got := TrainFLOPs(scorenet.Config{Dim: 2, Features: 4, Width: 8, Depth: 2}, 10); got != 3*352*10 {
		t.Errorf("TrainFLOPs = %v, want %v", got, 3*352*10)
	}
}

// TestRunSmall runs every measure on a tiny workload, on the default
// backend, and checks that each is a positive rate, and that the
// configuration says what was measured (one step per call by default).
func TestRunSmall(t *testing.T) {
	r, err := Run(context.Background(), Options{TrainSteps: 1, Batch: 2, ChainSteps: 10, Particles: 4, ParticleSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{"train": r.TrainStepsPerSec, "train 8d": r.TrainStepsPerSec8d, "chain": r.ChainSeconds,
		"particles": r.ParticleStepsPerSec, "divergence": r.DivergenceEvalsPerSec, "guided": r.Guidance.Guided} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s: %v", name, v)
		}
	}
	if r.Config.Levels != 30 || r.Config.Backend != "go" || r.ParticleStepsMeasured != 4 || r.ChainSteps != 10 || r.Config.PerCall != 1 {
		t.Errorf("config %+v", r.Config)
	}
}

// TestRunRefusesNegative checks that a negative count is an error, not a
// default.
func TestRunRefusesNegative(t *testing.T) {
	if _, err := Run(context.Background(), Options{ChainSteps: -1}); err == nil || !strings.Contains(err.Error(), "ChainSteps -1") {
		t.Errorf("ChainSteps -1: %v, want an error naming it", err)
	}
}
