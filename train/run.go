package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sgm-dev/sgm/scorenet"
)

// run is one call of Run: the network, its data and settings, the engine
// taking the steps, the batch buffers, and the records kept between steps.
type run struct {
	net   *scorenet.Net
	data  Sampler
	s     Settings
	eng   engine
	multi multiStepper // eng, when it takes several steps per call
	start int          // the network's step count when the run began

	// Each step draws from its own stream, (s.Seed, step), so a resumed
	// run takes the steps an uninterrupted one would have taken.
	pcg           *rand.PCG
	rng           *rand.Rand
	x32, z32, v32 []float32 // data, noise, projections of one batch
	x64           []float64 // the data points of one batch
	levels        []int32
	labels        []int32 // a labelled network's labels of the batch (label.go)

	history   []Record
	pending   []lossValue // losses of the steps since the last read, perhaps still on the device
	lastSaved int         // the step of this run's newest checkpoint; -1 for none

	began, lastReport time.Time // lastReport zero: the first step is reported with ProgressInterval
	sinceReport       float64
	nReport           int

	// Before each checkpoint the weights' scores are checked at every
	// level on a few data points, drawn once from their own stream.
	probe []float64
}

// forBackend returns s validated, with its defaults, and with the
// settings that depend on net's backend chosen: on an accelerator (any
// backend but GoMLX's pure-Go one) the noise is drawn in the graph
// (GraphNoise), so that the device does not wait on Go, and losses are
// read every 50 steps unless LossEvery says otherwise; on the pure-Go
// backend every step's. It refuses the sliced objective on a backend that
// cannot differentiate the network twice (scorenet.Net.CheckSecondOrder),
// and the objectives of time-conditioned networks, where they take the
// graph (not the fused engine, fasttime.go), on one where their steps can
// hang (scorenet.Net.CheckTimeTraining): on GoMLX's pure-Go backend both
// need its ops run one at a time (scorenet.SequentialGoBackend).
func (s Settings) forBackend(net *scorenet.Net) (Settings, error) {
	if err := s.Validate(); err != nil {
		return s, err
	}
	var err error
	if s.Objective, err = checkTimed(net, s.Objective); err != nil {
		return s, err
	}
	accelerator := !net.OnGoBackend()
	if s.LossEvery == 0 && accelerator {
		s.LossEvery = 50
	}
	s = s.WithDefaults()
	s.GraphNoise = (s.GraphNoise || accelerator) && !s.Objective.timed()
	var err2 error
	switch {
	case s.Objective == Sliced:
		err2 = net.CheckSecondOrder()
	case s.Objective.timed() && !fastTimeApplies(net): // the fused engine runs no graph
		err2 = net.CheckTimeTraining()
	}
	if err2 != nil {
		return s, fmt.Errorf("train: %w", err2)
	}
	return s, nil
}

// newRun prepares a run of net from step start on.
func newRun(net *scorenet.Net, data Sampler, s Settings, start int) (*run, error) {
	if err := checkLabelled(net, data, s); err != nil {
		return nil, err
	}
	cfg := net.Config()
	var labels []int32
	var eng engine
	var err error
	if cfg.Labelled() {
		labels = make([]int32, s.Batch)
	}
	switch {
	case cfg.Labelled() && s.Objective.timed() && fastTimeApplies(net):
		eng, err = newFastTimeEngine(net, s, &labels)
	case cfg.Labelled() && s.Objective.timed():
		eng, err = newTimeEngine(net, s, &labels)
	case cfg.Labelled() && fastApplies(net, s):
		eng, err = newFastEngine(net, s, &labels)
	case cfg.Labelled():
		eng, err = newLabelEngine(net, s, &labels)
	default:
		eng, err = newEngine(net, data, s)
	}
	if err != nil {
		return nil, err
	}
	L, d, B := len(cfg.Sigmas), cfg.Dim, s.Batch
	r := &run{net: net, data: data, s: s, eng: eng, start: start, lastSaved: -1, labels: labels,
		pcg: rand.NewPCG(s.Seed, 0), x32: make([]float32, B*d), x64: make([]float64, B*d),
		history: make([]Record, 0, min(s.Steps-start, 1<<16)), // grown as the steps are taken
		began:   time.Now()}
	r.rng = rand.New(r.pcg)
	switch {
	case s.GraphNoise:
	case s.Objective == AllLevels:
		r.z32 = make([]float32, B*L*d)
	case s.Objective == Sliced:
		r.v32 = make([]float32, B*d)
		fallthrough
	default:
		r.z32 = make([]float32, B*d)
		r.levels = make([]int32, B)
	}
	if s.CheckpointDir != "" {
		r.probe = data.Sample(nil, probePoints, rand.New(rand.NewPCG(s.Seed, probeStream)))
	}
	if m, ok := eng.(multiStepper); ok && s.StepsPerCall > 1 {
		r.multi = m
	}
	return r, nil
}

// close releases the losses not read and the engine.
func (r *run) close() {
	for _, l := range r.pending {
		l.release()
	}
	r.eng.close()
}

// loop takes the steps from r.start+1 to s.Steps, reading the losses,
// saving checkpoints and reporting progress as the settings ask.
func (r *run) loop(ctx context.Context) ([]Record, error) {
	s := r.s
	for step := r.start + 1; step <= s.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return r.history, r.stop(step-1, err)
		}
		losses, err := r.take(step)
		if err != nil {
			return r.history, fmt.Errorf("train: step %d: %w", step, err)
		}
		r.pending = append(r.pending, losses...)
		step += len(losses) - 1
		checkpoint := step%s.CheckpointEvery == 0 || step == s.Steps
		report := s.Progress != nil && (step%s.ProgressEvery == 0 || step == s.Steps ||
			s.ProgressInterval > 0 && time.Since(r.lastReport) >= s.ProgressInterval)
		if len(r.pending) < s.LossEvery && !checkpoint && !report {
			continue
		}
		if err := r.flush(step); err != nil {
			return r.history, err
		}
		if checkpoint {
			if err := r.save(step); err != nil {
				return r.history, err
			}
		}
		if report {
			if s.SyncOnProgress && !checkpoint {
				if err := r.eng.sync(); err != nil {
					return r.history, err
				}
			}
			r.report(step)
		}
	}
	return r.history, nil
}

