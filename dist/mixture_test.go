package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func mustMixture(t testing.TB, comps []Component) *Mixture {
	t.Helper()
	m, err := NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustPreset(t testing.TB, name string) *Mixture {
	t.Helper()
	m, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// scoreCases are mixtures and points at which the score is checked, some
// of them many standard deviations from every mode, where the components'
// densities underflow and only a log-sum-exp keeps the score finite.
func scoreCases(t *testing.T) []struct {
	name   string
	m      *Mixture
	points [][]float64
} {
	oneD := mustMixture(t, []Component{
		{Weight: 1, Mean: []float64{-2}, Std: []float64{0.5}},
		{Weight: 3, Mean: []float64{1}, Std: []float64{1.5}},
		{Weight: 0.5, Mean: []float64{4}, Std: []float64{0.2}},
	})
	threeD := mustMixture(t, []Component{
		{Weight: 2, Mean: []float64{0, 1, -1}, Std: []float64{0.3, 1, 2}},
		{Weight: 1, Mean: []float64{3, -2, 0}, Std: []float64{1, 0.5, 0.7}},
	})
	return []struct {
		name   string
		m      *Mixture
		points [][]float64
	}{
		{"d=1", oneD, [][]float64{{-2}, {0}, {2.5}, {4.1}, {-40}, {60}}},
		{"d=1/perturbed", oneD.Perturbed(0.7), [][]float64{{-2}, {0.3}, {4}, {-40}, {60}}},
		{"d=2/seed-mog", mustPreset(t, "seed-mog"), [][]float64{{0, 0}, {0.5, 0.5}, {-0.3, 0.9}, {12, -9}, {-50, -50}}},
		{"d=2/seed-mog/perturbed", mustPreset(t, "seed-mog").Perturbed(0.3), [][]float64{{0, 0}, {1, -1}, {20, 20}}},
		{"d=2/ring8", mustPreset(t, "ring8"), [][]float64{{0, 0}, {1, 0.05}, {0.7, 0.7}, {-3, 2}, {30, 0}}},
		{"d=2/two-modes-unequal", mustPreset(t, "two-modes-unequal"), [][]float64{{0, 0}, {-5, -4}, {5, 5.5}, {40, -40}}},
		{"d=3", threeD, [][]float64{{0, 0, 0}, {1, -0.5, 0.3}, {3, -2, 0.1}, {-25, 30, 18}}},
		{"d=3/perturbed", threeD.Perturbed(2), [][]float64{{0, 0, 0}, {3, -2, 0.1}, {-25, 30, 18}}},
	}
}

func TestMixtureScoreInput(t *testing.T) {
	for _, tc := range scoreCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			for _, x := range tc.points {
				x0 := append([]float64(nil), x...)
				got := tc.m.ScoreInput(nil, x)
				if !floats.Equal(x, x0) {
					t.Fatalf("x modified by ScoreInput: %v, was %v", x, x0)
				}
				// Central differences with step h: truncation error
				// O(h² f'''), rounding O(ε|log p|/h); with h = 1e-4 and
				// |log p| up to ~2e4 at the farthest points both stay
				// below ~1e-7 relative to the score, so 1e-6 is loose.
				want := fd.Gradient(nil, tc.m.LogProb, x, &fd.Settings{Formula: fd.Central, Step: 1e-4})
				if !floats.EqualApprox(got, want, 1e-6*(1+floats.Norm(want, math.Inf(1)))) {
					t.Errorf("x=%v: ScoreInput=%v, finite differences %v", x, got, want)
				}
				for _, v := range got {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("x=%v: score %v not finite", x, got)
					}
				}
			}
		})
	}
}

func TestMixtureScoreBatch(t *testing.T) {
	for _, tc := range scoreCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var x []float64
			for _, p := range tc.points {
				x = append(x, p...)
			}
			d := tc.m.Dim()
			dst := make([]float64, len(x))
			tc.m.ScoreBatch(dst, x)
			for i := 0; i < len(x); i += d {
				want := tc.m.ScoreInput(nil, x[i:i+d])
				if !floats.Equal(dst[i:i+d], want) {
					t.Errorf("point %d: ScoreBatch %v, ScoreInput %v", i/d, dst[i:i+d], want)
				}
			}
			// In place: dst and x the same slice.
			tc.m.ScoreBatch(x, x)
			if !floats.Equal(x, dst) {
				t.Errorf("in place ScoreBatch %v, want %v", x, dst)
			}
		})
	}
}

