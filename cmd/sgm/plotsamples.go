package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
)

// maxPlotPoints bounds the points of each set that "plot samples" draws
// (a random subset of a larger file): more dots add nothing to a figure
// but time and file size.
const maxPlotPoints = 50_000

func init() {
	registerFigure(figure{
		name:    "plot samples",
		args:    "--samples FILE [--reference SPEC] [--dims I,J] [--bins B] [--overlay] [--corner] --out FILE",
		summary: "samples of any dimension beside a reference: a pair of coordinates, or a corner plot",
		detail: `Draws points (a .csv or .npy file, as sgm sample writes) beside reference
points: a data file, toy:NAME, or a mixture (preset or JSON file), of which
as many points as the samples are drawn. For 2-D points, and for any pair of
coordinates given by --dims I,J (from 1), the sets are scatter plots side by
side at the same scale (2-D histograms with --bins, one panel with
--overlay); for points of more than 2 dimensions without --dims, a corner
plot: the scatter of every pair of coordinates below the diagonal and each
coordinate's histogram on it, the sets overlaid. The axes are named by the
samples' header row (x0, x1, ... as sgm sample writes them), or x1, x2, ...
as --dims counts for a file without one. Files of more than 50,000 points are
drawn on that many, chosen at random.

` + data.PointSpecHelp,
		out: "samples.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			samples := fs.String("samples", "", "points `FILE` (.csv or .npy)")
			ref := fs.String("reference", "", "reference `SPEC`: PATH.csv, PATH.npy, toy:NAME or a mixture")
			dims := fs.String("dims", "", "the coordinates `I,J` to draw (from 1; default 1,2 for 2-D points, a corner plot beyond)")
			bins := fs.Int("bins", 0, "if > 0, 2-D histograms of this many bins per axis instead of scatter plots (at most 1000)")
			overlay := fs.Bool("overlay", false, "draw the sets in one panel (scatter plots)")
			corner := fs.Bool("corner", false, "draw a corner plot (all pairs of coordinates, at most 10 dimensions)")
			seed := fs.Uint64("seed", 0, "random seed for the reference draws and subsets")
			title := fs.String("title", "", "figure title (default: the files' names)")
			return func(ctx context.Context, out string) error {
				if *samples == "" {
					return usagef("--samples FILE is required")
				}
				if err := checkRange("bins", *bins, 0, 1000); err != nil {
					return err
				}
				if *corner && (*dims != "" || *bins > 0) {
					return usagef("--corner draws every pair of coordinates as scatter plots; it takes neither --dims nor --bins")
				}
				return plotSamples(out, *samples, *ref, *dims, *bins, *overlay, *corner, *title, *seed)
			}
		},
	})
}

// plotSamples draws "plot samples" into out.
func plotSamples(out, samplesPath, refSpec, dims string, bins int, overlay, corner bool, title string, seed uint64) error {
	if hasLabelColumn(samplesPath) {
		return plotLabelled(out, samplesPath, refSpec, dims, bins, overlay, corner, title, seed) // evallabels.go
	}
	return plot.SaveTo(out)(samplesFigure(samplesPath, refSpec, dims, bins, overlay, corner, title, seed))
}

// samplesFigure is the figure of "plot samples", its axes named by the
// samples' header where they have one.
func samplesFigure(samplesPath, refSpec, dims string, bins int, overlay, corner bool, title string, seed uint64) (plot.Figure, error) {
	pts, names, err := data.ReadPointsFileHeader(samplesPath) // names: the header, the axes' labels
	if err != nil {
		return nil, fmt.Errorf("--samples: %w", err)
	}
	d := pts.D
	rng := rand.New(rand.NewPCG(seed, 0x91075))
	x := pts.Data
	if pts.N > maxPlotPoints {
		x = metric.Subsample(x, d, maxPlotPoints, rng)
	}
	sets := []plot.PointSet{}
	if title == "" {
		title = filepath.Base(samplesPath)
	}
	if refSpec != "" {
		rd, err := model.OpenData(refSpec)
		if err != nil {
			return nil, fmt.Errorf("--reference: %w", err)
		}
		if rd.Source.Dim() != d {
			return nil, fmt.Errorf("%s has %d columns; the reference %s is %d-dimensional", samplesPath, d, refSpec, rd.Source.Dim())
		}
		r := rd.Draw(len(x)/d, maxPlotPoints, rng)
		sets = append(sets, plot.PointSet{Name: "reference " + filepath.Base(refSpec), Points: r})
		title += " against " + refSpec
	}
	sets = append(sets, plot.PointSet{Name: "samples " + filepath.Base(samplesPath), Points: x})
	if d < 2 {
		return nil, fmt.Errorf("%s: points of 1 dimension; plot samples draws pairs of coordinates", samplesPath)
	}
	if corner || (d > 2 && dims == "") {
		if d > plot.MaxCornerDim {
			return nil, usagef("%s: %d dimensions, more than a corner plot's %d; give --dims I,J", samplesPath, d, plot.MaxCornerDim)
		}
		return plot.Corner(sets, d, names, title)
	}
	o := plot.SamplesOptions{I: 0, J: 1, Bins: bins, Overlay: overlay, Title: title, Names: names}
	if o.I, o.J, err = parseDims(dims, d); err != nil {
		return nil, err
	}
	if bins > 0 && overlay {
		return nil, usagef("--bins draws histograms side by side; it does not go with --overlay")
	}
	return plot.SamplesFigure(sets, d, o)
}
