package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
)

// Constants of eval's point metrics.
const (
	// defaultWPoints is the default of --w-points: the exact W₂ and W₁ of
	// 1000 points took about a second each on one core here; their cost
	// grows as n³ in the worst case (5000 points: 20 s, see
	// metric.Wasserstein2).
	defaultWPoints = 1000
	maxWPoints     = 5000

	// farCoord bounds the coordinates of the samples and target points
	// that the point metrics are measured on: a sample beyond it is taken
	// for a diverged sampler, and a target beyond it is refused alike (the
	// metrics themselves scale far points; the exact W₂ hung on a target
	// at 1e154 before they did).
	farCoord = 1e100
)

// wPointsHelp documents --w-points.
const wPointsHelp = "with --samples and a point or mixture target: measure W2, W1, RBF-MMD and the energy distance on this many samples and as many reference points (at most 5000: the exact Wasserstein distances cost O(n^3))"

// evalPoints measures samples x (n points in R^d) against a point target
// (toy:NAME, .csv or .npy): exact W₂, W₁, RBF-MMD at torchcfm's bandwidths
// and the energy distance, each with its noise floor.
func evalPoints(e *env, f evalFlags, x []float64, d int) error {
	src, err := readReference("target", f.target)
	if err != nil {
		return err
	}
	if src.d != d {
		return fmt.Errorf("%s has %d columns; the target %s is %d-dimensional", f.samples, d, f.target, src.d)
	}
	if i := slices.IndexFunc(x, func(v float64) bool { return math.Abs(v) > farCoord }); i >= 0 {
		// comparePoints would leave every metric out: say why rather
		// than report nothing.
		return fmt.Errorf("%s: sample %d has coordinate %v, beyond ±%g, the largest the point metrics measure; a diverged sampler?", f.samples, i/d+1, x[i], farCoord)
	}
	if i := slices.IndexFunc(src.points, func(v float64) bool { return math.Abs(v) > farCoord }); i >= 0 {
		// The target is capped as the samples are.
		return fmt.Errorf("--target %s: point %d has coordinate %v, beyond ±%g, the largest the point metrics measure", f.target, i/d+1, src.points[i], farCoord)
	}
	r := metric.Report{N: len(x) / d}
	if err := comparePoints(e, &r, x, d, src, f.wPoints, rand.New(rand.NewPCG(f.seed, 0xe7a2))); err != nil {
		return err
	}
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	return printReport(e, r)
}

// comparePoints sets r's point metrics (metric.Report.SetPointMetrics) of
// the samples x against src on n = min(samples, maxN) points of each: a
// draw of n independent points of a distribution, or n points of a file
// (n then at most half its points), and the noise floors over
// metric.FloorReps pairs of such draws (of disjoint subsets of a file).
//
// It says on stderr how many points it measures, and why.
//
// Samples with a coordinate beyond ±farCoord are not measured (the
// metrics are left out): their squared distances would overflow.
func comparePoints(e *env, r *metric.Report, x []float64, d int, src referenceSource, maxN int, rng *rand.Rand) error {
	for _, v := range x {
		if math.Abs(v) > farCoord {
			return nil
		}
	}
	n := min(len(x)/d, maxN)
	var ref []float64
	var pair metric.Pair
	if src.points != nil {
		m := len(src.points) / d
		if m < 4 {
			return fmt.Errorf("--target: %d reference points: want at least 4 (two disjoint sets of 2 for the noise floors)", m)
		}
		n = min(n, m/2)
		ref, pair = metric.Subsample(src.points, d, n, rng), metric.SplitPair(src.points, d, n)
	} else {
		draw := src.independent()
		ref, pair = draw(n, rng), metric.DrawPair(draw, n)
	}
	why := fmt.Sprintf("--w-points %d", maxN)
	if n < min(len(x)/d, maxN) {
		why = fmt.Sprintf("half the %d points of the target file", len(src.points)/d)
	} else if n == len(x)/d && n < maxN {
		why = "all the samples"
	}
	fmt.Fprintf(e.stderr, "eval: w2, w1, energy and rbf_mmd on %d of the %d samples and %d reference points (%s; exact W₂ costs O(n³)), floors over %d pairs\n",
		n, len(x)/d, n, why, metric.FloorReps)
	xs := metric.Subsample(x, d, n, rng)
	r.SetPointMetrics(xs, ref, d, pair, metric.FloorReps, rng)
	return nil
}

// numberList formats a JSON list of numbers for eval's text output, each
// to 4 significant digits: "[0.0102 -3.1e-05 ...]".
func numberList(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		if f, ok := x.(float64); ok {
			parts[i] = strconv.FormatFloat(f, 'g', 4, 64)
		} else {
			parts[i] = fmt.Sprint(x)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// readSamples reads eval's and plot hist's --samples as every point file
// is read (data.ReadPointsFile: .csv, the header optional, or .npy). It
// returns the points and their dimension.
func readSamples(path string) ([]float64, int, error) {
	p, err := data.ReadPointsFile(path)
	return p.Data, p.D, err
}
