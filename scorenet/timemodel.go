package scorenet

import (
	"fmt"
	"path/filepath"

	"github.com/gomlx/gomlx/ml/model/checkpoint"

	"github.com/sgm-dev/sgm/sde"
)

// A trained time-conditioned network as the samplers and the likelihood
// see it: a score model is an sde.TimeScorer (TimeScore), with its
// divergence for likelihood.ODE.LogProb; a flow model is a velocity field
// with its divergence for likelihood.ODE.Flow and the ODE solvers
// (Velocity). Both panic on misuse and, as every sgm.Scorer does, on a
// backend failure (call Net.OutputAt to have that as an error).

// What a time-conditioned score network predicts (Config.Prediction).
// With x_t = a x₀ + s z, the score of x_t's marginal is -E[z | x_t]/s:
//
//	noise:  out ≈ -z,               score = out/s
//	v:      out ≈ v = a z - s x₀,   score = -x_t - (a/s) out      (VP)
//
// The second holds because a² + s² = 1 under VP, so z = s x_t + a v.
// Predicting v is EDM's preconditioning (Karras et al. 2022, Table 1) of
// VP for data of unit variance, which the time-conditioned models train on
// (they standardise their data): with σ = s/a and x̂ = x_t/a, c_in x̂ = x_t,
// c_skip = a², c_out = s, and the denoiser D = a x_t + s F has F = -v; its
// loss weight 1/c_out² makes the loss the plain ‖F + v‖², whose target has
// unit variance at every t. The noise target instead asks for an output
// whose variation near t = 0 grows as 1/s(t), which this network learns
// slowly: sgm train --sde vp on moons read 3.5x the W2 floor after 3,000
// steps with noise and 1.8x with v (both sampled by the probability-flow
// ODE, the time-to-quality kit's evaluation).
const (
	PredictNoise = "noise"
	PredictV     = "v"
)

// DefaultPrediction returns the Prediction a new time-conditioned network
// of process takes: v for VP, noise for the others (VE's and sub-VP's
// preconditioning would also scale the input), "" for a flow.
func DefaultPrediction(process string) string {
	switch process {
	case "vp":
		return PredictV
	case "ve", "subvp":
		return PredictNoise
	}
	return ""
}

// TimeScore is the score of a network trained by denoising score matching
// under its forward SDE: score(x, t) = out(x, t)/s(t) for a prediction of
// the noise, -x - (a(t)/s(t)) out(x, t) for v.
type TimeScore struct {
	net   *Net
	sde   sde.SDE
	v     bool
	label int // a labelled network's class (WithLabel); -1 the null label
}

// TimeScore returns the network as a time-conditioned score and its SDE,
// or an error if it is not a score network conditioned on time.
func (n *Net) TimeScore() (TimeScore, error) {
	p, ok := n.cfg.SDE()
	if !ok {
		return TimeScore{}, fmt.Errorf("scorenet: the network (%s) is not a time-conditioned score of an SDE", n.cfg)
	}
	return TimeScore{n, p, n.cfg.Prediction == PredictV, -1}, nil
}

// SDE returns the forward process the network was trained under.
func (s TimeScore) SDE() sde.SDE { return s.sde }

// WithLabel returns the score of a labelled network at the class label
// index label (in [0, len(Labels)], len(Labels) the null label, which is
// also the score's without WithLabel). Its ScoreAt costs one evaluation;
// its divergence and products stay the null label's. It panics if the
// network has no labels or label is out of range.
func (s TimeScore) WithLabel(label int) TimeScore {
	s.net.checkLabel("TimeScore.WithLabel", label)
	s.label = label
	return s
}

// Dim is the data dimension.
func (s TimeScore) Dim() int { return s.net.cfg.Dim }

// ScoreAt sets dst to the scores at the points x at time t in (0, 1].
func (s TimeScore) ScoreAt(dst, x []float64, t float64) {
	s.at(dst, nil, x, t)
}

// ScoreDivAt sets dst to the scores and div[i] to the divergence of the
// score at point i, exactly (likelihood.ScoreDivergence).
func (s TimeScore) ScoreDivAt(dst, div, x []float64, t float64) {
	if div == nil {
		panic("scorenet: ScoreDivAt: nil div")
	}
	s.at(dst, div, x, t)
}

