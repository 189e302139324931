package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// TrainOptions say what Train trains. For a new run, zero fields are the
// defaults of the data and the kind; for a resumed run (Resume), zero
// fields are what the run recorded, so that it continues as it was
// started with no setting restated.
type TrainOptions struct {
	// Data is the spec of the data (OpenData). A resumed run takes the
	// one it recorded when Data is "", and refuses another, or a data
	// file whose bytes have changed since (its SHA-256).
	Data string
	// Source, if not nil, is trained on instead of opening Data (points
	// held in memory, such as the explorer's drawings); Data then names
	// it in the record and must be given.
	Source sgm.Source

	// Net is the network of a new run; its zero fields are
	// scorenet.Config's defaults, with Dim from the data and, for a
	// model of levels on points, the levels from the data: 30 from
	// σ_min = 0.01 to σ_max = the largest distance between two points,
	// in standard units (NCSNv2's technique 1). Net.Conditioning "time"
	// with Net.Process "ve", "vp", "subvp" or "flow" trains the other
	// kinds. A resumed run keeps its network.
	Net scorenet.Config

	// Settings are train.Settings. Zero fields mean: for a new run, the
	// kind's defaults (on points and mixtures one level per point and
	// moving averages at 0.999; on an image, the blog post's objective
	// over all levels and no averages; continuous-time denoising for an
	// SDE, cfm for a flow), and train's; for a resumed run, the values it
	// recorded (Seed too: a resumed run cannot be given seed 0 over
	// another). CheckpointDir is the run directory; History is the run's;
	// Checkpointed is called with the whole history, earlier runs' steps
	// included.
	Settings train.Settings

	// LabelColumn, if not "", trains a class-conditional model (label.go):
	// the name of a CSV file's label column, or ComponentLabels for a
	// toy with labels or a mixture. A resumed run takes the one it
	// recorded. With a Source, it must be ComponentLabels, the Source a
	// LabelledSource and LabelNames the names of its labels.
	LabelColumn string
	// LabelNames are the names of a labelled Source's labels, in index
	// order (its SampleLabelled's labels index them).
	LabelNames []string

	// SigmaMin, SigmaMax and Levels set the noise levels of a new Levels
	// run whose Net.Sigmas is nil, geometric from SigmaMin to SigmaMax;
	// zero means the default: for points in standard units σ_min 0.01 and
	// σ_max the data's largest pairwise distance, for an image the blog
	// post's 1e-4 and 1; 30 levels.
	SigmaMin, SigmaMax float64
	Levels             int
	// NoEMA keeps no moving averages of the weights in a new run, whose
	// default on points keeps them (Settings.EMA 0 means that default).
	NoEMA bool
	// Labels are notes recorded with the run's checkpoints
	// (scorenet.Net.SetLabel), such as a command's own settings.
	Labels map[string]string

	// Raw trains a new run on the data in its own units, with no
	// standardisation (the explorer does, so that its levels and fields
	// are in the units of its view); Net.Sigmas must then be given.
	Raw bool

	// Started, if not nil, is called with the network before the first
	// step: a caller that shows the learned field as training goes
	// evaluates it at Settings.Progress (its weights are current there).
	Started func(net *scorenet.Net)

	// Resume continues the run in the directory; without it, a
	// directory that holds a checkpoint is refused.
	Resume bool
	// Locked says the caller holds the directory's lock
	// (scorenet.Lock); otherwise Train takes it while it runs.
	Locked bool
	// Backend runs the network; nil means the one Open would pick for it.
	Backend compute.Backend
}

