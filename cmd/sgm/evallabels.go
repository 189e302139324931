package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
)

// sampleLabelColumn is the label column that sgm sample --label writes.
const sampleLabelColumn = "label"

// hasLabelColumn reports whether the CSV file path has a header row naming
// a label column. It reads only the first row, and at most 4 MiB of it.
func hasLabelColumn(path string) bool {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	// At most a line's worth: the file may be anything (/dev/zero), and
	// its reader says what is wrong with it.
	cr := csv.NewReader(io.LimitReader(f, 1<<22))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	return err == nil && slices.ContainsFunc(rec, func(s string) bool {
		return strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")) == sampleLabelColumn
	})
}

// labelEval is eval's report of labelled samples: per label, W₂ between
// its samples and the target's points of that label, with the noise
// floor; the means over the labels; and, for a target that is a
// mixture, the share of samples whose most responsible component is their
// label.
type labelEval struct {
	Labels      []labelW2 `json:"labels"`
	W2Mean      float64   `json:"w2_mean"`
	W2FloorMean *float64  `json:"w2_floor_mean,omitempty"` // over the labels with a floor
	Accuracy    *float64  `json:"accuracy,omitempty"`
}

type labelW2 struct {
	Label string  `json:"label"`
	N     int     `json:"n"`
	W2    float64 `json:"w2"`
	// The floor is left out where the target has fewer than 2N points of
	// the label (a file).
	W2Floor    *float64 `json:"w2_floor,omitempty"`
	W2FloorStd *float64 `json:"w2_floor_sd,omitempty"`
}

// evalLabelled measures samples with a label column against a labelled
// target: a toy with labels or a mixture (its components, labelled 0, 1,
// ...), or a CSV file with a label column of the same name.
func evalLabelled(e *env, f evalFlags) error {
	s, err := data.ReadLabelledFile(f.samples, sampleLabelColumn)
	if err != nil {
		return err
	}
	column := model.ComponentLabels
	if strings.EqualFold(filepath.Ext(f.target), ".csv") {
		column = sampleLabelColumn
	}
	d, src, names, err := model.OpenLabelled(f.target, column)
	if err != nil {
		return usagef("--target: the samples carry labels: %v", err)
	}
	if src.Dim() != s.D {
		return fmt.Errorf("%s has %d coordinates; the target %s is %d-dimensional", f.samples, s.D, f.target, src.Dim())
	}
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	labels := make([]int, s.N)
	for i, l := range s.Labels {
		k, ok := index[s.Names[l]]
		if !ok {
			return usagef("%s: label %q is not one of the target's (%s)", f.samples, s.Names[l], labelList(names))
		}
		labels[i] = k
	}
	rng := rand.New(rand.NewPCG(f.seed, 0xe7a3))
	n := min(s.N, f.wPoints)
	x := s.Data
	if n < s.N {
		idx := rng.Perm(s.N)[:n]
		x = make([]float64, 0, n*s.D)
		sub := make([]int, n)
		for i, k := range idx {
			x = append(x, s.Data[k*s.D:(k+1)*s.D]...)
			sub[i] = labels[k]
		}
		labels = sub
	}
	// Reference points of every label: a file's own, or 3n independent
	// draws a label (in expectation, for labels of equal weight), so that
	// each label's noise floor has its two disjoint sets of n.
	var ref []float64
	var refLabels []int
	if l, ok := src.(data.Labelled); ok {
		ref, refLabels = l.Data, l.Labels
	} else {
		ref, refLabels = model.IIDLabelled(src).SampleLabelled(nil, 3*n*len(names), rng)
	}
	per := metric.PerLabel(metric.Wasserstein2, x, labels, ref, refLabels, s.D, len(names), 0, metric.FloorReps, rng)
	var r labelEval
	var sum, floor float64
	var k, kf int
	for i, p := range per {
		if p.N == 0 {
			continue
		}
		l := labelW2{Label: names[i], N: p.N, W2: p.Distance}
		if !math.IsNaN(p.Floor.Mean) {
			l.W2Floor, l.W2FloorStd = &per[i].Floor.Mean, &per[i].Floor.Std
			floor += p.Floor.Mean
			kf++
		}
		r.Labels = append(r.Labels, l)
		sum += p.Distance
		k++
	}
	r.W2Mean = sum / float64(k)
	if kf > 0 {
		m := floor / float64(kf)
		r.W2FloorMean = &m
	}
	if mix := targetMixture(d); mix != nil {
		acc := metric.LabelAccuracy(mix, x, labels)
		r.Accuracy = &acc
	}
	if f.asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	for _, l := range r.Labels {
		floor := "floor n/a (too few target points of the label)"
		if l.W2Floor != nil {
			floor = fmt.Sprintf("floor %.4f ± %.4f", *l.W2Floor, *l.W2FloorStd)
		}
		fmt.Fprintf(e.stdout, "label %-10s n %5d  W2 %.4f  %s\n", l.Label, l.N, l.W2, floor)
	}
	line := fmt.Sprintf("mean over %d labels: W2 %.4f", k, r.W2Mean)
	if r.W2FloorMean != nil {
		line += fmt.Sprintf(", floor %.4f", *r.W2FloorMean)
	}
	fmt.Fprintln(e.stdout, line)
	if r.Accuracy != nil {
		fmt.Fprintf(e.stdout, "accuracy (share of samples whose most responsible component is their label): %.4f\n", *r.Accuracy)
	}
	return nil
}

