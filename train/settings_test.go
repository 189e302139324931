package train

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestAdamEpsilon checks the graph's Adam against optax's ε = 1e-8: a
// first step on a gradient g as small as ε moves a weight by
// lr·g/(|g| + ε), 1e-3·1e-9/1.1e-8 = 9.09e-5 (GoMLX's default ε = 1e-7
// would give 9.9e-6).
func TestAdamEpsilon(t *testing.T) {
	store := model.NewStore()
	w, err := store.CreateVariable("/w", tensors.FromScalar(float32(0)))
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(gobackend.GetBackend(), store, func(scope *model.Scope, g *Node) *Node {
		loss := Mul(w.NodeValue(g.Graph()), g)
		newAdam(1e-3).UpdateGraph(scope, g.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call(float32(1e-9)); err != nil {
		t.Fatal(err)
	}
	got := float64(tensors.ToScalar[float32](w.MustValue()))
	want := -1e-3 * 1e-9 / (1e-9 + 1e-8)
	// float32 arithmetic: a few ulps, far below the 10x that ε = 1e-7 makes.
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("after one Adam step on gradient 1e-9, w = %g, want %g (ε = 1e-8)", got, want)
	}
}

// TestProgressInterval checks that a run reports its progress after the
// first step and then whenever ProgressInterval has passed, however far
// apart ProgressEvery puts its reports.
func TestProgressInterval(t *testing.T) {
	var steps []int
	s := Settings{Steps: 20, Batch: 16, ProgressEvery: 1000, ProgressInterval: time.Nanosecond,
		Progress: func(st Status) { steps = append(steps, st.Step) }}
	if _, err := Run(context.Background(), smallNet(t, 1), twoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 20 || steps[0] != 1 {
		t.Errorf("with a 1ns interval, reports at steps %v, want every one of 20 steps", steps)
	}
	steps = nil
	s.ProgressInterval = time.Hour
	if _, err := Run(context.Background(), smallNet(t, 1), twoPoints{}, s); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0] != 1 || steps[1] != 20 {
		t.Errorf("with a 1h interval, reports at steps %v, want the first and the last", steps)
	}
}

func TestSettingsBoundBatch(t *testing.T) {
	if err := (Settings{Batch: MaxBatch + 1}).Validate(); err == nil {
		t.Errorf("Settings{Batch: %d}.Validate() = nil, want an error", MaxBatch+1)
	}
	if err := (Settings{Batch: MaxBatch}).Validate(); err != nil {
		t.Errorf("Settings{Batch: %d}.Validate() = %v", MaxBatch, err)
	}
}

// TestOTBatchLimit: otcfm's batch is bounded by MaxOTBatch (its exact
// assignment is cubic in the batch), other objectives' by MaxBatch only.
func TestOTBatchLimit(t *testing.T) {
	if err := (Settings{Objective: OTCFM, Batch: MaxOTBatch}).Validate(); err != nil {
		t.Errorf("otcfm at MaxOTBatch: %v", err)
	}
	if err := (Settings{Objective: OTCFM, Batch: MaxOTBatch + 1}).Validate(); err == nil {
		t.Error("otcfm beyond MaxOTBatch: no error")
	}
	if err := (Settings{Objective: CFM, Batch: MaxOTBatch + 1}).Validate(); err != nil {
		t.Errorf("cfm beyond MaxOTBatch: %v", err)
	}
}