func TestMixtureFarFromModes(t *testing.T) {
	// At (50, 50) the blog post's mixture's component densities are about
	// exp(-0.5*2*49.5²/0.16) ≈ exp(-15314), zero in float64. The nearer
	// mode (0.5, 0.5) takes all the responsibility, so the score is that
	// component's, (μ - x)/σ² = -49.5/0.16 per axis, and log p is its
	// log-density plus log 0.5.
	m := mustPreset(t, "seed-mog")
	x := []float64{50, 50}
	r := m.Responsibilities(nil, x)
	if !floats.Equal(r, []float64{1, 0}) {
		t.Errorf("responsibilities %v, want [1 0]", r)
	}
	got := m.ScoreInput(nil, x)
	want := []float64{-49.5 / 0.16, -49.5 / 0.16}
	if !floats.EqualApprox(got, want, 1e-12) {
		t.Errorf("score %v, want %v", got, want)
	}
	wantLog := math.Log(0.5) - math.Log(2*math.Pi*0.16) - 0.5*2*49.5*49.5/0.16
	if lp := m.LogProb(x); !scalar.EqualWithinRel(lp, wantLog, 1e-14) {
		t.Errorf("LogProb %v, want %v", lp, wantLog)
	}
}

func TestMixtureLogProb(t *testing.T) {
	halfLog2Pi := 0.5 * math.Log(2*math.Pi)
	for _, tc := range []struct {
		name string
		m    *Mixture
		x    []float64
		want float64
	}{
		{
			// N(x; 1, 2²) at x = 2: -½log 2π - log 2 - ½(1/2)².
			name: "normal/d=1",
			m:    mustMixture(t, []Component{{Weight: 7, Mean: []float64{1}, Std: []float64{2}}}),
			x:    []float64{2},
			want: -halfLog2Pi - math.Log(2) - 0.125,
		},
		{
			// At the origin both seed components are at squared distance
			// 0.5 from it, so p = N = exp(-½·0.5/0.16)/(2π·0.16).
			name: "seed-mog/origin",
			m:    mustPreset(t, "seed-mog"),
			x:    []float64{0, 0},
			want: -math.Log(2*math.Pi*0.16) - 0.25/0.16,
		},
		{
			// At the mode (0.5, 0.5): squared distances 0 and 2, so
			// p = ½(1 + exp(-½·2/0.16))/(2π·0.16).
			name: "seed-mog/mode",
			m:    mustPreset(t, "seed-mog"),
			x:    []float64{0.5, 0.5},
			want: math.Log(0.5*(1+math.Exp(-1/0.16))) - math.Log(2*math.Pi*0.16),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Only rounding separates the two: a few ulps of log p.
			if got := tc.m.LogProb(tc.x); !scalar.EqualWithinAbsOrRel(got, tc.want, 1e-14, 1e-14) {
				t.Errorf("LogProb(%v) = %v, want %v", tc.x, got, tc.want)
			}
			if got, want := tc.m.Prob(tc.x), math.Exp(tc.want); !scalar.EqualWithinRel(got, want, 1e-13) {
				t.Errorf("Prob(%v) = %v, want %v", tc.x, got, want)
			}
		})
	}
}

