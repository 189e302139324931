package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/data"
)

// TestIIDLabelled checks the reference that per-label W₂ and its floor are
// read against (sgm eval on labelled samples): for moons and circles it
// draws each point's label and position independently, as the unlabelled
// floors' data.IIDToy does, not FFJORD's generator, which splits the
// points exactly in half and spaces them evenly:
//
//   - over 400 draws of 100 points the variance of the count of label 0 is
//     the binomial 100·¼ = 25 within [15, 35] (the estimate's standard
//     error is 25·√(2/399) ≈ 1.8); the generator's is 0, so the test
//     fails with the toy itself as the reference;
//   - its points are IIDToy.Sample's (the same draws);
//   - each label is its part: moons' label 0 the upper moon (mean y
//     higher), circles' label 0 the outer circle (mean radius higher).
func TestIIDLabelled(t *testing.T) {
	for _, toy := range []data.Toy{data.ToyMoons, data.ToyCircles} {
		src := IIDLabelled(toy)
		rng := rand.New(rand.NewPCG(1, 2))
		var sum, sum2 float64
		const draws, n = 400, 100
		for range draws {
			_, l := src.SampleLabelled(nil, n, rng)
			var k float64
			for _, c := range l {
				if c == 0 {
					k++
				}
			}
			sum += k
			sum2 += k * k
		}
		mean := sum / draws
		variance := (sum2 - draws*mean*mean) / (draws - 1)
		t.Logf("%s: count of label 0 in %d points: mean %.2f, variance %.2f", toy, n, mean, variance)
		if variance < 15 || variance > 35 {
			t.Errorf("%s: variance of the count of label 0 %.2f, want the binomial 25 within [15, 35]", toy, variance)
		}

		x, l := src.SampleLabelled(nil, 2000, rand.New(rand.NewPCG(3, 4)))
		if y := toy.IID().Sample(nil, 2000, rand.New(rand.NewPCG(3, 4))); !slices.Equal(x, y) {
			t.Errorf("%s: labelled independent draws differ from IIDToy.Sample's", toy)
		}
		var m [2]float64
		var c [2]int
		for i, k := range l {
			v := x[2*i+1]
			if toy == data.ToyCircles {
				v = math.Hypot(x[2*i], x[2*i+1])
			}
			m[k] += v
			c[k]++
		}
		if !(m[0]/float64(c[0]) > m[1]/float64(c[1])) {
			t.Errorf("%s: label 0's mean %v not above label 1's %v", toy, m[0]/float64(c[0]), m[1]/float64(c[1]))
		}
	}
	if mix := eightMixture(t); IIDLabelled(mix) != LabelledSource(mix) {
		t.Error("IIDLabelled of a mixture is not the mixture")
	}
}