// Train trains the model in the run directory dir (created if needed)
// and returns it, with the losses of the steps it took. It holds the
// directory's lock while it runs, writes a checkpoint with the loss
// history as one unit every Settings.CheckpointEvery steps and at the end,
// and records every setting, the data's spec and checksum and the
// standardisation, so that Train with Resume and no other option
// continues the run exactly as one never stopped would.
//
// When training stops early (ctx cancelled, a divergence) it returns the
// model as far as it got with the error; a run that fails before its
// first checkpoint leaves no directory it created.
func Train(ctx context.Context, dir string, o TrainOptions) (m *Model, steps []train.Record, err error) {
	if dir == "" {
		return nil, nil, errors.New("model: Train: no run directory")
	}
	_, statErr := os.Stat(dir)
	if !o.Locked {
		unlock, err := scorenet.Lock(dir)
		if err != nil {
			return nil, nil, err
		}
		defer unlock()
		if errors.Is(statErr, os.ErrNotExist) {
			defer func() {
				if err != nil {
					scorenet.RemoveEmptyRun(dir)
				}
			}()
		}
	}
	has, err := scorenet.HasCheckpoints(dir)
	if err != nil {
		return nil, nil, err
	}
	var r *run
	switch {
	case o.Resume && !has:
		return nil, nil, refused("resume: no checkpoint in %s to resume", dir)
	case o.Resume:
		r, err = resumeRun(dir, o)
	case has:
		return nil, nil, refused("%s already holds a checkpoint: resume it, or choose another directory", dir)
	default:
		r, err = newRun(dir, o)
	}
	if err != nil {
		return nil, nil, err
	}
	r.rec.record(r.net)
	for k, v := range o.Labels {
		r.net.SetLabel(k, v)
	}
	s := r.rec.Settings
	s.CheckpointDir, s.History = dir, r.rec.History
	s.GraphNoise, s.LossEvery, s.StepsPerCall = o.Settings.GraphNoise, o.Settings.LossEvery, o.Settings.StepsPerCall
	s.Progress, s.ProgressEvery, s.ProgressInterval = o.Settings.Progress, o.Settings.ProgressEvery, o.Settings.ProgressInterval
	s.SyncOnProgress = o.Settings.SyncOnProgress
	if cb := o.Settings.Checkpointed; cb != nil {
		prior := r.rec.History
		s.Checkpointed = func(step int, h []train.Record) error {
			return cb(step, append(prior[:len(prior):len(prior)], h...))
		}
	}
	if o.Started != nil {
		o.Started(r.net)
	}
	steps, runErr := train.Run(ctx, r.net, r.src, s)
	r.rec.History = append(r.rec.History, steps...)
	r.rec.Step = r.net.Step()
	m = &Model{kind: kindOf(r.net.Config()), net: r.net, std: r.std, rec: r.rec, dir: dir}
	if im, ok := r.net.Label(LabelImage); ok && im != "" {
		m.image = true
	}
	if ema, ok := r.net.EMA(); ok {
		m.net = ema
	}
	if runErr != nil {
		if has, _ := scorenet.HasCheckpoints(dir); !has {
			return nil, steps, runErr
		}
		return m, steps, runErr
	}
	return m, steps, nil
}

// A SettingsError is an error of the options given to Train rather than
// of its work: a resume without a checkpoint, a new run over one, data
// other than the run's, a network or objective a resumed run cannot take.
// A command reports it as a usage error.
type SettingsError struct{ Err error }

func (e *SettingsError) Error() string { return e.Err.Error() }
func (e *SettingsError) Unwrap() error { return e.Err }

// A DataError is an error of the data Train was given: a file that does
// not read, a spec that names nothing, points that cannot be
// standardised. Its message names the file or spec.
type DataError struct{ Err error }

func (e *DataError) Error() string { return e.Err.Error() }
func (e *DataError) Unwrap() error { return e.Err }

// refused returns a SettingsError of the formatted message.
func refused(format string, args ...any) error {
	return &SettingsError{fmt.Errorf(format, args...)}
}

// run is a run about to train: its network, its data in the network's
// units, its standardisation and its record.
type run struct {
	net *scorenet.Net
	src sgm.Source
	std *data.Standardizer
	rec Record
}

// openSource opens the data of o (or takes o.Source).
func openSource(o TrainOptions) (*Data, error) {
	if o.Source != nil {
		if o.Data == "" {
			return nil, errors.New("model: Train: a Source needs its name in Data")
		}
		d := &Data{Spec: o.Data, Source: o.Source}
		if o.LabelColumn != "" {
			ls, ok := o.Source.(LabelledSource)
			if !ok || o.LabelColumn != ComponentLabels || len(o.LabelNames) == 0 {
				return nil, fmt.Errorf("model: Train: labels of a Source need label column %q, a LabelledSource and LabelNames", ComponentLabels)
			}
			d.labelled, d.labelNames = ls, o.LabelNames
		} else if o.LabelNames != nil {
			return nil, errors.New("model: Train: LabelNames apply to a labelled Source (LabelColumn)")
		}
		return d, nil
	}
	if o.LabelColumn != "" {
		if o.Raw {
			return nil, refused("a label column needs the data standardised, not Raw")
		}
		d, src, names, err := OpenLabelled(o.Data, o.LabelColumn)
		if err != nil {
			return nil, &DataError{err}
		}
		d.labelled, d.labelNames = src, names
		return d, nil
	}
	d, err := OpenData(o.Data)
	if err != nil {
		return nil, &DataError{err}
	}
	return d, nil
}

