package train

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/scorenet"
)

// TestFastEngineUsesTheStoreLayout checks, on any CPU (the fused kernels'
// portable loops where AVX-512 is missing), that the fast engine reads and
// writes the very variables GoMLX's graph engine and Adam create, by the
// names scorenet's layout gives: after graph steps it finds Adam's moments
// and the moving averages, and its sync writes weights, moments, averages
// and step counts back into them without adding any.
func TestFastEngineUsesTheStoreLayout(t *testing.T) {
	net := smallNet(t, 3)
	s := Settings{Steps: 2, Batch: 16, Objective: OneLevel, EMA: 0.9}
	// Two graph steps create Adam's state and the averages under GoMLX's names.
	eng, err := newGraphEngine(net, gaussian{}, s.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	batch := func(rng *rand.Rand) (x, z []float32, levels []int32) {
		for _, v := range (gaussian{}).Sample(nil, 16, rng) {
			x = append(x, float32(v))
		}
		for range 32 {
			z = append(z, float32(rng.NormFloat64()))
		}
		for range 16 {
			levels = append(levels, int32(rng.IntN(5)))
		}
		return x, z, levels
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2 {
		x, z, lv := batch(rng)
		l, err := eng.step(x, z, nil, lv)
		if err != nil {
			t.Fatal(err)
		}
		l.release()
	}
	eng.close()
	before := variablePaths(net.Store())

	fe, err := newFastEngine(net, s.WithDefaults(), nil)
	if err != nil {
		t.Fatalf("the fast engine does not find the graph engine's state: %v", err)
	}
	step, m, _ := fe.trainer.AdamState()
	if step != 2 {
		t.Errorf("Adam's step %d, want 2", step)
	}
	for _, sl := range trainable(&m, fe.layout) {
		if got := values(t, net.Store(), scorenet.AdamMomentPath(sl.name, 1)); !slices.Equal(got, *sl.vals) {
			t.Errorf("%s's first moment was not read from the store", sl.name)
		}
	}
	x, z, lv := batch(rng)
	if _, err := fe.step(x, z, nil, lv); err != nil {
		t.Fatal(err)
	}
	if err := fe.sync(); err != nil {
		t.Fatal(err)
	}
	if after := variablePaths(net.Store()); !slices.Equal(after, before) {
		t.Errorf("sync changed the store's variables:\nbefore %v\nafter  %v", before, after)
	}
	p := fe.trainer.Params()
	step, m, v := fe.trainer.AdamState()
	for _, group := range []struct {
		path   func(string) string
		params *fastnet.Params
	}{{scorenet.VariablePath, &p}, {func(n string) string { return scorenet.AdamMomentPath(n, 1) }, &m},
		{func(n string) string { return scorenet.AdamMomentPath(n, 2) }, &v}, {scorenet.EMAPath, fe.ema}} {
		for _, sl := range trainable(group.params, fe.layout) {
			if got := values(t, net.Store(), group.path(sl.name)); !slices.Equal(got, *sl.vals) {
				t.Errorf("%s does not hold what the engine trained", group.path(sl.name))
			}
		}
	}
	if net.Step() != 3 || step != 3 {
		t.Errorf("step counts %d and %d after 3 steps", net.Step(), step)
	}
	// A run on from there (either engine) starts where these left off.
	if _, err := Run(context.Background(), net, gaussian{}, Settings{Steps: 4, Batch: 16, Objective: OneLevel, EMA: 0.9}); err != nil {
		t.Fatal(err)
	}
}

// variablePaths lists the store's variables, sorted.
func variablePaths(store *model.Store) []string {
	var out []string
	for v := range store.IterVariables() {
		out = append(out, v.Path())
	}
	slices.Sort(out)
	return out
}

// values copies the float32 variable path.
func values(t *testing.T, store *model.Store, path string) []float32 {
	t.Helper()
	v := store.GetVariable(path)
	if v == nil {
		t.Fatalf("no variable %s", path)
	}
	tv, err := v.Value()
	if err != nil {
		t.Fatal(err)
	}
	out, err := tensors.CopyFlatData[float32](tv)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
