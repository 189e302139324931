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
	VP   sdeDemoResult        `json:"vp"`   // demosde.go
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
Past the post: annealed against plain Langevin on two unequal modes
(figure 8); the toy suite's moons, 8gaussians and checkerboard learned from
points, with W₂ against its noise floor (figure 9, summary key toys); and a
VP SDE model of 8gaussians sampled by the probability-flow ODE and
DPM-Solver++(2M), with the NLL of held-out points and W₂ against the number
of score evaluations (figures 11 and 12, summary key vp).
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

// demoRun is one run of the demo: its settings, what the stages share (the
// mixture, the image, the trained network) and the summary they fill.
type demoRun struct {
	ctx     context.Context
	e       *env
	out     string
	cfg     demoConfig
	quick   bool
	seed    uint64
	backend string

	mog *dist.Mixture
	im  *dist.Image
	net *scorenet.Net // the trained network, with its averaged weights where kept
	sum demoSummary
}

// demoStages are the demo's stages in the order they run; summary.json's
// "seconds" has one entry for each name.
var demoStages = []struct {
	name string
	run  func(*demoRun) error
}{
	{"mixture", (*demoRun).mixture},
	{"langevin", (*demoRun).langevin},
	{"modes", (*demoRun).modes},
	{"image", (*demoRun).image},
	{"train", (*demoRun).train},
	{"fields", (*demoRun).fields},
	{"score-error", (*demoRun).scoreError},
	{"oracle", (*demoRun).oracle},
	{"sampling", (*demoRun).sampling},
	{"toys", (*demoRun).toys},
	{"vp", (*demoRun).vp}, // demosde.go
}

// runDemo runs demoStages in order into out, interruptible between and
// within stages, and writes summary.json last.
func runDemo(ctx context.Context, e *env, out string, cfg demoConfig, quick bool, seed uint64, backend string) error {
	if err := prepareDemoDir(out, backend); err != nil {
		return err
	}
	d := &demoRun{ctx: ctx, e: e, out: out, cfg: cfg, quick: quick, seed: seed, backend: backend,
		sum: demoSummary{Quick: quick, Config: cfg, Seconds: map[string]float64{}}}
	began := time.Now()
	// The densities every stage shares, read before the first stage: an
	// image that does not load stops the demo before it draws anything.
	var err error
	if d.mog, err = dist.Preset("seed-mog"); err != nil {
		return err
	}
	if d.im, err = loadImage(cfg.Image); err != nil {
		return err
	}
	for _, st := range demoStages {
		if err := d.stage(st.name, st.run); err != nil {
			return err
		}
	}
	d.sum.Seconds["total"] = time.Since(began).Seconds()
	return d.writeSummary()
}

