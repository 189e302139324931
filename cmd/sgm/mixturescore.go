package main

import (
	"fmt"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// A model trained on a mixture (sgm train --data PRESET or FILE.json)
// learns, at noise level σ, the score of the mixture seen in standard
// units, z = (x - mean)/std per coordinate, perturbed by N(0, σ²I) in
// those units. In the data's own units that is the mixture perturbed by
// N(0, σ² diag(std²)): a noise that is not isotropic when the coordinates'
// scales differ, so the exact score to compare a level with is not
// m.Perturbed(σ) in data units for any one σ. It is, exactly, the
// mixture mapped to standard units (standardMixture), itself a diagonal
// Gaussian mixture, perturbed by σ.

// standardMixture returns the mixture m in the standard units of s: the
// density of z = (x - Mean)/Std for x drawn from m, which is the diagonal
// Gaussian mixture
//
//	p_Z(z) = Σ_k w_k N(z; (μ_k - Mean)/Std, diag(σ_k²/Std²))
//
// with p_Z(z) = p_X(x) Π_j Std[j]. It returns an error if s is not of m's
// dimension or a mapped component is out of dist.NewMixture's range.
func standardMixture(m *dist.Mixture, s data.Standardizer) (*dist.Mixture, error) {
	d := m.Dim()
	if len(s.Mean) != d || len(s.Std) != d {
		return nil, fmt.Errorf("a standardisation of %d coordinates for a %d-dimensional mixture", len(s.Mean), d)
	}
	comps := m.Components()
	for _, c := range comps {
		for j := range d {
			c.Mean[j] = (c.Mean[j] - s.Mean[j]) / s.Std[j]
			c.Std[j] /= s.Std[j]
		}
	}
	return dist.NewMixture(comps)
}
