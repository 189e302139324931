package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/demo"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
	"github.com/sgm-dev/sgm/train"
)

// trainFlags are the flags of "sgm train"; their defaults are the blog
// post's configuration where its text gives one, and ours where not. The
// run itself is model.Train's: this file turns flags into its options and
// prints what it did.
type trainFlags struct {
	image, out, objective, backend, lossCSV, lossPlot string
	data                                              string // --data
	activation                                        string
	steps, batch, width, depth, features, levels      int
	checkpointEvery, stepsPerCall                     int
	lr, sigmaMin, sigmaMax, ema                       float64
	seed                                              uint64
	resume                                            bool
	labelColumn                                       string // --label-column (model.TrainOptions.LabelColumn)

	// A network conditioned on time: --sde, --target, --time-features
	// and the process's parameters.
	sde, target      string
	timeFeatures     int
	betaMin, betaMax float64
	sdeSigmaMax      float64

	set map[string]bool // the flags given on the command line
}

// Labels a run records for the command: its loss files, relative to the
// run directory (so that a run copied or moved writes its own).
const (
	lossCSVLabel  = "loss-csv"
	lossPlotLabel = "loss-plot"
)

// Checkpoint labels the command reads (model's).
const (
	imageLabel        = model.LabelImage
	dataLabel         = model.LabelData
	targetLabel       = model.LabelTarget
	standardizerLabel = model.LabelStandardizer
)

// relativeToRun returns path relative to the run directory dir, and
// whether it lies inside it ("" and false if not).
func relativeToRun(dir, path string) (string, bool) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(d, p)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	return rel, true
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.image, "image", "mnist:train:0", "training image `SPEC`: mnist:train:N, mnist:test:N, idx:PATH:N or a PNG/JPEG path")
	fs.StringVar(&f.data, "data", "", dataHelp)
	fs.StringVar(&f.out, "out", "sgm-model", "run `DIR` to write (GoMLX checkpoint files, loss.csv, loss.png); a run directory may be copied or moved, and one process at a time may write it")
	fs.BoolVar(&f.resume, "resume", false, "continue the run saved in --out up to --steps steps in all")
	fs.IntVar(&f.steps, "steps", 5000, "optimiser steps in all (ours: the blog post trains for 50,000)")
	fs.IntVar(&f.batch, "batch", 256, "data points per step (ours: the blog post's text is cut before it)")
	fs.Float64Var(&f.lr, "lr", 1e-3, "Adam learning rate (ours: the blog post's text is cut before it)")
	fs.StringVar(&f.objective, "objective", string(train.AllLevels), "training objective: all-levels (the blog post's denoising score matching: every point at every level; the default, except with --data points or a mixture, where it is one-level), one-level (the same loss, one random level per point), sliced (sliced score matching on perturbed points, one level per point; use it with --activation softplus); for a network conditioned on time: cfm or otcfm (flow matching from N(0, I), with --target), continuous (with --sde)")
	fs.IntVar(&f.width, "width", 256, "hidden units per layer (ours: the blog post's text is cut before it)")
	fs.IntVar(&f.depth, "depth", 3, "hidden layers (ours: the blog post's text is cut before it)")
	fs.StringVar(&f.activation, "activation", "relu", "hidden-layer activation: relu (the blog post's) or softplus (smooth; sliced score matching needs it)")
	fs.IntVar(&f.features, "features", 256, "random Fourier features per trig function")
	fs.IntVar(&f.levels, "levels", 30, "noise levels (geometric grid)")
	fs.Float64Var(&f.sigmaMin, "sigma-min", 1e-4, "smallest noise level")
	fs.Float64Var(&f.sigmaMax, "sigma-max", 1, "largest noise level")
	fs.Float64Var(&f.ema, "ema", 0, "keep exponential moving averages of the weights with this decay (NCSNv2: 0.999; the default with --data points or a mixture, else 0); sampling then uses them; --resume keeps the run's decay")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed for the weights, data and noise")
	fs.IntVar(&f.checkpointEvery, "checkpoint-every", 1000, "steps between checkpoints (one is always written at the end)")
	fs.StringVar(&f.lossCSV, "loss-csv", "", "loss history `FILE` (default DIR/loss.csv)")
	fs.StringVar(&f.lossPlot, "loss-plot", "", "loss curve `FILE`, .png or .svg (default DIR/loss.png)")
	fs.StringVar(&f.backend, "backend", "go", backendFlagHelp)
	fs.IntVar(&f.stepsPerCall, "steps-per-call", 1, stepsPerCallHelp)
	fs.StringVar(&f.sde, "sde", "", "train a score network conditioned on time under this forward `SDE`: ve, vp or subvp (Song et al. 2021; denoising score matching in continuous time), on --data or --target")
	fs.StringVar(&f.target, "target", "", "with --sde or --objective cfm|otcfm: the mixture `SPEC` (JSON file or preset) whose samples are the data (as --data)")
	fs.IntVar(&f.timeFeatures, "time-features", 8, "with --sde or --objective cfm|otcfm: frequencies of the Fourier embedding of time")
	fs.Float64Var(&f.betaMin, "beta-min", sde.DefaultBetaMin, "with --sde vp or subvp: β_min of the linear β(t)")
	fs.Float64Var(&f.betaMax, "beta-max", sde.DefaultBetaMax, "with --sde vp or subvp: β_max of the linear β(t)")
	fs.Float64Var(&f.sdeSigmaMax, "sde-sigma-max", sde.DefaultSigmaMax, "with --sde ve: σ_max of the process (σ_min is 0.01)")
	fs.StringVar(&f.labelColumn, "label-column", "", labelColumnHelp)
}

