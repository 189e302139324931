package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
	"github.com/sgm-dev/sgm/train"
)

// Time-conditioned models (issue 13): "sgm train --sde ve|vp|subvp" and
// "--objective cfm|otcfm" train a network conditioned on time on a
// --target mixture's samples; "sgm sample --model DIR" and "sgm eval --nll
// --model DIR" sample such a model and take its likelihood. The hooks are
// one line each in train.go, sdesample.go and nll.go.

// timeTrainFlags are train's flags for a time-conditioned network.
type timeTrainFlags struct {
	sde, target  string
	timeFeatures int
}

func (t *timeTrainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.sde, "sde", "", "train a score network conditioned on time under this forward `SDE`: ve, vp or subvp (Song et al. 2021; denoising score matching in continuous time), on --target's samples")
	fs.StringVar(&t.target, "target", "", "with --sde or --objective cfm|otcfm: the mixture `SPEC` (JSON file or preset) whose samples are the data (or give --data)")
	fs.IntVar(&t.timeFeatures, "time-features", 8, "with --sde or --objective cfm|otcfm: frequencies of the Fourier embedding of time")
}

// wanted reports whether the command line asks for a time-conditioned
// network: --sde, or a continuous-time objective (on --target's samples
// or on --data's points, timedata.go).
func (t *timeTrainFlags) wanted(f *trainFlags) bool {
	return f.set["sde"] || f.set["target"] || f.set["time-features"] || slices.Contains(timeObjectives, train.Objective(f.objective))
}

// timeObjectives are the objectives of time-conditioned networks.
var timeObjectives = []train.Objective{train.Continuous, train.CFM, train.OTCFM}

// timeTrainAllowed are the train flags that a time-conditioned run reads.
var timeTrainAllowed = []string{"sde", "target", "data", "time-features", "objective", "out", "resume", "steps", "batch", "lr",
	"width", "depth", "features", "activation", "ema", "seed", "checkpoint-every", "loss-csv", "loss-plot", "backend"}

// targetLabel records the mixture a time-conditioned network was trained on.
const targetLabel = "target"

// process checks the process and objective flags and returns the
// network's Process and the objective.
func (t *timeTrainFlags) process(f *trainFlags) (string, train.Objective, error) {
	o := train.Objective(f.objective)
	if !f.set["objective"] {
		o = ""
	}
	switch {
	case t.sde != "" && o != "" && o != train.Continuous:
		return "", "", usagef("--sde %s trains by denoising score matching in continuous time; --objective %s does not apply (cfm and otcfm need no SDE)", t.sde, o)
	case t.sde != "":
		if _, err := sde.Parse(t.sde); err != nil {
			return "", "", usagef("--sde: %v", err)
		}
		return t.sde, train.Continuous, nil
	case o == train.CFM || o == train.OTCFM:
		return "flow", o, nil
	case o == train.Continuous:
		return "", "", usagef("--objective continuous needs --sde ve, vp or subvp")
	}
	return "", "", usagef("--target and --time-features train a network conditioned on time: give --sde ve|vp|subvp or --objective cfm|otcfm")
}

