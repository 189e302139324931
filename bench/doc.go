// Package bench measures sgm's speed on the blog post's reference
// workloads, as sgm bench prints it: training steps per second of the
// post's network (256 features, width 256, depth 3, 30 levels) on its
// image and on 8-D points, one long Langevin chain and many particles at
// level 17, the score and its divergence (the likelihood's cost per
// point), and the cost of classifier-free guidance.
//
//	r, err := bench.Run(ctx, bench.Options{ChainSteps: 10000}) // sgm bench's defaults but a shorter chain
//
// Run takes every measure; TrainRate and EvalRate time one workload of
// any network or score, the first call of a compiled graph left out. The
// shell scripts beside this package compare sgm with its JAX and PyTorch
// peers (peer.sh) and on a GPU (gpu.sh).
package bench