func TestMixtureProbIntegrates(t *testing.T) {
	// Trapezoid rule on [-4, 4]² with step 0.02. The integrand is smooth and
	// negligible at the edges (the presets: 3.5/0.4 = 8.75 std from the
	// nearest mode, tail mass ~1e-18; "unequal stds": at least 3.5/0.45 =
	// 7.8 std, ~1e-14), where the trapezoid rule converges faster than any
	// power of the step (its error for a Gaussian of std σ is about
	// exp(-2π²σ²/h²) ≈ e^-3000 for σ = 0.25), so its error is far below 1e-9.
	// "unequal stds" has different stds on the two axes and in the two
	// components, so that a normaliser with the wrong component's std
	// would be off by a factor, not by rounding.
	const (
		lo, hi = -4.0, 4.0
		n      = 401
		tol    = 1e-9
	)
	for _, tc := range []struct {
		name string
		m    *Mixture
	}{
		{"seed-mog", mustPreset(t, "seed-mog")},
		{"ring8", mustPreset(t, "ring8")},
		{"unequal stds", mustMixture(t, []Component{
			{Weight: 1, Mean: []float64{-1, 0.5}, Std: []float64{0.3, 0.45}},
			{Weight: 2, Mean: []float64{0.5, -0.5}, Std: []float64{0.5, 0.25}},
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			h := (hi - lo) / (n - 1)
			var sum float64
			x := make([]float64, 2)
			for i := range n {
				x[0] = lo + float64(i)*h
				wi := trapezoidWeight(i, n)
				for j := range n {
					x[1] = lo + float64(j)*h
					sum += wi * trapezoidWeight(j, n) * m.Prob(x)
				}
			}
			sum *= h * h
			if math.Abs(sum-1) > tol {
				t.Errorf("∫p = %v, want 1 within %v", sum, tol)
			}
		})
	}
}

func trapezoidWeight(i, n int) float64 {
	if i == 0 || i == n-1 {
		return 0.5
	}
	return 1
}

// directTerms returns w_c N(x; μ_c, diag(σ_c²)) for each component c of
// comps, with the weights normalised here: the density written out as the
// textbook product over the axes, independently of Mixture's log-space
// arrays.
func directTerms(comps []Component, x []float64) []float64 {
	var total float64
	for _, c := range comps {
		total += c.Weight
	}
	p := make([]float64, len(comps))
	for k, c := range comps {
		v := c.Weight / total
		for j, xj := range x {
			z := (xj - c.Mean[j]) / c.Std[j]
			v *= math.Exp(-z*z/2) / (math.Sqrt(2*math.Pi) * c.Std[j])
		}
		p[k] = v
	}
	return p
}

func TestMixtureUnequalStds(t *testing.T) {
	// Every component has different stds on every axis, and no two
	// components share a std on an axis, so each normaliser Σ_j log σ_cj is
	// checked against the direct sum of the densities.
	comps := []Component{
		{Weight: 2, Mean: []float64{0, 1, -1}, Std: []float64{0.3, 1, 2}},
		{Weight: 1, Mean: []float64{3, -2, 0}, Std: []float64{1, 0.5, 0.7}},
		{Weight: 0.5, Mean: []float64{1, 0, 2}, Std: []float64{2.5, 0.2, 1.1}},
	}
	m := mustMixture(t, comps)
	for _, x := range [][]float64{{0, 0, 0}, {0, 1, -1}, {3, -2, 0}, {1, 0, 2}, {1.5, -0.5, 0.5}, {-1, 2, 3}} {
		terms := directTerms(comps, x)
		p := floats.Sum(terms)
		// Both sides are a few dozen roundings of 2⁻⁵³ from exact: relative
		// errors of p below ~1e-14, so absolute errors of log p of the same
		// size, plus the rounding of log p (|log p| < 60 here: 60·1.1e-16).
		if got, want := m.LogProb(x), math.Log(p); !scalar.EqualWithinAbs(got, want, 1e-13) {
			t.Errorf("x=%v: LogProb %v, direct sum %v", x, got, want)
		}
		// Responsibilities are at most 1, with errors of the same relative
		// size: 1e-14 absolute.
		r := m.Responsibilities(nil, x)
		for k, v := range terms {
			if want := v / p; !scalar.EqualWithinAbs(r[k], want, 1e-14) {
				t.Errorf("x=%v: responsibility %d = %v, direct %v", x, k, r[k], want)
			}
		}
	}
}

func TestMixtureBeyondOverflow(t *testing.T) {
	// Beyond about 1.9e154 standard deviations from every mode ½z²
	// overflows and every log-term is -Inf. The responsibilities then go to
	// the components nearest in standard deviations (shared by weight on a
	// tie), the score is theirs, and log p, below -1e308, is -Inf. The
	// scores below are exact in float64: 1·(μ - x)/σ² with σ² a power of 2
	// or 1, divided by a sum of 1 (two ulps of slack for 1/σ² = 4).
	const tol = 4.5e-16
	oneD := func(w0, s0, w1, s1 float64) *Mixture {
		return mustMixture(t, []Component{
			{Weight: w0, Mean: []float64{0}, Std: []float64{s0}},
			{Weight: w1, Mean: []float64{10}, Std: []float64{s1}},
		})
	}
	threeD := mustMixture(t, []Component{
		{Weight: 2, Mean: []float64{0, 1, -1}, Std: []float64{0.3, 1, 2}},
		{Weight: 1, Mean: []float64{3, -2, 0}, Std: []float64{1, 0.5, 0.7}},
	})
	for _, tc := range []struct {
		name      string
		m         *Mixture
		x         []float64
		wantR     []float64
		wantScore []float64
		wantLog   float64
	}{
		{"d=2/standard-normal", mustPreset(t, "standard-normal"), []float64{1e155, 0}, []float64{1}, []float64{-1e155, 0}, math.Inf(-1)},
		{"d=2/standard-normal/far", mustPreset(t, "standard-normal"), []float64{-1e300, 1e308}, []float64{1}, []float64{1e300, -1e308}, math.Inf(-1)},
		// z = 1e200 against 5e199: the wider component is nearer.
		{"d=1/wider wins", oneD(3, 1, 1, 2), []float64{1e200}, []float64{0, 1}, []float64{-1e200 / 4}, math.Inf(-1)},
		{"d=1/wider wins/left", oneD(1, 2, 3, 1), []float64{-1e200}, []float64{1, 0}, []float64{1e200 / 4}, math.Inf(-1)},
		// 1e200 - 10 rounds to 1e200: a tie, shared 1 : 3 by weight; the
		// score's O(10) part is below the ulp of 1e200.
		{"d=1/tie", oneD(1, 1, 3, 1), []float64{1e200}, []float64{0.25, 0.75}, []float64{-1e200}, math.Inf(-1)},
		// Axis 0 is 1e160/0.3 std from the first mean, 1e160 from the
		// second: the second is nearer. Axis 1: 1e160 against 2e160.
		{"d=3/second", threeD, []float64{1e160, 0, 0}, []float64{0, 1}, []float64{-1e160, -8, 0}, math.Inf(-1)},
		{"d=3/first", threeD, []float64{0, 1e160, 0}, []float64{1, 0}, []float64{0, -1e160, -0.25}, math.Inf(-1)},
		// (x - μ)² overflows, but x is only 1e5 std from the wide
		// component: log p = log ½ - ½ log 2π - log 1e150 - 5e9, finite.
		{"d=1/wide component", oneD(1, 1e150, 1, 1), []float64{1e155}, []float64{1, 0}, []float64{-1e155 / 1e300}, math.Log(0.5) - 0.5*math.Log(2*math.Pi) - math.Log(1e150) - 5e9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.m.Responsibilities(nil, tc.x)
			if !floats.EqualApprox(r, tc.wantR, 1e-15) {
				t.Errorf("responsibilities %v, want %v", r, tc.wantR)
			}
			got := tc.m.ScoreInput(nil, tc.x)
			batch := make([]float64, len(tc.x))
			tc.m.ScoreBatch(batch, tc.x)
			for j, want := range tc.wantScore {
				if !scalar.EqualWithinAbsOrRel(got[j], want, tol, tol) {
					t.Errorf("ScoreInput %v, want %v", got, tc.wantScore)
				}
				if batch[j] != got[j] {
					t.Errorf("ScoreBatch %v, ScoreInput %v", batch, got)
				}
			}
			if lp := tc.m.LogProb(tc.x); !(lp == tc.wantLog || scalar.EqualWithinRel(lp, tc.wantLog, 1e-15)) {
				t.Errorf("LogProb %v, want %v", lp, tc.wantLog)
			}
		})
	}

	// Non-finite points: the density is 0 at an infinite coordinate, and
	// the responsibilities and the score are undefined.
	m := mustPreset(t, "seed-mog")
	for _, x := range [][]float64{{math.NaN(), 0}, {math.Inf(1), 0}, {0, math.Inf(-1)}} {
		if r := m.Responsibilities(nil, x); !math.IsNaN(r[0]) || !math.IsNaN(r[1]) {
			t.Errorf("x=%v: responsibilities %v, want NaN", x, r)
		}
		if s := m.ScoreInput(nil, x); !math.IsNaN(s[0]) || !math.IsNaN(s[1]) {
			t.Errorf("x=%v: score %v, want NaN", x, s)
		}
	}
	if lp := m.LogProb([]float64{math.NaN(), 0}); !math.IsNaN(lp) {
		t.Errorf("LogProb at NaN = %v, want NaN", lp)
	}
	if lp := m.LogProb([]float64{0, math.Inf(-1)}); !math.IsInf(lp, -1) {
		t.Errorf("LogProb at -Inf = %v, want -Inf", lp)
	}
}

