package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// NoiseLevels returns the noise levels σ of a Levels model, ascending as
// the network indexes them (in its standard units), or an error naming the
// kind for a model of another.
func (m *Model) NoiseLevels() ([]float64, error) {
	k, ok := m.kind.(Levels)
	if !ok {
		return nil, fmt.Errorf("model: a %s model has no noise levels (it is conditioned on time)", m.kind)
	}
	return k.Sigmas, nil
}

// ScoreErrors measures a Levels model of an image against the exact score
// of the image im smoothed at each of its noise levels, on n exact draws a
// level (metric.ScoreErrors: the weighted Fisher divergence and its
// relative size). It returns an error for a model of another kind, a model
// of points (whose data has no exact score), and a level outside the range
// where the smoothed image is defined (dist.CheckNoise).
func (m *Model) ScoreErrors(im *dist.Image, n int, rng *rand.Rand) ([]metric.LevelError, error) {
	sigmas, err := m.NoiseLevels()
	if err != nil {
		return nil, err
	}
	if m.std != nil {
		return nil, errors.New("model: a model of point data has no exact score to measure its score error against")
	}
	for l, s := range sigmas {
		if err := dist.CheckNoise(s); err != nil {
			return nil, fmt.Errorf("model: level %d: %v; retrain with noise levels in that range", l, err)
		}
	}
	return metric.ScoreErrors(m.net.AtLevel, sigmas, im.Smoothed, n, rng), nil
}

// NLLReport is the negative log-likelihood of a set of points as sgm eval
// --nll reports it.
type NLLReport struct {
	Process    string   `json:"sde"`                      // the SDE ("ve", "vp", ...), or "flow"
	N          int      `json:"n"`                        // points
	NLL        float64  `json:"nll_nats"`                 // mean of -log p over the points, nats
	SE         float64  `json:"nll_se"`                   // its standard error
	BitsPerDim float64  `json:"bits_per_dim"`             // NLL / (d log 2)
	NFE        int      `json:"nfe"`                      // score+divergence evaluations, each for the batch
	Probes     int      `json:"probes,omitempty"`         // Hutchinson's probes, where the divergence is estimated
	Exact      *float64 `json:"nll_exact_nats,omitempty"` // the target's closed-form mean -log p, where known
}

// NLLReportOf summarises the log-densities logp of the points x
// (dimension d), found with nfe evaluations under process: their mean
// NLL, its standard error and bits per dimension (NLLOf), with the
// closed-form NLL of the mixture m beside them when m is not nil. It
// refuses a log-density beyond float64, naming the point.
func NLLReportOf(logp []float64, d, nfe int, process string, m *dist.Mixture, x []float64) (NLLReport, error) {
	var exact float64
	if m != nil {
		for i := range logp {
			e := m.LogProb(x[i*d : (i+1)*d])
			if math.IsInf(e, 0) {
				return NLLReport{}, fmt.Errorf("point %d: closed-form log-density %v: too far out for float64", i+1, e)
			}
			exact += (-e - exact) / float64(i+1)
		}
	}
	st, err := NLLOf(logp, d)
	if err != nil {
		return NLLReport{}, err
	}
	r := NLLReport{Process: process, N: st.N, NLL: st.Mean, SE: st.SE, BitsPerDim: st.BitsPerDim, NFE: nfe}
	if m != nil {
		r.Exact = &exact
	}
	return r, nil
}

// MixtureNLL returns the NLL report of the points x under the
// probability-flow ODE of p with the exact score and divergence of the
// mixture m and the SDE's prior, integrated by o as for any model, with
// m's closed-form NLL beside it: how close the ODE's likelihood comes to
// the truth. An error of the ODE names the point (PointError).
func MixtureNLL(x []float64, p sde.SDE, m *dist.Mixture, o likelihood.ODE) (NLLReport, error) {
	score, err := sde.NewMixture(p, m)
	if err != nil {
		return NLLReport{}, err
	}
	d := m.Dim()
	logp := make([]float64, len(x)/d)
	nfe, err := o.LogProb(logp, x, p, score)
	if err != nil {
		return NLLReport{}, PointError(err, x, d)
	}
	return NLLReportOf(logp, d, nfe, p.String(), m, x)
}

// EvaluateNLL returns the NLL report of the points x (in the data's units)
// under the model (LogProb), with the mixture mix's closed-form NLL beside
// it where mix is not nil (the mixture the model was trained on). An
// error of the ODE names the point (PointError).
func (m *Model) EvaluateNLL(x []float64, mix *dist.Mixture, o LikelihoodOptions) (NLLReport, error) {
	d := m.Dim()
	logp := make([]float64, len(x)/d)
	nfe, err := m.LogProb(logp, x, o)
	if err != nil {
		return NLLReport{}, PointError(err, x, d)
	}
	process := m.kind.String()
	k, diffusion := m.kind.(Diffusion)
	if diffusion {
		process = k.SDE.String() // with its parameters
	}
	r, err := NLLReportOf(logp, d, nfe, process, mix, x)
	if err != nil {
		return NLLReport{}, err
	}
	if diffusion && d > likelihood.MaxExactDim {
		r.Probes = max(1, o.Probes)
	}
	return r, nil
}

