package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// expect checks that the mean of f over the points is within 5 standard
// errors (estimated from the sample) of want: a seeded test that fails only
// if the definition is wrong, by a margin that holds at any seed with
// probability 1 - 6e-7.
func expect(t *testing.T, what string, pts []float64, want float64, f func(x, y float64) float64) {
	t.Helper()
	n := len(pts) / 2
	var s, s2 float64
	for i := 0; i < len(pts); i += 2 {
		v := f(pts[i], pts[i+1])
		s += v
		s2 += v * v
	}
	mean := s / float64(n)
	se := math.Sqrt(max(s2/float64(n)-mean*mean, 0) / float64(n))
	if math.Abs(mean-want) > 5*se+1e-12 {
		t.Errorf("%s: mean %.5f, want %.5f ± 5·%.5f", what, mean, want, se)
	}
}

func x(x, _ float64) float64  { return x }
func y(_, y float64) float64  { return y }
func r2(x, y float64) float64 { return x*x + y*y }

// TestToyMoments checks moments that follow from each definition (see the
// Toy documentation), on 20000 points, of the generator and of its
// independent draws (IIDToy).
func TestToyMoments(t *testing.T) {
	t.Run("generator", func(t *testing.T) {
		testToyMoments(t, func(toy Toy, n int, rng *rand.Rand) []float64 { return toy.Sample(nil, n, rng) })
	})
	t.Run("iid", func(t *testing.T) {
		testToyMoments(t, func(toy Toy, n int, rng *rand.Rand) []float64 { return toy.IID().Sample(nil, n, rng) })
	})
}

func testToyMoments(t *testing.T, draw func(toy Toy, n int, rng *rand.Rand) []float64) {
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	sample := func(toy Toy) []float64 { return draw(toy, n, rng) }

	// t uniform on [1.5π, 4.5π]: E t cos t = 6π/3π = 2, E t sin t =
	// 2/3π, E t² = ((4.5π)³ - (1.5π)³)/(9π) = 9.75π²; the noise adds 1 to
	// each coordinate's second moment; all divided by 5 (25 for squares).
	p := sample(ToySwissroll)
	expect(t, "swissroll x", p, 2.0/5, x)
	expect(t, "swissroll y", p, 2/(3*math.Pi)/5, y)
	expect(t, "swissroll r²", p, (9.75*math.Pi*math.Pi+2)/25, r2)

	// Half the points at radius 3, half at 1.5, noise 0.24 per coordinate.
	p = sample(ToyCircles)
	expect(t, "circles x", p, 0, x)
	expect(t, "circles r²", p, (9+2.25)/2+2*0.24*0.24, r2)
	expect(t, "circles near a circle", p, 1, func(x, y float64) float64 {
		r := math.Hypot(x, y)
		return b2f(min(math.Abs(r-3), math.Abs(r-1.5)) < 5*0.24)
	})

	// Radial spread: for noise σ about a circle of radius R, E (r - R)² =
	// σ² up to O(σ⁴/R²), 0.6% here, within the 5 standard errors of 8%.
	expect(t, "circles radial spread", p, 0.24*0.24, func(x, y float64) float64 {
		r := math.Hypot(x, y)
		return min((r-3)*(r-3), (r-1.5)*(r-1.5))
	})

	p = sample(ToyRings)
	expect(t, "rings y", p, 0, y)
	expect(t, "rings radial spread", p, 0.08*0.08, func(x, y float64) float64 {
		r, d := math.Hypot(x, y), math.Inf(1)
		for _, R := range []float64{3, 2.25, 1.5, 0.75} {
			d = min(d, (r-R)*(r-R))
		}
		return d
	})
	expect(t, "rings r²", p, 9*(1+0.5625+0.25+0.0625)/4+2*0.08*0.08, r2)

	// Outer moon mean (0, 2/π), inner (1, 0.5 - 2/π), pooled (0.5, 0.25),
	// then times 2 minus (1, 0.2); the evenly spaced angles approximate
	// the integral of sin to O(1/n²), far below the sampling error.
	p = sample(ToyMoons)
	expect(t, "moons x", p, 0, x)
	expect(t, "moons y", p, 0.3, y)

	// E c_x² = 1/2 over the 8 directions, noise variance 0.25.
	p = sample(Toy8Gaussians)
	expect(t, "8gaussians x", p, 0, x)
	expect(t, "8gaussians x²", p, (16*0.5+0.25)/(1.414*1.414), func(x, _ float64) float64 { return x * x })
	for k := range 8 {
		a := float64(k) * math.Pi / 4
		cx, cy := 4*math.Cos(a)/1.414, 4*math.Sin(a)/1.414
		// The centres are 3.06/1.414 apart, 6 standard deviations: the
		// nearest centre is the drawn one but for 1e-3 of the points.
		expect(t, "8gaussians share of a centre", p, 1.0/8, func(x, y float64) float64 {
			return b2f(math.Hypot(x-cx, y-cy) < 1.53/1.414)
		})
	}

	// ‖p‖² = 4(r² + s²): 4(1 + 0.09 + 0.01); arms symmetric: mean 0.
	p = sample(ToyPinwheel)
	expect(t, "pinwheel x", p, 0, x)
	expect(t, "pinwheel y", p, 0, y)
	expect(t, "pinwheel r²", p, 4*(1+0.09+0.01), r2)
	// The arms' twist: a point's polar angle is φ = -a + atan(s/r), so
	// cos 5φ = cos(1.25 e^r - 5 atan(s/r)), whatever the arm; its mean is
	// integrated here over the normal densities of r and s on a grid.
	expect(t, "pinwheel cos 5φ", p, pinwheelCos5(), func(x, y float64) float64 {
		return math.Cos(5 * math.Atan2(y, x))
	})

	// u = 3π sqrt(U) has density 2u/(3π)² on [0, 3π]: E u² = 9π²/2,
	// E u cos u = -4/(3π), E u sin u = 2 - 8/(9π²); the jitter a, b is
	// uniform on [0, 0.5): E a = 1/4, E a² = 1/12.
	p = sample(Toy2Spirals)
	e := 9*math.Pi*math.Pi/2 + 2*0.25*(4/(3*math.Pi)+2-8/(9*math.Pi*math.Pi)) + 2.0/12
	expect(t, "2spirals x", p, 0, x)
	expect(t, "2spirals r²", p, e/9+2*0.01, r2)

	p = sample(ToyCheckerboard)
	expect(t, "checkerboard x", p, 0, x)
	expect(t, "checkerboard x²", p, 16.0/3, func(x, _ float64) float64 { return x * x }) // uniform on [-4, 4]
	for i := 0; i < len(p); i += 2 {
		cx, cy := math.Floor(p[i]/2), math.Floor(p[i+1]/2)
		if math.Abs(p[i]) > 4 || math.Abs(p[i+1]) > 4 || int(cx+cy)%2 != 0 {
			t.Fatalf("checkerboard point (%v, %v) off the black squares", p[i], p[i+1])
		}
	}
	expect(t, "checkerboard share of [0,2)×[0,2)", p, 1.0/8, func(x, y float64) float64 {
		return b2f(x >= 0 && x < 2 && y >= 0 && y < 2)
	})

	for _, toy := range []Toy{ToyLine, ToyCos} {
		p = sample(toy)
		expect(t, string(toy)+" x", p, 0, x)
		expect(t, string(toy)+" x²", p, 25.0/12, func(x, _ float64) float64 { return x * x })
		for i := 0; i < len(p); i += 2 {
			want := p[i]
			if toy == ToyCos {
				want = 2.5 * math.Sin(p[i])
			}
			if p[i] < -2.5 || p[i] >= 2.5 || p[i+1] != want {
				t.Fatalf("%s: point (%v, %v) off the curve", toy, p[i], p[i+1])
			}
		}
	}
}

