package sample_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sample"
)

// Annealed Langevin dynamics puts particles into two far-apart modes in
// proportion to their weights, driven by the exact scores of the perturbed
// mixtures.
func ExampleAnnealed() {
	mix, err := dist.NewMixture([]dist.Component{
		{Weight: 0.2, Mean: []float64{-4, -4}, Std: []float64{1, 1}},
		{Weight: 0.8, Mean: []float64{4, 4}, Std: []float64{1, 1}},
	})
	if err != nil {
		log.Fatal(err)
	}
	sigmas, err := sample.GeometricSigmas(20, 1, 10)
	if err != nil {
		log.Fatal(err)
	}
	a := sample.Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 0.3, Denoise: true}
	rng := rand.New(rand.NewPCG(1, 2))
	x := sample.Uniform(2000, 2, -8, 8, rng)
	if err := a.Run(x, sample.PerturbedLevels(mix), rng); err != nil {
		log.Fatal(err)
	}
	var lower int
	for i := 0; i < len(x); i += 2 {
		if x[i]+x[i+1] < 0 {
			lower++
		}
	}
	fmt.Printf("%.1f of the particles near (-4, -4)\n", float64(lower)/2000)
	// Output:
	// 0.2 of the particles near (-4, -4)
}

// MALA reports how many of its proposals it accepted.
func ExampleMALA() {
	mix, err := dist.NewMixture([]dist.Component{
		{Weight: 1, Mean: []float64{1, -1}, Std: []float64{0.5, 0.5}},
	})
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := sample.Fill(1000, 0, 0)
	st, err := (sample.MALA{StepSize: 0.1, Steps: 200}).Run(x, mix, rng)
	if err != nil {
		log.Fatal(err)
	}
	var mean [2]float64
	for i := 0; i < len(x); i += 2 {
		mean[0] += x[i] / 1000
		mean[1] += x[i+1] / 1000
	}
	fmt.Printf("mean (%.1f, %.1f), %d proposals, acceptance above 0.9: %t\n",
		mean[0], mean[1], st.Proposed, st.AcceptanceRate() > 0.9)
	// Output:
	// mean (1.0, -1.0), 200000 proposals, acceptance above 0.9: true
}
