package demo

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// The blog post's stages, on its mixture (seed-mog) and image, and the
// checks sgm adds to them.

// Moments compares Langevin samples of the blog post's mixture with its
// exact moments: summary.json's "mixture_langevin".
type Moments struct {
	Particles int        `json:"particles"`
	Steps     int        `json:"steps"`
	StepSize  float64    `json:"step_size"`
	Mean      [2]float64 `json:"mean"`
	Var       [2]float64 `json:"var"`
	ExactMean [2]float64 `json:"exact_mean"`
	ExactVar  [2]float64 `json:"exact_var"`
}

// Modes is Song & Ermon's point about plain Langevin: it gets the weights
// of separated modes wrong, and annealing fixes them (summary.json's
// "two_modes"). The weights' standard errors are binomial
// (metric.BinomialSE): one draw of 4,000 chains varies by about 0.006.
type Modes struct {
	Target             string    `json:"target"`
	TrueWeights        []float64 `json:"true_weights"`
	PlainWeights       []float64 `json:"plain_langevin_weights"`
	AnnealedWeights    []float64 `json:"annealed_langevin_weights"`
	Particles          int       `json:"particles"`
	PlainWeightsSE     []float64 `json:"plain_langevin_weights_se"`
	AnnealedWeightsSE  []float64 `json:"annealed_langevin_weights_se"`
	PlainError         float64   `json:"plain_langevin_error"`
	AnnealedError      float64   `json:"annealed_langevin_error"`
	MALAAcceptanceRate float64   `json:"mala_acceptance_rate_seed_mog"`
}

// seedBox is the square figures 1 and 2 draw the blog post's mixture in:
// its Figure 2's [-1.5, 1.5]², which the Langevin path needs.
var seedBox = plot.Box{Min: [2]float64{-1.5, -1.5}, Max: [2]float64{1.5, 1.5}}

// mixture draws the blog post's Figure 1: the mixture's log p and score.
func (r *run) mixture() error {
	fig, err := plot.LogDensityField(plot.DensityGrid(r.mog.LogProb, seedBox, 100), plot.ScoreField(r.mog, seedBox, 10),
		plot.Cartesian, "seed-mog: log p (contours) and its score (arrows)")
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("1-mixture-score.png"))
}

// langevin draws the blog post's Figure 2, one particle from N(0, 0.5²)
// for 200 steps of η = 0.01 (a still, a GIF and, with ffmpeg, an MP4),
// and compares the moments of 4,000 chains of 1,000 steps with the
// mixture's.
func (r *run) langevin() error {
	rng := r.rng(0x1217)
	x := []float64{0.5 * rng.NormFloat64(), 0.5 * rng.NormFloat64()}
	path, err := sample.Langevin{StepSize: 0.01, Steps: 200}.Path(x, r.mog, r.rng(0x9a7))
	if err != nil {
		return err
	}
	const title = "Langevin path on seed-mog, 200 steps of η=0.01"
	grid := plot.DensityGrid(r.mog.Prob, seedBox, 100)
	fig, err := plot.DensityPath(grid, path, plot.Cartesian, title)
	if err != nil {
		return err
	}
	if err := plot.Save(fig, r.figure("2-langevin-path.png")); err != nil {
		return err
	}
	anims := []string{"2-langevin-path.gif"}
	if plot.HaveFFmpeg() {
		anims = append(anims, "2-langevin-path.mp4")
	}
	for _, name := range anims {
		if err := plot.AnimatePathFile(r.figure(name), grid, path, plot.AnimOptions{Title: title}); err != nil {
			return err
		}
	}
	c := Moments{Particles: 4000, Steps: 1000, StepSize: 0.01}
	x = make([]float64, 2*c.Particles)
	for i := range x {
		x[i] = 0.5 * rng.NormFloat64()
	}
	if err := (sample.Langevin{StepSize: c.StepSize, Steps: c.Steps}).Run(x, r.mog, rng); err != nil {
		return err
	}
	mean, variance := metric.Moments(x, 2)
	copy(c.Mean[:], mean)
	copy(c.Var[:], variance)
	copy(c.ExactMean[:], r.mog.Mean())
	copy(c.ExactVar[:], r.mog.Var())
	r.sum.Mixture = c
	return nil
}

