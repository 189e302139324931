// Package likelihood computes exact log-densities of score-based models
// through the probability-flow ODE of their forward SDE (Song et al. 2021):
// the ODE is a continuous normalising flow, so the change of variables
// gives log p at any point from the prior's log-density at the end of the
// flow and the integral of the vector field's divergence along it.
//
// The divergence comes from a ScoreDivergence: in closed form for an
// analytic mixture (sde.Mixture), as the trace of the score's Jacobian from
// d directional derivatives (Exact, used up to MaxExactDim dimensions), or
// by Hutchinson's unbiased estimate with Rademacher probes (Hutchinson)
// above; a network that computes its score and divergence together plugs
// in through the same interface.
//
// The change of variables itself (ODE.Flow) takes any time-dependent
// vector field with its divergence (VelocityDivergence), so a learned
// flow-matching field gets likelihoods from the same code; Velocity makes
// the probability-flow field of an SDE one.
//
// With the exact score of a Gaussian mixture and its exact p₁ as the
// prior, the result is the mixture's closed-form log p_ε up to the
// solver's tolerance; with the SDE's prior N(0, s(1)² I) instead, it
// differs by the prior's mismatch at t = 1, as every trained model's does.
package likelihood
