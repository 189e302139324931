package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Toy names one of the standard two-dimensional toy distributions of
// FFJORD (Grathwohl, Chen et al. 2019), with the definitions and scales of
// its lib/toy_data.py (github.com/rtqichen/ffjord, commit d612674, function
// inf_train_gen) and of the scikit-learn generators it calls. U is uniform
// on [0, 1), N standard normal, each draw independent:
//
//	swissroll     (t cos t + N, t sin t + N) / 5, t = 1.5π(1 + 2U)
//	circles       3 (cos θ, sin θ) and 1.5 (cos θ, sin θ), half the points
//	              each, + 0.24 N per coordinate (make_circles, factor 0.5,
//	              noise 0.08, times 3)
//	rings         rings of radius 3, 2.25, 1.5 and 0.75, a quarter of the
//	              points each, + 0.08 N per coordinate
//	moons         make_moons with noise 0.1: (cos θ, sin θ) and
//	              (1 - cos θ, 0.5 - sin θ), θ in [0, π], half the points each,
//	              + 0.1 N; then times 2 and shifted by (-1, -0.2)
//	8gaussians    (4 c + 0.5 N) / 1.414, c one of the 8 unit vectors at
//	              multiples of 45°, chosen uniformly
//	pinwheel      5 arms: r = 1 + 0.3 N, s = 0.1 N, a = 2πk/5 + 0.25 e^r,
//	              2 (r cos a + s sin a, -r sin a + s cos a)
//	2spirals      u = 3π sqrt(U), (-u cos u + U/2, u sin u + U/2) / 3 and its
//	              negative, half the points each, + 0.1 N
//	checkerboard  x = 4U - 2, y = U - 2B + (⌊x⌋ mod 2), B in {0, 1} fair,
//	              times 2: 8 squares of side 2 in [-4, 4]²
//	line          x = 5U - 2.5, (x, x)
//	cos           x = 5U - 2.5, (x, 2.5 sin x) (a sine, under FFJORD's name)
//
// The 8 Gaussians are divided by 1.414 as FFJORD does, not by sqrt 2: the
// centres lie at radius 4/1.414 ≈ 2.8289 with standard deviation
// 0.5/1.414 ≈ 0.3536.
//
// Where scikit-learn places points on a circle it spaces the angles evenly
// (np.linspace) and then shuffles: the circles, rings and moons samples of n
// points are stratified in angle, not independent draws, and the split
// between the circles (rings, moons, spirals) is exact, n/2 to the first
// (n/4 to each of the three outer rings, the rest to the inner one). The
// pinwheel's arms take n/5 points each as FFJORD's do, and the remaining
// n mod 5 points one arm each (FFJORD returns 5⌊n/5⌋ points); the spirals
// give the first spiral the odd point, if any. Samples come in random order.
//
// Two samples of circles, rings or moons share their grid of angles, so a
// noise floor measured between two of them (metric.NoiseFloor) is lower
// than between independent draws, which a model's samples are: W₂ between
// two circles samples of 1000 points was 0.16 ± 0.005, against 0.28 ± 0.06
// with uniformly random angles (5 pairs each). Toy.IID draws independent
// points of the same distribution: measure floors with it.
type Toy string

// The toy distributions, as named in FFJORD.
const (
	ToySwissroll    Toy = "swissroll"
	ToyCircles      Toy = "circles"
	ToyRings        Toy = "rings"
	ToyMoons        Toy = "moons"
	Toy8Gaussians   Toy = "8gaussians"
	ToyPinwheel     Toy = "pinwheel"
	Toy2Spirals     Toy = "2spirals"
	ToyCheckerboard Toy = "checkerboard"
	ToyLine         Toy = "line"
	ToyCos          Toy = "cos"
)

