package model

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// eightMixture is 8gaussians as a mixture, whose conditionals are known.
func eightMixture(t testing.TB) *dist.Mixture {
	m, ok := data.Toy8Gaussians.Mixture()
	if !ok {
		t.Fatal("8gaussians has no mixture")
	}
	return m
}

// accuracy is the share of the points x whose nearest 8gaussians
// component is label.
func accuracy(t testing.TB, x []float64, label int) float64 {
	labels := make([]int, len(x)/2)
	for i := range labels {
		labels[i] = label
	}
	return metric.LabelAccuracy(eightMixture(t), x, labels)
}

var (
	trainedOnce sync.Once
	trained8    [2]*Model // labelled, unlabelled
	trainedErr  error
)

// eight trains (once per test binary) two small models of toy:8gaussians,
// one class-conditional with its components as labels.
func eight(t *testing.T, labelled bool) *Model {
	t.Helper()
	trainedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sgm-eight")
		if err != nil {
			trainedErr = err
			return
		}
		for i, col := range []string{ComponentLabels, ""} {
			trained8[i], _, trainedErr = Train(context.Background(), filepath.Join(dir, "run"+col), TrainOptions{
				Data: "toy:8gaussians", LabelColumn: col,
				Net:      scorenet.Config{Features: 32, Width: 64, Depth: 2},
				Settings: train.Settings{Steps: 600, Batch: 256, LearningRate: 3e-3, Seed: 1, CheckpointEvery: 600},
			})
			if trainedErr != nil {
				return
			}
		}
	})
	if trainedErr != nil {
		t.Fatal(trainedErr)
	}
	if labelled {
		return trained8[0]
	}
	return trained8[1]
}

// labelled8 is the class-conditional model of eight.
func labelled8(t *testing.T) *Model { return eight(t, true) }

// TestSampleLabel trains a class-conditional model of 8gaussians and
// samples class 0 with and without guidance: the share of samples nearest
// centre 0 is far above an unconditional model's 1/8 and grows with
// guidance; NFE counts the unconditional evaluations guidance adds.
func TestSampleLabel(t *testing.T) {
	m := labelled8(t)
	if got := strings.Join(m.Labels(), ","); got != "0,1,2,3,4,5,6,7" {
		t.Fatalf("labels %q", got)
	}
	var acc [2]float64
	for i, w := range []float64{0, 3} {
		x, st, err := m.Sample(nil, 400, rand.New(rand.NewPCG(1, 2)), SampleOptions{Label: "0", Guidance: w, StepsPerLevel: 20})
		if err != nil {
			t.Fatal(err)
		}
		acc[i] = accuracy(t, x, 0)
		if want := (1 + min(1, int(w))) * st.Steps; st.NFE != want {
			t.Errorf("W=%v: NFE %d, want %d", w, st.NFE, want)
		}
	}
	t.Logf("accuracy of label 0: %.3f at W=0, %.3f at W=3", acc[0], acc[1])
	if !(acc[0] > 0.6) || !(acc[1] >= acc[0]) {
		t.Errorf("accuracy %.3f (W=0), %.3f (W=3): want above 0.6, and not lower with guidance", acc[0], acc[1])
	}
}

