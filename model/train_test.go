package model

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// kinds are tiny networks of each kind, with a short run's settings.
var kinds = []struct {
	name string
	net  scorenet.Config
}{
	{"levels", scorenet.Config{Features: 8, Width: 16, Depth: 1}},
	{"vp", scorenet.Config{Features: 8, Width: 16, Depth: 1, Conditioning: "time", Process: "vp", BetaMin: 0.2, BetaMax: 10}},
	{"ve", scorenet.Config{Features: 8, Width: 16, Depth: 1, Conditioning: "time", Process: "ve", SigmaMax: 5}},
	{"flow", scorenet.Config{Features: 8, Width: 16, Depth: 1, Conditioning: "time", Process: "flow"}},
}

func tinySettings(steps int) train.Settings {
	return train.Settings{Steps: steps, Batch: 16, LearningRate: 3e-3, Seed: 7, EMA: 0.9, CheckpointEvery: 10}
}

// weights returns every variable of the newest checkpoint in dir, as
// text (exact: float32 values print in full).
func weights(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := Open(dir, scorenet.RawWeights())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for v := range m.Net().Store().IterVariables() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if v.DType() == dtypes.Float32 {
			f, err := tensors.CopyFlatData[float32](val)
			if err != nil {
				t.Fatal(err)
			}
			out[v.Path()] = fmt.Sprint(f)
			continue
		}
		out[v.Path()] = fmt.Sprint(val.Value())
	}
	return out
}

// TestResumeEqualsUninterrupted: for every kind, a run stopped at step 20
// of 40 and resumed with no setting restated (TrainOptions{Resume: true})
// ends with the variables, labels and loss history of a run never stopped.
func TestResumeEqualsUninterrupted(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			whole := filepath.Join(t.TempDir(), "whole")
			if _, _, err := Train(context.Background(), whole, TrainOptions{Data: "toy:moons", Net: k.net, Settings: tinySettings(40)}); err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(t.TempDir(), "cut")
			ctx, cancel := context.WithCancel(context.Background())
			s := tinySettings(40)
			s.ProgressEvery = 13
			s.Progress = func(st train.Status) {
				if st.Step >= 13 {
					cancel()
				}
			}
			if _, _, err := Train(ctx, cut, TrainOptions{Data: "toy:moons", Net: k.net, Settings: s}); !errors.Is(err, context.Canceled) {
				t.Fatalf("stopped run: %v, want context.Canceled", err)
			}
			first, err := Open(cut)
			if err != nil {
				t.Fatal(err)
			}
			if first.Record().Step != 13 {
				t.Fatalf("stopped at step %d, want 13", first.Record().Step)
			}
			m, _, err := Train(context.Background(), cut, TrainOptions{Resume: true})
			if err != nil {
				t.Fatal(err)
			}
			ref, err := Open(whole)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := m.Record().Settings, ref.Record().Settings; got.Steps != want.Steps || got.Batch != want.Batch ||
				got.LearningRate != want.LearningRate || got.Seed != want.Seed || got.EMA != want.EMA || got.CheckpointEvery != want.CheckpointEvery || got.Objective != want.Objective {
				t.Errorf("resumed settings %+v, want %+v", got, want)
			}
			resumed, err := Open(cut)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(resumed.Record().History, ref.Record().History) {
				t.Errorf("history of the resumed run (%d steps) differs from the uninterrupted one's (%d)", len(resumed.Record().History), len(ref.Record().History))
			}
			a, b := weights(t, cut), weights(t, whole)
			if len(a) != len(b) {
				t.Fatalf("%d variables, want %d", len(a), len(b))
			}
			for p, v := range b {
				if a[p] != v {
					t.Errorf("variable %s differs from the uninterrupted run's", p)
				}
			}
		})
	}
}

// TestHistoryWithCheckpoint: for every kind, a run that dies right after
// a checkpoint (the Checkpointed callback fails, as a kill -9 before any
// loss file is written) keeps the loss of every step up to it, and the
// resumed run's history has no gap.
func TestHistoryWithCheckpoint(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			s := tinySettings(30)
			died := errors.New("killed")
			s.Checkpointed = func(step int, _ []train.Record) error {
				if step == 20 {
					return died
				}
				return nil
			}
			if _, _, err := Train(context.Background(), dir, TrainOptions{Data: "toy:moons", Net: k.net, Settings: s}); !errors.Is(err, died) {
				t.Fatalf("run: %v, want the callback's error", err)
			}
			os.Remove(filepath.Join(dir, "loss.csv"))
			m, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if h := m.Record().History; len(h) != 20 || h[19].Step != 20 {
				t.Fatalf("history after the kill: %d steps, want 1..20", len(h))
			}
			m, _, err = Train(context.Background(), dir, TrainOptions{Resume: true})
			if err != nil {
				t.Fatal(err)
			}
			h := m.Record().History
			for i, r := range h {
				if r.Step != i+1 {
					t.Fatalf("history step %d at position %d: a gap", r.Step, i)
				}
			}
			if len(h) != 30 {
				t.Errorf("history of %d steps, want 30", len(h))
			}
		})
	}
}

