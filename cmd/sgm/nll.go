package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/model"
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
type nllResult = model.NLLReport

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

func runNLL(e *env, f *nllFlags, set map[string]bool, target, dir string, n int, seed uint64, asJSON bool) error {
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
	m, err := sdeTarget(target, dir)
	if err != nil {
		return err
	}
	x, err := nllPoints(f.data, "--target "+target, m, m.Dim(), n, seed, maxNLLPoints)
	if err != nil {
		return err
	}
	o, err := f.solver(e, len(x)/m.Dim())
	if err != nil {
		return err
	}
	r, err := model.MixtureNLL(x, p, m, o)
	if err != nil {
		return fmt.Errorf("--data %s: %w", f.data, err) // a mixture under p says so
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
	return r.WriteText(e.stdout)
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

// nllStats summarises log-densities as eval --nll reports them.
var nllStats = model.NLLReportOf

// nllDataError returns err of the NLL of the points x (dimension d) of
// --data spec, naming the point at which the probability-flow ODE was not
// finite (model.PointError).
func nllDataError(spec string, x []float64, d int, err error) error {
	return fmt.Errorf("--data %s: %w", spec, model.PointError(err, x, d))
}
