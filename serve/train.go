package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	sgmmodel "github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// model is a trained model (package model) and what it was trained on.
type model struct {
	m      *sgmmodel.Model
	sigmas sgm.Schedule // its levels, in the view's units
	info   modelInfo
	dir    string // its run directory
	own    bool   // dir is the server's, removed when the model is replaced
}

// modelInfo describes the trained model in GET /api/info.
type modelInfo struct {
	Target string     `json:"target"` // the key of the target it was trained on
	Name   string     `json:"name"`
	Steps  int        `json:"steps"`
	Sigmas []float64  `json:"sigmas"`
	Space  string     `json:"space"`
	Box    [4]float64 `json:"box"`
	Labels []string   `json:"labels,omitempty"` // a class-conditional model's labels
	// Spec is the target the model was trained on, where the page can
	// show it (a toy or a preset of a loaded run directory); Target is
	// its key (or "run:DIR" where there is none).
	Spec *Spec `json:"spec,omitempty"`
}

func (s *Server) modelInfo() *modelInfo {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	if s.model == nil {
		return nil
	}
	info := s.model.info
	return &info
}

// withModel runs f with the trained model, one caller at a time, or
// returns errNoModel.
func (s *Server) withModel(f func(*model) error) error {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	if s.model == nil {
		return errNoModel
	}
	return f(s.model)
}

// job is the running training job.
type job struct {
	cancel context.CancelFunc
	done   chan struct{}
	level  atomic.Int64 // the level whose learned field the stream sends
	step   atomic.Int64 // the last step reported, and when done closes the last taken
	steps  int
}

// trainRequest is POST /api/train. The answer is a stream of server-sent
// events: "start", then "progress" and "field" (the learned field at the
// view level, on the field's grid) every Every steps, and "done" at the
// end. The job stops when it has taken Steps steps, on POST
// /api/train/stop, when the client goes away, or after the time limit.
type trainRequest struct {
	Target Spec    `json:"target"`
	Steps  int     `json:"steps"` // 0 means 600
	Batch  int     `json:"batch"` // 0 means 128
	LR     float64 `json:"lr"`    // 0 means 5e-3
	Width  int     `json:"width"` // hidden units and Fourier features; 0 means 64
	Seed   uint64  `json:"seed"`
	Level  int     `json:"level"` // the view level of the field events
	Grid   int     `json:"grid"`  // field events' grid; 0 means 24
	Every  int     `json:"every"` // steps between events; 0 means 50
	// Labels trains a class-conditional model whose labels are the
	// points' components (model.ComponentLabels: a mixture's components,
	// 8gaussians' centres, moons' moons, circles' circles), with label
	// dropout so that it is also unconditional (classifier-free
	// guidance). It trains with one level per point (the objective
	// labels need) on a batch of 256 by default: on 8gaussians, 200
	// steps of it sampled label 2 given x0 = 0.3 with 0.998 of the
	// particles on the label's side (TestTrainLabels).
	Labels bool `json:"labels,omitempty"`
}

func (r *trainRequest) check(lim Limits) error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	// The defaults, with moving averages of the weights (decay 0.99),
	// train a model of drawn data whose annealed samples are within 1.5
	// times W₂'s noise floor in about 3 s on 2 cores (the fused CPU
	// path): on TestBrowser's ring and bar, 0.81 to 1.36 times over 20
	// sampling seeds (annealed Langevin, 50 steps a level, W₂ averaged
	// over 5 references), median 0.94; 1,500 steps gave 0.82 to 1.38, no
	// better, so the default stays short.
	def(&r.Steps, 600)
	if r.Labels {
		def(&r.Batch, 256)
	}
	def(&r.Batch, 128)
	def(&r.Width, 64)
	def(&r.Grid, 24)
	def(&r.Every, 50)
	if r.LR == 0 {
		r.LR = 5e-3
	}
	switch {
	case r.Steps < 1 || r.Steps > lim.MaxTrainSteps:
		return fmt.Errorf("steps %d: must be in [1, %d]", r.Steps, lim.MaxTrainSteps)
	case r.Batch < 1 || r.Batch > 4096:
		return fmt.Errorf("batch %d: must be in [1, 4096]", r.Batch)
	case !(r.LR > 0 && r.LR <= 0.1):
		return fmt.Errorf("lr %v: must be in (0, 0.1]", r.LR)
	case r.Width < 4 || r.Width > 512:
		return fmt.Errorf("width %d: must be in [4, 512]", r.Width)
	case r.Grid < 2 || r.Grid > lim.MaxGrid:
		return fmt.Errorf("grid %d: must be in [2, %d]", r.Grid, lim.MaxGrid)
	case r.Every < 1 || r.Every > r.Steps:
		return fmt.Errorf("every %d: must be in [1, steps]", r.Every)
	case r.Level < 0 || r.Level >= levels:
		return fmt.Errorf("level %d: must be in [0, %d]", r.Level, levels-1)
	}
	return nil
}

// emaDecay is the decay of the weights' moving averages, which the learned
// field and samplers use (scorenet.Net.EMA), as `sgm sample --model` does.
const emaDecay = 0.99

