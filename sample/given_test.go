package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sde"
)

// givenTarget is a mixture in the plane whose conditional given x0 = 0.4
// reweights its components strongly: from 0.5/0.3/0.2 to about
// 0.006/0.43/0.56 (dist.Mixture.GivenWeights).
func givenTarget(t testing.TB) *dist.Mixture {
	t.Helper()
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.5, Mean: []float64{-1, -2}, Std: []float64{0.5, 0.5}},
		{Weight: 0.3, Mean: []float64{1, 2}, Std: []float64{0.5, 0.4}},
		{Weight: 0.2, Mean: []float64{0.3, 0}, Std: []float64{0.3, 0.6}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// givenStats compares the free coordinate x1 of the samples x (2-D, x0
// given) with the exact conditional c: the largest gap between a
// component's weight and its estimate (the mean of its responsibilities
// under c over the samples), and the gaps of x1's mean and variance, each
// in standard errors of its estimate (standard deviations of the terms
// over sqrt(n)).
func givenStats(x []float64, c *dist.Mixture) (weightGap, weightZ, meanZ, varZ float64) {
	n := len(x) / 2
	comps := c.Components()
	var mean, m2 float64
	for _, k := range comps {
		mean += k.Weight * k.Mean[0]
		m2 += k.Weight * (k.Std[0]*k.Std[0] + k.Mean[0]*k.Mean[0])
	}
	variance := m2 - mean*mean
	z := func(terms []float64, want float64) (gap, zs float64) {
		var s, s2 float64
		for _, v := range terms {
			s += v
			s2 += v * v
		}
		mu := s / float64(n)
		se := math.Sqrt(max(s2/float64(n)-mu*mu, 1e-300) / float64(n))
		return mu - want, math.Abs(mu-want) / se
	}
	x1 := make([]float64, n)
	sq := make([]float64, n)
	for i := range n {
		x1[i] = x[2*i+1]
		sq[i] = (x1[i] - mean) * (x1[i] - mean)
	}
	_, meanZ = z(x1, mean)
	_, varZ = z(sq, variance)
	r := make([]float64, n)
	for k, comp := range comps {
		for i := range n {
			r[i] = c.Responsibilities(nil, x1[i:i+1])[k]
		}
		gap, zk := z(r, comp.Weight)
		if math.Abs(gap) > math.Abs(weightGap) {
			weightGap = gap
		}
		weightZ = max(weightZ, zk)
	}
	return weightGap, weightZ, meanZ, varZ
}

// TestGivenExact samples the conditional given x0 = 0.4 with Given.Exact's
// conditional scores under annealed Langevin, and checks the component
// weights and x1's mean and variance against the closed form within 2
// standard errors (4000 chains, seeded). The bias of the last level,
// σ = 0.01 (variance inflated by σ² = 1e-4 on components of variance
// ≥ 0.09), and of its step size, η/(4σ_k²) ≤ 2e-4 of the variance, are
// far below the standard errors (about 2% of the variance).
func TestGivenExact(t *testing.T) {
	m := givenTarget(t)
	v := []float64{0.4, math.NaN()}
	c, err := m.Given(v)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	rng := rand.New(rand.NewPCG(7, 8))
	x := Uniform(n, 2, -4, 4, rng)
	g := Given{Values: v}
	exact, err := g.Exact(m, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Annealed(givenAnnealed(t), x, exact, rng); err != nil {
		t.Fatal(err)
	}
	checkGiven(t, x, 0.4)
	gap, wz, mz, vz := givenStats(x, c)
	t.Logf("exact: weights off by up to %.4f (%.1f s.e.), x1 mean %.1f s.e., variance %.1f s.e.", gap, wz, mz, vz)
	if wz > 2 || mz > 2 || vz > 2 {
		t.Errorf("weights %.1f s.e., mean %.1f s.e., variance %.1f s.e. from the exact conditional; want ≤ 2", wz, mz, vz)
	}
}

// givenAnnealed is the schedule of the tests: 12 levels from 3 to 0.01,
// 100 steps each.
func givenAnnealed(t *testing.T) Annealed {
	sigmas, err := GeometricSigmas(3, 0.01, 12)
	if err != nil {
		t.Fatal(err)
	}
	return Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 2e-5}
}

func checkGiven(t *testing.T, x []float64, v float64) {
	t.Helper()
	for i := 0; i < len(x); i += 2 {
		if x[i] != v {
			t.Fatalf("particle %d has x0 = %v, want the given %v", i/2, x[i], v)
		}
	}
}

// TestGivenJointMethods measures the two methods that need only the joint
// score (all a trained network has) on the same target, with the mixture's
// exact joint scores: the conditional score ∇_F log p_σ(x_F, v) (Given's
// default) and Song et al.'s replacement, under annealed Langevin and
// under the reverse VP SDE (Euler-Maruyama, 500 steps). Neither gets the
// component weights exactly: both follow p_σ(v) rather than p(v) at the
// levels where the components part. At this seed the default was off by
// 0.050 (annealed) and 0.204 (reverse EM), replacement by 0.063 and
// 0.196. The test pins the annealed default's advantage and bounds both.
func TestGivenJointMethods(t *testing.T) {
	m := givenTarget(t)
	v := []float64{0.4, math.NaN()}
	c, err := m.Given(v)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	a := givenAnnealed(t)
	vp := sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}
	joint, err := sde.NewMixture(vp, m)
	if err != nil {
		t.Fatal(err)
	}
	gaps := map[string]float64{}
	for _, sampler := range []string{"annealed", "reverse-em"} {
		for _, replace := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(7, 8))
			x := Uniform(n, 2, -4, 4, rng)
			g := Given{Values: v, Replace: replace, Rand: rand.New(rand.NewPCG(9, 10))}
			if sampler == "annealed" {
				err = g.Annealed(a, x, PerturbedLevels(m), rng)
			} else {
				sde.PriorSample(vp, x, rng)
				_, err = g.Reverse(EM{Steps: 500}, x, vp, joint, rng)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkGiven(t, x, 0.4)
			gap, wz, mz, vz := givenStats(x, c)
			t.Logf("%s replace=%v: weights off by up to %.4f (%.1f s.e.), x1 mean %.1f s.e., variance %.1f s.e.", sampler, replace, gap, wz, mz, vz)
			gaps[fmt.Sprintf("%s %v", sampler, replace)] = math.Abs(gap)
		}
	}
	if !(gaps["annealed false"] < gaps["annealed true"]) || gaps["annealed false"] > 0.06 || gaps["reverse-em false"] > 0.25 {
		t.Errorf("weight errors %v: want annealed's default below replacement's and below 0.06, reverse EM's below 0.25", gaps)
	}
}

