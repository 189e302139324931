package data

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIIDToyIndependent checks that IIDToy splits the points between the
// parts of circles and rings at random, where the generator splits them
// exactly (TestToyExactSplit): over 400 samples of 100 points, the count
// on the outer circle (the outermost ring) must vary as a binomial count
// does, variance n p (1 - p), where the generator's varies only by the
// points that the noise carries across the cut. The rings are 0.75 apart,
// over 9 noise standard deviations, so a point's ring is read off its
// radius without error; the circles' cut is 3.1 standard deviations from
// each (a point crosses it with probability 1e-3, so the generator's
// count has variance about 0.1, far below the 25 wanted). The sample
// variance of 400 counts has a relative standard error of about
// sqrt(2/399) = 0.071: the bounds, ±0.4, are over 5 of them.
func TestIIDToyIndependent(t *testing.T) {
	const n, reps = 100, 400
	for _, c := range []struct {
		toy    Toy
		cut, p float64 // outer part: radius above cut, probability p
	}{
		{ToyCircles, 2.25, 0.5},
		{ToyRings, 2.625, 0.25},
	} {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range []struct {
			name   string
			sample func() []float64
			iid    bool
		}{
			{"generator", func() []float64 { return c.toy.Sample(nil, n, rng) }, false},
			{"iid", func() []float64 { return c.toy.IID().Sample(nil, n, rng) }, true},
		} {
			var sum, sum2 float64
			for range reps {
				p := s.sample()
				outer := 0.0
				for i := 0; i < len(p); i += 2 {
					if math.Hypot(p[i], p[i+1]) > c.cut {
						outer++
					}
				}
				sum += outer
				sum2 += outer * outer
			}
			mean := sum / reps
			v := (sum2 - reps*mean*mean) / (reps - 1)
			want := n * c.p * (1 - c.p)
			if s.iid && math.Abs(v/want-1) > 0.4 || !s.iid && v > 0.01*want {
				t.Errorf("%s %s: variance of the outer count %.3g (mean %.3g), want %.3g for independent draws", c.toy, s.name, v, mean, want)
			}
		}
	}
}

// TestIIDToySample checks IIDToy's contract: Dim, dst used or allocated,
// the toys that need no change drawn as their generator draws them.
func TestIIDToySample(t *testing.T) {
	for _, name := range ToyNames() {
		toy := Toy(name)
		if toy.IID().Dim() != 2 {
			t.Errorf("%s: Dim %d", name, toy.IID().Dim())
		}
		dst := make([]float64, 10)
		if got := toy.IID().Sample(dst, 5, rand.New(rand.NewPCG(1, 1))); &got[0] != &dst[0] {
			t.Errorf("%s: Sample did not use dst", name)
		}
		if _, stratified := iidToys[toy]; !stratified {
			a := toy.IID().Sample(nil, 50, rand.New(rand.NewPCG(1, 1)))
			b := toy.Sample(nil, 50, rand.New(rand.NewPCG(1, 1)))
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%s: IID draws %v at %d, the generator %v", name, a[i], i, b[i])
				}
			}
		}
	}
}
