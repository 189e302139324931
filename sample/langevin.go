package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
)

// Langevin holds the parameters of plain (unadjusted) Langevin dynamics.
type Langevin struct {
	StepSize float64 // η > 0
	Steps    int     // number of updates, >= 0
}

// Validate reports a parameter out of range, naming it.
func (l Langevin) Validate() error {
	if !(l.StepSize > 0) || math.IsInf(l.StepSize, 0) {
		return fmt.Errorf("step size must be positive and finite, got %v", l.StepSize)
	}
	if l.Steps < 0 {
		return fmt.Errorf("steps must not be negative, got %d", l.Steps)
	}
	return nil
}

// Observer sees the particles x (flat, row-major) after step step (1-based).
// It must not keep x, which the sampler goes on changing.
type Observer func(step int, x []float64)

// Run moves the particles x (flat, row-major, of the score's dimension) in
// place through l.Steps Langevin updates driven by score, drawing the noise
// from rng, and calls each observer after every step. It returns an error,
// moving nothing, if the parameters are out of range (Validate); it panics
// (programmer misuse, see the root package's doc) if the score's dimension
// is below 1 or x is not a whole number of points.
func (l Langevin) Run(x []float64, score sgm.Scorer, rng *rand.Rand, observers ...Observer) error {
	if err := l.Validate(); err != nil {
		return err
	}
	checkPoints("Langevin.Run", x, score.Dim())
	langevin(x, make([]float64, len(x)), score, l.StepSize, l.Steps, 0, rng, observers)
	return nil
}

// checkPoints panics, naming who, unless the dimension d of a score or
// density is at least 1 and x holds a whole number of d-dimensional points.
func checkPoints(who string, x []float64, d int) {
	sgm.CheckBatch("sample: "+who, d, x, x)
}

// langevin moves x through steps Langevin updates of step size eta driven by
// score, with g (of len(x)) as scratch space for the score, and calls the
// observers with step counts first+1, ..., first+steps.
func langevin(x, g []float64, score sgm.Scorer, eta float64, steps, first int, rng *rand.Rand, observers []Observer) {
	half, root := eta/2, math.Sqrt(eta)
	for t := 1; t <= steps; t++ {
		score.ScoreBatch(g, x)
		for i := range x {
			x[i] += half*g[i] + root*rng.NormFloat64()
		}
		for _, o := range observers {
			o(first+t, x)
		}
	}
}

// Uniform returns n points drawn uniformly from the box [lo, hi]^d.
func Uniform(n, d int, lo, hi float64, rng *rand.Rand) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = lo + (hi-lo)*rng.Float64()
	}
	return x
}

// Fill returns n copies of the point p.
func Fill(n int, p ...float64) []float64 {
	x := make([]float64, 0, n*len(p))
	for range n {
		x = append(x, p...)
	}
	return x
}

// Path runs one chain of l from x0 (one point of the score's dimension,
// left unchanged) with noise from rng and returns its path: x0 then the
// position after each of l.Steps steps, flat (the blog post's Figure 2).
// It returns an error for parameters out of range (Validate) and panics,
// as Run does, if x0 is not one point of the score's dimension.
func (l Langevin) Path(x0 []float64, score sgm.Scorer, rng *rand.Rand) ([]float64, error) {
	if len(x0) != score.Dim() {
		panic(fmt.Sprintf("sample: Langevin.Path: %d values for a point of dimension %d", len(x0), score.Dim()))
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	path := Path{Dim: len(x0), Points: append(make([]float64, 0, (l.Steps+1)*len(x0)), x0...)}
	if err := l.Run(append([]float64(nil), x0...), score, rng, path.Observe); err != nil {
		return nil, err
	}
	return path.Points, nil
}

// Path records the positions of one particle over time.
type Path struct {
	Particle int       // which particle to follow
	Dim      int       // the points' dimension
	Points   []float64 // its positions, flat, one per observed step
}

// Observe is an Observer that appends the particle's position.
func (p *Path) Observe(_ int, x []float64) {
	i := p.Particle * p.Dim
	p.Points = append(p.Points, x[i:i+p.Dim]...)
}

// Pool collects the states of all particles at every Every-th step after
// BurnIn steps: the pooled draws of many chains.
type Pool struct {
	BurnIn int       // steps to skip
	Every  int       // keep every Every-th step after that; 0 means 1
	Points []float64 // the kept states, flat
}

// Kept returns how many states of each particle p keeps from a run of
// steps steps: those at steps BurnIn + k·Every for k >= 1 up to steps,
//
//	⌊(steps − BurnIn) / Every⌋
//
// and 0 when BurnIn >= steps. A run that keeps none writes no samples: a
// caller should refuse it.
func (p *Pool) Kept(steps int) int {
	if p.BurnIn >= steps {
		return 0
	}
	return (steps - p.BurnIn) / max(p.Every, 1)
}

// Observe is an Observer that appends the states after burn-in.
func (p *Pool) Observe(step int, x []float64) {
	every := max(p.Every, 1)
	if step > p.BurnIn && (step-p.BurnIn)%every == 0 {
		p.Points = append(p.Points, x...)
	}
}
