package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// twoModes is Song & Ermon's (2019, Figure 3) toy target: weights 1/5 and
// 4/5 on two unit Gaussians far apart in the plane, at (-4, -4) and (4, 4).
func twoModes(t testing.TB) *dist.Mixture {
	t.Helper()
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.2, Mean: []float64{-4, -4}, Std: []float64{1, 1}},
		{Weight: 0.8, Mean: []float64{4, 4}, Std: []float64{1, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lowerMode returns the fraction of the points x (flat, 2-D) on the side of
// the line x_0 + x_1 = 0 of the mode at (-4, -4).
func lowerMode(x []float64) float64 {
	var k int
	for i := 0; i < len(x); i += 2 {
		if x[i]+x[i+1] < 0 {
			k++
		}
	}
	return float64(k) / float64(len(x)/2)
}

func TestAnnealedRecoversModeWeights(t *testing.T) {
	mix := twoModes(t)
	const n = 4000
	const want = 0.2

	// Plain Langevin from a uniform start on [-8, 8]²: each particle falls
	// into the mode whose basin it starts in, about half and half, and at
	// η = 0.1 a few hundred steps never cross the gap between the modes.
	rng := rand.New(rand.NewPCG(3, 1))
	plain := Uniform(n, 2, -8, 8, rng)
	if err := (Langevin{StepSize: 0.1, Steps: 500}).Run(plain, mix, rng); err != nil {
		t.Fatal(err)
	}

	// Annealed Langevin with Song & Ermon's toy schedule, 10 levels from
	// σ = 20 to 1 and T = 100, with the exact perturbed scores, but ε = 0.3
	// where they take 0.1: with 0.1 the lower mode ends up with about 0.215
	// (seen over several seeds with 20000 particles), because at the middle
	// levels, where the modes part, the particles between them need more
	// than T steps to go to their side; at 0.3 that bias is under 0.01.
	sigmas, err := GeometricSigmas(20, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	a := Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 0.3, Denoise: true}
	rng = rand.New(rand.NewPCG(3, 2))
	annealed := Uniform(n, 2, -8, 8, rng)
	if err := a.Run(annealed, PerturbedLevels(mix), rng); err != nil {
		t.Fatal(err)
	}

	plainErr := math.Abs(lowerMode(plain) - want)
	annealedErr := math.Abs(lowerMode(annealed) - want)
	t.Logf("weight of the lower mode: plain %.4f, annealed %.4f, want %.1f", lowerMode(plain), lowerMode(annealed), want)
	// Tolerance: 5 binomial standard errors, 5·sqrt(0.2·0.8/n) ≈ 0.032,
	// which leaves room for the annealing's own bias (under 0.01, above).
	if tol := 5 * math.Sqrt(want*(1-want)/n); annealedErr > tol {
		t.Errorf("annealed Langevin: lower mode holds %.4f of the particles, want %.1f ± %.3f", lowerMode(annealed), want, tol)
	}
	// Plain Langevin is off by about 0.3 (half and half); demand at least
	// 0.15, far beyond its sampling error, so the test shows the failure.
	if plainErr < 0.15 {
		t.Errorf("plain Langevin: lower mode holds %.4f of the particles; expected it to be far from %.1f", lowerMode(plain), want)
	}
	if !(annealedErr < plainErr) {
		t.Errorf("annealed error %.4f is not below plain error %.4f", annealedErr, plainErr)
	}
}

// recorder is a fake noise-conditional score: s(x, σ) = -x/(1+σ²), the score
// of N(0, (1+σ²) I), recording every batch it is asked to score.
type recorder struct {
	calls []call
}

type call struct {
	sigma float64
	x     []float64
}

type recorderAt struct {
	r     *recorder
	sigma float64
}

func (s recorderAt) Dim() int { return 2 }
func (s recorderAt) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("recorder", 2, dst, x)
	s.r.calls = append(s.r.calls, call{s.sigma, slices.Clone(x)})
	for i, v := range x {
		dst[i] = -v / (1 + s.sigma*s.sigma)
	}
}

func (r *recorder) levels(sigma float64) sgm.Scorer { return recorderAt{r, sigma} }

func TestAnnealedStepSizes(t *testing.T) {
	a := Annealed{Sigmas: []float64{4, 2, 0.5}, StepsPerLevel: 3, Eps: 0.01, Denoise: true}
	// α_i = ε σ_i²/σ_L² = 0.01·{64, 16, 1}.
	for i, want := range []float64{0.64, 0.16, 0.01} {
		if got := a.StepSize(i); math.Abs(got-want) > 1e-15 {
			t.Errorf("StepSize(%d) = %v, want %v", i, got, want)
		}
	}
	var rec recorder
	var steps []int
	x := []float64{1, -1, 3, 0.5}
	if err := a.Run(x, rec.levels, rand.New(rand.NewPCG(5, 6)), func(step int, _ []float64) { steps = append(steps, step) }); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(steps, want) {
		t.Errorf("observers saw steps %v, want %v", steps, want)
	}
	if got, want := len(rec.calls), a.Steps(); got != want {
		t.Fatalf("%d score evaluations, want %d (L·T + 1 for the denoising step)", got, want)
	}

	// Replay the updates with a twin source: between consecutive recorded
	// batches x' = x + (α_i/2) s(x, σ_i) + √α_i z with α_i = ε σ_i²/σ_L², and
	// the denoising step x' = x + σ_L² s(x, σ_L) draws no noise.
	twin := rand.New(rand.NewPCG(5, 6))
	next := func(k int) []float64 {
		if k+1 < len(rec.calls) {
			return rec.calls[k+1].x
		}
		return x
	}
	for k, c := range rec.calls {
		level := min(k/a.StepsPerLevel, len(a.Sigmas)-1)
		if c.sigma != a.Sigmas[level] {
			t.Errorf("evaluation %d at σ = %v, want %v", k, c.sigma, a.Sigmas[level])
		}
		denoise := k == len(rec.calls)-1
		alpha := 0.01 * a.Sigmas[level] * a.Sigmas[level] / (0.5 * 0.5)
		for j, v := range c.x {
			s := -v / (1 + c.sigma*c.sigma)
			var want float64
			if denoise {
				want = v + 0.5*0.5*s
			} else {
				want = v + alpha/2*s + math.Sqrt(alpha)*twin.NormFloat64()
			}
			// Tolerance: a few roundings of numbers of order 1.
			if got := next(k)[j]; math.Abs(got-want) > 1e-12 {
				t.Errorf("evaluation %d, value %d: got %v, want %v (denoise %t)", k, j, got, want, denoise)
			}
		}
	}
}

func TestAnnealedDeterministic(t *testing.T) {
	a := Annealed{Sigmas: []float64{3, 1, 0.3}, StepsPerLevel: 20, Eps: 0.05}
	mix := twoModes(t)
	run := func(seed uint64) []float64 {
		rng := rand.New(rand.NewPCG(seed, 7))
		x := Uniform(5, 2, -8, 8, rng)
		path := Path{Particle: 3, Dim: 2}
		if err := a.Run(x, PerturbedLevels(mix), rng, path.Observe); err != nil {
			t.Fatal(err)
		}
		return append(x, path.Points...)
	}
	if a, b := run(1), run(1); !slices.Equal(a, b) {
		t.Error("two runs with the same seed differ")
	}
	if a, b := run(1), run(2); slices.Equal(a, b) {
		t.Error("two runs with different seeds agree")
	}
}

func TestAnnealedValidate(t *testing.T) {
	ok := Annealed{Sigmas: []float64{2, 1}, StepsPerLevel: 1, Eps: 0.1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Annealed)
		field string
	}{
		{"no levels", func(a *Annealed) { a.Sigmas = nil }, "Sigmas"},
		{"ascending", func(a *Annealed) { a.Sigmas = []float64{1, 2} }, "Sigmas[1]"},
		{"repeated", func(a *Annealed) { a.Sigmas = []float64{2, 2} }, "Sigmas[1]"},
		{"zero level", func(a *Annealed) { a.Sigmas = []float64{1, 0} }, "Sigmas[1]"},
		{"negative level", func(a *Annealed) { a.Sigmas = []float64{-1} }, "Sigmas[0]"},
		{"NaN level", func(a *Annealed) { a.Sigmas = []float64{2, math.NaN()} }, "Sigmas[1]"},
		{"infinite level", func(a *Annealed) { a.Sigmas = []float64{math.Inf(1), 1} }, "Sigmas[0]"},
		{"no steps", func(a *Annealed) { a.StepsPerLevel = 0 }, "StepsPerLevel"},
		{"zero eps", func(a *Annealed) { a.Eps = 0 }, "Eps"},
		{"negative eps", func(a *Annealed) { a.Eps = -1 }, "Eps"},
		{"NaN eps", func(a *Annealed) { a.Eps = math.NaN() }, "Eps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ok
			tc.edit(&a)
			err := a.Validate()
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error", a)
			}
			if !strings.HasPrefix(err.Error(), tc.field+" ") {
				t.Errorf("Validate(%+v) = %q, want it to name %s", a, err, tc.field)
			}
			if err := a.Run([]float64{0, 0}, PerturbedLevels(twoModes(t)), rand.New(rand.NewPCG(1, 1))); err == nil {
				t.Error("Run accepted the parameters")
			}
		})
	}
}

