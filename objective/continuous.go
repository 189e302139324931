package objective

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// Continuous-time objectives. Both regress a time-conditioned network
// out(x, t) on a target at perturbed points, with the same loss,
//
//	loss = 1/(B d) Σ_i ‖out(x_t,i, t_i) - target_i‖²        (Regression)
//
// and differ in how the batch (x_t, t, target) is drawn (in Go, from an
// explicit source):
//
// Denoising score matching under a forward SDE (Song et al. 2021, eq. 7),
// t uniform on [TimeEps, 1], x_t = a(t) x₀ + s(t) z, with their weighting
// λ(t) = s(t)² and the network's output divided by s(t) as score_sde's
// models do (score = out/s(t)):
//
//	λ(t) ‖score(x_t, t) + z/s(t)‖² = ‖out(x_t, t) + z‖²,  target = -z
//
// Conditional flow matching (Lipman et al. 2023; torchcfm's
// ConditionalFlowMatcher with σ = 0), from the source x₀ ~ N(0, I) at
// t = 0 to the data x₁ at t = 1, t uniform on [0, 1]:
//
//	x_t = (1-t) x₀ + t x₁,  target = x₁ - x₀
//
// and its minibatch optimal-transport variant (Tong et al. 2024, OT-CFM),
// which first pairs the batch's sources with its data points by the exact
// assignment that minimises Σ ‖x₀ - x₁‖² (OTPair).

// TimeEps is the smallest training time of denoising score matching in
// continuous time (score_sde's 1e-5).
const TimeEps = 1e-5

// TimeFn is a time-conditioned model as a graph: its output at the points
// x (shape [n, d]) at the times t (shape [n]).
type TimeFn func(x, t *Node) *Node

// Regression is the loss above: the mean over the batch and coordinates of
// the squared error of out(xt, t) (xt [B, d], t [B]) against target [B, d].
func Regression(out TimeFn, xt, t, target *Node) *Node {
	if !target.Shape().Equal(xt.Shape()) {
		panic(fmt.Sprintf("objective: target shape %s, want the points' %s", target.Shape(), xt.Shape()))
	}
	return ReduceAllMean(Square(Sub(out(xt, t), target)))
}
