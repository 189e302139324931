package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

// Score and divergence in "sgm bench": divergence_evals_per_s times
// scorenet.Net.ScoreDivergenceBatch, the cost per point of the
// probability-flow ODE's likelihood, on the peer's workload
// (torch_seed.py --divergence-particles 4096: the blog post's network at
// level 17, exact trace in 2-D).
const (
	benchDivPoints = 4096
	benchDivLevel  = 17
	benchDivTime   = time.Second // time at least this long, after one untimed batch
)

// benchDivergence returns the score+divergence evaluations per second of
// net on benchDivPoints uniform points of the unit square: one untimed
// batch (which compiles the graph where there is one), then batches until
// benchDivTime has passed.
func benchDivergence(ctx context.Context, net *scorenet.Net) (float64, error) {
	d := net.Config().Dim
	x := sample.Uniform(benchDivPoints, d, 0, 1, rand.New(rand.NewPCG(5, 6)))
	dst, div := make([]float64, len(x)), make([]float64, benchDivPoints)
	if err := net.ScoreDivergenceBatch(dst, div, x, benchDivLevel); err != nil {
		return 0, err
	}
	start, evals := time.Now(), 0
	for time.Since(start) < benchDivTime {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := net.ScoreDivergenceBatch(dst, div, x, benchDivLevel); err != nil {
			return 0, err
		}
		evals += benchDivPoints
	}
	return float64(evals) / time.Since(start).Seconds(), nil
}
