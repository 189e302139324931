// Package train fits a noise-conditional score network (package scorenet) to
// a source of data points by denoising score matching (package objective)
// with Adam (ε = 1e-8, as the blog post's optax.adam).
//
// Run is the loop. Settings' zero values are our choices where the blog
// post's text gives none (5,000 steps where the post trains 50,000, batch
// 256, learning rate 1e-3) and the post's objective (every point perturbed
// at every level). The data points
// and the perturbation noise are drawn in Go from explicit math/rand/v2
// sources, step k's from the stream (seed, k), so a run is reproducible from
// its seed and a run resumed from a checkpoint takes exactly the steps it
// would have taken had it never stopped.
//
// Two engines take the steps, chosen automatically: on GoMLX's pure-Go
// backend with AVX-512, the denoising objectives run on internal/fastnet's
// fused kernels (the same arithmetic as the graph, checked against it, and
// several times faster); everywhere else, and for sliced score matching,
// the compiled GoMLX graph of objective and Adam runs. Both keep Adam's
// state in the same store variables, so a checkpoint written by one resumes
// on the other. On accelerators Run draws noise and data inside the
// compiled step (Settings.GraphNoise) and reads the losses back 50 steps
// at a time (Settings.LossEvery) by itself, and Settings.StepsPerCall runs
// up to that many steps in one call of a compiled While loop over the same
// step (loop.go), so the device does not wait on the host between steps.
// Run refuses what cannot work on its backend, with an error saying what
// to do: sliced score matching on a pure-Go backend running ops in
// parallel (it can deadlock there), several steps per call on that backend.
//
// A network conditioned on time (scorenet.Config.Conditioning "time")
// trains with the continuous-time objectives (timeengine.go): Continuous,
// denoising score matching under its SDE with Song et al. 2021's
// weighting, or CFM and OTCFM, flow matching from N(0, I) without or with
// the minibatch exact optimal-transport pairing; their batches are drawn in
// Go, and the compiled graph runs them on every backend but where the
// fused kernels apply (a ReLU network on the Go backend with AVX2 or
// AVX-512): there internal/fastnet's TimeTrainer does (fasttime.go).
//
// Run keeps its state in a run (run.go): newRun sets it up, loop takes the
// steps, take/draw one call's, flush reads the losses, save checks and
// writes a checkpoint, report calls Progress, stop ends a cancelled run.
//
// Each step's loss is checked, and before each checkpoint the weights'
// scores at every level: a NaN or Inf stops the run with ErrDiverged
// before anything more is saved, so the last checkpoint written is the last
// good one. Progress is reported through a callback, so that the command
// line draws a bar while the library stays free of terminal code.
package train
