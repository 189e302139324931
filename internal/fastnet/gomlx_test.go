package fastnet_test

// Cross-checks of the trainer against the definition of the model: the
// graph of scorenet.Net.Scores, the losses of package objective, GoMLX's
// reverse-mode gradient and its Adam optimiser, on GoMLX's pure-Go backend.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// gomlxNet is a scorenet.Net with random α and β (its initial 1 and 0
// would leave parts of the gradient untested) and its weights as Params.
func gomlxNet(t *testing.T, cfg scorenet.Config, rng *rand.Rand) (*scorenet.Net, fastnet.Params) {
	t.Helper()
	net, err := scorenet.New(gobackend.GetBackend(), cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	cfg = net.Config()
	L := len(cfg.Sigmas)
	for _, c := range []struct {
		name   string
		lo, hi float64
	}{{"alpha", 0.7, 1.3}, {"beta", -0.2, 0.2}} {
		v := make([]float32, L)
		for i := range v {
			v[i] = float32(c.lo + (c.hi-c.lo)*rng.Float64())
		}
		if err := net.Store().GetVariable("/scorenet/rf/" + c.name).SetValue(tensors.FromFlatDataAndDimensions(v, L)); err != nil {
			t.Fatal(err)
		}
	}
	return net, weightsOf(t, net)
}

func weightsOf(t *testing.T, net *scorenet.Net) fastnet.Params {
	t.Helper()
	w, err := net.Weights()
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config
	return fastnet.Params{
		Dim: c.Dim, Features: c.Features, Width: c.Width, Depth: c.Depth,
		BCos: w.BCos, BSin: w.BSin, Alpha: w.Alpha, Beta: w.Beta,
		Dense: w.Dense, DenseBiases: w.DenseBiases, Label: w.Label,
	}
}

// paramOf returns the part of p that holds the GoMLX variable at path
// (e.g. /scorenet/dense_1/weights): the mapping the lead's wiring uses.
func paramOf(t *testing.T, p *fastnet.Params, path string) []float32 {
	t.Helper()
	switch {
	case path == "/scorenet/rf/alpha":
		return p.Alpha
	case path == "/scorenet/rf/beta":
		return p.Beta
	case path == "/scorenet/label/embedding":
		return p.Label
	}
	var k int
	var kind string
	if _, err := fmt.Sscanf(strings.Replace(path, "/", " ", 3), " scorenet dense_%d %s", &k, &kind); err != nil {
		t.Fatalf("unexpected variable %s", path)
	}
	if kind == "weights" {
		return p.Dense[k]
	}
	return p.DenseBiases[k]
}

func toFloat32s(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// gomlxCases are the networks of the cross-checks: small ones, and the
// seed's (with a small batch).
var gomlxCases = []struct {
	cfg scorenet.Config
	B   int
}{
	{scorenet.Config{Features: 8, Width: 16, Depth: 2, Sigmas: sgm.Schedule{1, 0.3, 0.05, 0.01}}, 7},
	{scorenet.Config{Dim: 3, Features: 7, Width: 40, Depth: 3, Sigmas: sgm.Schedule{0.8, 0.1, 1e-3}}, 30},
	{scorenet.Config{}, 3},
	{scorenet.Config{Dim: 8, Features: 6, Width: 24, Depth: 2, Sigmas: sgm.Schedule{1, 0.1, 0.01}}, 9},
	{scorenet.Config{Dim: 64, Features: 8, Width: 40, Depth: 2, Sigmas: sgm.Schedule{1, 0.1, 0.01}}, 5}, // wide.go's products
}

// TestGradientMatchesGoMLX compares the loss and every gradient of the
// trainer with GoMLX's, for both objectives.
func TestGradientMatchesGoMLX(t *testing.T) {
	for ci, c := range gomlxCases {
		rng := rand.New(rand.NewPCG(uint64(ci), 77))
		net, p := gomlxNet(t, c.cfg, rng)
		cfg := net.Config()
		sigmas := []float64(cfg.Sigmas)
		d, L, B := cfg.Dim, len(sigmas), c.B
		tr, err := fastnet.NewTrainer(p, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		score := func(x, level *graph.Node) *graph.Node { return net.Scores(net.Scope(), x, level) }
		// lossAndGrads returns the loss and the gradients of the trainable
		// variables, named in paths.
		var paths []string
		lossAndGrads := func(loss *graph.Node) []*graph.Node {
			g := loss.Graph()
			var vars []*graph.Node
			paths = paths[:0]
			for v := range net.Scope().IterVariables() {
				if v.Trainable && v.InUseByGraph(g) {
					vars = append(vars, v.NodeValue(g))
					paths = append(paths, v.Path())
				}
			}
			return append([]*graph.Node{loss}, graph.Gradient(loss, vars...)...)
		}
		compare := func(t *testing.T, out []*tensors.Tensor, loss float64, grad *fastnet.Params) {
			want := float64(tensors.ToScalar[float32](out[0]))
			if e := math.Abs(loss-want) / want; e > 1e-4 {
				t.Errorf("loss %v, GoMLX %v (relative difference %.3g)", loss, want, e)
			}
			if len(paths) != 2+2*(cfg.Depth+1) {
				t.Fatalf("GoMLX trains %d variables: %v", len(paths), paths)
			}
			for i, path := range paths {
				w := toFloat32s(t, out[1+i])
				if e := numtest.RelErr(paramOf(t, grad, path), w); !(e <= 1e-4) {
					t.Errorf("%s: relative difference %.3g > 1e-4", path, e)
				} else {
					t.Logf("%s: relative difference %.2g", path, e)
				}
			}
		}
		name := fmt.Sprintf("d=%d,F=%d,W=%d,D=%d,L=%d", d, cfg.Features, cfg.Width, cfg.Depth, L)

		t.Run(name+"/all-levels", func(t *testing.T) {
			x := make([]float32, B*d)
			for i := range x {
				x[i] = float32(rng.Float64())
			}
			z := make([]float32, B*L*d)
			for i := range z {
				z[i] = float32(rng.NormFloat64())
			}
			exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(_ *model.Scope, x, z *graph.Node) []*graph.Node {
				return lossAndGrads(objective.AllLevels(score, sigmas, x, z))
			})
			if err != nil {
				t.Fatal(err)
			}
			defer exec.Finalize()
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(z, B, L, d))
			if err != nil {
				t.Fatal(err)
			}
			var grad fastnet.Params
			loss := tr.GradientAllLevels(&grad, x, z, sigmas)
			compare(t, out, loss, &grad)
		})

		t.Run(name+"/one-level", func(t *testing.T) {
			n := 4 * B
			x := make([]float32, n*d)
			for i := range x {
				x[i] = float32(rng.Float64())
			}
			z := make([]float32, n*d)
			for i := range z {
				z[i] = float32(rng.NormFloat64())
			}
			levels := make([]int32, n)
			for i := range levels {
				levels[i] = int32(rng.IntN(L))
			}
			exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(_ *model.Scope, x, level, z *graph.Node) []*graph.Node {
				return lossAndGrads(objective.OneLevel(score, sigmas, x, level, z))
			})
			if err != nil {
				t.Fatal(err)
			}
			defer exec.Finalize()
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, n, d),
				tensors.FromFlatDataAndDimensions(levels, n), tensors.FromFlatDataAndDimensions(z, n, d))
			if err != nil {
				t.Fatal(err)
			}
			var grad fastnet.Params
			loss := tr.GradientOneLevel(&grad, x, levels, z, sigmas)
			compare(t, out, loss, &grad)
		})
	}
}

