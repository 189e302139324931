//go:build !(goexperiment.simd && amd64)

package fastnet

// useSIMD is false where simd/archsimd is unavailable: the portable kernels
// of kernels_generic.go do all the work.
var useSIMD = false

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

func compactNonzero(idx []int32, val, h []float32) int {
	return compactNonzeroGeneric(idx, val, h)
}

func matvecSparse(w []float32, K, width int, idx []int32, val, bias, out []float32, relu bool) {
	matvecSparseGeneric(w, K, width, idx, val, bias, out, relu)
}
