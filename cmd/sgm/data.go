package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
)

// Point data for "sgm train --data": a data file, a toy or a mixture, seen
// by the network in standard units (data.Standardizer), which the run
// records in its checkpoint (standardizerLabel) so that sample, eval and
// plot give every output back in the data's own units.

// dataHelp documents --data.
const dataHelp = "training data `SPEC`: points (PATH.csv, PATH.npy, toy:NAME), a mixture (preset or JSON file), or an image spec as --image; points are standardised per coordinate and every output is in their units"

// Constants of point data.
const (
	// fitDraws is how many draws of a toy or mixture fix its
	// standardisation and default noise levels (fixed seed: the same
	// spec gives the same run).
	fitDraws = 10000

	// spreadPoints bounds the points whose largest pairwise distance sets
	// the default σ_max: O(k²d) work, and the largest distance of a
	// subsample of 2000 is within a few percent of the full set's for
	// the clouds tried (toys, Gaussians).
	spreadPoints = 2000

	// pointSigmaMin is the default smallest noise level of point data, in
	// standard units: 1% of a coordinate's standard deviation, NCSNv2's
	// σ_L = 0.01 for data scaled to unit range.
	pointSigmaMin = 0.01
)

// isMixtureSpec reports whether spec names a mixture: a preset or a .json file.
func isMixtureSpec(spec string) bool {
	if strings.EqualFold(filepath.Ext(spec), ".json") {
		return true
	}
	for _, p := range dist.PresetNames() {
		if p == spec {
			return true
		}
	}
	return false
}

// isPointSpec reports whether spec names points: toy:NAME, .csv or .npy.
func isPointSpec(spec string) bool {
	ext := strings.ToLower(filepath.Ext(spec))
	return strings.HasPrefix(spec, "toy:") || ext == ".csv" || ext == ".npy"
}

// referenceSource is a reference distribution of points: a file's points
// (finite), or a toy or mixture to draw from.
type referenceSource struct {
	d       int
	points  []float64 // a file's points, in its units
	draw    func(n int, r *rand.Rand) []float64
	mixture *dist.Mixture // when the source is a mixture
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
		return referenceSource{d: t.Dim(), draw: drawOf(t)}, nil
	}
	p, err := data.ReadPointsFile(ps.Path)
	if err != nil {
		return referenceSource{}, fmt.Errorf("--%s: %w", flag, err)
	}
	return referenceSource{d: p.D, points: p.Data}, nil
}

// fitSample returns the points that fix the standardisation: a file's
// own, or fitDraws draws with a fixed seed.
func (s referenceSource) fitSample() []float64 {
	if s.points != nil {
		return s.points
	}
	return s.draw(fitDraws, rand.New(rand.NewPCG(0x57a, 0xda7a)))
}

// standardizerJSON is the checkpoint form of a data.Standardizer.
type standardizerJSON struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// netStandardizer returns the standardisation net records, and whether it
// records one (a model of point data). The label is untrusted input: it
// must give Dim finite means and Dim finite positive scales.
func netStandardizer(net *scorenet.Net) (data.Standardizer, bool, error) {
	v, ok := net.Label(standardizerLabel)
	if !ok {
		return data.Standardizer{}, false, nil
	}
	s, err := parseStandardizer(v, net.Config().Dim)
	return s, err == nil, err
}

// parseStandardizer decodes and checks a standardizer label for dimension d.
func parseStandardizer(v string, d int) (data.Standardizer, error) {
	var sj standardizerJSON
	if err := json.Unmarshal([]byte(v), &sj); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %v", standardizerLabel, err)
	}
	if len(sj.Mean) != d || len(sj.Std) != d {
		return data.Standardizer{}, fmt.Errorf("label %s: %d means and %d scales for a %d-dimensional model", standardizerLabel, len(sj.Mean), len(sj.Std), d)
	}
	s := data.Standardizer{Mean: sj.Mean, Std: sj.Std}
	if err := s.Validate(); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %w", standardizerLabel, err)
	}
	return s, nil
}

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
