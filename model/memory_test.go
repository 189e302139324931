package model

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sde"
)

// TestReverseCopiesBoundsAllocation checks the memory a program checks n
// against before a reverse-time run (ReverseCopies): every sampler
// allocates, over its whole run, less than the estimate of its peak, the
// ode sampler's Dormand-Prince stages included (an earlier estimate of 6
// copies of the particles was short: ode holds 10).
func TestReverseCopiesBoundsAllocation(t *testing.T) {
	p := sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}
	m, err := dist.Target("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	score, err := sde.NewMixture(p, m)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for _, name := range ReverseSamplers {
		o := SampleOptions{Sampler: name, NFE: 8}
		if name == ODE {
			o = SampleOptions{Sampler: name, RTol: 1e-2, ATol: 1e-2}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := SampleScore(nil, n, p, score, rand.New(rand.NewPCG(1, 0x5de)), o); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		copies := float64(after.TotalAlloc-before.TotalAlloc) / (8 * n * 2)
		t.Logf("%s: %.1f copies allocated", name, copies)
		if copies > ReverseCopies(name) {
			t.Errorf("%s allocated %.1f copies of the particles, more than the %v estimated", name, copies, ReverseCopies(name))
		}
	}
	if ReverseCopies("") != ReverseCopies(ODE) {
		t.Errorf("the default sampler (ode): %v copies, ode %v", ReverseCopies(""), ReverseCopies(ODE))
	}
}

// TestParticleAndNLLBytes checks the memory estimates' exact values: a
// 784-dimensional particle without a network is 6 float64 arrays, 37,632
// bytes; an ODE solve over n points holds 10(d+1) + 4d float64s a point.
func TestParticleAndNLLBytes(t *testing.T) {
	if got := ParticleBytes(784, nil); got != 37632 {
		t.Errorf("ParticleBytes(784, nil) = %v, want 37632", got)
	}
	if got := NLLBytes(1000, 2); got != 8*1000*(30+8) {
		t.Errorf("NLLBytes(1000, 2) = %v, want %v", got, 8*1000*(30+8))
	}
}
