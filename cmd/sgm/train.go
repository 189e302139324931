package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// trainFlags are the flags of "sgm train"; their defaults are the blog
// post's configuration where its text gives one, and ours where not.
type trainFlags struct {
	image, out, objective, backend, lossCSV, lossPlot string
	data                                              string     // --data (data.go)
	points                                            *pointData // its points, once read
	activation                                        string
	steps, batch, width, depth, features, levels      int
	checkpointEvery, stepsPerCall                     int
	lr, sigmaMin, sigmaMax, ema                       float64
	seed                                              uint64
	resume                                            bool

	set map[string]bool // the flags given on the command line

	time timeTrainFlags // --sde, --target, --time-features: timemodel.go

	// demoRun marks the run as the demo's: the demo clears such a run
	// when it trains again, and refuses to touch any other.
	demoRun bool
}

// recordedFlag is a flag a run records in its checkpoint, as a label of
// its name: its value as text, and how to set it back.
type recordedFlag struct {
	name     string
	get      func() string
	set      func(string) error
	optional bool // a checkpoint of an older sgm may not record it
}

// recorded lists the flags a run records. A resumed run takes them from
// its checkpoint unless they are given again, so that "sgm train --resume
// --out DIR" continues the run as it was started; given again, they change
// it from there on (but for the image: see checkResumable).
func (f *trainFlags) recorded() []recordedFlag {
	float := func(p *float64) recordedFlag {
		return recordedFlag{
			get: func() string { return strconv.FormatFloat(*p, 'g', -1, 64) },
			set: func(v string) (err error) { *p, err = strconv.ParseFloat(v, 64); return err },
		}
	}
	integer := func(p *int) recordedFlag {
		return recordedFlag{
			get: func() string { return strconv.Itoa(*p) },
			set: func(v string) (err error) { *p, err = strconv.Atoi(v); return err },
		}
	}
	text := func(p *string) recordedFlag {
		return recordedFlag{get: func() string { return *p }, set: func(v string) error { *p = v; return nil }}
	}
	seed := recordedFlag{
		get: func() string { return strconv.FormatUint(f.seed, 10) },
		set: func(v string) (err error) { f.seed, err = strconv.ParseUint(v, 10, 64); return err },
	}
	// A loss file is recorded relative to the run directory, so that a
	// run copied or moved elsewhere writes its own; one outside the run
	// is not recorded (a resumed run writes DIR/loss.csv), and nothing
	// recorded may lead outside it.
	inRun := func(p *string) recordedFlag {
		return recordedFlag{
			get: func() string { rel, _ := relativeToRun(f.out, *p); return rel },
			set: func(v string) error {
				if v != "" && !filepath.IsLocal(v) {
					return errors.New("not a path inside the run directory")
				}
				*p = ""
				if v != "" {
					*p = filepath.Join(f.out, v)
				}
				return nil
			},
		}
	}
	named := func(name string, r recordedFlag) recordedFlag { r.name = name; return r }
	optional := func(name string, r recordedFlag) recordedFlag { r.name, r.optional = name, true; return r }
	return []recordedFlag{
		named(imageLabel, text(&f.image)), optional(dataLabel, text(&f.data)), named("steps", integer(&f.steps)), named("batch", integer(&f.batch)),
		named("lr", float(&f.lr)), named("objective", text(&f.objective)), named("seed", seed),
		optional(emaLabel, float(&f.ema)), optional("loss-csv", inRun(&f.lossCSV)), optional("loss-plot", inRun(&f.lossPlot)),
		optional("checkpoint-every", integer(&f.checkpointEvery)),
	}
}

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

// absoluteSpec returns an image spec with its file, if it names one, as an
// absolute path, so that a run records an image it can find from any
// working directory (MNIST specs name no file).
func absoluteSpec(spec string) (string, error) {
	prefix := ""
	switch {
	case spec == "" || strings.HasPrefix(spec, "mnist:"):
		return spec, nil
	case strings.HasPrefix(spec, "idx:"):
		prefix, spec = "idx:", strings.TrimPrefix(spec, "idx:")
	}
	// An index after the path (PATH:N) is kept: Abs only cleans and
	// prefixes the path.
	abs, err := filepath.Abs(spec)
	if err != nil {
		return "", usagef("--image %q: %v", prefix+spec, err)
	}
	return prefix + abs, nil
}