// pinwheelCos5 is E cos(1.25 e^r - 5 atan(s/r)) for r = 1 + 0.3 N and s =
// 0.1 N, by the midpoint rule on ±8 standard deviations (error far below
// 1e-6: the integrand is smooth and the tails beyond 8σ weigh 1e-15).
func pinwheelCos5() float64 {
	const k = 800
	var sum, wsum float64
	for i := range k {
		zr := -8 + 16*(float64(i)+0.5)/k
		for j := range k {
			zs := -8 + 16*(float64(j)+0.5)/k
			w := math.Exp(-(zr*zr + zs*zs) / 2)
			r, s := 1+0.3*zr, 0.1*zs
			sum += w * math.Cos(1.25*math.Exp(r)-5*math.Atan2(s, r))
			wsum += w
		}
	}
	return sum / wsum
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestToyExactSplit: the circle-based toys put exactly half the points on
// each circle (a quarter on each ring), as scikit-learn's linspace does.
func TestToyExactSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{7, 8, 101} {
		p := ToyCircles.Sample(nil, n, rng)
		inner := 0
		for i := 0; i < len(p); i += 2 {
			if math.Hypot(p[i], p[i+1]) < 2.25 {
				inner++
			}
		}
		if inner != n-n/2 {
			t.Errorf("circles, n=%d: %d points on the inner circle, want %d", n, inner, n-n/2)
		}
	}
}

func TestToySample(t *testing.T) {
	if got := ToyNames(); len(got) != len(toys) {
		t.Fatalf("ToyNames has %d names, the table %d", len(got), len(toys))
	}
	for _, name := range ToyNames() {
		toy, err := ParseToy(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 2, 3, 5, 11} {
			p := toy.Sample(nil, n, rand.New(rand.NewPCG(5, uint64(n))))
			if len(p) != 2*n {
				t.Fatalf("%s: %d values for n=%d", name, len(p), n)
			}
			for _, v := range p {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s, n=%d: %v", name, n, p)
				}
			}
			// The same seed gives the same points, in a given dst too.
			q := toy.Sample(make([]float64, 2*n), n, rand.New(rand.NewPCG(5, uint64(n))))
			if !slices.Equal(p, q) {
				t.Errorf("%s, n=%d: not reproducible", name, n)
			}
		}
	}
	_, err := ParseToy("8gaussian")
	if err == nil || !strings.Contains(err.Error(), `unknown toy distribution "8gaussian": want one of swissroll, circles,`) {
		t.Errorf("got %v", err)
	}
	numtest.WantPanic(t, "data: Sample of unknown toy", func() { Toy("x").Sample(nil, 1, nil) })
	numtest.WantPanic(t, "data: Sample: len(dst)=3, want 2n=4", func() { ToyLine.Sample(make([]float64, 3), 2, nil) })
	numtest.WantPanic(t, "data: Sample of -1 points", func() { ToyLine.Sample(nil, -1, nil) })
}