// timed reports whether the command line asks for a network conditioned
// on time.
func (f *trainFlags) timed() bool {
	return f.sde != "" || f.set["target"] || f.set["time-features"] || slices.Contains(timeObjectives, train.Objective(f.objective))
}

// timeObjectives are the objectives of time-conditioned networks.
var timeObjectives = []train.Objective{train.Continuous, train.CFM, train.OTCFM}

// levelOnlyFlags are the train flags of a network of noise levels only.
var levelOnlyFlags = []string{"image", "levels", "sigma-min", "sigma-max", "steps-per-call"}

// timeOnlyFlags are the train flags of a network conditioned on time only.
var timeOnlyFlags = []string{"sde", "target", "time-features", "beta-min", "beta-max", "sde-sigma-max"}

// validate checks the flags' values (given or defaults) before anything
// is read or written.
func (f *trainFlags) validate() error {
	timed := f.timed()
	for _, name := range levelOnlyFlags {
		if timed && f.set[name] {
			return usagef("--%s does not apply to a network conditioned on time (--sde, --objective cfm|otcfm)", name)
		}
	}
	for _, name := range timeOnlyFlags[3:] {
		if f.set[name] && f.sde == "" {
			return usagef("--%s applies only with --sde", name)
		}
	}
	if f.set["image"] && f.set["data"] {
		return usagef("give one of --data and --image, not both")
	}
	if f.set["target"] && f.set["data"] {
		return usagef("give one of --data and --target, not both")
	}
	// Upper bounds keep a typo (or a recorded value) from exhausting
	// memory: the network's size is checked by scorenet.Config.Validate.
	for _, c := range []struct {
		name           string
		v, least, most int
	}{{"steps", f.steps, 1, maxSteps}, {"batch", f.batch, 1, train.MaxBatch}, {"width", f.width, 1, 1 << 16},
		{"depth", f.depth, 1, 1000}, {"features", f.features, 1, 1 << 16}, {"levels", f.levels, 1, 10000},
		{"checkpoint-every", f.checkpointEvery, 1, maxSteps}, {"time-features", f.timeFeatures, 1, 256}} {
		if err := checkRange(c.name, c.v, c.least, c.most); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"lr", f.lr}, {"sigma-min", f.sigmaMin}, {"sigma-max", f.sigmaMax}} {
		if err := checkPositive(c.name, c.v); err != nil {
			return err
		}
	}
	// The levels must be ones the exact smoothed image accepts, or sample
	// and eval would refuse the trained model (checkModelNoise).
	for _, c := range []struct {
		name string
		v    float64
	}{{"sigma-min", f.sigmaMin}, {"sigma-max", f.sigmaMax}} {
		if err := dist.CheckNoise(c.v); err != nil {
			return usagef("--%s: %v", c.name, err)
		}
	}
	if f.sigmaMax < f.sigmaMin && (f.set["sigma-min"] || f.set["sigma-max"]) && !(f.set["sigma-min"] != f.set["sigma-max"] && f.pointData()) {
		return usagef("--sigma-max %v is below --sigma-min %v", f.sigmaMax, f.sigmaMin)
	}
	if err := (train.Settings{Objective: train.Objective(f.objective)}).Validate(); err != nil {
		return usagef("--objective: %v", err)
	}
	if err := (scorenet.Config{Activation: f.activation}).Validate(); err != nil {
		return usagef("--activation: %v", err)
	}
	levels := make([]float64, f.levels) // only their number matters here
	for i := range levels {
		levels[i] = 1
	}
	if err := (scorenet.Config{Features: f.features, Width: f.width, Depth: f.depth, Sigmas: levels}).Validate(); err != nil {
		return usagef("--width %d, --depth %d, --features %d: %v", f.width, f.depth, f.features, err)
	}
	if !(f.ema >= 0 && f.ema < 1) {
		return usagef("--ema must be in [0, 1), got %v", f.ema)
	}
	if err := (train.Settings{Objective: train.Objective(f.objective), Batch: f.batch}).Validate(); err != nil {
		return usagef("--%v", err)
	}
	if err := checkStepsPerCall(f.stepsPerCall, f.backend); err != nil {
		return err
	}
	if f.lossPlot != "" {
		if err := checkOutput("loss-plot", f.lossPlot, ".png", ".svg"); err != nil {
			return err
		}
	}
	if f.lossCSV != "" {
		if err := checkOutput("loss-csv", f.lossCSV, ".csv"); err != nil {
			return err
		}
	}
	return nil
}

