package model

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sde"
)

// gaussTarget is N((1, -2), diag(0.5², 1.5²)) as a one-component mixture:
// every sampler's stationary moments are known in closed form.
func gaussTarget(t *testing.T) *Target {
	t.Helper()
	m, err := dist.NewMixture([]dist.Component{{Weight: 1, Mean: []float64{1, -2}, Std: []float64{0.5, 1.5}}})
	if err != nil {
		t.Fatal(err)
	}
	return &Target{Mixture: m}
}

// coordMoments returns the mean and variance of coordinate j of the points x
// of dimension 2.
func coordMoments(x []float64, j int) (mean, variance float64) {
	n := float64(len(x) / 2)
	for i := j; i < len(x); i += 2 {
		mean += x[i]
	}
	mean /= n
	for i := j; i < len(x); i += 2 {
		variance += (x[i] - mean) * (x[i] - mean)
	}
	return mean, variance / (n - 1)
}

// TestTargetSampleMoments checks each of a Target's samplers on a Gaussian
// with a seeded source: the mean within 5 standard errors (σ/√n) and the
// variance within 5 of its standard errors (σ²√(2/(n-1))) of the
// sampler's stationary variance: the target's for MALA, HMC and the
// reverse ODE, σ²/(1 - η/(4σ²)) for plain Langevin at step η (the
// Euler-Maruyama chain's stationary variance on a Gaussian), and with
// the given coordinate held exactly for Given.
func TestTargetSampleMoments(t *testing.T) {
	tg := gaussTarget(t)
	const n = 2000
	mu, sd := []float64{1, -2}, []float64{0.5, 1.5}
	for _, c := range []struct {
		name string
		o    TargetOptions
		// stationary variance of coordinate j
		variance func(j int) float64
	}{
		{"langevin", TargetOptions{StepSize: 0.1, Steps: 600}, func(j int) float64 { s2 := sd[j] * sd[j]; return s2 / (1 - 0.1/(4*s2)) }},
		{"mala", TargetOptions{Sampler: MALA, StepSize: 0.1, Steps: 600}, func(j int) float64 { return sd[j] * sd[j] }},
		{"hmc", TargetOptions{Sampler: HMC, StepSize: 0.2, Leapfrog: 10, Steps: 100}, func(j int) float64 { return sd[j] * sd[j] }},
		{"vp ode", TargetOptions{SDE: sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}}, func(j int) float64 { return sd[j] * sd[j] }},
		{"vp dpm2m", TargetOptions{SDE: sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}, Sampler: DPM2M, NFE: 50}, func(j int) float64 { return sd[j] * sd[j] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, st, err := tg.Sample(nil, n, rand.New(rand.NewPCG(1, 2)), c.o)
			if err != nil {
				t.Fatal(err)
			}
			for j := range 2 {
				mean, v := coordMoments(x, j)
				want := c.variance(j)
				if se := math.Sqrt(want / n); math.Abs(mean-mu[j]) > 5*se {
					t.Errorf("coordinate %d: mean %.4f, want %.4f ± %.4f", j, mean, mu[j], 5*se)
				}
				if se := want * math.Sqrt(2.0/(n-1)); math.Abs(v-want) > 5*se {
					t.Errorf("coordinate %d: variance %.4f, want %.4f ± %.4f", j, v, want, 5*se)
				}
			}
			if (c.o.Sampler == MALA || c.o.Sampler == HMC) && !(st.Proposed == n*c.o.Steps && st.Accepted > 0) {
				t.Errorf("%d accepted of %d proposed, want some of %d", st.Accepted, st.Proposed, n*c.o.Steps)
			}
		})
	}
	t.Run("given", func(t *testing.T) {
		x, st, err := tg.Sample(nil, n, rand.New(rand.NewPCG(1, 2)), TargetOptions{Given: []float64{0.3, math.NaN()}})
		if err != nil || st.Sampler != Exact {
			t.Fatalf("sampler %q, error %v", st.Sampler, err)
		}
		for i := 0; i < len(x); i += 2 {
			if x[i] != 0.3 {
				t.Fatalf("point %d: given coordinate %v, want 0.3 exactly", i/2, x[i])
			}
		}
		// The coordinates are independent: the free one's conditional is
		// its marginal N(-2, 1.5²).
		mean, v := coordMoments(x, 1)
		if math.Abs(mean+2) > 5*1.5/math.Sqrt(n) || math.Abs(v-2.25) > 5*2.25*math.Sqrt(2.0/(n-1)) {
			t.Errorf("free coordinate: mean %.4f, variance %.4f, want -2 and 2.25", mean, v)
		}
	})
}

