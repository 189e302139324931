// Package scorenet is the blog post's noise-conditional score network, written as
// a GoMLX model function, with checkpoints and an adapter that lets a trained
// network drive the samplers of package sample.
//
// For a point x in R^d (the blog post: d = 2, pixel coordinates in [0,1]^2) and a
// noise level index l, the network computes
//
//	u    = x - 0.5                                   (centred input)
//	f    = [cos(2π B_cos u), sin(2π B_sin u)]        (random Fourier features)
//	h_0  = [α_l f + β_l, u]                          (per-level scale and shift,
//	                                                  input concatenated)
//	h_k  = relu(h_{k-1} W_k + b_k),  k = 1..Depth
//	s(x, l) = h_Depth W_out + b_out                  (a vector in R^d)
//
// B_cos and B_sin are Features×d matrices drawn once from N(0, 1) and frozen
// (never trained; Tancik et al. 2020), α (init 1) and β (init 0) hold one
// scalar per noise level, and the dense layers are initialised as Equinox's
// Linear: weights and biases uniform in ±1/sqrt(fan-in).
//
// A network may instead be conditioned on a time t in [0, 1]
// (Config.Conditioning "time", timecond.go), for the score SDEs of Song et
// al. 2021 and flow matching: α and β become α(t) = e(t)·a, β(t) = e(t)·b
// with e(t) a Fourier embedding of t (cos and sin at K geometric
// frequencies, and 1) and a, b learned; the discrete levels are the same
// model with the one-hot embedding of l. Such a network's input is not
// centred, and its output is s(t) times the score of its Process's SDE
// (TimeScore divides) or a velocity (Velocity). Net.TimeOutput builds
// its graph, Net.OutputAt and OutputDivAt (with the exact divergence, d
// reverse passes) evaluate it.
//
// Net.Scores builds that graph and is the one definition of the model: the
// objectives of package objective train it, Net.ScoreBatch evaluates it, and
// Net.AtLevel adapts it to sgm.Scorer. On an XLA backend Net.NewChain runs
// Langevin dynamics with it in compiled loops, so a device takes many steps
// per call from the host.
//
// Open is the one call a Go program needs to use a trained network: it
// loads a checkpoint directory on GoMLX's pure-Go backend (imported here,
// so callers need no blank import; WithBackend picks another) with the
// moving averages of the weights where training kept them. Net.NewLangevin
// then samples it where it runs fastest: package sample's Langevin over
// the fused CPU path on the pure-Go backend, compiled loops (Chain) on an
// accelerator.
//
// The package owns the network's parameter layout: Layout lists the
// variables (names, shapes, order, trainable or frozen), and VariablePath,
// EMAPath, AdamMomentPath, StepPath and LearningRatePath name where the
// network, its averages and GoMLX's Adam keep them. New, the graph,
// checkpoints and train's fused engine all go through them.
//
// Misuse (slices of the wrong length, a level out of range) panics with a
// "scorenet: " message; files, settings and backend failures return
// errors, as the root package's doc says.
//
// A network with Config.Labels is conditioned on a class label too
// (label.go): a learned shift of its first layer per label and one for
// the null label, which classifier-free guidance uses as the unconditional
// score; ScoreBatchLabelled and AtLevelLabelled evaluate it, at no extra
// cost over an unlabelled network.
//
// Checkpoints (Net.Save, Load) are GoMLX's pairs of files, written crash-safe
// into a run directory. Load treats them as untrusted input: the metadata
// may hold only what sgm writes, every variable must have the shape the
// recorded configuration gives it, sizes are bounded before anything is
// allocated, and the data file must match the SHA-256 Save recorded. Lock
// keeps a second process from writing the same directory.
package scorenet
