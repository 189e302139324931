package main

import (
	"math/rand/v2"

	"github.com/sgm-dev/sgm/metric"
)

// Point data for time-conditioned networks: "sgm train --sde S --data
// SPEC" and "--objective cfm|otcfm --data SPEC" train in standard units,
// as the discrete-level models of data.go do, and record the same labels
// (dataLabel, standardizerLabel); sample, eval --nll and plot nfe give
// their outputs back in the data's units.

// pointDraws adapts a point reference (readReference) to metric.Sampler:
// a distribution drawn afresh, or a file's points drawn with replacement.
type pointDraws struct{ src referenceSource }

func (s pointDraws) Dim() int { return s.src.d }

func (s pointDraws) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	d := s.src.d
	if dst == nil {
		dst = make([]float64, n*d)
	}
	if s.src.points == nil {
		copy(dst, s.src.independent()(n, rng))
		return dst
	}
	m := len(s.src.points) / d
	for i := range n {
		k := rng.IntN(m)
		copy(dst[i*d:(i+1)*d], s.src.points[k*d:(k+1)*d])
	}
	return dst
}

var _ metric.Sampler = pointDraws{}
