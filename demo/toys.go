package demo

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// ToyResult is a toy's entry in summary.json's "toys": W₂ of the model's
// samples against fresh draws of the toy, and its noise floor, W₂ between
// two sets of independent draws of as many points (w2Floor).
type ToyResult struct {
	W2         float64 `json:"w2"`
	W2Floor    float64 `json:"w2_floor"`
	W2FloorStd float64 `json:"w2_floor_sd"`
	Samples    int     `json:"n"`
	Loss       float64 `json:"final_loss"`
}

// w2Floor is the noise floor of W₂ at n points of toy: its mean and
// standard deviation over metric.FloorReps pairs of independent draws
// (data.IIDToy), as sgm eval measures it.
func w2Floor(toy data.Toy, n int, rng *rand.Rand) metric.Floor {
	return metric.NoiseFloor(func(x, y []float64) float64 { return metric.Wasserstein2(x, y, 2) }, toy.IID(), n, metric.FloorReps, rng)
}

// toys trains a model of points on each toy under out/toys/NAME, samples
// it with model.Sample's default for points (annealed Langevin over its
// levels with the denoising step), measures W₂ against the toy and draws
// data against samples (figure 9).
func (r *run) toys() error {
	c := r.cfg.Toys
	fig := r.figure("9-toys.png")
	r.sum.Toys = map[string]ToyResult{}
	var cols []plot.Comparison
	for _, toy := range c.Toys {
		name := string(toy)
		dir := filepath.Join(r.out, "toys", name)
		m, err := r.trainRun(dir, model.TrainOptions{Data: "toy:" + name,
			Net:    scorenet.Config{Features: c.Features, Width: c.Width, Depth: c.Depth, Activation: "relu"},
			Levels: c.Levels, NoEMA: c.EMA == 0, Settings: trainSettings(c.Steps, c.Batch, c.LR, c.EMA, train.OneLevel, r.o.Seed),
		}, lossFiles{filepath.Join(dir, "loss.csv"), filepath.Join(dir, "loss.png"), true})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rng := r.rng(0x70e5)
		x, _, err := m.Sample(nil, c.Samples, rng, model.SampleOptions{StepsPerLevel: c.StepsPerLevel})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ref := toy.IID().Sample(nil, c.Samples, rng)
		floor := w2Floor(toy, c.Samples, rng)
		res := ToyResult{W2: metric.Wasserstein2(x, ref, 2), W2Floor: floor.Mean, W2FloorStd: floor.Std, Samples: c.Samples, Loss: finalLoss(m)}
		r.sum.Toys[name] = res
		cols = append(cols, plot.Comparison{Name: name, Reference: ref, Samples: x, Note: fmt.Sprintf("W₂ %.3f (floor %.3f ± %.3f)", res.W2, res.W2Floor, res.W2FloorStd)})
	}
	p, err := plot.Compare(cols, fmt.Sprintf("toys: data (top) and annealed Langevin samples (bottom), %d training steps each", c.Steps))
	if err != nil {
		return err
	}
	return plot.Save(p, fig)
}
