package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
)

// The demo's "vp" stage (issue 13): a VP score network of a toy trained
// briefly in continuous time, sampled by the probability-flow ODE and by
// DPM-Solver++(2M), the NLL of held-out points by the ODE's exact
// likelihood, and sample quality against NFE per sampler (plot nfe).

// sdeDemoConfig is how the vp stage trains, samples and measures. The full
// configuration was chosen to run in about 20 s on this project's 2-core
// machine (see README): a ReLU network, so that the fused engine trains it
// (8000 steps in about 10 s; softplus takes the graph, about 8x slower).
type sdeDemoConfig struct {
	Toy      data.Toy `json:"toy"`
	Steps    int      `json:"train_steps"`
	Batch    int      `json:"batch"`
	LR       float64  `json:"learning_rate"`
	Width    int      `json:"width"`
	Depth    int      `json:"depth"`
	Features int      `json:"features"`
	Samples  int      `json:"samples"`
	DPMNFE   int      `json:"dpm2m_nfe"`
	HeldOut  int      `json:"nll_points"`
	NLLTol   float64  `json:"nll_tol"` // rtol = atol of the likelihood ODE
	NFEGrid  []int    `json:"nfe_budgets"`
	NFEN     int      `json:"nfe_points"` // samples per run of the NFE figure: Samples, so that its floor is the stage's
}

var (
	fullSDEDemo = sdeDemoConfig{Toy: data.Toy8Gaussians, Steps: 8000, Batch: 256, LR: 2e-3, Width: 64, Depth: 2, Features: 32,
		Samples: 1000, DPMNFE: 20, HeldOut: 400, NLLTol: 1e-3, NFEGrid: []int{2, 4, 8, 16, 32, 64}, NFEN: 1000}
	quickSDEDemo = sdeDemoConfig{Toy: data.Toy8Gaussians, Steps: 20, Batch: 32, LR: 2e-3, Width: 16, Depth: 1, Features: 8,
		Samples: 100, DPMNFE: 10, HeldOut: 20, NLLTol: 1e-2, NFEGrid: []int{4, 8}, NFEN: 100}
)

// sdeDemoSampler is one sampler's entry in summary.json's "vp".
type sdeDemoSampler struct {
	W2  float64 `json:"w2"`
	NFE int     `json:"nfe"`
}

// sdeDemoResult is summary.json's "vp": W₂ of each sampler's samples
// against fresh draws of the toy (exact, metric.Wasserstein2) with the
// floor (W₂ between two draws of as many points), and the NLL of held-out
// draws in the toy's units with its standard error.
type sdeDemoResult struct {
	Config     sdeDemoConfig  `json:"config"`
	ODE        sdeDemoSampler `json:"ode"`
	DPM2M      sdeDemoSampler `json:"dpm2m"`
	W2Floor    float64        `json:"w2_floor"`
	W2FloorStd float64        `json:"w2_floor_sd"`
	NLL        float64        `json:"nll_nats"`
	NLLSE      float64        `json:"nll_se"`
	NLLNFE     int            `json:"nll_nfe"`
	Loss       float64        `json:"final_loss"`
}

// vp is the demo's stage of a VP model (runSDEDemo).
func (d *demoRun) vp() error {
	cfg := fullSDEDemo
	if d.quick {
		cfg = quickSDEDemo
	}
	r, err := runSDEDemo(d.ctx, d.e, filepath.Join(d.out, "vp"), d.figure("11-vp-samples.png"), d.figure("12-vp-nfe.png"), cfg, d.seed, d.backend)
	if err != nil {
		return err
	}
	d.sum.VP = *r
	return nil
}

