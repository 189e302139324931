package main

// The pure-Go backend is always compiled in; it needs no cgo and downloads
// nothing. Build with GOEXPERIMENT=simd for its vectorised kernels.
import _ "github.com/gomlx/compute/gobackend"
