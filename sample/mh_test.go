package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
)

// diagGaussian is N(mu, diag(s²)): log p(x) = -Σ_j (x_j - mu_j)²/(2 s_j²) + c
// and score (mu - x)/s². It is a LogDensity and an sgm.Scorer.
type diagGaussian struct {
	mu, s []float64
}

var (
	_ LogDensity = diagGaussian{}
	_ sgm.Scorer = diagGaussian{}
	_ LogDensity = (*dist.Mixture)(nil)
)

func (g diagGaussian) Dim() int { return len(g.mu) }

func (g diagGaussian) LogProb(x []float64) float64 {
	var l float64
	for j, v := range x {
		z := (v - g.mu[j]) / g.s[j]
		l -= z*z/2 + math.Log(g.s[j])
	}
	return l - float64(len(x))/2*math.Log(2*math.Pi)
}

func (g diagGaussian) ScoreInput(dst, x []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(x))
	}
	for j, v := range x {
		dst[j] = (g.mu[j] - v) / (g.s[j] * g.s[j])
	}
	return dst
}

func (g diagGaussian) ScoreBatch(dst, x []float64) {
	d := len(g.mu)
	sgm.CheckBatch("diagGaussian", d, dst, x)
	for i := 0; i < len(x); i += d {
		g.ScoreInput(dst[i:i+d], x[i:i+d])
	}
}

// axisMoments returns the sample mean and variance of axis k of the points x
// (flat, d-dimensional).
func axisMoments(x []float64, d, k int) (mean, variance float64) {
	n := float64(len(x) / d)
	for i := k; i < len(x); i += d {
		mean += x[i]
	}
	mean /= n
	for i := k; i < len(x); i += d {
		variance += (x[i] - mean) * (x[i] - mean)
	}
	return mean, variance / (n - 1)
}

// checkMoments checks the mean and variance of every axis of the n
// independent draws x against mu and wantVar. Tolerances: 5 standard errors,
// sqrt(var/n) for the mean and var·sqrt(2/(n-1)) for the variance (Gaussian
// draws). The draws are the final states of independent chains, so there is
// no autocorrelation to account for, only the chains' distance from
// stationarity, which the callers make negligible.
func checkMoments(t *testing.T, name string, x []float64, mu, wantVar []float64) {
	t.Helper()
	d := len(mu)
	n := float64(len(x) / d)
	for k := range d {
		m, v := axisMoments(x, d, k)
		if se := math.Sqrt(wantVar[k] / n); math.Abs(m-mu[k]) > 5*se {
			t.Errorf("%s, axis %d: mean %.4f, want %.4f ± %.4f", name, k, m, mu[k], 5*se)
		}
		if se := wantVar[k] * math.Sqrt(2/(n-1)); math.Abs(v-wantVar[k]) > 5*se {
			t.Errorf("%s, axis %d: variance %.4f, want %.4f ± %.4f", name, k, v, wantVar[k], 5*se)
		}
	}
}

// mcmc is a Metropolis-corrected sampler, MALA or HMC.
type mcmc interface {
	Run(x []float64, target LogDensity, rng *rand.Rand, observers ...Observer) (Stats, error)
}

func TestMCMCGaussianMoments(t *testing.T) {
	target := diagGaussian{mu: []float64{1, -2}, s: []float64{0.5, 2}}
	wantVar := []float64{0.25, 4}
	const n = 4000
	for _, tc := range []struct {
		name    string
		sampler mcmc
	}{
		// Both forget the start at (3, 3): the slow axis (s = 2) contracts
		// by about 1 - η/(2s²) = 0.97 per MALA step, so 300 steps leave
		// e^-9 of the offset; an HMC trajectory of length 2.5 moves it by
		// cos(2.5/2) ≈ 0.3 per step.
		{"MALA", MALA{StepSize: 0.25, Steps: 300}},
		{"HMC", HMC{StepSize: 0.25, LeapfrogSteps: 10, Steps: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			x := Fill(n, 3, 3)
			st, err := tc.sampler.Run(x, target, rng)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("acceptance rate %.3f", st.AcceptanceRate())
			if r := st.AcceptanceRate(); !(r > 0 && r <= 1) {
				t.Errorf("acceptance rate %v, want in (0, 1]", r)
			}
			checkMoments(t, tc.name, x, target.mu, wantVar)
		})
	}
}

