//go:build goexperiment.simd

package main

func simdEnabled() bool { return true }
