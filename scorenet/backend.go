package scorenet

import (
	"errors"
	"reflect"

	"github.com/gomlx/compute"
)

// SequentialGoBackend starts GoMLX's pure-Go backend running one op at a
// time (its "ops_sequential" option), which differentiating the network
// twice needs there (CheckSecondOrder).
func SequentialGoBackend() (compute.Backend, error) {
	return StartBackend("go:ops_sequential")
}

// BackendFor starts the backend on which a network of cfg runs safely:
// GoMLX's pure-Go backend, with its ops run one at a time
// (SequentialGoBackend) where running them in parallel can hang, that is
// for a network conditioned on time (CheckTimeTraining) and where the
// network is differentiated twice (secondOrder: sliced score matching,
// CheckSecondOrder). Open and package model's Open and Train choose by it.
func BackendFor(cfg Config, secondOrder bool) (compute.Backend, error) {
	if cfg.Timed() || secondOrder {
		return SequentialGoBackend()
	}
	return GoBackend()
}

// CheckSecondOrder returns an error if the network's backend cannot safely
// run graphs that differentiate the network twice, as sliced score
// matching's does: GoMLX v0.28.2's pure-Go backend, running ops in
// parallel, can deadlock on the many parallel branches of such a graph
// (its worker pool loses wake-ups). Started with SequentialGoBackend it
// runs one op at a time, which avoids that.
func (n *Net) CheckSecondOrder() error {
	return n.checkSequential("differentiating the network twice (sliced score matching)")
}

// CheckTimeTraining returns an error if the network's backend cannot
// safely train it conditioned on time: a training step of such a network
// (sgm train --sde vp at the default size) once hung idle inside GoMLX
// v0.28.2's pure-Go backend running ops in parallel, in the same worker
// pool as CheckSecondOrder's deadlock. Started with SequentialGoBackend it
// runs one op at a time, which avoids that.
func (n *Net) CheckTimeTraining() error {
	return n.checkSequential("training a network conditioned on time")
}

// checkSequential returns an error naming what unless the network is on a
// backend other than the pure-Go one, or on the pure-Go one running one op
// at a time.
func (n *Net) checkSequential(what string) error {
	if n.OnGoBackend() && !opsSequential(n.backend) {
		return errors.New(what + " on GoMLX's pure-Go backend needs its ops run one at a time: start it with scorenet.SequentialGoBackend() (the config \"go:ops_sequential\"); in parallel, v0.28.2's worker pool can deadlock")
	}
	return nil
}

// opsSequential reports whether a pure-Go backend runs one op at a time:
// its exported field OpsExecutionType is OpsExecutionSequential (2, after
// Dynamic and Parallel; a test checks the values against the configs).
func opsSequential(b any) bool {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f := v.Elem().FieldByName("OpsExecutionType")
	return f.IsValid() && f.CanInt() && f.Int() == opsExecutionSequential
}

// opsExecutionSequential is the value of the pure-Go backend's
// OpsExecutionSequential.
const opsExecutionSequential = 2