// TestResumeRefusesOtherData: a resumed run refuses data other than its
// own, by name (a toy) and by checksum (a file whose bytes changed).
func TestResumeRefusesOtherData(t *testing.T) {
	net := kinds[0].net
	dir := filepath.Join(t.TempDir(), "run")
	if _, _, err := Train(context.Background(), dir, TrainOptions{Data: "toy:moons", Net: net, Settings: tinySettings(10)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Train(context.Background(), dir, TrainOptions{Resume: true, Data: "toy:circles", Settings: train.Settings{Steps: 20}}); err == nil {
		t.Error("resume on toy:circles of a run on toy:moons accepted")
	}
	csv := filepath.Join(t.TempDir(), "pts.csv")
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(n int) {
		b := []byte("x,y\n")
		for range n {
			b = append(b, []byte(formatRow(rng.NormFloat64(), rng.NormFloat64()))...)
		}
		if err := os.WriteFile(csv, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(50)
	dir2 := filepath.Join(t.TempDir(), "run2")
	if _, _, err := Train(context.Background(), dir2, TrainOptions{Data: csv, Net: net, Settings: tinySettings(10)}); err != nil {
		t.Fatal(err)
	}
	write(50)
	if _, _, err := Train(context.Background(), dir2, TrainOptions{Resume: true, Settings: train.Settings{Steps: 20}}); err == nil {
		t.Error("resume on a data file whose bytes changed accepted")
	}
}

func formatRow(x, y float64) string {
	return strconv.FormatFloat(x, 'g', 8, 64) + "," + strconv.FormatFloat(y, 'g', 8, 64) + "\n"
}

// TestQualityDefaults checks the defaults of issue 20: a new VP network
// predicts v and keeps moving averages of decay train.DefaultEMA (the
// run's record keeps it); Sample with zero options draws from it by DDPM's
// ancestral sampler (ddim, η = 1, sample.VPSteps evaluations); a model of
// points anneals at sample.PointStepsPerLevel steps per level with ε =
// sample.PointEps, and at 100 and 2e-5 once either is given.
func TestQualityDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vp")
	net := scorenet.Config{Features: 8, Width: 16, Depth: 1, Conditioning: "time", Process: "vp"}
	s := tinySettings(4)
	s.EMA = 0
	if _, _, err := Train(context.Background(), dir, TrainOptions{Data: "toy:moons", Net: net, Settings: s}); err != nil {
		t.Fatal(err)
	}
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Net().Config().Prediction; p != scorenet.PredictV {
		t.Errorf("prediction %q, want %q", p, scorenet.PredictV)
	}
	if got, want := m.Record().Settings.EMA, train.DefaultEMA(m.Net().Config()); got != want || want == 0 {
		t.Errorf("EMA %v, want %v", got, want)
	}
	_, st, err := m.Sample(nil, 3, rand.New(rand.NewPCG(1, 2)), SampleOptions{Observe: func(Step) {}})
	if err != nil || st.Sampler != DDIM || st.NFE != sample.VPSteps {
		t.Errorf("VP default: %+v, %v; want ddim at %d", st, err, sample.VPSteps)
	}
	// η = 1 draws noise at every step but the last: two runs with the same
	// start and different streams differ; with η = 0 they would not.
	a, _, _ := m.Sample(nil, 3, rand.New(rand.NewPCG(1, 2)), SampleOptions{Init: make([]float64, 6)})
	b, _, _ := m.Sample(nil, 3, rand.New(rand.NewPCG(3, 4)), SampleOptions{Init: make([]float64, 6)})
	if slices.Equal(a, b) {
		t.Errorf("VP default sampler is deterministic (η = 0): %v", a)
	}

	lv := filepath.Join(t.TempDir(), "levels")
	if _, _, err := Train(context.Background(), lv, TrainOptions{Data: "toy:moons", Net: kinds[0].net, Settings: tinySettings(2)}); err != nil {
		t.Fatal(err)
	}
	if m, err = Open(lv); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o     SampleOptions
		steps int
		eps   float64
	}{
		{SampleOptions{}, sample.PointStepsPerLevel, sample.PointEps},
		{SampleOptions{StepsPerLevel: 2}, 2, 2e-5},
		{SampleOptions{Eps: 1e-3}, 100, 1e-3},
	} {
		_, st, err := m.Sample(nil, 2, rand.New(rand.NewPCG(1, 2)), c.o)
		if err != nil || st.Sampler != Annealed || st.StepsPerLevel != c.steps || st.StepSize != c.eps {
			t.Errorf("%+v: %+v, %v; want annealed at %d steps, ε %v", c.o, st, err, c.steps, c.eps)
		}
	}
}

// TestResumeKeepsNetwork: a resumed run accepts network options equal to
// its own and refuses one that differs with a KeptError naming it; a
// process other than the run's is refused too.
func TestResumeKeepsNetwork(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, _, err := Train(context.Background(), dir, TrainOptions{Data: "toy:moons", Net: kinds[0].net, Settings: tinySettings(10)}); err != nil {
		t.Fatal(err)
	}
	var ke *KeptError
	for _, c := range []struct {
		o      TrainOptions
		option string
	}{
		{TrainOptions{Net: scorenet.Config{Width: 32}}, "width"},
		{TrainOptions{Net: scorenet.Config{Process: "vp"}}, "process"},
		{TrainOptions{Levels: 7}, "levels"},
	} {
		c.o.Resume, c.o.Settings.Steps = true, 20
		if _, _, err := Train(context.Background(), dir, c.o); !errors.As(err, &ke) || ke.Option != c.option {
			t.Errorf("resume with %s changed: %v, want a KeptError of %s", c.option, err, c.option)
		}
	}
	same := TrainOptions{Resume: true, Net: scorenet.Config{Width: 16, Depth: 1}, Levels: 30, Settings: train.Settings{Steps: 20}}
	if m, _, err := Train(context.Background(), dir, same); err != nil || m.Record().Step != 20 {
		t.Errorf("resume with the run's own width, depth and levels: %v", err)
	}
}
