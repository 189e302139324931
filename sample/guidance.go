package sample

import (
	"fmt"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// MaxGuidance bounds the guidance weight: beyond it the guided score is
// dominated by the difference of two scores, and samples leave the data.
const MaxGuidance = 100

// CheckGuidance returns an error unless w is a guidance weight: finite and
// in [0, MaxGuidance].
func CheckGuidance(w float64) error {
	if !(w >= 0 && w <= MaxGuidance) {
		return fmt.Errorf("guidance must be in [0, %d], got %v", MaxGuidance, w)
	}
	return nil
}

// Guided is classifier-free guidance (Ho & Salimans 2022): the score
//
//	s_W(x) = s_u(x) + (1+W) (s_c(x) - s_u(x))
//
// of the conditional score s_c = Cond and the unconditional s_u = Uncond,
// the score of p_u^{-W} p_c^{1+W}, which for W > 0 sharpens the
// conditional density where it differs from the unconditional one (more
// separated classes, less diversity). W = 0 is the conditional score
// itself, and costs one evaluation of Cond; W > 0 costs one more, of
// Uncond. W must pass CheckGuidance; ScoreBatch panics otherwise.
type Guided struct {
	Cond, Uncond sgm.Scorer
	W            float64
	buf          []float64
}

// Dim returns Cond's dimension.
func (g *Guided) Dim() int { return g.Cond.Dim() }

// ScoreBatch sets dst to the guided score at x.
func (g *Guided) ScoreBatch(dst, x []float64) {
	if err := CheckGuidance(g.W); err != nil {
		panic("sample: Guided: " + err.Error())
	}
	g.Cond.ScoreBatch(dst, x)
	if g.W == 0 {
		return
	}
	g.buf = guide(dst, g.buf, x, g.W, g.Uncond.ScoreBatch)
}

// guide turns the conditional score c in dst into u + (1+w)(c - u), with
// uncond(u, x) evaluating u into buf (grown to len(x)), which it returns.
func guide(dst, buf, x []float64, w float64, uncond func(dst, x []float64)) []float64 {
	if cap(buf) < len(x) {
		buf = make([]float64, len(x))
	}
	u := buf[:len(x)]
	uncond(u, x)
	for i, c := range dst {
		dst[i] = u[i] + (1+w)*(c-u[i])
	}
	return buf
}

// GuidedLevels is Guided at every noise level: the guided score of cond(σ)
// and uncond(σ).
func GuidedLevels(cond, uncond Levels, w float64) Levels {
	return func(sigma float64) sgm.Scorer {
		return &Guided{Cond: cond(sigma), Uncond: uncond(sigma), W: w}
	}
}

// GuidedTime is Guided for time-conditioned scores (the reverse samplers'
// sde.TimeScorer): s_u(x, t) + (1+W)(s_c(x, t) - s_u(x, t)) at every t.
type GuidedTime struct {
	Cond, Uncond sde.TimeScorer
	W            float64
	buf          []float64
}

// Dim returns Cond's dimension.
func (g *GuidedTime) Dim() int { return g.Cond.Dim() }

// ScoreAt sets dst to the guided score at x and time t.
func (g *GuidedTime) ScoreAt(dst, x []float64, t float64) {
	if err := CheckGuidance(g.W); err != nil {
		panic("sample: GuidedTime: " + err.Error())
	}
	g.Cond.ScoreAt(dst, x, t)
	if g.W == 0 {
		return
	}
	g.buf = guide(dst, g.buf, x, g.W, func(u, x []float64) { g.Uncond.ScoreAt(u, x, t) })
}

// GuidedVelocity is classifier-free guidance of a flow's velocity,
//
//	v_W(x, t) = v_u(x, t) + (1+W) (v_c(x, t) - v_u(x, t)),
//
// of the conditional velocity cond and the unconditional uncond. It is the
// guided score's velocity: on the linear path x_t = t x₁ + (1-t) x₀ from
// x₀ ~ N(0, I) the velocity is affine in the score of x_t's marginal with
// coefficients that do not depend on the class,
//
//	v(x, t) = (x + (1-t) s(x, t)) / t,
//
// so s_u + (1+W)(s_c - s_u) maps to v_u + (1+W)(v_c - v_u) (the weights
// 1+W and -W sum to 1, which keeps x/t). This is the form of Zheng et al.
// 2023 ("Guided Flows for Generative Modeling and Decision Making", with
// their ω = 1+W), which Lipman et al. 2024 ("Flow Matching Guide and
// Code") also give for classifier-free guidance of flows.
// W = 0 evaluates cond alone. W must pass CheckGuidance; the field panics
// otherwise.
func GuidedVelocity(cond, uncond ode.Func, w float64) ode.Func {
	if w == 0 {
		return cond
	}
	var buf []float64
	return func(t float64, x, dxdt []float64) {
		if err := CheckGuidance(w); err != nil {
			panic("sample: GuidedVelocity: " + err.Error())
		}
		cond(t, x, dxdt)
		buf = guide(dxdt, buf, x, w, func(u, x []float64) { uncond(t, x, u) })
	}
}
