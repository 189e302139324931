package main

import (
	"fmt"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Figures that the "sgm plot" commands, sgm demo, sample and train share,
// composed by package plot.

// seedBox is the square Figures 1 and 2 draw the blog post's mixture in:
// its Figure 2's [-1.5, 1.5]², which the Langevin path needs (its Figure 1
// has [-1, 1]²), so that the two figures show the same region. seedPathBox
// is the same square, named for the path figure.
var (
	seedBox     = plot.Box{Min: [2]float64{-1.5, -1.5}, Max: [2]float64{1.5, 1.5}}
	seedPathBox = seedBox
)

func check2D(what string, d int) error {
	if d != 2 {
		return fmt.Errorf("%s is %d-dimensional; figures need 2 dimensions", what, d)
	}
	return nil
}

// saveMixtureScore draws the blog post's Figure 1: log-density contours of
// m with its score as arrows.
func saveMixtureScore(path string, m *dist.Mixture, box plot.Box, arrows int, title string) error {
	if err := check2D("the target", m.Dim()); err != nil {
		return err
	}
	return plot.SaveTo(path)(plot.MixtureScore(m, box, arrows, title))
}

// savePathFigure draws the blog post's Figure 2 (a still, .png/.svg) or its
// animation (.gif, .mp4): density contours with the particle's path.
var savePathFigure = plot.SavePath

// saveImageHistogram draws an image beside a histogram of draws from it.
func saveImageHistogram(path string, im *dist.Image, draws []float64, title string) error {
	g, err := plot.ImageGrid(im.H, im.W, im.Pix)
	if err != nil {
		return err
	}
	return plot.SaveTo(path)(plot.ImageAndHistogram(g, draws, 0, title))
}

// imageUnder is the training image net's checkpoint names, as a grid to
// draw under its fields; nil when it names none that loads.
func imageUnder(net *scorenet.Net) *plot.Grid {
	spec, ok := net.Label(imageLabel)
	if !ok {
		return nil
	}
	im, err := model.OpenImage(spec)
	if err != nil {
		return nil
	}
	g, err := plot.ImageGrid(im.H, im.W, im.Pix)
	if err != nil {
		return nil
	}
	return &g
}

// saveLossPlot draws a training loss history, titled by the loss the run's
// objective estimates ("" when it is not known).
func saveLossPlot(path string, h []train.Record, objective train.Objective) error {
	s := plot.NewLossSeries(plot.DefaultLossPoints)
	for _, r := range h {
		s.Add(float64(r.Step), r.Loss)
	}
	return saveLossSeries(path, s, objective)
}

// saveLossSeries draws the loss figure of sgm train, sgm demo and sgm plot
// loss: titled by the loss the objective estimates, the moving average
// over a fiftieth of the steps.
func saveLossSeries(path string, s *plot.LossSeries, objective train.Objective) error {
	return plot.SaveTo(path)(plot.LossSeriesCurve(s, max(1, s.Len()/50), objective.LossName()))
}

// levelError is the score error of a network at one noise level.
type levelError = metric.LevelError

// saveScoreError draws a network's score error per noise level (sgm eval
// --model, sgm demo) with the tolerance of sample --level auto and the
// level it picks (metric.AutoLevel: choice, or its error).
func saveScoreError(path string, errs []levelError, choice metric.LevelChoice, chooseErr error, title string) error {
	sigma, fisher, relative := metric.LevelErrorColumns(errs)
	picked := choice.Level
	if chooseErr != nil {
		picked = -1
	}
	return plot.SaveTo(path)(plot.ScoreErrorCurves(sigma, fisher, relative, autoTolerance, picked, choice.Warn, title))
}