func TestMixtureResponsibilities(t *testing.T) {
	m := mustPreset(t, "two-modes-unequal")
	// At the origin, midway between the modes, the Gaussians are equal and
	// the responsibilities are the weights.
	r := m.Responsibilities(make([]float64, 2), []float64{0, 0})
	if !floats.EqualApprox(r, []float64{0.2, 0.8}, 1e-15) {
		t.Errorf("responsibilities at the origin %v, want [0.2 0.8]", r)
	}
}

// moments returns the per-axis mean, variance and fourth central moment of
// a diagonal mixture: on axis j, with m = Σ w_k μ_k and δ_k = μ_k - m,
//
//	var = Σ w_k (δ_k² + σ_k²)
//	μ4  = Σ w_k (δ_k⁴ + 6δ_k²σ_k² + 3σ_k⁴)
func moments(mix *Mixture) (mean, variance, fourth []float64) {
	d := mix.Dim()
	mean = make([]float64, d)
	variance = make([]float64, d)
	fourth = make([]float64, d)
	comps := mix.Components()
	for _, c := range comps {
		for j := range d {
			mean[j] += c.Weight * c.Mean[j]
		}
	}
	for _, c := range comps {
		for j := range d {
			dl, s2 := c.Mean[j]-mean[j], c.Std[j]*c.Std[j]
			variance[j] += c.Weight * (dl*dl + s2)
			fourth[j] += c.Weight * (dl*dl*dl*dl + 6*dl*dl*s2 + 3*s2*s2)
		}
	}
	return mean, variance, fourth
}