// evaluated returns the view of net that evaluates with the moving
// averages of its weights, or net where it keeps none.
func evaluated(net *scorenet.Net) *scorenet.Net {
	if ema, ok := net.EMA(); ok {
		return ema
	}
	return net
}

// errBusy answers a second training job.
var errBusy = errors.New("busy: a training job is already running; stop it first (POST /api/train/stop)")

func (s *Server) handleTrain(w http.ResponseWriter, r *http.Request) {
	var req trainRequest
	if !readJSON(w, r, &req) {
		return
	}
	if err := req.check(s.lim); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	t, err := resolve(req.Target, s.lim)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.lim.MaxTrainTime)
	defer cancel()
	j := &job{cancel: cancel, done: make(chan struct{}), steps: req.Steps}
	j.level.Store(int64(req.Level))
	s.jobMu.Lock()
	if s.closed {
		s.jobMu.Unlock()
		writeError(w, http.StatusServiceUnavailable, errors.New("the server is shutting down"))
		return
	}
	if s.job != nil {
		s.jobMu.Unlock()
		writeError(w, http.StatusConflict, errBusy)
		return
	}
	s.job = j
	s.jobMu.Unlock()
	defer func() {
		s.jobMu.Lock()
		s.job = nil
		s.jobMu.Unlock()
		close(j.done)
	}()

	objective, source, column, names := train.AllLevels, sgm.Source(t), "", []string(nil)
	if req.Labels {
		if names = t.labels(); names == nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("labels: %s has no components to label (mixtures, and the toys 8gaussians, moons and circles have)", t.name))
			return
		}
		objective, source, column = train.OneLevel, labelled{t}, sgmmodel.ComponentLabels
	}
	ev := newEvents(w)
	began := time.Now()
	dir, err := s.runDir()
	if err != nil {
		ev.send("done", doneEvent{Error: err.Error()})
		return
	}
	ev.send("start", map[string]any{"steps": req.Steps, "sigmas": t.grid, "target": t.key})
	_, _, pts := lattice(t.box, req.Grid)
	score := make([]float64, len(pts))
	var net *scorenet.Net
	// The run is an sgm run directory (package model), in the view's
	// units (Raw) on the target's own levels: what the explorer saves,
	// sgm sample --model samples with no flags.
	trained, records, runErr := sgmmodel.Train(ctx, dir, sgmmodel.TrainOptions{
		Data: t.name, Source: source, Raw: true, Backend: s.backend, LabelColumn: column, LabelNames: names,
		Net:     scorenet.Config{Dim: 2, Features: req.Width, Width: req.Width, Depth: 2, Sigmas: t.grid},
		Started: func(n *scorenet.Net) { net = n },
		Settings: train.Settings{
			Steps: req.Steps, Batch: req.Batch, LearningRate: req.LR, Objective: objective, Seed: req.Seed,
			// One checkpoint, at the end; the engine writes its weights
			// into the network before each progress report, which draws
			// the learned field from them.
			CheckpointEvery: req.Steps, ProgressEvery: req.Every, SyncOnProgress: true, EMA: emaDecay,
			Progress: func(st train.Status) {
				j.step.Store(int64(st.Step))
				ev.send("progress", progressEvent{Step: st.Step, Steps: st.Steps, Loss: finite(st.Loss), MeanLoss: finite(st.MeanLoss),
					StepsPerSec: st.StepsPerSec, Elapsed: st.Elapsed.Seconds()})
				level := int(j.level.Load())
				if err := evaluated(net).ScoreBatch(score, pts, level); err != nil {
					return
				}
				x, y, _ := lattice(t.box, req.Grid)
				ev.send("field", fieldResponse{Source: "learned", Sigma: t.grid[level], Level: level, Box: t.box, X: x, Y: y, Score: finiteAll(score)})
			},
		},
	})
	done := doneEvent{Elapsed: time.Since(began).Seconds(), Stopped: ctx.Err() != nil}
	if len(records) > 0 {
		done.Step = records[len(records)-1].Step
	}
	j.step.Store(int64(done.Step)) // what POST /api/train/stop reports
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		done.Error = runErr.Error()
	}
	if done.Step > 0 && done.Error == "" && trained != nil {
		s.publish(&model{m: trained, sigmas: t.grid, dir: dir, own: true,
			info: modelInfo{Target: t.key, Name: t.name, Steps: done.Step, Sigmas: t.grid, Space: t.space, Box: t.box, Labels: trained.Labels()}})
	} else {
		os.RemoveAll(dir)
	}
	s.logf("training on %s: %d steps in %.1f s (stopped: %v)", t.name, done.Step, done.Elapsed, done.Stopped)
	ev.send("done", done)
}

type progressEvent struct {
	Step        int     `json:"step"`
	Steps       int     `json:"steps"`
	Loss        float64 `json:"loss"`
	MeanLoss    float64 `json:"meanLoss"`
	StepsPerSec float64 `json:"stepsPerSec"`
	Elapsed     float64 `json:"elapsed"`
}

