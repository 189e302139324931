package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
	"github.com/sgm-dev/sgm/train"
)

// Model is a trained model as one value: its kind, its network, the
// standardisation of its data and the record of its training. The network
// works in standard units, z = (x - mean)/std per coordinate; every
// method of Model takes and gives points in the data's own units.
type Model struct {
	kind  Kind
	net   *scorenet.Net
	std   *data.Standardizer // nil: the network sees the data as it is
	rec   Record
	dir   string
	warn  []string
	image bool // a model of an image (LabelImage): the blog post's defaults
}

// Record is what a model's checkpoint records of its training: the
// settings a resumed run keeps, the data it learned, and its loss history.
type Record struct {
	// Data is the spec of the training data: a point file (by absolute
	// path), toy:NAME, a mixture (preset or JSON file) or an image spec;
	// "" when the checkpoint records none.
	Data string
	// DataSHA256 is the hex SHA-256 of a data file's bytes ("" for toys,
	// mixtures and MNIST), which a resumed run checks.
	DataSHA256 string
	// Settings are the training settings the run recorded (Steps, Batch,
	// LearningRate, Objective, Seed, EMA, EMANoWarmup, CheckpointEvery).
	Settings train.Settings
	// Step is the number of steps the network has been trained for.
	Step int
	// History is the loss of every step up to Step that the run kept.
	History []train.Record

	missing   []string // settings the checkpoint does not record (an older sgm's)
	emptyData bool     // the checkpoint records its data as "" (damaged)
}

// Labels a model records in its checkpoint (scorenet.Net.SetLabel).
const (
	LabelData         = "data"         // Record.Data
	LabelDataSHA256   = "data_sha256"  // Record.DataSHA256
	LabelStandardizer = "standardizer" // JSON {"mean": [...], "std": [...]}
	LabelTarget       = "target"       // the mixture of a time-conditioned run before the data label
	LabelImage        = scorenet.ImageLabel
)

// Kind is the model's kind.
func (m *Model) Kind() Kind { return m.kind }

// Net is the model's network (in standard units).
func (m *Model) Net() *scorenet.Net { return m.net }

// Dim is the data's dimension.
func (m *Model) Dim() int { return m.net.Config().Dim }

// Standardizer is the standardisation of the data the network sees, and
// false where it sees the data as it is (an image model).
func (m *Model) Standardizer() (data.Standardizer, bool) {
	if m.std == nil {
		return data.Standardizer{}, false
	}
	return *m.std, true
}

// Image reports whether the model learned an image (the blog post's
// distribution over pixel coordinates), which keeps the post's units and
// sampler.
func (m *Model) Image() bool { return m.image }

// Record is the record of the model's training.
func (m *Model) Record() Record { return m.rec }

// Dir is the run directory the model was opened from or trained in.
func (m *Model) Dir() string { return m.dir }

// Warnings are the caveats Open found (moving averages that still hold
// much of the initialisation, say), one line each, for a command to print.
func (m *Model) Warnings() []string { return m.warn }

// Open restores the model in the run directory dir from its newest
// checkpoint (untrusted input, checked as scorenet.Load does): its kind,
// its network with the moving averages of its weights where training
// kept them, the standardisation of its data and its training record.
// The options are scorenet.Open's (scorenet.WithBackend,
// scorenet.RawWeights), and so is the backend it picks without them:
// scorenet.BackendFor's, safe for every kind.
func Open(dir string, opts ...scorenet.Option) (*Model, error) {
	net, err := scorenet.Open(dir, opts...)
	if err != nil {
		return nil, err
	}
	m, err := fromNet(net, dir)
	if err != nil {
		return nil, err
	}
	if hist, err := readHistory(net, dir); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	} else {
		m.rec.History = hist
	}
	if net.Averaged() {
		m.warn = append(m.warn, emaWarning(m.rec.Settings, net.Step())...)
	}
	return m, nil
}

