package sample_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// DPM-Solver++(2M) on the exact score of the two-modes-unequal preset
// under the VP SDE: 20 score evaluations move prior draws onto the modes
// at (-5, -5) and (5, 5) with their weights 0.2 and 0.8.
func ExampleDPM2M() {
	data, _ := dist.Preset("two-modes-unequal")
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	score, _ := sde.NewMixture(p, data)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	x := make([]float64, 2*n)
	sde.PriorSample(p, x, rng)
	nfe, err := sample.DPM2M{Steps: 20}.Sample(x, p, score, rng)
	var right float64
	for i := 0; i < len(x); i += 2 {
		if x[i] > 0 {
			right++
		}
	}
	fmt.Printf("NFE %d, err %v, weight of the mode at (5, 5): %.2f\n", nfe, err, right/n)
	// Output:
	// NFE 20, err <nil>, weight of the mode at (5, 5): 0.80
}
