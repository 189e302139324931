package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/internal/atomicfile"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Summary is what Run measured: summary.json.
type Summary struct {
	Quick          bool               `json:"quick"`
	Config         PostConfig         `json:"config"`
	HistCorr       float64            `json:"hist_corr"`
	NSamples       int                `json:"n_samples"`
	TrainSteps     int                `json:"train_steps"`
	FinalLoss      float64            `json:"final_loss"` // mean loss of the last FinalLossSteps steps (train.FinalLoss)
	FinalLossSteps int                `json:"final_loss_steps"`
	Sigma          float64            `json:"sample_sigma"`
	Seconds        map[string]float64 `json:"seconds"` // per stage, and "total"
	Figures        []string           `json:"figures"` // in the folder, in the order they were drawn
	Mixture        Moments            `json:"mixture_langevin"`

	// Beyond the blog post: the sampler's ceiling with the exact score,
	// the network's score error per level and the level chosen from it
	// (-1 when none is usable), and plain against annealed Langevin on
	// unequal modes.
	OracleHistCorr float64              `json:"oracle_hist_corr"`
	AutoLevel      int                  `json:"auto_level"`
	ScoreError     []metric.LevelError  `json:"score_error"`
	Modes          Modes                `json:"two_modes"`
	Toys           map[string]ToyResult `json:"toys"`
	VP             VPResult             `json:"vp"`
	Conditional    *CondResult          `json:"conditional,omitempty"`
	Given          *GivenResult         `json:"given,omitempty"`
}

// Options are what Run may be given besides its configuration. The zero
// value runs with seed 0 on the backend model.Train picks, silently.
type Options struct {
	Seed    uint64          // every stage draws from its own stream of Seed
	Backend compute.Backend // nil: model.Train's choice

	// Log, if not nil, gets a line "== STAGE" as each stage starts, and
	// the vp stage's measures and NFE table.
	Log io.Writer
	// Progress, if not nil, returns the progress callback of the training
	// run in dir (the image model, each toy, the vp model), called after
	// every two-hundredth of its steps and at least every 3 s.
	Progress func(dir string) func(train.Status)
	// Trained, if not nil, is called when the image model and each toy's
	// model have been trained, with the steps this run took.
	Trained func(dir string, m *model.Model, steps []train.Record)
}

// Stages are the names of Run's stages in the order they run: the
// Summary's Seconds has one entry for each.
var Stages = []string{"mixture", "langevin", "modes", "image", "train", "fields", "score-error", "oracle", "sampling", "toys", "vp", "conditional"}

// run is one run of the demo: its settings, what the stages share (the
// mixture, the image, the trained network) and the summary they fill.
type run struct {
	ctx  context.Context
	out  string
	cfg  Config
	o    Options
	mog  *dist.Mixture
	im   *dist.Image
	net  *scorenet.Net // the trained network, with its averaged weights where kept
	sum  Summary
	logf func(format string, a ...any)
}

// Run runs every stage of cfg in order into the folder out (created if
// needed), writes summary.json there last and returns the summary. The
// folder's model directories may hold only an earlier demo's runs, which
// are cleared as each stage trains afresh (CheckRunDir): any other file
// there stops Run before it writes anything. An earlier summary.json is
// removed first, since it would describe this run's figures until it
// ends. Run stops between and within stages when ctx is cancelled and
// returns an error that wraps ctx.Err().
func Run(ctx context.Context, out string, cfg Config, o Options) (*Summary, error) {
	if err := CheckRunDir(filepath.Join(out, "model")); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(out, "summary.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	r := &run{ctx: ctx, out: out, cfg: cfg, o: o, sum: Summary{Quick: cfg.Quick, Config: cfg.Post, Seconds: map[string]float64{}}}
	r.logf = func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, a...)
		}
	}
	began := time.Now()
	// The densities every stage shares, read before the first stage: an
	// image that does not load stops the demo before it draws anything.
	var err error
	if r.mog, err = dist.Preset("seed-mog"); err != nil {
		return nil, err
	}
	d, err := model.OpenData(cfg.Post.Image)
	if err != nil {
		return nil, err
	}
	if r.im = d.Image; r.im == nil {
		return nil, fmt.Errorf("demo: %q is not an image", cfg.Post.Image)
	}
	stages := map[string]func() error{"mixture": r.mixture, "langevin": r.langevin, "modes": r.modes, "image": r.image,
		"train": r.train, "fields": r.fields, "score-error": r.scoreError, "oracle": r.oracle, "sampling": r.sampling,
		"toys": r.toys, "vp": r.vp, "conditional": r.conditional}
	for _, name := range Stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := time.Now()
		r.logf("== %s\n", name)
		if err := stages[name](); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r.sum.Seconds[name] = time.Since(t).Seconds()
	}
	r.sum.Seconds["total"] = time.Since(began).Seconds()
	b, err := json.MarshalIndent(r.sum, "", "  ")
	if err != nil {
		return nil, err
	}
	return &r.sum, atomicfile.WriteBytes(filepath.Join(out, "summary.json"), append(b, '\n'))
}

// figure records the figure name in the summary and returns its path.
func (r *run) figure(name string) string {
	r.sum.Figures = append(r.sum.Figures, name)
	return filepath.Join(r.out, name)
}

// rng is the run's source for the stream named by stream.
func (r *run) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(r.o.Seed, stream)) }