func TestGivenValidate(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		g    Given
		want string
	}{
		{Given{Values: []float64{1}}, "want 2, or 6"},
		{Given{Values: []float64{math.Inf(1), nan}}, "coordinate 0 (row 0) must be finite"},
		{Given{Values: []float64{1, nan}, Replace: true}, "random source"},
	} {
		err := tc.g.Validate(3, 2)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%v): %v, want an error with %q", tc.g.Values, err, tc.want)
		}
	}
	if err := (Given{Values: []float64{nan, 1, 2, nan, nan, nan}}).Validate(3, 2); err != nil {
		t.Errorf("per-row values: %v", err)
	}
}

// TestGivenPerRow checks values given per particle: each row keeps its own
// given values, and a row with nothing given is sampled from the joint.
func TestGivenPerRow(t *testing.T) {
	m := givenTarget(t)
	nan := math.NaN()
	vals := []float64{0.4, nan, nan, -2, nan, nan}
	x := Uniform(3, 2, -1, 1, rand.New(rand.NewPCG(1, 1)))
	g := Given{Values: vals}
	if err := g.Langevin(Langevin{StepSize: 1e-3, Steps: 10}, x, m, rand.New(rand.NewPCG(2, 2))); err != nil {
		t.Fatal(err)
	}
	if x[0] != 0.4 || x[3] != -2 || math.IsNaN(x[1]) || x[1] == 0 {
		t.Errorf("per-row given values not kept: %v", x)
	}
	if err := (Given{Values: []float64{0, nan}, Replace: true, Rand: rand.New(rand.NewPCG(1, 1))}).Langevin(Langevin{StepSize: 1, Steps: 1}, x, m, nil); err == nil {
		t.Error("Replace with plain Langevin: no error")
	}
}
