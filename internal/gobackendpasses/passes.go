package gobackendpasses

import (
	"testing"
	_ "unsafe" // for go:linkname
)

// passes is the Go backend's list of graph passes (its type mirrors the
// backend's: a priority and a pass; only the slice is saved and restored).
//
//go:linkname passes github.com/gomlx/compute/internal/gobackend.graphTransformations
var passes []struct {
	priority int
	pass     any
}

// loopsAllowed is scorenet's switch that lets compiled loops run on the
// Go backend (see scorenet.Net.CheckLoops); it is on exactly while the
// passes are off.
//
//go:linkname loopsAllowed github.com/sgm-dev/sgm/scorenet.goBackendLoops
var loopsAllowed bool

// Disable turns the Go backend's graph passes off, and lets sgm run
// compiled loops there, until the test ends. It affects every graph
// compiled meanwhile, so the tests that call it must not run in parallel
// with others.
func Disable(t testing.TB) {
	t.Helper()
	saved, allowed := passes, loopsAllowed
	passes, loopsAllowed = nil, true
	t.Cleanup(func() { passes, loopsAllowed = saved, allowed })
}
