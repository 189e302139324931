package likelihood

import (
	"math"
	"testing"
)

// gaussianCFM is the marginal velocity field of conditional flow matching
// from N(0, I) to N(mu, sigma² I) with independent pairs: x_t is
// N(t mu, c(t)² I) with c(t)² = (1-t)² + t² sigma², and
//
//	v(x, t) = mu + (x - t mu) c'(t)/c(t),  c'/c = (t sigma² - (1-t))/c²
//
// with divergence d c'/c.
type gaussianCFM struct {
	mu    []float64
	sigma float64
}

func (g gaussianCFM) Dim() int { return len(g.mu) }

func (g gaussianCFM) VelocityDivAt(dst, div, x []float64, t float64) {
	d := len(g.mu)
	c2 := (1-t)*(1-t) + t*t*g.sigma*g.sigma
	r := (t*g.sigma*g.sigma - (1 - t)) / c2
	for i := range div {
		for k := range d {
			j := i*d + k
			dst[j] = g.mu[k] + (x[j]-t*g.mu[k])*r
		}
		div[i] = float64(d) * r
	}
}

// TestFlowMatchingGaussian checks FlowMatching against the closed form:
// the field above carries N(0, I) to N(mu, sigma² I) exactly, so log p₁ is
// that Gaussian's log-density, up to the solver's tolerance (1e-8 here).
func TestFlowMatchingGaussian(t *testing.T) {
	g := gaussianCFM{mu: []float64{1, -2}, sigma: 0.5}
	x := []float64{1, -2, 0.3, -1.1, 2, -2.5}
	dst := make([]float64, 3)
	if _, err := (ODE{RTol: 1e-8, ATol: 1e-8}).FlowMatching(dst, x, g); err != nil {
		t.Fatal(err)
	}
	for i := range dst {
		var ss float64
		for k := range 2 {
			z := (x[2*i+k] - g.mu[k]) / g.sigma
			ss += z * z
		}
		want := -0.5*ss - 2*math.Log(g.sigma) - math.Log(2*math.Pi)
		if math.Abs(dst[i]-want) > 1e-6 {
			t.Errorf("point %d: log p %v, want %v", i, dst[i], want)
		}
	}
}
