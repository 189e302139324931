package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/scorenet"
)

// TestToyDemoLearns trains a small model on 8gaussians briefly, as the
// demo's toys stage does (with moving averages of the weights, which it
// samples), and checks that its samples are close to the toy by W₂
// against fresh draws: 1.40, 1.54 and 1.81 with seeds 1, 2, 3 (floor 0.3
// to 0.6; 1,000 steps of a small network place the eight modes but blur
// them; 1.60, 1.36, 1.69 without the averages), while one step of training
// left W₂ at 23 (the sampler then diverges from the prior). The bound 2.3
// leaves a margin of 0.5 over the worst seed measured.
func TestToyDemoLearns(t *testing.T) {
	dir := t.TempDir()
	cfg := toyDemoConfig{Steps: 1000, Batch: 128, LR: 3e-3, Width: 64, Depth: 2, Features: 32, Levels: 10, Samples: 300, StepsPerLevel: 20, EMA: 0.99}
	var stdout, stderr bytes.Buffer
	fig := filepath.Join(dir, "toys.png")
	res, err := runToyDemo(context.Background(), &env{stdout: &stdout, stderr: &stderr}, dir, fig, []data.Toy{data.Toy8Gaussians}, cfg, 1, "go")
	if err != nil {
		t.Fatal(err)
	}
	checkFigure(t, fig)
	r := res["8gaussians"]
	if !(r.W2 < 2.3) || !(r.W2Floor > 0) || !(r.W2FloorStd > 0) {
		t.Errorf("8gaussians: W₂ %v (floor %v ± %v over several pairs), want below 2.3", r.W2, r.W2Floor, r.W2FloorStd)
	}
	be, err := newBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.Load(be, filepath.Join(dir, "toys", "8gaussians"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := net.EMA(); !ok {
		t.Error("the toy's run keeps no moving averages of its weights: EMA 0.99 was not passed to training")
	}
	b, _ := json.Marshal(res)
	for _, k := range []string{`"8gaussians":{`, `"w2":`, `"w2_floor":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("summary %s has no %s", b, k)
		}
	}
}
