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

// TimeScore is the score of a network trained by denoising score matching
// under its forward SDE: score(x, t) = out(x, t)/s(t).
type TimeScore struct {
	net *Net
	sde sde.SDE
}

// TimeScore returns the network as a time-conditioned score and its SDE,
// or an error if it is not a score network conditioned on time.
func (n *Net) TimeScore() (TimeScore, error) {
	p, ok := n.cfg.SDE()
	if !ok {
		return TimeScore{}, fmt.Errorf("scorenet: the network (%s) is not a time-conditioned score of an SDE", n.cfg)
	}
	return TimeScore{n, p}, nil
}

// SDE returns the forward process the network was trained under.
func (s TimeScore) SDE() sde.SDE { return s.sde }

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
	std := s.std(t)
	if err := s.net.OutputVJPAt(dst, vj, x, v, t); err != nil {
		panic(err)
	}
	for i := range dst {
		dst[i] /= std
		vj[i] /= std
	}
}

// std is the kernel's standard deviation at t, which must be positive.
func (s TimeScore) std(t float64) float64 {
	_, std := s.sde.Marginal(t)
	if !(std > 0) {
		panic(fmt.Sprintf("scorenet: score at time %v, where the kernel's standard deviation is 0", t))
	}
	return std
}

func (s TimeScore) at(dst, div, x []float64, t float64) {
	std := s.std(t)
	if err := s.net.outputAt(dst, div, x, t); err != nil {
		panic(err)
	}
	for i := range dst {
		dst[i] /= std
	}
	for i := range div {
		div[i] /= std
	}
}

// Velocity is the velocity field of a network trained by flow matching,
// from N(0, I) at t = 0 to the data at t = 1.
type Velocity struct{ net *Net }

// Velocity returns the network as a velocity field, or an error if it is
// not a flow.
func (n *Net) Velocity() (Velocity, error) {
	if !n.cfg.Timed() || n.cfg.Process != "flow" {
		return Velocity{}, fmt.Errorf("scorenet: the network (%s) is not a flow-matching velocity field", n.cfg)
	}
	return Velocity{n}, nil
}

// Dim is the data dimension.
func (v Velocity) Dim() int { return v.net.cfg.Dim }

// VelocityAt sets dst to the velocities at the points x at time t, the
// form of ode.Func: func(t, x, dxdt).
func (v Velocity) VelocityAt(t float64, x, dst []float64) {
	if err := v.net.outputAt(dst, nil, x, t); err != nil {
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
