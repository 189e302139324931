// Package demo runs the blog post end to end, and past it, as one
// reproducible experiment: Run trains, samples and measures each stage in
// order, writes every figure and run directory into one folder and returns
// the Summary that sgm demo writes as summary.json.
//
//	sum, err := demo.Run(ctx, "sgm-demo", demo.Quick(), demo.Options{})
//	fmt.Println(sum.HistCorr, sum.Toys["moons"].W2)
//
// The stages are the post's (the mixture's score, a Langevin path, the
// image as a distribution, the trained network's fields and samples) and
// sgm's checks past it (the sampler's ceiling with the exact score, the
// score error per level and the automatic level, plain against annealed
// Langevin on unequal modes, the toy suite against its noise floor, a VP
// model sampled by the probability-flow ODE and DPM-Solver++(2M) with its
// NLL, class-conditional guidance and sampling given a coordinate).
//
// Why a package and not the command: the demo is an experiment whose
// numbers README quotes and docs/demo-summary.json records, and what fixes
// them (the configurations Full and Quick, one random stream per stage,
// the layout of its folder, which runs it may clear when it runs again) is
// one contract that a Go program, the tests and the command share. Each
// stage is a few calls of the library's own API: model.Train and
// model.Sample for every model, package metric for every number, package
// sample for the exact-score samplers, and package plot for every figure
// (from plain data). Nothing here is a numerical method of its own, and
// the command adds only flags and printing.
//
// Like serve, and unlike the numerical packages, it sits at the top of the
// dependency graph: it writes files and draws figures.
package demo