var toys = map[Toy]func(dst []float64, rng *rand.Rand){
	ToySwissroll:    swissroll,
	ToyCircles:      circles,
	ToyRings:        rings,
	ToyMoons:        moons,
	Toy8Gaussians:   eightGaussians,
	ToyPinwheel:     pinwheel,
	Toy2Spirals:     twoSpirals,
	ToyCheckerboard: checkerboard,
	ToyLine:         line,
	ToyCos:          cosine,
}

// ToyNames returns the names of the toy distributions, in FFJORD's order.
func ToyNames() []string {
	return strings.Split(toyNameList, ", ")
}

// ParseToy returns the toy distribution of the given name, or an error
// listing the names.
func ParseToy(name string) (Toy, error) {
	if _, ok := toys[Toy(name)]; !ok {
		return "", fmt.Errorf("unknown toy distribution %s: want one of %s", echo(name), toyNameList)
	}
	return Toy(name), nil
}

// Dim returns 2, the dimension of every toy distribution.
func (Toy) Dim() int { return 2 }

// Sample draws n points of the toy distribution t using rng and returns
// them flat, (x, y) pairs in dst, which must have length 2n, or in a new
// slice if dst is nil. It panics if t is not one of the names ToyNames
// lists, n is negative, or dst is neither nil nor of length 2n.
func (t Toy) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	gen, ok := toys[t]
	if !ok {
		panic(fmt.Sprintf("data: Sample of unknown toy distribution %q", string(t)))
	}
	return generate(dst, n, gen, rng)
}

// generate runs gen on dst, or on a new slice of 2n values if dst is nil,
// after checking n and dst as Sample documents.
func generate(dst []float64, n int, gen func(dst []float64, rng *rand.Rand), rng *rand.Rand) []float64 {
	if n < 0 {
		panic(fmt.Sprintf("data: Sample of %d points", n))
	}
	switch {
	case dst == nil:
		dst = make([]float64, 2*n)
	case len(dst) != 2*n:
		panic(fmt.Sprintf("data: Sample: len(dst)=%d, want 2n=%d", len(dst), 2*n))
	}
	if n > 0 {
		gen(dst, rng)
	}
	return dst
}

func swissroll(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		t := 1.5 * math.Pi * (1 + 2*rng.Float64())
		dst[i] = (t*math.Cos(t) + rng.NormFloat64()) / 5
		dst[i+1] = (t*math.Sin(t) + rng.NormFloat64()) / 5
	}
}

// arc writes the points (x0 + r cos θ_k, y0 + r sin θ_k) at the count
// angles θ_k = θmax k/steps, k < count, to dst, returning the rest of dst.
func arc(dst []float64, count int, r, x0, y0, θmax float64, steps int) []float64 {
	for k := range count {
		θ := θmax * float64(k) / float64(max(steps, 1))
		dst[2*k] = x0 + r*math.Cos(θ)
		dst[2*k+1] = y0 + r*math.Sin(θ)
	}
	return dst[2*count:]
}

// circle writes count points evenly spaced on the circle of radius r, as
// np.linspace(0, 2π, count, endpoint=False) spaces them.
func circle(dst []float64, count int, r float64) []float64 {
	return arc(dst, count, r, 0, 0, 2*math.Pi, count)
}

// shuffleNoise shuffles the points of dst and adds sd N to every
// coordinate.
func shuffleNoise(dst []float64, sd float64, rng *rand.Rand) {
	shuffle(dst, rng)
	for i := range dst {
		dst[i] += sd * rng.NormFloat64()
	}
}

// shuffle puts the points of dst in random order.
func shuffle(dst []float64, rng *rand.Rand) {
	rng.Shuffle(len(dst)/2, func(i, j int) {
		dst[2*i], dst[2*j] = dst[2*j], dst[2*i]
		dst[2*i+1], dst[2*j+1] = dst[2*j+1], dst[2*i+1]
	})
}

func circles(dst []float64, rng *rand.Rand) {
	n := len(dst) / 2
	out := n / 2
	rest := circle(dst, out, 3)
	circle(rest, n-out, 1.5)
	shuffleNoise(dst, 3*0.08, rng)
}