// labelledTimed trains a small class-conditional model of 8gaussians of
// the kind net (a VP SDE, a flow) with objective obj.
func labelledTimed(t *testing.T, net scorenet.Config, obj train.Objective) *Model {
	t.Helper()
	m, _, err := Train(context.Background(), filepath.Join(t.TempDir(), "run"), TrainOptions{
		Data: "toy:8gaussians", LabelColumn: ComponentLabels, Net: net,
		Settings: train.Settings{Steps: 400, Batch: 256, LearningRate: 3e-3, Objective: obj, Seed: 1, CheckpointEvery: 400},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSampleLabelTimed trains a class-conditional VP model and an OT-CFM
// flow of 8gaussians (400 steps) and samples class 0 at guidance W = 0, 1
// and 3 with each kind's default sampler: the share of samples nearest
// centre 0 is above 0.8 at W = 0 (an unconditional model's is 1/8;
// measured 0.99 or more for both), and does not fall as W grows by more
// than 2 binomial standard errors of 400 samples at the higher share
// (sqrt(p(1-p)/400), at least 1/400: the shares are near 1, where one
// sample moves them by 0.0025); NFE counts the unconditional evaluations
// guidance adds. Bad labels and guidance are refused as for levels.
func TestSampleLabelTimed(t *testing.T) {
	for _, c := range []struct {
		name string
		net  scorenet.Config
		obj  train.Objective
	}{
		{"vp", scorenet.Config{Features: 32, Width: 64, Depth: 2, Conditioning: "time", Process: "vp"}, ""},
		{"otcfm", scorenet.Config{Features: 32, Width: 64, Depth: 2, Conditioning: "time", Process: "flow"}, train.OTCFM},
	} {
		m := labelledTimed(t, c.net, c.obj)
		var acc []float64
		for _, w := range []float64{0, 1, 3} {
			x, st, err := m.Sample(nil, 400, rand.New(rand.NewPCG(1, 2)), SampleOptions{Label: "0", Guidance: w})
			if err != nil {
				t.Fatal(err)
			}
			acc = append(acc, accuracy(t, x, 0))
			if want := (1 + min(1, int(w))) * st.Steps; st.NFE != want {
				t.Errorf("%s W=%v: NFE %d, want %d", c.name, w, st.NFE, want)
			}
		}
		t.Logf("%s: accuracy of label 0 at W = 0, 1, 3: %.4f", c.name, acc)
		if !(acc[0] > 0.8) {
			t.Errorf("%s: accuracy %.3f at W = 0, want above 0.8", c.name, acc[0])
		}
		for i := 1; i < len(acc); i++ {
			p := max(acc[i], acc[i-1])
			if se := max(math.Sqrt(p*(1-p)/400), 1.0/400); acc[i] < acc[i-1]-2*se {
				t.Errorf("%s: accuracy falls with guidance: %.4f", c.name, acc)
			}
		}
		for _, o := range []SampleOptions{{Label: "9"}, {Label: "0", Guidance: math.NaN()}, {Label: "0", Guidance: -1}, {Label: "0", Guidance: 101}, {Guidance: 1}} {
			if _, _, err := m.Sample(nil, 3, rand.New(rand.NewPCG(1, 1)), o); err == nil || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s %+v: %v, want a one-line error", c.name, o, err)
			}
		}
	}
}

// TestSampleGiven samples a trained model of 8gaussians (600 steps) given
// x0 = 2, between the centres at x0 = 2.83 and 2.0, against the exact
// conditional of the mixture: x0 stays exactly 2, and the component
// weights are those the same method (sample.Given's default: annealed
// Langevin on the model's schedule, in the data's units) gives with the
// mixture's exact joint score, within 0.15. Measured (GOMAXPROCS 2): the
// exact joint score's weights were within 0.021 of the exact conditional's
// (0.052 on the centre at (2.83, 0) against 0.031), the model's within
// 0.115, 0.096 from the exact joint score's; so what remains is the
// model's error. (The labelled model's null label, trained on a tenth of
// its batches, was off by 0.235.)
func TestSampleGiven(t *testing.T) {
	m := eight(t, false)
	nan := math.NaN()
	mix := eightMixture(t)
	exact, err := mix.Given([]float64{2, nan})
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := m.Sample(nil, 1000, rand.New(rand.NewPCG(3, 4)), SampleOptions{Given: []float64{2, nan}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(x); i += 2 {
		if x[i] != 2 {
			t.Fatalf("sample %d has x0 = %v, want the given 2", i/2, x[i])
		}
	}
	// The method with the exact joint score: the model's levels, in the
	// data's units (its standardisation scales both axes alike, by the
	// data's standard deviation, within 1%).
	std, _ := m.Standardizer()
	k := m.Kind().(Levels)
	sigmas := make([]float64, len(k.Sigmas))
	for i, s := range k.Sigmas {
		sigmas[len(sigmas)-1-i] = s * std.Std[0]
	}
	y := make([]float64, 2000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range y {
		y[i] = sigmas[0] * rng.NormFloat64()
	}
	a := sample.Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 2e-5 * std.Std[0] * std.Std[0], Denoise: true}
	if err := (sample.Given{Values: []float64{2, nan}}).Annealed(a, y, sample.PerturbedLevels(mix), rng); err != nil {
		t.Fatal(err)
	}
	model, joint := givenWeights(x, exact), givenWeights(y, exact)
	worst, gap := 0.0, 0.0
	for k, c := range exact.Components() {
		worst = max(worst, math.Abs(model[k]-c.Weight))
		gap = max(gap, math.Abs(model[k]-joint[k]))
	}
	t.Logf("given x0 = 2: weights %.3f (model), %.3f (exact joint score, same method); worst error against the exact conditional %.3f, model against exact joint %.3f", model, joint, worst, gap)
	if gap > 0.15 {
		t.Errorf("model's weights %.3f, the method's with the exact score %.3f: differ by %.3f", model, joint, gap)
	}
}

// givenWeights estimates the component weights of samples x (2-D, x0
// given) as the mean responsibilities of the conditional c at their x1.
func givenWeights(x []float64, c *dist.Mixture) []float64 {
	est := make([]float64, c.Len())
	for i := 0; i < len(x); i += 2 {
		r := c.Responsibilities(nil, x[i+1:i+2])
		for k := range est {
			est[k] += r[k] / float64(len(x)/2)
		}
	}
	return est
}

// TestConditionRefuses checks the one-line errors of the conditioning
// options.
func TestConditionRefuses(t *testing.T) {
	m := labelled8(t)
	plain := tiny(t, "levels")
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		m    *Model
		o    SampleOptions
		want string
	}{
		{plain, SampleOptions{Label: "0"}, "has no labels"},
		{m, SampleOptions{Label: "9"}, `unknown label "9" (the model's labels: 0, 1, 2, 3, 4, 5, 6, 7)`},
		{m, SampleOptions{Label: "0", Guidance: math.NaN()}, "guidance must be in [0, 100], got NaN"},
		{m, SampleOptions{Label: "0", Guidance: -1}, "guidance must be in [0, 100], got -1"},
		{m, SampleOptions{Label: "0", Guidance: 1e9}, "guidance must be in [0, 100], got 1e+09"},
		{m, SampleOptions{Guidance: 2}, "needs a label"},
		{m, SampleOptions{Given: []float64{1}}, "given values: 1 of them"},
		{m, SampleOptions{Given: []float64{math.Inf(1), math.NaN()}}, "must be finite or NaN"},
	} {
		_, _, err := c.m.Sample(nil, 3, rng, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v, want one line with %q", c.o, err, c.want)
		}
	}
}

// TestColumns checks the coordinate names a checkpoint records as
// untrusted input.
func TestColumns(t *testing.T) {
	m := tiny(t, "levels")
	defer m.Net().SetLabel(LabelColumns, `["x0","x1"]`) // the model is shared between tests
	for _, c := range []struct{ v, want string }{
		{`["a"]`, "1 names for 2 coordinates"},
		{`["a","a"]`, "name 1"},
		{`["a","\u0007"]`, "name 1"},
		{`{"a":1}`, "cannot unmarshal"},
	} {
		m.Net().SetLabel(LabelColumns, c.v)
		if _, err := m.Columns(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.v, err, c.want)
		}
	}
	m.Net().SetLabel(LabelColumns, `["age","height"]`)
	if cols, err := m.Columns(); err != nil || strings.Join(cols, ",") != "age,height" {
		t.Errorf("columns %q, %v", cols, err)
	}
}

// TestLabelScorer: LabelScorer is the score Sample conditions with, in
// the data's units: with no label it equals LevelScorer bitwise; with a
// label and guidance w it is s_u + (1+w)(s_c - s_u) of the label's and the
// unconditional scores (to rounding, 1e-12 relative); it refuses what
// Sample refuses.
func TestLabelScorer(t *testing.T) {
	m := labelled8(t)
	x := []float64{0.5, -1, 2.8, 0.1, -2, 2}
	score := func(label string, w float64) []float64 {
		s, err := m.LabelScorer(5, label, w)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float64, len(x))
		if err := Catch(func() { s.ScoreBatch(dst, x) }); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	plain, err := m.LevelScorer(5)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(x))
	plain.ScoreBatch(want, x)
	for i, v := range score("", 0) {
		if v != want[i] {
			t.Fatalf("no label: score[%d] = %v, LevelScorer %v", i, v, want[i])
		}
	}
	c, g := score("3", 0), score("3", 2)
	for i := range x {
		if w := want[i] + 3*(c[i]-want[i]); math.Abs(g[i]-w) > 1e-12*(1+math.Abs(w)) {
			t.Errorf("guided score[%d] = %v, want s_u + 3(s_c - s_u) = %v", i, g[i], w)
		}
		if c[i] == want[i] {
			t.Errorf("label 3: score[%d] equals the unconditional one", i)
		}
	}
	for _, c := range []struct {
		label string
		w     float64
		want  string
	}{{"9", 0, "unknown label"}, {"3", -1, "guidance must be in"}, {"", 1, "needs a label"}} {
		if _, err := m.LabelScorer(5, c.label, c.w); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LabelScorer(5, %q, %v): %v, want %q", c.label, c.w, err, c.want)
		}
	}
	if _, err := m.LabelScorer(99, "3", 0); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("LabelScorer at level 99: %v", err)
	}
}

