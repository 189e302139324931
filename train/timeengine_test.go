package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
)

// twoModes is the tests' data: two unequal modes at unit scale, the scale
// of VP's prior N(0, I) and of flow matching's source.
func twoModes(t *testing.T) *dist.Mixture {
	t.Helper()
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.3, Mean: []float64{-1, -1}, Std: []float64{0.3, 0.3}},
		{Weight: 0.7, Mean: []float64{1, 1}, Std: []float64{0.3, 0.3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// gaussianNLL is the NLL of twoModes under its moment-matched Gaussian,
// N(0.4·1, 0.93 I) (mean 0.3·(-1) + 0.7·1; variance 0.09 + 0.21·2²): the
// NLL of a model that has not learnt that there are two modes,
// log(2π·0.93) + 1 = 2.77 nats. The exact NLL is about 1.1.
const gaussianNLL = 2.77

// trainTimed trains a small time-conditioned network of process with
// objective o (its default if "") on data and returns it.
func trainTimed(t *testing.T, data *dist.Mixture, process string, o Objective, width, steps int) *scorenet.Net {
	t.Helper()
	backend, err := scorenet.SequentialGoBackend() // Run refuses the parallel one (TestRunRefusesTimedOnParallelGoBackend)
	if err != nil {
		t.Fatal(err)
	}
	cfg := scorenet.Config{Features: width / 2, Width: width, Depth: 2, Activation: "softplus", Conditioning: "time", Process: process}
	net, err := scorenet.New(backend, cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	h, err := Run(context.Background(), net, data, Settings{Steps: steps, Batch: 128, LearningRate: 1e-2, Objective: o, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(began)
	t.Logf("%s %s: %d steps in %v (%.0f steps/s), final loss %.4f", process, o, steps, el.Round(time.Millisecond), float64(steps)/el.Seconds(), h[len(h)-1].Loss)
	return net
}

// heldOut returns n held-out points of data and their mean exact NLL.
func heldOut(data *dist.Mixture, n int) (x []float64, exact float64) {
	x = data.Sample(nil, n, rand.New(rand.NewPCG(99, 100)))
	d := data.Dim()
	for i := 0; i < len(x); i += d {
		exact -= data.LogProb(x[i:i+d]) / float64(n)
	}
	return x, exact
}

// checkModel checks the mode weights of samples x of a model of twoModes
// and its NLL on held-out points (log-densities lp, of the points
// heldOut(data, len(lp)) gave with exact NLL exact): the first weight
// within wTol of 0.3, the NLL within nllTol above the exact one and below
// the moment-matched Gaussian's.
func checkModel(t *testing.T, data *dist.Mixture, x, lp []float64, exact, wTol, nllTol float64) {
	t.Helper()
	w := metric.ModeWeights(data, x)
	var nll float64
	for _, v := range lp {
		nll -= v / float64(len(lp))
	}
	t.Logf("mode weights %.3f; held-out NLL %.4f nats, exact %.4f", w, nll, exact)
	if math.Abs(w[0]-0.3) > wTol {
		t.Errorf("mode weights %.3f, want 0.3 ± %v", w, wTol)
	}
	// The model's NLL is above the exact one but for sampling error (the
	// standard error of the mean of 100 log-densities is about 0.07).
	if nll < exact-0.2 || nll > exact+nllTol || nll > gaussianNLL-0.5 {
		t.Errorf("held-out NLL %.4f, want within [-0.2, %v] of the exact %.4f and below the Gaussian's %v", nll, nllTol, exact, gaussianNLL)
	}
}

// TestContinuousVP trains a score network under VP in continuous time,
// samples it with the probability-flow ODE and takes the likelihood of
// held-out points. Measured (1000 steps): weights 0.332/0.668 (0.23 after
// 600 steps), NLL 1.68 vs the exact 1.09: λ(t) = s(t)² gives the small
// times, where the likelihood integral is largest, little weight (Song et
// al. 2021b weight by g(t)² for likelihood). Bounds: 0.1 on the weight
// (5 standard errors of 500 samples), 1 nat on the NLL.
func TestContinuousVP(t *testing.T) {
	data := twoModes(t)
	checkVPModel(t, data, trainTimed(t, data, "vp", "", 64, 1000))
}

// checkVPModel samples a VP score model of data with the probability-flow
// ODE and takes the likelihood of held-out points, with TestContinuousVP's
// bounds.
func checkVPModel(t *testing.T, data *dist.Mixture, net *scorenet.Net) {
	t.Helper()
	score, err := net.TimeScore()
	if err != nil {
		t.Fatal(err)
	}
	p := score.SDE()
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 2*500)
	sde.PriorSample(p, x, rng)
	if _, err := (sample.Flow{RTol: 1e-3, ATol: 1e-3}).Sample(x, p, score, rng); err != nil {
		t.Fatal(err)
	}
	xs, exact := heldOut(data, 100)
	lp := make([]float64, 100)
	if _, err := (likelihood.ODE{RTol: 1e-3, ATol: 1e-3}).LogProb(lp, xs, p, score); err != nil {
		t.Fatal(err)
	}
	checkModel(t, data, x, lp, exact, 0.1, 1)
}

// Flow matching: measured (800 steps, width 32) weights 0.333 (cfm) and
// 0.304 (otcfm), NLL 1.20 and 1.24 vs the exact 1.09.
func TestCFM(t *testing.T)   { testFlow(t, CFM) }
func TestOTCFM(t *testing.T) { testFlow(t, OTCFM) }

func testFlow(t *testing.T, o Objective) {
	data := twoModes(t)
	checkFlowModel(t, data, trainTimed(t, data, "flow", o, 32, 800))
}

// checkFlowModel samples a flow model of data with the ODE solver and takes
// the likelihood of held-out points, with testFlow's bounds.
func checkFlowModel(t *testing.T, data *dist.Mixture, net *scorenet.Net) {
	t.Helper()
	v, err := net.Velocity()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 2*500)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if _, err := (sample.VelocityFlow{Solver: "ode", RTol: 1e-3, ATol: 1e-3}).Sample(x, v.VelocityAt); err != nil {
		t.Fatal(err)
	}
	xs, exact := heldOut(data, 100)
	lp := make([]float64, 100)
	if _, err := (likelihood.ODE{RTol: 1e-3, ATol: 1e-3}).FlowMatching(lp, xs, v); err != nil {
		t.Fatal(err)
	}
	checkModel(t, data, x, lp, exact, 0.1, 0.5)
}

// TestTimedObjectiveRefusals checks that objectives and conditionings
// that do not fit are refused.
func TestTimedObjectiveRefusals(t *testing.T) {
	backend, err := scorenet.GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	data := twoModes(t)
	for _, tc := range []struct {
		cfg  scorenet.Config
		o    Objective
		want string
	}{
		{scorenet.Config{Width: 8, Features: 4}, CFM, "needs a network conditioned on time"},
		{scorenet.Config{Width: 8, Features: 4, Conditioning: "time", Process: "flow"}, Continuous, "trains with objective cfm or otcfm"},
		{scorenet.Config{Width: 8, Features: 4, Conditioning: "time", Process: "ve"}, OTCFM, "trains with objective continuous"},
		{scorenet.Config{Width: 8, Features: 4, Conditioning: "time", Process: "vp"}, AllLevels, "trains with objective continuous"},
	} {
		net, err := scorenet.New(backend, tc.cfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Run(context.Background(), net, data, Settings{Steps: 1, Batch: 4, Objective: tc.o})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %s: error %v, want %q", tc.cfg, tc.o, err, tc.want)
		}
	}
}

// TestUnfitTimed checks that a time-conditioned network whose finite
// weights give infinite outputs is refused a checkpoint, naming the time.
func TestUnfitTimed(t *testing.T) {
	backend, err := scorenet.GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.New(backend, scorenet.Config{Width: 8, Features: 4, Depth: 1, Conditioning: "time", Process: "vp"}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	v := net.Store().GetVariable(scorenet.VariablePath("dense_1/biases"))
	big := []float32{3e38, 3e38}
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(big, 2)); err != nil {
		t.Fatal(err)
	}
	// With the last layer's biases near float32's largest value and its
	// weights 1e38, the output overflows to +Inf wherever a (non-negative,
	// ReLU) hidden unit is positive.
	w := net.Store().GetVariable(scorenet.VariablePath("dense_1/weights"))
	ones := make([]float32, 8*2)
	for i := range ones {
		ones[i] = 1e38
	}
	if err := w.SetValue(tensors.FromFlatDataAndDimensions(ones, 8, 2)); err != nil {
		t.Fatal(err)
	}
	why, err := unfit(net, []float64{0.1, 0.2, 1, -1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(why, "non-finite outputs at time") {
		t.Errorf("unfit: %q", why)
	}
}

// TestTimeBatchPrediction checks that a VP network that predicts v trains
// on the v target a z - s x (objective.PerturbSDEV), and one that predicts
// the noise on -z.
func TestTimeBatchPrediction(t *testing.T) {
	for _, pred := range []string{scorenet.PredictV, scorenet.PredictNoise} {
		cfg := scorenet.Config{Dim: 2, Conditioning: "time", Process: "vp", Prediction: pred}.WithDefaults()
		b := newTimeBatch(cfg, Settings{Batch: 2})
		copy(b.t, []float32{0.1, 0.6})
		x, z := []float32{1, -2, 0.5, 3}, []float32{0.3, 0.1, -1, 2}
		b.fill(x, z)
		p, _ := cfg.SDE()
		for i := range 2 {
			a, s := p.Marginal(float64(b.t[i]))
			for j := 2 * i; j < 2*i+2; j++ {
				want := -float64(z[j])
				if pred == scorenet.PredictV {
					want = a*float64(z[j]) - s*float64(x[j])
				}
				// float32 rounding of values below 4.
				if math.Abs(float64(b.target[j])-want) > 1e-6 {
					t.Errorf("%s: target[%d] = %v, want %v", pred, j, b.target[j], want)
				}
			}
		}
	}
}
