package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// labelColumnHelp is --label-column's usage.
const labelColumnHelp = "train a class-conditional model (classifier-free guidance, label dropout 0.1): the `NAME` of the --data CSV's label column (its values any strings or integers), or component for a toy with labels (8gaussians, moons, circles) or a mixture; sample it with sgm sample --label"

// runLabelledTraining trains the class-conditional model that
// --label-column asks for, through model.Train: the data standardised,
// one level per point, moving averages, on the GoMLX graph.
func runLabelledTraining(ctx context.Context, e *env, f *trainFlags) error {
	if f.data == "" && !f.resume {
		return usagef("--label-column needs --data (a CSV file with that column, or a toy or mixture with --label-column component)")
	}
	for _, name := range []string{"image", "sde", "target", "steps-per-call", "loss-plot", "sigma-min", "sigma-max", "levels", "time-features", "backend"} {
		if f.set[name] {
			return usagef("--%s does not apply with --label-column (a model of points, its levels from the data, on the Go backend)", name)
		}
	}
	if f.set["objective"] && f.objective != string(train.OneLevel) {
		return usagef("--objective %s: a labelled model trains with one-level", f.objective)
	}
	o := model.TrainOptions{Data: f.data, LabelColumn: f.labelColumn, Resume: f.resume}
	if f.resume && !f.set["data"] {
		o.Data = ""
	}
	if f.resume && !f.set["label-column"] {
		o.LabelColumn = ""
	}
	if !f.resume {
		o.Net = scorenet.Config{Width: f.width, Depth: f.depth, Features: f.features, Activation: f.activation}
	}
	s := &o.Settings
	if f.set["steps"] || !f.resume {
		s.Steps = f.steps
	}
	if f.set["batch"] || !f.resume {
		s.Batch = f.batch
	}
	if f.set["lr"] || !f.resume {
		s.LearningRate = f.lr
	}
	if f.set["seed"] {
		s.Seed = f.seed
	}
	if f.set["ema"] {
		s.EMA = f.ema
	}
	if f.set["checkpoint-every"] || !f.resume {
		s.CheckpointEvery = f.checkpointEvery
	}
	bar := newProgressBar(e.stderr)
	s.Progress, s.ProgressInterval = bar.update, progressInterval
	m, steps, err := model.Train(ctx, f.out, o)
	if m != nil && len(m.Record().History) > 0 {
		path := f.lossCSV
		if path == "" {
			path = filepath.Join(f.out, "loss.csv")
		}
		if werr := writeLossCSV(path, m.Record().History); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) && m != nil {
			return fmt.Errorf("interrupted after step %d, saved in %s: resume with sgm train --resume --out %s", m.Record().Step, f.out, f.out)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "trained %d steps (%d in all) of a model of %s labelled by %s (labels: %s) into %s\n",
		len(steps), m.Record().Step, m.Record().Data, f.labelColumn, labelList(m.Labels()), f.out)
	return nil
}

// labelList names labels for a message: all of them, or the first 10 and
// how many.
func labelList(labels []string) string {
	if len(labels) <= 10 {
		return fmt.Sprint(labels)
	}
	return fmt.Sprintf("%v ... (%d in all)", labels[:10], len(labels))
}

// labelledRun reports whether the run directory dir holds a labelled
// model, which --resume continues through runLabelledTraining.
func labelledRun(dir string) bool {
	cfg, err := scorenet.ConfigOf(dir)
	return err == nil && cfg.Labelled()
}
