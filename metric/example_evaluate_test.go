package metric_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
)

// Evaluate measures samples against a target in one call, every metric
// beside its noise floor: here 500 exact draws of the blog post's
// mixture, which a sampler matches when it reads within a few floor
// standard deviations of the floor.
func ExampleEvaluate() {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		panic(err)
	}
	x := m.Sample(nil, 500, rand.New(rand.NewPCG(1, 2))) // the "samples"
	r, err := metric.Evaluate(x, 2, metric.Target{Mixture: m}, metric.EvalOptions{WPoints: 200}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		panic(err)
	}
	fmt.Printf("W2 on %d points, floor over %d pairs\n", r.WN, r.FloorReps)
	fmt.Println("W2 within 3 sd of its floor:", math.Abs(*r.W2-*r.W2Floor) < 3**r.W2FloorSD)
	fmt.Println("mode weights:", len(r.ModeWeights))
	// Output:
	// W2 on 200 points, floor over 8 pairs
	// W2 within 3 sd of its floor: true
	// mode weights: 2
}
