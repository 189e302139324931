package metric

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// FarCoord bounds the coordinates of the samples and reference points
// that the point metrics (W₂, W₁, the energy distance, RBF-MMD) are
// measured on by Evaluate: a sample beyond it is taken for a diverged
// sampler, and a reference point beyond it is refused alike. The metrics
// themselves scale far points; the exact W₂ hung on a target at 1e154
// before they did.
const FarCoord = 1e100

// DefaultWPoints is the number of points of each set Evaluate measures the
// point metrics on when EvalOptions.WPoints is 0: the exact W₂ and W₁ of
// 1000 points take about a second each on one core; their cost grows as
// n³ in the worst case (5000 points: 20 s, see Wasserstein2).
const DefaultWPoints = 1000

// A FarError says that a point has a coordinate beyond ±FarCoord, where the
// point metrics are not measured.
type FarError struct {
	Target bool    // a point of the target's, not a sample
	Point  int     // the point, counted from 1
	Value  float64 // its coordinate beyond the limit
}

func (e *FarError) Error() string {
	if e.Target {
		return fmt.Sprintf("point %d has coordinate %v, beyond ±%g, the largest the point metrics measure", e.Point, e.Value, FarCoord)
	}
	return fmt.Sprintf("sample %d has coordinate %v, beyond ±%g, the largest the point metrics measure; a diverged sampler?", e.Point, e.Value, FarCoord)
}

// A TargetError is an error of the target Evaluate was given, rather
// than of the samples: a data set too small, a point beyond FarCoord.
type TargetError struct{ Err error }

func (e *TargetError) Error() string { return e.Err.Error() }
func (e *TargetError) Unwrap() error { return e.Err }

// farPoint returns the FarError of the first point of p (dimension d) with
// a coordinate beyond ±FarCoord, or nil.
func farPoint(p []float64, d int, target bool) *FarError {
	if i := slices.IndexFunc(p, func(v float64) bool { return math.Abs(v) > FarCoord }); i >= 0 {
		return &FarError{Target: target, Point: i/d + 1, Value: p[i]}
	}
	return nil
}

// Target is what Evaluate measures samples against. Exactly one of
// Mixture, Image, Source and Points is set.
type Target struct {
	// Mixture is a density with exact draws (a preset or JSON mixture,
	// perhaps perturbed by noise): the report has the sliced Wasserstein
	// distance, MMD, the mode weights and the point metrics.
	Mixture *dist.Mixture

	// Image is an image as a distribution over pixel coordinates, drawn
	// smoothed by N(0, Sigma²I) when Sigma > 0 (which must then pass
	// dist.CheckNoise): the report has the sliced Wasserstein distance,
	// MMD and the pixel-histogram metrics against the image, and against
	// the smoothed image when Sigma > 0.
	Image *dist.Image
	Sigma float64

	// Source draws independent points of a distribution without a
	// density, such as a toy's data.Toy.IID: the report has the point
	// metrics.
	Source sgm.Source

	// Points is a data set of dimension D, at least 4 points: the
	// reference and the floors' pairs are disjoint random subsets of it,
	// so the point metrics use at most half of it.
	Points []float64
	D      int
}

// Dim is the dimension of the target's points.
func (t Target) Dim() int {
	switch {
	case t.Mixture != nil:
		return t.Mixture.Dim()
	case t.Image != nil:
		return 2
	case t.Source != nil:
		return t.Source.Dim()
	}
	return t.D
}

// EvalOptions are Evaluate's settings; the zero value is the defaults of
// sgm eval.
type EvalOptions struct {
	Projections int // directions of SlicedWasserstein; 0 means DefaultProjections
	MMDPoints   int // points of each set MMD uses at most; 0 means DefaultMMDPoints
	WPoints     int // points of each set the point metrics use at most; 0 means DefaultWPoints
	Reps        int // pairs of exact draws each noise floor is the mean of; 0 means FloorReps

	// Log, when not nil, is told in one line each how many points the
	// point metrics are measured on and why, when the floors are drawn,
	// and why a metric is left out.
	Log func(line string)
}

