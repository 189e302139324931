package model_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// trainEight trains a small model of toy:8gaussians in a temporary
// directory, class-conditional on its components with labels.
func trainEight(labels bool) *model.Model {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	col := ""
	if labels {
		col = model.ComponentLabels
	}
	m, _, err := model.Train(context.Background(), filepath.Join(dir, "run"), model.TrainOptions{
		Data: "toy:8gaussians", LabelColumn: col,
		Net:      scorenet.Config{Features: 32, Width: 64, Depth: 2},
		Settings: train.Settings{Steps: 600, Batch: 256, LearningRate: 3e-3, Seed: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	return m
}

// nearCentre is the share of the points x nearest 8gaussians' component
// k (k = 0 is the one at (2.83, 0)).
func nearCentre(x []float64, k int) float64 {
	m, _ := data.Toy8Gaussians.Mixture()
	labels := make([]int, len(x)/2)
	for i := range labels {
		labels[i] = k
	}
	return metric.LabelAccuracy(m, x, labels)
}

func ExampleModel_Sample_label() {
	m := trainEight(true)
	fmt.Println("labels:", m.Labels())
	x, _, err := m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{Label: "0"})
	if err != nil {
		log.Fatal(err)
	}
	// An unlabelled model puts 1/8 of its samples there.
	fmt.Println("most samples of label 0 near centre 0:", nearCentre(x, 0) > 0.5)
	// Output:
	// labels: [0 1 2 3 4 5 6 7]
	// most samples of label 0 near centre 0: true
}

func ExampleModel_Sample_guidance() {
	m := trainEight(true)
	for _, w := range []float64{0, 3} {
		x, st, err := m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{Label: "0", Guidance: w})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("W=%v: %d network evaluations for %d steps; above 90%% near centre 0: %v\n", w, st.NFE, st.Steps, nearCentre(x, 0) > 0.9)
	}
	// Output:
	// W=0: 151 network evaluations for 151 steps; above 90% near centre 0: false
	// W=3: 302 network evaluations for 151 steps; above 90% near centre 0: true
}

func ExampleModel_Sample_given() {
	m := trainEight(false)
	// x0 = 3.2 is 1 standard deviation from centre 0, (2.83, 0), and 3.4
	// from the next ones (x0 = 2): the exact conditional is 99% that
	// centre's Gaussian in x1 (dist.Mixture.Given).
	x, _, err := m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{Given: []float64{3.2, math.NaN()}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("x0 of the first sample:", x[0])
	// A 600-step model and sample.Given's method put 0.83 there, against
	// an unconditional 1/8.
	fmt.Println("most samples near centre 0:", nearCentre(x, 0) > 0.5)
	// Output:
	// x0 of the first sample: 3.2
	// most samples near centre 0: true
}

func ExampleModel_Sample_flow() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	// A class-conditional OT-CFM flow: labels train every kind.
	m, _, err := model.Train(context.Background(), filepath.Join(dir, "run"), model.TrainOptions{
		Data: "toy:8gaussians", LabelColumn: model.ComponentLabels,
		Net:      scorenet.Config{Features: 32, Width: 64, Depth: 2, Conditioning: "time", Process: "flow"},
		Settings: train.Settings{Steps: 400, Batch: 256, LearningRate: 3e-3, Objective: train.OTCFM, Seed: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Guidance of the velocity, v_u + (1+W)(v_c - v_u), along the ODE.
	x, st, err := m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{Label: "0", Guidance: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, guided: above 90%% near centre 0: %v\n", st.Sampler, nearCentre(x, 0) > 0.9)
	// Given x0 = 3.2: annealed Langevin on the scores of the velocity.
	x, st, err = m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{Label: "0", Given: []float64{3.2, math.NaN()}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, given x0 = %v: %d network evaluations; most samples near centre 0: %v\n", st.Sampler, x[0], st.NFE, nearCentre(x, 0) > 0.5)
	// Output:
	// ode, guided: above 90% near centre 0: true
	// annealed, given x0 = 3.2: 151 network evaluations; most samples near centre 0: true
}
