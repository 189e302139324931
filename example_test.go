package sgm_test

import (
	"fmt"
	"log"

	"github.com/sgm-dev/sgm"
)

// The blog post's noise grid, and the level the post samples at.
func ExampleGeometric() {
	s, err := sgm.Geometric(1e-4, 1, 30)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d levels from σ=%g to σ=%g\n", len(s), s[0], s[len(s)-1])
	fmt.Printf("level 17: σ=%.4f\n", s[17])
	fmt.Println("nearest level to σ=0.02:", s.Level(0.02))
	// Output:
	// 30 levels from σ=0.0001 to σ=1
	// level 17: σ=0.0221
	// nearest level to σ=0.02: 17
}

// gaussian is the score of the standard normal in d dimensions, s(x) = -x:
// a Scorer that any sampler in package sample can run.
type gaussian struct{ d int }

func (g gaussian) Dim() int { return g.d }

func (g gaussian) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("gaussian", g.d, dst, x) // misuse panics, as every Scorer's
	for i, v := range x {
		dst[i] = -v
	}
}

// A Scorer evaluates a batch of points at once, flat and row-major.
func ExampleScorer() {
	var s sgm.Scorer = gaussian{d: 2}
	x := []float64{1, 2, -0.5, 0} // two points in R²
	dst := make([]float64, len(x))
	s.ScoreBatch(dst, x)
	fmt.Println(dst)
	// Output:
	// [-1 -2 0.5 -0]
}
