package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
)

// sampleLabelColumn is the label column that sgm sample --label writes.
const sampleLabelColumn = "label"

// hasLabelColumn reports whether the CSV file path has a header row naming
// a label column. It reads only the first row (data.CSVFileFirstRow).
func hasLabelColumn(path string) bool {
	return slices.Contains(data.CSVFileFirstRow(path), sampleLabelColumn)
}

// labelColumn is the label column of a labelled target spec: a CSV
// file's column as sgm sample --label writes it, or the component of a toy
// or mixture.
func labelColumn(spec string) string {
	if strings.EqualFold(filepath.Ext(spec), ".csv") {
		return sampleLabelColumn
	}
	return model.ComponentLabels
}

// evalLabelled measures samples with a label column against a labelled
// target: a toy with labels or a mixture (its components, labelled 0, 1,
// ...), or a CSV file with a label column of the same name.
func evalLabelled(e *env, f evalFlags) error {
	s, err := data.ReadLabelledFile(f.samples, sampleLabelColumn)
	if err != nil {
		return err
	}
	r, err := model.EvaluateLabels(s, f.target, labelColumn(f.target), f.wPoints, rand.New(rand.NewPCG(f.seed, 0xe7a3)))
	if err != nil {
		return usagef("%s against --target %s: the samples carry labels: %v", f.samples, f.target, err)
	}
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	return r.WriteText(e.stdout)
}

// plotLabelled draws "plot samples" of samples with a label column: 2-D
// scatter plots (coordinates dims, or the first two) coloured by label,
// beside the reference coloured by its labels where it has them (a toy
// with labels, a mixture, a CSV file with a label column).
func plotLabelled(out, samplesPath, refSpec, dims string, bins int, overlay, corner bool, title string, seed uint64) error {
	if bins > 0 || overlay || corner {
		return usagef("--samples %s carries labels: it is drawn as scatter plots coloured by label, without --bins, --overlay or --corner", samplesPath)
	}
	s, err := data.ReadLabelledFile(samplesPath, sampleLabelColumn)
	if err != nil {
		return fmt.Errorf("--samples: %w", err)
	}
	if dims == "" && s.D != 2 {
		return usagef("%s: %d-dimensional labelled samples: give --dims I,J", samplesPath, s.D)
	}
	i, j, err := parseDims(dims, s.D)
	if err != nil {
		return err
	}
	pair := func(p []float64) []float64 {
		out := make([]float64, 0, 2*len(p)/s.D)
		for k := 0; k < len(p); k += s.D {
			out = append(out, p[k+i], p[k+j])
		}
		return out
	}
	names, labels := s.Names, s.Labels
	var sets []plot.LabelledSet
	title = cmp.Or(title, filepath.Base(samplesPath))
	if refSpec != "" {
		_, src, refNames, err := model.OpenLabelled(refSpec, labelColumn(refSpec))
		if err != nil {
			return usagef("--reference: the samples carry labels: %v", err)
		}
		if src.Dim() != s.D {
			return fmt.Errorf("%s has %d coordinates; the reference %s is %d-dimensional", samplesPath, s.D, refSpec, src.Dim())
		}
		names, labels = model.UnionLabels(refNames, s)
		r, rl := src.SampleLabelled(nil, min(s.N, maxPlotPoints), rand.New(rand.NewPCG(seed, 0x91076)))
		sets = append(sets, plot.LabelledSet{Title: "reference " + filepath.Base(refSpec), Points: pair(r), Labels: rl})
		title += " against " + refSpec
	}
	sets = append(sets, plot.LabelledSet{Title: "samples " + filepath.Base(samplesPath), Points: pair(s.Data), Labels: labels})
	return plot.SaveTo(out)(plot.Labelled(sets, names, nil, title))
}

// parseDims parses --dims I,J (from 1) for points of dimension d into
// indices from 0; 0, 1 when dims is "".
func parseDims(dims string, d int) (i, j int, err error) {
	if dims == "" {
		return 0, 1, nil
	}
	v, err := parseInts("dims", dims)
	if err != nil || len(v) != 2 || v[0] < 1 || v[1] < 1 || v[0] > d || v[1] > d || v[0] == v[1] {
		return 0, 0, usagef("--dims %q: want two different coordinates I,J from 1 to %d", dims, d)
	}
	return v[0] - 1, v[1] - 1, nil
}
