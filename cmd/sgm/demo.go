package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/atomicfile"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// demoConfig is what the demo trains and samples. The full demo's choices
// (see README, "The demo's configuration") meet its bar of hist_corr >= 0.90
// on >= 100,000 samples within 5 minutes on 2 cores.
type demoConfig struct {
	Image     string  `json:"image"`
	Objective string  `json:"objective"`
	Steps     int     `json:"train_steps"`
	Batch     int     `json:"batch"`
	LR        float64 `json:"learning_rate"`
	EMA       float64 `json:"ema"`
	Width     int     `json:"width"`
	Depth     int     `json:"depth"`
	Features  int     `json:"features"`
	Levels    int     `json:"levels"`
	SigmaMin  float64 `json:"sigma_min"`
	SigmaMax  float64 `json:"sigma_max"`
	Level     int     `json:"sample_level"`
	StepSize  float64 `json:"step_size"`
	Chains    int     `json:"chains"`
	ChainLen  int     `json:"chain_steps"`
	BurnIn    int     `json:"burn_in"`
}

var (
	fullDemo = demoConfig{
		Image: "mnist:train:0", Objective: string(train.OneLevel), Steps: 6000, Batch: 1024, LR: 1e-3, EMA: 0.999,
		Width: 256, Depth: 3, Features: 256, Levels: 30, SigmaMin: 1e-4, SigmaMax: 1,
		Level: 17, StepSize: 5e-4, Chains: 2000, ChainLen: 1000, BurnIn: 950,
	}
	quickDemo = demoConfig{
		Image: "mnist:train:0", Objective: string(train.OneLevel), Steps: 40, Batch: 128, LR: 1e-3, EMA: 0.9,
		Width: 32, Depth: 2, Features: 32, Levels: 30, SigmaMin: 1e-4, SigmaMax: 1,
		Level: 17, StepSize: 1e-3, Chains: 200, ChainLen: 60, BurnIn: 50,
	}
)

// demoSummary is summary.json.
type demoSummary struct {
	Quick          bool               `json:"quick"`
	Config         demoConfig         `json:"config"`
	HistCorr       float64            `json:"hist_corr"`
	NSamples       int                `json:"n_samples"`
	TrainSteps     int                `json:"train_steps"`
	FinalLoss      float64            `json:"final_loss"` // mean loss of the last FinalLossSteps steps
	FinalLossSteps int                `json:"final_loss_steps"`
	Sigma          float64            `json:"sample_sigma"`
	Seconds        map[string]float64 `json:"seconds"`
	Figures        []string           `json:"figures"`
	Mixture        mixtureCheck       `json:"mixture_langevin"`

	// Beyond the blog post (see README): the sampler's ceiling with the exact
	// score, the network's score error per level and the level chosen from
	// it, and plain against annealed Langevin on unequal modes.
	OracleHistCorr float64      `json:"oracle_hist_corr"`
	AutoLevel      int          `json:"auto_level"`
	ScoreError     []levelError `json:"score_error"`
	Modes          modesCheck   `json:"two_modes"`

	Toys map[string]toyResult `json:"toys"` // demotoys.go
}

// modesCheck is Song & Ermon's point about plain Langevin: it gets the
// weights of separated modes wrong, and annealing fixes them.
type modesCheck struct {
	Target          string    `json:"target"`
	TrueWeights     []float64 `json:"true_weights"`
	PlainWeights    []float64 `json:"plain_langevin_weights"`
	AnnealedWeights []float64 `json:"annealed_langevin_weights"`
	// The weights' binomial standard errors, sqrt(p(1-p)/n) for n
	// Particles: one draw of n = 4,000 varies by about 0.006.
	Particles          int       `json:"particles"`
	PlainWeightsSE     []float64 `json:"plain_langevin_weights_se"`
	AnnealedWeightsSE  []float64 `json:"annealed_langevin_weights_se"`
	PlainError         float64   `json:"plain_langevin_error"`
	AnnealedError      float64   `json:"annealed_langevin_error"`
	MALAAcceptanceRate float64   `json:"mala_acceptance_rate_seed_mog"`
}

// mixtureCheck compares Langevin samples of the blog post's mixture with its
// exact moments.
type mixtureCheck struct {
	Particles int        `json:"particles"`
	Steps     int        `json:"steps"`
	StepSize  float64    `json:"step_size"`
	Mean      [2]float64 `json:"mean"`
	Var       [2]float64 `json:"var"`
	ExactMean [2]float64 `json:"exact_mean"`
	ExactVar  [2]float64 `json:"exact_var"`
}