// TestMALAUnbiased shows the point of the Metropolis correction: at a step
// size large for the target, ULA's stationary law has the wrong variance and
// MALA's the right one.
func TestMALAUnbiased(t *testing.T) {
	target := diagGaussian{mu: []float64{0, 0}, s: []float64{1, 1}}
	const n, eta = 4000, 1.0
	// ULA on N(0, s²) is the AR(1) chain x' = (1 - η/(2s²)) x + √η z, whose
	// stationary variance is s²/(1 - η/(4s²)) = 4/3 here.
	ulaVar := 1 / (1 - eta/4)

	rng := rand.New(rand.NewPCG(21, 22))
	ula := Uniform(n, 2, -3, 3, rng)
	if err := (Langevin{StepSize: eta, Steps: 100}).Run(ula, target, rng); err != nil {
		t.Fatal(err)
	}
	checkMoments(t, "ULA", ula, target.mu, []float64{ulaVar, ulaVar})

	rng = rand.New(rand.NewPCG(21, 23))
	mala := Uniform(n, 2, -3, 3, rng)
	st, err := (MALA{StepSize: eta, Steps: 100}).Run(mala, target, rng)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MALA acceptance rate %.3f", st.AcceptanceRate())
	checkMoments(t, "MALA", mala, target.mu, []float64{1, 1})
	// The two variances differ by 1/3, about 15 of MALA's standard errors
	// (sqrt(2/n) ≈ 0.022), so the checks above cannot both pass by luck.
}

func TestAcceptanceRate(t *testing.T) {
	target := diagGaussian{mu: []float64{0, 0}, s: []float64{0.5, 1}}
	for _, tc := range []struct {
		name     string
		sampler  mcmc
		min, max float64
	}{
		// A tiny step is accepted almost always: MALA's log acceptance
		// ratio is O(η^(3/2)), HMC's energy error O(ε³) per trajectory.
		{"MALA tiny", MALA{StepSize: 1e-4, Steps: 50}, 0.99, 1},
		{"HMC tiny", HMC{StepSize: 1e-2, LeapfrogSteps: 5, Steps: 50}, 0.99, 1},
		// η = 2 = 8s² on the narrow axis makes MALA's drift overshoot the
		// mode threefold (x - μ ← -3(x - μ) before the noise), and ε = 1.5
		// > 2s puts leapfrog past its stability limit there: most proposals
		// are refused.
		{"MALA large", MALA{StepSize: 2, Steps: 50}, 0, 0.5},
		{"HMC unstable", HMC{StepSize: 1.5, LeapfrogSteps: 10, Steps: 50}, 0, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			x := Uniform(200, 2, -1, 1, rng)
			st, err := tc.sampler.Run(x, target, rng)
			if err != nil {
				t.Fatal(err)
			}
			if st.Proposed != 200*50 {
				t.Errorf("%d proposals, want one per particle and step (%d)", st.Proposed, 200*50)
			}
			if r := st.AcceptanceRate(); !(r >= tc.min && r <= tc.max) {
				t.Errorf("acceptance rate %.4f, want in [%v, %v]", r, tc.min, tc.max)
			}
		})
	}
	if r := (Stats{}).AcceptanceRate(); !math.IsNaN(r) {
		t.Errorf("acceptance rate with no proposals = %v, want NaN", r)
	}
}

