package objective

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/sde"
)

// TestPerturbSDE checks x_t = a(t) x + s(t) z and the target -z against
// the SDE's marginal, per point at its own time.
func TestPerturbSDE(t *testing.T) {
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	x := []float32{1, -2, 0.5, 3}
	z := []float32{0.3, 0.1, -1, 2}
	ts := []float32{0.2, 0.9}
	xt, target := make([]float32, 4), make([]float32, 4)
	PerturbSDE(xt, target, x, z, ts, p)
	for i := range 2 {
		a, s := p.Marginal(float64(ts[i]))
		for k := range 2 {
			j := 2*i + k
			if want := a*float64(x[j]) + s*float64(z[j]); math.Abs(float64(xt[j])-want) > 1e-6 {
				t.Errorf("x_t[%d] = %v, want %v", j, xt[j], want)
			}
			if target[j] != -z[j] {
				t.Errorf("target[%d] = %v, want %v", j, target[j], -z[j])
			}
		}
	}
}

// TestInterpolateCFM checks x_t = (1-t) x0 + t x1 and the target x1 - x0.
func TestInterpolateCFM(t *testing.T) {
	x1 := []float32{1, 2, 3, 4}
	x0 := []float32{-1, 0, 1, 0}
	ts := []float32{0.25, 1}
	xt, target := make([]float32, 4), make([]float32, 4)
	InterpolateCFM(xt, target, x1, x0, ts)
	want := []float32{-0.5, 0.5, 3, 4}
	for j := range want {
		if math.Abs(float64(xt[j]-want[j])) > 1e-7 || target[j] != x1[j]-x0[j] {
			t.Errorf("%d: x_t %v target %v, want %v and %v", j, xt[j], target[j], want[j], x1[j]-x0[j])
		}
	}
}

// TestOTPair checks that OTPair permutes the sources (the same rows) into
// the pairing of least total squared distance, against every permutation
// of a batch of 6.
func TestOTPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const B, d = 6, 2
	x0, x1 := make([]float32, B*d), make([]float32, B*d)
	for i := range x0 {
		x0[i], x1[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	orig := append([]float32(nil), x0...)
	OTPair(x0, x1, d)
	cost := func(i, j int) float64 { // x1 row i with original source row j
		var c float64
		for k := range d {
			diff := float64(x1[i*d+k] - orig[j*d+k])
			c += diff * diff
		}
		return c
	}
	var got float64
	used := map[int]bool{}
	for i := range B {
		for j := range B {
			if x0[i*d] == orig[j*d] && x0[i*d+1] == orig[j*d+1] && !used[j] {
				used[j] = true
				got += cost(i, j)
				break
			}
		}
	}
	if len(used) != B {
		t.Fatalf("OTPair did not permute the rows: %v from %v", x0, orig)
	}
	best := math.Inf(1)
	perm := []int{0, 1, 2, 3, 4, 5}
	var visit func(k int)
	visit = func(k int) {
		if k == B {
			var c float64
			for i, j := range perm {
				c += cost(i, j)
			}
			best = min(best, c)
			return
		}
		for i := k; i < B; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			visit(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	visit(0)
	if math.Abs(got-best) > 1e-9 {
		t.Errorf("OTPair's total cost %v, the best pairing's %v", got, best)
	}
}

// TestPerturbSDEV checks the v target a(t) z - s(t) x and that, under VP
// (a² + s² = 1), the noise and the data come back from x_t and v as
// z = s x_t + a v and x = a x_t - s v, the identities scorenet's v
// reading of the score rests on.
func TestPerturbSDEV(t *testing.T) {
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	x := []float32{1, -2, 0.5, 3}
	z := []float32{0.3, 0.1, -1, 2}
	ts := []float32{0.05, 0.7}
	xt, v := make([]float32, 4), make([]float32, 4)
	PerturbSDEV(xt, v, x, z, ts, p)
	for i := range 2 {
		a, s := p.Marginal(float64(ts[i]))
		for k := range 2 {
			j := 2*i + k
			// float32 rounding of values below 4: 4 · 2^-24 ≈ 2.4e-7 each.
			if want := a*float64(z[j]) - s*float64(x[j]); math.Abs(float64(v[j])-want) > 1e-6 {
				t.Errorf("v[%d] = %v, want %v", j, v[j], want)
			}
			if got := s*float64(xt[j]) + a*float64(v[j]); math.Abs(got-float64(z[j])) > 1e-6 {
				t.Errorf("s x_t + a v = %v at %d, want z = %v", got, j, z[j])
			}
			if got := a*float64(xt[j]) - s*float64(v[j]); math.Abs(got-float64(x[j])) > 1e-6 {
				t.Errorf("a x_t - s v = %v at %d, want x = %v", got, j, x[j])
			}
		}
	}
}

// TestOTPairWithin checks that the pairing stays within each group: a row
// of x0 ends at a place of its own group, each group's rows are a
// permutation of their own, and a group's pairing is OTPair's on its rows.
func TestOTPairWithin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const B, d = 9, 2
	groups := []int32{2, 0, 2, 1, 0, 2, 1, 0, 2}
	x0, x1 := make([]float32, B*d), make([]float32, B*d)
	for i := range x0 {
		x0[i], x1[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	orig := append([]float32(nil), x0...)
	OTPairWithin(x0, x1, d, groups)
	for _, g := range []int32{0, 1, 2} {
		var a, b, got []float32
		for i, gi := range groups {
			if gi == g {
				a = append(a, orig[i*d:(i+1)*d]...)
				b = append(b, x1[i*d:(i+1)*d]...)
				got = append(got, x0[i*d:(i+1)*d]...)
			}
		}
		OTPair(a, b, d)
		for k := range a {
			if a[k] != got[k] {
				t.Fatalf("group %d: rows %v, want OTPair's %v", g, got, a)
			}
		}
	}
	if slices.Equal(x0, orig) {
		t.Error("OTPairWithin changed nothing (the test's draw should need a change)")
	}
}
