package main

import (
	"context"
	"math/rand/v2"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Point data in "sgm bench": train_steps_per_s_8d times training on 8-D
// points, as sgm train --data does for a point cloud.
const (
	benchPointDim   = 8
	benchPointBatch = 256
)

// normalPoints is a train.Sampler of standard normal points in R^d, the
// data of a standardised point cloud as far as speed goes.
type normalPoints struct{ d int }

func (p normalPoints) Dim() int { return p.d }

func (p normalPoints) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("normalPoints", dst, n, p.d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// benchTrainPoints returns the training steps per second of the reference
// network (the default scorenet.Config) on 8-D points, batch 256, with the
// one-level objective (one random level per point): the cost of training
// on a user's point cloud.
func benchTrainPoints(ctx context.Context, b compute.Backend, backend string, n, perCall int) (float64, error) {
	net, err := scorenet.New(b, scorenet.Config{Dim: benchPointDim}, rand.New(rand.NewPCG(1, 8)))
	if err != nil {
		return 0, err
	}
	return benchTrain(ctx, net, normalPoints{benchPointDim}, backend, benchPointBatch, n, perCall, train.OneLevel)
}
