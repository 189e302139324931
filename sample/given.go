package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/sde"
)

// Given samples some coordinates of every particle given the values of the
// others (inpainting, imputation). Its samplers drive the free coordinates
// with the score evaluated where the given coordinates hold their values,
// and set the given coordinates to those values after every step:
//
//	x_F ← x_F + (η/2) ∇_F log p_σ(x_F, c_σ(v)) + √η z
//
// At noise level σ, c_σ(v) is v itself by default: Langevin dynamics on
// the conditional score of the perturbed joint, ∇_F log p_σ(x_F | x̃_G = v).
// With Replace, c_σ(v) = v + σ z' with fresh z' at every evaluation, Song
// et al. (2021, appendix I.2)'s imputation by replacement. Under a forward
// SDE with kernel N(a(t) x₀, s(t)² I) the values are a(t) v, or
// a(t) v + s(t) z' with Replace, at time t.
//
// Both need only the joint score, which is all a trained network has, and
// neither is exact: at the levels where the modes part, the perturbed
// joint weighs the components by p_σ(v) instead of p(v), and Langevin does
// not move particles between separated modes afterwards. Measured with a
// mixture's exact joint score against its closed-form conditional
// (TestGivenJointMethods, 4000 chains), the component weights were off by
// 0.050 by default and 0.063 with replacement under annealed Langevin,
// 0.20 either way under the reverse VP SDE's Euler-Maruyama: the default
// with Annealed is the most accurate, and costs no extra random draws.
// Where the density is a known mixture, Exact gives the conditional's own
// scores at every level, whose weights are right (TestGivenExact: within 2
// standard errors).
type Given struct {
	// Values are the given values: Dim of them, shared by every particle,
	// or one row of Dim per particle (flat, row-major, as the particles).
	// NaN marks a free coordinate; every other value must be finite.
	Values []float64

	// Replace evaluates the score with noisy copies of the given values
	// (see above); Rand is the source of their noise and must then be set.
	Replace bool
	Rand    *rand.Rand
}

// Validate reports whether g suits a batch of n points of dimension d:
// Values of length d or n·d, each NaN or finite, and Rand set with
// Replace.
func (g Given) Validate(n, d int) error {
	if len(g.Values) != d && len(g.Values) != n*d {
		return fmt.Errorf("given values: %d of them for %d points of dimension %d: want %d, or %d (one row per point)", len(g.Values), n, d, d, n*d)
	}
	for i, v := range g.Values {
		if math.IsInf(v, 0) {
			return fmt.Errorf("given value of coordinate %d (row %d) must be finite or NaN (free), got %v", i%d, i/d, v)
		}
	}
	if g.Replace && g.Rand == nil {
		return fmt.Errorf("given values with Replace need a random source (Rand)")
	}
	return nil
}

// value returns the given value of coordinate i of the flat batch (NaN if
// free).
func (g Given) value(i int, d int) float64 {
	if len(g.Values) == d {
		return g.Values[i%d]
	}
	return g.Values[i]
}

// Fill sets the given coordinates of the particles x (flat, row-major, of
// the dimension g was validated for) to their values.
func (g Given) Fill(x []float64, d int) {
	for i := range x {
		if v := g.value(i, d); !math.IsNaN(v) {
			x[i] = v
		}
	}
}

// observer is an Observer that sets the given coordinates to their values
// (Fill), so that every later observer and the next step see them.
func (g Given) observer(d int) Observer {
	return func(_ int, x []float64) { g.Fill(x, d) }
}

// scorer returns score evaluated with the given coordinates at a·v (+ s z'
// with Replace) and zero in them.
func (g Given) scorer(score sgm.Scorer, a, s float64) sgm.Scorer {
	return &givenScorer{g: g, score: score, a: a, s: s}
}

type givenScorer struct {
	g     Given
	score sgm.Scorer
	a, s  float64
	buf   []float64
}

func (gs *givenScorer) Dim() int { return gs.score.Dim() }

func (gs *givenScorer) ScoreBatch(dst, x []float64) {
	d := gs.score.Dim()
	sgm.CheckBatch("sample: Given", d, dst, x)
	gs.buf = append(gs.buf[:0], x...)
	gs.g.condition(gs.buf, d, gs.a, gs.s)
	gs.score.ScoreBatch(dst, gs.buf)
	gs.g.zero(dst, d)
}

// condition sets the given coordinates of x to a·v, plus s z' with Replace.
func (g Given) condition(x []float64, d int, a, s float64) {
	for i := range x {
		v := g.value(i, d)
		if math.IsNaN(v) {
			continue
		}
		x[i] = a * v
		if g.Replace {
			x[i] += s * g.Rand.NormFloat64()
		}
	}
}

// zero sets the given coordinates of dst to 0.
func (g Given) zero(dst []float64, d int) {
	for i := range dst {
		if !math.IsNaN(g.value(i, d)) {
			dst[i] = 0
		}
	}
}

// check validates g for the particles x of dimension d, panicking on a
// batch that is not whole points as the samplers do.
func (g Given) check(who string, x []float64, d int) error {
	checkPoints(who, x, d)
	return g.Validate(len(x)/d, d)
}