// runTimeTraining trains (or resumes) a time-conditioned network per f,
// and returns it with the losses of the steps this run took.
func runTimeTraining(ctx context.Context, e *env, f *trainFlags) (res *trainResult, err error) {
	t := &f.time
	if err := checkOnly(f.set, timeTrainAllowed, "a network conditioned on time (--sde, --objective cfm|otcfm)"); err != nil {
		return nil, err
	}
	process, objective, err := t.process(f)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name           string
		v, least, most int
	}{{"steps", f.steps, 1, maxSteps}, {"batch", f.batch, 1, train.MaxBatch}, {"width", f.width, 1, 1 << 16},
		{"depth", f.depth, 1, 1000}, {"features", f.features, 1, 1 << 16}, {"time-features", t.timeFeatures, 1, 256},
		{"checkpoint-every", f.checkpointEvery, 1, maxSteps}} {
		if err := checkRange(c.name, c.v, c.least, c.most); err != nil {
			return nil, err
		}
	}
	if err := checkPositive("lr", f.lr); err != nil {
		return nil, err
	}
	if !(f.ema >= 0 && f.ema < 1) {
		return nil, usagef("--ema must be in [0, 1), got %v", f.ema)
	}
	if objective == train.OTCFM && f.batch > maxOTBatch {
		return nil, usagef("--batch %d: otcfm solves an exact assignment of batch² costs per step; at most %d", f.batch, maxOTBatch)
	}
	for _, c := range []struct{ flag, path, ext string }{{"loss-csv", f.lossCSV, ".csv"}, {"loss-plot", f.lossPlot, ".png"}} {
		if c.path == "" {
			continue // the run directory's own
		}
		if err := checkOutput(c.flag, c.path, c.ext, ".svg"); err != nil {
			return nil, err
		}
	}
	backend, err := timeBackend(f.backend)
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
		defer func() {
			if err != nil {
				removeEmptyRun(f.out)
			}
		}()
	}
	f.defaultLossFiles()
	has, err := scorenet.HasCheckpoints(f.out)
	if err != nil {
		return nil, err
	}
	var net *scorenet.Net
	switch {
	case f.resume && !has:
		return nil, usagef("--resume: no checkpoint in %q to resume", f.out)
	case f.resume:
		if net, err = scorenet.Load(backend, f.out); err != nil {
			return nil, err
		}
		if cfg := net.Config(); cfg.Process != process {
			return nil, usagef("--resume: the run in %s is %s, not a time-conditioned %s network", f.out, cfg, process)
		}
	case has:
		return nil, usagef("--out %q already holds a checkpoint: pass --resume to continue it, or choose another directory", f.out)
	}
	src, err := f.timeData(net) // timedata.go
	if err != nil {
		return nil, err
	}
	if net == nil {
		cfg := scorenet.Config{Dim: src.d, Features: f.features, Width: f.width, Depth: f.depth, Activation: f.activation,
			Conditioning: "time", Process: process, TimeFeatures: t.timeFeatures, Prediction: scorenet.DefaultPrediction(process)}
		if err := cfg.Validate(); err != nil {
			return nil, usagef("--width %d, --depth %d, --features %d: %v", f.width, f.depth, f.features, err)
		}
		if net, err = scorenet.New(backend, cfg, rand.New(rand.NewPCG(f.seed, 0x5eed))); err != nil {
			return nil, err
		}
	} else if net.Config().Dim != src.d {
		return nil, usagef("%s has dimension %d, the run in %s %d", src.spec, src.d, f.out, net.Config().Dim)
	}
	src.record(net)
	if err := f.timeEMA(net, f.resume); err != nil {
		return nil, err
	}
	bar := newProgressBar(e.stderr)
	began, start := time.Now(), net.Step()
	history, runErr := runTrain(ctx, net, src.sampler, train.Settings{
		Steps: f.steps, Batch: f.batch, LearningRate: f.lr, Objective: objective, Seed: f.seed,
		CheckpointDir: f.out, CheckpointEvery: f.checkpointEvery, EMA: f.ema,
		Progress: bar.update, ProgressEvery: max(1, f.steps/200), ProgressInterval: progressInterval,
	})
	if len(history) > 0 {
		if err := writeLossCSV(f.lossCSV, history); err != nil {
			return nil, errors.Join(runErr, err)
		}
		if err := saveLossPlot(f.lossPlot, history, objective); err != nil {
			return nil, errors.Join(runErr, err)
		}
	}
	if runErr != nil {
		return nil, runErr
	}
	steps := net.Step() - start
	fmt.Fprintf(e.stdout, "trained %d steps of a time-conditioned %s network (%s, %.0f steps/s) on %s; checkpoint in %s\n",
		steps, process, objective, float64(steps)/time.Since(began).Seconds(), src.spec, f.out)
	return &trainResult{net: net, history: history, steps: steps}, nil
}

