package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

// TestMMDByHand: x = {0, 1}, y = {0, 2} in R, h = 1. The within-x pair has
// k = e^-½, the within-y pair e^-2, and the cross pairs 1, e^-2, e^-½, e^-½:
//
//	MMD²_u = e^-½ + e^-2 - 2/4 (1 + e^-2 + 2e^-½) = (e^-2 - 1)/2
func TestMMDByHand(t *testing.T) {
	got := MMD([]float64{0, 1}, []float64{0, 2}, 1, 1)
	want := (math.Exp(-2) - 1) / 2
	if math.Abs(got-want) > 1e-15 {
		t.Errorf("MMD = %v, want %v", got, want)
	}
}

// TestMMDBruteForce compares MMD with the formula summed term by term.
func TestMMDBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, d := range []int{1, 2, 3} {
		n, m, h := 7, 5, 0.8
		x, y := gaussian(n, make([]float64, d), rng), gaussian(m, make([]float64, d), rng)
		k := func(a, b []float64) float64 {
			var s float64
			for j := range a {
				s += (a[j] - b[j]) * (a[j] - b[j])
			}
			return math.Exp(-s / (2 * h * h))
		}
		pt := func(z []float64, i int) []float64 { return z[i*d : (i+1)*d] }
		var sxx, syy, sxy float64
		for i := range n {
			for j := range n {
				if i != j {
					sxx += k(pt(x, i), pt(x, j))
				}
			}
			for j := range m {
				sxy += k(pt(x, i), pt(y, j))
			}
		}
		for i := range m {
			for j := range m {
				if i != j {
					syy += k(pt(y, i), pt(y, j))
				}
			}
		}
		want := sxx/float64(n*(n-1)) + syy/float64(m*(m-1)) - 2*sxy/float64(n*m)
		if got := MMD(x, y, d, h); math.Abs(got-want) > 1e-14 {
			t.Errorf("d=%d: MMD = %v, brute force %v", d, got, want)
		}
	}
}

// TestMMDIdentical: for y = x the estimate is 2(S/(n²(n-1)) - 1/n) with S
// the sum of k over the n(n-1) ordered pairs i≠j, each in (0, 1], so it
// lies in [-2/n, 0].
func TestMMDIdentical(t *testing.T) {
	const n = 300
	x := gaussian(n, []float64{0, 0}, rand.New(rand.NewPCG(7, 7)))
	if got := MMD(x, x, 2, 1); got > 0 || got < -2.0/n {
		t.Errorf("MMD(x, x) = %v, want in [%v, 0]", got, -2.0/n)
	}
}

// TestMMDGaussians compares estimates from 1000 draws each of N(0, I) and
// N(δ, I) in R² with the population value for the Gaussian kernel:
//
//	MMD² = 2 (h²/(h²+2))^{d/2} (1 - exp(-‖δ‖²/(2(h²+2))))
//
// (the expectations of k over pairs of Gaussians of variance 1 are
// Gaussian integrals), and checks that the estimate grows with ‖δ‖.
func TestMMDGaussians(t *testing.T) {
	const n, h = 1000, 1.0
	rng := rand.New(rand.NewPCG(8, 8))
	x := gaussian(n, []float64{0, 0}, rng)
	y0 := gaussian(n, []float64{0, 0}, rng)
	prev := math.Inf(-1)
	for _, tc := range []struct {
		shift, tol float64
	}{
		// Standard deviations of the estimate measured over 60 seeds:
		// 0.00073 (shift 0, skewed right: largest 0.0023), 0.0058, 0.011,
		// 0.015; the tolerances are 7, 4, 4 and 4 of them.
		{0, 0.005},
		{0.5, 0.023},
		{1, 0.042},
		{2, 0.062},
	} {
		y := make([]float64, len(y0))
		for i, v := range y0 {
			y[i] = v
			if i%2 == 0 {
				y[i] += tc.shift // the same draws moved: the estimate grows
			}
		}
		got := MMD(x, y, 2, h)
		want := 2 * (h * h / (h*h + 2)) * (1 - math.Exp(-tc.shift*tc.shift/(2*(h*h+2))))
		if math.Abs(got-want) > tc.tol {
			t.Errorf("shift %v: MMD² = %v, want %v within %v", tc.shift, got, want, tc.tol)
		}
		if !(got > prev) {
			t.Errorf("shift %v: MMD² = %v, not above %v for the smaller shift", tc.shift, got, prev)
		}
		prev = got
	}
}