// newRun prepares a new run in dir.
func newRun(dir string, o TrainOptions) (*run, error) {
	d, err := openSource(o)
	if err != nil {
		return nil, err
	}
	cfg := o.Net
	if cfg.Dim != 0 && cfg.Dim != d.Source.Dim() {
		return nil, refused("data %s has dimension %d, the network %d", d.Spec, d.Source.Dim(), cfg.Dim)
	}
	cfg.Dim = d.Source.Dim()
	r := &run{src: d.Source, rec: Record{Data: d.Spec, DataSHA256: d.SHA256}}
	if d.Image == nil && !o.Raw {
		std, err := d.Standardizer()
		if err != nil {
			return nil, &DataError{err}
		}
		r.std, r.src = &std, d.inStandardUnits(std)
		if d.labelled != nil {
			cfg.Labels, r.src = d.labelNames, labelledStd{d.labelled, std}
		}
	} else if d.labelled != nil { // a labelled Source in its own units
		cfg.Labels, r.src = d.labelNames, d.labelled
	}
	if !cfg.Timed() && cfg.Sigmas == nil {
		lo, hi, n := o.SigmaMin, o.SigmaMax, o.Levels
		if n == 0 {
			n = 30
		}
		switch {
		case d.Image != nil || o.Raw:
			if lo == 0 {
				lo = 1e-4
			}
			if hi == 0 {
				hi = 1
			}
		case hi == 0:
			var pts *data.Points
			if p, ok := r.src.(data.Points); ok {
				pts = &p
			}
			hi = spread(r.src, pts)
			if lo == 0 {
				lo = min(pointSigmaMin, hi)
			}
			if lo > hi {
				return nil, refused("sigma-min %v is above the data's σ_max %.4g (its largest pairwise distance in standard units); give sigma-max", lo, hi)
			}
		case lo == 0:
			lo = min(pointSigmaMin, hi)
		}
		var err error
		if cfg.Sigmas, err = sgm.Geometric(lo, hi, n); err != nil {
			return nil, refused("noise levels: %w", err)
		}
	}
	if cfg.Timed() && cfg.Prediction == "" {
		cfg.Prediction = scorenet.DefaultPrediction(cfg.Process)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	s := o.Settings
	if s.Objective == "" {
		switch {
		case cfg.Timed() && cfg.Process == "flow":
			s.Objective = train.CFM
		case cfg.Timed():
			s.Objective = train.Continuous
		case d.Image == nil:
			s.Objective = train.OneLevel
		}
	}
	if s.EMA == 0 && !o.NoEMA {
		switch {
		case cfg.Timed():
			s.EMA = train.DefaultEMA(cfg) // 0.99 for a score network of an SDE
		case d.Image == nil:
			s.EMA = pointEMA
		}
	}
	r.rec.Settings = s.WithDefaults()
	if err := r.rec.Settings.Validate(); err != nil {
		return nil, err
	}
	b, err := backendOf(o, cfg, r.rec.Settings.Objective)
	if err != nil {
		return nil, err
	}
	if r.net, err = scorenet.New(b, cfg, rand.New(rand.NewPCG(r.rec.Settings.Seed, 0x5eed))); err != nil {
		return nil, err
	}
	if r.std != nil {
		r.net.SetLabel(LabelStandardizer, FormatStandardizer(*r.std))
	}
	if d.Image != nil {
		r.net.SetLabel(LabelImage, d.Spec)
	}
	if o.LabelColumn != "" {
		r.net.SetLabel(LabelLabelColumn, o.LabelColumn)
	}
	if cols := csvColumns(d.Spec, o.LabelColumn); len(cols) == cfg.Dim {
		b, _ := json.Marshal(cols)
		r.net.SetLabel(LabelColumns, string(b))
	}
	return r, nil
}

// pointEMA is the moving averages' decay of a new run on points: on the
// demo's toys they made the largest difference (moons: W₂ 0.64 without,
// 0.18 with, at 6,000 steps).
const pointEMA = 0.999

// backendOf is o.Backend, or the safe backend for cfg and objective.
func backendOf(o TrainOptions, cfg scorenet.Config, obj train.Objective) (compute.Backend, error) {
	if o.Backend != nil {
		return o.Backend, nil
	}
	return backendFor(cfg, obj)
}

// resumeRun prepares the run saved in dir to go on.
func resumeRun(dir string, o TrainOptions) (*run, error) {
	cfg, err := scorenet.ConfigOf(dir)
	if err != nil {
		return nil, err
	}
	b, err := backendOf(o, cfg, "")
	if err != nil {
		return nil, err
	}
	net, err := scorenet.Load(b, dir)
	if err != nil {
		return nil, err
	}
	m, err := fromNet(net, dir)
	if err != nil {
		return nil, err
	}
	rec := m.rec
	if rec.History, err = readHistory(net, dir); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if o.Backend == nil && rec.Settings.Objective == train.Sliced && !cfg.Timed() {
		// Sliced score matching differentiates twice: reload on the
		// backend that does so safely.
		if b, err = backendFor(cfg, train.Sliced); err != nil {
			return nil, err
		}
		if net, err = scorenet.Load(b, dir); err != nil {
			return nil, err
		}
	}
	if err := checkKept(dir, cfg, o); err != nil {
		return nil, err
	}
	s := rec.Settings
	for _, c := range []struct {
		p *int
		v int
	}{{&s.Steps, o.Settings.Steps}, {&s.Batch, o.Settings.Batch}, {&s.CheckpointEvery, o.Settings.CheckpointEvery}} {
		if c.v != 0 {
			*c.p = c.v
		}
	}
	if o.Settings.LearningRate != 0 {
		s.LearningRate = o.Settings.LearningRate
	}
	if o.Settings.Seed != 0 {
		s.Seed = o.Settings.Seed
	}
	if o.Settings.EMA != 0 {
		s.EMA = o.Settings.EMA
	}
	var need []string
	for _, label := range rec.missing {
		given := map[string]bool{labelSteps: s.Steps != 0 || o.Settings.Steps != 0, labelBatch: o.Settings.Batch != 0, labelLR: o.Settings.LearningRate != 0,
			labelObjective: o.Settings.Objective != "", labelSeed: o.Settings.Seed != 0}[label]
		if !given {
			need = append(need, label)
		}
	}
	if len(need) > 0 {
		return nil, refused("resume: the run in %s does not record its %s (an older sgm wrote it): give them", dir, strings.Join(need, ", "))
	}
	if s.Objective == "" {
		s.Objective = o.Settings.Objective
	}
	if o.Settings.Objective != "" && o.Settings.Objective != s.Objective {
		return nil, refused("resume: the run in %s trains with objective %s, not %s", dir, s.Objective, o.Settings.Objective)
	}
	if _, has := net.EMA(); has && o.NoEMA {
		return nil, refused("resume: the run in %s keeps moving averages of the weights (decay %g), which a resumed run keeps current", dir, s.EMA)
	}
	if _, has := net.EMA(); has && s.EMA == 0 {
		return nil, refused("resume: the run in %s keeps moving averages of the weights, which a resumed run keeps current: give their decay", dir)
	}
	rec.Settings = s.WithDefaults()
	if err := rec.Settings.Validate(); err != nil {
		return nil, err
	}
	if col, ok := net.Label(LabelLabelColumn); ok {
		if o.LabelColumn != "" && o.LabelColumn != col {
			return nil, refused("resume: the run in %s trains with label column %q, not %q", dir, col, o.LabelColumn)
		}
		o.LabelColumn = col
	} else if o.LabelColumn != "" {
		return nil, refused("resume: the run in %s trains without labels: label column %q applies to a new run", dir, o.LabelColumn)
	}
	d, err := resumeData(dir, o, rec)
	if err != nil {
		return nil, err
	}
	if d.Source.Dim() != cfg.Dim {
		return nil, refused("data %s has dimension %d, the run in %s models %d", d.Spec, d.Source.Dim(), dir, cfg.Dim)
	}
	r := &run{net: net, src: d.Source, std: m.std, rec: rec}
	switch {
	case m.std != nil && d.Image != nil:
		return nil, refused("data %s: the run in %s trains on points, not an image", d.Spec, dir)
	case m.image && d.Image == nil:
		return nil, refused("data %s: the run in %s trains on an image, not points", d.Spec, dir)
	case m.std != nil:
		r.src = d.inStandardUnits(*m.std)
		if d.labelled != nil {
			if !slices.Equal(d.labelNames, cfg.Labels) {
				return nil, refused("data %s: its labels differ from those the run in %s trains on", d.Spec, dir)
			}
			r.src = labelledStd{d.labelled, *m.std}
		}
	}
	return r, nil
}

// A KeptError refuses an option of a resumed run that would change the
// network it keeps: Option is named as sgm train's flag (width, depth,
// features, activation, levels, sigma-min, sigma-max, or process for a
// network conditioned on time), Given its value, Is the run's.
type KeptError struct {
	Dir, Option string
	Given, Is   any
}

func (e *KeptError) Error() string {
	return fmt.Sprintf("resume: %s %v: the run in %s has %v, which a resumed run keeps", e.Option, e.Given, e.Dir, e.Is)
}

// checkKept refuses the network options of a resumed run (o.Net, Levels,
// SigmaMin, SigmaMax) that differ from the run's network cfg, as a
// KeptError wrapped in a SettingsError; options equal to the run's are
// accepted. A single level has no σ_max to differ.
func checkKept(dir string, cfg scorenet.Config, o TrainOptions) error {
	n := o.Net
	process := "levels"
	if cfg.Timed() {
		process = cfg.Process
	}
	type option struct {
		name      string
		given, is any
		set       bool
	}
	kept := []option{
		{"process", n.Process, process, n.Process != ""},
		{"width", n.Width, cfg.Width, n.Width != 0}, {"depth", n.Depth, cfg.Depth, n.Depth != 0},
		{"features", n.Features, cfg.Features, n.Features != 0}, {"activation", n.Activation, cfg.Activation, n.Activation != ""},
		{"levels", o.Levels, len(cfg.Sigmas), o.Levels != 0},
	}
	if len(cfg.Sigmas) > 0 {
		kept = append(kept, option{"sigma-min", o.SigmaMin, cfg.Sigmas[0], o.SigmaMin != 0}, option{"sigma-max", o.SigmaMax, cfg.Sigmas[len(cfg.Sigmas)-1], o.SigmaMax != 0 && len(cfg.Sigmas) > 1})
	}
	for _, c := range kept {
		if c.set && c.given != c.is {
			return &SettingsError{&KeptError{Dir: dir, Option: c.name, Given: c.given, Is: c.is}}
		}
	}
	n.Process, n.Width, n.Depth, n.Features, n.Activation = "", 0, 0, 0, ""
	if !reflect.DeepEqual(n, scorenet.Config{}) {
		return refused("resume: the run in %s has its network (%s), which a resumed run keeps", dir, cfg)
	}
	return nil
}

// resumeData opens the data of a resumed run: the recorded spec unless o
// names it (another is refused), checked against the recorded checksum.
func resumeData(dir string, o TrainOptions, rec Record) (*Data, error) {
	if rec.emptyData {
		return nil, refused("data %s: the checkpoint in %s records empty data (it was edited or damaged); start a new run", o.Data, dir)
	}
	if rec.Data == "" && o.Data == "" {
		return nil, refused("resume: the run in %s records no data (an older sgm wrote it): give it", dir)
	}
	if o.Data == "" {
		o.Data = rec.Data
	}
	d, err := openSource(o)
	if err != nil {
		return nil, err
	}
	if rec.Data != "" && d.Spec != rec.Data {
		return nil, refused("data %s: the run in %s trains on %s; resume it without data, or start a new run", o.Data, dir, rec.Data)
	}
	if rec.DataSHA256 != "" && d.SHA256 != rec.DataSHA256 {
		return nil, refused("data %s has changed since the run in %s began (SHA-256 %.12s…, recorded %.12s…): start a new run", d.Spec, dir, d.SHA256, rec.DataSHA256)
	}
	return d, nil
}
