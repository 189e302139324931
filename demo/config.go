package demo

import (
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/train"
)

// Config is what Run trains, samples and measures, stage by stage. Full
// is the demo's; Quick runs the same stages in seconds.
type Config struct {
	Quick bool // recorded in the summary: a configuration for tests
	Post  PostConfig
	Toys  ToyConfig
	VP    VPConfig
	Cond  CondConfig
}

// PostConfig is how the blog post's image stages train and sample: the
// summary's "config". The full configuration (see README, "The demo's
// configuration") meets the demo's bar of hist_corr >= 0.90 on >= 100,000
// samples within 5 minutes on 2 cores: the post's network and levels, one
// level per point at batch 1024 with moving averages of the weights, and
// 2,000 chains of 1,000 steps of η = 5e-4 at level 17, pooled over their
// last 50 steps.
type PostConfig struct {
	Image     string          `json:"image"`
	Objective train.Objective `json:"objective"`
	Steps     int             `json:"train_steps"`
	Batch     int             `json:"batch"`
	LR        float64         `json:"learning_rate"`
	EMA       float64         `json:"ema"`
	Width     int             `json:"width"`
	Depth     int             `json:"depth"`
	Features  int             `json:"features"`
	Levels    int             `json:"levels"`
	SigmaMin  float64         `json:"sigma_min"`
	SigmaMax  float64         `json:"sigma_max"`
	Level     int             `json:"sample_level"`
	StepSize  float64         `json:"step_size"`
	Chains    int             `json:"chains"`
	ChainLen  int             `json:"chain_steps"`
	BurnIn    int             `json:"burn_in"`
}

// ToyConfig is how the toys stage trains and samples each toy. The full
// configuration trains the three toys and samples them in about 30 s
// together on the project's 2-core machine: 6,000 steps of a network of
// depth 3 at 30 levels, sampled with sgm sample's default annealed
// Langevin from the moving averages of the weights, gave W₂ 0.15 to 0.39
// against floors 0.11 to 0.49, where 1,200 steps at depth 2 and 20 levels
// without averages gave 0.27 to 0.89; width 256 gave no better W₂ in twice
// the time.
type ToyConfig struct {
	Toys          []data.Toy `json:"toys"`
	Steps         int        `json:"train_steps"`
	Batch         int        `json:"batch"`
	LR            float64    `json:"learning_rate"`
	Width         int        `json:"width"`
	Depth         int        `json:"depth"`
	Features      int        `json:"features"`
	Levels        int        `json:"levels"`
	Samples       int        `json:"samples"`
	StepsPerLevel int        `json:"steps_per_level"`
	EMA           float64    `json:"ema"` // the decay of the weights' moving averages, which sample; 0 for none
}

// VPConfig is how the vp stage trains, samples and measures: the
// summary's "vp.config". The full configuration runs in about 20 s on the
// 2-core machine: a ReLU network, so that the fused engine trains it
// (softplus takes the graph, about 8x slower).
type VPConfig struct {
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

// CondConfig is how the conditional stage trains and samples: a
// class-conditional model of 8gaussians guided at each weight of Guidance,
// and an unconditional one sampled given x0 = each of GivenX0.
type CondConfig struct {
	Steps           int       `json:"train_steps"` // the labelled model's (GoMLX graph)
	GivenSteps      int       `json:"given_train_steps"`
	Width           int       `json:"width"`
	Depth           int       `json:"depth"`
	Features        int       `json:"features"`
	SamplesPerLabel int       `json:"samples_per_label"`
	StepsPerLevel   int       `json:"steps_per_level"`
	Guidance        []float64 `json:"guidance"`
	GivenX0         []float64 `json:"given_x0"`
	GivenSamples    int       `json:"given_samples"`
}

// Full is the demo's configuration (sgm demo): about 130 s on 2 cores.
func Full() Config {
	return Config{
		Post: PostConfig{
			Image: "mnist:train:0", Objective: train.OneLevel, Steps: 6000, Batch: 1024, LR: 1e-3, EMA: 0.999,
			Width: 256, Depth: 3, Features: 256, Levels: 30, SigmaMin: 1e-4, SigmaMax: 1,
			Level: 17, StepSize: 5e-4, Chains: 2000, ChainLen: 1000, BurnIn: 950,
		},
		Toys: ToyConfig{Toys: []data.Toy{data.ToyMoons, data.Toy8Gaussians, data.ToyCheckerboard},
			Steps: 6000, Batch: 256, LR: 2e-3, Width: 128, Depth: 3, Features: 64, Levels: 30, Samples: 1000, StepsPerLevel: 100, EMA: 0.999},
		VP: VPConfig{Toy: data.Toy8Gaussians, Steps: 8000, Batch: 256, LR: 2e-3, Width: 64, Depth: 2, Features: 32,
			Samples: 1000, DPMNFE: 20, HeldOut: 400, NLLTol: 1e-3, NFEGrid: []int{2, 4, 8, 16, 32, 64}, NFEN: 1000},
		Cond: CondConfig{Steps: 1500, GivenSteps: 3000, Width: 64, Depth: 2, Features: 32, SamplesPerLabel: 125, StepsPerLevel: 30,
			Guidance: []float64{0, 1, 3, 7}, GivenX0: []float64{0, 1, 2}, GivenSamples: 1000},
	}
}

// Quick is a tiny configuration of the same stages that runs in seconds
// (sgm demo --quick, the tests).
func Quick() Config {
	return Config{
		Quick: true,
		Post: PostConfig{
			Image: "mnist:train:0", Objective: train.OneLevel, Steps: 40, Batch: 128, LR: 1e-3, EMA: 0.9,
			Width: 32, Depth: 2, Features: 32, Levels: 30, SigmaMin: 1e-4, SigmaMax: 1,
			Level: 17, StepSize: 1e-3, Chains: 200, ChainLen: 60, BurnIn: 50,
		},
		Toys: ToyConfig{Toys: []data.Toy{data.ToyMoons, data.Toy8Gaussians, data.ToyCheckerboard},
			Steps: 20, Batch: 64, LR: 1e-3, Width: 16, Depth: 1, Features: 8, Levels: 5, Samples: 100, StepsPerLevel: 5},
		VP: VPConfig{Toy: data.Toy8Gaussians, Steps: 20, Batch: 32, LR: 2e-3, Width: 16, Depth: 1, Features: 8,
			Samples: 100, DPMNFE: 10, HeldOut: 20, NLLTol: 1e-2, NFEGrid: []int{4, 8}, NFEN: 100},
		Cond: CondConfig{Steps: 20, GivenSteps: 20, Width: 16, Depth: 1, Features: 8, SamplesPerLabel: 10, StepsPerLevel: 3,
			Guidance: []float64{0, 3}, GivenX0: []float64{2}, GivenSamples: 50},
	}
}
