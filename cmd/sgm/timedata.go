package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Point data for time-conditioned networks: "sgm train --sde S --data
// SPEC" and "--objective cfm|otcfm --data SPEC" train in standard units,
// as the discrete-level models of data.go do, and record the same labels
// (dataLabel, standardizerLabel); sample, eval --nll and plot nfe give
// their outputs back in the data's units.

// timeSource is what a time-conditioned run trains on.
type timeSource struct {
	sampler train.Sampler
	d       int
	spec    string            // --data or --target, for messages
	labels  map[string]string // recorded in the checkpoint
}

// timeData resolves --data or --target for a time-conditioned run; net is
// the resumed network, or nil for a new run. A resumed run given neither
// trains on what it records.
func (f *trainFlags) timeData(net *scorenet.Net) (*timeSource, error) {
	t := &f.time
	var (
		stored     data.Standardizer
		hasStd     bool
		dataSpec   string
		targetSpec string
	)
	if net != nil {
		var err error
		if stored, hasStd, err = netStandardizer(net); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", f.out, err)
		}
		dataSpec, _ = net.Label(dataLabel)
		targetSpec, _ = net.Label(targetLabel)
	}
	switch {
	case f.data != "" && t.target != "":
		return nil, usagef("give one of --data and --target, not both")
	case f.data == "" && t.target == "" && hasStd:
		f.data = dataSpec
	case f.data == "" && t.target == "":
		t.target = targetSpec
	}
	if f.data == "" {
		if hasStd {
			return nil, usagef("--target %s: the run in %s trains on points (--data); resume it with --data", t.target, f.out)
		}
		if t.target == "" {
			return nil, usagef("--data SPEC or --target SPEC is required: the points (or the mixture whose samples) a time-conditioned network learns")
		}
		m, err := loadTarget(t.target)
		if err != nil {
			return nil, err
		}
		return &timeSource{sampler: m, d: m.Dim(), spec: t.target, labels: map[string]string{targetLabel: recordedTarget(t.target)}}, nil
	}
	if net != nil && net.Step() > 0 && !hasStd {
		return nil, usagef("--data %s: the run in %s trains on a --target mixture; resume it with --target, or start a new run", f.data, f.out)
	}
	if !isPointSpec(f.data) && !isMixtureSpec(f.data) {
		return nil, usagef("--data %q: a network conditioned on time trains on points: PATH.csv, PATH.npy, toy:NAME or a mixture (preset or .json)", f.data)
	}
	var s *data.Standardizer
	if hasStd {
		s = &stored
	}
	p, err := loadPointData(f.data, s)
	if err != nil {
		return nil, err
	}
	abs, err := absoluteData(f.data)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(standardizerJSON{Mean: p.std.Mean, Std: p.std.Std})
	if err != nil {
		return nil, err
	}
	return &timeSource{sampler: p, d: p.d, spec: f.data, labels: map[string]string{dataLabel: abs, standardizerLabel: string(b)}}, nil
}

// record writes the source's labels into net's checkpoint labels.
func (s *timeSource) record(net *scorenet.Net) {
	for k, v := range s.labels {
		net.SetLabel(k, v)
	}
}

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

// standardNLL returns the log densities of points x (data units) under a
// model of standardised points: logp computes them for points in standard
// units, and the result is log p_y(T(x)); the caller adds T's log-Jacobian
// (withLogDet). x is not changed.
func standardNLL(std *data.Standardizer, x []float64, logp func(y []float64) error) error {
	if std == nil {
		return logp(x)
	}
	y := append([]float64(nil), x...)
	std.Apply(y)
	return logp(y)
}

// pointDraws adapts a point reference (readReference) to metric.Sampler:
// a distribution drawn afresh, or a file's points drawn with replacement.
type pointDraws struct{ src referenceSource }

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