// dataSpec is the data the flags name: --data, --target, or --image
// (the default of a new run of noise levels: mnist:train:0).
func (f *trainFlags) dataSpec() string {
	switch {
	case f.data != "":
		return f.data
	case f.target != "":
		return f.target
	case f.set["image"] || !f.resume && !f.timed():
		return f.image
	}
	return ""
}

// dataFlag names the flag of the data: data, target or image.
func (f *trainFlags) dataFlag() string {
	switch {
	case f.target != "":
		return "target"
	case f.data == "" && f.image != "":
		return "image"
	}
	return "data"
}

// pointData reports whether the data named is points or a mixture (not
// an image).
func (f *trainFlags) pointData() bool {
	spec := f.dataSpec()
	return spec != "" && !model.IsImageSpec(spec)
}

// options turns the flags into model.TrainOptions.
func (f *trainFlags) options() (model.TrainOptions, error) {
	o := model.TrainOptions{Data: f.dataSpec(), Resume: f.resume, Locked: true, LabelColumn: f.labelColumn}
	if f.data != "" && !model.IsPointSpec(f.data) && !model.IsMixtureSpec(f.data) && !model.IsImageSpec(f.data) {
		return o, usagef("--data %q: want PATH.csv, PATH.npy, toy:NAME, a mixture (preset or .json) or an image spec (mnist:..., idx:..., a PNG/JPEG)", f.data)
	}
	if f.timed() && model.IsImageSpec(o.Data) {
		return o, usagef("--data %q: a network conditioned on time trains on points: PATH.csv, PATH.npy, toy:NAME or a mixture (preset or .json)", o.Data)
	}
	s := &o.Settings
	given := func(name string) bool { return !f.resume || f.set[name] }
	if given("steps") {
		s.Steps = f.steps
	}
	if given("batch") {
		s.Batch = f.batch
	}
	if given("lr") {
		s.LearningRate = f.lr
	}
	if given("checkpoint-every") {
		s.CheckpointEvery = f.checkpointEvery
	}
	if f.set["seed"] || !f.resume {
		s.Seed = f.seed
	}
	if f.set["ema"] {
		s.EMA, o.NoEMA = f.ema, f.ema == 0
	}
	s.StepsPerCall = f.stepsPerCall
	if f.set["objective"] {
		s.Objective = train.Objective(f.objective)
	} else if !f.resume && !f.timed() && !f.pointData() {
		s.Objective = train.AllLevels // the blog post's, on its image
	}
	if f.resume { // only what is given, which model.Train checks against the run's network
		if f.set["objective"] && (s.Objective == train.CFM || s.Objective == train.OTCFM) {
			o.Net.Process = "flow"
		}
		o.Net.Process = cmp.Or(f.sde, o.Net.Process)
		for _, c := range []struct {
			flag string
			set  func()
		}{{"width", func() { o.Net.Width = f.width }}, {"depth", func() { o.Net.Depth = f.depth }},
			{"features", func() { o.Net.Features = f.features }}, {"activation", func() { o.Net.Activation = f.activation }},
			{"levels", func() { o.Levels = f.levels }}, {"sigma-min", func() { o.SigmaMin = f.sigmaMin }}, {"sigma-max", func() { o.SigmaMax = f.sigmaMax }}} {
			if f.set[c.flag] {
				c.set()
			}
		}
		return o, nil
	}
	o.Net = scorenet.Config{Features: f.features, Width: f.width, Depth: f.depth, Activation: f.activation}
	if !f.timed() {
		if f.set["sigma-min"] || !f.pointData() {
			o.SigmaMin = f.sigmaMin
		}
		if f.set["sigma-max"] || !f.pointData() {
			o.SigmaMax = f.sigmaMax
		}
		o.Levels = f.levels
		return o, nil
	}
	if o.Data == "" {
		return o, usagef("--data SPEC or --target SPEC is required: the points (or the mixture whose samples) a time-conditioned network learns")
	}
	o.Net.Conditioning, o.Net.TimeFeatures = "time", f.timeFeatures
	obj := train.Objective(f.objective)
	switch {
	case f.sde != "" && f.set["objective"] && obj != train.Continuous:
		return o, usagef("--sde %s trains by denoising score matching in continuous time; --objective %s does not apply (cfm and otcfm need no SDE)", f.sde, obj)
	case f.sde != "":
		if _, err := sde.Parse(f.sde); err != nil {
			return o, usagef("--sde: %v", err)
		}
		o.Net.Process = f.sde
		s.Objective = train.Continuous
		switch f.sde {
		case "ve":
			o.Net.SigmaMax = f.sdeSigmaMax
		default:
			o.Net.BetaMin, o.Net.BetaMax = f.betaMin, f.betaMax
		}
	case obj == train.CFM || obj == train.OTCFM:
		o.Net.Process = "flow"
	case obj == train.Continuous:
		return o, usagef("--objective continuous needs --sde ve, vp or subvp")
	default:
		return o, usagef("--target and --time-features train a network conditioned on time: give --sde ve|vp|subvp or --objective cfm|otcfm")
	}
	if err := o.Net.Validate(); err != nil {
		return o, usagef("--width %d, --depth %d, --features %d: %v", f.width, f.depth, f.features, err)
	}
	return o, nil
}

