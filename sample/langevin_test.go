package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// gaussian is N(mu, s² I) in d dimensions: score (mu - x)/s².
type gaussian struct {
	mu []float64
	s  float64
}

func (g gaussian) Dim() int { return len(g.mu) }
func (g gaussian) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("gaussian", len(g.mu), dst, x)
	for i := range x {
		dst[i] = (g.mu[i%len(g.mu)] - x[i]) / (g.s * g.s)
	}
}

func TestLangevinGaussianMoments(t *testing.T) {
	target := gaussian{mu: []float64{1, -2}, s: 0.5}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 4000
	x := Uniform(n, 2, -3, 3, rng)
	l := Langevin{StepSize: 0.01, Steps: 1000}
	if err := l.Run(x, target, rng); err != nil {
		t.Fatal(err)
	}
	// For this Gaussian the unadjusted chain's stationary law is Gaussian
	// with the same mean and variance s²/(1 - η/(4s²)) = 0.25/(1 - 0.01)
	// (the discretisation bias of ULA, exact for linear scores); after 1000
	// steps of contraction factor 1 - η/(2s²) = 0.98 the start is forgotten.
	wantVar := 0.25 / (1 - 0.01)
	for k := range 2 {
		var m, v float64
		for i := k; i < len(x); i += 2 {
			m += x[i]
		}
		m /= n
		for i := k; i < len(x); i += 2 {
			v += (x[i] - m) * (x[i] - m)
		}
		v /= n - 1
		// Tolerances: 5 standard errors, sqrt(var/n) for the mean and
		// var*sqrt(2/(n-1)) for the variance.
		if se := math.Sqrt(wantVar / n); math.Abs(m-target.mu[k]) > 5*se {
			t.Errorf("axis %d: mean %.4f, want %.4f ± %.4f", k, m, target.mu[k], 5*se)
		}
		if se := wantVar * math.Sqrt(2.0/(n-1)); math.Abs(v-wantVar) > 5*se {
			t.Errorf("axis %d: variance %.4f, want %.4f ± %.4f", k, v, wantVar, 5*se)
		}
	}
}

func TestLangevinDeterministic(t *testing.T) {
	target := gaussian{mu: []float64{0, 0}, s: 1}
	run := func() []float64 {
		rng := rand.New(rand.NewPCG(9, 9))
		x := Fill(3, 0.5, 0.5)
		path := Path{Particle: 1, Dim: 2}
		if err := (Langevin{StepSize: 0.1, Steps: 50}).Run(x, target, rng, path.Observe); err != nil {
			t.Fatal(err)
		}
		return append(x, path.Points...)
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Error("two runs with the same seed differ")
	}
}

func TestObservers(t *testing.T) {
	target := gaussian{mu: []float64{0}, s: 1}
	x := Fill(4, 0)
	path := Path{Particle: 2, Dim: 1}
	pool := Pool{BurnIn: 6, Every: 2}
	if err := (Langevin{StepSize: 0.1, Steps: 10}).Run(x, target, rand.New(rand.NewPCG(1, 1)), path.Observe, pool.Observe); err != nil {
		t.Fatal(err)
	}
	if len(path.Points) != 10 {
		t.Errorf("path has %d points, want one per step (10)", len(path.Points))
	}
	if path.Points[9] != x[2] {
		t.Errorf("path ends at %v, particle is at %v", path.Points[9], x[2])
	}
	// Steps 8 and 10 are kept: 2 states of 4 particles.
	if len(pool.Points) != 8 {
		t.Errorf("pool has %d values, want 8", len(pool.Points))
	}
}

// zeroDim is a Scorer of dimension 0, which no points fit.
type zeroDim struct{}

func (zeroDim) Dim() int                    { return 0 }
func (zeroDim) ScoreBatch(dst, x []float64) {}

// TestLangevinRunMisuse checks that points that do not fit the score, a
// programmer's error, panic with the package's prefix and move nothing.
func TestLangevinRunMisuse(t *testing.T) {
	l := Langevin{StepSize: 0.1, Steps: 1}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name  string
		x     []float64
		score sgm.Scorer
	}{
		{"dimension 0", []float64{1, 2}, zeroDim{}},
		{"dimension 0, no points", nil, zeroDim{}},
		{"3 values of 2-D points", []float64{0, 0, 0}, gaussian{mu: []float64{0, 0}, s: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := slices.Clone(tc.x)
			numtest.WantPanic(t, "sample: Langevin.Run: ", func() { _ = l.Run(x, tc.score, rng) })
			if !slices.Equal(x, tc.x) {
				t.Errorf("a refused Run moved the particles to %v", x)
			}
		})
	}
	a := Annealed{Sigmas: []float64{1}, StepsPerLevel: 1, Eps: 0.1}
	numtest.WantPanic(t, "sample: Annealed.Run: ", func() {
		_ = a.Run([]float64{1, 2}, func(float64) sgm.Scorer { return zeroDim{} }, rng)
	})
}

func TestLangevinValidate(t *testing.T) {
	for _, l := range []Langevin{{StepSize: 0, Steps: 1}, {StepSize: -1, Steps: 1}, {StepSize: math.NaN(), Steps: 1}, {StepSize: 1, Steps: -1}} {
		if err := l.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", l)
		}
	}
}

// TestLangevinPath checks a chain's path against the update written out:
// with a linear score (μ - x)/s² each step is x + η/2·(μ - x)/s² + √η·z
// with z the rng's next normals, so the path is known exactly given the
// same stream; x0 is left unchanged and bad parameters are errors.
func TestLangevinPath(t *testing.T) {
	g := gaussian{mu: []float64{1, -2}, s: 0.5}
	l := Langevin{StepSize: 0.04, Steps: 5}
	x0 := []float64{0.3, 0.7}
	got, err := l.Path(x0, g, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x0, []float64{0.3, 0.7}) {
		t.Errorf("x0 changed to %v", x0)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	x := slices.Clone(x0)
	want := slices.Clone(x0)
	for range l.Steps {
		for i := range x {
			x[i] += l.StepSize/2*(g.mu[i]-x[i])/(g.s*g.s) + math.Sqrt(l.StepSize)*rng.NormFloat64()
		}
		want = append(want, x...)
	}
	if len(got) != len(want) {
		t.Fatalf("path of %d values, want %d (x0 and %d steps)", len(got), len(want), l.Steps)
	}
	for i := range want {
		// Tolerance: a few ulps of the values (about 2), from the
		// update's operations done in another order.
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("path[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := (Langevin{StepSize: 0.1, Steps: -1}).Path(x0, g, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("steps -1: no error")
	}
}