// checkMoments compares the per-axis sample mean and variance of x with
// the mixture's, within 5 standard errors: sqrt(var/n) for the mean and
// sqrt((μ4 - var²)/n) for the variance. Each check fails by chance with
// probability ~6e-7.
func checkMoments(t *testing.T, mix *Mixture, x []float64) {
	t.Helper()
	d := mix.Dim()
	n := float64(len(x) / d)
	mean, variance, fourth := moments(mix)
	for j := range d {
		var s, s2 float64
		for i := j; i < len(x); i += d {
			s += x[i]
		}
		m := s / n
		for i := j; i < len(x); i += d {
			s2 += (x[i] - m) * (x[i] - m)
		}
		v := s2 / (n - 1)
		if tol := 5 * math.Sqrt(variance[j]/n); math.Abs(m-mean[j]) > tol {
			t.Errorf("axis %d: sample mean %.5f, want %.5f within %.5f", j, m, mean[j], tol)
		}
		if tol := 5 * math.Sqrt((fourth[j]-variance[j]*variance[j])/n); math.Abs(v-variance[j]) > tol {
			t.Errorf("axis %d: sample variance %.5f, want %.5f within %.5f", j, v, variance[j], tol)
		}
	}
}

func TestMixtureSampleMoments(t *testing.T) {
	const n = 100_000
	seed := mustPreset(t, "seed-mog")
	// The blog post's mixture: mean 0, variance 0.4² + 0.5² = 0.41 per axis.
	if mean, variance, _ := moments(seed); !floats.Equal(mean, []float64{0, 0}) ||
		!floats.EqualApprox(variance, []float64{0.41, 0.41}, 1e-15) {
		t.Fatalf("seed-mog moments %v %v, want 0 and 0.41", mean, variance)
	}
	for _, tc := range []struct {
		name string
		m    *Mixture
	}{
		{"seed-mog", seed},
		// Perturbed by σ = 0.3: variance 0.41 + 0.09 = 0.5 per axis.
		{"seed-mog/perturbed", seed.Perturbed(0.3)},
		{"two-modes-unequal", mustPreset(t, "two-modes-unequal")},
		{"two-modes-unequal/perturbed", mustPreset(t, "two-modes-unequal").Perturbed(2)},
		{"d=3/perturbed", mustMixture(t, []Component{
			{Weight: 2, Mean: []float64{0, 1, -1}, Std: []float64{0.3, 1, 2}},
			{Weight: 1, Mean: []float64{3, -2, 0}, Std: []float64{1, 0.5, 0.7}},
		}).Perturbed(0.5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			x := tc.m.Sample(nil, n, rng)
			if len(x) != n*tc.m.Dim() {
				t.Fatalf("len(Sample(%d)) = %d, want %d", n, len(x), n*tc.m.Dim())
			}
			checkMoments(t, tc.m, x)
		})
	}
}