func init() {
	register(&command{
		name:          "train",
		interruptible: true,
		args:          "[--image SPEC] [--steps N] [--out DIR] [flags]",
		summary:       "train a score network (the blog post's, or continuous-time / flow matching) on an image, points or a mixture",
		detail: `Fits the random-Fourier-feature score network to the image's distribution over
pixel coordinates by denoising score matching with Adam (epsilon 1e-8, as
optax), showing progress on stderr. The defaults are the blog post's
configuration where its text gives one (30 levels from 1e-4 to 1, 256
features) and ours where it does not (width, depth, batch, learning rate);
the post trains for 50,000 steps, our default is 5,000. Checkpoints, the loss
history (CSV) and its plot go into the run directory --out, which records the
run's flags and may be copied or moved; --resume continues a run from there.
An interrupt (Ctrl-C, SIGTERM) saves a checkpoint and says how to resume. A
run whose loss turns NaN or Inf stops with an error and keeps its last good
checkpoint.

--data trains on points instead (see README, "Your own data"): a .csv or
.npy file of any dimension, a toy, or a mixture. The points are
standardised per coordinate (recorded in the checkpoint, so that sample,
eval and plot work in the data's units) and the noise levels default from
the data: σ_max the largest distance between two points, σ_min 0.01, in
standard units (NCSNv2's technique 1).

` + data.PointSpecHelp + `

` + data.SpecHelp,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var f trainFlags
			f.register(fs)
			return func(ctx context.Context, e *env) error {
				f.set = givenFlags(fs)
				_, err := runTraining(ctx, e, &f)
				return err
			}
		},
	})
}

