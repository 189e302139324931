package objective

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sde"
)

// The batches of the continuous-time objectives (continuous.go), drawn in
// Go from an explicit source.

// DrawTimes sets t to independent uniform times on [lo, 1].
func DrawTimes(t []float32, lo float64, rng *rand.Rand) {
	for i := range t {
		t[i] = float32(lo + (1-lo)*rng.Float64())
	}
}

// PerturbSDE fills the batch of denoising score matching under p: for the
// data points x (B×d), the standard normal noise z and the times t (one per
// point, in [0, 1]), xt = a(t) x + s(t) z and target = -z. It panics on
// lengths that do not match.
func PerturbSDE(xt, target, x, z, t []float32, p sde.SDE) {
	perturb("PerturbSDE", xt, target, x, z, t, p, false)
}

// InterpolateCFM fills the batch of conditional flow matching: for the data
// points x1, the source points x0 (B×d) and the times t,
// xt = (1-t) x0 + t x1 and target = x1 - x0.
func InterpolateCFM(xt, target, x1, x0, t []float32) {
	d := checkBatch("InterpolateCFM", xt, target, x1, x0, t)
	for i, ti := range t {
		for j := i * d; j < (i+1)*d; j++ {
			xt[j] = (1-ti)*x0[j] + ti*x1[j]
			target[j] = x1[j] - x0[j]
		}
	}
}

// OTPair reorders the rows of x0 (B×d) so that row i goes with row i of x1
// in an optimal transport plan between the two batches for the squared
// Euclidean cost: the exact assignment (metric.Assignment), as OT-CFM's
// minibatch coupling (torchcfm's OTPlanSampler with method "exact" draws
// from the same plan, a permutation for equal batches).
func OTPair(x0, x1 []float32, d int) {
	if d < 1 || len(x0) != len(x1) || len(x0)%d != 0 {
		panic(fmt.Sprintf("objective: OTPair: len(x0)=%d, len(x1)=%d in dimension %d", len(x0), len(x1), d))
	}
	B := len(x0) / d
	if B == 0 {
		return
	}
	cost := make([]float64, B*B)
	for i := range B {
		for j := range B {
			var c float64
			for k := range d {
				diff := float64(x1[i*d+k] - x0[j*d+k])
				c += diff * diff
			}
			cost[i*B+j] = c
		}
	}
	rowTo, _ := metric.Assignment(cost, B)
	src := append([]float32(nil), x0...)
	for i, j := range rowTo {
		copy(x0[i*d:(i+1)*d], src[j*d:(j+1)*d])
	}
}

// OTPairWithin is OTPair within each group: the rows of x1 whose groups
// (one per row) are equal are paired, by OTPair, with the rows of x0 at
// the same places, so that each group's x0 rows stay a draw of the source
// of their own. A class-conditional flow needs it (OT-CFM with labels):
// pairing across classes would give each class the source points nearest
// it, not N(0, I), and the flow of a class sampled from N(0, I) would not
// be the one trained.
func OTPairWithin(x0, x1 []float32, d int, groups []int32) {
	if d < 1 || len(x0) != len(x1) || len(x0) != len(groups)*d {
		panic(fmt.Sprintf("objective: OTPairWithin: len(x0)=%d, len(x1)=%d, %d groups in dimension %d", len(x0), len(x1), len(groups), d))
	}
	rows := map[int32][]int{}
	var order []int32
	for i, g := range groups {
		if rows[g] == nil {
			order = append(order, g)
		}
		rows[g] = append(rows[g], i)
	}
	var a, b []float32
	for _, g := range order {
		a, b = a[:0], b[:0]
		for _, i := range rows[g] {
			a = append(a, x0[i*d:(i+1)*d]...)
			b = append(b, x1[i*d:(i+1)*d]...)
		}
		OTPair(a, b, d)
		for k, i := range rows[g] {
			copy(x0[i*d:(i+1)*d], a[k*d:(k+1)*d])
		}
	}
}

// checkBatch returns the dimension of a batch of len(t) points whose
// buffers all hold len(t)·d values, and panics otherwise.
func checkBatch(who string, xt, target, x, z, t []float32) int {
	if len(t) == 0 || len(x)%len(t) != 0 || len(x) == 0 {
		panic(fmt.Sprintf("objective: %s: %d values for %d times", who, len(x), len(t)))
	}
	for _, b := range [][]float32{xt, target, z} {
		if len(b) != len(x) {
			panic(fmt.Sprintf("objective: %s: buffers of %d and %d values", who, len(b), len(x)))
		}
	}
	return len(x) / len(t)
}

// PerturbSDEV is PerturbSDE with the target of a v-prediction
// (Salimans & Ho 2022): target = v = a(t) z - s(t) x, for a network whose
// score is -x_t - (a/s) v under VP (scorenet.PredictV).
func PerturbSDEV(xt, target, x, z, t []float32, p sde.SDE) {
	perturb("PerturbSDEV", xt, target, x, z, t, p, true)
}

// perturb fills the batch of PerturbSDE, or of PerturbSDEV with v.
func perturb(who string, xt, target, x, z, t []float32, p sde.SDE, v bool) {
	d := checkBatch(who, xt, target, x, z, t)
	for i, ti := range t {
		a, s := p.Marginal(float64(ti))
		for j := i * d; j < (i+1)*d; j++ {
			xt[j] = float32(a*float64(x[j]) + s*float64(z[j]))
			if v {
				target[j] = float32(a*float64(z[j]) - s*float64(x[j]))
			} else {
				target[j] = -z[j]
			}
		}
	}
}