// stop ends a run cancelled after step last: it reads the pending losses
// and saves what the run trained since its last checkpoint, if anything
// (an interrupt right after one saves no copy of it), and returns the
// first error, cause where all goes well.
func (r *run) stop(last int, cause error) error {
	if err := r.flush(last); err != nil {
		return err
	}
	if last > max(r.start, r.lastSaved) {
		if err := r.save(last); err != nil {
			return err
		}
	}
	return cause
}

// take runs the steps from step on, as many as one call takes.
func (r *run) take(step int) ([]lossValue, error) {
	s := r.s
	if r.multi != nil {
		n := min(s.StepsPerCall, s.Steps-step+1, untilMultiple(step, s.CheckpointEvery))
		if s.Progress != nil {
			n = min(n, untilMultiple(step, s.ProgressEvery))
		}
		return r.multi.stepsUpTo(n)
	}
	if err := r.draw(step); err != nil {
		return nil, err
	}
	loss, err := r.eng.step(r.x32, r.z32, r.v32, r.levels)
	if err != nil {
		return nil, err
	}
	return []lossValue{loss}, nil
}

// draw fills the batch of step from its stream: the data points (unless
// the engine draws them), the noise, the levels and the projections; for
// a labelled network the data points with their labels first, and the
// label dropout last.
func (r *run) draw(step int) error {
	r.pcg.Seed(r.s.Seed, uint64(step))
	if r.labels != nil {
		if err := r.drawLabelled(r.rng); err != nil {
			return err
		}
	}
	if !r.eng.drawsData() {
		r.x64 = r.data.Sample(r.x64, r.s.Batch, r.rng)
		for i, v := range r.x64 {
			r.x32[i] = float32(v)
		}
	}
	for i := range r.z32 {
		r.z32[i] = float32(r.rng.NormFloat64())
	}
	L := len(r.net.Config().Sigmas)
	for i := range r.levels {
		r.levels[i] = int32(r.rng.IntN(L))
	}
	for i := range r.v32 {
		r.v32[i] = float32(r.rng.NormFloat64())
	}
	if td, ok := r.eng.(interface{ drawTimes(*rand.Rand) }); ok {
		td.drawTimes(r.rng)
	}
	if r.labels != nil {
		dropLabels(r.labels, r.net.Config().NullLabel(), r.s.LabelDropout, r.rng)
	}
	return nil
}

// flush reads the pending losses of the steps up to last, stopping at the
// first that is not finite.
func (r *run) flush(last int) error {
	first := last - len(r.pending) + 1
	for i, l := range r.pending {
		loss := l.read()
		if !finite(loss) {
			r.pending = r.pending[i:] // the rest are released by close
			return fmt.Errorf("%w at step %d: loss is %v (try a smaller learning rate); %s",
				ErrDiverged, first+i, loss, r.kept())
		}
		l.release()
		r.history = append(r.history, Record{Step: first + i, Loss: loss})
		r.sinceReport += loss
		r.nReport++
	}
	r.pending = r.pending[:0]
	return nil
}

// save writes the engine's state into the store and, with a checkpoint
// directory, checks the weights and saves a checkpoint of step.
func (r *run) save(step int) error {
	s := r.s
	if err := r.eng.sync(); err != nil {
		return err
	}
	if s.CheckpointDir == "" {
		return nil
	}
	if why, err := unfit(r.net, r.probe); err != nil {
		return err
	} else if why != "" {
		return fmt.Errorf("%w after step %d: %s (try a smaller learning rate); %s", ErrDiverged, step, why, r.kept())
	}
	mark := ""
	if s.GraphNoise {
		mark = generatorMark(s.Seed, step)
	}
	r.net.Store().SetParam(generatorParam, mark)
	r.net.SetHistory(func() []byte { return append(EncodeHistory(s.History), EncodeHistory(r.history)...) })
	if err := r.net.Save(s.CheckpointDir); err != nil {
		return err
	}
	r.lastSaved = step
	if s.Checkpointed != nil {
		return s.Checkpointed(step, r.history)
	}
	return nil
}

// kept says which checkpoint a diverged run leaves behind.
func (r *run) kept() string {
	if r.lastSaved >= 0 {
		return fmt.Sprintf("the last good checkpoint (step %d) is in %s", r.lastSaved, r.s.CheckpointDir)
	}
	if r.s.CheckpointDir != "" {
		if has, _ := scorenet.HasCheckpoints(r.s.CheckpointDir); has {
			return r.s.CheckpointDir + " keeps the checkpoints saved before this run"
		}
	}
	return "no checkpoint was saved"
}

// report calls the Progress callback after step.
func (r *run) report(step int) {
	el := time.Since(r.began)
	r.s.Progress(Status{
		Step: step, Steps: r.s.Steps, Loss: r.history[len(r.history)-1].Loss, MeanLoss: r.sinceReport / float64(r.nReport), MeanOf: r.nReport,
		Elapsed: el, StepsPerSec: float64(step-r.start) / el.Seconds(),
	})
	r.sinceReport, r.nReport, r.lastReport = 0, 0, time.Now()
}
