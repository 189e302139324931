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

// Disable turns the Go backend's graph passes off until the test ends. It
// affects every graph compiled meanwhile, so the tests that call it must
// not run in parallel with others.
func Disable(t testing.TB) {
	t.Helper()
	saved := passes
	passes = nil
	t.Cleanup(func() { passes = saved })
}
