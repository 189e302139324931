package main

import (
	"fmt"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

// pointDefaults sets up "sgm sample --model" for a model of point data
// (one trained with --data, which records its standardisation): it
// returns the standardisation, nil for a model of an image. Without
// sampler flags the default is annealed Langevin over all the model's
// own levels, largest first (Song & Ermon 2019, Algorithm 1, with --eps
// and --steps-per-level as given or, when neither is, sample's
// PointStepsPerLevel and PointEps: T = 5 and ε = 1e-4), with the final denoising step
// x += σ_L² s(x, σ_L) (Jolicoeur-Martineau et al. 2021; NCSNv2), starting
// from N(0, σ_max²) in standard units, the noisiest level's marginal to
// within the data's own spread. An image model keeps the blog post's plain
// Langevin at level 17.
//
// The network works in standard units: --init, when given, is in the
// data's units and is standardised (runSample), and the samples are
// mapped back to the data's units before they are written.
func (f *sampleFlags) pointDefaults(net *scorenet.Net) (*data.Standardizer, error) {
	std, ok, err := netStandardizer(net)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", f.model, err)
	}
	if !ok {
		if f.pointDefault() {
			for _, name := range []string{"sigmas", "steps-per-level", "eps", "denoise"} {
				if f.set[name] {
					return nil, usagef("--%s applies only to --sampler annealed (the default only for a model of point data, which %s is not)", name, f.model)
				}
			}
		}
		return nil, nil
	}
	if f.pointDefault() {
		f.sampler = samplerAnnealed
		if !f.set["denoise"] {
			f.denoise = true
		}
	}
	if f.sampler == samplerAnnealed && !f.set["level"] {
		f.level = "0"
	}
	if f.sampler == samplerAnnealed && !f.set["steps-per-level"] && !f.set["eps"] {
		f.stepsPerLevel, f.eps = sample.PointStepsPerLevel, sample.PointEps
	}
	if !f.set["init"] {
		sig := net.Config().Sigmas
		f.init = fmt.Sprintf("normal:%g", sig[len(sig)-1])
	}
	return &std, nil
}

// pointDefault reports whether the sampler is left to its default for a
// model: annealed Langevin if the model is one of point data. Flags of
// annealed sampling are then accepted until the model is read.
func (f *sampleFlags) pointDefault() bool {
	return f.model != "" && !f.set["sampler"] && !f.set["steps"] && !f.set["step-size"]
}
