package serve

import (
	"fmt"
	"math"
	"net/http"
)

// givenRequest is POST /api/given: the exact conditional density of x1
// given x0 = V, for the page to draw beside the histogram of particles
// sampled with that value given.
type givenRequest struct {
	Target Spec    `json:"target"`
	V      float64 `json:"v"`               // x0's value
	Sigma  float64 `json:"sigma"`           // the noise level the particles are at; 0: the data's own
	Label  string  `json:"label,omitempty"` // a component (by index), as the step endpoint takes it
	Grid   int     `json:"grid"`            // points along x1; 0 means 200
}

// givenResponse is the density Density[i] of x1 = X[i] given x0 = V
// (and the component Label, if set), the target a mixture: its
// conditional (dist.Mixture.Given, the components weighted by how likely
// each makes x0 = V) perturbed by N(0, Sigma²), the density that
// langevin and annealed sample with the exact score and that x0 given
// (sample.Given.Exact). Weights are the components' weights in it, in
// the mixture's order. V, Sigma and Label repeat the request, Key names
// the target, so that the page can drop an answer to an older request.
type givenResponse struct {
	Key     string    `json:"key"`
	V       float64   `json:"v"`
	Sigma   float64   `json:"sigma"`
	Label   string    `json:"label,omitempty"`
	X       []float64 `json:"x"`
	Density []float64 `json:"density"`
	Weights []float64 `json:"weights"`
}

func (s *Server) handleGiven(w http.ResponseWriter, r *http.Request) {
	var req givenRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	res, err := given(t, req, s.lim.MaxGrid*s.lim.MaxGrid)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, res)
}

// given computes the answer to req about t, on at most maxGrid points.
func given(t *target, req givenRequest, maxGrid int) (*givenResponse, error) {
	if req.Grid == 0 {
		req.Grid = 200
	}
	if req.Grid < 2 || req.Grid > maxGrid {
		return nil, fmt.Errorf("grid %d: must be in [2, %d]", req.Grid, maxGrid)
	}
	if !(math.Abs(req.V) <= maxBox) {
		return nil, fmt.Errorf("v %v: x0's value must be finite, within ±%g", req.V, maxBox)
	}
	if !(req.Sigma >= 0 && req.Sigma <= maxBox) {
		return nil, fmt.Errorf("sigma %v: must be in [0, %g]", req.Sigma, maxBox)
	}
	if t.mix == nil {
		return nil, fmt.Errorf("target %s: its conditional density is not known in closed form (mixtures and the 8gaussians toy have one)", t.name)
	}
	m := t.mix
	if req.Label != "" {
		var err error
		if m, err = t.component(req.Label); err != nil {
			return nil, err
		}
	}
	x0 := []float64{req.V, math.NaN()}
	c, err := m.Given(x0)
	if err != nil {
		return nil, fmt.Errorf("v %v: %v", req.V, err)
	}
	res := &givenResponse{Key: t.key, V: req.V, Sigma: req.Sigma, Label: req.Label}
	if res.Weights, err = m.GivenWeights(x0); err != nil {
		return nil, fmt.Errorf("v %v: %v", req.V, err)
	}
	if req.Sigma > 0 {
		if err := c.CheckPerturbed(req.Sigma); err != nil {
			return nil, fmt.Errorf("sigma %v: %v", req.Sigma, err)
		}
		c = c.Perturbed(req.Sigma)
	}
	lo, hi := t.box[2], t.box[3]
	res.X, res.Density = make([]float64, req.Grid), make([]float64, req.Grid)
	for i := range res.X {
		res.X[i] = lo + float64(i)/float64(req.Grid-1)*(hi-lo)
		res.Density[i] = math.Exp(c.LogProb(res.X[i : i+1]))
	}
	return res, nil
}
