// Package sgm is the shared vocabulary of score-based generative modelling
// (Song & Ermon 2019): the score of a density at a batch of points, and the
// geometric grid of noise levels that a noise-conditional score network is
// trained on.
//
// The packages below it, from the bottom up:
//
//	sgm          Scorer, Schedule (this package)
//	dist         densities with exact log p and score: Gaussian mixtures, images
//	data         where points come from: IDX (MNIST), PNG/JPEG, CSV
//	sample       Langevin (plain and annealed), MALA, HMC, driven by any Scorer
//	scorenet     the blog post's random-Fourier-feature score network (GoMLX)
//	objective    denoising score matching losses (GoMLX graphs)
//	train        the training loop: progress, loss history, checkpoints
//	metric       sample quality (hist_corr, SWD, MMD, mode weights) and
//	             score error against an exact score
//	plot         figures and animations from plain data (gonum/plot)
//	cmd/sgm      the command line
//
// Nothing imports upward: the numerical packages never import plot or the
// command, and sample, dist and metric never import GoMLX, so an exact score
// and a trained network drive the same sampler.
//
// Points are float64, stored row-major in flat slices: a batch of n points in
// R^d is a slice of length n*d whose i-th point is x[i*d : (i+1)*d].
package sgm