// backendFor starts the backend a network of cfg runs on safely for the
// objective o ("" to evaluate): scorenet.BackendFor, with sliced score
// matching's second derivatives.
func backendFor(cfg scorenet.Config, o train.Objective) (compute.Backend, error) {
	return scorenet.BackendFor(cfg, o == train.Sliced)
}

// fromNet reads the kind, the standardisation and the recorded settings
// of net (loaded from dir) into a Model.
func fromNet(net *scorenet.Net, dir string) (*Model, error) {
	m := &Model{kind: kindOf(net.Config()), net: net, dir: dir}
	if im, ok := net.Label(LabelImage); ok && im != "" {
		m.image = true
	}
	if s, ok, err := StandardizerOf(net); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	} else if ok {
		m.std = &s
	}
	rec, err := recordOf(net)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	m.rec = rec
	return m, nil
}

// emaWarning says when the moving averages of a run without warm-up hold
// more than 1/e of the initial weights: d^n of them after n steps at
// decay d, which is what a run of fewer than about 1/(1-d) steps samples.
func emaWarning(s train.Settings, step int) []string {
	if s.EMA == 0 || !s.EMANoWarmup {
		return nil
	}
	share := math.Pow(s.EMA, float64(step))
	if share <= 1/math.E {
		return nil
	}
	return []string{fmt.Sprintf("the moving averages of the weights (decay %g, no warm-up) are %.0f%% the initial weights after %d steps (about %.0f are needed): samples will be poor; train longer, or open with raw weights",
		s.EMA, 100*share, step, 1/(1-s.EMA))}
}

// standardizerJSON is the checkpoint form of a data.Standardizer.
type standardizerJSON struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// FormatStandardizer is s as LabelStandardizer records it.
func FormatStandardizer(s data.Standardizer) string {
	b, _ := json.Marshal(standardizerJSON{Mean: s.Mean, Std: s.Std}) // floats validated finite
	return string(b)
}

// StandardizerOf returns the standardisation net's checkpoint records,
// and whether it records one (a model of points). The label is untrusted
// input: it must give Dim finite means and Dim finite positive scales.
func StandardizerOf(net *scorenet.Net) (data.Standardizer, bool, error) {
	v, ok := net.Label(LabelStandardizer)
	if !ok {
		return data.Standardizer{}, false, nil
	}
	s, err := parseStandardizer(v, net.Config().Dim)
	return s, err == nil, err
}

// parseStandardizer decodes and checks a standardizer label for dimension
// d: untrusted input, d finite means and d finite positive scales.
func parseStandardizer(v string, d int) (data.Standardizer, error) {
	var sj standardizerJSON
	if err := json.Unmarshal([]byte(v), &sj); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %v", LabelStandardizer, err)
	}
	if len(sj.Mean) != d || len(sj.Std) != d {
		return data.Standardizer{}, fmt.Errorf("label %s: %d means and %d scales for a %d-dimensional model", LabelStandardizer, len(sj.Mean), len(sj.Std), d)
	}
	s := data.Standardizer{Mean: sj.Mean, Std: sj.Std}
	if err := s.Validate(); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %w", LabelStandardizer, err)
	}
	return s, nil
}

// Labels of the recorded settings (the names of sgm train's flags).
const (
	labelSteps           = "steps"
	labelBatch           = "batch"
	labelLR              = "lr"
	labelObjective       = "objective"
	labelSeed            = "seed"
	labelEMA             = "ema"
	labelEMAWarmup       = "ema_warmup"
	labelCheckpointEvery = "checkpoint-every"
)