// TestTrainLabelledSource trains a labelled model from a Source held in
// memory in its own units (Raw), as the explorer does: the run records the
// label names, and a Source that is not labelled, or names without a
// label column, are refused.
func TestTrainLabelledSource(t *testing.T) {
	mix := eightMixture(t)
	names := []string{"0", "1", "2", "3", "4", "5", "6", "7"}
	small := scorenet.Config{Features: 8, Width: 16, Depth: 1, Sigmas: []float64{0.1, 0.5, 1}}
	set := train.Settings{Steps: 5, Batch: 16, Objective: train.OneLevel}
	m, _, err := Train(context.Background(), filepath.Join(t.TempDir(), "run"), TrainOptions{
		Data: "eight", Source: mix, Raw: true, LabelColumn: ComponentLabels, LabelNames: names, Net: small, Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Labels(), ","); got != strings.Join(names, ",") {
		t.Errorf("labels %q", got)
	}
	if _, err := m.LabelScorer(0, "7", 1); err != nil {
		t.Error(err)
	}
	for _, o := range []TrainOptions{
		{Data: "eight", Source: struct{ sgm.Source }{mix}, Raw: true, LabelColumn: ComponentLabels, LabelNames: names}, // no SampleLabelled
		{Data: "eight", Source: mix, Raw: true, LabelColumn: ComponentLabels},
		{Data: "eight", Source: mix, Raw: true, LabelNames: names},
	} {
		o.Net, o.Settings = small, set
		if _, _, err := Train(context.Background(), filepath.Join(t.TempDir(), "bad"), o); err == nil || !strings.Contains(err.Error(), "Label") {
			t.Errorf("Train(%s, column %q, %d names): %v, want a refusal naming the labels", o.Data, o.LabelColumn, len(o.LabelNames), err)
		}
	}
}