type doneEvent struct {
	Step    int     `json:"step"`
	Stopped bool    `json:"stopped"`
	Elapsed float64 `json:"elapsed"`
	Error   string  `json:"error,omitempty"`
}

// runDir returns a fresh run directory of the server's own.
func (s *Server) runDir() (string, error) {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	if s.tmpDir == "" {
		dir, err := os.MkdirTemp("", "sgm-serve-")
		if err != nil {
			return "", fmt.Errorf("saving the model: %v", err)
		}
		s.tmpDir = dir
	}
	dir, err := os.MkdirTemp(s.tmpDir, "model-")
	if err != nil {
		return "", fmt.Errorf("saving the model: %v", err)
	}
	return dir, nil
}

// publish makes m the trained model, removing the previous one's run
// directory where it was the server's.
func (s *Server) publish(m *model) {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	if s.model != nil && s.model.own {
		os.RemoveAll(s.model.dir)
	}
	s.model = m
}

// LoadRun makes the model in the run directory dir (written by sgm train,
// sgm demo or the explorer) the trained model: a model of noise levels in
// two dimensions, the explorer's kind. Its levels are shown in the data's
// units (for a model of standardised data, σ times the geometric mean of
// the coordinates' scales) and its box is the data's mean ± 3 standard
// deviations. The directory is read, never written.
func (s *Server) LoadRun(dir string) error {
	m, err := sgmmodel.Open(dir, scorenet.WithBackend(s.backend))
	if err != nil {
		return err
	}
	k, ok := m.Kind().(sgmmodel.Levels)
	if !ok || m.Dim() != 2 {
		return fmt.Errorf("%s: the explorer shows models of noise levels in 2 dimensions; this one is %s in %d", dir, m.Kind(), m.Dim())
	}
	sigmas := append(sgm.Schedule(nil), k.Sigmas...)
	box := [4]float64{0, 1, 0, 1}
	space := "image"
	if std, ok := m.Standardizer(); ok {
		g := math.Sqrt(std.Std[0] * std.Std[1])
		for i := range sigmas {
			sigmas[i] *= g
		}
		box = [4]float64{std.Mean[0] - 3*std.Std[0], std.Mean[0] + 3*std.Std[0], std.Mean[1] - 3*std.Std[1], std.Mean[1] + 3*std.Std[1]}
		space = "points"
	}
	rec := m.Record()
	key, spec := "run:"+dir, (*Spec)(nil)
	if sp, ok := specOf(rec.Data); ok {
		if t, err := resolve(sp, s.lim); err == nil {
			key, spec = t.key, &sp
		}
	}
	s.publish(&model{m: m, sigmas: sigmas, dir: dir,
		info: modelInfo{Target: key, Spec: spec, Name: rec.Data, Steps: rec.Step, Sigmas: sigmas, Space: space, Box: box, Labels: m.Labels()}})
	return nil
}

// specOf returns the explorer's target for a run's data spec where it has
// one: a toy (toy:NAME) or a preset mixture (NAME, or preset:NAME as the
// explorer records it).
func specOf(data string) (Spec, bool) {
	if name, ok := strings.CutPrefix(data, "toy:"); ok {
		return Spec{Toy: name}, true
	}
	name := strings.TrimPrefix(data, "preset:")
	if slices.Contains(dist.PresetNames(), name) {
		return Spec{Preset: name}, true
	}
	return Spec{}, false
}

func (s *Server) handleTrainStop(w http.ResponseWriter, r *http.Request) {
	if !readJSON(w, r, &struct{}{}) {
		return
	}
	s.jobMu.Lock()
	j := s.job
	s.jobMu.Unlock()
	if j == nil {
		writeJSON(w, map[string]any{"stopped": false})
		return
	}
	j.cancel()
	<-j.done
	writeJSON(w, map[string]any{"stopped": true, "step": j.step.Load()})
}

// handleTrainView sets the level of the running job's field events.
func (s *Server) handleTrainView(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Level int `json:"level"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Level < 0 || req.Level >= levels {
		writeError(w, http.StatusBadRequest, fmt.Errorf("level %d: must be in [0, %d]", req.Level, levels-1))
		return
	}
	s.jobMu.Lock()
	j := s.job
	s.jobMu.Unlock()
	if j == nil {
		writeError(w, http.StatusConflict, errors.New("no training job is running"))
		return
	}
	j.level.Store(int64(req.Level))
	writeJSON(w, map[string]any{"level": req.Level})
}

// events writes server-sent events, flushing each.
type events struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newEvents(w http.ResponseWriter) *events {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	return &events{w: w, rc: rc}
}

// send writes one event; a client that went away makes it a no-op (the
// request's context is cancelled then, which stops the job).
func (e *events) send(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("serve: event %s: %v", name, err))
	}
	e.rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", name, b)
	e.rc.Flush()
}

// finite maps NaN and ±Inf to 0, which JSON can carry.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// finiteAll applies finite to a copy of x.
func finiteAll(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = finite(v)
	}
	return out
}

// running reports whether a training job runs.
func (s *Server) running() bool {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	return s.job != nil
}
