package plot

import (
	"bytes"
	"math"
	"testing"
)

// TestSamplesFigures draws the point-set figures and checks their errors
// for bad data.
func TestSamplesFigures(t *testing.T) {
	three := []float64{0, 1, 2, 1, 0, 3, 2, 2, 1, 0.5, 1.5, 2.5}
	two := []float64{0, 0, 1, 1, 2, 0.5, math.NaN(), 1}
	sets3 := []PointSet{{Name: "a", Points: three}, {Name: "b", Points: three}}
	for name, mk := range map[string]func() (Figure, error){
		"scatter":   func() (Figure, error) { return SamplesFigure(sets3, 3, SamplesOptions{I: 2, J: 0}) },
		"histogram": func() (Figure, error) { return SamplesFigure(sets3, 3, SamplesOptions{I: 0, J: 1, Bins: 4}) },
		"overlay":   func() (Figure, error) { return SamplesFigure(sets3, 3, SamplesOptions{J: 1, Overlay: true}) },
		"corner":    func() (Figure, error) { return Corner(sets3, 3, nil, "corner") },
		"compare": func() (Figure, error) {
			return Compare([]Comparison{{Name: "t", Reference: two, Samples: two, Note: "W₂ 0"}}, "")
		},
	} {
		fig, err := mk()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b bytes.Buffer
		if err := Encode(&b, fig, "png"); err != nil || b.Len() == 0 {
			t.Errorf("%s: encoding: %v", name, err)
		}
	}
	for name, err := range map[string]error{
		"no sets": func() error { _, err := SamplesFigure(nil, 2, SamplesOptions{J: 1}); return err }(),
		"ragged": func() error {
			_, err := SamplesFigure([]PointSet{{Points: three[:5]}}, 2, SamplesOptions{J: 1})
			return err
		}(),
		"same coords": func() error { _, err := SamplesFigure(sets3, 3, SamplesOptions{I: 1, J: 1}); return err }(),
		"coord range": func() error { _, err := SamplesFigure(sets3, 3, SamplesOptions{I: 0, J: 3}); return err }(),
		"hist overlaid": func() error {
			_, err := SamplesFigure(sets3, 3, SamplesOptions{J: 1, Bins: 3, Overlay: true})
			return err
		}(),
		"all NaN": func() error {
			_, err := SamplesFigure([]PointSet{{Points: []float64{math.NaN(), 1}}}, 2, SamplesOptions{J: 1})
			return err
		}(),
		"corner 1-D": func() error { _, err := Corner([]PointSet{{Points: three}}, 1, nil, ""); return err }(),
		"corner 11-D": func() error {
			_, err := Corner([]PointSet{{Points: make([]float64, 22)}}, 11, nil, "")
			return err
		}(),
		"compare none": func() error { _, err := Compare(nil, ""); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestSamplesFigureBox checks that SamplesOptions.Box, when given, is the
// region every panel shows, whatever the points' own range.
func TestSamplesFigureBox(t *testing.T) {
	pts := []float64{0, 0, 1, 1, 50, -50}
	box := Box{Min: [2]float64{-1, -2}, Max: [2]float64{3, 4}}
	for _, bins := range []int{0, 5} {
		fig, err := SamplesFigure([]PointSet{{Name: "a", Points: pts}, {Name: "b", Points: pts}}, 2, SamplesOptions{J: 1, Bins: bins, Box: &box})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range fig.(*Panels).Plots[0] {
			if p.X.Min != -1 || p.X.Max != 3 || p.Y.Min != -2 || p.Y.Max != 4 {
				t.Errorf("bins %d: panel shows [%v, %v]×[%v, %v], want the box [-1, 3]×[-2, 4]", bins, p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
			}
		}
	}
}
