package scorenet

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
)

// Class labels. A network with Config.Labels is also conditioned on a
// class label c in 0..C-1 (C = len(Labels)) or the null label C, through a
// learned embedding E ((C+1)×Width, the variable label/embedding) added to
// its first layer's pre-activation:
//
//	h_1 = φ(h_0 W_0 + b_0 + E_c)
//
// Training replaces a share of the labels by the null label (label
// dropout), so that one network is both the conditional score s(x, l, c)
// and the unconditional one s(x, l, ∅), which classifier-free guidance
// (Ho & Salimans 2022) combines. At one label for a whole batch E_c is a
// bias like b_0, so a labelled network costs no more to evaluate than an
// unlabelled one: the fast path folds it into b_0.
//
// The labels are recorded in the network's configuration, in the
// checkpoint, and checked as untrusted input when loaded (validateLabels).

// labelEmbedding is the name of the label embedding variable.
const labelEmbedding = "label/embedding"

// Limits on the labels of a Config: how many, and how long a name.
const (
	MaxLabels     = 4096
	MaxLabelBytes = 256
)

// Labelled reports whether the network is conditioned on class labels.
func (c Config) Labelled() bool { return len(c.Labels) > 0 }

// NullLabel is the index of the null label, len(Labels).
func (c Config) NullLabel() int { return len(c.Labels) }

// LabelIndex returns the index of the class named name, or an error that
// lists the known names (the first 20 of them).
func (c Config) LabelIndex(name string) (int, error) {
	if !c.Labelled() {
		return 0, fmt.Errorf("the model has no labels: it was trained without a label column")
	}
	for i, l := range c.Labels {
		if l == name {
			return i, nil
		}
	}
	known := c.Labels
	more := ""
	if len(known) > 20 {
		known, more = known[:20], fmt.Sprintf(", ... (%d in all)", len(c.Labels))
	}
	return 0, fmt.Errorf("unknown label %q (the model's labels: %s%s)", name, strings.Join(known, ", "), more)
}

// validateLabels checks the labels of c: at most MaxLabels, each a
// non-empty printable UTF-8 string of at most MaxLabelBytes bytes, no two
// the same.
func (c Config) validateLabels() error {
	if len(c.Labels) == 0 {
		return nil
	}
	if len(c.Labels) > MaxLabels {
		return fmt.Errorf("%d labels: at most %d", len(c.Labels), MaxLabels)
	}
	seen := make(map[string]bool, len(c.Labels))
	for i, l := range c.Labels {
		switch {
		case l == "":
			return fmt.Errorf("label %d is empty", i)
		case len(l) > MaxLabelBytes:
			return fmt.Errorf("label %d is %d bytes long: at most %d", i, len(l), MaxLabelBytes)
		case !utf8.ValidString(l):
			return fmt.Errorf("label %d is not valid UTF-8", i)
		case strings.IndexFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
			return fmt.Errorf("label %d (%q) holds a character that is not printable", i, l)
		case seen[l]:
			return fmt.Errorf("label %q appears twice", l)
		}
		seen[l] = true
	}
	return nil
}

// labelShift returns E_label ([n, Width]) for the labels label ([n], int32),
// the null label's where label is nil, or nil for a network without labels.
// level gives the batch its size.
func (n *Net) labelShift(scope *model.Scope, level, label *Node) *Node {
	if !n.cfg.Labelled() {
		if label != nil {
			panic("scorenet: labels given to a network without labels")
		}
		return nil
	}
	g := level.Graph()
	if label == nil {
		label = AddScalar(ZerosLike(ConvertDType(level, dtypes.Int32)), int32(n.cfg.NullLabel()))
	}
	dir, base, _ := strings.Cut(labelEmbedding, "/")
	return Gather(n.node(scope.At("%s", dir), g, base), ExpandAxes(label, -1))
}

