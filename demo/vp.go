package demo

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
	"github.com/sgm-dev/sgm/train"
)

// SamplerResult is one sampler's entry in summary.json's "vp".
type SamplerResult struct {
	W2  float64 `json:"w2"`
	NFE int     `json:"nfe"`
}

// VPResult is summary.json's "vp": W₂ of each sampler's samples against
// fresh draws of the toy, with the floor (W₂ between two sets of draws of
// as many points), and the NLL of held-out draws in the toy's units with
// its standard error.
type VPResult struct {
	Config     VPConfig      `json:"config"`
	ODE        SamplerResult `json:"ode"`
	DPM2M      SamplerResult `json:"dpm2m"`
	W2Floor    float64       `json:"w2_floor"`
	W2FloorStd float64       `json:"w2_floor_sd"`
	NLL        float64       `json:"nll_nats"`
	NLLSE      float64       `json:"nll_se"`
	NLLNFE     int           `json:"nll_nfe"`
	Loss       float64       `json:"final_loss"`
}

// nfeSamplers and odeTolerances are the runs of the NFE figure (as sgm
// plot nfe's): each fixed-step sampler at each budget of the
// configuration, the adaptive ODE at each tolerance.
var (
	nfeSamplers   = []string{model.EM, model.DDIM, model.DPM2M, model.ODE}
	odeTolerances = []float64{1e-1, 1e-2, 1e-3, 1e-4, 1e-5}
)

// vp trains a VP score network of a toy in continuous time (issue 13),
// samples it by the probability-flow ODE and DPM-Solver++(2M) (figure 11),
// takes the NLL of held-out points by the ODE's exact likelihood, and
// draws sample quality against NFE per sampler (figure 12).
func (r *run) vp() error {
	c := r.cfg.VP
	samplesFig, nfeFig := r.figure("11-vp-samples.png"), r.figure("12-vp-nfe.png")
	dir := filepath.Join(r.out, "vp")
	process := sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}
	m, err := r.trainRun(dir, model.TrainOptions{Data: "toy:" + string(c.Toy),
		Net: scorenet.Config{Features: c.Features, Width: c.Width, Depth: c.Depth, Activation: "relu",
			Conditioning: "time", TimeFeatures: 8, Process: "vp", BetaMin: process.BetaMin, BetaMax: process.BetaMax},
		Settings: trainSettings(c.Steps, c.Batch, c.LR, 0, train.Continuous, r.o.Seed),
	}, lossFiles{filepath.Join(dir, "loss.csv"), filepath.Join(dir, "loss.png"), false})
	if err != nil {
		return err
	}
	res := VPResult{Config: c, Loss: finalLoss(m)}
	rng := r.rng(0x5de0)
	ref := c.Toy.IID().Sample(nil, c.Samples, rng)
	floor := w2Floor(c.Toy, c.Samples, rng)
	res.W2Floor, res.W2FloorStd = floor.Mean, floor.Std
	var cols []plot.Comparison
	for _, s := range []struct {
		o   model.SampleOptions
		out *SamplerResult
	}{
		{model.SampleOptions{Sampler: model.ODE}, &res.ODE},
		{model.SampleOptions{Sampler: model.DPM2M, NFE: c.DPMNFE}, &res.DPM2M},
	} {
		x, st, err := m.Sample(nil, c.Samples, r.rng(0x5de), s.o)
		if err != nil {
			return fmt.Errorf("%s: %w", s.o.Sampler, err)
		}
		*s.out = SamplerResult{W2: metric.Wasserstein2(x, ref, 2), NFE: st.NFE}
		cols = append(cols, plot.Comparison{Name: s.o.Sampler, Reference: ref, Samples: x,
			Note: fmt.Sprintf("NFE %d, W₂ %.3f (floor %.3f ± %.3f)", st.NFE, s.out.W2, res.W2Floor, res.W2FloorStd)})
	}
	fig, err := plot.Row(ref, "data", cols, fmt.Sprintf("VP model of %s, %d steps: data and samples", c.Toy, c.Steps))
	if err != nil {
		return err
	}
	if err := plot.Save(fig, samplesFig); err != nil {
		return err
	}
	held := c.Toy.Sample(nil, c.HeldOut, r.rng(0x4e1d))
	nll, err := m.NLL(held, model.LikelihoodOptions{RTol: c.NLLTol, ATol: c.NLLTol, Probes: 1, Rng: r.rng(0x407)})
	if err != nil {
		return fmt.Errorf("NLL: %w", err)
	}
	res.NLL, res.NLLSE, res.NLLNFE = nll.Mean, nll.SE, nll.NFE
	r.logf("vp: ode W₂ %.3f (NFE %d), dpm2m W₂ %.3f (NFE %d), floor %.3f; NLL of %d held-out points %.3f ± %.3f nats (NFE %d)\n",
		res.ODE.W2, res.ODE.NFE, res.DPM2M.W2, res.DPM2M.NFE, res.W2Floor, c.HeldOut, res.NLL, res.NLLSE, res.NLLNFE)
	// The figure's floor is the stage's, at as many points: one floor for
	// one model (the figure's own, of 500 points over 3 pairs, read 0.46 ±
	// 0.16 beside the stage's 0.36 ± 0.10 of 1000).
	ref = c.Toy.IID().Sample(nil, c.NFEN, rand.New(rand.NewPCG(r.o.Seed, 0xf1)))
	var pts []plot.NFEPoint
	for i, name := range nfeSamplers {
		var opts []model.SampleOptions
		for _, k := range c.NFEGrid {
			opts = append(opts, model.SampleOptions{Sampler: name, NFE: k})
		}
		if name == model.ODE {
			opts = opts[:0]
			for _, tol := range odeTolerances {
				opts = append(opts, model.SampleOptions{Sampler: name, RTol: tol, ATol: tol})
			}
		}
		for j, o := range opts {
			x, st, err := m.Sample(nil, c.NFEN, rand.New(rand.NewPCG(r.o.Seed+uint64(1000*i+j), 0x5de)), o)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			pts = append(pts, plot.NFEPoint{Sampler: name, NFE: st.NFE, W2: metric.Wasserstein2(x, ref, 2)})
			r.logf("%-8s %6d %10.4g\n", name, st.NFE, pts[len(pts)-1].W2)
		}
	}
	r.logf("floor    %6s %10.4g ± %.2g (W₂ between exact samples, %d pairs)\n", "", floor.Mean, floor.Std, floor.Reps)
	fig2, err := plot.NFECurves(nfeSamplers, pts, floor.Mean, fmt.Sprintf("VP model of %s under %s, n = %d", c.Toy, process, c.NFEN))
	if err != nil {
		return err
	}
	if err := plot.Save(fig2, nfeFig); err != nil {
		return err
	}
	r.sum.VP = res
	return nil
}
