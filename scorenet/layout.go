package scorenet

import (
	"fmt"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// The network's parameter layout, owned here: the names, shapes and order
// of its variables (Layout), and the store paths under which the network,
// its moving averages and GoMLX's Adam keep them. The graph model (Scores),
// New, checkpoints (Load's checks) and train's fused engine all read it from
// here; no other package spells a variable name.

// Param describes one of the network's variables.
type Param struct {
	Name      string // relative to the network's scope: "rf/B_cos", "dense_0/weights"
	Shape     []int  // dimensions, row-major; weights are fan-in×fan-out
	Trainable bool   // false for the frozen random Fourier matrices
}

// Size is the number of values of p.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Layout returns the variables of a network of configuration cfg (defaults
// filled in) in their canonical order, the order of Weights.Values:
//
//	rf/B_cos, rf/B_sin    Features×Dim, frozen
//	rf/alpha, rf/beta     one per noise level; with time conditioning
//	                      2K+1, the linear map from the time embedding
//	dense_k/weights       fan-in×fan-out, k = 0..Depth (fan-in 2·Features+Dim
//	dense_k/biases        for k = 0, Width after; fan-out Dim for k = Depth)
//	label/embedding       (len(Labels)+1)×Width, only with Labels: each
//	                      label's shift of the first layer (label.go)
//
// It does not check sizes; Config.Validate does.
func Layout(cfg Config) []Param {
	cfg = cfg.WithDefaults()
	F, d, L := cfg.Features, cfg.Dim, cfg.conditioningSize()
	out := []Param{
		{Name: "rf/" + varBCos, Shape: []int{F, d}},
		{Name: "rf/" + varBSin, Shape: []int{F, d}},
		{Name: "rf/" + varAlpha, Shape: []int{L}, Trainable: true},
		{Name: "rf/" + varBeta, Shape: []int{L}, Trainable: true},
	}
	in := 2*F + d
	for k := 0; k <= cfg.Depth; k++ {
		o := cfg.Width
		if k == cfg.Depth {
			o = d
		}
		out = append(out,
			Param{Name: layerName(k) + "/weights", Shape: []int{in, o}, Trainable: true},
			Param{Name: layerName(k) + "/biases", Shape: []int{o}, Trainable: true})
		in = o
	}
	if len(cfg.Labels) > 0 {
		out = append(out, Param{Name: labelEmbedding, Shape: []int{len(cfg.Labels) + 1, cfg.Width}, Trainable: true})
	}
	return out
}

// VariablePath is the full store path of the network's variable name (a
// Param's Name): "/scorenet/" + name.
func VariablePath(name string) string { return "/" + ScopeName + "/" + name }

// EMAPath is the store path of the exponential moving average of the
// network's variable name (train.Settings.EMA).
func EMAPath(name string) string { return EMAPrefix + VariablePath(name) }

// AdamMomentPath is the store path under which GoMLX's Adam keeps its first
// (moment 1) or second (moment 2) moment of the network's variable name. It
// panics for any other moment.
func AdamMomentPath(name string, moment int) string {
	switch moment {
	case 1:
		return adamPrefix + ScopeName + "/" + name + "_1st_moment"
	case 2:
		return adamPrefix + ScopeName + "/" + name + "_2nd_moment"
	}
	panic(fmt.Sprintf("scorenet: AdamMomentPath: moment %d, want 1 or 2", moment))
}

// Store paths of the training state beside the network's variables: Adam's
// step count (float32), the optimiser's global step count (int64) and
// learning rate (float32).
var (
	AdamStepPath     = adamPrefix + "step"
	StepPath         = model.JoinPath("/", optimizer.GlobalStepVariableName)
	LearningRatePath = model.JoinPath("/", optimizer.Scope, optimizer.ParamLearningRate)
)

// adamPrefix starts the paths of GoMLX's Adam's variables.
const adamPrefix = "/" + optimizer.AdamDefaultScope + "/"

// Values returns the weights in the order of Layout (the same slices, not
// copies).
func (w *Weights) Values() [][]float32 {
	n := 4 + 2*len(w.Dense)
	if len(w.Config.Labels) > 0 {
		n++
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = *w.slot(i)
	}
	return out
}

// slot is the field of w that holds Layout's i-th variable.
func (w *Weights) slot(i int) *[]float32 {
	switch i {
	case 0:
		return &w.BCos
	case 1:
		return &w.BSin
	case 2:
		return &w.Alpha
	case 3:
		return &w.Beta
	}
	if i == 4+2*len(w.Dense) {
		return &w.Label
	}
	if k := (i - 4) / 2; (i-4)%2 == 0 {
		return &w.Dense[k]
	} else {
		return &w.DenseBiases[k]
	}
}
