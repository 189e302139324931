package model

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/train"
)

// ComponentLabels is the label column of toys and mixtures
// (TrainOptions.LabelColumn): each point's component (a mixture's, in its
// order; 8gaussians' centre, moons' moon, circles' circle: data.Toy.Labels).
const ComponentLabels = "component"

// LabelLabelColumn is the checkpoint label that records a labelled run's
// label column, which a resumed run reads its data with.
const LabelLabelColumn = "label_column"

// LabelledSource is a source of points with labels: a toy with labels, a
// mixture, a labelled point file.
type LabelledSource interface {
	sgm.Source
	train.LabelledSampler
}

// OpenLabelled opens the data of spec with the labels of column: a CSV
// file's column of that name, or the component of a toy or mixture
// (ComponentLabels). It returns the data, its labelled source and the
// label names in index order.
func OpenLabelled(spec, column string) (*Data, LabelledSource, []string, error) {
	if column != ComponentLabels {
		ps, err := data.ParsePointSpec(spec)
		if err != nil || ps.Path == "" {
			return nil, nil, nil, fmt.Errorf("label column %q: labels by column name need a .csv file; toys and mixtures take %q", column, ComponentLabels)
		}
		l, err := data.ReadLabelledFile(ps.Path, column)
		if err != nil {
			return nil, nil, nil, err
		}
		d := &Data{Spec: spec, Points: &l.Points, Source: l}
		if err := d.fileSpec(ps.Path, ""); err != nil {
			return nil, nil, nil, err
		}
		return d, l, l.Names, nil
	}
	d, err := OpenData(spec)
	if err != nil {
		return nil, nil, nil, err
	}
	k := 0
	var src LabelledSource
	switch s := d.Source.(type) {
	case data.Toy:
		k, src = s.Labels(), s
	case *dist.Mixture:
		k, src = s.Len(), s
	}
	if k == 0 {
		return nil, nil, nil, fmt.Errorf("label column %q: %s has no components to label (toys with labels: 8gaussians, moons, circles; and mixtures)", column, spec)
	}
	names := make([]string, k)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return d, src, names, nil
}

// labelledStd is a labelled source seen through a standardisation.
type labelledStd struct {
	LabelledSource
	std data.Standardizer
}

func (s labelledStd) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := s.LabelledSource.Sample(dst, n, rng)
	s.std.Apply(x)
	return x
}

func (s labelledStd) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x, l := s.LabelledSource.SampleLabelled(dst, n, rng)
	s.std.Apply(x)
	return x, l
}

// Labels are the class labels of a model trained with them, in index
// order; nil for a model without.
func (m *Model) Labels() []string { return m.net.Config().Labels }
