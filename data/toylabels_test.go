package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestToySampleLabelled checks that the labelled toys give the same points
// as Sample from the same source, and that each label names the part of
// the toy its point lies on: for 8gaussians the nearest centre (8
// standard deviations apart at radius 2.83, so a point lies nearer another
// centre with probability below 1e-4), for moons the moon whose arc is
// nearer (before the noise of 0.1, scaled by 2, the arcs are at least 0.5
// apart), for circles the circle of nearer radius.
func TestToySampleLabelled(t *testing.T) {
	const n = 4000
	const s = 1 / math.Sqrt2
	centres := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}}
	nearest := map[Toy]func(x, y float64) int{
		Toy8Gaussians: func(x, y float64) int {
			best, bd := 0, math.Inf(1)
			for k, c := range centres {
				if d := math.Hypot(x-4*c[0]/1.414, y-4*c[1]/1.414); d < bd {
					best, bd = k, d
				}
			}
			return best
		},
		ToyMoons: func(x, y float64) int {
			// Undo the scaling: the upper moon is the unit half-circle at
			// the origin, the lower one centred at (1, 0.5).
			u, v := (x+1)/2, (y+0.2)/2
			if arcDist(u, v) < arcDist(1-u, 0.5-v) {
				return 0
			}
			return 1
		},
		ToyCircles: func(x, y float64) int {
			if r := math.Hypot(x, y); math.Abs(r-3) < math.Abs(r-1.5) {
				return 0
			}
			return 1
		},
	}
	for toy, near := range nearest {
		t.Run(string(toy), func(t *testing.T) {
			pts := toy.Sample(nil, n, rand.New(rand.NewPCG(3, 4)))
			got, labels := toy.SampleLabelled(nil, n, rand.New(rand.NewPCG(3, 4)))
			if !slices.Equal(got, pts) {
				t.Fatal("SampleLabelled's points differ from Sample's")
			}
			counts := make([]int, toy.Labels())
			wrong := 0
			for i, l := range labels {
				counts[l]++
				if near(pts[2*i], pts[2*i+1]) != l {
					wrong++
				}
			}
			// Noise puts a few points nearer another part: 3 to 8 of 4000 at
			// this seed; allow 2%.
			if wrong > n/50 {
				t.Errorf("%d of %d labels name another part than the nearest", wrong, n)
			}
			// Equal parts: each count within 5 standard errors of n/K.
			K := float64(len(counts))
			for l, c := range counts {
				if se := math.Sqrt(n / K * (1 - 1/K)); math.Abs(float64(c)-n/K) > 5*se {
					t.Errorf("label %d: %d points, want %.0f ± 5·%.1f", l, c, n/K, se)
				}
			}
		})
	}
	if ToySwissroll.Labels() != 0 || Toy8Gaussians.Labels() != 8 || ToyMoons.Labels() != 2 {
		t.Error("Labels: wrong counts")
	}
	defer func() {
		if recover() == nil {
			t.Error("SampleLabelled of swissroll did not panic")
		}
	}()
	ToySwissroll.SampleLabelled(nil, 1, rand.New(rand.NewPCG(1, 1)))
}

// arcDist is the distance from (u, v) to the upper unit half-circle.
func arcDist(u, v float64) float64 {
	if v >= 0 {
		return math.Abs(math.Hypot(u, v) - 1)
	}
	return min(math.Hypot(u-1, v), math.Hypot(u+1, v))
}

// TestToyMixture checks 8gaussians' mixture against its draws: each
// label's points average to its component's mean within 5 standard
// errors (0.354/sqrt(n_k) per coordinate), and the other toys have none.
func TestToyMixture(t *testing.T) {
	m, ok := Toy8Gaussians.Mixture()
	if !ok || m.Len() != 8 {
		t.Fatal("8gaussians has no mixture of 8 components")
	}
	x, labels := Toy8Gaussians.SampleLabelled(nil, 8000, rand.New(rand.NewPCG(7, 7)))
	var sum [8][2]float64
	var n [8]int
	for i, l := range labels {
		sum[l][0] += x[2*i]
		sum[l][1] += x[2*i+1]
		n[l]++
	}
	for k, c := range m.Components() {
		se := c.Std[0] / math.Sqrt(float64(n[k]))
		for j := range 2 {
			if got := sum[k][j] / float64(n[k]); math.Abs(got-c.Mean[j]) > 5*se {
				t.Errorf("label %d, coordinate %d: mean %.4f, component's %.4f ± 5·%.4f", k, j, got, c.Mean[j], se)
			}
		}
	}
	if _, ok := ToyMoons.Mixture(); ok {
		t.Error("moons as a mixture")
	}
}
