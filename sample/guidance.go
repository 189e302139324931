package sample

import (
	"fmt"

	"github.com/sgm-dev/sgm"
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
// (A time-conditioned form would call it with its own uncond.)
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
