package data

import (
	"math"

	"github.com/sgm-dev/sgm/dist"
)

// Mixture returns the toy as a Gaussian mixture where it is one, with its
// components in the order of its labels (Labels), and false for the
// others: 8gaussians is the mixture of N(4c/1.414, (0.5/1.414)² I) over
// its 8 centres c with equal weights, exactly (see Toy), so its
// conditionals and the component of a point are known in closed form.
func (t Toy) Mixture() (*dist.Mixture, bool) {
	if t != Toy8Gaussians {
		return nil, false
	}
	const s = 1 / math.Sqrt2
	centres := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}}
	comps := make([]dist.Component, len(centres))
	for k, c := range centres {
		comps[k] = dist.Component{Weight: 1, Mean: []float64{4 * c[0] / 1.414, 4 * c[1] / 1.414}, Std: []float64{0.5 / 1.414, 0.5 / 1.414}}
	}
	m, err := dist.NewMixture(comps)
	if err != nil {
		panic("data: 8gaussians as a mixture: " + err.Error())
	}
	return m, true
}
