//go:build !(goexperiment.simd && amd64)

package fastnet

// useSIMD is false where simd/archsimd is unavailable: the portable kernels
// of kernels_generic.go do all the work.
var useSIMD = false

// useAVX2 is false too: there are no 8-lane kernels either.
var useAVX2 = false

func softplus(v []float32) { softplusGeneric(v) }

func featuresRow(bt []float32, d, fp int, alpha float32, u, h []float32) {
	featuresRowGeneric(bt, d, fp, alpha, u, h)
}

func matvecPanel(w []float32, K, width int, h, bias, out []float32, relu bool) {
	matvecPanelGeneric(w, K, width, h, bias, out, relu)
}

func featuresBlock(b []float32, d, F int, alpha float32, u, h []float32) {
	featuresBlockGeneric(b, d, F, alpha, u, h)
}

func layerBlock(w []float32, K, np int, h, bias, out []float32, relu bool) {
	layerBlockGeneric(w, K, np, h, bias, out, relu)
}

func tangentLayer(w []float32, stride, K, np int, h, bias []float32, bstride int, m, out []float32, ep int) {
	tangentLayerPortable(w, stride, K, np, h, bias, bstride, m, out, ep)
}

func scaleRows(dst, src, s []float32) { scaleRowsGeneric(dst, src, s) }

func compactNonzero(idx []int32, val, h []float32) int {
	return compactNonzeroGeneric(idx, val, h)
}

func matvecSparse(w []float32, K, width int, idx []int32, val, bias, out []float32, relu bool) {
	matvecSparseGeneric(w, K, width, idx, val, bias, out, relu)
}

func gemmNN(c []float32, ldc int, a []float32, lda, K int, b []float32, np, rows int, ep int, bias, m []float32) {
	gemmNNGeneric(c, ldc, a, lda, K, b, np, rows, ep, bias, m)
}

func gemmTN(c []float32, ldc int, a []float32, lda, kp int, b []float32, ldb, np, rows int) {
	gemmTNGeneric(c, ldc, a, lda, kp, b, ldb, np, rows)
}

func dot(a, b []float32) float32                         { return dotGeneric(a, b) }
func axpy(y []float32, s float32, x []float32)           { axpyGeneric(y, s, x) }
func scaleShift(h []float32, alpha, beta float32)        { scaleShiftGeneric(h, alpha, beta) }
func sumRows(dst, g []float32, ld, rows int)             { sumRowsGeneric(dst, g, ld, rows) }
func adam(theta, m, v, g []float32, k *adamConsts)       { adamGeneric(theta, m, v, g, k) }
func outputGrad(g, h []float32, dy, w []float32, ld int) { outputGradGeneric(g, h, dy, w, ld) }

func firstLayer(h, p []float32, alpha float32, u, w []float32, ld int, bias []float32) {
	firstLayerGeneric(h, p, alpha, u, w, ld, bias)
}
