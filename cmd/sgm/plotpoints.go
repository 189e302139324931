package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
)

// dataUnitsScorer is the score of a model of standardised points in the
// data's units: with z = (x - mean)/std per coordinate, p_X(x) = p_Z(z) /
// Π std, so
//
//	∇_x log p_X(x) = ∇_z log p_Z(z) / std   (coordinate by coordinate)
type dataUnitsScorer struct {
	inner sgm.Scorer
	std   data.Standardizer
}

func (s dataUnitsScorer) Dim() int { return s.inner.Dim() }

func (s dataUnitsScorer) ScoreBatch(dst, x []float64) {
	sgm.CheckBatch("dataUnitsScorer", s.Dim(), dst, x)
	z := append([]float64(nil), x...)
	s.std.Apply(z)
	s.inner.ScoreBatch(dst, z)
	d := s.Dim()
	for i := range dst {
		dst[i] /= s.std.Std[i%d]
	}
}

// fieldDataPoints is how many points of the data "plot field" draws under
// a point model's fields (all of a smaller file).
const fieldDataPoints = 5000

// savePointFields is "plot field" for a model of 2-D point data: the
// learned score at the levels in the data's units, over the box of the
// data it was trained on (the checkpoint's data label), with a histogram
// of the data drawn faintly underneath.
func savePointFields(path string, net *scorenet.Net, std data.Standardizer, levels []int, arrows int) error {
	if err := check2D("the model", net.Config().Dim); err != nil {
		return err
	}
	spec, ok := net.Label(dataLabel)
	if !ok {
		return fmt.Errorf("the model does not record its training data")
	}
	src, err := readReference("model's data", spec)
	if err != nil {
		return err
	}
	pts := src.points
	if pts == nil {
		pts = src.draw(fieldDataPoints, rand.New(rand.NewPCG(0xf1e1d, 2)))
	}
	box := dataBox(pts)
	at := func(l int) sgm.Scorer { return dataUnitsScorer{net.AtLevel(l), std} }
	fields, titles, err := levelFields(net, levels, at, box, arrows, " (standard units)")
	if err != nil {
		return err
	}
	under, err := plot.HistogramGrid(pts, box, 60, 60)
	if err != nil {
		return err
	}
	fig, err := plot.FieldPanels(fields, plot.FieldOptions{Titles: titles, Cols: min(3, len(levels)), Space: plot.Cartesian, Under: &under})
	if err != nil {
		return err
	}
	return plot.Save(fig, path)
}

// dataBox is the box of the 2-D points widened by a tenth each side.
func dataBox(pts []float64) plot.Box {
	b := plot.Box{Min: [2]float64{pts[0], pts[1]}, Max: [2]float64{pts[0], pts[1]}}
	for k := 0; k < len(pts); k += 2 {
		for j := range 2 {
			b.Min[j], b.Max[j] = min(b.Min[j], pts[k+j]), max(b.Max[j], pts[k+j])
		}
	}
	for j := range 2 {
		w := max(b.Max[j]-b.Min[j], 1e-9)
		b.Min[j], b.Max[j] = b.Min[j]-0.1*w, b.Max[j]+0.1*w
	}
	return b
}

// levelFields returns the score fields at(l) of net's levels over box,
// arrows per axis, titled "level l: σ=..." and suffix, for "plot field".
func levelFields(net *scorenet.Net, levels []int, at func(int) sgm.Scorer, box plot.Box, arrows int, suffix string) ([]plot.Field, []string, error) {
	sigmas := net.Config().Sigmas
	fields := make([]plot.Field, len(levels))
	titles := make([]string, len(levels))
	for i, l := range levels {
		if l < 0 || l >= len(sigmas) {
			return nil, nil, usagef("level %d out of range: the model has levels 0..%d", l, len(sigmas)-1)
		}
		fields[i] = scoreField(at(l), box, arrows)
		titles[i] = fmt.Sprintf("level %d: σ=%.3g%s", l, sigmas[l], suffix)
	}
	return fields, titles, nil
}
