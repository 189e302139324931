package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sgm-dev/sgm"
)

// Given returns the conditional density of the coordinates of m that given
// leaves free, given the values of the others. given has length Dim():
// given[j] is the value of coordinate j, or NaN where coordinate j is free.
// Because each component's covariance is diagonal, its coordinates are
// independent given the component, and the conditional is again a
// diagonal mixture, over the free coordinates F (in ascending order), with
// the same means and standard deviations there and the weights
//
//	w'_k ∝ w_k N(v_G; μ_kG, diag(σ_kG²))
//
// where G are the given coordinates and v_G their values: Bayes' rule on
// the component, the responsibilities of v_G under the marginal mixture of
// G (GivenWeights). They are computed in log space (Responsibilities), so
// values far in the tails, where every component's density underflows,
// still give the components nearest them in standard deviations.
// Components whose term lies more than 64 below the largest (weight below
// about 1.6e-28 of it, under the sum's rounding) are dropped, so the result
// may have fewer components than m.
//
// It returns an error naming the coordinate if a given value is infinite,
// and an error if no coordinate is free (there is nothing to sample);
// len(given) != Dim() is misuse and panics. With no coordinate given it
// returns a copy of m.
func (m *Mixture) Given(given []float64) (*Mixture, error) {
	w, free, err := m.givenWeights("Given", given)
	if err != nil {
		return nil, err
	}
	if len(free) == 0 {
		return nil, fmt.Errorf("every one of the %d coordinates is given: at least one must be free", m.d)
	}
	var keep []int
	for c, v := range w {
		if v > 0 {
			keep = append(keep, c)
		}
	}
	k, kk, d := m.k, len(keep), len(free)
	weight := make([]float64, kk)
	mean := make([]float64, kk*d)
	std := make([]float64, kk*d)
	for i, c := range keep {
		weight[i] = w[c]
		for jj, j := range free {
			mean[jj*kk+i] = m.mean[j*k+c]
			std[jj*kk+i] = m.std[j*k+c]
		}
	}
	normalise(weight)
	return newMixture(d, weight, mean, std), nil
}

// GivenWeights returns the weights of m's components in its conditional
// given the values given (as Given takes them, NaN for a free coordinate),
// one per component of m in m's order, zero for those Given drops: the
// posterior probability of each component given the given values,
//
//	P(k | v_G) = w_k N(v_G; μ_kG, diag(σ_kG²)) / Σ_c w_c N(v_G; μ_cG, diag(σ_cG²))
//
// With no coordinate given they are m's weights. It returns an error
// naming the coordinate if a given value is infinite; len(given) != Dim()
// panics.
func (m *Mixture) GivenWeights(given []float64) ([]float64, error) {
	w, _, err := m.givenWeights("GivenWeights", given)
	return w, err
}

// givenWeights returns GivenWeights and the free coordinates.
func (m *Mixture) givenWeights(who string, given []float64) (w []float64, free []int, err error) {
	if len(given) != m.d {
		panic(fmt.Sprintf("dist: %s: len(given)=%d != dimension %d", who, len(given), m.d))
	}
	var g []int
	var v []float64
	for j, x := range given {
		switch {
		case math.IsNaN(x):
			free = append(free, j)
		case math.IsInf(x, 0):
			return nil, nil, fmt.Errorf("given value of coordinate %d must be finite, got %v", j, x)
		default:
			g = append(g, j)
			v = append(v, x)
		}
	}
	if len(g) == 0 {
		return append([]float64(nil), m.weight...), free, nil
	}
	return m.Marginal(g...).Responsibilities(nil, v), free, nil
}

// Marginal returns the marginal density of the coordinates idx of m, in
// that order: the mixture of the components' Gaussians over those
// coordinates, with the same weights. It panics if idx is empty or holds
// an index out of range.
func (m *Mixture) Marginal(idx ...int) *Mixture {
	if len(idx) == 0 {
		panic("dist: Marginal: no coordinate")
	}
	k := m.k
	mean := make([]float64, len(idx)*k)
	std := make([]float64, len(idx)*k)
	for jj, j := range idx {
		if j < 0 || j >= m.d {
			panic(fmt.Sprintf("dist: Marginal: coordinate %d out of range [0, %d)", j, m.d))
		}
		copy(mean[jj*k:(jj+1)*k], m.mean[j*k:(j+1)*k])
		copy(std[jj*k:(jj+1)*k], m.std[j*k:(j+1)*k])
	}
	return newMixture(len(idx), append([]float64(nil), m.weight...), mean, std)
}

// SampleLabelled is Sample, the same points for the same rng, with the
// component each was drawn from, an index in m's order: a mixture as a
// source of labelled points. It panics as Sample does.
func (m *Mixture) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	d := m.d
	x := sgm.SampleDst("dist: SampleLabelled", dst, n, d)
	labels := make([]int, n)
	for i := range n {
		labels[i] = m.draw(x[i*d:(i+1)*d], rng)
	}
	return x, labels
}

// A RowError is the error of one row of per-point values (SampleGiven's
// rows of given values); Row counts from 0.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row+1, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// SampleGiven sets dst, n points of dimension Dim (flat, row-major), to
// exact draws of m's conditionals (Given) with rng: given holds the values
// as Given takes them (NaN for a free coordinate), Dim of them shared by
// every point or n·Dim, one row per point. Each point holds its row's
// given values exactly and a draw of the free ones; a row with every
// coordinate given is copied as it is. Shared values make one conditional
// for all the points. It returns Given's error, as a *RowError for a row
// of n·Dim values; a dst or given of another length panics.
func (m *Mixture) SampleGiven(dst, given []float64, n int, rng *rand.Rand) error {
	d := m.d
	shared := len(given) == d
	if len(dst) != n*d || !shared && len(given) != n*d {
		panic(fmt.Sprintf("dist: SampleGiven: %d values and %d given for %d points of dimension %d", len(dst), len(given), n, d))
	}
	var c *Mixture // the conditional of the current row; nil where all are given
	var free []float64
	for i := range n {
		row := given
		if !shared {
			row = given[i*d : (i+1)*d]
		}
		if i == 0 || !shared {
			c = nil
			if slices.ContainsFunc(row, math.IsNaN) {
				var err error
				if c, err = m.Given(row); err != nil {
					if shared {
						return err
					}
					return &RowError{Row: i, Err: err}
				}
				free = make([]float64, c.Dim())
			}
		}
		out := dst[i*d : (i+1)*d]
		copy(out, row)
		if c == nil {
			continue
		}
		c.Rand(free, rng)
		k := 0
		for j, v := range row {
			if math.IsNaN(v) {
				out[j] = free[k]
				k++
			}
		}
	}
	return nil
}