func rings(dst []float64, rng *rand.Rand) {
	n := len(dst) / 2
	q := n / 4
	rest := dst
	for _, r := range []float64{1, 0.75, 0.5} {
		rest = circle(rest, q, 3*r)
	}
	circle(rest, n-3*q, 3*0.25)
	shuffleNoise(dst, 0.08, rng)
}

func moons(dst []float64, rng *rand.Rand) {
	n := len(dst) / 2
	out := n / 2
	// np.linspace(0, π, k) includes both ends: steps of π/(k-1).
	rest := arc(dst, out, 1, 0, 0, math.Pi, out-1)
	inner := rest
	arc(inner, n-out, 1, 0, 0, math.Pi, n-out-1)
	for i := 0; i < len(inner); i += 2 {
		inner[i], inner[i+1] = 1-inner[i], 1-inner[i+1]-0.5
	}
	shuffle(dst, rng)
	moonsNoiseScale(dst, rng)
}

// moonsNoiseScale adds 0.1 N to every coordinate of the moons' points in
// dst, then scales and shifts them as FFJORD does.
func moonsNoiseScale(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		dst[i] = 2*(dst[i]+0.1*rng.NormFloat64()) - 1
		dst[i+1] = 2*(dst[i+1]+0.1*rng.NormFloat64()) - 0.2
	}
}

func eightGaussians(dst []float64, rng *rand.Rand) {
	const s = 1 / math.Sqrt2
	centres := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}}
	for i := 0; i < len(dst); i += 2 {
		x, y := 0.5*rng.NormFloat64(), 0.5*rng.NormFloat64()
		c := centres[rng.IntN(8)]
		dst[i] = (x + 4*c[0]) / 1.414
		dst[i+1] = (y + 4*c[1]) / 1.414
	}
}

func pinwheel(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		pinwheelPoint(dst[i:i+2], i/2%5, rng)
	}
	shuffle(dst, rng)
}

// pinwheelPoint writes a point of the pinwheel's arm k to p.
func pinwheelPoint(p []float64, k int, rng *rand.Rand) {
	const radialSD, tangentialSD, rate = 0.3, 0.1, 0.25
	r := 1 + radialSD*rng.NormFloat64()
	s := tangentialSD * rng.NormFloat64()
	a := 2*math.Pi*float64(k)/5 + rate*math.Exp(r)
	sin, cos := math.Sincos(a)
	p[0] = 2 * (r*cos + s*sin)
	p[1] = 2 * (-r*sin + s*cos)
}

func twoSpirals(dst []float64, rng *rand.Rand) {
	n := len(dst) / 2
	first := n - n/2
	for i := 0; i < len(dst); i += 2 {
		x, y := spiralPoint(rng)
		if i/2 >= first {
			x, y = -x, -y
		}
		dst[i], dst[i+1] = x, y
	}
	shuffleNoise(dst, 0.1, rng)
}

// spiralPoint returns a point of the first spiral, before the noise.
func spiralPoint(rng *rand.Rand) (x, y float64) {
	u := 3 * math.Pi * math.Sqrt(rng.Float64()) // sqrt(U)·540·2π/360
	x = -math.Cos(u)*u + 0.5*rng.Float64()
	y = math.Sin(u)*u + 0.5*rng.Float64()
	return x / 3, y / 3
}

func checkerboard(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		x := 4*rng.Float64() - 2
		y := rng.Float64() - 2*float64(rng.IntN(2))
		y += math.Mod(math.Floor(x)+4, 2) // Python's floor mod: 0 or 1
		dst[i], dst[i+1] = 2*x, 2*y
	}
}

func line(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		x := 5*rng.Float64() - 2.5
		dst[i], dst[i+1] = x, x
	}
}

func cosine(dst []float64, rng *rand.Rand) {
	for i := 0; i < len(dst); i += 2 {
		x := 5*rng.Float64() - 2.5
		dst[i], dst[i+1] = x, 2.5*math.Sin(x)
	}
}
