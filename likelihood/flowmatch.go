package likelihood

import "math"

// FlowMatching sets dst[i] to log p₁ at point i of the batch x for a
// flow-matching velocity field v, which carries the source N(0, I) at t = 0
// to the data at t = 1: Flow from t = 1 back to 0 with the standard normal
// as the prior. It returns the number of evaluations of v and an error as
// Flow does.
func (o ODE) FlowMatching(dst, x []float64, v VelocityDivergence) (nfe int, err error) {
	return o.Flow(dst, x, v, 1, 0, StdNormalLogProb)
}

// StdNormalLogProb returns the log-density of N(0, I) at x, a point of any
// dimension.
func StdNormalLogProb(x []float64) float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	return -0.5*ss - 0.5*float64(len(x))*math.Log(2*math.Pi)
}