func TestMixtureRand(t *testing.T) {
	// Rand and Sample make the same draws from the same stream.
	m := mustPreset(t, "ring8")
	want := m.Sample(nil, 10, rand.New(rand.NewPCG(1, 2)))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 10 {
		got := m.Rand(nil, rng)
		if !floats.Equal(got, want[2*i:2*i+2]) {
			t.Errorf("draw %d: Rand %v, Sample %v", i, got, want[2*i:2*i+2])
		}
	}
}

func TestMixturePerturbedConvolution(t *testing.T) {
	// p_σ(y) = ∫ p(x) N(y; x, σ²) dx by the trapezoid rule on [-12, 12]
	// with step 1e-3: the integrand is smooth and below 1e-20 at the ends,
	// so the quadrature error is far below the 1e-10 allowed.
	m := mustMixture(t, []Component{
		{Weight: 1, Mean: []float64{-1}, Std: []float64{0.3}},
		{Weight: 2, Mean: []float64{2}, Std: []float64{0.8}},
	})
	const (
		sigma  = 0.6
		y      = 0.4
		lo, hi = -12.0, 12.0
		n      = 24001
	)
	h := (hi - lo) / (n - 1)
	var sum float64
	x := make([]float64, 1)
	for i := range n {
		x[0] = lo + float64(i)*h
		z := (y - x[0]) / sigma
		sum += trapezoidWeight(i, n) * m.Prob(x) * math.Exp(-0.5*z*z) / (sigma * math.Sqrt(2*math.Pi))
	}
	sum *= h
	got := m.Perturbed(sigma).Prob([]float64{y})
	if !scalar.EqualWithinRel(got, sum, 1e-10) {
		t.Errorf("Perturbed(%v).Prob(%v) = %v, convolution %v", sigma, y, got, sum)
	}
	// Std adds in quadrature; weights and means are kept.
	comps := m.Perturbed(sigma).Components()
	want := m.Components()
	for k := range want {
		want[k].Std[0] = math.Hypot(want[k].Std[0], sigma)
		if comps[k].Weight != want[k].Weight || comps[k].Mean[0] != want[k].Mean[0] ||
			!scalar.EqualWithinRel(comps[k].Std[0], want[k].Std[0], 1e-15) {
			t.Errorf("component %d: %+v, want %+v", k, comps[k], want[k])
		}
	}
	if got := m.Perturbed(0).Components(); fmt.Sprint(got) != fmt.Sprint(m.Components()) {
		t.Errorf("Perturbed(0) = %v, want %v", got, m.Components())
	}
}

