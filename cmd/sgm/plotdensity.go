package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
)

// "plot density" of points: a toy or data file (--target), which has no
// closed-form density, is drawn as a 2-D histogram of its points; a model
// of 2-D points (--model), whose score network gives ∇ log p but not
// log p itself, as the histogram of its data beside the histogram of its
// samples from the default sampler of a point model.

// densityDetail is "plot density"'s help beyond its summary.
const densityDetail = `--target names a mixture (preset or JSON file), drawn as contours of its
exact log p under its score; or points, toy:NAME or PATH.csv/.npy (2-D), which
have no closed-form density and are drawn as a 2-D histogram of --n draws (a
file: of its points). --model DIR, a model of 2-D points (sgm train --data),
draws the histogram of its training data beside the histogram of --n samples
of the model (its default sampler: annealed Langevin over its levels,
--steps-per-level steps each, with the denoising step), both over the data's
box: a score network learns ∇ log p, not log p, so the model's density is
shown by its samples.`

// Limits of "plot density" on points.
const (
	maxDensityDraws     = 1_000_000 // --n for a toy: 16 MB of points
	maxDensitySamples   = 100_000   // --n for a model: Langevin chains
	maxDensityLevelStep = 10_000    // --steps-per-level
)

// pointDensityFlags are the flags of "plot density" for points.
type pointDensityFlags struct {
	fs            *flag.FlagSet
	model         *string
	n             *int
	bins          *int
	stepsPerLevel *int
	seed          *uint64
}

// addPointDensityFlags registers the flags of "plot density" for points.
func addPointDensityFlags(fs *flag.FlagSet) pointDensityFlags {
	return pointDensityFlags{
		fs:            fs,
		model:         fs.String("model", "", "checkpoint `DIR` of a model of 2-D points, drawn by its samples beside its data (instead of --target)"),
		n:             fs.Int("n", 0, fmt.Sprintf("points of a toy to draw (default 200000, at most %d), or samples of --model (default 4000, at most %d)", maxDensityDraws, maxDensitySamples)),
		bins:          fs.Int("bins", 0, fmt.Sprintf("histogram bins per axis for points (default 80 for a toy or file, 50 for --model's fewer points; at most %d)", maxBins)),
		stepsPerLevel: fs.Int("steps-per-level", 100, fmt.Sprintf("annealed Langevin steps per level when sampling --model (at most %d)", maxDensityLevelStep)),
		seed:          fs.Uint64("seed", 0, "random seed of the draws and samples"),
	}
}

// isSet reports whether the flag name was given.
func (f pointDensityFlags) isSet(name string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// draw draws the figure for points into out and reports true, or reports
// false when the figure is a mixture's (neither --model nor a point
// --target), which the caller draws.
func (f pointDensityFlags) draw(log io.Writer, out, target, box string) (bool, error) {
	if *f.model == "" && !isPointSpec(target) {
		return false, nil
	}
	if !f.isSet("bins") {
		*f.bins = 80
		if *f.model != "" {
			*f.bins = 50
		}
	}
	if err := checkRange("bins", *f.bins, 1, maxBins); err != nil {
		return true, err
	}
	b, err := optionalBox("box", box)
	if err != nil {
		return true, err
	}
	rng := rand.New(rand.NewPCG(*f.seed, 0xde5))
	if *f.model == "" {
		n := 200_000
		if f.isSet("n") {
			n = *f.n
		}
		if err := checkRange("n", n, 1, maxDensityDraws); err != nil {
			return true, err
		}
		return true, savePointsDensity(out, target, b, n, *f.bins, rng)
	}
	if f.isSet("target") {
		return true, usagef("give one of --model and --target, not both")
	}
	n := 4000
	if f.isSet("n") {
		n = *f.n
	}
	if err := firstErr(checkRange("n", n, 1, maxDensitySamples), checkRange("steps-per-level", *f.stepsPerLevel, 1, maxDensityLevelStep)); err != nil {
		return true, err
	}
	return true, f.saveModelDensity(out, b, n, rng, log)
}

// savePointsDensity draws the 2-D histogram of the points of spec (a toy:
// n draws; a file: its points) over b, or their box when b is nil.
func savePointsDensity(out, spec string, b *plot.Box, n, bins int, rng *rand.Rand) error {
	d, err := model.OpenData(spec)
	if err != nil {
		return usagef("--target: %v", err)
	}
	if err := check2D(spec, d.Source.Dim()); err != nil {
		return err
	}
	pts, what := d.Draw(n, 0, rng), fmt.Sprintf("%d draws", n)
	if d.Points != nil {
		what = fmt.Sprintf("its %d points", d.Points.N)
	}
	return plot.SaveTo(out)(plot.Histogram2D(pts, bins, boxOr(b, pts), plot.Cartesian, fmt.Sprintf("%s: 2-D histogram of %s (no closed-form log p)", spec, what)))
}

// boxOr is *b, or the box of the 2-D points pts, widened by a tenth.
func boxOr(b *plot.Box, pts []float64) plot.Box {
	if b != nil {
		return *b
	}
	box, _ := plot.PointsBox(pts, 0.1)
	return box
}

// saveModelDensity draws the histogram of the data of the model in
// --model beside the histogram of n of its samples.
func (f pointDensityFlags) saveModelDensity(out string, b *plot.Box, n int, rng *rand.Rand, log io.Writer) error {
	m, err := openModel(*f.model)
	if err != nil {
		return err
	}
	spec, ref, x, err := modelDensityPoints(m, *f.model, n, *f.stepsPerLevel, rng, log)
	if err != nil {
		return err
	}
	box := boxOr(b, ref)
	title := fmt.Sprintf("%s: its data beside the model's samples (annealed Langevin, %d steps per level; a score network has no log p)", filepath.Base(*f.model), *f.stepsPerLevel)
	return plot.SaveTo(out)(plot.SamplesFigure([]plot.PointSet{{Name: "data " + spec, Points: ref}, {Name: "model samples", Points: x}}, 2,
		plot.SamplesOptions{J: 1, Bins: *f.bins, Box: &box, Title: title}))
}

// modelDensityPoints returns the data spec of m, a model of 2-D points
// read from dir, its data (n draws of a toy or mixture; a file's points,
// at most maxPlotPoints of them) and n samples of the model by its default
// sampler with stepsPerLevel steps a level, both in the data's units.
func modelDensityPoints(m *model.Model, dir string, n, stepsPerLevel int, rng *rand.Rand, log io.Writer) (spec string, ref, x []float64, err error) {
	sigmas, err := m.NoiseLevels()
	if err != nil || m.Image() {
		return "", nil, nil, usagef("--model %s is not a model of points by noise levels (%s): draw its samples with sgm sample and sgm plot samples", dir, m.Kind())
	}
	if err := check2D("the model", m.Dim()); err != nil {
		return "", nil, nil, err
	}
	d, err := model.OpenData(m.Record().Data)
	if err != nil {
		return "", nil, nil, fmt.Errorf("--model %s: its data: %w", dir, err)
	}
	ref = d.Draw(n, maxPlotPoints, rng)
	prog := newProgress(log, "sample", "steps", len(sigmas)*stepsPerLevel)
	o := model.SampleOptions{StepsPerLevel: stepsPerLevel, Observe: func(s model.Step) { prog.update(s.N) }}
	if x, _, err = m.Sample(nil, n, rng, o); err != nil {
		return "", nil, nil, fmt.Errorf("--model %s: %w", dir, err)
	}
	return d.Spec, ref, x, nil
}
