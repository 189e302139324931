package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
)

// Kind is what a model's network computes, and so how it is sampled and
// scored: Levels (the blog post's noise-conditional score at a grid of
// noise levels), Diffusion (a time-conditioned score under a forward SDE)
// or Flow (a flow-matching velocity field). The three types below are
// the only kinds; a switch on a Model's Kind never needs a default.
type Kind interface {
	// String names the kind as messages and records do: "levels",
	// "ve", "vp", "subvp" or "flow" (scorenet.Config's Process).
	String() string
	// Samplers lists the samplers SampleOptions.Sampler may name for
	// the kind, the default first.
	Samplers() []string
	kind()
}

// Levels is a noise-conditional score network at the noise levels Sigmas
// (ascending, sgm.Schedule's order), in the network's (standard) units.
// Through its VE reading (VE) it is also sampled by the reverse-time
// samplers, as k-diffusion samples a discrete-σ denoiser.
type Levels struct{ Sigmas sgm.Schedule }

// Diffusion is a time-conditioned score network trained by denoising score
// matching under the forward process SDE.
type Diffusion struct{ SDE sde.SDE }

// Flow is a flow-matching velocity field, from N(0, I) at t = 0 to the
// data at t = 1.
type Flow struct{}

func (Levels) kind()    {}
func (Diffusion) kind() {}
func (Flow) kind()      {}

func (Levels) String() string      { return "levels" }
func (k Diffusion) String() string { return processName(k.SDE) }
func (Flow) String() string        { return "flow" }

// Sampler names.
const (
	Langevin = "langevin" // plain Langevin at one level (Levels)
	Annealed = "annealed" // annealed Langevin over the levels (Levels)
	EM       = "em"       // reverse-SDE Euler-Maruyama
	PC       = "pc"       // predictor-corrector
	ODE      = "ode"      // probability-flow ODE, adaptive Dormand-Prince
	Heun     = "heun"     // EDM's Heun (score models), Heun's method (flows)
	DDIM     = "ddim"     // DDIM (VP only)
	DPM2M    = "dpm2m"    // DPM-Solver++(2M)
	Euler    = "euler"    // Euler's method (flows)
)

// ReverseSamplers are the samplers of a score's reverse process
// (ReverseSampler).
var ReverseSamplers = []string{EM, PC, ODE, Heun, DDIM, DPM2M}

func (Levels) Samplers() []string {
	return []string{Annealed, Langevin, EM, PC, ODE, Heun, DPM2M} // DDIM is VP's
}

// Samplers of a diffusion: the probability-flow ODE first, but for VP
// DDPM's ancestral sampler (ddim, sample.VPSteps and VPEta), which reads
// a learned score's W₂ closer to the floor (sample/ddim.go).
func (k Diffusion) Samplers() []string {
	out := []string{ODE}
	if k.String() == "vp" {
		out = []string{DDIM, ODE}
	}
	for _, s := range ReverseSamplers {
		if slices.Contains(out, s) || s == DDIM && k.String() != "vp" {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (Flow) Samplers() []string { return []string{ODE, Euler, Heun} }

// VE is the variance-exploding SDE of which the levels are a
// discretisation (sde.VE's comment): σ_min the smallest level and σ_max
// the largest, so that the level i of L sits at t = i/(L-1). It returns
// false for a single level, which has no such reading.
func (k Levels) VE() (sde.VE, bool) {
	if len(k.Sigmas) < 2 {
		return sde.VE{}, false
	}
	return sde.VE{SigmaMin: k.Sigmas[0], SigmaMax: k.Sigmas[len(k.Sigmas)-1]}, true
}

// kindOf returns the kind of a network of configuration cfg.
func kindOf(cfg scorenet.Config) Kind {
	if !cfg.Timed() {
		return Levels{Sigmas: cfg.Sigmas}
	}
	if p, ok := cfg.SDE(); ok {
		return Diffusion{SDE: p}
	}
	return Flow{}
}

// processName is the scorenet.Config Process of p.
func processName(p sde.SDE) string {
	switch p.(type) {
	case sde.VE:
		return "ve"
	case sde.VP:
		return "vp"
	case sde.SubVP:
		return "subvp"
	}
	return fmt.Sprint(p)
}

// levelVE is a level network read as a VE score (Levels.VE): at time t
// its noise level σ̂(t) falls between two levels of the grid, and the score
// is interpolated between theirs linearly in log σ (exact at the levels,
// at t = TimeOf(σ_i)); below the smallest level it is the smallest
// level's, as k-diffusion clamps its discrete sigmas.
type levelVE struct {
	at     func(level int) sgm.Scorer
	sigmas sgm.Schedule
	p      sde.VE
	d      int
	tmp    []float64
}

func (s *levelVE) Dim() int { return s.d }

func (s *levelVE) ScoreAt(dst, x []float64, t float64) {
	sgm.CheckBatch("model: ScoreAt", s.d, dst, x)
	lo, hi, w := s.bracket(sde.NoiseLevel(s.p, t))
	s.at(lo).ScoreBatch(dst, x)
	if w == 0 {
		return
	}
	if cap(s.tmp) < len(x) {
		s.tmp = make([]float64, len(x))
	}
	tmp := s.tmp[:len(x)]
	s.at(hi).ScoreBatch(tmp, x)
	for i := range dst {
		dst[i] = (1-w)*dst[i] + w*tmp[i]
	}
}

// bracket returns the levels around sigma and the weight of the upper one.
func (s *levelVE) bracket(sigma float64) (lo, hi int, w float64) {
	L := len(s.sigmas)
	if !(sigma > s.sigmas[0]) {
		return 0, 0, 0
	}
	if sigma >= s.sigmas[L-1] {
		return L - 1, L - 1, 0
	}
	u := math.Log(sigma/s.sigmas[0]) / math.Log(s.sigmas[L-1]/s.sigmas[0]) * float64(L-1)
	lo = min(int(u), L-2)
	// The grid need not be geometric: place sigma between its neighbours.
	for lo > 0 && s.sigmas[lo] > sigma {
		lo--
	}
	for lo < L-2 && s.sigmas[lo+1] <= sigma {
		lo++
	}
	w = math.Log(sigma/s.sigmas[lo]) / math.Log(s.sigmas[lo+1]/s.sigmas[lo])
	if w < 1e-12 {
		return lo, lo, 0
	}
	if w > 1-1e-12 {
		return lo + 1, lo + 1, 0
	}
	return lo, lo + 1, w
}
