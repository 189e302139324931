package demo

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// CondResult is summary.json's "conditional": per guidance weight W, the
// share of samples whose most responsible component of 8gaussians is their
// label (metric.LabelAccuracy), and the mean over labels of W₂ between a
// label's samples and its draws, with the mean of the labels' noise floors.
type CondResult struct {
	Guidance   []float64 `json:"guidance"`
	Accuracy   []float64 `json:"accuracy"`
	W2         []float64 `json:"w2"`
	W2Floor    float64   `json:"w2_floor"`
	W2FloorStd float64   `json:"w2_floor_sd"`
	NFE        []int     `json:"nfe"` // network evaluations per sampling run (one label)
}

// GivenResult is summary.json's "given": samples given x0 = each value,
// their component weights (metric.ComponentWeights of the exact
// conditional at their x1) against the exact conditional's, and the
// largest difference over values and components.
type GivenResult struct {
	X0           []float64   `json:"x0"`
	Weights      [][]float64 `json:"weights"`
	ExactWeights [][]float64 `json:"exact_weights"`
	WeightsError float64     `json:"weights_error"`
}

// condRun trains a model of 8gaussians in out/conditional/NAME, with the
// labels of column ("" for none).
func (r *run) condRun(name, column string, steps int) (*model.Model, error) {
	c := r.cfg.Cond
	return r.trainRun(filepath.Join(r.out, "conditional", name), model.TrainOptions{Data: "toy:8gaussians", LabelColumn: column,
		Net:      scorenet.Config{Features: c.Features, Width: c.Width, Depth: c.Depth},
		Settings: train.Settings{Steps: steps, Batch: 256, LearningRate: 3e-3, Seed: r.o.Seed, CheckpointEvery: steps},
	}, lossFiles{})
}

// conditional trains a class-conditional model of 8gaussians (its
// components as labels) and samples every label with classifier-free
// guidance at each weight (figure 13); then an unconditional model,
// sampled given x0 (given), both against the exact conditionals of
// 8gaussians as a mixture.
func (r *run) conditional() error {
	c := r.cfg.Cond
	mix, _ := data.Toy8Gaussians.Mixture()
	m, err := r.condRun("labelled", model.ComponentLabels, c.Steps)
	if err != nil {
		return err
	}
	res := CondResult{Guidance: c.Guidance}
	ref, refLabels := data.Toy8Gaussians.SampleLabelled(nil, 16*c.SamplesPerLabel*len(m.Labels()), r.rng(0xc0d1))
	var sets []plot.LabelledSet
	for _, w := range c.Guidance {
		var x []float64
		var labels []int
		nfe := 0
		for k, name := range m.Labels() {
			xs, st, err := m.Sample(nil, c.SamplesPerLabel, r.rng(0xc0d2+uint64(k)), model.SampleOptions{Label: name, Guidance: w, StepsPerLevel: c.StepsPerLevel})
			if err != nil {
				return err
			}
			x = append(x, xs...)
			for range c.SamplesPerLabel {
				labels = append(labels, k)
			}
			nfe = st.NFE
		}
		acc := metric.LabelAccuracy(mix, x, labels)
		per := metric.PerLabel(metric.Wasserstein2, x, labels, ref, refLabels, 2, len(m.Labels()), 0, metric.FloorReps, r.rng(0xc0d3))
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
	r.sum.Conditional = &res
	fig, err := plot.Labelled(sets, m.Labels(), nil, fmt.Sprintf("8gaussians by component, %d training steps: classifier-free guidance trades diversity for separation", c.Steps))
	if err != nil {
		return err
	}
	if err := plot.Save(fig, r.figure("13-guidance.png")); err != nil {
		return err
	}
	return r.given()
}

// given samples an unconditional model of 8gaussians given x0 (model's
// conditional score), and compares the component weights of the samples'
// x1 with those of the exact conditional (figure 14).
func (r *run) given() error {
	c := r.cfg.Cond
	m, err := r.condRun("plain", "", c.GivenSteps)
	if err != nil {
		return err
	}
	mix, _ := data.Toy8Gaussians.Mixture()
	res := GivenResult{X0: c.GivenX0}
	var panels []plot.GivenPanel
	const lo, hi = -4.5, 4.5
	for i, v := range c.GivenX0 {
		x, _, err := m.Sample(nil, c.GivenSamples, r.rng(0x61e0+uint64(i)), model.SampleOptions{Given: []float64{v, math.NaN()}, StepsPerLevel: c.StepsPerLevel})
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
		est := metric.ComponentWeights(exact, x1)
		var ew []float64
		worst := 0.0
		for k, comp := range exact.Components() {
			ew = append(ew, comp.Weight)
			worst = max(worst, math.Abs(est[k]-comp.Weight))
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
	r.sum.Given = &res
	fig, err := plot.Given(panels, "x1", lo, hi, 60, fmt.Sprintf("8gaussians given x0 (model of %d steps, annealed Langevin on the conditional score) against the exact conditional density", c.GivenSteps))
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("14-given.png"))
}