// TestAdamMatchesGoMLX trains the same network for a few steps with
// GoMLX's Adam (as package train runs it) and with the trainer, and
// compares the weights and the moments, found under the names that
// optimizer.Adam gives them.
func TestAdamMatchesGoMLX(t *testing.T) {
	const steps, lr = 4, 1e-3
	rng := rand.New(rand.NewPCG(5, 77))
	net, p := gomlxNet(t, scorenet.Config{Features: 8, Width: 16, Depth: 2, Sigmas: sgm.Schedule{1, 0.3, 0.05, 0.01}}, rng)
	cfg := net.Config()
	sigmas := []float64(cfg.Sigmas)
	d, L, B := cfg.Dim, len(sigmas), 16
	tr, err := fastnet.NewTrainer(p, lr)
	if err != nil {
		t.Fatal(err)
	}
	adam := optimizer.Adam().LearningRate(lr).Epsilon(fastnet.AdamEpsilon).Done()
	score := func(x, level *graph.Node) *graph.Node { return net.Scores(net.Scope(), x, level) }
	exec, err := model.NewExec(gobackend.GetBackend(), net.Store(), func(scope *model.Scope, x, z *graph.Node) *graph.Node {
		loss := objective.AllLevels(score, sigmas, x, z)
		adam.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	x := make([]float32, B*d)
	z := make([]float32, B*L*d)
	for step := 1; step <= steps; step++ {
		for i := range x {
			x[i] = float32(rng.Float64())
		}
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(z, B, L, d))
		if err != nil {
			t.Fatal(err)
		}
		want := float64(tensors.ToScalar[float32](out[0]))
		if got := tr.StepAllLevels(x, z, sigmas); math.Abs(got-want) > 1e-4*want {
			t.Errorf("step %d: loss %v, GoMLX %v", step, got, want)
		}
	}

	got := tr.Params()
	n, m, v := tr.AdamState()
	if s := net.Store().GetVariable("/AdamOptimizer/step"); s == nil {
		t.Error("no /AdamOptimizer/step in the store")
	} else if gs := tensors.ToScalar[float32](s.MustValue()); int64(gs) != n {
		t.Errorf("Adam step %v in GoMLX, %d in the trainer", gs, n)
	}
	for v0 := range net.Scope().IterVariables() {
		if !v0.Trainable {
			continue
		}
		path := v0.Path()
		start := paramOf(t, &p, path)
		want := toFloat32s(t, v0.MustValue())
		// Each step moves a weight by about lr; compare the moves.
		moved := func(w []float32) []float32 {
			s := make([]float32, len(w))
			for i := range w {
				s[i] = w[i] - start[i]
			}
			return s
		}
		if e := numtest.RelErr(moved(paramOf(t, &got, path)), moved(want)); !(e <= 1e-4) {
			t.Errorf("%s: the weights moved differently, relative difference %.3g", path, e)
		} else {
			t.Logf("%s: moves differ by %.2g (relative)", path, e)
		}
		for _, mom := range []struct {
			suffix string
			p      *fastnet.Params
		}{{"_1st_moment", &m}, {"_2nd_moment", &v}} {
			mv := net.Store().GetVariable("/AdamOptimizer" + path + mom.suffix)
			if mv == nil {
				t.Errorf("no %s in the store", "/AdamOptimizer"+path+mom.suffix)
				continue
			}
			if e := numtest.RelErr(paramOf(t, mom.p, path), toFloat32s(t, mv.MustValue())); !(e <= 1e-4) {
				t.Errorf("%s%s: relative difference %.3g", path, mom.suffix, e)
			} else {
				t.Logf("%s%s: relative difference %.2g", path, mom.suffix, e)
			}
		}
	}
}
