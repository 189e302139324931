// Package model is sgm's spine: a trained model as one value, whatever its
// kind (the blog post's noise levels, a time-conditioned score under a
// forward SDE, a flow-matching velocity), which the library opens, trains,
// resumes, samples and scores, and which the command and the explorer are
// thin layers on.
//
// A Model holds its Kind (Levels, Diffusion or Flow), its network
// (scorenet), the standardisation of its data (data.Standardizer) and the
// record of its training (Record: the settings a resumed run keeps, the
// data it learned, the loss of every step). Every method takes and gives
// points in the data's own units.
//
//	m, err := model.Open("run")                        // the run directory of sgm train
//	x, stats, err := m.Sample(nil, 2000, rng, model.SampleOptions{}) // the kind's good defaults
//	nll, err := m.NLL(heldOut, model.LikelihoodOptions{})           // Diffusion and Flow models
//
// SampleOptions{} samples well for every kind (annealed Langevin with the
// denoising step for levels of points, the probability-flow ODE for
// scores under an SDE and for flows); SampleOptions.Sampler picks any of
// the kind's samplers, with one call shape and one Stats for all of them
// and a per-step callback. A Levels model is also sampled by the
// reverse-time samplers through its VE reading (Levels.VE), as
// k-diffusion samples a denoiser of discrete σ.
//
// Conditioning (condition.go, label.go): a model of any kind trained with
// TrainOptions.LabelColumn samples a class (SampleOptions.Label), with
// classifier-free guidance (Guidance); any model samples some coordinates
// given the others (Given; a flow through the scores its velocity gives).
//
// A Target (target.go) is an analytic distribution, a Gaussian mixture or
// the σ-smoothed distribution of an image, whose scores and densities are
// exact: Target.Sample draws from it with one call whatever the sampler
// (plain or annealed Langevin, MALA, HMC, the reverse samplers under an
// SDE, or exact draws of a mixture's conditional given some coordinates),
// with the same Stats and Step as a Model's.
//
// Train trains a run directory for every kind: it locks it, checkpoints
// it with the loss history as one unit, and resumes a run with every
// setting it recorded, refusing other data.
//
// Evaluation (evaluate.go, nfe.go): ScoreErrors measures a model of an
// image against the exact score per level; EvaluateNLL and MixtureNLL give
// the NLL report of sgm eval --nll (a mixture's through the same ODE, with
// its closed form beside it); EvaluateLabels measures labelled samples
// against labelled data per label; NFECurves measures sample quality
// against the number of evaluations per sampler, for a model or, through
// SampleScore, for an exact score by the same samplers.
package model
