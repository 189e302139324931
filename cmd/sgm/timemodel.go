package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sde"
)

// Time-conditioned models (issue 13): "sgm train --sde ve|vp|subvp" and
// "--objective cfm|otcfm" train a network conditioned on time on a
// --target mixture's samples; "sgm sample --model DIR" and "sgm eval --nll
// --model DIR" sample such a model and take its likelihood. The hooks are
// one line each in train.go, sdesample.go and nll.go.

// maxProbes bounds --probes: each is a reverse pass per evaluation.
const maxProbes = 1000

// maxModelNLLPoints bounds the points of eval --nll --model: the network
// evaluates them all in one batch, width values each per layer.
const maxModelNLLPoints = 100_000

// modelNLL is the hook of "sgm eval --nll --model DIR": the NLL of --data
// under a time-conditioned network, by the probability-flow ODE of its
// SDE or its flow, with the exact divergence (Dim reverse passes; for a
// score network of more than likelihood.MaxExactDim dimensions,
// Hutchinson's estimate with --probes probes, one reverse pass each). With
// --data target, the points are drawn from the mixture the model was
// trained on, and the mixture's exact NLL is printed beside the model's.
// A model of point data (sgm train --data) sees the points standardised as
// it records, and its NLL is put back in the data's units (withLogDet).
func modelNLL(e *env, f *nllFlags, set map[string]bool, dir string, n int, seed uint64, asJSON bool) error {
	for _, name := range []string{"sde", "sigma-max", "target"} {
		if set[name] {
			return usagef("--%s does not apply with --model: a network conditioned on time knows its process", name)
		}
	}
	if err := f.sde.checkTol(); err != nil {
		return err
	}
	if err := checkRange("probes", f.sde.probes, 1, maxProbes); err != nil {
		return err
	}
	md, err := openModel(dir)
	if err != nil {
		return err
	}
	if _, _, err := md.Likelihood(model.LikelihoodOptions{}); err != nil {
		return usagef("--model %s: eval --nll needs a network conditioned on time (sgm train --sde or --objective cfm|otcfm); this one is %s", dir, md.Net().Config())
	}
	var m *dist.Mixture
	if spec := md.Record().Data; model.IsMixtureSpec(spec) {
		m, _ = loadTarget(spec) // only for --data target and the exact NLL
	}
	if f.data == "target" && m == nil {
		return usagef("--data target: the model in %s records no mixture it was trained on", dir)
	}
	x, err := nllPoints(f.data, "--model "+dir, m, md.Dim(), n, seed, maxModelNLLPoints)
	if err != nil {
		return err
	}
	o, err := f.solver(e, len(x)/md.Dim())
	if err != nil {
		return err
	}
	r, err := modelNLLResult(md, m, x, o, f.sde.probes, seed)
	if err != nil {
		return nllDataError(f.data, x, md.Dim(), err)
	}
	return printNLL(e, r, asJSON)
}

// modelNLLResult returns the NLL of the points x (in the data's units)
// under md (model.Model.LogProb: the probability-flow ODE at rtol and atol,
// Hutchinson's estimate with probes probes where the dimension is beyond
// exact divergences), with the mixture m's exact NLL beside it where m is
// not nil.
func modelNLLResult(md *model.Model, m *dist.Mixture, x []float64, o likelihood.ODE, probes int, seed uint64) (nllResult, error) {
	d := md.Dim()
	logp := make([]float64, len(x)/d)
	lo := model.LikelihoodOptions{RTol: o.RTol, ATol: o.ATol, Batch: o.Batch, Progress: o.Progress, Probes: probes, Rng: rand.New(rand.NewPCG(seed, 0x407))}
	nfe, err := md.LogProb(logp, x, lo)
	if err != nil {
		return nllResult{}, err
	}
	name, used, _ := md.Likelihood(lo)
	r, err := nllStats(logp, d, nfe, name, m, x)
	r.Probes = used
	return r, err
}

// nfeSourceOf is what "sgm plot nfe" samples and measures against: the
// exact score of a mixture under an SDE, or a model (model.Sample).
type nfeSourceOf struct {
	p     sde.SDE
	d     int
	score sde.TimeScorer // the exact score; nil for a model
	model *model.Model   // a model of a score under an SDE; nil for the exact score
	ref   metric.Sampler // draws of the reference, in the data's units
}

// nfeSource returns what "sgm plot nfe" samples and measures: with --model
// a time-conditioned score network, its SDE and the reference to compare
// with (--target, or what it was trained on: a mixture, or the points of
// --data); else the exact score of --target under --sde.
func nfeSource(sf *sdeFlags, target, dir string) (nfeSourceOf, error) {
	if dir == "" {
		p, err := sf.process()
		if err != nil {
			return nfeSourceOf{}, err
		}
		m, err := loadTarget(target)
		if err != nil {
			return nfeSourceOf{}, err
		}
		score, err := sde.NewMixture(p, m)
		if err != nil {
			return nfeSourceOf{}, fmt.Errorf("--target under --sde %s: %w", sf.sde, err)
		}
		return nfeSourceOf{p: p, d: m.Dim(), score: score, ref: m}, nil
	}
	if sf.set["sde"] || sf.set["sigma-max"] {
		return nfeSourceOf{}, usagef("--sde and --sigma-max do not apply with --model: the network knows its SDE")
	}
	md, err := openModel(dir)
	if err != nil {
		return nfeSourceOf{}, err
	}
	p, ok := md.SDE()
	if !ok {
		return nfeSourceOf{}, usagef("--model %s: plot nfe needs a score network trained with sgm train --sde; this one is %s", dir, md.Net().Config())
	}
	var ref metric.Sampler
	refDim := 0
	_, std := md.Standardizer()
	switch spec, hasData := md.Net().Label(dataLabel); {
	case target == "" && std && hasData:
		d, err := model.OpenData(spec)
		if err != nil {
			return nfeSourceOf{}, fmt.Errorf("--model %s: the data it was trained on: %w", dir, err)
		}
		ref, refDim, target = d.Reference(), d.Source.Dim(), spec
	default:
		if target == "" {
			target, _ = md.Net().Label(targetLabel)
		}
		if target == "" {
			return nfeSourceOf{}, usagef("--model %s records no mixture it was trained on: give --target SPEC to compare with", dir)
		}
		m, err := loadTarget(target)
		if err != nil {
			return nfeSourceOf{}, err
		}
		ref, refDim = m, m.Dim()
	}
	if refDim != md.Dim() {
		return nfeSourceOf{}, usagef("%s has dimension %d, --model %s %d", target, refDim, dir, md.Dim())
	}
	sf.sde = md.Kind().String()
	return nfeSourceOf{p: p, d: md.Dim(), model: md, ref: ref}, nil
}
