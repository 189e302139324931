package likelihood

import (
	"math"
	"math/rand/v2"
	"testing"
)

// linearVJP is the score s(x) = A x in 2-D with its vector-Jacobian
// products vᵀA, whose divergence is tr A.
type linearVJP struct{ a [4]float64 }

func (l linearVJP) Dim() int { return 2 }

func (l linearVJP) ScoreAt(dst, x []float64, _ float64) {
	for i := 0; i < len(x); i += 2 {
		dst[i] = l.a[0]*x[i] + l.a[1]*x[i+1]
		dst[i+1] = l.a[2]*x[i] + l.a[3]*x[i+1]
	}
}

func (l linearVJP) ScoreVJPAt(dst, vj, x, v []float64, t float64) {
	l.ScoreAt(dst, x, t)
	for i := 0; i < len(x); i += 2 {
		vj[i] = v[i]*l.a[0] + v[i+1]*l.a[2]
		vj[i+1] = v[i]*l.a[1] + v[i+1]*l.a[3]
	}
}

// TestHutchinsonVJP checks the estimator over vector-Jacobian products on
// a linear score: each probe gives tr A ± (A12 + A21), so the mean of P
// probes is within 5 (A12 + A21)/√P of the trace.
func TestHutchinsonVJP(t *testing.T) {
	s := linearVJP{[4]float64{1.5, 2, -0.5, -3}}
	const probes = 400
	h := HutchinsonVJP(s, probes, rand.New(rand.NewPCG(1, 2)))
	x := []float64{0.3, -1, 2, 0.5}
	dst, div := make([]float64, 4), make([]float64, 2)
	h.ScoreDivAt(dst, div, x, 0.5)
	for i := range div {
		if tol := 5 * 1.5 / math.Sqrt(probes); math.Abs(div[i]-(-1.5)) > tol {
			t.Errorf("point %d: divergence %v, want -1.5 ± %v", i, div[i], tol)
		}
	}
	want := []float64{1.5*0.3 + 2*-1, -0.5*0.3 + -3*-1}
	for i, w := range want {
		if math.Abs(dst[i]-w) > 1e-12 {
			t.Errorf("score %d: %v, want %v", i, dst[i], w)
		}
	}
}
