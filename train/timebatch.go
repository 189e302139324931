package train

import (
	"math/rand/v2"

	"github.com/sgm-dev/sgm/objective"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
)

// timeBatch is the batch of a continuous-time objective, which both
// engines of a time-conditioned network (the graph's timeEngine and the
// fused fastTimeEngine) train on: the times, the perturbed points and
// the targets, drawn in Go from the step's stream.
type timeBatch struct {
	s        Settings
	sde      sde.SDE // nil for flow matching
	v        bool    // the SDE's network predicts v (scorenet.PredictV)
	batch, d int
	labels   *[]int32 // a labelled network's labels of the batch; nil without

	t, xt, target, x0 []float32
}

func newTimeBatch(cfg scorenet.Config, s Settings) timeBatch {
	B, d := s.Batch, cfg.Dim
	b := timeBatch{s: s, batch: B, d: d,
		t: make([]float32, B), xt: make([]float32, B*d), target: make([]float32, B*d)}
	b.sde, _ = cfg.SDE()
	b.v = cfg.Prediction == scorenet.PredictV
	if b.sde == nil {
		b.x0 = make([]float32, B*d)
	}
	return b
}

// drawTimes draws the batch's times from the step's stream, after the
// data and noise.
func (b *timeBatch) drawTimes(rng *rand.Rand) {
	lo := 0.0
	if b.sde != nil {
		lo = objective.TimeEps
	}
	objective.DrawTimes(b.t, lo, rng)
}

// fill sets the perturbed points and the targets from the data x and the
// standard normal noise z (the flows' source points).
func (b *timeBatch) fill(x, z []float32) {
	switch {
	case b.sde != nil && b.v:
		objective.PerturbSDEV(b.xt, b.target, x, z, b.t, b.sde)
		return
	case b.sde != nil:
		objective.PerturbSDE(b.xt, b.target, x, z, b.t, b.sde)
		return
	}
	copy(b.x0, z)
	switch {
	case b.s.Objective == OTCFM && b.labels != nil:
		objective.OTPairWithin(b.x0, x, b.d, *b.labels) // each label's source N(0, I)
	case b.s.Objective == OTCFM:
		objective.OTPair(b.x0, x, b.d)
	}
	objective.InterpolateCFM(b.xt, b.target, x, b.x0, b.t)
}