// fromCheckpoint sets the recorded flags not given on the command line to
// the values net's checkpoint recorded, and checks them as if given. A
// checkpoint that records none of a flag (written by an older sgm) needs
// it given, but for --ema (no averages) and the loss files (in DIR).
func (f *trainFlags) fromCheckpoint(net *scorenet.Net) error {
	var missing []string
	for _, r := range f.recorded() {
		v, ok := net.Label(r.name)
		switch {
		case f.set[r.name]:
		case ok:
			if err := r.set(v); err != nil {
				return fmt.Errorf("checkpoint %s: label %s=%q: %w", f.out, r.name, v, err)
			}
		case !r.optional:
			missing = append(missing, "--"+r.name)
		}
	}
	if len(missing) > 0 {
		return usagef("--resume: %s does not record %s (an older sgm wrote it); give them", f.out, strings.Join(missing, ", "))
	}
	return f.validate()
}

// record writes the recorded flags into net's labels, saved with its
// checkpoints.
func (f *trainFlags) record(net *scorenet.Net) {
	for _, r := range f.recorded() {
		net.SetLabel(r.name, r.get())
	}
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
	f.time.register(fs)
}

func (f *trainFlags) validate() error {
	if err := f.checkData(); err != nil {
		return err
	}
	// Upper bounds keep a typo (or a recorded value) from exhausting
	// memory: the network's size is checked by scorenet.Config.Validate.
	for _, c := range []struct {
		name           string
		v, least, most int
	}{{"steps", f.steps, 1, maxSteps}, {"batch", f.batch, 1, train.MaxBatch}, {"width", f.width, 1, 1 << 16},
		{"depth", f.depth, 1, 1000}, {"features", f.features, 1, 1 << 16}, {"levels", f.levels, 1, 10000},
		{"checkpoint-every", f.checkpointEvery, 1, maxSteps}} {
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
	if f.sigmaMax < f.sigmaMin {
		return usagef("--sigma-max %v is below --sigma-min %v", f.sigmaMax, f.sigmaMin)
	}
	if err := (train.Settings{Objective: train.Objective(f.objective)}).Validate(); err != nil {
		return usagef("--objective: %v", err)
	}
	if err := (scorenet.Config{Activation: f.activation}).Validate(); err != nil {
		return usagef("--activation: %v", err)
	}
	levels := make(sgm.Schedule, f.levels) // only their number matters here
	for i := range levels {
		levels[i] = 1
	}
	if err := (scorenet.Config{Features: f.features, Width: f.width, Depth: f.depth, Sigmas: levels}).Validate(); err != nil {
		return usagef("--width %d, --depth %d, --features %d: %v", f.width, f.depth, f.features, err)
	}
	if !(f.ema >= 0 && f.ema < 1) {
		return usagef("--ema must be in [0, 1), got %v", f.ema)
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

// checkResumable checks the flags of a resumed run against the run saved
// in net: a run keeps its network and its image, so flags given to change
// them are refused rather than ignored.
func (f *trainFlags) checkResumable(net *scorenet.Net) error {
	cfg := net.Config()
	for _, c := range []struct {
		flag      string
		given, is any
	}{
		{"width", f.width, cfg.Width}, {"depth", f.depth, cfg.Depth}, {"features", f.features, cfg.Features},
		{"levels", f.levels, len(cfg.Sigmas)}, {"activation", f.activation, cfg.Activation},
		{"sigma-min", f.sigmaMin, cfg.Sigmas[0]}, {"sigma-max", f.sigmaMax, cfg.Sigmas[len(cfg.Sigmas)-1]},
	} {
		if c.flag == "sigma-max" && len(cfg.Sigmas) == 1 {
			continue // one level is σ_min; σ_max played no part
		}
		if f.set[c.flag] && c.given != c.is {
			return usagef("--%s %v: the run in %s has %v, and a resumed run keeps its network", c.flag, c.given, f.out, c.is)
		}
	}
	given, err := absoluteSpec(f.image)
	if err != nil {
		return err
	}
	if image, ok := net.Label(imageLabel); ok && f.set["image"] && given != image && f.image != image {
		if image == "" { // a damaged checkpoint: "trains on ; resume it"
			return fmt.Errorf("--image %s: the checkpoint in %s records an empty image; start a new run", f.image, f.out)
		}
		return usagef("--image %s: the run in %s trains on %s; resume it without --image, or start a new run", f.image, f.out, image)
	}
	return nil
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
				if f.time.wanted(&f) {
					_, err := runTimeTraining(ctx, e, &f)
					return err
				}
				if err := f.validate(); err != nil {
					return err
				}
				_, err := runTraining(ctx, e, &f)
				return err
			}
		},
	})
}

// imageLabel is the checkpoint label that records the training image's spec.
const imageLabel = scorenet.ImageLabel

