package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// The demo's "conditional" stage: a class-conditional model of 8gaussians
// (its components as labels, classifier-free guidance at W = 0, 1, 3, 7),
// and an unconditional one sampled given x0, against the exact
// conditionals of 8gaussians as a mixture (figures 13 and 14; summary keys
// conditional and given).

// condDemoConfig is how the stage trains and samples.
type condDemoConfig struct {
	Steps           int       `json:"train_steps"` // the labelled model's (GoMLX graph)
	GivenSteps      int       `json:"given_train_steps"`
	Width           int       `json:"width"`
	Depth           int       `json:"depth"`
	Features        int       `json:"features"`
	SamplesPerLabel int       `json:"samples_per_label"`
	StepsPerLevel   int       `json:"steps_per_level"`
	Guidance        []float64 `json:"guidance"`
	GivenX0         []float64 `json:"given_x0"`
	GivenSamples    int       `json:"given_samples"`
}

var (
	fullCondDemo  = condDemoConfig{Steps: 1500, GivenSteps: 3000, Width: 64, Depth: 2, Features: 32, SamplesPerLabel: 125, StepsPerLevel: 30, Guidance: []float64{0, 1, 3, 7}, GivenX0: []float64{0, 1, 2}, GivenSamples: 1000}
	quickCondDemo = condDemoConfig{Steps: 20, GivenSteps: 20, Width: 16, Depth: 1, Features: 8, SamplesPerLabel: 10, StepsPerLevel: 3, Guidance: []float64{0, 3}, GivenX0: []float64{2}, GivenSamples: 50}
)

// condResult is summary.json's "conditional": per guidance weight W, the
// share of samples whose most responsible component is their label, and
// the mean over labels of W₂ between a label's samples and its draws, with
// the mean of the labels' noise floors.
type condResult struct {
	Guidance   []float64 `json:"guidance"`
	Accuracy   []float64 `json:"accuracy"`
	W2         []float64 `json:"w2"`
	W2Floor    float64   `json:"w2_floor"`
	W2FloorStd float64   `json:"w2_floor_sd"`
	NFE        []int     `json:"nfe"` // network evaluations per sampling run (one label)
}

// givenResult is summary.json's "given": samples given x0 = each value,
// their component weights (the mean responsibilities of the exact
// conditional at their x1) against the exact conditional's, and the
// largest difference over values and components.
type givenResult struct {
	X0           []float64   `json:"x0"`
	Weights      [][]float64 `json:"weights"`
	ExactWeights [][]float64 `json:"exact_weights"`
	WeightsError float64     `json:"weights_error"`
}