func init() {
	register(&command{
		name:          "demo",
		interruptible: true,
		args:          "[--out DIR] [--quick]",
		summary:       "run every section of the blog post end to end and write its figures and summary.json",
		detail: `Runs the blog post from start to end: the Gaussian mixture's score
(Figure 1), a Langevin path on it (Figure 2, as a still and an animation), the
MNIST "five" as a distribution, training the noise-conditional score network,
its learned fields (Figure 3) and Langevin sampling with the learned score (the
last figure), then measures the samples against the image (hist_corr).
--quick runs the same stages on a tiny configuration, in seconds.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			out := fs.String("out", "sgm-demo", "output `DIR`")
			quick := fs.Bool("quick", false, "a tiny configuration that runs in seconds (for tests)")
			seed := fs.Uint64("seed", 0, "random seed")
			backend := fs.String("backend", "go", backendFlagHelp)
			return func(ctx context.Context, e *env) error {
				cfg := fullDemo
				if *quick {
					cfg = quickDemo
				}
				return runDemo(ctx, e, *out, cfg, *quick, *seed, *backend)
			}
		},
	})
}

// errInterruptedDemo is the demo's error when interrupted: it starts
// afresh when run again, so there is nothing to resume.
var errInterruptedDemo = errors.New("interrupted; run sgm demo again to start afresh")

// checkModelDir checks that dir, where the demo trains afresh (deleting
// an earlier demo's run when training starts), holds nothing but such a
// run: one marked as the demo's (demoMark), of checkpoints, the loss
// history and its figure, and the temporary files of writes cut short. A
// dir holding anything else, or a run not marked as the demo's (one of
// sgm train's, say), is refused.
func checkModelDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	marked, first := false, ""
	for _, e := range entries {
		name := e.Name()
		var ours bool
		switch {
		case name == scorenet.LockName:
			continue
		case name == demoMark:
			marked = true
			continue
		case scorenet.SavedFile(e): // a checkpoint, or its staging directory
			ours = true
		case e.IsDir(), !e.Type().IsRegular():
		default:
			ours = name == "loss.csv" || name == "loss.png" ||
				strings.HasPrefix(name, ".loss.csv.tmp") || strings.HasPrefix(name, ".loss.png.tmp")
		}
		if !ours {
			return usagef("--out: %s holds %s, which the demo did not write; move it or choose another --out", dir, name)
		}
		if first == "" {
			first = name
		}
	}
	if first != "" && !marked {
		return usagef("--out: %s holds a run the demo did not write (%s); move it or choose another --out", dir, first)
	}
	return nil
}

func runDemo(ctx context.Context, e *env, out string, cfg demoConfig, quick bool, seed uint64, backend string) error {
	if err := checkBackend(backend); err != nil {
		return err
	}
	modelDir := filepath.Join(out, "model")
	if err := checkModelDir(modelDir); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	// An earlier demo's summary would describe this one's figures until
	// it ends: it goes now, and the new one is written last.
	if err := os.Remove(filepath.Join(out, "summary.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out: %w", err)
	}
	sum := demoSummary{Quick: quick, Config: cfg, Seconds: map[string]float64{}}
	began := time.Now()
	stage := func(name string, f func() error) error {
		if ctx.Err() != nil {
			return errInterruptedDemo
		}
		t := time.Now()
		fmt.Fprintf(e.stderr, "== %s\n", name)
		if err := f(); err != nil {
			if ctx.Err() != nil {
				return errInterruptedDemo
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		sum.Seconds[name] = time.Since(t).Seconds()
		return nil
	}
	figure := func(name string) string {
		sum.Figures = append(sum.Figures, name)
		return filepath.Join(out, name)
	}

	mog, err := dist.Preset("seed-mog")
	if err != nil {
		return err
	}
	if err := stage("mixture", func() error {
		return saveMixtureScore(figure("1-mixture-score.png"), mog, seedBox, 10, "seed-mog: log p (contours) and its score (arrows)")
	}); err != nil {
		return err
	}

	if err := stage("langevin", func() error {
		// The blog post: one particle from N(0, 0.5²), 200 steps of η = 0.01.
		rng := rand.New(rand.NewPCG(seed, 0x1217))
		init := []float64{0.5 * rng.NormFloat64(), 0.5 * rng.NormFloat64()}
		p, err := langevinPath(mog, 200, 0.01, seed, init)
		if err != nil {
			return err
		}
		title := "Langevin path on seed-mog, 200 steps of η=0.01"
		if err := savePathFigure(figure("2-langevin-path.png"), mog, seedPathBox, p, title); err != nil {
			return err
		}
		if err := savePathFigure(figure("2-langevin-path.gif"), mog, seedPathBox, p, title); err != nil {
			return err
		}
		if plot.HaveFFmpeg() {
			if err := savePathFigure(figure("2-langevin-path.mp4"), mog, seedPathBox, p, title); err != nil {
				return err
			}
		}
		// Many particles: their moments against the mixture's.
		sum.Mixture, err = checkMixtureMoments(mog, rng)
		return err
	}); err != nil {
		return err
	}

	if err := stage("modes", func() error {
		var err error
		if sum.Modes, err = checkModes(mog, rand.New(rand.NewPCG(seed, 0x30de5))); err != nil {
			return err
		}
		return saveModeWeights(figure("8-two-modes.png"), sum.Modes, modesChains)
	}); err != nil {
		return err
	}

	im, err := loadImage(cfg.Image)
	if err != nil {
		return err
	}
	if err := stage("image", func() error {
		draws := im.Sample(10000, rand.New(rand.NewPCG(seed, 0xf17e)))
		return saveImageHistogram(figure("3-mnist-image.png"), im, draws, cfg.Image+" as a distribution over pixels")
	}); err != nil {
		return err
	}

	var res *trainResult
	if err := stage("train", func() error {
		var err error
		res, err = runTraining(ctx, e, &trainFlags{
			demoRun: true, // clears an earlier demo's run in modelDir, and no other
			image:   cfg.Image, out: modelDir, objective: cfg.Objective, backend: backend,
			lossCSV: filepath.Join(out, "loss.csv"), lossPlot: figure("4-loss.png"),
			ema: cfg.EMA, steps: cfg.Steps, batch: cfg.Batch, width: cfg.Width, depth: cfg.Depth, features: cfg.Features,
			levels: cfg.Levels, checkpointEvery: cfg.Steps, lr: cfg.LR, sigmaMin: cfg.SigmaMin, sigmaMax: cfg.SigmaMax,
			seed: seed,
		})
		return err
	}); err != nil {
		return err
	}
	// Evaluate with the moving averages of the weights, as sgm sample does.
	net := res.net
	if ema, ok := net.EMA(); ok {
		net = ema
	}
	sum.TrainSteps = len(res.history)
	sum.FinalLoss, sum.FinalLossSteps = finalLoss(res.history)
	sum.Sigma = net.Config().Sigmas[cfg.Level]

	if err := stage("fields", func() error {
		return saveLearnedFields(figure("5-learned-fields.png"), net, defaultFieldLevels(cfg.Levels), 15)
	}); err != nil {
		return err
	}

	if err := stage("score-error", func() error {
		sum.ScoreError = scoreErrors(net, im, 1000, rand.New(rand.NewPCG(seed, 0xf15e)))
		sum.AutoLevel = -1
		if i := chosenLevel(sum.ScoreError, autoTolerance); i >= 0 {
			sum.AutoLevel = sum.ScoreError[i].Level
		}
		return saveScoreError(figure("7-score-error.png"), sum.ScoreError, "learned score against the exact score of the smoothed image")
	}); err != nil {
		return err
	}

	if err := stage("oracle", func() error {
		// The same sampler driven by the exact score of the smoothed image:
		// how much of the gap to a perfect hist_corr is the sampler's.
		pts, err := cfg.pooledLangevin(im.Smoothed(net.Config().Sigmas[cfg.Level]), rand.New(rand.NewPCG(seed, 0x0ac1e)))
		if err != nil {
			return err
		}
		sum.OracleHistCorr = metric.HistCorr(pts, im.Pix, im.H, im.W)
		return nil
	}); err != nil {
		return err
	}

	if err := stage("sampling", func() error {
		pts, err := cfg.pooledLangevin(net.AtLevel(cfg.Level), rand.New(rand.NewPCG(seed, 0x5a3b1e)))
		if err != nil {
			return err
		}
		sum.NSamples = len(pts) / 2
		sum.HistCorr = metric.HistCorr(pts, im.Pix, im.H, im.W)
		if err := data.WriteCSVFile(filepath.Join(out, "samples.csv"), []string{"x0", "x1"}, pts); err != nil {
			return err
		}
		title := fmt.Sprintf("Langevin with the learned score, level %d (σ=%.3g): hist_corr %.3f", cfg.Level, sum.Sigma, sum.HistCorr)
		return saveHistogram(figure("6-learned-samples.png"), pts, 50, plot.UnitSquare, plot.ImageSpace, title)
	}); err != nil {
		return err
	}

	if err := stage("toys", func() error {
		toyCfg := fullToyDemo
		if quick {
			toyCfg = quickToyDemo
		}
		sum.Toys, err = runToyDemo(ctx, e, out, figure("9-toys.png"), demoToys, toyCfg, seed, backend)
		return err
	}); err != nil {
		return err
	}

	sum.Seconds["total"] = time.Since(began).Seconds()
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(out, "summary.json"), append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: hist_corr %.4f on %d samples, %d training steps (mean loss of %s %.4f), %.0fs; figures and summary.json in %s\n",
		sum.HistCorr, sum.NSamples, sum.TrainSteps, lastSteps(sum.FinalLossSteps), sum.FinalLoss, sum.Seconds["total"], out)
	return nil
}

// pooledLangevin runs the demo's chains (uniform starts on [0,1]²) on score
// and returns their states after burn-in, pooled.
func (cfg demoConfig) pooledLangevin(score sgm.Scorer, rng *rand.Rand) ([]float64, error) {
	x := sample.Uniform(cfg.Chains, 2, 0, 1, rng)
	pool := sample.Pool{BurnIn: cfg.BurnIn}
	err := sample.Langevin{StepSize: cfg.StepSize, Steps: cfg.ChainLen}.Run(x, score, rng, pool.Observe)
	return pool.Points, err
}

// autoTolerance is sgm sample's default --auto-tolerance.
const autoTolerance = 0.1

// checkModes samples two-modes-unequal with plain and annealed Langevin from
// a uniform start, and the blog post's mixture with MALA.
func checkModes(mog *dist.Mixture, rng *rand.Rand) (modesCheck, error) {
	c := modesCheck{Target: "two-modes-unequal"}
	m, err := dist.Preset(c.Target)
	if err != nil {
		return c, err
	}
	for _, comp := range m.Components() {
		c.TrueWeights = append(c.TrueWeights, comp.Weight)
	}
	const n = modesChains
	c.Particles = n
	x := sample.Uniform(n, 2, -8, 8, rng)
	if err := (sample.Langevin{StepSize: 0.1, Steps: 1000}).Run(x, m, rng); err != nil {
		return c, err
	}
	c.PlainWeights = metric.ModeWeights(m, x)
	c.PlainWeightsSE = binomialSE(c.PlainWeights, n)
	c.PlainError = metric.ModeWeightError(m, c.PlainWeights)
	sigmas, err := sample.GeometricSigmas(20, 1, 10)
	if err != nil {
		return c, err
	}
	x = sample.Uniform(n, 2, -8, 8, rng)
	a := sample.Annealed{Sigmas: sigmas, StepsPerLevel: 100, Eps: 0.3}
	if err := a.Run(x, sample.PerturbedLevels(m), rng); err != nil {
		return c, err
	}
	c.AnnealedWeights = metric.ModeWeights(m, x)
	c.AnnealedWeightsSE = binomialSE(c.AnnealedWeights, n)
	c.AnnealedError = metric.ModeWeightError(m, c.AnnealedWeights)
	x = make([]float64, 2*1000)
	st, err := sample.MALA{StepSize: 0.05, Steps: 200}.Run(x, mog, rng)
	c.MALAAcceptanceRate = st.AcceptanceRate()
	return c, err
}

// checkMixtureMoments runs 4000 chains of 1000 steps (η = 0.01) on the
// mixture and returns their moments beside the exact ones.
func checkMixtureMoments(m *dist.Mixture, rng *rand.Rand) (mixtureCheck, error) {
	c := mixtureCheck{Particles: 4000, Steps: 1000, StepSize: 0.01}
	x := make([]float64, 2*c.Particles)
	for i := range x {
		x[i] = 0.5 * rng.NormFloat64()
	}
	if err := (sample.Langevin{StepSize: c.StepSize, Steps: c.Steps}).Run(x, m, rng); err != nil {
		return c, err
	}
	copy(c.ExactMean[:], m.Mean())
	copy(c.ExactVar[:], m.Var())
	n := float64(c.Particles)
	for k := range 2 {
		for i := k; i < len(x); i += 2 {
			c.Mean[k] += x[i] / n
		}
		for i := k; i < len(x); i += 2 {
			c.Var[k] += (x[i] - c.Mean[k]) * (x[i] - c.Mean[k]) / (n - 1)
		}
	}
	return c, nil
}