// emaLabel is the checkpoint label that records the moving averages' decay,
// which a resumed run keeps unless --ema gives another.
const emaLabel = "ema"

// trainResult is what a training run leaves for the caller.
type trainResult struct {
	net     *scorenet.Net
	history []train.Record // every step's loss, earlier runs included
	steps   int            // steps taken in this run
}

// runTraining trains (or resumes) per f, writing checkpoints, loss.csv and
// the loss plot. It holds the run directory's lock (scorenet.Lock) while
// it runs.
func runTraining(ctx context.Context, e *env, f *trainFlags) (res *trainResult, err error) {
	backendName := func() string {
		if f.backend == "go" && f.objective == string(train.Sliced) {
			// GoMLX v0.28.2's pure-Go backend can deadlock when it runs
			// the many parallel branches of the sliced objective's double
			// backward pass concurrently (its worker pool loses
			// wake-ups); running one op at a time avoids that.
			return "go:ops_sequential"
		}
		return f.backend
	}
	loadedOn := backendName()
	backend, err := newBackend(loadedOn)
	if err != nil {
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
				removeEmptyRun(f.out)
			}
		}()
	}
	if f.demoRun {
		if err := clearDemoRun(f.out); err != nil {
			return nil, err
		}
	}
	has, err := scorenet.HasCheckpoints(f.out)
	if err != nil {
		return nil, err
	}
	var net *scorenet.Net
	var history []train.Record
	switch {
	case f.resume && !has:
		return nil, usagef("--resume: no checkpoint in %q to resume", f.out)
	case f.resume:
		if net, err = scorenet.Load(backend, f.out); err != nil {
			return nil, err
		}
		if err := f.checkResumable(net); err != nil {
			return nil, err
		}
		if err := f.fromCheckpoint(net); err != nil {
			return nil, err
		}
		if name := backendName(); name != loadedOn { // the run's objective needs another backend
			if backend, err = newBackend(name); err != nil {
				return nil, err
			}
			if net, err = scorenet.Load(backend, f.out); err != nil {
				return nil, err
			}
		}
		f.defaultLossFiles()
		if history, err = readLossCSV(f.lossCSV); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		// Steps logged after the checkpoint (a run cut short) are taken again.
		for len(history) > 0 && history[len(history)-1].Step > net.Step() {
			history = history[:len(history)-1]
		}
		if last := lastStep(history); last < net.Step() {
			fmt.Fprintf(e.stderr, "sgm train: %s ends at step %d, the checkpoint is at step %d: the losses of steps %d to %d are lost\n",
				f.lossCSV, last, net.Step(), last+1, net.Step())
		}
		if _, has := net.EMA(); has && f.ema == 0 {
			decay, _ := net.Label(emaLabel)
			return nil, usagef("--ema 0: %s keeps moving averages of the weights (decay %s), which a resumed run keeps current", f.out, decay)
		}
	case has:
		return nil, usagef("--out %q already holds a checkpoint: pass --resume to continue it, or choose another directory", f.out)
	default:
		cfg, err := f.newConfig()
		if err != nil {
			return nil, err
		}
		if net, err = scorenet.New(backend, cfg, rand.New(rand.NewPCG(f.seed, 0x5eed))); err != nil {
			return nil, err
		}
	}
	f.defaultLossFiles()
	if f.image, err = absoluteSpec(f.image); err != nil {
		return nil, err
	}
	if f.data, err = absoluteData(f.data); err != nil {
		return nil, err
	}
	f.record(net)
	im, err := f.trainingSource(net)
	if err != nil {
		return nil, err
	}
	if !f.demoRun { // a run trained by sgm train is no longer the demo's to clear
		if err := os.Remove(filepath.Join(f.out, demoMark)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--out: %w", err)
		}
	}
	bar := newProgressBar(e.stderr)
	records, runErr := runTrain(ctx, net, im, train.Settings{
		Steps: f.steps, Batch: f.batch, LearningRate: f.lr, Objective: train.Objective(f.objective),
		Seed: f.seed, CheckpointDir: f.out, CheckpointEvery: f.checkpointEvery, EMA: f.ema, StepsPerCall: f.stepsPerCall,
		// (train picks GraphNoise and LossEvery for the backend.)
		Progress: bar.update, ProgressEvery: max(1, f.steps/200), ProgressInterval: progressInterval,
		// The loss history is written with each checkpoint, so that a run
		// killed outright resumes with its losses up to there.
		Checkpointed: func(_ int, recs []train.Record) error { return writeLossCSV(f.lossCSV, slices.Concat(history, recs)) },
	})
	history = append(history, records...)
	// The first error is the one reported: a checkpoint that failed on
	// a full disk, say, before the loss files that fail after it.
	var lossErr error
	if len(history) > 0 {
		if lossErr = writeLossCSV(f.lossCSV, history); lossErr == nil {
			lossErr = saveLossPlot(f.lossPlot, history, train.Objective(f.objective))
		}
	}
	then := ""
	if lossErr != nil {
		then = fmt.Sprintf(" (then writing the loss files failed too: %v)", lossErr)
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		if has, _ := scorenet.HasCheckpoints(f.out); !has {
			return nil, fmt.Errorf("interrupted before the first step; nothing was saved%s", then)
		}
		return nil, fmt.Errorf("interrupted after step %d; sgm train --resume --out %s continues the run%s", net.Step(), f.out, then)
	case runErr != nil:
		return nil, fmt.Errorf("%w%s", runErr, then)
	case lossErr != nil:
		return nil, lossErr
	}
	if len(records) > 0 {
		loss, k := finalLoss(history)
		fmt.Fprintf(e.stdout, "trained %d steps (to step %d); mean loss of %s %.4f; checkpoint in %s\n",
			len(records), records[len(records)-1].Step, lastSteps(k), loss, f.out)
	} else {
		fmt.Fprintf(e.stdout, "%s is already at step %d (--steps %d); nothing to do\n", f.out, net.Step(), f.steps)
	}
	return &trainResult{net: net, history: history, steps: len(records)}, nil
}