// runSDEDemo trains a VP network of cfg.Toy in dir (a demo run, cleared
// first), samples it by ode and dpm2m into samplesFig, takes the NLL of
// held-out draws and draws W₂ against NFE into nfeFig. What the commands
// print goes to e's stderr: the demo's stdout is its one line.
func runSDEDemo(ctx context.Context, e *env, dir, samplesFig, nfeFig string, cfg sdeDemoConfig, seed uint64, backend string) (*sdeDemoResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := clearDemoRun(dir); err != nil {
		return nil, err
	}
	quiet := &env{stdout: e.stderr, stderr: e.stderr}
	f := defaultTrainFlags()
	f.data, f.out, f.backend, f.steps, f.batch, f.lr = "toy:"+string(cfg.Toy), dir, backend, cfg.Steps, cfg.Batch, cfg.LR
	f.width, f.depth, f.features, f.seed, f.checkpointEvery, f.sde = cfg.Width, cfg.Depth, cfg.Features, seed, cfg.Steps, "vp"
	tr, err := runTraining(ctx, quiet, f)
	if err != nil {
		return nil, err
	}
	res := &sdeDemoResult{Config: cfg}
	res.Loss, _ = finalLoss(tr.history)
	rng := rand.New(rand.NewPCG(seed, 0x5de0))
	ref := cfg.Toy.IID().Sample(nil, cfg.Samples, rng)
	floor := demoW2Floor(cfg.Toy, cfg.Samples, rng)
	res.W2Floor, res.W2FloorStd = floor.Mean, floor.Std
	var cols []plot.Comparison
	for _, s := range []struct {
		name string
		o    model.SampleOptions
		out  *sdeDemoSampler
	}{
		{"ode", model.SampleOptions{Sampler: model.ODE}, &res.ODE},
		{"dpm2m", model.SampleOptions{Sampler: model.DPM2M, NFE: cfg.DPMNFE}, &res.DPM2M},
	} {
		x, st, err := tr.model.Sample(nil, cfg.Samples, rand.New(rand.NewPCG(seed, 0x5de)), s.o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		*s.out = sdeDemoSampler{W2: metric.Wasserstein2(x, ref, 2), NFE: st.NFE}
		cols = append(cols, plot.Comparison{Name: s.name, Reference: ref, Samples: x,
			Note: fmt.Sprintf("NFE %d, W₂ %.3f (floor %.3f ± %.3f)", st.NFE, s.out.W2, res.W2Floor, res.W2FloorStd)})
	}
	fig, err := plot.Row(ref, "data", cols, fmt.Sprintf("VP model of %s, %d steps: data and samples", cfg.Toy, cfg.Steps))
	if err != nil {
		return nil, err
	}
	if err := plot.Save(fig, samplesFig); err != nil {
		return nil, err
	}
	held := cfg.Toy.Sample(nil, cfg.HeldOut, rand.New(rand.NewPCG(seed, 0x4e1d)))
	r, err := modelNLLResult(tr.model, nil, held, likelihood.ODE{RTol: cfg.NLLTol, ATol: cfg.NLLTol}, 1, seed)
	if err != nil {
		return nil, fmt.Errorf("NLL: %w", err)
	}
	res.NLL, res.NLLSE, res.NLLNFE = r.NLL, r.SE, r.NFE
	fmt.Fprintf(e.stderr, "vp: ode W₂ %.3f (NFE %d), dpm2m W₂ %.3f (NFE %d), floor %.3f; NLL of %d held-out points %.3f ± %.3f nats (NFE %d)\n",
		res.ODE.W2, res.ODE.NFE, res.DPM2M.W2, res.DPM2M.NFE, res.W2Floor, cfg.HeldOut, res.NLL, res.NLLSE, res.NLLNFE)
	sf := &sdeFlags{set: map[string]bool{}}
	src, err := nfeSource(sf, "", dir)
	if err != nil {
		return nil, err
	}
	names := []string{"em", "ddim", "dpm2m", "ode"}
	// The figure's floor is the stage's, at as many points: one floor
	// for one model (the figure's own, of 500 points over 3 pairs, read
	// 0.46 ± 0.16 beside the stage's 0.36 ± 0.10 of 1000).
	pts, _, err := nfeCurves(src, sf, names, cfg.NFEGrid, cfg.NFEN, 0, seed, e.stderr)
	if err != nil {
		return nil, err
	}
	return res, drawNFE(quiet, pts, floor, names, fmt.Sprintf("VP model of %s", cfg.Toy), src.p, cfg.NFEN, nfeFig)
}
