package metric_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
)

// within checks that v, one more draw of what the floor (mean f, standard
// deviation sd over reps pairs) averages, lies within 4 sd of f: the
// floor's mean has its own error, which adds 1/reps to the variance; a
// 4-sd miss has probability about 1e-4 per check.
func within(t *testing.T, what string, v float64, f, sd *float64, reps int) {
	t.Helper()
	if f == nil || sd == nil {
		t.Errorf("%s: no floor", what)
		return
	}
	if !(*sd > 0) || math.Abs(v-*f) > 4**sd*math.Sqrt(1+1/float64(reps)) {
		t.Errorf("%s: exact draws read %.4g = %.2fx the floor %.4g ± %.2g", what, v, v / *f, *f, *sd)
	}
}

// TestEvaluateExactDraws checks that exact draws of each kind of target
// read about 1.0x their floors: the floor is what an exact sampler
// scores, so a second exact draw is one more sample of it.
func TestEvaluateExactDraws(t *testing.T) {
	const n = 300
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	file := data.ToyCircles.IID().Sample(nil, 3000, rand.New(rand.NewPCG(7, 7)))
	for _, tc := range []struct {
		name string
		t    metric.Target
		x    []float64
	}{
		{"mixture", metric.Target{Mixture: m}, m.Sample(nil, n, rand.New(rand.NewPCG(1, 1)))},
		{"toy", metric.Target{Source: data.ToyMoons.IID()}, data.ToyMoons.IID().Sample(nil, n, rand.New(rand.NewPCG(2, 2)))},
		// Samples of a data set: other points of it.
		{"points", metric.Target{Points: file[:2000*2], D: 2}, file[2000*2:]},
	} {
		var log []string
		o := metric.EvalOptions{WPoints: n, Log: func(s string) { log = append(log, s) }}
		r, err := metric.Evaluate(tc.x, 2, tc.t, o, rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.W2 == nil || r.WN != n || r.FloorReps != metric.FloorReps {
			t.Fatalf("%s: report %+v, want the point metrics on %d points over %d pairs", tc.name, r, n, metric.FloorReps)
		}
		within(t, tc.name+" w2", *r.W2, r.W2Floor, r.W2FloorSD, r.FloorReps)
		within(t, tc.name+" w1", *r.W1, r.W1Floor, r.W1FloorSD, r.FloorReps)
		within(t, tc.name+" energy", *r.Energy, r.EnergyFloor, r.EnergyFloorSD, r.FloorReps)
		within(t, tc.name+" rbf_mmd_cfm", *r.RBFMMDCFM, r.RBFMMDCFMFloor, r.RBFMMDCFMFloorSD, r.FloorReps)
		if tc.name == "mixture" {
			within(t, "swd", *r.SWD, r.SWDFloor, r.SWDFloorSD, r.FloorReps)
			within(t, "mode_weight_error", *r.ModeWeightError, r.ModeWeightErrorFloor, r.ModeWeightErrorFloorSD, r.FloorReps)
		} else if r.SWD != nil || r.ModeWeights != nil {
			t.Errorf("%s: a target without a density has SWD %v, mode weights %v", tc.name, r.SWD, r.ModeWeights)
		}
		if len(log) == 0 || !strings.Contains(log[0], "on 300 of the ") {
			t.Errorf("%s: log %q, want it to say how many points W₂ used", tc.name, log)
		}
	}
}

// TestEvaluateImage checks an image target's metrics: the histogram
// metrics against the image and, with σ, the smoothed image.
func TestEvaluateImage(t *testing.T) {
	im, err := dist.NewImage(2, 2, []float64{0, 1, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	x := im.Smoothed(0.05).Sample(nil, 400, rand.New(rand.NewPCG(1, 2)))
	r, err := metric.Evaluate(x, 2, metric.Target{Image: im, Sigma: 0.05}, metric.EvalOptions{}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if r.HistCorr == nil || r.HistTVSmoothedFloorSD == nil || r.SWDFloor == nil || r.MMD == nil || r.W2 != nil {
		t.Fatalf("image report %+v: want histogram metrics with floors, SWD and MMD, no W₂", r)
	}
	within(t, "hist_tv_smoothed", *r.HistTVSmoothed, r.HistTVSmoothedFloor, r.HistTVSmoothedFloorSD, r.FloorReps)
	within(t, "swd", *r.SWD, r.SWDFloor, r.SWDFloorSD, r.FloorReps)
}

// TestEvaluateFar checks samples and reference points beyond FarCoord:
// against a mixture the point metrics are left out with a line that says
// why (they were left out without a word), against points an error names
// the sample or the target's point.
func TestEvaluateFar(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.5, 0.5, 1e150, 2, -0.5, -0.5, 0.4, 0.6}
	var log []string
	o := metric.EvalOptions{Log: func(s string) { log = append(log, s) }}
	r, err := metric.Evaluate(x, 2, metric.Target{Mixture: m}, o, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if r.W2 != nil || r.SWD == nil || r.MMD == nil {
		t.Errorf("far sample against a mixture: w2 %v, swd %v, mmd %v; want w2 left out, the others measured", r.W2, r.SWD, r.MMD)
	}
	want := "w2, w1, energy and rbf_mmd left out: sample 2 has coordinate 1e+150, beyond ±1e+100"
	if len(log) == 0 || !strings.HasPrefix(log[0], want) || strings.Contains(log[0], "\n") {
		t.Errorf("log %q, want a line starting %q", log, want)
	}
	_, err = metric.Evaluate(x, 2, metric.Target{Source: data.ToyMoons.IID()}, o, rand.New(rand.NewPCG(1, 2)))
	var far *metric.FarError
	if !errors.As(err, &far) || far.Target || far.Point != 2 || far.Value != 1e150 {
		t.Errorf("far sample against a toy: %v, want a FarError of sample 2", err)
	}
	ref := []float64{0, 0, 1, 1, 2, 2, -8e154, 0, 3, 3}
	_, err = metric.Evaluate([]float64{0, 0, 1, 1}, 2, metric.Target{Points: ref, D: 2}, o, rand.New(rand.NewPCG(1, 2)))
	var te *metric.TargetError
	if !errors.As(err, &te) || !errors.As(err, &far) || !far.Target || far.Point != 4 {
		t.Errorf("far reference point: %v, want a TargetError of point 4", err)
	}
}

func TestEvaluateErrors(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x    []float64
		d    int
		t    metric.Target
		want string
	}{
		{[]float64{0, 0}, 2, metric.Target{Mixture: m}, "1 samples; at least 2"},
		{[]float64{0, 0, math.NaN(), 1, 2, 2}, 2, metric.Target{Mixture: m}, "1 of 3 samples are not finite"},
		{[]float64{0, 0, 1}, 1, metric.Target{Mixture: m}, "samples of dimension 1, target of dimension 2"},
		{[]float64{0, 0, 1, 1}, 2, metric.Target{Points: []float64{0, 0, 1, 1, 2, 2}, D: 2}, "3 reference points: want at least 4"},
	} {
		_, err := metric.Evaluate(tc.x, tc.d, tc.t, metric.EvalOptions{}, rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestEvaluateLabels checks the per-label report on a labelled mixture:
// exact draws with their own labels read each label's W₂ at its floor and
// an accuracy of about 1 (the components are 12 standard deviations
// apart); the same points with the labels swapped read W₂ far above the
// floors and an accuracy of 0.
func TestEvaluateLabels(t *testing.T) {
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 1, Mean: []float64{-3, 0}, Std: []float64{0.5, 0.5}},
		{Weight: 1, Mean: []float64{3, 0}, Std: []float64{0.5, 0.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x, xl := m.SampleLabelled(nil, 400, rand.New(rand.NewPCG(1, 1)))
	names := []string{"left", "right"}
	r := metric.EvaluateLabels(x, xl, 2, nil, nil, m, names, m, 0, metric.FloorReps, rand.New(rand.NewPCG(2, 2)))
	if len(r.Labels) != 2 || r.Labels[0].Label != "left" || r.Accuracy == nil || *r.Accuracy != 1 || r.W2FloorMean == nil {
		t.Fatalf("report %+v, want two labels, accuracy 1 and a mean floor", r)
	}
	for _, l := range r.Labels {
		within(t, "label "+l.Label, l.W2, l.W2Floor, l.W2FloorSD, metric.FloorReps)
	}
	swapped := make([]int, len(xl))
	for i, l := range xl {
		swapped[i] = 1 - l
	}
	r = metric.EvaluateLabels(x, swapped, 2, nil, nil, m, names, m, 0, metric.FloorReps, rand.New(rand.NewPCG(2, 2)))
	if *r.Accuracy != 0 || !(r.W2Mean > 10**r.W2FloorMean) {
		t.Errorf("swapped labels: accuracy %v, W₂ %v against a floor of %v; want 0 and far above", *r.Accuracy, r.W2Mean, *r.W2FloorMean)
	}
	// A data set's own points, at most 100 samples.
	ref, rl := m.SampleLabelled(nil, 1000, rand.New(rand.NewPCG(3, 3)))
	r = metric.EvaluateLabels(x, xl, 2, ref, rl, nil, names, nil, 100, metric.FloorReps, rand.New(rand.NewPCG(2, 2)))
	if n := r.Labels[0].N + r.Labels[1].N; n != 100 || r.Accuracy != nil {
		t.Errorf("100 of the samples against a data set: %d compared, accuracy %v; want 100 and none", n, r.Accuracy)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil || !strings.Contains(b.String(), "label left ") || !strings.Contains(b.String(), "mean over 2 labels: W2 ") {
		t.Errorf("text %q, %v", b.String(), err)
	}
}

// TestReportWriteText checks the text form: a line per metric under its
// JSON name, in JSON order, lists at 4 digits.
func TestReportWriteText(t *testing.T) {
	r := metric.Report{N: 3, SWD: new(0.123456789), RBFMMD: []float64{0.0102345, -3.1e-5}, FloorReps: 8}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "n                           3\nswd                         0.123457\nrbf_mmd                     [0.01023 -3.1e-05]\nfloor_reps                  8\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
}
