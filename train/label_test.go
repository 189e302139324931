package train

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/scorenet"
)

// twoLabelled draws (0.25, 0.25) with label 0 or (0.75, 0.75) with label 1,
// with equal probability.
type twoLabelled struct{}

func (twoLabelled) Dim() int { return 2 }

func (twoLabelled) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x, _ := twoLabelled{}.SampleLabelled(dst, n, rng)
	return x
}

func (twoLabelled) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x := sgm.SampleDst("twoLabelled", dst, n, 2)
	labels := make([]int, n)
	for i := range n {
		labels[i] = rng.IntN(2)
		v := 0.25 + 0.5*float64(labels[i])
		x[2*i], x[2*i+1] = v, v
	}
	return x, labels
}

func labelledSmallNet(t *testing.T) *scorenet.Net {
	t.Helper()
	sigmas, _ := sgm.Geometric(0.05, 0.5, 4)
	net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Features: 16, Width: 32, Depth: 2, Sigmas: sigmas, Labels: []string{"low", "high"}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestLabelledTraining trains a labelled network on two points, each its
// own label, and checks that it learned the conditional scores: at the
// midpoint (0.5, 0.5), at the largest level σ = 0.5 (where the perturbed
// data lie; at σ = 0.05 the midpoint is 5σ from both), the score of label
// "low" points down towards (0.25, 0.25) and that of "high" up towards
// (0.75, 0.75), each coordinate by more than half the exact conditional
// score there, ∓0.25/σ² = ∓1 (a network that ignored the labels would give
// both the unconditional score, 0 at the midpoint by symmetry). It also checks that two runs with one seed agree bit for bit.
func TestLabelledTraining(t *testing.T) {
	run := func() *scorenet.Net {
		net := labelledSmallNet(t)
		_, err := Run(context.Background(), net, twoLabelled{}, Settings{Steps: 400, Batch: 64, LearningRate: 3e-3, Objective: OneLevel, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	net := run()
	x := []float64{0.5, 0.5}
	low, high := make([]float64, 2), make([]float64, 2)
	if err := net.ScoreBatchLabelled(low, x, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := net.ScoreBatchLabelled(high, x, 3, 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("score at the midpoint: low %v, high %v", low, high)
	for j := range 2 {
		if !(low[j] < -0.5) || !(high[j] > 0.5) {
			t.Errorf("coordinate %d: score of low %v, of high %v: want below -0.5 and above 0.5", j, low[j], high[j])
		}
	}
	again := run()
	w1, _ := net.Weights()
	w2, _ := again.Weights()
	if !slices.Equal(w1.Label, w2.Label) || !slices.Equal(w1.Dense[0], w2.Dense[0]) {
		t.Error("two runs with one seed differ")
	}
}

func TestLabelledTrainingErrors(t *testing.T) {
	for _, c := range []struct {
		data Sampler
		s    Settings
		want string
	}{
		{twoPoints{}, Settings{Steps: 1, Objective: OneLevel}, "needs labelled data"},
		{twoLabelled{}, Settings{Steps: 1, Objective: AllLevels}, "one-level objective"},
		{twoLabelled{}, Settings{Steps: 1, Objective: OneLevel, LabelDropout: 1}, "label dropout must be in [0, 1)"},
		{badLabels{}, Settings{Steps: 1, Objective: OneLevel}, "label 2, out of range [0, 2)"},
	} {
		_, err := Run(context.Background(), labelledSmallNet(t), c.data, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T %+v: %v, want an error with %q", c.data, c.s.Objective, err, c.want)
		}
	}
}

// badLabels gives label 2 to a network of two labels.
type badLabels struct{ twoLabelled }

func (badLabels) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x, l := twoLabelled{}.SampleLabelled(dst, n, rng)
	l[0] = 2
	return x, l
}

// TestDropLabels checks the share of labels label dropout replaces: 0.1
// of 100000 within 5 binomial standard errors (sqrt(n p (1-p)) ≈ 95).
func TestDropLabels(t *testing.T) {
	labels := make([]int32, 100000)
	dropLabels(labels, 7, 0.1, rand.New(rand.NewPCG(1, 1)))
	var k int
	for _, l := range labels {
		if l == 7 {
			k++
		}
	}
	if k < 10000-5*95 || k > 10000+5*95 {
		t.Errorf("%d of 100000 labels dropped, want 10000 ± 475", k)
	}
}
