package dist_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
)

func ExampleMixture_ScoreInput() {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		log.Fatal(err)
	}
	for _, x := range [][]float64{{0.5, 0.5}, {1, 0}, {-1, -2}, {10, 10}} {
		s := m.ScoreInput(nil, x)
		fmt.Printf("x=%v  log p=%7.3f  score=(%8.3f, %8.3f)\n", x, m.LogProb(x), s[0], s[1])
	}
	// Far from the modes the nearer one takes over: (0.5 - 10)/0.4² = -59.375.

	// Output:
	// x=[0.5 0.5]  log p= -0.697  score=(  -0.012,   -0.012)
	// x=[1 0]  log p= -2.259  score=(  -3.137,    3.113)
	// x=[-1 -2]  log p= -8.511  score=(   3.125,    9.375)
	// x=[10 10]  log p=-564.761  score=( -59.375,  -59.375)
}

func ExampleMixture_Perturbed() {
	// The blog post's mixture seen through noise of std 0.3: the same modes, each
	// widened to sqrt(0.4² + 0.3²) = 0.5.
	m, err := dist.Preset("seed-mog")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range m.Perturbed(0.3).Components() {
		fmt.Printf("weight %.2f mean %v std %.3f\n", c.Weight, c.Mean, c.Std)
	}

	// Output:
	// weight 0.50 mean [0.5 0.5] std [0.500 0.500]
	// weight 0.50 mean [-0.5 -0.5] std [0.500 0.500]
}

func ExampleImage_Smoothed() {
	// A 2×3 image with two lit pixels: the distribution puts 3/4 of its
	// mass on (0, 0) and 1/4 on (1, 1), the bottom-right corner.
	im, err := dist.NewImage(2, 3, []float64{
		0.75, 0, 0,
		0, 0, 0.25,
	})
	if err != nil {
		log.Fatal(err)
	}
	const n = 10000
	x := im.Sample(nil, n, rand.New(rand.NewPCG(1, 2)))
	fmt.Print("frequencies:")
	for _, c := range im.Histogram(x) {
		fmt.Printf(" %.2f", c/n)
	}
	fmt.Println()

	// Smoothed by σ = 0.5, the centre (0.5, 0.5) is equally far from both
	// components, so the responsibilities are the weights and the score is
	// 0.75(0 - 0.5)/0.5² + 0.25(1 - 0.5)/0.5² = -1 on each axis.

	m := im.Smoothed(0.5)
	s := m.ScoreInput(nil, []float64{0.5, 0.5})
	fmt.Printf("components: %d, score at the centre: (%.3f, %.3f)\n", m.Len(), s[0], s[1])

	// Output:
	// frequencies: 0.75 0.00 0.00 0.00 0.00 0.25
	// components: 2, score at the centre: (-1.000, -1.000)
}
