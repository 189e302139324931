package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/train"
)

// demoToys are the toys of the demo's "toys" stage.
var demoToys = []data.Toy{data.ToyMoons, data.Toy8Gaussians, data.ToyCheckerboard}

// toyDemoConfig is how the demo trains and samples each toy. The full
// configuration was chosen to train the three toys and sample them in
// about 60 s together on this project's 2-core machine (see README): with
// the fused CPU path's AVX2 kernels, 6,000 steps of a network of depth 3
// at 30 levels, sampled with sgm sample's default 100 steps per level from
// the moving averages of the weights, gave W₂ 0.15 to 0.39 against floors
// 0.11 to 0.49 in 51 s on the loaded machine, where 1,200 steps at depth 2
// and 20 levels, 30 steps per level, without averages gave 0.27 to 0.89 in
// 7 to 18 s; width 256 gave no better W₂ in twice the time.
type toyDemoConfig struct {
	Steps         int     `json:"train_steps"`
	Batch         int     `json:"batch"`
	LR            float64 `json:"learning_rate"`
	Width         int     `json:"width"`
	Depth         int     `json:"depth"`
	Features      int     `json:"features"`
	Levels        int     `json:"levels"`
	Samples       int     `json:"samples"`
	StepsPerLevel int     `json:"steps_per_level"`
	EMA           float64 `json:"ema"` // the decay of the weights' moving averages, which sample; 0 for none
}

var (
	fullToyDemo  = toyDemoConfig{Steps: 6000, Batch: 256, LR: 2e-3, Width: 128, Depth: 3, Features: 64, Levels: 30, Samples: 1000, StepsPerLevel: 100, EMA: 0.999}
	quickToyDemo = toyDemoConfig{Steps: 20, Batch: 64, LR: 1e-3, Width: 16, Depth: 1, Features: 8, Levels: 5, Samples: 100, StepsPerLevel: 5}
)

// toyResult is a toy's entry in summary.json: W₂ of the model's samples
// against fresh draws of the toy, and its noise floor, W₂ between two
// fresh draws (exact, metric.Wasserstein2, on Samples points each).
type toyResult struct {
	W2         float64 `json:"w2"`
	W2Floor    float64 `json:"w2_floor"`
	W2FloorStd float64 `json:"w2_floor_sd"`
	Samples    int     `json:"n"`
	Loss       float64 `json:"final_loss"`
}

// demoW2Floor is the noise floor of W₂ at n points of toy: its mean and
// standard deviation over metric.FloorReps pairs of independent draws
// (data.IIDToy), as sgm eval measures it.
func demoW2Floor(toy data.Toy, n int, rng *rand.Rand) metric.Floor {
	return metric.NoiseFloor(func(x, y []float64) float64 { return metric.Wasserstein2(x, y, 2) }, toy.IID(), n, metric.FloorReps, rng)
}

// runToyDemo trains a model on each of toys under out/toys/NAME,
// samples it with the default sampler of a point model (annealed Langevin
// over its levels with the denoising step), measures W₂ against the toy,
// and draws data against samples into fig.
func runToyDemo(ctx context.Context, e *env, out, fig string, toys []data.Toy, cfg toyDemoConfig, seed uint64, backend string) (map[string]toyResult, error) {
	res := map[string]toyResult{}
	var cols []plot.Comparison
	for _, toy := range toys {
		name := string(toy)
		f := defaultTrainFlags()
		f.demoRun, f.data, f.out, f.objective, f.backend = true, "toy:"+name, filepath.Join(out, "toys", name), string(train.OneLevel), backend
		f.steps, f.batch, f.width, f.depth, f.features, f.levels = cfg.Steps, cfg.Batch, cfg.Width, cfg.Depth, cfg.Features, cfg.Levels
		f.checkpointEvery, f.lr, f.seed, f.ema = cfg.Steps, cfg.LR, seed, cfg.EMA
		f.set["objective"], f.set["ema"] = true, true
		tr, err := runTraining(ctx, e, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		rng := rand.New(rand.NewPCG(seed, 0x70e5))
		x, _, err := tr.model.Sample(nil, cfg.Samples, rng, model.SampleOptions{StepsPerLevel: cfg.StepsPerLevel})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if bad := nonFiniteRows(x, 2); bad > 0 {
			return nil, fmt.Errorf("%s: %d of %d samples are not finite", name, bad, cfg.Samples)
		}
		ref := toy.IID().Sample(nil, cfg.Samples, rng)
		floor := demoW2Floor(toy, cfg.Samples, rng)
		loss, _ := finalLoss(tr.history)
		r := toyResult{W2: metric.Wasserstein2(x, ref, 2), W2Floor: floor.Mean, W2FloorStd: floor.Std, Samples: cfg.Samples, Loss: loss}
		res[name] = r
		cols = append(cols, plot.Comparison{Name: name, Reference: ref, Samples: x, Note: fmt.Sprintf("W₂ %.3f (floor %.3f ± %.3f)", r.W2, r.W2Floor, r.W2FloorStd)})
	}
	title := fmt.Sprintf("toys: data (top) and annealed Langevin samples (bottom), %d training steps each", cfg.Steps)
	p, err := plot.Compare(cols, title)
	if err != nil {
		return nil, err
	}
	return res, plot.Save(p, fig)
}