// recordOf reads the recorded settings of net's checkpoint. A label that
// is missing (an older sgm's checkpoint) leaves its zero value; one that
// does not parse is refused.
func recordOf(net *scorenet.Net) (Record, error) {
	r := Record{Step: net.Step()}
	var recorded bool
	r.Data, recorded = net.Label(LabelData)
	if r.Data == "" {
		if t, ok := net.Label(LabelTarget); ok {
			r.Data, recorded = t, true
		} else if im, ok := net.Label(LabelImage); ok {
			r.Data, recorded = im, true
		}
	}
	r.emptyData = recorded && r.Data == ""
	r.DataSHA256, _ = net.Label(LabelDataSHA256)
	s := &r.Settings
	ints := []struct {
		label string
		p     *int
	}{{labelSteps, &s.Steps}, {labelBatch, &s.Batch}, {labelCheckpointEvery, &s.CheckpointEvery}}
	for _, label := range []string{labelSteps, labelBatch, labelLR, labelObjective, labelSeed} {
		if _, ok := net.Label(label); !ok {
			r.missing = append(r.missing, label)
		}
	}
	for _, c := range ints {
		if v, ok := net.Label(c.label); ok {
			k, err := strconv.Atoi(v)
			if err != nil || k < 0 {
				return r, fmt.Errorf("label %s=%q: not a count", c.label, v)
			}
			*c.p = k
		}
	}
	floats := []struct {
		label string
		p     *float64
	}{{labelLR, &s.LearningRate}, {labelEMA, &s.EMA}}
	for _, c := range floats {
		if v, ok := net.Label(c.label); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return r, fmt.Errorf("label %s=%q: not a non-negative number", c.label, v)
			}
			*c.p = f
		}
	}
	if v, ok := net.Label(labelSeed); ok {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return r, fmt.Errorf("label %s=%q: not a seed", labelSeed, v)
		}
		s.Seed = seed
	}
	if v, ok := net.Label(labelObjective); ok {
		s.Objective = train.Objective(v)
	}
	// Averages recorded without the warm-up label were kept without it.
	v, ok := net.Label(labelEMAWarmup)
	s.EMANoWarmup = !ok || v != "true"
	if s.EMA >= 1 {
		return r, fmt.Errorf("label %s=%v: a decay must be below 1", labelEMA, s.EMA)
	}
	return r, nil
}

// record writes the record's settings into net's labels, saved with its
// checkpoints.
func (r Record) record(net *scorenet.Net) {
	s := r.Settings
	for k, v := range map[string]string{
		labelSteps: strconv.Itoa(s.Steps), labelBatch: strconv.Itoa(s.Batch), labelCheckpointEvery: strconv.Itoa(s.CheckpointEvery),
		labelLR: strconv.FormatFloat(s.LearningRate, 'g', -1, 64), labelEMA: strconv.FormatFloat(s.EMA, 'g', -1, 64),
		labelSeed: strconv.FormatUint(s.Seed, 10), labelObjective: string(s.Objective), labelEMAWarmup: strconv.FormatBool(!s.EMANoWarmup),
		LabelData: r.Data, LabelDataSHA256: r.DataSHA256,
	} {
		net.SetLabel(k, v)
	}
}

// toStandard returns x mapped to the network's units (a copy; x itself
// when the model has no standardisation).
func (m *Model) toStandard(x []float64) []float64 {
	if m.std == nil {
		return x
	}
	y := append([]float64(nil), x...)
	m.std.Apply(y)
	return y
}

// scoreToData turns scores in standard units into the data's units:
// ∇ₓ log p(x) = ∇_z log p(z) / std per coordinate.
func (m *Model) scoreToData(s []float64) {
	if m.std == nil {
		return
	}
	d := len(m.std.Std)
	for i := range s {
		s[i] /= m.std.Std[i%d]
	}
}

// Score sets dst to the score ∇ₓ log p_t(x) at the points x (flat,
// row-major, in the data's units) at diffusion time t in (0, 1]: t = 1 is
// the prior's end. For a Levels model t is read on its VE process
// (Levels.VE), so t = i/(L-1) is level i exactly; use LevelScorer for a
// level by its index. For a flow it is not defined: Score returns an
// error. It panics if dst and x do not hold whole points of Dim.
func (m *Model) Score(dst, x []float64, t float64) error {
	sgm.CheckBatch("model: Score", m.Dim(), dst, x)
	if !(t > 0 && t <= 1) {
		return fmt.Errorf("model: score at time %v: want t in (0, 1]", t)
	}
	var ts sde.TimeScorer
	switch k := m.kind.(type) {
	case Levels:
		v, ok := m.levelVE(k)
		if !ok {
			return fmt.Errorf("model: a model of one noise level has no time: use LevelScorer(0)")
		}
		ts = v
	case Diffusion:
		s, err := m.net.TimeScore()
		if err != nil {
			return err
		}
		ts = s
	case Flow:
		return fmt.Errorf("model: a flow-matching model (velocity field) has no score")
	}
	err := Catch(func() { ts.ScoreAt(dst, m.toStandard(x), t) })
	if err != nil {
		return err
	}
	m.scoreToData(dst)
	return nil
}

