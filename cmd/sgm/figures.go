package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Figures from the library's data; each saves one file and is shared by the
// "sgm plot" commands and "sgm demo".

// seedBox is the square Figures 1 and 2 draw the blog post's mixture in:
// its Figure 2's [-1.5, 1.5]², which the Langevin path needs (its Figure 1
// has [-1, 1]²), so that the two figures show the same region. seedPathBox
// is the same square, named for the path figure.
var (
	seedBox     = plot.Box{Min: [2]float64{-1.5, -1.5}, Max: [2]float64{1.5, 1.5}}
	seedPathBox = seedBox
)

// densityGrid evaluates f (log p or p) on an n×n grid over box.
func densityGrid(f func([]float64) float64, box plot.Box, n int) plot.Grid {
	return plot.DensityGrid(f, box, n)
}

// scoreField evaluates a 2-D score at the centres of n×n equal cells of
// box, so that arrows drawn centred on them, at most a cell long, stay
// inside box.
func scoreField(s sgm.Scorer, box plot.Box, n int) plot.Field {
	return plot.ScoreField(s, box, n)
}

func check2D(what string, d int) error {
	if d != 2 {
		return fmt.Errorf("%s is %d-dimensional; figures need 2 dimensions", what, d)
	}
	return nil
}

// saveMixtureScore draws the blog post's Figure 1: log-density contours of m with
// its score as arrows.
func saveMixtureScore(path string, m *dist.Mixture, box plot.Box, arrows int, title string) error {
	if err := check2D("the target", m.Dim()); err != nil {
		return err
	}
	fig, err := plot.LogDensityField(densityGrid(m.LogProb, box, 100), scoreField(m, box, arrows), plot.Cartesian, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// langevinPath runs the blog post's single-particle Langevin chain on m.
func langevinPath(m *dist.Mixture, steps int, eta float64, seed uint64, init []float64) ([]float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x9a7))
	x := append([]float64(nil), init...)
	path := sample.Path{Dim: m.Dim(), Points: append([]float64(nil), x...)}
	if err := (sample.Langevin{StepSize: eta, Steps: steps}).Run(x, m, rng, path.Observe); err != nil {
		return nil, err
	}
	return path.Points, nil
}

// savePathFigure draws the blog post's Figure 2 (a still, .png/.svg) or its
// animation (.gif, .mp4): density contours with the particle's path.
func savePathFigure(path string, m *dist.Mixture, box plot.Box, particle []float64, title string) error {
	grid := densityGrid(m.Prob, box, 100)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gif", ".mp4":
		return plot.AnimatePathFile(path, grid, particle, plot.AnimOptions{Title: title})
	}
	fig, err := plot.DensityPath(grid, particle, plot.Cartesian, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// saveImageHistogram draws an image beside a histogram of n draws from it.
func saveImageHistogram(path string, im *dist.Image, draws []float64, title string) error {
	g, err := plot.ImageGrid(im.H, im.W, im.Pix)
	if err != nil {
		return err
	}
	fig, err := plot.ImageAndHistogram(g, draws, 0, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// defaultFieldLevels picks the levels of the learned-fields figure for a
// schedule of L levels: as the blog post, which zips its 3×3 grid with
// range(0, 30, 3) and so draws levels 0, 3, ..., 24 of its 30, nine levels
// a tenth of the schedule apart (every level when L < 20), or all L when
// L <= 9.
func defaultFieldLevels(L int) []int {
	step := max(1, L/10)
	out := make([]int, 0, 9)
	for l := 0; l < L && len(out) < 9; l += step {
		out = append(out, l)
	}
	return out
}

// saveLearnedFields draws the blog post's Figure 3: the learned score at
// each of the levels, on the unit square of image coordinates, over the
// network's training image when its checkpoint names one that loads.
func saveLearnedFields(path string, net *scorenet.Net, levels []int, arrows int) error {
	fields, titles, err := levelFields(net, levels, net.AtLevel, plot.UnitSquare, arrows, "")
	if err != nil {
		return err
	}
	opts := plot.FieldOptions{Titles: titles, Cols: min(3, len(levels)), Space: plot.ImageSpace}
	if spec, ok := net.Label(imageLabel); ok {
		if im, err := loadImage(spec); err == nil {
			g, err := plot.ImageGrid(im.H, im.W, im.Pix)
			if err != nil {
				return err
			}
			opts.Under = &g
		}
	}
	fig, err := plot.FieldPanels(fields, opts)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// saveHistogram draws a 2-D histogram of samples (the blog post's last figure).
func saveHistogram(path string, pts []float64, bins int, box plot.Box, space plot.Space, title string) error {
	fig, err := plot.Histogram2D(pts, bins, box, space, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// lossTitle titles the loss figure of a run trained with objective, or
// of one whose objective is not known when objective is "".
func lossTitle(objective train.Objective) string {
	switch objective {
	case "":
		return "training loss"
	case train.AllLevels, train.OneLevel: // the same loss, estimated two ways
		return "denoising score matching loss"
	case train.Sliced:
		return "sliced score matching loss"
	case train.Continuous:
		return "denoising score matching loss in continuous time"
	case train.CFM, train.OTCFM:
		return "flow matching loss (" + string(objective) + ")"
	}
	return "training loss, objective " + string(objective)
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
// loss: one title per objective, the moving average over a fiftieth of the
// steps.
func saveLossSeries(path string, s *plot.LossSeries, objective train.Objective) error {
	fig, err := plot.LossSeriesCurve(s, max(1, s.Len()/50), lossTitle(objective))
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// saveScoreError draws a network's score error per noise level (sgm eval
// --model, sgm demo): the weighted Fisher divergence and its relative size,
// with the tolerance of sample --level auto and the level it picks
// (metric.AutoLevel: choice, or its error).
func saveScoreError(path string, errs []levelError, choice metric.LevelChoice, chooseErr error, title string) error {
	s := plot.Series{Name: "σ² E‖s(x, σ; θ) − s*(x, σ)‖²"}
	r := plot.Series{Name: "relative to σ² E‖s*(x, σ)‖²"}
	for _, le := range errs {
		s.X, s.Y = append(s.X, le.Sigma), append(s.Y, le.Fisher)
		r.X, r.Y = append(r.X, le.Sigma), append(r.Y, le.Relative)
	}
	marks := []plot.Mark{{Name: fmt.Sprintf("tolerance %g of sample --level auto", autoTolerance), At: autoTolerance}}
	if chooseErr != nil {
		marks[0].Name += ": no level usable"
	} else {
		le := errs[choice.Level]
		name := fmt.Sprintf("level it picks: %d (σ=%.3g)", le.Level, le.Sigma)
		if choice.Warn {
			name += ", a fallback"
		}
		marks = append(marks, plot.Mark{Name: name, Vertical: true, At: le.Sigma})
	}
	fig, err := plot.Curves([]plot.Series{s, r}, "noise level σ", "score error", title, marks...)
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// imageAutoLevel is the level sample --level auto picks for a network of
// the image im, whose score errors are errs, at sample's default step size.
func imageAutoLevel(errs []levelError, im *dist.Image) (metric.LevelChoice, error) {
	sigmas := make([]float64, len(errs))
	for i, le := range errs {
		sigmas[i] = le.Sigma
	}
	return metric.AutoLevel(errs, metric.Sharpness(im, sigmas), defaultModelStepSize, autoTolerance)
}