// ScoreVJPAt sets dst to the scores and vj to the vector-Jacobian
// products v_iᵀ J(x_i) of the score (likelihood.VJPScorer), one reverse
// pass: Hutchinson's divergence in many dimensions.
func (s TimeScore) ScoreVJPAt(dst, vj, x, v []float64, t float64) {
	c, shift := s.affine(t)
	if err := s.net.OutputVJPAt(dst, vj, x, v, t); err != nil {
		panic(err)
	}
	for i := range dst {
		dst[i] = c*dst[i] + shift*x[i]
		vj[i] = c*vj[i] + shift*v[i]
	}
}

// affine returns the score's map from the output at t: score = c out + shift x
// (noise: 1/s and 0; v: -a/s and -1). s must be positive.
func (s TimeScore) affine(t float64) (c, shift float64) {
	a, std := s.sde.Marginal(t)
	if !(std > 0) {
		panic(fmt.Sprintf("scorenet: score at time %v, where the kernel's standard deviation is 0", t))
	}
	if s.v {
		return -a / std, -1
	}
	return 1 / std, 0
}

func (s TimeScore) at(dst, div, x []float64, t float64) {
	c, shift := s.affine(t)
	var err error
	if div == nil && s.label >= 0 {
		err = s.net.OutputAtLabelled(dst, x, t, s.label)
	} else {
		err = s.net.outputAt(dst, div, x, t)
	}
	if err != nil {
		panic(err)
	}
	for i := range dst {
		dst[i] = c*dst[i] + shift*x[i]
	}
	for i := range div {
		div[i] = c*div[i] + shift*float64(s.Dim())
	}
}

// Velocity is the velocity field of a network trained by flow matching,
// from N(0, I) at t = 0 to the data at t = 1.
type Velocity struct {
	net   *Net
	label int // a labelled network's class (WithLabel); -1 the null label
}

// Velocity returns the network as a velocity field, or an error if it is
// not a flow.
func (n *Net) Velocity() (Velocity, error) {
	if !n.cfg.Timed() || n.cfg.Process != "flow" {
		return Velocity{}, fmt.Errorf("scorenet: the network (%s) is not a flow-matching velocity field", n.cfg)
	}
	return Velocity{n, -1}, nil
}

// Dim is the data dimension.
func (v Velocity) Dim() int { return v.net.cfg.Dim }

// WithLabel returns the velocity of a labelled network at the class label
// index label, as TimeScore.WithLabel does.
func (v Velocity) WithLabel(label int) Velocity {
	v.net.checkLabel("Velocity.WithLabel", label)
	v.label = label
	return v
}

// VelocityAt sets dst to the velocities at the points x at time t, the
// form of ode.Func: func(t, x, dxdt).
func (v Velocity) VelocityAt(t float64, x, dst []float64) {
	var err error
	if v.label >= 0 {
		err = v.net.OutputAtLabelled(dst, x, t, v.label)
	} else {
		err = v.net.outputAt(dst, nil, x, t)
	}
	if err != nil {
		panic(err)
	}
}

// VelocityDivAt sets dst to the velocities and div[i] to their divergence
// at point i, exactly (likelihood.VelocityDivergence).
func (v Velocity) VelocityDivAt(dst, div, x []float64, t float64) {
	if div == nil {
		panic("scorenet: VelocityDivAt: nil div")
	}
	if err := v.net.OutputDivAt(dst, div, x, t); err != nil {
		panic(err)
	}
}

// ConfigOf returns the configuration of the newest checkpoint in dir,
// reading and checking only its metadata, as Load does: a command asks it
// which kind of network a directory holds before loading it.
func ConfigOf(dir string) (Config, error) {
	names, err := listCheckpoints(dir)
	if err != nil {
		return Config{}, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if len(names) == 0 {
		return Config{}, fmt.Errorf("checkpoint %s: no checkpoint-*.json in the directory", dir)
	}
	name := names[len(names)-1] + checkpoint.JsonNameSuffix
	meta, err := readLimited(filepath.Join(dir, name), maxMetadataBytes)
	if err != nil {
		return Config{}, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	_, cfg, _, err := decodeMetadata(meta)
	if err != nil {
		return Config{}, fmt.Errorf("checkpoint %s: %s: %w", dir, name, err)
	}
	return cfg, nil
}