// modes samples two-modes-unequal with plain Langevin and with annealed
// Langevin from a uniform start, 4,000 chains each, and the blog post's
// mixture with MALA, and draws the mode weights (figure 8).
func (r *run) modes() error {
	rng := r.rng(0x30de5)
	c := Modes{Target: "two-modes-unequal", Particles: 4000}
	m, err := dist.Preset(c.Target)
	if err != nil {
		return err
	}
	var means [][]float64
	for _, comp := range m.Components() {
		c.TrueWeights, means = append(c.TrueWeights, comp.Weight), append(means, comp.Mean)
	}
	n := c.Particles
	x := sample.Uniform(n, 2, -8, 8, rng)
	if err := (sample.Langevin{StepSize: 0.1, Steps: 1000}).Run(x, m, rng); err != nil {
		return err
	}
	c.PlainWeights = metric.ModeWeights(m, x)
	c.PlainWeightsSE, c.PlainError = metric.BinomialSE(c.PlainWeights, n), metric.ModeWeightError(m, c.PlainWeights)
	sigmas, err := sample.GeometricSigmas(20, 1, 10)
	if err != nil {
		return err
	}
	x = sample.Uniform(n, 2, -8, 8, rng)
	if err := (sample.Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 0.3}).Run(x, sample.PerturbedLevels(m), rng); err != nil {
		return err
	}
	c.AnnealedWeights = metric.ModeWeights(m, x)
	c.AnnealedWeightsSE, c.AnnealedError = metric.BinomialSE(c.AnnealedWeights, n), metric.ModeWeightError(m, c.AnnealedWeights)
	st, err := sample.MALA{StepSize: 0.05, Steps: 200}.Run(make([]float64, 2*1000), r.mog, rng)
	if err != nil {
		return err
	}
	c.MALAAcceptanceRate = st.AcceptanceRate()
	r.sum.Modes = c
	fig, err := plot.ModeWeights(c.Target, means, c.TrueWeights, []plot.BarGroup{
		{Name: "plain Langevin", Values: c.PlainWeights, Errors: c.PlainWeightsSE},
		{Name: "annealed Langevin", Values: c.AnnealedWeights, Errors: c.AnnealedWeightsSE},
	}, n)
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("8-two-modes.png"))
}

// imageGrid is the image as plot draws it.
func (r *run) imageGrid() (plot.Grid, error) { return plot.ImageGrid(r.im.H, r.im.W, r.im.Pix) }

// image draws the image as a distribution over pixels, with 10,000 draws.
func (r *run) image() error {
	g, err := r.imageGrid()
	if err != nil {
		return err
	}
	fig, err := plot.ImageAndHistogram(g, r.im.Sample(nil, 10000, r.rng(0xf17e)), 0, r.cfg.Post.Image+" as a distribution over pixels")
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("3-mnist-image.png"))
}

// train trains the post's network on the image (model.Train), keeping it
// with its moving averages of the weights, as sgm sample uses them.
func (r *run) train() error {
	c := r.cfg.Post
	lossPlot := r.figure("4-loss.png")
	m, err := r.trainRun(filepath.Join(r.out, "model"), model.TrainOptions{Data: c.Image,
		Net:      scorenet.Config{Features: c.Features, Width: c.Width, Depth: c.Depth, Activation: "relu"},
		SigmaMin: c.SigmaMin, SigmaMax: c.SigmaMax, Levels: c.Levels, NoEMA: c.EMA == 0,
		Settings: trainSettings(c.Steps, c.Batch, c.LR, c.EMA, c.Objective, r.o.Seed),
	}, lossFiles{filepath.Join(r.out, "loss.csv"), lossPlot, true})
	if err != nil {
		return err
	}
	r.net = m.Net()
	if ema, ok := r.net.EMA(); ok {
		r.net = ema
	}
	h := m.Record().History
	r.sum.TrainSteps = len(h)
	r.sum.FinalLoss, r.sum.FinalLossSteps = train.FinalLoss(h)
	r.sum.Sigma = r.net.Config().Sigmas[c.Level]
	return nil
}

