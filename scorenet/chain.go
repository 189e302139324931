package scorenet

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm/sample"
)

// Chain runs Langevin dynamics with the network's score at one noise level,
//
//	x ← x + (η/2) s(x, σ_level) + √η z,  z ~ N(0, I),
//
// inside a compiled While loop of up to PerCall steps, with z drawn in the
// graph. On an accelerator the steps then run without returning to the
// host: one call per PerCall steps instead of one per step, as the blog post's
// JAX code does with lax.scan. The noise comes from GoMLX's generator
// seeded by Run's seed, so a run is reproducible on one backend but differs
// from package sample's Langevin, which draws z in Go.
//
// On GoMLX v0.28.2's pure-Go backend the loop body is compiled before the
// backend's graph passes rewire it (see train's loop.go), so NewChain
// refuses that backend; there ScoreBatch's fused CPU path with
// sample.Langevin is the fast way anyway.
type Chain struct {
	net      *Net
	level    int
	stepSize float64
	perCall  int
	exec     *model.Exec
}

// goBackendLoops lets tests run loops on the pure-Go backend: package
// gobackendpasses sets it while it has that backend's graph passes off.
var goBackendLoops = false

// CheckLoops returns an error if the network's backend cannot run compiled
// While loops (Chain, and training with train.Settings.StepsPerCall > 1):
// GoMLX v0.28.2's pure-Go backend compiles a loop's body before its graph
// passes run, and their implicit-broadcast fusion then rewires the body
// under the compiled plan, so the body reads freed buffers. XLA backends
// run loops; on the CPU sgm's fused path is the fast way anyway.
func (n *Net) CheckLoops() error {
	if n.OnGoBackend() && !goBackendLoops {
		return errors.New("compiled loops need an XLA backend (GoMLX v0.28.2's pure-Go backend runs loop bodies wrongly)")
	}
	return nil
}

// NewChain returns a Langevin chain at noise level index level with step
// size stepSize, taking up to perCall steps per call.
func (n *Net) NewChain(level int, stepSize float64, perCall int) (*Chain, error) {
	n.mustLevel("NewChain", level)
	if err := (sample.Langevin{StepSize: stepSize}).Validate(); err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	switch {
	case perCall < 1:
		return nil, fmt.Errorf("scorenet: steps per call must be at least 1, got %d", perCall)
	}
	if err := n.CheckLoops(); err != nil {
		return nil, fmt.Errorf("scorenet: Langevin chain: %w", err)
	}
	c := &Chain{net: n, level: level, stepSize: stepSize, perCall: perCall}
	exec, err := model.NewExec(n.backend, n.store, c.graph)
	if err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	exec.SetMaxCache(4)
	c.exec = exec
	return c, nil
}

// graph builds one call: steps (an int32 scalar, at most perCall) Langevin
// steps from the points x ([rows, Dim] float32) with the generator state
// rng, returning the new points and state.
func (c *Chain) graph(_ *model.Scope, x, rng, steps *Node) (*Node, *Node) {
	g := x.Graph()
	n := c.net
	scope := n.Scope()
	// Everything the body reads from outside is made here, in the main
	// function, before the closures: a closure may use its parent's nodes,
	// but a variable first read inside the body would become the body's
	// parameter, and GoMLX caches scalar constants per graph.
	n.variableNodes(g)
	rows := x.Shape().Dimensions[0]
	levels := BroadcastToDims(Const(g, int32(c.level)), rows)
	halfEta := Scalar(g, x.DType(), c.stepSize/2)
	sqrtEta := Scalar(g, x.DType(), math.Sqrt(c.stepSize))
	start := Const(g, int32(0))
	params := func(g *Graph) (i, points, state *Node) {
		return Parameter(g, "chain_i", shapes.Make(dtypes.Int32)),
			Parameter(g, "chain_x", x.Shape()),
			Parameter(g, "chain_rng", rng.Shape())
	}
	cond := NewClosure(g, func(g *Graph) []*Node {
		i, _, _ := params(g)
		return []*Node{LessThan(i, steps)}
	})
	body := NewClosure(g, func(g *Graph) []*Node {
		i, x, r := params(g)
		r, z := RandomNormal(r, x.Shape())
		x = Add(x, Add(Mul(n.Scores(scope, x, levels), halfEta), Mul(z, sqrtEta)))
		return []*Node{AddScalar(i, 1), x, r}
	})
	out := While(cond, body, start, x, rng)
	return out[1], out[2]
}

// variableNodes reads every variable the network's graph uses into g's
// main function.
func (n *Net) variableNodes(g *Graph) {
	for v := range n.Scope().IterVariables() {
		n.evaluated(n.store, v.Path()).NodeValue(g)
	}
}

// Run advances the points x (flat, row-major, rows × Dim) by steps steps,
// with the noise drawn from a generator seeded with seed. It returns an
// error if the backend fails; it panics (the caller's error) if x is not a
// whole number of points or steps is negative. No points is a run that
// moves nothing.
func (c *Chain) Run(x []float64, steps int, seed uint64) error {
	d := c.net.cfg.Dim
	if len(x)%d != 0 {
		panic(fmt.Sprintf("scorenet: Chain.Run: %d coordinates are not a whole number of %d-dimensional points", len(x), d))
	}
	if steps < 0 {
		panic(fmt.Sprintf("scorenet: Chain.Run: steps must not be negative, got %d", steps))
	}
	if len(x) == 0 {
		return nil
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	xt := tensors.FromFlatDataAndDimensions(x32, len(x)/d, d)
	rng, err := RNGStateFromSeed(int64(seed))
	if err != nil {
		return fmt.Errorf("scorenet: chain: %w", err)
	}
	defer func() {
		xt.FinalizeAll()
		rng.FinalizeAll()
	}()
	for done := 0; done < steps; {
		k := min(c.perCall, steps-done)
		out, err := c.exec.Exec(xt, rng, int32(k))
		if err != nil {
			return fmt.Errorf("scorenet: chain: %w", err)
		}
		xt.FinalizeAll()
		rng.FinalizeAll()
		xt, rng = out[0], out[1]
		done += k
	}
	return readFloat64(x, xt)
}