// LevelScorer returns the score at noise level index level of a Levels
// model in the data's units, as an sgm.Scorer (what the samplers of
// package sample and the metrics take). It returns an error for another
// kind or a level out of range.
func (m *Model) LevelScorer(level int) (sgm.Scorer, error) {
	k, ok := m.kind.(Levels)
	if !ok {
		return nil, fmt.Errorf("model: a %s model has no noise levels", m.kind)
	}
	if level < 0 || level >= len(k.Sigmas) {
		return nil, fmt.Errorf("model: level %d out of range: the model has levels 0..%d", level, len(k.Sigmas)-1)
	}
	return dataScorer{m, m.net.AtLevel(level)}, nil
}

// LabelScorer is LevelScorer conditioned as Sample conditions with
// SampleOptions.Label and Guidance: the score of class label at the level,
// or with guidance w > 0 the guided score s_u + (1+w)(s_c - s_u)
// (sample.Guided), in the data's units. label "" with w = 0 is
// LevelScorer. It returns Sample's errors for a label the model does not
// have, a guidance out of range, or a guidance without a label.
func (m *Model) LabelScorer(level int, label string, w float64) (sgm.Scorer, error) {
	if _, err := m.LevelScorer(level); err != nil {
		return nil, err
	}
	c, err := m.conditionOf(1, SampleOptions{Label: label, Guidance: w})
	if err != nil {
		return nil, err
	}
	return dataScorer{m, c.at(level)}, nil
}

// dataScorer is a scorer in standard units seen in the data's.
type dataScorer struct {
	m *Model
	s sgm.Scorer
}

func (s dataScorer) Dim() int { return s.s.Dim() }

func (s dataScorer) ScoreBatch(dst, x []float64) {
	s.s.ScoreBatch(dst, s.m.toStandard(x))
	s.m.scoreToData(dst)
}

// levelVE returns the VE reading of a Levels model in standard units.
func (m *Model) levelVE(k Levels) (*levelVE, bool) {
	p, ok := k.VE()
	if !ok {
		return nil, false
	}
	return &levelVE{at: m.net.AtLevel, sigmas: k.Sigmas, p: p, d: m.Dim()}, true
}

// Catch runs f and returns a panic of a backend failure inside it (an
// error value, as scorenet's scorers panic with: sgm.Scorer has no error
// return) as an error; other panics go on. Callers that evaluate a
// model's scorers themselves (LevelScorer, LabelScorer) wrap the calls
// in it, as Sample and Score do.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}

// readHistory returns the loss history of net's checkpoint in dir: its
// history file, or for a checkpoint of an sgm before those, the rows of
// dir/loss.csv up to the checkpoint's step (nil if there is none).
func readHistory(net *scorenet.Net, dir string) ([]train.Record, error) {
	if b, ok := net.History(); ok {
		return train.DecodeHistory(b, net.Step())
	}
	header, pts, err := data.ReadCSVFile(filepath.Join(dir, "loss.csv"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(header) != 2 || header[0] != "step" || header[1] != "loss" {
		return nil, fmt.Errorf("loss.csv: header %v, want step,loss", header)
	}
	var h []train.Record
	for i := 0; i+1 < len(pts); i += 2 {
		if s := int(pts[i]); s >= 1 && s <= net.Step() && (len(h) == 0 || s > h[len(h)-1].Step) {
			h = append(h, train.Record{Step: s, Loss: pts[i+1]})
		}
	}
	return h, nil
}