func TestNewMixtureErrors(t *testing.T) {
	ok := func() Component { return Component{Weight: 1, Mean: []float64{0, 0}, Std: []float64{1, 1}} }
	with := func(f func(c *Component)) Component { c := ok(); f(&c); return c }
	for _, tc := range []struct {
		name  string
		comps []Component
		want  string
	}{
		{"empty", nil, "at least one component"},
		{"zero weight", []Component{ok(), with(func(c *Component) { c.Weight = 0 })}, `component 1: "weight" must be positive and finite, got 0`},
		{"negative weight", []Component{with(func(c *Component) { c.Weight = -1 })}, `component 0: "weight" must be positive and finite, got -1`},
		{"NaN weight", []Component{with(func(c *Component) { c.Weight = math.NaN() })}, `component 0: "weight" must be positive and finite, got NaN`},
		{"Inf weight", []Component{with(func(c *Component) { c.Weight = math.Inf(1) })}, `component 0: "weight" must be positive and finite, got +Inf`},
		{"empty mean", []Component{with(func(c *Component) { c.Mean, c.Std = nil, nil })}, `component 0: "mean" must not be empty`},
		{"mean length", []Component{ok(), ok(), with(func(c *Component) { c.Mean = []float64{1, 2, 3} })}, `component 2: "mean" has length 3, component 0's has length 2`},
		{"std length", []Component{ok(), with(func(c *Component) { c.Std = []float64{1} })}, `component 1: "std" has length 1, "mean" has length 2`},
		{"NaN mean", []Component{with(func(c *Component) { c.Mean[1] = math.NaN() })}, `component 0: "mean"[1] must be finite, got NaN`},
		{"Inf mean", []Component{with(func(c *Component) { c.Mean[0] = math.Inf(-1) })}, `component 0: "mean"[0] must be finite, got -Inf`},
		{"negative std", []Component{ok(), ok(), with(func(c *Component) { c.Std[1] = -1 })}, `component 2: "std"[1] must be positive, got -1`},
		{"zero std", []Component{with(func(c *Component) { c.Std[0] = 0 })}, `component 0: "std"[0] must be positive, got 0`},
		{"NaN std", []Component{with(func(c *Component) { c.Std[0] = math.NaN() })}, `component 0: "std"[0] must be positive, got NaN`},
		{"Inf std", []Component{with(func(c *Component) { c.Std[0] = math.Inf(1) })}, `component 0: "std"[0] must be finite, got +Inf`},
		{"tiny std", []Component{with(func(c *Component) { c.Std[0] = 1e-200 })}, `component 0: "std"[0] = 1e-200 is too small`},
		{"huge std", []Component{with(func(c *Component) { c.Std[1] = 1e200 })}, `component 0: "std"[1] = 1e+200 is too large: std² overflows`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMixture(tc.comps)
			if err == nil {
				t.Fatalf("no error, got mixture %v", m.Components())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestNewMixtureNormalises(t *testing.T) {
	// Huge weights are normalised without overflowing their sum.
	comps := []Component{
		{Weight: 1e308, Mean: []float64{0}, Std: []float64{1}},
		{Weight: 3e308 / 2, Mean: []float64{1}, Std: []float64{1}},
	}
	m := mustMixture(t, comps)
	got := m.Components()
	if !scalar.EqualWithinRel(got[0].Weight, 0.4, 1e-15) || !scalar.EqualWithinRel(got[1].Weight, 0.6, 1e-15) {
		t.Errorf("weights %v, %v, want 0.4, 0.6", got[0].Weight, got[1].Weight)
	}
	// The mixture keeps copies: changing the input changes nothing.
	comps[0].Mean[0] = 5
	if got := m.Components()[0].Mean[0]; got != 0 {
		t.Errorf("mean changed to %v with the input", got)
	}
	if m.Len() != 2 || m.Dim() != 1 {
		t.Errorf("Len, Dim = %d, %d, want 2, 1", m.Len(), m.Dim())
	}
}

func TestMixturePanics(t *testing.T) {
	m := mustPreset(t, "seed-mog")
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"LogProb length", func() { m.LogProb([]float64{1}) }},
		{"ScoreInput dst length", func() { m.ScoreInput(make([]float64, 3), []float64{1, 2}) }},
		{"ScoreBatch dst length", func() { m.ScoreBatch(make([]float64, 2), make([]float64, 4)) }},
		{"ScoreBatch odd batch", func() { m.ScoreBatch(make([]float64, 3), make([]float64, 3)) }},
		{"Responsibilities dst length", func() { m.Responsibilities(make([]float64, 1), []float64{1, 2}) }},
		{"Rand dst length", func() { m.Rand(make([]float64, 1), rand.New(rand.NewPCG(1, 2))) }},
		{"Sample negative", func() { m.Sample(nil, -1, rand.New(rand.NewPCG(1, 2))) }},
		{"Perturbed negative", func() { m.Perturbed(-1) }},
		{"Perturbed NaN", func() { m.Perturbed(math.NaN()) }},
		{"Perturbed huge", func() { m.Perturbed(1.4e154) }}, // variance 1.96e308 > MaxFloat64
	} {
		t.Run(tc.name, func(t *testing.T) { numtest.WantPanic(t, "dist: ", tc.f) })
	}
}

func TestAlias(t *testing.T) {
	// Draw frequencies match the weights within 5 standard errors,
	// sqrt(p(1-p)/n); weight-zero indices are never drawn.
	const n = 200_000
	weights := []float64{0, 3, 0.001, 0, 10, 1, 1, 0, 2.5}
	a, ok := newAlias(weights)
	if !ok {
		t.Fatal("newAlias failed")
	}
	counts := make([]float64, len(weights))
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		counts[a.draw(rng)]++
	}
	total := floats.Sum(weights)
	for i, w := range weights {
		p := w / total
		if w == 0 {
			if counts[i] != 0 {
				t.Errorf("index %d of weight 0 drawn %v times", i, counts[i])
			}
			continue
		}
		if tol := 5 * math.Sqrt(p*(1-p)/n); math.Abs(counts[i]/n-p) > tol {
			t.Errorf("index %d: frequency %.5f, want %.5f within %.5f", i, counts[i]/n, p, tol)
		}
	}
	if _, ok := newAlias([]float64{0, 0}); ok {
		t.Error("newAlias of zero weights succeeded")
	}
}
