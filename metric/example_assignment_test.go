package metric_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/metric"
)

func ExampleWasserstein2() {
	// Three points against the same three moved by (3, 4) and listed in
	// another order: the optimal assignment undoes the order, and every
	// point travels 5.
	x := []float64{0, 0, 1, 0, 0, 1}
	y := []float64{3, 5, 4, 4, 3, 4}
	fmt.Printf("W₂ = %.4f, W₁ = %.4f\n", metric.Wasserstein2(x, y, 2), metric.Wasserstein1(x, y, 2))

	// Sets of different sizes are compared on equal-size random subsets.
	rng := rand.New(rand.NewPCG(1, 2))
	a := []float64{0, 0, 0, 0, 0}
	b := []float64{1, 1, 1}
	as, bs := metric.EqualSubsets(a, b, 1, 0, rng)
	fmt.Printf("%d against %d points: W₂ = %.4f\n", len(as), len(bs), metric.Wasserstein2(as, bs, 1))

	// Output:
	// W₂ = 5.0000, W₁ = 5.0000
	// 3 against 3 points: W₂ = 1.0000
}
