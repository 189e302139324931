package fastnet_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// timeNet is a time-conditioned scorenet.Net with random maps a and b
// (their initial α(t) = 1, β(t) = 0 would leave most of their gradient
// untested) and its weights as Params.
func timeNet(t *testing.T, cfg scorenet.Config, rng *rand.Rand) (*scorenet.Net, fastnet.Params) {
	t.Helper()
	net, err := scorenet.New(gobackend.GetBackend(), cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	E := 2*net.Config().TimeFeatures + 1
	for _, c := range []struct {
		name       string
		base, half float64
	}{{"alpha", 1, 0.3}, {"beta", 0, 0.2}} {
		v := make([]float32, E)
		for i := range v {
			v[i] = float32(c.half * (2*rng.Float64() - 1))
		}
		v[E-1] += float32(c.base) // the constant term of e(t)
		if err := net.Store().GetVariable("/scorenet/rf/" + c.name).SetValue(tensors.FromFlatDataAndDimensions(v, E)); err != nil {
			t.Fatal(err)
		}
	}
	return net, weightsOf(t, net)
}

// timeBatch draws a batch of the objective of net's process from rng as
// package train does: denoising score matching's perturbed points and
// targets -z under the process's SDE, or flow matching's interpolation.
func timeBatch(net *scorenet.Net, B int, rng *rand.Rand) (xt, times, target []float32) {
	cfg := net.Config()
	d := cfg.Dim
	x, z := make([]float32, B*d), make([]float32, B*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		z[i] = float32(rng.NormFloat64())
	}
	xt, target, times = make([]float32, B*d), make([]float32, B*d), make([]float32, B)
	if p, ok := cfg.SDE(); ok {
		objective.DrawTimes(times, objective.TimeEps, rng)
		objective.PerturbSDE(xt, target, x, z, times, p)
	} else {
		objective.DrawTimes(times, 0, rng)
		objective.InterpolateCFM(xt, target, x, z, times)
	}
	return xt, times, target
}

// TestTimeGradientMatchesGoMLX compares the loss and every gradient of the
// TimeTrainer with GoMLX's reverse-mode gradient of objective.Regression on
// scorenet.Net.TimeOutput, for each process (ve, vp, subvp: continuous
// denoising score matching; flow: cfm), at d = 2 and d = 5 and on a wide
// d = 16 (wide.go's products), with every kernel set of the CPU.
//
// Tolerance 1e-4 relative (numtest.RelErr, the norm of the difference over
// the norm of GoMLX's): both compute in float32, with sums over up to
// B·Width terms in different orders (the fused kernels fold α into the
// product f W_0 and β into the bias through Σ_i W_0[i, :]; the graph
// scales the features first) and cos and sin of ω t in float64 rounded to
// float32 here, float32 there: relative rounding of order √n·2⁻²⁴ ≈ 1e-6
// per sum, amplified by cancellation in the gradients: measured below
// 2e-6 for the dense layers and b, up to 4e-5 for a (whose terms carry
// cos and sin of ω t at up to 100 radians, where float32 evaluations
// differ in the last bits, and cancel in the sum over rows). The levels trainer's cross-check (TestGradientMatchesGoMLX)
// uses the same bound.
func TestTimeGradientMatchesGoMLX(t *testing.T) {
	cases := []struct {
		d, F, W, D, K, B int
	}{
		{2, 8, 16, 2, 4, 37},  // one block with padding rows
		{5, 7, 40, 3, 8, 150}, // three blocks, two workers where there are cores
		{16, 6, 24, 2, 3, 70}, // wide.go's products
	}
	for _, process := range []string{"ve", "vp", "subvp", "flow"} {
		for ci, c := range cases {
			cfg := scorenet.Config{Dim: c.d, Features: c.F, Width: c.W, Depth: c.D, Activation: "relu",
				Conditioning: "time", Process: process, TimeFeatures: c.K}
			rng := rand.New(rand.NewPCG(uint64(ci), 91))
			net, p := timeNet(t, cfg, rng)
			xt, times, target := timeBatch(net, c.B, rng)
			want, paths := graphTimeGrads(t, net, xt, times, target)
			name := fmt.Sprintf("%s/d=%d,F=%d,W=%d,D=%d,K=%d,B=%d", process, c.d, c.F, c.W, c.D, c.K, c.B)
			t.Run(name, func(t *testing.T) {
				fastnet.EachKernelSet(t, func(t *testing.T) {
					tr, err := fastnet.NewTrainer(p, 1e-3)
					if err != nil {
						t.Fatal(err)
					}
					tt, err := fastnet.NewTimeTrainer(tr, net.Config().TimeFrequencies())
					if err != nil {
						t.Fatal(err)
					}
					var grad fastnet.Params
					loss := tt.Gradient(&grad, xt, times, target)
					wl := float64(want[0][0])
					if e := math.Abs(loss-wl) / wl; !(e <= 1e-4) {
						t.Errorf("loss %v, GoMLX %v (relative difference %.3g)", loss, wl, e)
					}
					if len(paths) != 2+2*(c.D+1) {
						t.Fatalf("GoMLX trains %d variables: %v", len(paths), paths)
					}
					for i, path := range paths {
						if e := numtest.RelErr(paramOf(t, &grad, path), want[1+i]); !(e <= 1e-4) {
							t.Errorf("%s: relative difference %.3g > 1e-4", path, e)
						} else {
							t.Logf("%s: relative difference %.2g", path, e)
						}
					}
				})
			})
		}
	}
}

// graphTimeGrads returns GoMLX's loss (as want[0][0]) and the gradients of
// the trainable variables (want[1:], named by paths) of the regression
// loss of the batch.
func graphTimeGrads(t *testing.T, net *scorenet.Net, xt, times, target []float32) (want [][]float32, paths []string) {
	t.Helper()
	B, d := len(times), net.Config().Dim
	out := func(x, tt *graph.Node) *graph.Node { return net.TimeOutput(net.Scope(), x, tt) }
	exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(_ *model.Scope, x, tt, y *graph.Node) []*graph.Node {
		loss := objective.Regression(out, x, tt, y)
		var vars []*graph.Node
		paths = paths[:0]
		for v := range net.Scope().IterVariables() {
			if v.Trainable && v.InUseByGraph(loss.Graph()) {
				vars = append(vars, v.NodeValue(loss.Graph()))
				paths = append(paths, v.Path())
			}
		}
		return append([]*graph.Node{loss}, graph.Gradient(loss, vars...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	res, err := exec.Exec(tensors.FromFlatDataAndDimensions(xt, B, d), tensors.FromFlatDataAndDimensions(times, B),
		tensors.FromFlatDataAndDimensions(target, B, d))
	if err != nil {
		t.Fatal(err)
	}
	want = [][]float32{{tensors.ToScalar[float32](res[0])}}
	for _, r := range res[1:] {
		want = append(want, toFloat32s(t, r))
	}
	return want, paths
}

// TestNewTimeTrainerSizes checks that a trainer whose Alpha and Beta do not
// have 2K+1 values for K frequencies is refused with an error.
func TestNewTimeTrainerSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	_, p := timeNet(t, scorenet.Config{Features: 4, Width: 8, Depth: 1, Activation: "relu", Conditioning: "time", Process: "vp", TimeFeatures: 3}, rng)
	tr, err := fastnet.NewTrainer(p, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fastnet.NewTimeTrainer(tr, []float64{1, 10}); err == nil {
		t.Error("2 frequencies for 7 values of Alpha: no error")
	}
	if _, err := fastnet.NewTimeTrainer(tr, []float64{1, 10, math.NaN()}); err == nil {
		t.Error("a NaN frequency: no error")
	}
	if _, err := fastnet.NewTimeTrainer(tr, []float64{1, 10, 100}); err != nil {
		t.Error(err)
	}
}
