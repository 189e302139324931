package fastnet

import "fmt"

// SetLevel sets the scale α and shift β of the noise level index level,
// recomputing that level's first-layer bias as New does from the first
// dense layer's weights w0 (fan-in×Width, input-major) and biases b0
// (Width). A network conditioned on something else than a level index (a
// time t, through α(t) and β(t)) evaluates at any α, β through one level
// that it sets before each batch. It must not run concurrently with an
// evaluation at that level; it panics if level is out of range or the
// weights do not fit the network.
func (n *Net) SetLevel(level int, alpha, beta float32, w0, b0 []float32) {
	n.checkLevel(level)
	F, W := n.features, len(b0)
	if len(w0) != (2*F+n.dim)*W || len(n.bias0[level]) < W {
		panic(fmt.Sprintf("fastnet: SetLevel: %d first-layer weights and %d biases for %d features in dimension %d", len(w0), len(b0), F, n.dim))
	}
	b := n.bias0[level]
	for j := range W {
		var colsum float64
		for i := 0; i < 2*F; i++ {
			colsum += float64(w0[i*W+j])
		}
		b[j] = float32(float64(b0[j]) + float64(beta)*colsum)
	}
	n.alpha[level] = alpha
}