// PointError returns err of a likelihood of the points x (dimension d),
// naming the point (from 1, with its coordinates) at which the
// probability-flow ODE was not finite where the solver says which
// (ode.NotFiniteError), and err itself otherwise: one point at 1e50 failed
// a whole run without a word of which.
func PointError(err error, x []float64, d int) error {
	var nf *ode.NotFiniteError
	if !errors.As(err, &nf) || nf.Point < 0 || (nf.Point+1)*d > len(x) {
		return err
	}
	p := x[nf.Point*d : (nf.Point+1)*d]
	coords := make([]string, min(d, 4))
	for j := range coords {
		coords[j] = strconv.FormatFloat(p[j], 'g', 6, 64)
	}
	if d > 4 {
		coords = append(coords, "...")
	}
	return fmt.Errorf("point %d (%s): the probability-flow ODE is not finite there (at t=%g); leave the point out, or check it", nf.Point+1, strings.Join(coords, ", "), nf.T)
}

// EvaluateLabels measures labelled samples s against the labelled data of
// spec, opened with the labels of column (OpenLabelled: a CSV file's
// column, or ComponentLabels for a toy or mixture), by
// metric.EvaluateLabels: at most maxPoints samples, W₂ per label with its
// noise floor over metric.FloorReps pairs, and, where the target is a
// mixture (a mixture spec, or a toy that is one), the share of samples in
// their label's component. The labels are matched by name. It returns an
// error for data that does not open, of another dimension, or without one
// of the samples' labels.
func EvaluateLabels(s data.Labelled, spec, column string, maxPoints int, rng *rand.Rand) (metric.LabelReport, error) {
	d, src, names, err := OpenLabelled(spec, column)
	if err != nil {
		return metric.LabelReport{}, err
	}
	if src.Dim() != s.D {
		return metric.LabelReport{}, fmt.Errorf("samples of %d coordinates; %s is %d-dimensional", s.D, spec, src.Dim())
	}
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	labels := make([]int, s.N)
	for i, l := range s.Labels {
		k, ok := index[s.Names[l]]
		if !ok {
			list := fmt.Sprint(names)
			if len(names) > 10 {
				list = fmt.Sprintf("%v ... (%d in all)", names[:10], len(names))
			}
			return metric.LabelReport{}, fmt.Errorf("label %q is not one of the target's (%s)", s.Names[l], list)
		}
		labels[i] = k
	}
	var ref []float64
	var refLabels []int
	if l, ok := src.(data.Labelled); ok { // a file's own points
		ref, refLabels = l.Data, l.Labels
	}
	mix := d.Mixture
	if t, ok := d.Source.(data.Toy); ok && mix == nil {
		mix, _ = t.Mixture()
	}
	// Without a file's points, 3n independent draws a label (IIDLabelled).
	return metric.EvaluateLabels(s.Data, labels, s.D, ref, refLabels, IIDLabelled(src), names, mix, maxPoints, metric.FloorReps, rng), nil
}

// WriteText writes r as sgm eval --nll prints it: one "name value" line
// per field, under its JSON name.
func (r NLLReport) WriteText(w io.Writer) error {
	rows := [][2]any{{"sde", r.Process}, {"n", r.N}, {"nll_nats", r.NLL}, {"nll_se", r.SE}, {"bits_per_dim", r.BitsPerDim}, {"nfe", r.NFE}}
	if r.Probes > 0 {
		rows = append(rows, [2]any{"probes", r.Probes})
	}
	if r.Exact != nil {
		rows = append(rows, [2]any{"nll_exact_nats", *r.Exact})
	}
	for _, kv := range rows {
		format := "%-24s %v\n"
		if _, ok := kv[1].(float64); ok {
			format = "%-24s %.6g\n"
		}
		if _, err := fmt.Fprintf(w, format, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Draw returns points of the data to draw or compare with: a file's own
// points, at most max of them (a random subset; all when max is 0), or n
// independent draws of a toy (without its generator's even spacing:
// data.Toy.IID), a mixture or an image.
func (d *Data) Draw(n, max int, rng *rand.Rand) []float64 {
	if p := d.Points; p != nil {
		if max > 0 && p.N > max {
			return metric.Subsample(p.Data, p.D, max, rng)
		}
		return p.Data
	}
	return d.Reference().Sample(nil, n, rng)
}

// Reference is the source that samples of the data are measured against
// (W₂ and its noise floor, sample quality against NFE): a toy's
// independent draws, without its generator's even spacing (data.Toy.IID;
// two stratified draws lie closer to each other than any independent
// sampler can come), else the data's Source: a file's points drawn with
// replacement, a mixture, an image.
func (d *Data) Reference() sgm.Source {
	if t, ok := d.Source.(data.Toy); ok {
		return t.IID()
	}
	return d.Source
}

// UnionLabels numbers the labels of two labelled sets alike: names are
// ref's, followed by those of s that ref lacks, and labels are s's labels
// in that numbering (ref's own keep theirs), so that a figure colours a
// label the same in both.
func UnionLabels(ref []string, s data.Labelled) (names []string, labels []int) {
	index := map[string]int{}
	for k, n := range ref {
		index[n] = k
	}
	names = slices.Clone(ref)
	labels = make([]int, s.N)
	for k, l := range s.Labels {
		n := s.Names[l]
		if _, ok := index[n]; !ok {
			index[n] = len(names)
			names = append(names, n)
		}
		labels[k] = index[n]
	}
	return names, labels
}