// TestHMCOneLeapfrogIsMALA checks both samplers against each other: one
// leapfrog step of size ε is the MALA proposal with η = ε², with the same
// acceptance ratio, and both draw d normals then one uniform per proposal.
func TestHMCOneLeapfrogIsMALA(t *testing.T) {
	target := diagGaussian{mu: []float64{1, -2}, s: []float64{0.5, 2}}
	const eps = 0.4
	x := Uniform(50, 2, -3, 3, rand.New(rand.NewPCG(1, 1)))
	y := slices.Clone(x)
	sm, err := (MALA{StepSize: eps * eps, Steps: 30}).Run(x, target, rand.New(rand.NewPCG(41, 42)))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := (HMC{StepSize: eps, LeapfrogSteps: 1, Steps: 30}).Run(y, target, rand.New(rand.NewPCG(41, 42)))
	if err != nil {
		t.Fatal(err)
	}
	if sm != sh {
		t.Errorf("MALA %+v, HMC %+v: want the same decisions", sm, sh)
	}
	for i := range x {
		// Tolerance: the two compute the same point in a different order.
		if math.Abs(x[i]-y[i]) > 1e-12 {
			t.Fatalf("value %d: MALA %v, HMC %v", i, x[i], y[i])
		}
	}
}

func TestMCMCDeterministic(t *testing.T) {
	mix := twoModes(t)
	for _, tc := range []struct {
		name    string
		sampler mcmc
	}{
		{"MALA", MALA{StepSize: 0.3, Steps: 40}},
		{"HMC", HMC{StepSize: 0.3, LeapfrogSteps: 4, Steps: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(seed uint64) ([]float64, Stats) {
				rng := rand.New(rand.NewPCG(seed, 5))
				x := Uniform(6, 2, -8, 8, rng)
				path := Path{Particle: 2, Dim: 2}
				st, err := tc.sampler.Run(x, mix, rng, path.Observe)
				if err != nil {
					t.Fatal(err)
				}
				return append(x, path.Points...), st
			}
			a, sa := run(1)
			b, sb := run(1)
			if !slices.Equal(a, b) || sa != sb {
				t.Error("two runs with the same seed differ")
			}
			if c, _ := run(2); slices.Equal(a, c) {
				t.Error("two runs with different seeds agree")
			}
		})
	}
}

func TestMCMCErrors(t *testing.T) {
	target := diagGaussian{mu: []float64{0, 0}, s: []float64{1, 1}}
	for _, tc := range []struct {
		name    string
		sampler interface {
			mcmc
			Validate() error
		}
	}{
		{"MALA zero step", MALA{StepSize: 0, Steps: 1}},
		{"MALA NaN step", MALA{StepSize: math.NaN(), Steps: 1}},
		{"MALA negative steps", MALA{StepSize: 0.1, Steps: -1}},
		{"HMC infinite step", HMC{StepSize: math.Inf(1), LeapfrogSteps: 1, Steps: 1}},
		{"HMC no leapfrog", HMC{StepSize: 0.1, LeapfrogSteps: 0, Steps: 1}},
		{"HMC negative steps", HMC{StepSize: 0.1, LeapfrogSteps: 1, Steps: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.sampler.Validate(); err == nil {
				t.Error("Validate() = nil, want an error")
			}
			if _, err := tc.sampler.Run([]float64{0, 0}, target, rand.New(rand.NewPCG(1, 1))); err == nil {
				t.Error("Run accepted the parameters")
			}
		})
	}
	// Points that do not fit the target are the caller's error: a panic.
	for _, s := range []mcmc{MALA{StepSize: 0.1, Steps: 1}, HMC{StepSize: 0.1, LeapfrogSteps: 1, Steps: 1}} {
		numtest.WantPanic(t, "sample: ", func() { _, _ = s.Run([]float64{0, 0, 0}, target, rand.New(rand.NewPCG(1, 1))) })
	}
}

func BenchmarkMCMC(b *testing.B) {
	mix := twoModes(b)
	for _, tc := range []struct {
		name    string
		sampler mcmc
	}{
		{"MALA", MALA{StepSize: 0.3, Steps: 10}},
		{"HMC/L=10", HMC{StepSize: 0.3, LeapfrogSteps: 10, Steps: 1}},
	} {
		for _, n := range []int{64, 1024} {
			b.Run(tc.name+"/n="+strconv.Itoa(n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x0 := Uniform(n, 2, -8, 8, rng)
				x := make([]float64, len(x0))
				b.ReportAllocs()
				for b.Loop() {
					copy(x, x0)
					if _, err := tc.sampler.Run(x, mix, rng); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
