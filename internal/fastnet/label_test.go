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

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// withEmbedding gives net's label embedding random values (New starts it
// at zero, which would leave the rows' shifts untested) and returns the
// weights as Params.
func withEmbedding(t *testing.T, net *scorenet.Net, rng *rand.Rand) fastnet.Params {
	t.Helper()
	cfg := net.Config()
	emb := make([]float32, (len(cfg.Labels)+1)*cfg.Width)
	for i := range emb {
		emb[i] = float32(0.3 * rng.NormFloat64())
	}
	if err := net.Store().GetVariable("/scorenet/label/embedding").SetValue(tensors.FromFlatDataAndDimensions(emb, len(cfg.Labels)+1, cfg.Width)); err != nil {
		t.Fatal(err)
	}
	return weightsOf(t, net)
}

// gradsOf returns the loss and the gradients of the trainable variables
// the graph of loss uses, naming them in *paths.
func gradsOf(net *scorenet.Net, loss *graph.Node, paths *[]string) []*graph.Node {
	var vars []*graph.Node
	*paths = (*paths)[:0]
	for v := range net.Scope().IterVariables() {
		if v.Trainable && v.InUseByGraph(loss.Graph()) {
			vars = append(vars, v.NodeValue(loss.Graph()))
			*paths = append(*paths, v.Path())
		}
	}
	return append([]*graph.Node{loss}, graph.Gradient(loss, vars...)...)
}

// compareGrads checks the loss and every gradient against GoMLX's (out:
// loss, then gradients named by paths), which must include the label
// embedding's, to 1e-4 relative (the bound and its reasons of
// TestGradientMatchesGoMLX and TestTimeGradientMatchesGoMLX: float32 sums
// in different orders; the embedding's gradient is a sum of the rows'
// first-layer gradients, as b_0's).
func compareGrads(t *testing.T, out []*tensors.Tensor, paths []string, loss float64, grad *fastnet.Params, depth int) {
	t.Helper()
	want := float64(tensors.ToScalar[float32](out[0]))
	if e := math.Abs(loss-want) / want; !(e <= 1e-4) {
		t.Errorf("loss %v, GoMLX %v (relative difference %.3g)", loss, want, e)
	}
	if len(paths) != 3+2*(depth+1) {
		t.Fatalf("GoMLX trains %d variables: %v", len(paths), paths)
	}
	for i, path := range paths {
		if e := numtest.RelErr(paramOf(t, grad, path), toFloat32s(t, out[1+i])); !(e <= 1e-4) {
			t.Errorf("%s: relative difference %.3g > 1e-4", path, e)
		} else {
			t.Logf("%s: relative difference %.2g", path, e)
		}
	}
}

// labelsOf draws n labels of a network of C labels, the null label C
// among them.
func labelsOf(n, C int, rng *rand.Rand) []int32 {
	l := make([]int32, n)
	for i := range l {
		l[i] = int32(rng.IntN(C + 1))
	}
	return l
}

// TestLabelledGradientMatchesGoMLX compares the loss and every gradient of
// a labelled network's one-level step (Trainer.GradientOneLevelLabelled)
// with GoMLX's reverse-mode gradient of objective.OneLevel on
// scorenet.Net.ScoresLabelled, the label embedding's included, at d = 2
// (one block with padding rows, and several blocks) and on a wide d = 64
// (wide.go's products), with every kernel set of the CPU.
func TestLabelledGradientMatchesGoMLX(t *testing.T) {
	for ci, c := range []struct {
		cfg scorenet.Config
		n   int
	}{
		{scorenet.Config{Features: 8, Width: 16, Depth: 2, Sigmas: sgm.Schedule{1, 0.3, 0.05, 0.01}, Labels: []string{"a", "b", "c"}}, 37},
		{scorenet.Config{Dim: 3, Features: 7, Width: 40, Depth: 3, Sigmas: sgm.Schedule{0.8, 0.1, 1e-3}, Labels: []string{"a", "b"}}, 150},
		{scorenet.Config{Dim: 64, Features: 8, Width: 40, Depth: 2, Sigmas: sgm.Schedule{1, 0.1, 0.01}, Labels: []string{"a", "b", "c", "d"}}, 20},
	} {
		rng := rand.New(rand.NewPCG(uint64(ci), 78))
		net, _ := gomlxNet(t, c.cfg, rng)
		p := withEmbedding(t, net, rng)
		cfg := net.Config()
		sigmas := []float64(cfg.Sigmas)
		d, L, n := cfg.Dim, len(sigmas), c.n
		x, z := make([]float32, n*d), make([]float32, n*d)
		for i := range x {
			x[i], z[i] = float32(rng.Float64()), float32(rng.NormFloat64())
		}
		levels := make([]int32, n)
		for i := range levels {
			levels[i] = int32(rng.IntN(L))
		}
		labels := labelsOf(n, len(cfg.Labels), rng)
		var paths []string
		exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(_ *model.Scope, x, level, z, label *graph.Node) []*graph.Node {
			score := func(x, level *graph.Node) *graph.Node { return net.ScoresLabelled(net.Scope(), x, level, label) }
			return gradsOf(net, objective.OneLevel(score, sigmas, x, level, z), &paths)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, n, d), tensors.FromFlatDataAndDimensions(levels, n),
			tensors.FromFlatDataAndDimensions(z, n, d), tensors.FromFlatDataAndDimensions(labels, n))
		exec.Finalize()
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("d=%d,W=%d,C=%d,n=%d", d, cfg.Width, len(cfg.Labels), n), func(t *testing.T) {
			fastnet.EachKernelSet(t, func(t *testing.T) {
				tr, err := fastnet.NewTrainer(p, 1e-3)
				if err != nil {
					t.Fatal(err)
				}
				var grad fastnet.Params
				loss := tr.GradientOneLevelLabelled(&grad, x, levels, labels, z, sigmas)
				compareGrads(t, out, paths, loss, &grad, cfg.Depth)
			})
		})
	}
}

