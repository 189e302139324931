package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

// IIDLabelled returns the labelled source that samples are measured
// against (per-label W₂ and its noise floor): for a toy whose generator
// spaces its points evenly (moons, circles: data.IIDToy), its independent
// draws, as the unlabelled floors are read (issue 20.3's rule: a model's
// samples are independent draws, and two stratified draws lie closer to
// each other than any independent sampler can come); src itself otherwise.
func IIDLabelled(src LabelledSource) LabelledSource {
	if t, ok := src.(data.Toy); ok {
		return t.IID()
	}
	return src
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

// LabelColumns is the checkpoint label that records the names of the
// coordinates, from the header row of a CSV file the model was trained on
// (the label column left out): a JSON list, one name a coordinate.
const LabelColumns = "columns"

// csvColumns returns the names of the coordinates of a CSV file's header
// row, the label column left out, or nil if path is not a .csv file or its
// first row is not a header (a field parses as a number).
func csvColumns(path, labelColumn string) []string {
	rec := data.CSVFileFirstRow(path)
	var names []string
	for _, r := range rec {
		if _, err := strconv.ParseFloat(r, 64); err == nil {
			return nil
		}
		if r != labelColumn || labelColumn == "" {
			names = append(names, r)
		}
	}
	return names
}

// Columns returns the names of the model's coordinates, from the header
// row of the CSV file it was trained on, or nil where it recorded none. The
// checkpoint's record is untrusted: it returns an error unless it is a
// JSON list of Dim distinct, non-empty, printable names of at most 256
// bytes each.
func (m *Model) Columns() ([]string, error) {
	v, ok := m.net.Label(LabelColumns)
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return nil, fmt.Errorf("checkpoint %s: label %q: %w", m.dir, LabelColumns, err)
	}
	if len(names) != m.Dim() {
		return nil, fmt.Errorf("checkpoint %s: label %q: %d names for %d coordinates", m.dir, LabelColumns, len(names), m.Dim())
	}
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" || len(n) > 256 || !utf8.ValidString(n) || strings.IndexFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 || seen[n] {
			return nil, fmt.Errorf("checkpoint %s: label %q: name %d (%.40q) is empty, too long, not printable or repeated", m.dir, LabelColumns, i, n)
		}
		seen[n] = true
	}
	return names, nil
}