func TestMedianBandwidth(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		want float64
	}{
		{"odd", []float64{0, 1}, []float64{3}, 2},                        // 1 2 3
		{"even", []float64{0, 1}, []float64{3, 7}, 3.5},                  // 1 2 3 4 6 7
		{"half zero", []float64{0, 0, 0, 0}, []float64{1}, 1},            // six 0, four 1
		{"all equal", []float64{2, 2}, []float64{2}, 1},                  // no positive distance
		{"only x", []float64{0, 3, 4}, nil, 3},                           // 1 3 4
		{"median is mean of two", []float64{0, 0, 0}, []float64{1}, 0.5}, // three 0, three 1
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MedianBandwidth(tc.x, tc.y, 1, 10, nil); got != tc.want {
				t.Errorf("MedianBandwidth = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMedianBandwidthGaussian: the distance between two independent draws
// of N(0, I₂) is sqrt(2) times a Rayleigh variable of median sqrt(2 ln 2),
// so the median heuristic tends to 2 sqrt(ln 2) ≈ 1.665.
func TestMedianBandwidthGaussian(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := gaussian(3000, []float64{0, 0}, rng), gaussian(2000, []float64{0, 0}, rng)
	got := MedianBandwidth(x, y, 2, 800, rng) // 319600 distances among 800 points
	want := 2 * math.Sqrt(math.Ln2)
	// The median of the distances among 800 points varies by 2.0%
	// (measured over 60 seeds; the points, not the pairs, are independent);
	// allow 4 of it.
	if math.Abs(got/want-1) > 0.08 {
		t.Errorf("MedianBandwidth = %v, want %v within 8%%", got, want)
	}
}

func TestMMDSubsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	x, y := gaussian(3000, []float64{0, 0}, rng), gaussian(400, []float64{0, 0}, rng)
	res := MMDSubsample(x, y, 2, 500, rng)
	if res.N != 500 || res.M != 400 {
		t.Errorf("used %d and %d points, want 500 and 400", res.N, res.M)
	}
	// As in TestMedianBandwidthGaussian, from 500 points: about 2.5%.
	if want := 2 * math.Sqrt(math.Ln2); math.Abs(res.Bandwidth/want-1) > 0.1 {
		t.Errorf("bandwidth %v, want %v within 10%%", res.Bandwidth, want)
	}
	// Same distribution: the estimate's standard deviation is 0.0022 for
	// 500 and 400 points (measured over 60 seeds), its distribution skewed
	// to the right; allow 7 of it.
	if math.Abs(res.MMD2) > 0.015 {
		t.Errorf("MMD² = %v, want about 0", res.MMD2)
	}
	// Small sets are used whole, and 0 means the default.
	small := MMDSubsample(x[:200], y[:100], 2, 0, rng)
	if small.N != 100 || small.M != 50 {
		t.Errorf("default: used %d and %d points, want 100 and 50", small.N, small.M)
	}
	if want := MMD(x[:200], y[:100], 2, small.Bandwidth); small.MMD2 != want {
		t.Errorf("default: MMD² = %v, want %v", small.MMD2, want)
	}
}

func TestSubsample(t *testing.T) {
	x := []float64{0, 0, 1, 10, 2, 20, 3, 30, 4, 40}
	got := Subsample(x, 2, 3, rand.New(rand.NewPCG(1, 2)))
	if len(got) != 6 {
		t.Fatalf("len %d, want 6", len(got))
	}
	seen := map[float64]bool{}
	for i := 0; i < len(got); i += 2 {
		if got[i+1] != 10*got[i] || seen[got[i]] {
			t.Fatalf("subsample %v: not 3 distinct points of %v", got, x)
		}
		seen[got[i]] = true
	}
}

func TestMMDPanics(t *testing.T) {
	two := []float64{0, 1}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"one point", func() { MMD([]float64{0}, two, 1, 1) }},
		{"zero bandwidth", func() { MMD(two, two, 1, 0) }},
		{"NaN bandwidth", func() { MMD(two, two, 1, math.NaN()) }},
		{"one point in all", func() { MedianBandwidth([]float64{0}, nil, 1, 10, nil) }},
		{"maxPoints 1", func() { MMDSubsample(two, two, 1, 1, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "metric: ", tc.f) })
	}
}

func BenchmarkMMD(b *testing.B) {
	for _, n := range []int{500, 2000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := gaussian(n, []float64{0, 0}, rng)
			y := gaussian(n, []float64{1, 0}, rng)
			b.ReportAllocs()
			for b.Loop() {
				MMD(x, y, 2, 1)
			}
		})
	}
}

func BenchmarkMedianBandwidth(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := gaussian(1000, []float64{0, 0}, rng)
	y := gaussian(1000, []float64{1, 0}, rng)
	for b.Loop() {
		MedianBandwidth(x, y, 2, 2000, nil)
	}
}