// prepareDemoDir checks --backend and the output directory, creates it,
// and removes an earlier demo's summary.json, which would describe this
// one's figures until it ends (the new one is written last).
func prepareDemoDir(out, backend string) error {
	if err := checkBackend(backend); err != nil {
		return err
	}
	if err := checkModelDir(filepath.Join(out, "model")); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Remove(filepath.Join(out, "summary.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// stage runs one stage, announced on stderr and timed into the summary; an
// interrupt before or during it is errInterruptedDemo.
func (d *demoRun) stage(name string, run func(*demoRun) error) error {
	if d.ctx.Err() != nil {
		return errInterruptedDemo
	}
	t := time.Now()
	fmt.Fprintf(d.e.stderr, "== %s\n", name)
	if err := run(d); err != nil {
		if d.ctx.Err() != nil {
			return errInterruptedDemo
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	d.sum.Seconds[name] = time.Since(t).Seconds()
	return nil
}

// figure records the figure name in the summary and returns its path.
func (d *demoRun) figure(name string) string {
	d.sum.Figures = append(d.sum.Figures, name)
	return filepath.Join(d.out, name)
}

// rng is the demo's source for the stream named by stream.
func (d *demoRun) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(d.seed, stream)) }

// mixture draws the blog post's Figure 1: the mixture's log p and score.
func (d *demoRun) mixture() error {
	return saveMixtureScore(d.figure("1-mixture-score.png"), d.mog, seedBox, 10, "seed-mog: log p (contours) and its score (arrows)")
}

// langevin draws the blog post's Figure 2, one particle from N(0, 0.5²)
// for 200 steps of η = 0.01 (a still, a GIF and, with ffmpeg, an MP4), and
// compares the moments of many particles with the mixture's.
func (d *demoRun) langevin() error {
	rng := d.rng(0x1217)
	init := []float64{0.5 * rng.NormFloat64(), 0.5 * rng.NormFloat64()}
	p, err := langevinPath(d.mog, 200, 0.01, d.seed, init)
	if err != nil {
		return err
	}
	title := "Langevin path on seed-mog, 200 steps of η=0.01"
	names := []string{"2-langevin-path.png", "2-langevin-path.gif"}
	if plot.HaveFFmpeg() {
		names = append(names, "2-langevin-path.mp4")
	}
	for _, name := range names {
		if err := savePathFigure(d.figure(name), d.mog, seedPathBox, p, title); err != nil {
			return err
		}
	}
	d.sum.Mixture, err = checkMixtureMoments(d.mog, rng)
	return err
}

// modes compares plain and annealed Langevin on unequal modes.
func (d *demoRun) modes() error {
	var err error
	if d.sum.Modes, err = checkModes(d.mog, d.rng(0x30de5)); err != nil {
		return err
	}
	return saveModeWeights(d.figure("8-two-modes.png"), d.sum.Modes, modesChains)
}

// image draws the image as a distribution over pixels.
func (d *demoRun) image() error {
	draws := d.im.Sample(nil, 10000, d.rng(0xf17e))
	return saveImageHistogram(d.figure("3-mnist-image.png"), d.im, draws, d.cfg.Image+" as a distribution over pixels")
}

// train trains the network as sgm train does, and keeps it with its
// moving averages of the weights, as sgm sample uses them.
func (d *demoRun) train() error {
	cfg := d.cfg
	f := defaultTrainFlags()
	f.demoRun = true // clears an earlier demo's run in the model directory, and no other
	f.image, f.out, f.objective, f.backend = cfg.Image, filepath.Join(d.out, "model"), cfg.Objective, d.backend
	f.lossCSV, f.lossPlot = filepath.Join(d.out, "loss.csv"), d.figure("4-loss.png")
	f.ema, f.steps, f.batch, f.width, f.depth, f.features = cfg.EMA, cfg.Steps, cfg.Batch, cfg.Width, cfg.Depth, cfg.Features
	f.levels, f.checkpointEvery, f.lr, f.sigmaMin, f.sigmaMax, f.seed = cfg.Levels, cfg.Steps, cfg.LR, cfg.SigmaMin, cfg.SigmaMax, d.seed
	f.set["objective"], f.set["ema"], f.set["image"] = true, true, true
	res, err := runTraining(d.ctx, d.e, f)
	if err != nil {
		return err
	}
	d.net = res.net
	if ema, ok := d.net.EMA(); ok {
		d.net = ema
	}
	d.sum.TrainSteps = len(res.history)
	d.sum.FinalLoss, d.sum.FinalLossSteps = finalLoss(res.history)
	d.sum.Sigma = d.net.Config().Sigmas[cfg.Level]
	return nil
}

// fields draws the learned score at a few levels (Figure 3).
func (d *demoRun) fields() error {
	return saveLearnedFields(d.figure("5-learned-fields.png"), d.net, defaultFieldLevels(d.cfg.Levels), 15)
}

// scoreError measures the learned score against the exact score of the
// smoothed image at every level, and the level --level auto would take.
func (d *demoRun) scoreError() error {
	d.sum.ScoreError = scoreErrors(d.net, d.im, 1000, d.rng(0xf15e))
	d.sum.AutoLevel = -1
	choice, err := imageAutoLevel(d.sum.ScoreError, d.im)
	if err == nil {
		d.sum.AutoLevel = choice.Level
	}
	return saveScoreError(d.figure("7-score-error.png"), d.sum.ScoreError, choice, err, "learned score against the exact score of the smoothed image")
}

// oracle drives the same sampler with the exact score of the smoothed
// image: how much of the gap to a perfect hist_corr is the sampler's.
func (d *demoRun) oracle() error {
	pts, err := d.cfg.pooledLangevin(d.im.Smoothed(d.net.Config().Sigmas[d.cfg.Level]), d.rng(0x0ac1e))
	if err != nil {
		return err
	}
	d.sum.OracleHistCorr = metric.HistCorr(pts, d.im.Pix, d.im.H, d.im.W)
	return nil
}

// sampling runs Langevin with the learned score (the blog post's last
// figure), measures it and writes the samples.
func (d *demoRun) sampling() error {
	cfg, im := d.cfg, d.im
	pts, err := cfg.pooledLangevin(d.net.AtLevel(cfg.Level), d.rng(0x5a3b1e))
	if err != nil {
		return err
	}
	d.sum.NSamples = len(pts) / 2
	d.sum.HistCorr = metric.HistCorr(pts, im.Pix, im.H, im.W)
	if err := data.WriteCSVFile(filepath.Join(d.out, "samples.csv"), []string{"x0", "x1"}, pts); err != nil {
		return err
	}
	title := fmt.Sprintf("Langevin with the learned score, level %d (σ=%.3g): hist_corr %.3f", cfg.Level, d.sum.Sigma, d.sum.HistCorr)
	return saveHistogram(d.figure("6-learned-samples.png"), pts, 50, plot.UnitSquare, plot.ImageSpace, title)
}

// toys trains and samples the toy suite (demotoys.go).
func (d *demoRun) toys() error {
	toyCfg := fullToyDemo
	if d.quick {
		toyCfg = quickToyDemo
	}
	var err error
	d.sum.Toys, err = runToyDemo(d.ctx, d.e, d.out, d.figure("9-toys.png"), demoToys, toyCfg, d.seed, d.backend)
	return err
}

// writeSummary writes summary.json, last, and prints the demo's one line.
func (d *demoRun) writeSummary() error {
	sum := d.sum
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(d.out, "summary.json"), append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(d.e.stdout, "demo: hist_corr %.4f on %d samples, %d training steps (mean loss of %s %.4f), %.0fs; figures and summary.json in %s\n",
		sum.HistCorr, sum.NSamples, sum.TrainSteps, lastSteps(sum.FinalLossSteps), sum.FinalLoss, sum.Seconds["total"], d.out)
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
