package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/sde"
)

// nllFlags are eval's flags for --nll.
type nllFlags struct {
	nll   bool
	data  string
	batch int
	sde   *sdeFlags
}

// nllOnlyFlags are read by eval --nll only.
var nllOnlyFlags = []string{"data", "sde", "rtol", "atol", "sigma-max", "probes", "batch"}

// nllEvalFlags are the eval flags that --nll uses.
var nllEvalFlags = append([]string{"nll", "target", "model", "n", "seed", "json"}, nllOnlyFlags...)

// registerNLLFlags registers --nll, --data and the SDE flags on eval's
// flag set.
func registerNLLFlags(fs *flag.FlagSet) *nllFlags {
	f := &nllFlags{}
	fs.BoolVar(&f.nll, "nll", false, "negative log-likelihood of --data under --target's density as the probability-flow ODE of --sde gives it, or under a --model trained with sgm train --sde or --objective cfm|otcfm (exact divergence), in nats per point")
	fs.StringVar(&f.data, "data", "", "with --nll: the points `SPEC`: PATH.csv, PATH.npy, toy:NAME (--n draws), or target (--n draws from --target, or from the mixture a --model was trained on)")
	f.sde = registerSDEFlags(fs, false, likelihood.DefaultRTol, likelihood.DefaultATol)
	fs.IntVar(&f.batch, "batch", likelihood.DefaultBatch, "with --nll: points per solve of the ODE, each solve with its own steps (0: all in one)")
	fs.IntVar(&f.sde.probes, "probes", 1, "with --nll and a --model score network of more than 16 dimensions: Rademacher probes of Hutchinson's divergence estimate (up to 16 it is exact)")
	return f
}

// nllResult is what eval --nll reports.
type nllResult struct {
	SDE        string   `json:"sde"`
	N          int      `json:"n"`
	NLL        float64  `json:"nll_nats"`                 // mean of -log p over the points, nats
	SE         float64  `json:"nll_se"`                   // its standard error
	BitsPerDim float64  `json:"bits_per_dim"`             // NLL / (d log 2)
	NFE        int      `json:"nfe"`                      // score+divergence evaluations, each for the batch
	Probes     int      `json:"probes,omitempty"`         // Hutchinson's probes, where the divergence is estimated
	Exact      *float64 `json:"nll_exact_nats,omitempty"` // the target's closed-form mean -log p, where known
}

// evalNLL is the hook of "sgm eval": it computes the NLL and returns true
// with --nll, returns true with a usage error when a flag of --nll is
// given without it, and returns false otherwise.
func evalNLL(e *env, fs *flag.FlagSet, f *nllFlags, target, model string, n int, seed uint64, asJSON bool) (bool, error) {
	set := givenFlags(fs)
	f.sde.set = set
	if !f.nll {
		for _, name := range nllOnlyFlags {
			if set[name] {
				return true, usagef("--%s applies only with --nll", name)
			}
		}
		return false, nil
	}
	if model != "" {
		return true, modelNLL(e, f, set, model, n, seed, asJSON) // timemodel.go
	}
	if set["probes"] {
		return true, usagef("--probes applies only with --model: a --target mixture's divergence is exact")
	}
	return true, runNLL(e, f, set, target, model, n, seed, asJSON)
}

func runNLL(e *env, f *nllFlags, set map[string]bool, target, model string, n int, seed uint64, asJSON bool) error {
	if err := checkOnly(set, nllEvalFlags, "--nll"); err != nil {
		return err
	}
	if f.data == "" {
		return usagef("--nll needs --data SPEC: the points to evaluate")
	}
	p, err := f.sde.process()
	if err != nil {
		return err
	}
	if err := f.sde.checkTol(); err != nil {
		return err
	}
	m, err := sdeTarget(target, model)
	if err != nil {
		return err
	}
	x, err := nllPoints(f.data, "--target "+target, m, m.Dim(), n, seed, maxNLLPoints)
	if err != nil {
		return err
	}
	score, err := sde.NewMixture(p, m)
	if err != nil {
		return fmt.Errorf("--target under --sde %s: %w", f.sde.sde, err)
	}
	o, err := f.solver(e, len(x)/m.Dim())
	if err != nil {
		return err
	}
	r, err := nll(x, p, score, o)
	if err != nil {
		return nllDataError(f.data, x, m.Dim(), err)
	}
	return printNLL(e, r, asJSON)
}

// solver returns the likelihood ODE of the flags, reporting its progress
// on e's stderr after a batch, every few seconds (progress).
func (f *nllFlags) solver(e *env, n int) (likelihood.ODE, error) {
	if err := checkRange("batch", f.batch, 0, maxNLLPoints); err != nil {
		return likelihood.ODE{}, err
	}
	o := likelihood.ODE{RTol: f.sde.rtol, ATol: f.sde.atol, Batch: f.batch}
	p := newProgress(e.stderr, "nll", "points", n)
	o.Progress = func(done, _, _ int) { p.update(done) }
	return o, nil
}

