package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/scorenet"
)

// Point data for time-conditioned networks: "sgm train --sde S --data
// SPEC" and "--objective cfm|otcfm --data SPEC" train in standard units,
// as the discrete-level models of data.go do, and record the same labels
// (dataLabel, standardizerLabel); sample, eval --nll and plot nfe give
// their outputs back in the data's units.

// modelStandardizer returns the standardisation a time-conditioned network
// of point data records, or nil for one trained on a --target mixture.
func modelStandardizer(net *scorenet.Net, dir string) (*data.Standardizer, error) {
	s, ok, err := netStandardizer(net)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", dir, err)
	}
	if !ok {
		return nil, nil
	}
	return &s, nil
}

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
		copy(dst, s.src.draw(n, rng))
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