// Langevin runs l on the particles x with their given coordinates held at
// their values: plain Langevin on the conditional score (Replace, having
// no noise level, does not apply and is refused). Observers see the given
// coordinates at their values.
func (g Given) Langevin(l Langevin, x []float64, score sgm.Scorer, rng *rand.Rand, observers ...Observer) error {
	d := score.Dim()
	if err := g.check("Given.Langevin", x, d); err != nil {
		return err
	}
	if g.Replace {
		return fmt.Errorf("given values: Replace needs noise levels (Annealed or a reverse sampler), not plain Langevin")
	}
	g.Fill(x, d)
	return l.Run(x, g.scorer(score, 1, 0), rng, append([]Observer{g.observer(d)}, observers...)...)
}

// Annealed runs a on the particles x with their given coordinates held at
// their values: at level σ the score is levels(σ) evaluated with the given
// coordinates at v (v + σ z' with Replace). Observers see the given
// coordinates at their values.
func (g Given) Annealed(a Annealed, x []float64, levels Levels, rng *rand.Rand, observers ...Observer) error {
	if err := a.Validate(); err != nil {
		return err
	}
	d := levels(a.Sigmas[0]).Dim()
	if err := g.check("Given.Annealed", x, d); err != nil {
		return err
	}
	g.Fill(x, d)
	cond := func(sigma float64) sgm.Scorer { return g.scorer(levels(sigma), 1, sigma) }
	return a.Run(x, cond, rng, append([]Observer{g.observer(d)}, observers...)...)
}

// Reverse runs the reverse-time sampler r of the forward process p on the
// particles x, drawn from its prior, with the score evaluated at time t
// with the given coordinates at a(t) v (a(t) v + s(t) z' with Replace),
// where a(t) and s(t) are p's kernel's scale and standard deviation, and
// zero in them; the given coordinates of x are set to their values at the
// end. It returns r's NFE.
func (g Given) Reverse(r Reverse, x []float64, p sde.SDE, score sde.TimeScorer, rng *rand.Rand) (int, error) {
	d := score.Dim()
	if err := g.check("Given.Reverse", x, d); err != nil {
		return 0, err
	}
	nfe, err := r.Sample(x, p, &givenTimeScorer{g: g, p: p, score: score}, rng)
	if err != nil {
		return nfe, err
	}
	g.Fill(x, d)
	return nfe, nil
}

type givenTimeScorer struct {
	g     Given
	p     sde.SDE
	score sde.TimeScorer
	buf   []float64
}

func (gs *givenTimeScorer) Dim() int { return gs.score.Dim() }

func (gs *givenTimeScorer) ScoreAt(dst, x []float64, t float64) {
	d := gs.score.Dim()
	sgm.CheckBatch("sample: Given", d, dst, x)
	a, s := gs.p.Marginal(t)
	gs.buf = append(gs.buf[:0], x...)
	gs.g.condition(gs.buf, d, a, s)
	gs.score.ScoreAt(dst, gs.buf, t)
	gs.g.zero(dst, d)
}

// Exact returns the Levels of the exact conditionals of the mixture m given
// g's values, for n particles: at level σ, particle i's free coordinates
// are driven by the score of its conditional (dist.Mixture.Given) perturbed
// by N(0, σ² I), and its given coordinates by zero. With Given.Annealed it
// samples the conditional exactly up to the annealed sampler's own bias
// (its last level and step size): Langevin on the conditional score, with
// the conditional's component weights at every level. It returns
// dist.Mixture.Given's error (a row with every coordinate given is
// allowed: nothing of it moves) and Validate's.
func (g Given) Exact(m *dist.Mixture, n int) (Levels, error) {
	d := m.Dim()
	if err := g.Validate(n, d); err != nil {
		return nil, err
	}
	rows := 1
	if len(g.Values) != d {
		rows = n
	}
	conds := make([]*dist.Mixture, rows)
	free := make([][]int, rows)
	for r := range rows {
		v := g.Values[r*d : (r+1)*d]
		for j, x := range v {
			if math.IsNaN(x) {
				free[r] = append(free[r], j)
			}
		}
		if len(free[r]) == 0 {
			continue
		}
		c, err := m.Given(v)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", r, err)
		}
		conds[r] = c
	}
	return func(sigma float64) sgm.Scorer {
		pert := make([]*dist.Mixture, rows)
		for r, c := range conds {
			if c != nil {
				pert[r] = c.Perturbed(sigma)
			}
		}
		return &exactGiven{d: d, conds: pert, free: free}
	}, nil
}

// exactGiven is the score of per-row conditionals, zero in the given
// coordinates.
type exactGiven struct {
	d      int
	conds  []*dist.Mixture // per row (one shared row if len 1); nil: nothing free
	free   [][]int
	xf, sf []float64
}

func (e *exactGiven) Dim() int { return e.d }

func (e *exactGiven) ScoreBatch(dst, x []float64) {
	d := e.d
	sgm.CheckBatch("sample: Given.Exact", d, dst, x)
	clear(dst)
	for i := 0; i < len(x)/d; i++ {
		r := 0
		if len(e.conds) > 1 {
			r = i
		}
		c := e.conds[r]
		if c == nil {
			continue
		}
		f := e.free[r]
		e.xf, e.sf = e.xf[:0], append(e.sf[:0], make([]float64, len(f))...)
		for _, j := range f {
			e.xf = append(e.xf, x[i*d+j])
		}
		c.ScoreInput(e.sf, e.xf)
		for jj, j := range f {
			dst[i*d+j] = e.sf[jj]
		}
	}
}