func (o EvalOptions) withDefaults() EvalOptions {
	if o.Projections == 0 {
		o.Projections = DefaultProjections
	}
	if o.MMDPoints == 0 {
		o.MMDPoints = DefaultMMDPoints
	}
	if o.WPoints == 0 {
		o.WPoints = DefaultWPoints
	}
	if o.Reps == 0 {
		o.Reps = FloorReps
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
	return o
}

// Evaluate measures the samples x (flat, dimension d) against the target t
// and returns the report, every metric beside its noise floor: the mean
// and standard deviation, over o.Reps pairs of exact draws of the same
// size, of the metric between the two draws of a pair (or of one draw, for
// a one-sample metric such as a mode-weight error). Which metrics a target
// has is said at Target's fields.
//
// It returns an error for fewer than 2 samples, a sample that is not
// finite, samples of another dimension than the target's, a Points target
// of fewer than 4 points, and, for a Source or Points target, a sample or
// reference point beyond ±FarCoord (a *FarError; errors of the target are
// *TargetErrors); against a Mixture such
// samples are measured by the other metrics, and o.Log is told why the
// point metrics are left out. It panics if x does not hold whole points
// or an option is out of range after the defaults (Projections or Reps
// below 1, MMDPoints or WPoints below 2).
func Evaluate(x []float64, d int, t Target, o EvalOptions, rng *rand.Rand) (Report, error) {
	o = o.withDefaults()
	n := checkPoints("Evaluate", "x", x, d)
	if o.Projections < 1 || o.MMDPoints < 2 || o.WPoints < 2 || o.Reps < 1 {
		panic(fmt.Sprintf("metric: Evaluate: options %+v out of range", o))
	}
	if n < 2 {
		return Report{}, fmt.Errorf("%d samples; at least 2 are needed", n)
	}
	if bad := nonFiniteRows(x, d); bad > 0 {
		return Report{}, fmt.Errorf("%d of %d samples are not finite (NaN or Inf); a diverged sampler?", bad, n)
	}
	if t.Dim() != d {
		return Report{}, fmt.Errorf("samples of dimension %d, target of dimension %d", d, t.Dim())
	}
	r := Report{N: n}
	switch {
	case t.Source != nil || t.Points != nil:
		if err := farPoint(x, d, false); err != nil {
			return Report{}, err
		}
		if err := farPoint(t.Points, d, true); err != nil {
			return Report{}, &TargetError{err}
		}
		if m := len(t.Points) / d; t.Points != nil && m < 4 {
			return Report{}, &TargetError{fmt.Errorf("%d reference points: want at least 4 (two disjoint sets of 2 for the noise floors)", m)}
		}
		r.setPoints(x, d, t, o, rng)
		return r, nil
	case t.Mixture != nil:
		m := t.Mixture
		r.ModeWeights = ModeWeights(m, x)
		if far := farPoint(x, d, false); far != nil {
			o.Log(fmt.Sprintf("w2, w1, energy and rbf_mmd left out: %v (their squared distances would overflow)", far))
		} else {
			r.setPoints(x, d, t, o, rng)
		}
		r.setDensity(x, d, drawer(m), o, rng, []**float64{&r.ModeWeightError}, [][2]**float64{{&r.ModeWeightErrorFloor, &r.ModeWeightErrorFloorSD}},
			func(x []float64) []float64 { return []float64{ModeWeightError(m, ModeWeights(m, x))} })
		return r, nil
	}
	im := t.Image
	draw := drawer(im)
	value := []**float64{&r.HistCorr, &r.HistTV}
	floor := [][2]**float64{{&r.HistCorrFloor, &r.HistCorrFloorSD}, {&r.HistTVFloor, &r.HistTVFloorSD}}
	one := func(x []float64) []float64 {
		return []float64{HistCorr(x, im.Pix, im.H, im.W), HistTV(x, im.Pix, im.H, im.W)}
	}
	if s := t.Sigma; s > 0 {
		draw = drawer(im.Smoothed(s))
		hist, plain := SmoothedImageHistogram(im, s), one
		one = func(x []float64) []float64 {
			return append(plain(x), HistCorr(x, hist, im.H, im.W), HistTVSmoothed(x, im, s))
		}
		value = append(value, &r.HistCorrSmoothed, &r.HistTVSmoothed)
		floor = append(floor, [2]**float64{&r.HistCorrSmoothedFloor, &r.HistCorrSmoothedFloorSD}, [2]**float64{&r.HistTVSmoothedFloor, &r.HistTVSmoothedFloorSD})
	}
	r.setDensity(x, d, draw, o, rng, value, floor, one)
	return r, nil
}

// drawer is s's Sample into new slices.
func drawer(s sgm.Source) func(n int, rng *rand.Rand) []float64 {
	return func(n int, rng *rand.Rand) []float64 { return s.Sample(nil, n, rng) }
}

// setDensity sets the metrics of samples x against a target with exact
// draws: the one-sample metrics one (into value), the sliced Wasserstein
// distance and MMD against one exact draw of as many points, and their
// floors over o.Reps pairs of exact draws.
func (r *Report) setDensity(x []float64, d int, draw func(int, *rand.Rand) []float64, o EvalOptions, rng *rand.Rand,
	value []**float64, floor [][2]**float64, one func(x []float64) []float64) {
	n := len(x) / d
	ref := draw(n, rng)
	for i, v := range one(x) {
		*value[i] = new(v)
	}
	r.SWD, r.SWDProjections = new(SlicedWasserstein(x, ref, d, o.Projections, rng)), o.Projections
	mmd := MMDSubsample(x, ref, d, o.MMDPoints, rng)
	r.SetMMD(mmd)
	o.Log(fmt.Sprintf("noise floors over %d pairs of exact draws of %d points", o.Reps, n))
	floors := Floors(DrawPair(draw, n), o.Reps, rng, func(a, b []float64, rng *rand.Rand) []float64 {
		return append(one(a), SlicedWasserstein(a, b, d, o.Projections, rng), MMDSubsampleAt(a, b, d, o.MMDPoints, mmd.Bandwidth, rng).MMD2)
	})
	floor = append(floor, [2]**float64{&r.SWDFloor, &r.SWDFloorSD}, [2]**float64{&r.MMDFloor, &r.MMDFloorSD})
	for i, f := range floor {
		r.SetFloor(f[0], f[1], floors[i])
	}
}

// setPoints sets r's point metrics (SetPointMetrics) of the samples x
// against t on n = min(samples, o.WPoints) points of each: a draw of n
// independent points of a distribution, or n points of a data set (n
// then at most half its points), and the floors over o.Reps pairs of such
// draws (of disjoint subsets of a data set).
func (r *Report) setPoints(x []float64, d int, t Target, o EvalOptions, rng *rand.Rand) {
	all := len(x) / d
	n := min(all, o.WPoints)
	var ref []float64
	var pair Pair
	if t.Points != nil {
		n = min(n, len(t.Points)/d/2)
		ref, pair = Subsample(t.Points, d, n, rng), SplitPair(t.Points, d, n)
	} else {
		draw := drawer(t.Source)
		if t.Mixture != nil {
			draw = drawer(t.Mixture)
		}
		ref, pair = draw(n, rng), DrawPair(draw, n)
	}
	why := fmt.Sprintf("at most %d, as asked", o.WPoints)
	if n < min(all, o.WPoints) {
		why = fmt.Sprintf("half the %d points of the target", len(t.Points)/d)
	} else if n == all && n < o.WPoints {
		why = "all the samples"
	}
	o.Log(fmt.Sprintf("w2, w1, energy and rbf_mmd on %d of the %d samples and %d reference points (%s; exact W₂ costs O(n³)), floors over %d pairs",
		n, all, n, why, o.Reps))
	r.SetPointMetrics(Subsample(x, d, n, rng), ref, d, pair, o.Reps, rng)
}

// nonFiniteRows counts the points of x (dimension d) with a NaN or
// infinite coordinate.
func nonFiniteRows(x []float64, d int) int {
	bad := 0
	for i := 0; i < len(x); i += d {
		if slices.ContainsFunc(x[i:i+d], func(v float64) bool { return !finite(v) }) {
			bad++
		}
	}
	return bad
}
