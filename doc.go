// Package sgm is the shared vocabulary of score-based generative modelling
// (Song & Ermon 2019): the score of a density at a batch of points, and the
// geometric grid of noise levels that a noise-conditional score network is
// trained on.
//
// The packages below it, from the bottom up:
//
//	sgm          Scorer, Source, Schedule (this package)
//	dist         densities with exact log p and score: Gaussian mixtures, images
//	data         where points come from: IDX (MNIST), PNG/JPEG, CSV, .npy, toys
//	sde          forward SDEs, exact perturbed scores, the probability-flow field
//	ode          ODE integrators over a plain vector field
//	sample       Langevin (plain and annealed), MALA, HMC and the reverse-time
//	             samplers, driven by any Scorer or time-conditioned score
//	likelihood   log p by the probability-flow ODE
//	scorenet     the blog post's random-Fourier-feature score network (GoMLX)
//	objective    score matching and flow matching losses (GoMLX graphs)
//	train        the training loop: progress, loss history, checkpoints, EMA
//	model        a trained model as one value: open, train, resume, sample,
//	             score and likelihood in the data's units, for every kind
//	metric       sample quality (hist_corr, W2, SWD, MMD, mode weights),
//	             score error against an exact score, the automatic level
//	plot         figures and animations from plain data (gonum/plot)
//	serve        the explorer's HTTP API over model
//	demo         the blog post end to end (sgm demo): figures and summary
//	bench        sgm bench's speed measures on the reference workloads
//	cmd/sgm      the command line
//	internal/... atomicfile, fastnet (fused CPU kernels), test helpers
//	examples/... owndata and quickstart, programs on the library
//
// Nothing imports upward: the numerical packages never import plot or the
// command, and sample, dist and metric never import GoMLX, so an exact score
// and a trained network drive the same sampler.
//
// Points are float64, stored row-major in flat slices: a batch of n points in
// R^d is a slice of length n*d whose i-th point is x[i*d : (i+1)*d].
//
// # Errors and panics
//
// One rule holds in every package, gonum's:
//
//   - Programmer misuse panics, with a message that starts with the
//     package's name ("scorenet: ScoreBatch: len(dst)=3 != len(x)=4"):
//     slices of the wrong length, a dimension that does not match, an index
//     (a noise level) out of range, a nil where a value is required. The
//     caller controls these and can check them before the call.
//   - Data, user input and I/O return an error: files (checkpoints, images,
//     CSV, JSON specs, all treated as untrusted), settings structs and
//     their Validate methods (sample.Langevin, train.Settings,
//     scorenet.Config), constructors that take such values, and failures of
//     a GoMLX backend where the signature has an error to return
//     (scorenet.Net.ScoreBatch, train.Run).
//   - A numerical failure the caller may want to handle returns ok = false
//     or a sentinel error (train.ErrDiverged).
//
// So a sampler's Run (sample.Langevin, MALA, ...) returns an error for
// settings out of range and panics for points that do not fit its score;
// scorenet's NewLangevin, Chain.Run and ScoreDivergenceBatch panic for a
// level out of range or slices that do not fit and return the backend's
// failures; plot panics for slices whose lengths do not fit (a Grid's Z,
// titles per panel) and returns an error for data it cannot draw (none,
// or none finite). An index into a file's contents (data.MNIST,
// data.IDX.Image) is data, not a caller's slice: out of range, it returns
// an error.
//
// sgm.Scorer.ScoreBatch has no error to return: every implementation panics
// on misuse (CheckBatch), and a trained network's (scorenet.Net.AtLevel)
// also panics if its backend fails; call scorenet.Net.ScoreBatch to have
// that failure as an error.
//
// # Use it from Go
//
// A trained model is one value (package model): model.Train trains a run
// directory of any kind, model.Open restores one, and Sample, Score and
// NLL work in the data's units. The package Examples of model, scorenet,
// train, sample, metric and plot train, load, sample, measure and draw.
package sgm
