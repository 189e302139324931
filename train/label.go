package train

import (
	"errors"
	"fmt"
	"math/rand/v2"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
)

// Training a network conditioned on class labels (scorenet.Config.Labels):
// each data point comes with its label, and with probability
// Settings.LabelDropout the label is replaced by the null label (label
// dropout, Ho & Salimans 2022), so that the one network learns the
// conditional scores and the unconditional one that classifier-free
// guidance combines. The loss is the one-level objective's, with the
// score at each point's (perhaps null) label, or for a time-conditioned
// network a continuous-time objective's (denoising score matching under
// its SDE, flow matching), with the output at each point's label. The
// noise is drawn in Go. Where the fused engines apply (fastengine.go,
// fasttime.go) they take the labelled steps, internal/fastnet adding each
// row's E_c to its first-layer bias; elsewhere the GoMLX graph does.

// LabelledSampler is a source of labelled training data: SampleLabelled
// draws n points as Sample does, in dst or a new slice if dst is nil, with
// the class label index of each (in [0, number of labels)). dist.Mixture
// and data.Toy have such a method; a labelled network needs one.
type LabelledSampler interface {
	SampleLabelled(dst []float64, n int, rng *rand.Rand) (x []float64, labels []int)
}

// DefaultLabelDropout is the share of labels replaced by the null label
// when Settings.LabelDropout is 0 (Ho & Salimans 2022 found 0.1 and 0.2
// alike).
const DefaultLabelDropout = 0.1

// checkLabelled returns an error unless a labelled network can be trained
// with data and s: a LabelledSampler, the one-level objective (or a
// continuous-time one for a network conditioned on time), the noise drawn
// in Go.
func checkLabelled(net *scorenet.Net, data Sampler, s Settings) error {
	if !net.Config().Labelled() {
		return nil
	}
	if _, ok := data.(LabelledSampler); !ok {
		return errors.New("train: a labelled network needs labelled data (a LabelledSampler)")
	}
	if s.Objective != OneLevel && !s.Objective.timed() {
		return fmt.Errorf("train: a labelled network trains with the %s objective, not %s", OneLevel, s.Objective)
	}
	if s.GraphNoise {
		return errors.New("train: a labelled network trains with its noise drawn in Go, not in the graph (GraphNoise)")
	}
	return nil
}

// drawLabelled fills r.x32 and r.labels from the labelled data with rng.
func (r *run) drawLabelled(rng *rand.Rand) error {
	x, labels := r.data.(LabelledSampler).SampleLabelled(r.x64, r.s.Batch, rng)
	C := r.net.Config().NullLabel()
	if len(x) != len(r.x32) || len(labels) != len(r.labels) {
		return fmt.Errorf("labelled data gave %d values and %d labels for a batch of %d", len(x), len(labels), r.s.Batch)
	}
	for i, l := range labels {
		if l < 0 || l >= C {
			return fmt.Errorf("labelled data gave label %d, out of range [0, %d)", l, C)
		}
		r.labels[i] = int32(l)
	}
	for i, v := range x {
		r.x32[i] = float32(v)
	}
	return nil
}

// dropLabels replaces each label by the null label with probability p,
// one uniform draw of rng per label.
func dropLabels(labels []int32, null int, p float64, rng *rand.Rand) {
	for i := range labels {
		if rng.Float64() < p {
			labels[i] = int32(null)
		}
	}
}

// labelEngine runs the compiled one-level step of a labelled network.
type labelEngine struct {
	exec   *model.Exec
	batch  int
	d      int
	labels *[]int32
}

func newLabelEngine(net *scorenet.Net, s Settings, labels *[]int32) (*labelEngine, error) {
	cfg := net.Config()
	sigmas := []float64(cfg.Sigmas)
	opt, err := graphStepper(net, s)
	if err != nil {
		return nil, err
	}
	scope := net.Scope()
	exec, err := model.NewExec(net.Backend(), net.Store(), func(sc *model.Scope, x, level, z, label *Node) *Node {
		score := func(x, level *Node) *Node { return net.ScoresLabelled(scope, x, level, label) }
		return opt.step(sc, objective.OneLevel(score, sigmas, x, level, z))
	})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return &labelEngine{exec: exec, batch: s.Batch, d: cfg.Dim, labels: labels}, nil
}

func (e *labelEngine) step(x32, z32, _ []float32, levels []int32) (lossValue, error) {
	B, d := e.batch, e.d
	out, err := e.exec.Exec(tensors.FromFlatDataAndDimensions(x32, B, d),
		tensors.FromFlatDataAndDimensions(levels, B),
		tensors.FromFlatDataAndDimensions(z32, B, d),
		tensors.FromFlatDataAndDimensions(*e.labels, B))
	if err != nil {
		return nil, err
	}
	return tensorLoss{out[0]}, nil
}

func (e *labelEngine) drawsData() bool { return true } // run.draw draws the labelled data itself
func (e *labelEngine) sync() error     { return nil }
func (e *labelEngine) close()          { e.exec.Finalize() }