// fields draws the learned score at nine levels (Figure 3) over the image.
func (r *run) fields() error {
	levels := plot.FieldLevels(r.cfg.Post.Levels)
	opts := plot.FieldOptions{Cols: min(3, len(levels)), Space: plot.ImageSpace}
	fields := make([]plot.Field, len(levels))
	for i, l := range levels {
		fields[i] = plot.ScoreField(r.net.AtLevel(l), plot.UnitSquare, 15)
		opts.Titles = append(opts.Titles, fmt.Sprintf("level %d: σ=%.3g", l, r.net.Config().Sigmas[l]))
	}
	g, err := r.imageGrid()
	if err != nil {
		return err
	}
	opts.Under = &g
	fig, err := plot.FieldPanels(fields, opts)
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("5-learned-fields.png"))
}

// scoreError measures the learned score against the exact score of the
// smoothed image at every level (1,000 draws each), and the level the
// automatic rule takes (metric.AutoLevel at sgm sample's η = 1e-3 and
// tolerance), and draws both (figure 7).
func (r *run) scoreError() error {
	sigmas := r.net.Config().Sigmas
	errs := metric.ScoreErrors(r.net.AtLevel, sigmas, r.im.Smoothed, 1000, r.rng(0xf15e))
	r.sum.ScoreError, r.sum.AutoLevel = errs, -1
	picked, fallback := -1, false
	if choice, err := metric.ImageAutoLevel(errs, r.im, 1e-3, metric.AutoTolerance); err == nil {
		r.sum.AutoLevel, picked, fallback = choice.Level, choice.Level, choice.Warn
	}
	_, fisher, rel := metric.LevelErrorColumns(errs)
	fig, err := plot.ScoreErrorCurves(sigmas, fisher, rel, metric.AutoTolerance, picked, fallback, "learned score against the exact score of the smoothed image")
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("7-score-error.png"))
}

// oracle drives the same sampler with the exact score of the smoothed
// image: how much of the gap to a perfect hist_corr is the sampler's.
func (r *run) oracle() error {
	pts, err := r.pooledLangevin(r.im.Smoothed(r.net.Config().Sigmas[r.cfg.Post.Level]), r.rng(0x0ac1e))
	if err != nil {
		return err
	}
	r.sum.OracleHistCorr = metric.HistCorr(pts, r.im.Pix, r.im.H, r.im.W)
	return nil
}

// sampling runs Langevin with the learned score (the blog post's last
// figure), measures it against the image and writes the samples.
func (r *run) sampling() error {
	c := r.cfg.Post
	pts, err := r.pooledLangevin(r.net.AtLevel(c.Level), r.rng(0x5a3b1e))
	if err != nil {
		return err
	}
	r.sum.NSamples = len(pts) / 2
	r.sum.HistCorr = metric.HistCorr(pts, r.im.Pix, r.im.H, r.im.W)
	if err := data.WriteCSVFile(filepath.Join(r.out, "samples.csv"), []string{"x0", "x1"}, pts); err != nil {
		return err
	}
	title := fmt.Sprintf("Langevin with the learned score, level %d (σ=%.3g): hist_corr %.3f", c.Level, r.sum.Sigma, r.sum.HistCorr)
	fig, err := plot.Histogram2D(pts, 50, plot.UnitSquare, plot.ImageSpace, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, r.figure("6-learned-samples.png"))
}

// pooledLangevin runs the post's chains (uniform starts on [0,1]²) on
// score and returns their states after burn-in, pooled.
func (r *run) pooledLangevin(score sgm.Scorer, rng *rand.Rand) ([]float64, error) {
	c := r.cfg.Post
	x := sample.Uniform(c.Chains, 2, 0, 1, rng)
	pool := sample.Pool{BurnIn: c.BurnIn}
	err := sample.Langevin{StepSize: c.StepSize, Steps: c.ChainLen}.Run(x, score, rng, pool.Observe)
	return pool.Points, err
}