// checkLabel panics, naming who, unless label is a label index of the
// network or its null label.
func (n *Net) checkLabel(who string, label int) {
	if !n.cfg.Labelled() {
		panic(fmt.Sprintf("scorenet: %s: the network has no labels", who))
	}
	if label < 0 || label > n.cfg.NullLabel() {
		panic(fmt.Sprintf("scorenet: %s: label %d out of range [0, %d] (%d is the null label)", who, label, n.cfg.NullLabel(), n.cfg.NullLabel()))
	}
}

// ScoreBatchLabelled is ScoreBatch for the class label index label (in
// [0, len(Labels)], len(Labels) the null label) of a labelled network. It
// costs one evaluation, as ScoreBatch does. Misuse panics (a network
// without labels, label or level out of range, mismatched lengths); a
// backend failure is returned.
func (n *Net) ScoreBatchLabelled(dst, x []float64, level, label int) error {
	d := n.cfg.Dim
	sgm.CheckBatch("scorenet: ScoreBatchLabelled", d, dst, x)
	if n.cfg.Timed() {
		panic("scorenet: ScoreBatchLabelled of a time-conditioned network")
	}
	n.mustLevel("ScoreBatchLabelled", level)
	n.checkLabel("ScoreBatchLabelled", label)
	rows := len(x) / d
	if rows == 0 {
		return nil
	}
	if fast, err := n.fastLabelled(label); err != nil {
		return err
	} else if fast != nil {
		fast.Scores(dst, x, level)
		return nil
	}
	exec, err := n.labelExecutor()
	if err != nil {
		return err
	}
	in := append(graphInputs(x, d, level), tensors.FromFlatDataAndDimensions(repeated(int32(label), rows), rows))
	out, err := exec.Exec(in...)
	if err != nil {
		return fmt.Errorf("scorenet: evaluate: %w", err)
	}
	defer out[0].FinalizeAll()
	return readFloat64(dst, out[0])
}

func (n *Net) labelExecutor() (*model.Exec, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.labelExec != nil {
		return n.labelExec, nil
	}
	scope := n.Scope()
	exec, err := model.NewExec(n.backend, n.store, func(_ *model.Scope, x, level, label *Node) *Node {
		return n.ScoresLabelled(scope, x, level, label)
	})
	if err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	exec.SetMaxCache(8)
	n.labelExec = exec
	return exec, nil
}

// fastLabelled returns the fast evaluator of the current weights at the
// label, its embedding folded into the first layer's bias, or nil where
// the fast path does not apply. Evaluators are kept per label until
// training takes a step.
func (n *Net) fastLabelled(label int) (*fastnet.Net, error) {
	if !n.FastPath() {
		return nil, nil
	}
	step := n.stepCheap()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fastLabels == nil || n.fastLabelStep != step {
		n.fastLabels, n.fastLabelStep = map[int]*fastnet.Net{}, step
	}
	if f := n.fastLabels[label]; f != nil {
		return f, nil
	}
	w, err := n.Weights()
	if err != nil {
		return nil, err
	}
	W := n.cfg.Width
	b0 := make([]float32, W)
	for i, b := range w.DenseBiases[0] {
		b0[i] = b + w.Label[label*W+i]
	}
	w.DenseBiases[0] = b0
	f, err := fastnet.New(w.fastParams())
	if err != nil {
		return nil, err
	}
	n.fastLabels[label] = f
	return f, nil
}

// AtLevelLabelled returns the network at noise level index level and class
// label index label (len(Labels) the null label) as an sgm.Scorer, which
// panics as AtLevel's does. It panics if level or label is out of range
// or the network has no labels.
func (n *Net) AtLevelLabelled(level, label int) sgm.Scorer {
	n.mustLevel("AtLevelLabelled", level)
	n.checkLabel("AtLevelLabelled", label)
	return labelScorer{n, level, label}
}

type labelScorer struct {
	net          *Net
	level, label int
}

func (s labelScorer) Dim() int { return s.net.cfg.Dim }

func (s labelScorer) ScoreBatch(dst, x []float64) {
	if err := s.net.ScoreBatchLabelled(dst, x, s.level, s.label); err != nil {
		panic(err) // already "scorenet: ..."
	}
}
