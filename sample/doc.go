// Package sample draws from a density given only its score, with Langevin
// dynamics. The samplers see nothing but the sgm.Scorer interface, so an
// analytic mixture, the exact score of a smoothed image and a trained
// network drive the same code.
//
// Langevin dynamics with step size η (the seed's form, eq. 4):
//
//	x_{t+1} = x_t + (η/2) ∇ₓ log p(x_t) + √η z_t,   z_t ~ N(0, I)
//
// For small η and many steps x_t is distributed close to p. Every particle
// of a batch takes its steps together, so a trained network is evaluated
// once per step for the whole batch.
//
// Randomness comes only from the math/rand/v2 source passed in: the same
// seed, starting points and score give the same output. Observers see the
// particles after every step, to record a path (Path) or pool the states of
// many chains after burn-in (Pool).
package sample
