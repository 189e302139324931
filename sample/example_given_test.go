package sample_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sample"
)

func ExampleGiven_Annealed() {
	// The blog post's mixture, x1 given x0 = 0.2: annealed Langevin on the
	// conditional scores of the mixture (Exact), against the closed form.
	m, err := dist.Preset("seed-mog")
	if err != nil {
		log.Fatal(err)
	}
	g := sample.Given{Values: []float64{0.2, math.NaN()}}
	const n = 2000
	levels, err := g.Exact(m, n)
	if err != nil {
		log.Fatal(err)
	}
	sigmas, _ := sample.GeometricSigmas(2, 0.01, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	x := sample.Uniform(n, 2, -2, 2, rng)
	if err := g.Annealed(sample.Annealed{Sigmas: sigmas, StepsPerLevel: 50, Eps: 1e-4}, x, levels, rng); err != nil {
		log.Fatal(err)
	}
	upper := 0
	for i := 0; i < len(x); i += 2 {
		if x[i+1] > 0 {
			upper++
		}
	}
	// Exactly: the weights w of the conditional times the share of each
	// component's Gaussian above 0, Φ(±0.5/0.4).
	w, _ := m.GivenWeights([]float64{0.2, math.NaN()})
	above := 0.5 * math.Erfc(-0.5/0.4/math.Sqrt2)
	fmt.Printf("x0 of the first sample: %v\n", x[0])
	fmt.Printf("share with x1 > 0: %.2f (exact %.2f)\n", float64(upper)/n, w[0]*above+w[1]*(1-above))
	// Output:
	// x0 of the first sample: 0.2
	// share with x1 > 0: 0.72 (exact 0.72)
}