func TestAnnealedRunErrors(t *testing.T) {
	a := Annealed{Sigmas: []float64{2, 1}, StepsPerLevel: 1, Eps: 0.1}
	rng := rand.New(rand.NewPCG(1, 1))
	numtest.WantPanic(t, "sample: Annealed.Run: ", func() { _ = a.Run([]float64{0, 0, 0}, PerturbedLevels(twoModes(t)), rng) })
	mixed := func(sigma float64) sgm.Scorer {
		if sigma == 1 {
			return gaussian{mu: []float64{0, 0, 0}, s: 1}
		}
		return gaussian{mu: []float64{0, 0}, s: 1}
	}
	x := []float64{0.5, 0.5}
	numtest.WantPanic(t, "sample: Annealed.Run: ", func() { _ = a.Run(x, mixed, rng) })
	if !slices.Equal(x, []float64{0.5, 0.5}) {
		t.Errorf("a refused Run moved the particles to %v", x)
	}
}

func TestScheduleLevels(t *testing.T) {
	grid, err := sgm.Geometric(0.01, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	levels := ScheduleLevels(grid, func(k int) sgm.Scorer {
		asked = append(asked, k)
		return gaussian{mu: []float64{0}, s: grid[k]}
	})
	a := Annealed{Sigmas: Descending(grid), StepsPerLevel: 2, Eps: 1e-3}
	if err := a.Run(Fill(3, 0), levels, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 3, 2, 1, 0}; !slices.Equal(asked, want) {
		t.Errorf("asked for levels %v, want %v", asked, want)
	}
	for _, sigma := range []float64{0.5, math.NaN(), 0, -0.01, math.Inf(1), 1e-320} { // off the grid
		numtest.WantPanic(t, "sample: ", func() { levels(sigma) })
	}
	if len(asked) != 5 {
		t.Errorf("asked for levels %v off the grid", asked[5:])
	}
}

func TestGeometricSigmas(t *testing.T) {
	s, err := GeometricSigmas(20, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 10 || s[0] != 20 || s[9] != 1 {
		t.Errorf("GeometricSigmas(20, 1, 10) = %v, want 10 levels from 20 down to 1", s)
	}
	// The ratio of consecutive levels is 20^(1/9).
	for i := 1; i < len(s); i++ {
		if r := s[i-1] / s[i]; math.Abs(r-math.Pow(20, 1.0/9)) > 1e-12 {
			t.Errorf("σ_%d/σ_%d = %v, want 20^(1/9)", i-1, i, r)
		}
	}
	if _, err := GeometricSigmas(1, 20, 10); err == nil {
		t.Error("GeometricSigmas(1, 20, 10) accepted max < min")
	}
}

func BenchmarkAnnealed(b *testing.B) {
	mix := twoModes(b)
	sigmas, err := GeometricSigmas(20, 1, 10)
	if err != nil {
		b.Fatal(err)
	}
	a := Annealed{Sigmas: sigmas, StepsPerLevel: 10, Eps: 0.1}
	for _, n := range []int{64, 1024} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			x0 := Uniform(n, 2, -8, 8, rng)
			x := make([]float64, len(x0))
			b.ReportAllocs()
			for b.Loop() {
				copy(x, x0)
				if err := a.Run(x, PerturbedLevels(mix), rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
