package train_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"slices"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Train a small score network on a mixture of two Gaussians and sample it
// with annealed Langevin dynamics: both modes are found, in about their
// proportions.
func ExampleRun() {
	data, err := dist.NewMixture([]dist.Component{
		{Weight: 0.5, Mean: []float64{0.3, 0.3}, Std: []float64{0.05, 0.05}},
		{Weight: 0.5, Mean: []float64{0.7, 0.7}, Std: []float64{0.05, 0.05}},
	})
	if err != nil {
		log.Fatal(err)
	}
	backend, err := scorenet.GoBackend()
	if err != nil {
		log.Fatal(err)
	}
	sigmas, err := sgm.Geometric(0.02, 0.5, 8)
	if err != nil {
		log.Fatal(err)
	}
	net, err := scorenet.New(backend, scorenet.Config{Features: 16, Width: 32, Depth: 2, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	history, err := train.Run(context.Background(), net, data, train.Settings{Steps: 300, Batch: 128, LearningRate: 3e-3, Objective: train.OneLevel})
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x := sample.Uniform(400, 2, 0, 1, rng)
	largestFirst := slices.Clone([]float64(sigmas))
	slices.Reverse(largestFirst)
	a := sample.Annealed{Sigmas: largestFirst, StepsPerLevel: 30, Eps: 2e-5}
	if err := a.Run(x, sample.ScheduleLevels(sigmas, net.AtLevel), rng); err != nil {
		log.Fatal(err)
	}
	w := metric.ModeWeights(data, x)
	fmt.Printf("%d steps; both modes found: %v\n", len(history), w[0] > 0.3 && w[1] > 0.3)
	// Output:
	// 300 steps; both modes found: true
}
