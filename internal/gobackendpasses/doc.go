// Package gobackendpasses lets tests run While loops on GoMLX's pure-Go
// backend, which in v0.28.2 runs them wrongly: it compiles a loop's body
// when the body is built, and its graph passes (the implicit-broadcast
// fusion) then rewire the body's nodes under that compiled plan, so an op
// reads a buffer already freed ("input 0 for node Mul not computed yet").
// Without the passes the same graphs run correctly. The package reaches
// the backend's pass list, and scorenet's switch that allows loops on that
// backend, with go:linkname; only tests import it, and only tests that
// link scorenet.
package gobackendpasses
