package metric

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
)

// LabelReport is the report of labelled samples against a labelled
// target (EvaluateLabels): per label, W₂ between the label's samples and
// the target's points of that label with its noise floor; the means over
// the labels; and, for a target that is a mixture, the share of samples
// whose most responsible component is their label.
type LabelReport struct {
	Labels      []LabelW2 `json:"labels"`
	W2Mean      float64   `json:"w2_mean"`
	W2FloorMean *float64  `json:"w2_floor_mean,omitempty"` // over the labels with a floor
	Accuracy    *float64  `json:"accuracy,omitempty"`      // LabelAccuracy, for a mixture
}

// LabelW2 is the W₂ of the samples of one label against the target's
// points of that label.
type LabelW2 struct {
	Label string  `json:"label"`
	N     int     `json:"n"` // points of each side
	W2    float64 `json:"w2"`
	// The floor is left out where the target has fewer than 2N points of
	// the label (a data set).
	W2Floor   *float64 `json:"w2_floor,omitempty"`
	W2FloorSD *float64 `json:"w2_floor_sd,omitempty"`
}

// LabelledSampler draws n labelled points, as dist.Mixture and data.Toy
// do: the points in dst (a new slice when nil) and each one's label.
type LabelledSampler interface {
	SampleLabelled(dst []float64, n int, rng *rand.Rand) (x []float64, labels []int)
}

// EvaluateLabels measures the samples x (dimension d) with labels xl
// against a labelled target: ref, a data set of points with labels rl, or
// when ref is nil 3n points a label (for labels of equal weight) drawn
// from src, so that each label's floor has two disjoint sets of n. The
// labels index names. At most maxPoints samples are measured (a random
// subset; 0 for all), and each label's W₂ and floor are PerLabel's over
// reps pairs. Where mix is not nil (a target that is a mixture, whose
// components are the labels) the report has LabelAccuracy. It panics if
// the points are not whole, the labels out of range, or no label has both
// samples and target points.
func EvaluateLabels(x []float64, xl []int, d int, ref []float64, rl []int, src LabelledSampler, names []string, mix *dist.Mixture, maxPoints, reps int, rng *rand.Rand) LabelReport {
	total := checkPoints("EvaluateLabels", "x", x, d)
	if len(xl) != total {
		panic(fmt.Sprintf("metric: EvaluateLabels: %d labels for %d samples", len(xl), total))
	}
	n := total
	if maxPoints > 0 {
		n = min(n, maxPoints)
	}
	if n < total {
		idx := rng.Perm(total)[:n]
		sub, subl := make([]float64, 0, n*d), make([]int, n)
		for i, k := range idx {
			sub = append(sub, x[k*d:(k+1)*d]...)
			subl[i] = xl[k]
		}
		x, xl = sub, subl
	}
	if ref == nil {
		ref, rl = src.SampleLabelled(nil, 3*n*len(names), rng)
	}
	var r LabelReport
	var sum, floor float64
	var k, kf int
	for i, p := range PerLabel(Wasserstein2, x, xl, ref, rl, d, len(names), 0, reps, rng) {
		if p.N == 0 {
			continue
		}
		l := LabelW2{Label: names[i], N: p.N, W2: p.Distance}
		if !math.IsNaN(p.Floor.Mean) {
			l.W2Floor, l.W2FloorSD = new(p.Floor.Mean), new(p.Floor.Std)
			floor += p.Floor.Mean
			kf++
		}
		r.Labels = append(r.Labels, l)
		sum += p.Distance
		k++
	}
	if k == 0 {
		panic("metric: EvaluateLabels: no label has both samples and target points")
	}
	r.W2Mean = sum / float64(k)
	if kf > 0 {
		r.W2FloorMean = new(floor / float64(kf))
	}
	if mix != nil {
		r.Accuracy = new(LabelAccuracy(mix, x, xl))
	}
	return r
}

// WriteText writes r as sgm eval prints it: a line per label, the means,
// and the accuracy where there is one.
func (r LabelReport) WriteText(w io.Writer) error {
	for _, l := range r.Labels {
		floor := "floor n/a (too few target points of the label)"
		if l.W2Floor != nil {
			floor = fmt.Sprintf("floor %.4f ± %.4f", *l.W2Floor, *l.W2FloorSD)
		}
		fmt.Fprintf(w, "label %-10s n %5d  W2 %.4f  %s\n", l.Label, l.N, l.W2, floor)
	}
	line := fmt.Sprintf("mean over %d labels: W2 %.4f", len(r.Labels), r.W2Mean)
	if r.W2FloorMean != nil {
		line += fmt.Sprintf(", floor %.4f", *r.W2FloorMean)
	}
	if _, err := fmt.Fprintln(w, line); err != nil {
		return err
	}
	if r.Accuracy != nil {
		_, err := fmt.Fprintf(w, "accuracy (share of samples whose most responsible component is their label): %.4f\n", *r.Accuracy)
		return err
	}
	return nil
}
