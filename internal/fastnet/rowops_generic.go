package fastnet

import "math"

// Row operations of the training step: vector loops over one padded
// activation row (a multiple of tile values), here as portable Go.

// dotGeneric returns Σ_j a[j] b[j] over len(a) values.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	for j := 0; j+1 < len(a); j += 2 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
	}
	if len(a)%2 != 0 {
		s0 += a[len(a)-1] * b[len(a)-1]
	}
	return s0 + s1
}

// axpyGeneric sets y[j] += s x[j] for j < len(y).
func axpyGeneric(y []float32, s float32, x []float32) {
	x = x[:len(y)]
	for j, v := range x {
		y[j] += s * v
	}
}

// scaleShiftGeneric sets h[j] = α h[j] + β for j < len(h), rounding the
// product before the sum (GoMLX's α f + β).
func scaleShiftGeneric(h []float32, alpha, beta float32) {
	for j, v := range h {
		h[j] = float32(alpha*v) + beta
	}
}

// firstLayerGeneric sets, for j < len(h),
//
//	h[j] = relu(α p[j] + Σ_{c<len(u)} u[c] w[c*ld+j] + bias[j]),
//
// the first hidden layer from the features' product p = f W_0[:2F] and
// the inputs u, whose weights w are len(u) rows ld apart.
func firstLayerGeneric(h, p []float32, alpha float32, u, w []float32, ld int, bias []float32) {
	p, bias = p[:len(h)], bias[:len(h)]
	for j := range h {
		s := alpha * p[j]
		for c, uc := range u {
			s += uc * w[c*ld+j]
		}
		h[j] = max(s+bias[j], 0)
	}
}

// outputGradGeneric sets, for j < len(g),
//
//	g[j] = Σ_{c<len(dy)} dy[c] w[c*ld+j]  where h[j] > 0, 0 elsewhere:
//
// the gradient at the last hidden layer's pre-activation from the output
// gradient dy and the output weights w (transposed: len(dy) rows ld apart).
func outputGradGeneric(g, h []float32, dy, w []float32, ld int) {
	h = h[:len(g)]
	for j := range g {
		if !(h[j] > 0) {
			g[j] = 0
			continue
		}
		var s float32
		for c, dc := range dy {
			s += dc * w[c*ld+j]
		}
		g[j] = s
	}
}

// sumRowsGeneric adds to dst the sum of rows rows of g (ld apart), over
// len(dst) columns.
func sumRowsGeneric(dst, g []float32, ld, rows int) {
	for r := range rows {
		for j, v := range g[r*ld : r*ld+len(dst)] {
			dst[j] += v
		}
	}
}

// adamGeneric applies one Adam update to θ with gradient g and moments m,
// v, rounding every operation to float32 in the order of GoMLX's graph:
//
//	m ← β1 m + (1-β1) g
//	v ← β2 v + (1-β2) g²
//	θ ← θ - lr (m c1) / (sqrt(v c2) + ε)
//
// where c1 and c2 are the bias corrections 1/(1-β^t).
func adamGeneric(theta, m, v, g []float32, k *adamConsts) {
	m, v, g = m[:len(theta)], v[:len(theta)], g[:len(theta)]
	for i, gi := range g {
		mi := float32(k.b1*m[i]) + float32(k.nb1*gi)
		vi := float32(k.b2*v[i]) + float32(k.nb2*float32(gi*gi))
		m[i], v[i] = mi, vi
		den := float32(sqrt32(float32(vi*k.c2))) + k.eps
		theta[i] -= float32(k.lr*float32(mi*k.c1)) / den
	}
}

// adamConsts are the float32 constants of one Adam step.
type adamConsts struct {
	lr, b1, nb1, b2, nb2, c1, c2, eps float32
}

// sqrt32 is the correctly rounded float32 square root.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
