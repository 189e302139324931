// Package ode integrates ordinary differential equations dx/dt = f(t, x)
// given as a plain vector field (Func) over a flat state, which may hold a
// batch of points: an adaptive Dormand-Prince 5(4) pair with error control
// (DormandPrince, as scipy's RK45 and torchdiffeq's dopri5) and the fixed-
// step Euler and Heun methods over a time grid. Every solver counts its
// evaluations of f, the number of function evaluations (NFE) by which
// samplers are compared.
//
// The package knows nothing of scores or networks: the probability-flow
// ODE of a diffusion (sample, likelihood) is one vector field among others.
package ode