// maxOTBatch bounds otcfm's batch: its assignment takes O(batch³) time.
const maxOTBatch = 4096

// flowSolvers are the samplers of a flow-matching model.
var flowSolvers = sample.VelocitySolvers

// defaultFlowNFE is the default --nfe of a flow model's fixed-step solvers.
var defaultFlowNFE = map[string]int{"euler": 100, "heun": 40}

// timeSampleAllowed are the sample flags that a time-conditioned model reads.
var timeSampleAllowed = []string{"model", "sampler", "nfe", "snr", "eta", "rtol", "atol", "n", "seed", "out", "backend"}

// sampleTimeModel is the hook of "sgm sample --model DIR": it samples the
// model and returns true when DIR holds a time-conditioned network, and
// returns false otherwise (or when DIR cannot be read: the Langevin path
// reports that).
func sampleTimeModel(e *env, f *sdeFlags, s sampleFlags) (bool, error) {
	if s.model == "" {
		return false, nil
	}
	cfg, err := scorenet.ConfigOf(s.model)
	if err != nil || !cfg.Timed() {
		return false, nil
	}
	if err := checkOnly(f.set, timeSampleAllowed, "--model of a network conditioned on time (it knows its process)"); err != nil {
		return true, err
	}
	if !f.set["sampler"] {
		f.sampler = "ode"
		if cfg.Process == "vp" && !f.set["rtol"] && !f.set["atol"] {
			// DDPM's ancestral sampler (sample.VPSteps, sample.VPEta).
			f.sampler = "ddim"
			if !f.set["eta"] {
				f.eta = sample.VPEta
			}
			if !f.set["nfe"] {
				f.nfe = sample.VPSteps
			}
		}
	}
	if err := f.checkSamplerFlags(f.sampler); err != nil {
		return true, err
	}
	if err := checkOutput("out", s.out, ".csv"); err != nil {
		return true, err
	}
	backend, err := timeBackend(s.backend)
	if err != nil {
		return true, err
	}
	net, err := loadNet(backend, s.model)
	if err != nil {
		return true, err
	}
	var x sdeRun
	if p, ok := cfg.SDE(); ok {
		f.sde = cfg.Process
		r, err := f.reverse(p, f.sampler, f.nfe)
		if err != nil {
			return true, err
		}
		score, err := net.TimeScore()
		if err != nil {
			return true, err
		}
		if x, err = sdeSamples(r, p, score, s.n, s.seed); err != nil {
			return true, err
		}
	} else {
		v, err := net.Velocity()
		if err != nil {
			return true, err
		}
		solver, err := f.velocityFlow()
		if err != nil {
			return true, err
		}
		if x, err = flowSamples(solver, v, s.n, s.seed); err != nil {
			return true, err
		}
	}
	std, err := modelStandardizer(net, s.model)
	if err != nil {
		return true, err
	}
	if std != nil {
		std.Invert(x.points) // a model of point data samples in standard units
	}
	if err := data.WriteCSVFile(s.out, coordHeader(cfg.Dim), x.points); err != nil {
		return true, err
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (model %s, %s, sampler %s, nfe %d; %.1fs)\n", s.n, s.out, s.model, cfg.Process, f.sampler, x.nfe, x.elapsed.Seconds())
	return true, nil
}

// velocityFlow returns the solver of a flow model that --sampler names.
func (f *sdeFlags) velocityFlow() (sample.VelocityFlow, error) {
	if !slices.Contains(flowSolvers, f.sampler) {
		return sample.VelocityFlow{}, usagef("--sampler %q: a flow-matching model is sampled by %s", f.sampler, strings.Join(flowSolvers, ", "))
	}
	if f.sampler == "ode" {
		if f.set["nfe"] {
			return sample.VelocityFlow{}, usagef("--nfe applies to the fixed-step samplers; ode's NFE follows --rtol and --atol")
		}
		if err := f.checkTol(); err != nil {
			return sample.VelocityFlow{}, err
		}
		return sample.VelocityFlow{Solver: "ode", RTol: f.rtol, ATol: f.atol}, nil
	}
	nfe := f.nfe
	if nfe == 0 {
		nfe = defaultFlowNFE[f.sampler]
	}
	least := map[string]int{"heun": 2}[f.sampler]
	if err := checkRange("nfe", nfe, max(1, least), maxNFE); err != nil {
		return sample.VelocityFlow{}, err
	}
	if f.sampler == "heun" {
		nfe /= 2
	}
	return sample.VelocityFlow{Solver: f.sampler, Steps: nfe}, nil
}

// flowSamples checks --n against memory, draws n source points N(0, I)
// with the seed and carries them along v with s.
func flowSamples(s sample.VelocityFlow, v scorenet.Velocity, n int, seed uint64) (sdeRun, error) {
	d := v.Dim()
	if err := checkAtLeast("n", n, 1); err != nil {
		return sdeRun{}, err
	}
	// The particles and Dormand-Prince's eight buffers of as many values.
	if err := checkFits("n", n, fmt.Sprintf("%d-dimensional particles", d), func(k int) float64 {
		return 8 * 10 * float64(k) * float64(d)
	}); err != nil {
		return sdeRun{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5de))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	began := time.Now()
	nfe, err := s.Sample(x, v.VelocityAt)
	if err != nil {
		return sdeRun{}, err
	}
	return sdeRun{x, nfe, time.Since(began)}, nil
}

// maxProbes bounds --probes: each is a reverse pass per evaluation.
const maxProbes = 1000

// maxModelNLLPoints bounds the points of eval --nll --model: the network
// evaluates them all in one batch, width values each per layer.
const maxModelNLLPoints = 100_000

// modelNLL is the hook of "sgm eval --nll --model DIR": the NLL of --data
// under a time-conditioned network, by the probability-flow ODE of its
// SDE or its flow, with the exact divergence (Dim reverse passes; for a
// score network of more than likelihood.MaxExactDim dimensions,
// Hutchinson's estimate with --probes probes, one reverse pass each). With
// --data target, the points are drawn from the mixture the model was
// trained on, and the mixture's exact NLL is printed beside the model's.
// A model of point data (sgm train --data) sees the points standardised as
// it records, and its NLL is put back in the data's units (withLogDet).
func modelNLL(e *env, f *nllFlags, set map[string]bool, dir string, n int, seed uint64, asJSON bool) error {
	for _, name := range []string{"sde", "sigma-max", "target"} {
		if set[name] {
			return usagef("--%s does not apply with --model: a network conditioned on time knows its process", name)
		}
	}
	if err := f.sde.checkTol(); err != nil {
		return err
	}
	if err := checkRange("probes", f.sde.probes, 1, maxProbes); err != nil {
		return err
	}
	cfg, err := scorenet.ConfigOf(dir)
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	if !cfg.Timed() {
		return usagef("--model %s: eval --nll needs a network conditioned on time (sgm train --sde or --objective cfm|otcfm); this one is %s", dir, cfg)
	}
	backend, err := timeBackend("go")
	if err != nil {
		return err
	}
	net, err := loadNet(backend, dir)
	if err != nil {
		return err
	}
	std, err := modelStandardizer(net, dir)
	if err != nil {
		return err
	}
	var m *dist.Mixture
	if spec, ok := net.Label(targetLabel); ok {
		m, _ = loadTarget(spec) // only for --data target and the exact NLL
	}
	if f.data == "target" && m == nil {
		return usagef("--data target: the model in %s records no mixture it was trained on", dir)
	}
	x, err := nllPoints(f.data, "--model "+dir, m, cfg.Dim, n, seed, maxModelNLLPoints)
	if err != nil {
		return err
	}
	r, err := netNLL(net, std, m, x, likelihood.ODE{RTol: f.sde.rtol, ATol: f.sde.atol}, f.sde.probes, seed)
	if err != nil {
		return fmt.Errorf("--data %s: %w", f.data, err)
	}
	return printNLL(e, r, asJSON)
}

// netNLL returns the NLL of the points x (in the data's units) under the
// time-conditioned network net by the probability-flow ODE of its SDE or
// its flow: with the exact divergence (Dim reverse passes) or, for a score
// network of more than likelihood.MaxExactDim dimensions, Hutchinson's
// estimate with probes probes. A model of point data (std non-nil) sees x
// standardised, and the NLL is put back in x's units; with m non-nil the
// mixture's exact NLL is set beside it.
func netNLL(net *scorenet.Net, std *data.Standardizer, m *dist.Mixture, x []float64, ode likelihood.ODE, probes int, seed uint64) (nllResult, error) {
	cfg := net.Config()
	d := cfg.Dim
	logp := make([]float64, len(x)/d)
	var nfe, used int
	name := cfg.Process
	if p, ok := cfg.SDE(); ok {
		score, err := net.TimeScore()
		if err != nil {
			return nllResult{}, err
		}
		name = p.String()
		var div likelihood.ScoreDivergence = score // exact, Dim reverse passes
		if d > likelihood.MaxExactDim {
			div = likelihood.HutchinsonVJP(score, probes, rand.New(rand.NewPCG(seed, 0x407)))
			used = probes
		}
		if err := standardNLL(std, x, func(y []float64) (err error) {
			nfe, err = ode.LogProb(logp, y, p, div)
			return err
		}); err != nil {
			return nllResult{}, err
		}
	} else {
		v, err := net.Velocity()
		if err != nil {
			return nllResult{}, err
		}
		if err := standardNLL(std, x, func(y []float64) (err error) {
			nfe, err = ode.FlowMatching(logp, y, v)
			return err
		}); err != nil {
			return nllResult{}, err
		}
	}
	r, err := nllStats(logp, d, nfe, name, m, x)
	if err != nil {
		return nllResult{}, err
	}
	r.Probes = used
	if std != nil {
		// The model's density is of y = T(x) = (x - mean)/std, whose
		// log |det ∂y/∂x| is -Σ log std: the NLL in the data's units is
		// the standard units' plus Σ log std.
		r = withLogDet(r, -std.LogDet(), d)
	}
	return r, nil
}

// withLogDet returns r for points in the data's units when the model saw
// them through an affine standardisation y = T(x) with log |det ∂y/∂x| =
// logDet: log p_x(x) = log p_y(T(x)) + logDet, so the NLL (and bits per
// dimension) decrease by logDet; the standard error is unchanged.
func withLogDet(r nllResult, logDet float64, d int) nllResult {
	r.NLL -= logDet
	r.BitsPerDim = r.NLL / (float64(d) * math.Ln2)
	return r
}

// nfeSourceOf is what "sgm plot nfe" samples and measures against.
type nfeSourceOf struct {
	p     sde.SDE
	score sde.TimeScorer
	ref   metric.Sampler     // draws of the reference, in the data's units
	std   *data.Standardizer // a model of point data: its samples' standardisation; else nil
}

// nfeSource returns what "sgm plot nfe" samples and measures: with --model
// a time-conditioned score network, its SDE and the reference to compare
// with (--target, or what it was trained on: a mixture, or the points of
// --data, its samples then put back in the data's units); else the exact
// score of --target under --sde.
func nfeSource(sf *sdeFlags, target, model string) (nfeSourceOf, error) {
	if model == "" {
		p, err := sf.process()
		if err != nil {
			return nfeSourceOf{}, err
		}
		m, err := loadTarget(target)
		if err != nil {
			return nfeSourceOf{}, err
		}
		score, err := sde.NewMixture(p, m)
		if err != nil {
			return nfeSourceOf{}, fmt.Errorf("--target under --sde %s: %w", sf.sde, err)
		}
		return nfeSourceOf{p: p, score: score, ref: mixtureDraws{m}}, nil
	}
	if sf.set["sde"] || sf.set["sigma-max"] {
		return nfeSourceOf{}, usagef("--sde and --sigma-max do not apply with --model: the network knows its SDE")
	}
	cfg, err := scorenet.ConfigOf(model)
	if err != nil {
		return nfeSourceOf{}, fmt.Errorf("--model: %w", err)
	}
	p, ok := cfg.SDE()
	if !ok {
		return nfeSourceOf{}, usagef("--model %s: plot nfe needs a score network trained with sgm train --sde; this one is %s", model, cfg)
	}
	backend, err := timeBackend("go")
	if err != nil {
		return nfeSourceOf{}, err
	}
	net, err := loadNet(backend, model)
	if err != nil {
		return nfeSourceOf{}, err
	}
	std, err := modelStandardizer(net, model)
	if err != nil {
		return nfeSourceOf{}, err
	}
	var ref metric.Sampler
	refDim := 0
	switch spec, hasData := net.Label(dataLabel); {
	case target == "" && std != nil && hasData:
		src, err := readReference("data", spec)
		if err != nil {
			return nfeSourceOf{}, fmt.Errorf("--model %s: the data it was trained on: %w", model, err)
		}
		ref, refDim, target = pointDraws{src}, src.d, spec
	default:
		if target == "" {
			target, _ = net.Label(targetLabel)
		}
		if target == "" {
			return nfeSourceOf{}, usagef("--model %s records no mixture it was trained on: give --target SPEC to compare with", model)
		}
		m, err := loadTarget(target)
		if err != nil {
			return nfeSourceOf{}, err
		}
		ref, refDim = mixtureDraws{m}, m.Dim()
	}
	if refDim != cfg.Dim {
		return nfeSourceOf{}, usagef("%s has dimension %d, --model %s %d", target, refDim, model, cfg.Dim)
	}
	score, err := net.TimeScore()
	if err != nil {
		return nfeSourceOf{}, err
	}
	sf.sde = cfg.Process
	return nfeSourceOf{p: p, score: score, ref: ref, std: std}, nil
}

// recordedTarget is spec as a run records it: a mixture file by its
// absolute path, so that the run directory's model finds it from anywhere;
// a preset by its name.
func recordedTarget(spec string) string {
	if !strings.ContainsRune(spec, filepath.Separator) && !strings.HasSuffix(spec, ".json") {
		return spec
	}
	if fi, err := os.Stat(spec); err != nil || fi.IsDir() {
		return spec
	}
	if abs, err := filepath.Abs(spec); err == nil {
		return abs
	}
	return spec
}

// timeBackend starts the backend name for a time-conditioned network: on
// the pure-Go backend ("go") with its ops run one at a time, as sliced
// score matching does (scorenet.CheckSecondOrder): a training step of
// sgm train --sde vp at the default size once hung here, idle, inside the
// parallel backend (v0.28.2's worker pool losing wake-ups, under a load of
// 6 on 2 cores).
func timeBackend(name string) (compute.Backend, error) {
	if name == "go" {
		name = "go:ops_sequential"
	}
	return newBackend(name)
}

// timeEMA sets --ema, when not given, to the decay of the resumed run's
// moving averages (recorded under emaLabel) or to train.DefaultEMA for a
// new network, and records it.
func (f *trainFlags) timeEMA(net *scorenet.Net, resumed bool) error {
	if !f.set["ema"] {
		f.ema = train.DefaultEMA(net.Config())
		if resumed {
			f.ema = 0
			if v, ok := net.Label(emaLabel); ok {
				d, err := strconv.ParseFloat(v, 64)
				if err != nil || !(d >= 0 && d < 1) {
					return fmt.Errorf("--resume: %s records the moving averages' decay %q, not a number in [0, 1)", f.out, v)
				}
				f.ema = d
			}
		}
	}
	if _, has := net.EMA(); has && f.ema == 0 {
		return usagef("--ema 0: %s keeps moving averages of the weights, which a resumed run keeps current: give their decay", f.out)
	}
	net.SetLabel(emaLabel, strconv.FormatFloat(f.ema, 'g', -1, 64))
	return nil
}
