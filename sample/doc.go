// Package sample draws from a density given only its score, with Langevin
// dynamics, and from a density known up to a constant, with Metropolis-
// corrected Langevin (MALA) and Hamiltonian Monte Carlo (HMC). The Langevin
// samplers see nothing but the sgm.Scorer interface, so an analytic mixture,
// the exact score of a smoothed image and a trained network drive the same
// code.
//
// Langevin dynamics with step size η (the blog post's form, eq. 4):
//
//	x_{t+1} = x_t + (η/2) ∇ₓ log p(x_t) + √η z_t,   z_t ~ N(0, I)
//
// For small η and many steps x_t is distributed close to p. Every particle
// of a batch takes its steps together, so a trained network is evaluated
// once per step for the whole batch.
//
// Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1) runs the same
// update through a schedule of noise levels σ_1 > ... > σ_L, T steps at each,
// driven by the score of the perturbed density p_σ (a noise-conditional
// score, Levels) with step size
//
//	α_i = ε σ_i² / σ_L²
//
// so that the large levels carry particles between modes and the small ones
// sharpen them; optionally a last Tweedie step x ← x + σ_L² ∇ₓ log p_{σ_L}(x)
// removes the remaining noise. PerturbedLevels adapts a density that knows
// its perturbed versions exactly (dist.Mixture), ScheduleLevels a network
// trained on a grid of levels.
//
// Plain Langevin is biased by its step size: on N(μ, s²) its stationary
// variance is s²/(1 - η/(4s²)). MALA accepts or rejects each Langevin
// proposal with the Metropolis-Hastings ratio, and HMC each leapfrog
// trajectory with the change of the Hamiltonian, so both leave the target
// exactly invariant. They need log p itself as well as its gradient (a
// LogDensity), one point at a time, and report their acceptance in Stats.
//
// Randomness comes only from the math/rand/v2 source passed in: the same
// seed, starting points and score give the same output. Observers see the
// particles after every step, to record a path (Path) or pool the states of
// many chains after burn-in (Pool).
//
// Conditioning: Given samples some coordinates given the values of the
// others, with the score evaluated where the given coordinates hold their
// values (or Song et al. 2021's replacement), under Langevin, annealed
// Langevin or a reverse sampler; Given.Exact gives a mixture's
// closed-form conditional scores. Guided is classifier-free guidance
// (Ho & Salimans 2022), s_u + (1+W)(s_c - s_u), of a conditional and an
// unconditional score; GuidedTime the same of time-conditioned scores, and
// GuidedVelocity its form for a flow's velocities. FlowLevels reads a
// flow's velocity as the scores of its VE reading, which annealed Langevin
// and Given.Annealed take.
package sample
