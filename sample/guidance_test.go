package sample

import (
	"math"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// counted is a Scorer that counts its evaluations.
type counted struct {
	sgm.Scorer
	n int
}

func (c *counted) ScoreBatch(dst, x []float64) { c.n++; c.Scorer.ScoreBatch(dst, x) }

// TestGuided checks guidance on two Gaussians of one variance σ², the
// conditional N(μ_c, σ²) and the unconditional N(μ_u, σ²): p_u^{-W}
// p_c^{1+W} is then N(μ_c + W(μ_c - μ_u), σ²), whose score the guided one
// must equal (to rounding), and counts evaluations: W = 0 evaluates the
// conditional score only, W > 0 both once.
func TestGuided(t *testing.T) {
	gauss := func(mu float64) *dist.Mixture {
		m, err := dist.NewMixture([]dist.Component{{Weight: 1, Mean: []float64{mu, -mu}, Std: []float64{0.5, 0.5}}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	const muC, muU = 1.0, -0.5
	x := []float64{0.3, 0.2, -1, 2}
	for _, w := range []float64{0, 1, 3, 7} {
		c, u := &counted{Scorer: gauss(muC)}, &counted{Scorer: gauss(muU)}
		g := &Guided{Cond: c, Uncond: u, W: w}
		dst := make([]float64, len(x))
		g.ScoreBatch(dst, x)
		want := make([]float64, len(x))
		gauss(muC+w*(muC-muU)).ScoreBatch(want, x)
		for i := range dst {
			if math.Abs(dst[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
				t.Errorf("W=%v: score[%d] = %v, want %v", w, i, dst[i], want[i])
			}
		}
		if wantU := min(1, int(w)); c.n != 1 || u.n != wantU {
			t.Errorf("W=%v: %d conditional and %d unconditional evaluations, want 1 and %d", w, c.n, u.n, wantU)
		}
	}
	for _, w := range []float64{math.NaN(), -1, math.Inf(1), MaxGuidance + 1} {
		if err := CheckGuidance(w); err == nil || !strings.Contains(err.Error(), "guidance must be in [0, 100]") {
			t.Errorf("CheckGuidance(%v): %v", w, err)
		}
	}
}
