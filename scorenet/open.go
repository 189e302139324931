package scorenet

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // GoBackend's, and so Open's default

	"github.com/sgm-dev/sgm/sample"
)

// GoBackend starts GoMLX's pure-Go backend, which needs no cgo and
// downloads nothing (build with GOEXPERIMENT=simd for its vectorised
// kernels). Open uses it unless told otherwise; pass it to New.
func GoBackend() (compute.Backend, error) { return StartBackend("go") }

// StartBackend starts the GoMLX backend that config names ("go",
// "go:ops_sequential", "xla:cuda" in a build with XLA), turning a panic of
// its constructor into an error. The error starts "backend" + config.
func StartBackend(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %q: %v", config, r)
		}
	}()
	b, err = compute.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", config, err)
	}
	return b, nil
}

// An Option changes what Open (and package model's Open) does.
type Option func(*openOptions)

type openOptions struct {
	backend compute.Backend
	raw     bool
}

// WithBackend makes Open run the network on b (an XLA backend, say)
// instead of the backend BackendFor picks for it.
func WithBackend(b compute.Backend) Option { return func(o *openOptions) { o.backend = b } }

// RawWeights makes Open evaluate the trained weights themselves even where
// the checkpoint keeps their moving averages.
func RawWeights() Option { return func(o *openOptions) { o.raw = true } }

// Open loads the newest checkpoint in dir (as Load does, untrusted) for
// evaluation: on the backend BackendFor picks for its configuration (the
// pure-Go one, running ops one at a time for a network conditioned on
// time) unless WithBackend names another, and with the exponential moving
// averages of the weights where training kept them (train.Settings.EMA),
// as NCSNv2 samples, unless RawWeights (Net.Averaged says which it gave).
// To resume training, use Load.
func Open(dir string, opts ...Option) (*Net, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.backend == nil {
		cfg, err := ConfigOf(dir)
		if err != nil {
			return nil, err
		}
		if o.backend, err = BackendFor(cfg, false); err != nil {
			return nil, err
		}
	}
	net, err := Load(o.backend, dir)
	if err != nil {
		return nil, err
	}
	if ema, ok := net.EMA(); ok && !o.raw {
		return ema, nil
	}
	return net, nil
}

// Sigma returns the noise level σ of level index level. It panics if level
// is out of range.
func (n *Net) Sigma(level int) float64 {
	n.mustLevel("Sigma", level)
	return n.cfg.Sigmas[level]
}

// mustLevel panics, naming the method, if level is out of range.
func (n *Net) mustLevel(who string, level int) {
	if err := n.checkLevel(level); err != nil {
		panic(fmt.Sprintf("scorenet: %s: %v", who, err))
	}
}

// ChainStepsPerCall is how many Langevin steps Langevin takes per call of
// a compiled loop on an XLA backend.
const ChainStepsPerCall = 1000

// Langevin is plain Langevin dynamics with the network's score at one
// noise level,
//
//	x ← x + (η/2) s(x, σ_level) + √η z,  z ~ N(0, I),
//
// run where it runs fastest: in Go by package sample's Langevin through
// ScoreBatch (the fused CPU path) on the pure-Go backend, and in compiled
// loops (Chain) on the others, where one call per step would keep the device
// waiting on the host. Make one with Net.NewLangevin.
type Langevin struct {
	net      *Net
	level    int
	stepSize float64
	chain    *Chain // nil on the pure-Go backend
	perCall  int
}

// NewLangevin returns Langevin dynamics at level with step size stepSize,
// for runs of up to maxSteps steps per call of a compiled loop (where one
// is used: at most ChainStepsPerCall). It returns an error if the step
// size is not positive and finite or the loop does not compile; it panics
// if the level is out of range (the caller's error, as for AtLevel).
func (n *Net) NewLangevin(level int, stepSize float64, maxSteps int) (*Langevin, error) {
	n.mustLevel("NewLangevin", level)
	if err := (sample.Langevin{StepSize: stepSize}).Validate(); err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	m := &Langevin{net: n, level: level, stepSize: stepSize}
	if n.OnGoBackend() {
		return m, nil
	}
	m.perCall = max(1, min(maxSteps, ChainStepsPerCall))
	c, err := n.NewChain(level, stepSize, m.perCall)
	if err != nil {
		return nil, err
	}
	m.chain = c
	return m, nil
}

// PerCall is the number of steps one call of the compiled loop takes, or 0
// where the steps run in Go.
func (m *Langevin) PerCall() int { return m.perCall }

// Run advances the points x (flat, row-major) by steps steps, drawing the
// noise from rng (a compiled loop draws it in the graph, from a seed taken
// from rng, so the two paths give different but equally distributed runs).
func (m *Langevin) Run(x []float64, steps int, rng *rand.Rand) error {
	if m.chain != nil {
		return m.chain.Run(x, steps, rng.Uint64())
	}
	return sample.Langevin{StepSize: m.stepSize, Steps: steps}.Run(x, m.net.AtLevel(m.level), rng)
}
