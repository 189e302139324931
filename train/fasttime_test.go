package train

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/numtest"
	"github.com/sgm-dev/sgm/scorenet"
)

// reluTimeNet returns a small ReLU time-conditioned network of process
// (the same weights for the same seed), and skips the test where the
// fused engine does not apply (no AVX2 kernels).
func reluTimeNet(t *testing.T, process string, width int) *scorenet.Net {
	t.Helper()
	backend, err := scorenet.SequentialGoBackend() // the graph engine's runs need it (TestRunRefusesTimedOnParallelGoBackend)
	if err != nil {
		t.Fatal(err)
	}
	cfg := scorenet.Config{Features: width / 2, Width: width, Depth: 2, Activation: "relu", Conditioning: "time", Process: process}
	net, err := scorenet.New(backend, cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !fastTimeApplies(net) {
		t.Skip("the fused engine does not apply here (no vectorised fastnet kernels)")
	}
	return net
}

// outputsAt returns the graph's outputs of net at the points x at the
// probe times, one after the other.
func outputsAt(t *testing.T, net *scorenet.Net, x []float64) []float64 {
	t.Helper()
	net.UseGraph(true)
	defer net.UseGraph(false)
	var out []float64
	dst := make([]float64, len(x))
	for _, tm := range []float64{0.01, 0.3, 0.7, 1} {
		if err := net.OutputAt(dst, x, tm); err != nil {
			t.Fatal(err)
		}
		out = append(out, dst...)
	}
	return out
}

// TestFastTimeMatchesGraph trains the same network for a few steps with the
// fused engine and with the GoMLX graph (the same batches, Adam and
// moving averages), for each continuous-time objective, saves the fused
// one's checkpoint and loads it: the loaded network's graph outputs equal
// those of the trained one exactly (the layout is the graph's), and those
// of the graph-trained one within 1e-4 relative. The tolerance: the
// gradients agree to about 1e-5 (internal/fastnet's
// TestTimeGradientMatchesGoMLX), but Adam divides by √v, which magnifies
// the differences of the small gradients of the first steps; measured
// below 2e-6 after 6 steps at lr 1e-2.
func TestFastTimeMatchesGraph(t *testing.T) {
	data := twoModes(t)
	x := data.Sample(nil, 50, rand.New(rand.NewPCG(3, 4)))
	for _, tc := range []struct {
		process string
		o       Objective
	}{{"ve", Continuous}, {"vp", Continuous}, {"subvp", Continuous}, {"flow", CFM}, {"flow", OTCFM}} {
		t.Run(tc.process+"/"+string(tc.o), func(t *testing.T) {
			s := Settings{Steps: 6, Batch: 100, LearningRate: 1e-2, Objective: tc.o, Seed: 5, EMA: 0.9}
			fused := reluTimeNet(t, tc.process, 32)
			dir := t.TempDir()
			s.CheckpointDir = dir
			if _, err := Run(context.Background(), fused, data, s); err != nil {
				t.Fatal(err)
			}
			graph := reluTimeNet(t, tc.process, 32)
			graph.UseGraph(true)
			if fastTimeApplies(graph) {
				t.Fatal("the fused engine applies to a network told to use the graph")
			}
			s.CheckpointDir = ""
			if _, err := Run(context.Background(), graph, data, s); err != nil {
				t.Fatal(err)
			}
			loaded, err := scorenet.Load(fused.Backend(), dir)
			if err != nil {
				t.Fatal(err)
			}
			got := outputsAt(t, loaded, x)
			if e := numtest.RelErr(got, outputsAt(t, fused, x)); e != 0 {
				t.Errorf("the loaded checkpoint's outputs differ from the trained network's by %.3g", e)
			}
			if e := numtest.RelErr(got, outputsAt(t, graph, x)); !(e <= 1e-4) {
				t.Errorf("fused and graph training: outputs differ by %.3g (relative) after %d steps", e, s.Steps)
			} else {
				t.Logf("fused and graph training: outputs differ by %.2g (relative)", e)
			}
			if loaded.Step() != s.Steps {
				t.Errorf("checkpoint at step %d, want %d", loaded.Step(), s.Steps)
			}
		})
	}
}

// trainFused trains a ReLU network of process with objective o on data
// with the fused engine, with the settings of trainTimed, and returns it.
func trainFused(t *testing.T, data *dist.Mixture, process string, o Objective, width, steps int) *scorenet.Net {
	t.Helper()
	net := reluTimeNet(t, process, width)
	began := time.Now()
	h, err := Run(context.Background(), net, data, Settings{Steps: steps, Batch: 128, LearningRate: 1e-2, Objective: o, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(began)
	t.Logf("fused %s %s: %d steps in %v (%.0f steps/s), final loss %.4f", process, o, steps, el.Round(time.Millisecond), float64(steps)/el.Seconds(), h[len(h)-1].Loss)
	return net
}

// TestFusedContinuousVP is TestContinuousVP with a ReLU network trained by
// the fused engine, held to the same bounds: 0.1 on the first mode's
// weight, 1 nat above the exact held-out NLL. Measured: weights
// 0.296/0.704, NLL 1.93 vs the exact 1.09 (1000 steps in 0.85 s).
func TestFusedContinuousVP(t *testing.T) {
	data := twoModes(t)
	checkVPModel(t, data, trainFused(t, data, "vp", "", 64, 1000))
}

// TestFusedCFM is testFlow's CFM with a ReLU network trained by the fused
// engine, held to its bounds. Measured: weights 0.344/0.656, NLL 1.19 vs
// the exact 1.09 (800 steps in 0.33 s).
func TestFusedCFM(t *testing.T) {
	data := twoModes(t)
	checkFlowModel(t, data, trainFused(t, data, "flow", CFM, 32, 800))
}

// TestFastTimeResumesAcrossEngines checks that the engines resume each
// other's checkpoints of a time-conditioned network (weights, Adam's
// moments and step count, under the graph's names): 3 fused steps, then
// 3 graph steps from the loaded checkpoint, and the reverse, end where 6
// fused steps do, within TestFastTimeMatchesGraph's 1e-4 (measured
// 3e-7). Without Adam's state carried over, the 4th step would be a first
// step of Adam, which moves every weight by about the full learning rate.
func TestFastTimeResumesAcrossEngines(t *testing.T) {
	data := twoModes(t)
	x := data.Sample(nil, 50, rand.New(rand.NewPCG(3, 4)))
	s := Settings{Steps: 6, Batch: 100, LearningRate: 1e-2, Objective: Continuous, Seed: 5}
	straight := reluTimeNet(t, "vp", 32)
	if _, err := Run(context.Background(), straight, data, s); err != nil {
		t.Fatal(err)
	}
	want := outputsAt(t, straight, x)
	for _, firstGraph := range []bool{false, true} {
		first := reluTimeNet(t, "vp", 32)
		first.UseGraph(firstGraph)
		half := s
		half.Steps, half.CheckpointDir = 3, t.TempDir()
		if _, err := Run(context.Background(), first, data, half); err != nil {
			t.Fatal(err)
		}
		second, err := scorenet.Load(first.Backend(), half.CheckpointDir)
		if err != nil {
			t.Fatal(err)
		}
		second.UseGraph(!firstGraph)
		if _, err := Run(context.Background(), second, data, s); err != nil {
			t.Fatal(err)
		}
		if second.Step() != 6 {
			t.Errorf("resumed to step %d, want 6", second.Step())
		}
		if e := numtest.RelErr(outputsAt(t, second, x), want); !(e <= 1e-4) {
			t.Errorf("graph first %v: resumed outputs differ from 6 fused steps by %.3g", firstGraph, e)
		} else {
			t.Logf("graph first %v: resumed outputs differ from 6 fused steps by %.2g", firstGraph, e)
		}
	}
}

// TestFastTimeApplies checks the fused engine's reach: a ReLU network
// (where the vectorised kernels are), not a softplus one (fastnet's
// backward pass is ReLU's) nor one told to use the graph.
func TestFastTimeApplies(t *testing.T) {
	net := reluTimeNet(t, "vp", 16) // skips where the kernels are missing
	net.UseGraph(true)
	if fastTimeApplies(net) {
		t.Error("applies to a network told to use the graph")
	}
	backend, err := scorenet.GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	soft, err := scorenet.New(backend, scorenet.Config{Features: 8, Width: 16, Depth: 2, Activation: "softplus", Conditioning: "time", Process: "vp"}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if fastTimeApplies(soft) {
		t.Error("applies to a softplus network")
	}
}