// targetMixture is the mixture a labelled target is, where it is one: a
// mixture spec, or a toy that is a mixture (8gaussians); nil otherwise.
func targetMixture(d *model.Data) *dist.Mixture {
	if d.Mixture != nil {
		return d.Mixture
	}
	if t, ok := d.Source.(data.Toy); ok {
		if m, ok := t.Mixture(); ok {
			return m
		}
	}
	return nil
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
	i, j := 0, 1
	if dims != "" {
		v, err := parseInts("dims", dims)
		if err != nil || len(v) != 2 || v[0] < 1 || v[1] < 1 || v[0] > s.D || v[1] > s.D || v[0] == v[1] {
			return usagef("--dims %q: want two different coordinates I,J from 1 to %d", dims, s.D)
		}
		i, j = v[0]-1, v[1]-1
	} else if s.D != 2 {
		return usagef("%s: %d-dimensional labelled samples: give --dims I,J", samplesPath, s.D)
	}
	rng := rand.New(rand.NewPCG(seed, 0x91076))
	pair := func(p []float64, d int) []float64 {
		out := make([]float64, 0, 2*len(p)/d)
		for k := 0; k < len(p); k += d {
			out = append(out, p[k+i], p[k+j])
		}
		return out
	}
	names := s.Names
	labels := s.Labels
	var sets []plot.LabelledSet
	if title == "" {
		title = filepath.Base(samplesPath)
	}
	if refSpec != "" {
		column := model.ComponentLabels
		if strings.EqualFold(filepath.Ext(refSpec), ".csv") {
			column = sampleLabelColumn
		}
		_, src, refNames, err := model.OpenLabelled(refSpec, column)
		if err != nil {
			return usagef("--reference: the samples carry labels: %v", err)
		}
		if src.Dim() != s.D {
			return fmt.Errorf("%s has %d coordinates; the reference %s is %d-dimensional", samplesPath, s.D, refSpec, src.Dim())
		}
		// One numbering of the labels for both: the reference's, then
		// the samples' own that it lacks.
		index := map[string]int{}
		for k, n := range refNames {
			index[n] = k
		}
		names = slices.Clone(refNames)
		labels = make([]int, s.N)
		for k, l := range s.Labels {
			n := s.Names[l]
			if _, ok := index[n]; !ok {
				index[n] = len(names)
				names = append(names, n)
			}
			labels[k] = index[n]
		}
		r, rl := src.SampleLabelled(nil, min(s.N, maxPlotPoints), rng)
		sets = append(sets, plot.LabelledSet{Title: "reference " + filepath.Base(refSpec), Points: pair(r, s.D), Labels: rl})
		title += " against " + refSpec
	}
	sets = append(sets, plot.LabelledSet{Title: "samples " + filepath.Base(samplesPath), Points: pair(s.Data, s.D), Labels: labels})
	fig, err := plot.Labelled(sets, names, nil, title)
	if err != nil {
		return err
	}
	return plot.Save(fig, out)
}