// trainResult is what a training run leaves for the caller.
type trainResult struct {
	model   *model.Model
	net     *scorenet.Net  // the network it evaluates (its moving averages where kept)
	history []train.Record // every step's loss, earlier runs included
	steps   int            // steps taken in this run
}

// runTraining trains (or resumes) per f with model.Train, writing
// loss.csv and the loss plot beside the checkpoints. It holds the run
// directory's lock (scorenet.Lock) while it runs.
func runTraining(ctx context.Context, e *env, f *trainFlags) (res *trainResult, err error) {
	if f.set == nil {
		f.set = map[string]bool{}
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	if f.backend != "go" {
		if o.Backend, err = newBackend(f.backend); err != nil {
			return nil, err
		}
	} else if err := checkBackend(f.backend); err != nil {
		return nil, err
	}
	_, statErr := os.Stat(f.out)
	unlock, err := scorenet.Lock(f.out)
	if errors.Is(err, scorenet.ErrInUse) {
		return nil, usagef("--out: %v", err)
	} else if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	defer unlock()
	if errors.Is(statErr, os.ErrNotExist) {
		// A run that fails before it writes anything leaves no directory.
		defer func() {
			if err != nil {
				scorenet.RemoveEmptyRun(f.out)
			}
		}()
	}
	has, err := scorenet.HasCheckpoints(f.out)
	if err != nil {
		return nil, err
	}
	switch {
	case f.resume && !has:
		return nil, usagef("--resume: no checkpoint in %q to resume", f.out)
	case !f.resume && has:
		return nil, usagef("--out %q already holds a checkpoint: pass --resume to continue it, or choose another directory", f.out)
	}
	if err := f.lossFiles(); err != nil {
		return nil, err
	}
	o.Labels = map[string]string{}
	for label, p := range map[string]string{lossCSVLabel: f.lossCSV, lossPlotLabel: f.lossPlot} {
		rel, _ := relativeToRun(f.out, p)
		o.Labels[label] = rel
	}
	// A run trained by sgm train is no longer the demo's to clear.
	if err := os.Remove(filepath.Join(f.out, demo.Mark)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--out: %w", err)
	}
	bar := newProgressBar(e.stderr)
	o.Settings.Progress, o.Settings.ProgressEvery, o.Settings.ProgressInterval = bar.update, max(1, f.steps/200), progressInterval
	// The loss file is rewritten with each checkpoint; the checkpoint's
	// own history (model) is what a resumed run goes on from.
	o.Settings.Checkpointed = func(_ int, h []train.Record) error { return writeLossCSV(f.lossCSV, h) }
	m, records, runErr := trainModel(ctx, f.out, o)
	var se *model.SettingsError
	var de *model.DataError
	var ke *model.KeptError
	switch {
	case errors.As(runErr, &ke) && ke.Option == "process":
		return nil, usagef("--resume: the run in %s is a %v network, not a time-conditioned %v network", ke.Dir, ke.Is, ke.Given)
	case errors.As(runErr, &ke):
		return nil, usagef("--%s %v: the run in %s has %v, and a resumed run keeps its network", ke.Option, ke.Given, ke.Dir, ke.Is)
	case errors.As(runErr, &se):
		return nil, usagef("%v", se)
	case errors.As(runErr, &de):
		return nil, usagef("--%s: %v", f.dataFlag(), de)
	}
	var history []train.Record
	if m != nil {
		history = m.Record().History
	}
	// The first error is the one reported: a checkpoint that failed on
	// a full disk, say, before the loss files that fail after it.
	var lossErr error
	if len(history) > 0 {
		if lossErr = writeLossCSV(f.lossCSV, history); lossErr == nil {
			lossErr = saveLossPlot(f.lossPlot, history, m.Record().Settings.Objective)
		}
	}
	then := ""
	if lossErr != nil {
		then = fmt.Sprintf(" (then writing the loss files failed too: %v)", lossErr)
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		if m == nil {
			return nil, fmt.Errorf("interrupted before the first step; nothing was saved%s", then)
		}
		return nil, fmt.Errorf("interrupted after step %d; sgm train --resume --out %s continues the run%s", m.Record().Step, f.out, then)
	case runErr != nil:
		return nil, fmt.Errorf("%w%s", runErr, then)
	case lossErr != nil:
		return nil, lossErr
	}
	for _, w := range m.Warnings() {
		fmt.Fprintf(e.stderr, "sgm train: warning: %s\n", w)
	}
	if len(records) > 0 {
		loss, k := train.FinalLoss(history)
		fmt.Fprintf(e.stdout, "trained %d steps (to step %d) of a %s model on %s%s; mean loss of %s %.4f; checkpoint in %s\n",
			len(records), records[len(records)-1].Step, m.Kind(), m.Record().Data, labelNote(m.Labels()), lastSteps(k), loss, f.out)
	} else {
		fmt.Fprintf(e.stdout, "%s is already at step %d (--steps %d); nothing to do\n", f.out, m.Record().Step, m.Record().Settings.Steps)
	}
	return &trainResult{model: m, net: m.Net(), history: history, steps: len(records)}, nil
}

// trainModel is model.Train; tests replace it to make training fail.
var trainModel = model.Train

// lossFiles sets the loss files: the flags' where given, else, for a
// resumed run, those it recorded (paths inside the run directory only),
// else DIR/loss.csv and DIR/loss.png.
func (f *trainFlags) lossFiles() error {
	if f.resume && (!f.set["loss-csv"] || !f.set["loss-plot"]) {
		net, err := scorenet.Load(nil, f.out)
		if err != nil {
			return err
		}
		for _, c := range []struct {
			label, flag string
			p           *string
		}{{lossCSVLabel, "loss-csv", &f.lossCSV}, {lossPlotLabel, "loss-plot", &f.lossPlot}} {
			v, ok := net.Label(c.label)
			if f.set[c.flag] || !ok || v == "" {
				continue
			}
			if !filepath.IsLocal(v) {
				return fmt.Errorf("checkpoint %s: label %s=%q: not a path inside the run directory", f.out, c.label, v)
			}
			*c.p = filepath.Join(f.out, v)
		}
	}
	if f.lossCSV == "" {
		f.lossCSV = filepath.Join(f.out, "loss.csv")
	}
	if f.lossPlot == "" {
		f.lossPlot = filepath.Join(f.out, "loss.png")
	}
	return nil
}

// maxSteps bounds --steps: every step's loss is kept in memory and in
// loss.csv.
const maxSteps = 100_000_000

// lastSteps says "the last k steps", or "the last step".
func lastSteps(k int) string {
	if k == 1 {
		return "the last step"
	}
	return fmt.Sprintf("the last %d steps", k)
}

func writeLossCSV(path string, h []train.Record) error {
	pts := make([]float64, 0, 2*len(h))
	for _, r := range h {
		pts = append(pts, float64(r.Step), r.Loss)
	}
	return data.WriteCSVFile(path, []string{"step", "loss"}, pts)
}
