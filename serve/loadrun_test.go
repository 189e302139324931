package serve

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	sgmmodel "github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// TestLoadRun: the explorer shows a run directory trained by sgm train (a
// model of standardised points) as its learned model: the field at each
// level answers in the data's units, the info names the data, and the
// directory is left as it was. A model conditioned on time is refused.
func TestLoadRun(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	dir := filepath.Join(t.TempDir(), "run")
	small := scorenet.Config{Features: 8, Width: 16, Depth: 1}
	if _, _, err := sgmmodel.Train(context.Background(), dir, sgmmodel.TrainOptions{Data: "toy:moons", Net: small, Settings: train.Settings{Steps: 20, Batch: 16}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadRun(dir); err != nil {
		t.Fatal(err)
	}
	info := s.modelInfo()
	if info == nil || info.Name != "toy:moons" || info.Steps != 20 || len(info.Sigmas) != 30 || info.Space != "points" {
		t.Fatalf("model info %+v", info)
	}
	var f fieldResponse
	postOK(t, ts.URL+"/api/field", fieldRequest{Target: Spec{Toy: "moons"}, Source: "learned", Level: 29, Grid: 4}, &f)
	if f.Sigma != info.Sigmas[29] || len(f.Score) != 32 {
		t.Fatalf("learned field: sigma %v, %d numbers", f.Sigma, len(f.Score))
	}
	for i, v := range f.Score {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("score %d is %v", i, v)
		}
	}
	s.Close()
	if has, err := scorenet.HasCheckpoints(dir); !has || err != nil {
		t.Errorf("the run directory after Close: checkpoints %v, %v", has, err)
	}
	vp := filepath.Join(t.TempDir(), "vp")
	small.Conditioning, small.Process = "time", "vp"
	if _, _, err := sgmmodel.Train(context.Background(), vp, sgmmodel.TrainOptions{Data: "toy:moons", Net: small, Settings: train.Settings{Steps: 5, Batch: 16}}); err != nil {
		t.Fatal(err)
	}
	if err := New(testBackend, Limits{}, nil).LoadRun(vp); err == nil || !strings.Contains(err.Error(), "models of noise levels") {
		t.Errorf("LoadRun of a VP model: %v", err)
	}
}

// TestLoadRunLabelled: a labelled run directory (sgm train --label-column
// component on 8gaussians) loads with its labels, on its toy (the page
// offers it as the model of the 8gaussians it shows), and samples a label
// with guidance given x0; a run on a CSV file has no target of the page.
func TestLoadRunLabelled(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	dir := filepath.Join(t.TempDir(), "run")
	small := scorenet.Config{Features: 8, Width: 16, Depth: 1}
	if _, _, err := sgmmodel.Train(context.Background(), dir, sgmmodel.TrainOptions{Data: "toy:8gaussians", LabelColumn: sgmmodel.ComponentLabels, Net: small, Settings: train.Settings{Steps: 10, Batch: 16}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadRun(dir); err != nil {
		t.Fatal(err)
	}
	tg, err := resolve(eight, s.lim)
	if err != nil {
		t.Fatal(err)
	}
	info := s.modelInfo()
	if info == nil || strings.Join(info.Labels, ",") != "0,1,2,3,4,5,6,7" || info.Spec == nil || info.Spec.Toy != "8gaussians" || info.Target != tg.key {
		t.Fatalf("model info %+v, want the 8 labels on toy 8gaussians (key %s)", info, tg.key)
	}
	v := 0.5
	var res stepResponse
	postOK(t, ts.URL+"/api/step", stepRequest{Target: eight, Source: "learned", Sampler: samplerAnnealed, N: 20, K: 30, Label: "3", Guidance: 1, Given: &v}, &res)
	x, err := decodePoints("x", res.X, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(x); i += 2 {
		if x[i] != v || math.IsNaN(x[i+1]) {
			t.Fatalf("particle %d at (%v, %v), want x0 = %v and x1 finite", i/2, x[i], x[i+1], v)
		}
	}
	for _, c := range []struct {
		data string
		ok   bool
	}{{"toy:moons", true}, {"seed-mog", true}, {"preset:seed-mog", true}, {"points.csv", false}, {"mnist:train:0", false}} {
		if _, ok := specOf(c.data); ok != c.ok {
			t.Errorf("specOf(%q): %v, want %v", c.data, ok, c.ok)
		}
	}
}