// TestTargetDefaults checks the zero options: the blog post's plain
// Langevin, η = 0.01 on a mixture and, on an image, η = 0.001 at its level
// 17 from uniform [0, 1]², 1,000 steps each; the observer sees the start
// (N = 0) and every step.
func TestTargetDefaults(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "dot.png")
	if err := os.WriteFile(png, tinyPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	im, err := OpenTarget(png)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tg          *Target
		step, sigma float64
	}{{gaussTarget(t), 1e-2, 0}, {im, 1e-3, sgm.SeedSchedule()[17]}} {
		steps := 0
		x, st, err := c.tg.Sample(nil, 3, rand.New(rand.NewPCG(3, 4)), TargetOptions{Observe: func(s Step) {
			if s.N != steps {
				t.Fatalf("Observe: step %d, want %d", s.N, steps)
			}
			steps++
		}})
		if err != nil {
			t.Fatal(err)
		}
		if st.Sampler != Langevin || st.StepSize != c.step || st.Steps != 1000 || st.Sigmas[0] != c.sigma || steps != 1001 || len(x) != 6 {
			t.Errorf("stats %+v after %d observations, want langevin, η=%g, 1000 steps at σ=%g", st, steps, c.step, c.sigma)
		}
	}
	if im.Image == nil || im.Dim() != 2 || im.Components() != 1 {
		t.Errorf("the PNG's target: image %v, dim %d, %d components, want one pixel", im.Image != nil, im.Dim(), im.Components())
	}
}

// tinyPNG is a 2×2 grey PNG with one lit pixel.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 2, 2))
	g.Pix[0] = 255
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTargetRefusals checks the errors of OpenTarget and of options that do
// not apply.
func TestTargetRefusals(t *testing.T) {
	if _, err := OpenTarget("nosuch"); !errors.Is(err, ErrNoTarget) {
		t.Errorf("OpenTarget(nosuch): %v, want ErrNoTarget", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	var de *DataError
	if _, err := OpenTarget(bad); !errors.As(err, &de) {
		t.Errorf("OpenTarget of bad JSON: %v, want a DataError", err)
	}
	if tg, err := OpenTarget("seed-mog"); err != nil || tg.Mixture == nil || tg.Dim() != 2 {
		t.Errorf("OpenTarget(seed-mog): %v, %v", tg, err)
	}
	tg := gaussTarget(t)
	rng := rand.New(rand.NewPCG(1, 1))
	for name, o := range map[string]TargetOptions{
		"unknown sampler":     {Sampler: "nope"},
		"reverse without SDE": {Sampler: DPM2M},
		"annealed sigma":      {Sampler: Annealed, Sigma: 0.1},
		"ddim under VE":       {SDE: sde.VE{SigmaMin: 0.01, SigmaMax: 10}, Sampler: DDIM},
		"huge sigma":          {Sigma: 1e200},
		"short init":          {Init: []float64{1}},
	} {
		if _, _, err := tg.Sample(nil, 2, rng, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, _, err := tg.Sample(nil, 2, rng, TargetOptions{Given: []float64{math.NaN(), math.Inf(1), 0, math.NaN()}}); !errors.As(err, new(*dist.RowError)) {
		t.Errorf("an infinite given value in row 2: %v, want a RowError", err)
	}
}
