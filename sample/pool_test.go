package sample

import (
	"math/rand/v2"
	"testing"
)

// TestPoolKept checks Pool.Kept against the states a run really pools, for
// burn-ins and strides around the edges: 200 steps with burn-in 150 and
// every 51 pool none (sgm sample wrote 0 samples and exited 0).
func TestPoolKept(t *testing.T) {
	const n, d = 3, 2
	g := gaussian{mu: []float64{0, 0}, s: 1}
	for _, steps := range []int{1, 7, 200} {
		for _, burnIn := range []int{0, 1, 6, 150, 199, 200, 250} {
			for _, every := range []int{0, 1, 2, 50, 51} {
				p := &Pool{BurnIn: burnIn, Every: every}
				x := make([]float64, n*d)
				if err := (Langevin{StepSize: 0.01, Steps: steps}).Run(x, g, rand.New(rand.NewPCG(1, 2)), p.Observe); err != nil {
					t.Fatal(err)
				}
				if got, want := p.Kept(steps), len(p.Points)/(n*d); got != want {
					t.Errorf("%d steps, burn-in %d, every %d: Kept %d, pooled %d", steps, burnIn, every, got, want)
				}
			}
		}
	}
	if k := (&Pool{BurnIn: 150, Every: 51}).Kept(200); k != 0 {
		t.Errorf("the issue's case: Kept %d, want 0", k)
	}
}
