package demo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Mark is the file that marks a run directory as the demo's: Run clears
// such a directory when it trains there again, and no other. A command
// that trains over a demo's run (sgm train) removes it.
const Mark = ".sgm-demo-run"

// CheckRunDir checks that dir, where Run trains afresh, holds nothing but
// such a run: one marked as the demo's (Mark), of checkpoints, the loss
// history and its figure, and the temporary files of writes cut short. It
// returns an error naming the first file that is not, or the run's first
// file when the run is not marked as the demo's (one of sgm train's, say).
// A dir that does not exist passes.
func CheckRunDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	marked, first := false, ""
	for _, e := range entries {
		name := e.Name()
		var ours bool
		switch {
		case name == scorenet.LockName:
			continue
		case name == Mark:
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
			return fmt.Errorf("%s holds %s, which the demo did not write; move it or choose another folder", dir, name)
		}
		if first == "" {
			first = name
		}
	}
	if first != "" && !marked {
		return fmt.Errorf("%s holds a run the demo did not write (%s); move it or choose another folder", dir, first)
	}
	return nil
}

// clearRunDir empties the run directory dir, whose lock the caller holds,
// once CheckRunDir has found nothing there but an earlier demo's run, and
// marks it as the demo's.
func clearRunDir(dir string) error {
	if err := CheckRunDir(dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != scorenet.LockName {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(dir, Mark), []byte("written by sgm demo, which clears this directory when it runs again\n"), 0o644)
}

// lossFiles are where a training run writes its loss history and curve
// (none: an inner run of a stage), and whether Options.Trained hears of it.
type lossFiles struct {
	csv, plot string
	announce  bool
}

// trainRun trains a new model in dir (a demo's run there cleared first)
// with o, on the run's backend, under dir's lock. With loss files, it
// reports progress (Options.Progress), records the files in the run as
// sgm train does (labels loss-csv and loss-plot, relative to the run, so
// that a resumed run writes its own) and writes them when it ends.
func (r *run) trainRun(dir string, o model.TrainOptions, loss lossFiles) (*model.Model, error) {
	unlock, err := scorenet.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := clearRunDir(dir); err != nil {
		return nil, err
	}
	o.Locked, o.Backend = true, r.o.Backend
	if loss.csv != "" {
		o.Labels = map[string]string{"loss-csv": relativeTo(dir, loss.csv), "loss-plot": relativeTo(dir, loss.plot)}
		if r.o.Progress != nil {
			s := &o.Settings
			s.Progress, s.ProgressEvery, s.ProgressInterval = r.o.Progress(dir), max(1, s.Steps/200), 3*time.Second
		}
	}
	m, steps, err := model.Train(r.ctx, dir, o)
	if err != nil {
		return nil, err
	}
	if loss.csv != "" {
		h := m.Record().History
		x, y := make([]float64, len(h)), make([]float64, len(h))
		pts := make([]float64, 0, 2*len(h))
		for i, rec := range h {
			x[i], y[i] = float64(rec.Step), rec.Loss
			pts = append(pts, x[i], y[i])
		}
		if err := data.WriteCSVFile(loss.csv, []string{"step", "loss"}, pts); err != nil {
			return nil, err
		}
		fig, err := plot.Loss(x, y, m.Record().Settings.Objective.LossName())
		if err != nil {
			return nil, err
		}
		if err := plot.Save(fig, loss.plot); err != nil {
			return nil, err
		}
	}
	if loss.announce && r.o.Trained != nil {
		r.o.Trained(dir, m, steps)
	}
	return m, nil
}

// relativeTo returns path relative to dir where it lies inside it, else "".
func relativeTo(dir, path string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(d, p)
	if err != nil || !filepath.IsLocal(rel) {
		return ""
	}
	return rel
}

// finalLoss is the summary's final loss of m's run (train.FinalLoss).
func finalLoss(m *model.Model) float64 {
	loss, _ := train.FinalLoss(m.Record().History)
	return loss
}

// trainSettings are the settings of a demo's run: a checkpoint at the end
// only, one step per call.
func trainSettings(steps, batch int, lr, ema float64, objective train.Objective, seed uint64) train.Settings {
	return train.Settings{Steps: steps, Batch: batch, LearningRate: lr, CheckpointEvery: steps, Seed: seed, EMA: ema, StepsPerCall: 1, Objective: objective}
}
