package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
)

// Point data for "sgm train --data": a data file, a toy or a mixture, seen
// by the network in standard units (data.Standardizer), which the run
// records in its checkpoint (standardizerLabel) so that sample, eval and
// plot give every output back in the data's own units.

// dataHelp documents --data.
const dataHelp = "training data `SPEC`: points (PATH.csv, PATH.npy, toy:NAME), a mixture (preset or JSON file), or an image spec as --image; points are standardised per coordinate and every output is in their units"

// The data specs are model's.
var (
	isMixtureSpec = model.IsMixtureSpec
	isPointSpec   = model.IsPointSpec
)

// referenceSource is a reference distribution of points: a file's points
// (finite), or a toy or mixture to draw from.
type referenceSource struct {
	d       int
	points  []float64 // a file's points, in its units
	draw    func(n int, r *rand.Rand) []float64
	mixture *dist.Mixture // when the source is a mixture

	// iid draws independent points, for reference samples and noise
	// floors: a toy's without its generator's stratification
	// (data.IIDToy); draw where nil.
	iid func(n int, r *rand.Rand) []float64
}

// independent returns s's draws of independent points (iid, else draw).
func (s referenceSource) independent() func(n int, r *rand.Rand) []float64 {
	if s.iid != nil {
		return s.iid
	}
	return s.draw
}

// Dim and Sample make s a metric.Sampler (plot nfe's reference): a
// distribution's independent draws, or a file's points drawn with
// replacement (data.Points).
func (s referenceSource) Dim() int { return s.d }

func (s referenceSource) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	if s.points == nil {
		return append(dst[:0], s.independent()(n, rng)...)
	}
	return data.Points{N: len(s.points) / s.d, D: s.d, Data: s.points}.Sample(dst, n, rng)
}

// readReference reads a point spec or a mixture spec. flag names the flag
// for error messages.
func readReference(flag, spec string) (referenceSource, error) {
	if isMixtureSpec(spec) {
		m, err := dist.Target(spec)
		if err != nil {
			return referenceSource{}, usagef("--%s: %v", flag, err)
		}
		return referenceSource{d: m.Dim(), draw: drawOf(m), mixture: m}, nil
	}
	ps, err := data.ParsePointSpec(spec)
	if err != nil {
		return referenceSource{}, usagef("--%s: %v", flag, err)
	}
	if ps.Path == "" {
		t := ps.Toy
		return referenceSource{d: t.Dim(), draw: drawOf(t), iid: drawOf(t.IID())}, nil
	}
	p, err := data.ReadPointsFile(ps.Path)
	if err != nil {
		return referenceSource{}, fmt.Errorf("--%s: %w", flag, err)
	}
	return referenceSource{d: p.D, points: p.Data}, nil
}

// netStandardizer returns the standardisation net records, and whether it
// records one (a model of point data): model.StandardizerOf.
var netStandardizer = model.StandardizerOf

// refusePointModel returns a usage error if net models point data (it
// records a standardisation): what, which needs the exact score of a
// smoothed training image, has none to measure against.
func refusePointModel(net *scorenet.Net, dir, what string) error {
	if _, ok := net.Label(standardizerLabel); ok {
		return usagef("--model %s models point data: %s needs an image's exact score; measure its samples with sgm eval --samples F --target DATA", dir, what)
	}
	return nil
}

// drawOf is s's Sample into new slices.
func drawOf(s sgm.Source) func(n int, r *rand.Rand) []float64 {
	return func(n int, r *rand.Rand) []float64 { return s.Sample(nil, n, r) }
}