// TestLabelledTimeGradientMatchesGoMLX is TestLabelledGradientMatchesGoMLX
// for a labelled time-conditioned network (TimeTrainer.GradientLabelled
// against objective.Regression on scorenet.Net.TimeOutputLabelled), for a
// VP score and a flow, narrow and wide.
func TestLabelledTimeGradientMatchesGoMLX(t *testing.T) {
	for _, process := range []string{"vp", "flow"} {
		for ci, c := range []struct{ d, W, B int }{{2, 16, 37}, {16, 24, 70}} {
			cfg := scorenet.Config{Dim: c.d, Features: 6, Width: c.W, Depth: 2, Activation: "relu",
				Conditioning: "time", Process: process, TimeFeatures: 3, Labels: []string{"a", "b", "c"}}
			rng := rand.New(rand.NewPCG(uint64(ci), 92))
			net, _ := timeNet(t, cfg, rng)
			p := withEmbedding(t, net, rng)
			xt, times, target := timeBatch(net, c.B, rng)
			labels := labelsOf(c.B, 3, rng)
			var paths []string
			exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(_ *model.Scope, x, tt, y, label *graph.Node) []*graph.Node {
				out := func(x, tt *graph.Node) *graph.Node { return net.TimeOutputLabelled(net.Scope(), x, tt, label) }
				return gradsOf(net, objective.Regression(out, x, tt, y), &paths)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(xt, c.B, c.d), tensors.FromFlatDataAndDimensions(times, c.B),
				tensors.FromFlatDataAndDimensions(target, c.B, c.d), tensors.FromFlatDataAndDimensions(labels, c.B))
			exec.Finalize()
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("%s/d=%d,W=%d,B=%d", process, c.d, c.W, c.B), func(t *testing.T) {
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
					loss := tt.GradientLabelled(&grad, xt, times, labels, target)
					compareGrads(t, out, paths, loss, &grad, cfg.Depth)
				})
			})
		}
	}
}

// TestLabelsMisuse checks the trainer's panics: labels for a network
// without an embedding, a label out of range, a count that is not the
// batch's.
func TestLabelsMisuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sigmas := sgm.Schedule{1, 0.1}
	plain, _ := gomlxNet(t, scorenet.Config{Features: 4, Width: 8, Depth: 1, Sigmas: sigmas}, rng)
	labelled, _ := gomlxNet(t, scorenet.Config{Features: 4, Width: 8, Depth: 1, Sigmas: sigmas, Labels: []string{"a"}}, rng)
	x, z := []float32{0.1, 0.2, 0.3, 0.4}, []float32{1, -1, 0.5, 0.2}
	levels := []int32{0, 1}
	for _, c := range []struct {
		net    *scorenet.Net
		labels []int32
	}{{plain, []int32{0, 0}}, {labelled, []int32{0, 2}}, {labelled, []int32{0}}} {
		tr, err := fastnet.NewTrainer(weightsOf(t, c.net), 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("labels %v of a network of %d labels: no panic", c.labels, len(c.net.Config().Labels))
				}
			}()
			tr.StepOneLevelLabelled(x, levels, c.labels, z, sigmas)
		}()
	}
}
