package model

import "github.com/sgm-dev/sgm/scorenet"

// Memory estimates, in bytes, that a program checks a run's size against
// before allocating it (the command's --n refusals).

// ReverseCopies is the peak memory of a run of the reverse-time sampler
// named sampler (ReverseSamplers; "" is ODE) in copies of its particles
// (n·d float64s each), as measured (peak RSS of sgm sample --sde vp --n
// 1000000 on seed-mog, 16 MB a copy): 12.7 for ode, the Dormand-Prince
// solver's seven stages, its error and trial state, estimated as 14; 7
// for the others (heun, pc, dpm2m; em 3.2), their buffers, the output and
// the collector's slack, estimated as 8.
func ReverseCopies(sampler string) float64 {
	if sampler == ODE || sampler == "" {
		return 14
	}
	return 8
}

// ParticleBytes estimates the memory each particle of dimension d takes
// in a Langevin-family run: six arrays of d float64s (positions, proposals
// and scores, as MALA and HMC keep them), plus, for a network (net not
// nil), three float32 copies of its activations (random features, hidden
// layers, output), which it evaluates for all particles at once.
func ParticleBytes(d int, net *scorenet.Net) float64 {
	b := 6 * 8 * float64(d)
	if net != nil {
		c := net.Config()
		b += 3 * 4 * float64(2*c.Features+c.Depth*c.Width+d)
	}
	return b
}

// NLLBytes estimates the memory of one ODE likelihood solve (NLL) over n
// points of dimension d: the solver's 10 copies of the state of n(d+1)
// values, and 4 of the points.
func NLLBytes(n, d int) float64 { return 8 * float64(n) * (10*float64(d+1) + 4*float64(d)) }
