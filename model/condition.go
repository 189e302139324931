package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
)

// Conditioning: SampleOptions.Label, Guidance and Given.
//
// A model trained with labels (TrainOptions.LabelColumn) samples the class
// Label with its conditional score, s(x, σ, c); Guidance W > 0 samples
// with classifier-free guidance, s_u + (1+W)(s_c - s_u) with the
// unconditional score s_u = s(x, σ, ∅) of the same network (Ho & Salimans
// 2022), one more network evaluation per step; for a Diffusion the same
// form of its time-conditioned scores (sample.GuidedTime), and for a Flow
// its velocities' v_u + (1+W)(v_c - v_u), which is the guided score's
// velocity on the flow's linear path (sample.GuidedVelocity). Given fixes some
// coordinates and samples the others (sample.Given: the score evaluated
// with the given coordinates at their values, Langevin on the conditional
// score of the perturbed joint), for the Langevin samplers and the
// reverse-time samplers of score models, and for a flow by annealed
// Langevin on the scores its velocity gives (sample.FlowLevels; flowGiven).

// condition is what SampleOptions ask to condition on, checked, in the
// network's units.
type condition struct {
	net interface {
		AtLevelLabelled(level, label int) sgm.Scorer
	}
	at0   func(level int) sgm.Scorer // the unconditional levels
	label int                        // -1: none
	null  int
	w     float64
	given *sample.Given
}

// conditionOf checks the conditioning options of o for n samples.
func (m *Model) conditionOf(n int, o SampleOptions) (*condition, error) {
	cfg := m.net.Config()
	c := &condition{net: m.net, at0: m.net.AtLevel, label: -1, null: cfg.NullLabel(), w: o.Guidance}
	if o.Label != "" {
		i, err := cfg.LabelIndex(o.Label)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		c.label = i
	}
	if err := sample.CheckGuidance(o.Guidance); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if o.Guidance != 0 && o.Label == "" {
		return nil, fmt.Errorf("model: guidance %v needs a label to guide towards", o.Guidance)
	}
	if o.Given != nil {
		g := sample.Given{Values: append([]float64(nil), o.Given...)}
		if err := g.Validate(n, m.Dim()); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		if m.std != nil {
			m.std.Apply(g.Values) // (NaN - mean)/std is NaN: free coordinates stay free
			for i, v := range g.Values {
				if math.IsInf(v, 0) {
					return nil, fmt.Errorf("model: given value of coordinate %d is out of range: %v in the model's standard units", i%m.Dim(), v)
				}
			}
		}
		c.given = &g
	}
	return c, nil
}

// at is the network at level as the conditioning asks: at the label, with
// guidance, or unconditional.
func (c *condition) at(level int) sgm.Scorer {
	if c.label < 0 {
		return c.at0(level)
	}
	cond := c.net.AtLevelLabelled(level, c.label)
	if c.w == 0 {
		return cond
	}
	return &sample.Guided{Cond: cond, Uncond: c.net.AtLevelLabelled(level, c.null), W: c.w}
}

// timeScore is the time-conditioned score s as the conditioning asks.
func (c *condition) timeScore(s scorenet.TimeScore) sde.TimeScorer {
	if c.label < 0 {
		return s
	}
	cond := s.WithLabel(c.label)
	if c.w == 0 {
		return cond
	}
	return &sample.GuidedTime{Cond: cond, Uncond: s.WithLabel(c.null), W: c.w}
}

// velocity is the flow's velocity v as the conditioning asks.
func (c *condition) velocity(v scorenet.Velocity) ode.Func {
	if c.label < 0 {
		return v.VelocityAt
	}
	return sample.GuidedVelocity(v.WithLabel(c.label).VelocityAt, v.WithLabel(c.null).VelocityAt, c.w)
}

// evals is the number of network evaluations per score: 2 with guidance.
func (c *condition) evals() int {
	if c.label >= 0 && c.w > 0 {
		return 2
	}
	return 1
}

// langevin runs l, holding the given coordinates if any.
func (c *condition) langevin(l sample.Langevin, x []float64, s sgm.Scorer, rng *rand.Rand, obs []sample.Observer) error {
	if c.given != nil {
		return c.given.Langevin(l, x, s, rng, obs...)
	}
	return l.Run(x, s, rng, obs...)
}

// annealed runs a, holding the given coordinates if any.
func (c *condition) annealed(a sample.Annealed, x []float64, levels sample.Levels, rng *rand.Rand, obs []sample.Observer) error {
	if c.given != nil {
		return c.given.Annealed(a, x, levels, rng, obs...)
	}
	return a.Run(x, levels, rng, obs...)
}

// reverse runs r, holding the given coordinates if any.
func (c *condition) reverse(r sample.Reverse, x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand) (int, error) {
	if c.given != nil {
		return c.given.Reverse(r, x, p, score, rng)
	}
	return r.Sample(x, p, score, rng)
}

// Flow levels: the noise levels of a flow's VE reading (sample.FlowLevels)
// that flowGiven anneals over, geometric from flowSigmaMax·√Dim down to
// flowSigmaMin, in standard units (a flow's data are standardised): the
// largest is the largest distance between two points within 3 standard
// deviations of the mean in every coordinate, NCSNv2's rule for σ_max.
const (
	flowLevels   = 30
	flowSigmaMin = 0.01
	flowSigmaMax = 6
)

// flowSigmas are the levels flowGiven anneals over in dimension d,
// largest first.
func flowSigmas(d int) []float64 {
	s, err := sgm.Geometric(flowSigmaMin, flowSigmaMax*math.Sqrt(float64(d)), flowLevels)
	if err != nil {
		panic(err) // constants
	}
	return sample.Descending(s)
}

// flowGiven samples the free coordinates of a flow given the others:
// annealed Langevin (Song & Ermon 2019) on the conditional scores of the
// perturbed joint (sample.Given), the scores recovered from the flow's
// velocity (sample.FlowLevels), from N(0, σ_max²) with the final
// denoising step; StepsPerLevel and Eps as for a Levels model of points
// (sample.PointStepsPerLevel, PointEps) unless given.
func (m *Model) flowGiven(x []float64, rng *rand.Rand, o SampleOptions, st *Stats) error {
	v, err := m.net.Velocity()
	if err != nil {
		return err
	}
	d := m.Dim()
	a := sample.Annealed{Sigmas: flowSigmas(d), StepsPerLevel: o.StepsPerLevel, Eps: o.Eps, Denoise: o.Denoise == nil || *o.Denoise}
	if a.StepsPerLevel == 0 {
		a.StepsPerLevel = sample.PointStepsPerLevel
	}
	if a.Eps == 0 {
		a.Eps = sample.PointEps
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("model: annealed: %w", err)
	}
	top := a.Sigmas[0]
	m.start(x, o, func(x []float64) {
		for i := range x {
			x[i] = top * rng.NormFloat64()
		}
	})
	c, err := m.conditionOf(len(x)/d, o)
	if err != nil {
		return err
	}
	st.Steps = a.Steps()
	st.NFE = st.Steps * c.evals()
	st.Sigmas, st.StepSize, st.StepsPerLevel = a.Sigmas, a.Eps, a.StepsPerLevel
	var obs []sample.Observer
	if f := m.observer(o); f != nil {
		obs = append(obs, func(step int, x []float64) {
			i := min((step-1)/a.StepsPerLevel, len(a.Sigmas)-1)
			f(step, a.Sigmas[i], x)
		})
	}
	return catch(func() { must(c.annealed(a, x, sample.FlowLevels(c.velocity(v), d), rng, obs)) })
}