// printNLL prints r, as JSON with asJSON.
func printNLL(e *env, r nllResult, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	rows := []struct {
		k string
		v any
	}{{"sde", r.SDE}, {"n", r.N}, {"nll_nats", r.NLL}, {"nll_se", r.SE}, {"bits_per_dim", r.BitsPerDim}, {"nfe", r.NFE}}
	if r.Probes > 0 {
		rows = append(rows, struct {
			k string
			v any
		}{"probes", r.Probes})
	}
	if r.Exact != nil {
		rows = append(rows, struct {
			k string
			v any
		}{"nll_exact_nats", *r.Exact})
	}
	for _, kv := range rows {
		if v, ok := kv.v.(float64); ok {
			fmt.Fprintf(e.stdout, "%-24s %.6g\n", kv.k, v)
		} else {
			fmt.Fprintf(e.stdout, "%-24s %v\n", kv.k, kv.v)
		}
	}
	return nil
}

// nllPoints returns the points --data names (spec), of dimension d: target
// draws n from the mixture m, toy:NAME n from the toy, a file all its
// rows, at most maxPoints (what names the density, for messages) and what fits in memory, all finite.
func nllPoints(spec, what string, m *dist.Mixture, d, n int, seed uint64, maxPoints int) ([]float64, error) {
	if err := checkRange("n", n, 2, maxPoints); err != nil {
		return nil, err
	}
	if spec == "target" || strings.HasPrefix(spec, "toy:") {
		if err := checkFits("n", n, fmt.Sprintf("the ODE's state for %d-dimensional points", d), func(v int) float64 { return nllBytes(v, d) }); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x11))
	var x []float64
	if spec == "target" {
		x = m.Sample(nil, n, rng)
	} else {
		ps, err := data.ParsePointSpec(spec)
		if err != nil {
			return nil, usagef("--data: %v", err)
		}
		pts, err := ps.Points(n, rng)
		if err != nil {
			return nil, fmt.Errorf("--data: %w", err)
		}
		if pts.D != d {
			return nil, usagef("--data %s: points of dimension %d, %s has %d", spec, pts.D, what, d)
		}
		if pts.N > maxPoints || nllBytes(pts.N, d) > memoryBudget() {
			return nil, usagef("--data %s: %d points of dimension %d, more than one ODE solve here can hold (at most %d points, %s)", spec, pts.N, d, maxPoints, byteSize(memoryBudget()))
		}
		x = pts.Data
	}
	if bad := nonFiniteRows(x, d); bad > 0 {
		return nil, fmt.Errorf("--data %s: %d points are not finite", spec, bad)
	}
	return x, nil
}

// nllBytes is the memory of one ODE solve over n points of dimension d:
// the solver's 10 copies of the state of n(d+1) values, and 4 of the points.
func nllBytes(n, d int) float64 { return 8 * float64(n) * (10*float64(d+1) + 4*float64(d)) }

// maxNLLPoints bounds the points of one eval --nll: one ODE solve holds
// them all, about 20 values each per dimension.
const maxNLLPoints = 1_000_000

// nll computes the mean negative log-likelihood of the points x under the
// probability-flow ODE of p with the exact mixture score and divergence
// and the SDE's prior, as for any model, with the closed form beside it.
func nll(x []float64, p sde.SDE, score sde.Mixture, o likelihood.ODE) (nllResult, error) {
	d := score.Dim()
	n := len(x) / d
	logp := make([]float64, n)
	nfe, err := o.LogProb(logp, x, p, score)
	if err != nil {
		return nllResult{}, err
	}
	return nllStats(logp, d, nfe, p.String(), score.Data, x)
}

// nllStats summarises the log-densities logp of the points x (dimension
// d): their mean NLL, its standard error, bits per dimension, with the
// closed-form NLL of the mixture m beside them when m is not nil. It
// refuses a log-density beyond float64.
func nllStats(logp []float64, d, nfe int, name string, m *dist.Mixture, x []float64) (nllResult, error) {
	var exact float64
	if m != nil {
		for i := range logp {
			e := m.LogProb(x[i*d : (i+1)*d])
			if math.IsInf(e, 0) {
				return nllResult{}, fmt.Errorf("point %d: closed-form log-density %v: too far out for float64", i+1, e)
			}
			exact += (-e - exact) / float64(i+1)
		}
	}
	st, err := model.NLLOf(logp, d)
	if err != nil {
		return nllResult{}, err
	}
	r := nllResult{SDE: name, N: st.N, NLL: st.Mean, SE: st.SE, BitsPerDim: st.BitsPerDim, NFE: nfe}
	if m != nil {
		r.Exact = &exact
	}
	return r, nil
}

// nllDataError returns err of the NLL of the points x (dimension d) of
// --data spec, naming the point (from 1, with its coordinates) at which
// the probability-flow ODE was not finite when the solver says which: one
// point at 1e50 failed the whole run without a word of which.
func nllDataError(spec string, x []float64, d int, err error) error {
	var nf *ode.NotFiniteError
	if !errors.As(err, &nf) || nf.Point < 0 || (nf.Point+1)*d > len(x) {
		return fmt.Errorf("--data %s: %w", spec, err)
	}
	p := x[nf.Point*d : (nf.Point+1)*d]
	coords := make([]string, min(d, 4))
	for j := range coords {
		coords[j] = strconv.FormatFloat(p[j], 'g', 6, 64)
	}
	if d > 4 {
		coords = append(coords, "...")
	}
	return fmt.Errorf("--data %s: point %d (%s): the probability-flow ODE is not finite there (at t=%g); leave the point out, or check it", spec, nf.Point+1, strings.Join(coords, ", "), nf.T)
}
