package main

import (
	"archive/tar"
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/serve"
)

// TestExplorerModelSampled: what the explorer saves ("Model (tar)", GET
// /api/model) `sgm sample --model sgm-model` samples with no sampler flags,
// as README says: the explorer's run is a model run directory in the
// view's units, which samples by annealed Langevin over its own levels.
// (It answered "--level 17 out of range: the model has levels 0..9".)
func TestExplorerModelSampled(t *testing.T) {
	backend, err := scorenet.GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	s := serve.New(backend, serve.Limits{}, nil)
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	res, err := http.Post(ts.URL+"/api/train", "application/json", strings.NewReader(`{"target":{"toy":"moons"},"steps":400,"seed":1}`))
	if err != nil {
		t.Fatal(err)
	}
	events, err := io.ReadAll(res.Body) // the stream ends with its job
	res.Body.Close()
	if err != nil || !bytes.Contains(events, []byte("event: done")) || bytes.Contains(events, []byte(`"error"`)) {
		t.Fatalf("training: %v, events ending %q", err, events[max(0, len(events)-300):])
	}
	res, err = http.Get(ts.URL + "/api/model")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	dir := t.TempDir()
	tr := tar.NewReader(res.Body)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "s.csv")
	code, stdout, stderr := runSGM(t, "sample", "--model", filepath.Join(dir, "sgm-model"), "--n", "500", "--out", out)
	if code != 0 {
		t.Fatalf("sgm sample --model sgm-model: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "annealed Langevin") {
		t.Errorf("sampled by %q, want annealed Langevin", stdout)
	}
	_, x, err := data.ReadCSVFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	ref := data.ToyMoons.Sample(nil, 500, rng)
	w2 := metric.Wasserstein2(x, ref, 2)
	floor := metric.NoiseFloor(func(a, b []float64) float64 { return metric.Wasserstein2(a, b, 2) }, data.ToyMoons, 500, 4, rng)
	t.Logf("W2 %.3f against the floor %.3f", w2, floor.Mean)
	// 400 steps of the explorer's small network: within a few floors.
	if w2 > 4*floor.Mean {
		t.Errorf("W2 %.3f, more than 4 times the floor %.3f", w2, floor.Mean)
	}
}
