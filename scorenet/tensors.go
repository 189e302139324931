package scorenet

import "github.com/gomlx/gomlx/core/tensors"

// Moving points between Go's float64 slices and the graphs' float32
// tensors, for every graph the network runs (scores, divergence, time
// outputs, the compiled Langevin chain).

// toFloat32 returns x converted to float32.
func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// repeated returns n copies of v.
func repeated[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// graphInputs are the inputs of the scores' graph for the points x (of
// dimension d) at level: x as float32, rows×d, and level once per row.
func graphInputs(x []float64, d, level int) []any {
	rows := len(x) / d
	return []any{tensors.FromFlatDataAndDimensions(toFloat32(x), rows, d), tensors.FromFlatDataAndDimensions(repeated(int32(level), rows), rows)}
}

// readFloat64 copies the float32 tensor t into dst, which holds as many
// values.
func readFloat64(dst []float64, t *tensors.Tensor) error {
	return tensors.ConstFlatData(t, func(s []float32) {
		for i, v := range s {
			dst[i] = float64(v)
		}
	})
}
