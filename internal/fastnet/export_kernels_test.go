package fastnet

// EachKernelSet is kernels for the external tests (package fastnet_test):
// it runs f with the portable, AVX2 and AVX-512 kernels in turn.
var EachKernelSet = kernels
