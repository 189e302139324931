package likelihood

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// TestBatches: solving the points in batches, each with its own steps,
// gives every point's log-density to the tolerances as one solve does
// (against the closed form within 1e-3 nats at 1e-6), reports progress
// after each batch, and sums the evaluations.
func TestBatches(t *testing.T) {
	data := mustMixture(t, []dist.Component{
		{Weight: 0.5, Mean: []float64{1, 1}, Std: []float64{0.3, 0.5}},
		{Weight: 0.5, Mean: []float64{-1, 0.5}, Std: []float64{0.4, 0.2}},
	})
	oracle, err := sde.NewMixture(vp, data)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	x := data.Sample(nil, n, rand.New(rand.NewPCG(7, 8)))
	var done, nfes []int
	o := ODE{RTol: 1e-6, ATol: 1e-6, Prior: oracle.At(1).LogProb, Batch: 7,
		Progress: func(d, total, nfe int) {
			if total != n {
				t.Errorf("progress of %d points, want %d", total, n)
			}
			done, nfes = append(done, d), append(nfes, nfe)
		}}
	got := make([]float64, n)
	nfe, err := o.LogProb(got, x, vp, oracle)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, []int{7, 14, 20}) || nfes[2] != nfe || !(nfes[0] < nfes[1] && nfes[1] < nfes[2]) {
		t.Errorf("progress after %v points, at %v evaluations; the solve took %d", done, nfes, nfe)
	}
	pe := oracle.At(1e-5)
	for i := range n {
		if want := pe.LogProb(x[2*i : 2*i+2]); math.Abs(got[i]-want) > 1e-3 {
			t.Errorf("point %d: batched log p %.6f, closed form %.6f", i, got[i], want)
		}
	}
	if err := (ODE{Batch: -1}).Validate(); err == nil {
		t.Error("a negative batch is valid")
	}
}

// TestDefaultTolMean: at DefaultRTol and DefaultATol, in DefaultBatch batches, the mean log
// p of 500 draws of a two-mode mixture under VP is within 0.005 nats of
// the closed form and under a tenth of its standard error over those
// draws (0.033; the error was 6e-5): the tolerance moves the NLL far less
// than sampling does.
func TestDefaultTolMean(t *testing.T) {
	data, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	oracle, err := sde.NewMixture(vp, data)
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	x := data.Sample(nil, n, rand.New(rand.NewPCG(9, 10)))
	got := make([]float64, n)
	o := ODE{RTol: DefaultRTol, ATol: DefaultATol, Prior: oracle.At(1).LogProb, Batch: DefaultBatch}
	if _, err := o.LogProb(got, x, vp, oracle); err != nil {
		t.Fatal(err)
	}
	pe := oracle.At(1e-5)
	var diff, sum, sum2 float64
	for i := range n {
		want := pe.LogProb(x[2*i : 2*i+2])
		diff += (got[i] - want) / n
		sum += want
		sum2 += want * want
	}
	se := math.Sqrt((sum2/n - (sum/n)*(sum/n)) / n)
	if math.Abs(diff) > 0.005 || math.Abs(diff) > se/10 {
		t.Errorf("mean log p off by %.2g nats at the default tolerance; standard error %.2g", diff, se)
	}
	t.Logf("mean error %.2g nats, standard error %.2g", diff, se)
}

// nanFar is the field v = -x, ∇·v = -d, but NaN at points beyond 1e10.
type nanFar struct{}

func (nanFar) Dim() int { return 2 }

func (nanFar) VelocityDivAt(dst, div, x []float64, _ float64) {
	for i := range div {
		div[i] = -2
		for j := 2 * i; j < 2*i+2; j++ {
			dst[j] = -x[j]
			if math.Abs(x[2*i]) > 1e10 {
				dst[j] = math.NaN()
			}
		}
	}
}

// TestBatchNamesPoint: a point the solver finds not finite is named by
// its index among all the points, not within its batch.
func TestBatchNamesPoint(t *testing.T) {
	x := make([]float64, 2*20)
	x[2*15] = 1e20
	_, err := ODE{Batch: 7}.Flow(make([]float64, 20), x, nanFar{}, 0, 1, StdNormalLogProb)
	var nf *ode.NotFiniteError
	if !errors.As(err, &nf) || nf.Point != 15 {
		t.Errorf("error %v: want the point 15 named", err)
	}
}