// conditional runs the stage.
func (d *demoRun) conditional() error {
	cfg := fullCondDemo
	if d.quick {
		cfg = quickCondDemo
	}
	mix, _ := data.Toy8Gaussians.Mixture()
	net := scorenet.Config{Features: cfg.Features, Width: cfg.Width, Depth: cfg.Depth}
	trainRun := func(name, column string, steps int) (*model.Model, error) {
		dir := filepath.Join(d.out, "conditional", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("--out: %w", err)
		}
		if err := clearDemoRun(dir); err != nil {
			return nil, err
		}
		m, _, err := model.Train(d.ctx, dir, model.TrainOptions{Data: "toy:8gaussians", LabelColumn: column, Net: net,
			Settings: train.Settings{Steps: steps, Batch: 256, LearningRate: 3e-3, Seed: d.seed, CheckpointEvery: steps}})
		return m, err
	}
	m, err := trainRun("labelled", model.ComponentLabels, cfg.Steps)
	if err != nil {
		return err
	}
	res := condResult{Guidance: cfg.Guidance}
	ref, refLabels := data.Toy8Gaussians.SampleLabelled(nil, 16*cfg.SamplesPerLabel*len(m.Labels()), d.rng(0xc0d1))
	var sets []plot.LabelledSet
	for _, w := range cfg.Guidance {
		var x []float64
		var labels []int
		nfe := 0
		for c, name := range m.Labels() {
			xs, st, err := m.Sample(nil, cfg.SamplesPerLabel, d.rng(0xc0d2+uint64(c)), model.SampleOptions{Label: name, Guidance: w, StepsPerLevel: cfg.StepsPerLevel})
			if err != nil {
				return err
			}
			x = append(x, xs...)
			for range cfg.SamplesPerLabel {
				labels = append(labels, c)
			}
			nfe = st.NFE
		}
		acc := metric.LabelAccuracy(mix, x, labels)
		per := metric.PerLabel(metric.Wasserstein2, x, labels, ref, refLabels, 2, len(m.Labels()), 0, metric.FloorReps, d.rng(0xc0d3))
		var w2, floor, floorVar float64
		for _, p := range per {
			w2 += p.Distance / float64(len(per))
			floor += p.Floor.Mean / float64(len(per))
			floorVar += p.Floor.Std * p.Floor.Std / float64(len(per)*len(per))
		}
		res.Accuracy, res.W2, res.NFE = append(res.Accuracy, acc), append(res.W2, w2), append(res.NFE, nfe)
		res.W2Floor, res.W2FloorStd = floor, math.Sqrt(floorVar)
		sets = append(sets, plot.LabelledSet{Title: fmt.Sprintf("W = %g: W₂ %.2f (floor %.2f), accuracy %.2f", w, w2, floor, acc), Points: x, Labels: labels})
	}
	d.sum.Conditional = &res
	fig, err := plot.Labelled(sets, m.Labels(), nil, fmt.Sprintf("8gaussians by component, %d training steps: classifier-free guidance trades diversity for separation", cfg.Steps))
	if err != nil {
		return err
	}
	if err := plot.Save(fig, d.figure("13-guidance.png")); err != nil {
		return err
	}
	return d.given(cfg, trainRun)
}

// given samples an unconditional model of 8gaussians given x0.
func (d *demoRun) given(cfg condDemoConfig, trainRun func(name, column string, steps int) (*model.Model, error)) error {
	m, err := trainRun("plain", "", cfg.GivenSteps)
	if err != nil {
		return err
	}
	mix, _ := data.Toy8Gaussians.Mixture()
	res := givenResult{X0: cfg.GivenX0}
	var panels []plot.GivenPanel
	const lo, hi = -4.5, 4.5
	for i, v := range cfg.GivenX0 {
		x, _, err := m.Sample(nil, cfg.GivenSamples, d.rng(0x61e0+uint64(i)), model.SampleOptions{Given: []float64{v, math.NaN()}, StepsPerLevel: cfg.StepsPerLevel})
		if err != nil {
			return err
		}
		exact, err := mix.Given([]float64{v, math.NaN()})
		if err != nil {
			return err
		}
		x1 := make([]float64, len(x)/2)
		for k := range x1 {
			x1[k] = x[2*k+1]
		}
		est := make([]float64, exact.Len())
		r := make([]float64, exact.Len())
		var ew []float64
		for k := range x1 {
			exact.Responsibilities(r, x1[k:k+1])
			for c := range est {
				est[c] += r[c] / float64(len(x1))
			}
		}
		worst := 0.0
		for c, comp := range exact.Components() {
			ew = append(ew, comp.Weight)
			worst = max(worst, math.Abs(est[c]-comp.Weight))
		}
		res.Weights, res.ExactWeights = append(res.Weights, est), append(res.ExactWeights, ew)
		res.WeightsError = max(res.WeightsError, worst)
		gx := make([]float64, 301)
		gd := make([]float64, len(gx))
		for k := range gx {
			gx[k] = lo + (hi-lo)*float64(k)/float64(len(gx)-1)
			gd[k] = math.Exp(exact.LogProb(gx[k : k+1]))
		}
		panels = append(panels, plot.GivenPanel{Title: fmt.Sprintf("x0 = %g: component weights off by up to %.3f", v, worst), Samples: x1, X: gx, Density: gd})
	}
	d.sum.Given = &res
	fig, err := plot.Given(panels, "x1", lo, hi, 60, fmt.Sprintf("8gaussians given x0 (model of %d steps, annealed Langevin on the conditional score) against the exact conditional density", cfg.GivenSteps))
	if err != nil {
		return err
	}
	return plot.Save(fig, d.figure("14-given.png"))
}