// maxSteps bounds --steps: every step's loss is kept in memory and in
// loss.csv.
const maxSteps = 100_000_000

// runTrain is train.Run; tests replace it to make training fail.
var runTrain = train.Run

// defaultLossFiles puts the loss files not given or recorded in the run
// directory.
func (f *trainFlags) defaultLossFiles() {
	if f.lossCSV == "" {
		f.lossCSV = filepath.Join(f.out, "loss.csv")
	}
	if f.lossPlot == "" {
		f.lossPlot = filepath.Join(f.out, "loss.png")
	}
}

// demoMark is the file that marks a run directory as the demo's.
const demoMark = ".sgm-demo-run"

// clearDemoRun empties the run directory dir for the demo, which trains
// afresh, once checkModelDir has found nothing there but an earlier demo's
// run, and marks it as the demo's. The caller holds dir's lock.
func clearDemoRun(dir string) error {
	if err := checkModelDir(dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, e := range entries {
		if e.Name() != scorenet.LockName {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, demoMark), []byte("written by sgm demo, which clears this directory when it runs again\n"), 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// removeEmptyRun removes the run directory dir if it holds nothing but its
// lock file.
func removeEmptyRun(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != scorenet.LockName {
		return
	}
	os.Remove(filepath.Join(dir, scorenet.LockName))
	os.Remove(dir)
}

// lastSteps says "the last k steps", or "the last step".
func lastSteps(k int) string {
	if k == 1 {
		return "the last step"
	}
	return fmt.Sprintf("the last %d steps", k)
}

// lastStep is the step of the last record of h, 0 for none.
func lastStep(h []train.Record) int {
	if len(h) == 0 {
		return 0
	}
	return h[len(h)-1].Step
}

// finalLoss is the mean loss of the last tenth of the run (at most 100
// steps), less noisy than the last step's, and the number of steps k it
// is the mean of.
func finalLoss(h []train.Record) (mean float64, k int) {
	k = min(len(h), max(1, min(100, len(h)/10)))
	var s float64
	for _, r := range h[len(h)-k:] {
		s += r.Loss
	}
	return s / float64(k), k
}

func writeLossCSV(path string, h []train.Record) error {
	pts := make([]float64, 0, 2*len(h))
	for _, r := range h {
		pts = append(pts, float64(r.Step), r.Loss)
	}
	return data.WriteCSVFile(path, []string{"step", "loss"}, pts)
}

func readLossCSV(path string) ([]train.Record, error) {
	header, pts, err := data.ReadCSVFile(path)
	if err != nil {
		return nil, err
	}
	if len(header) != 2 || header[0] != "step" || header[1] != "loss" {
		return nil, fmt.Errorf("%s: header %v, want step,loss", path, header)
	}
	h := make([]train.Record, 0, len(pts)/2)
	for i := 0; i+1 < len(pts); i += 2 {
		h = append(h, train.Record{Step: int(pts[i]), Loss: pts[i+1]})
	}
	return h, nil
}
