//go:build goexperiment.simd && amd64

package fastnet

import (
	"fmt"
	"simd/archsimd"
	"unsafe"
)

// The row operations work on whole vectors: lengths are multiples of 16.

func checkVec(name string, n int) {
	if n%16 != 0 {
		panic(fmt.Sprintf("fastnet: %s: length %d is not a multiple of 16", name, n))
	}
}

// hsum returns the sum of the lanes of v.
func hsum(v vec) float32 {
	var s [16]float32
	v.Store(&s)
	var t float32
	for _, x := range s {
		t += x
	}
	return t
}

func dot(a, b []float32) float32 {
	if !useSIMD {
		return dotAVX2(a, b)
	}
	checkVec("dot", len(a))
	b = b[:len(a)]
	var s0, s1 vec
	j := 0
	for ; j+31 < len(a); j += 32 {
		s0 = archsimd.LoadFloat32x16((*[16]float32)(a[j:])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[j:])), s0)
		s1 = archsimd.LoadFloat32x16((*[16]float32)(a[j+16:])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[j+16:])), s1)
	}
	if j < len(a) {
		s0 = archsimd.LoadFloat32x16((*[16]float32)(a[j:])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[j:])), s0)
	}
	return hsum(s0.Add(s1))
}

func axpy(y []float32, s float32, x []float32) {
	if !useSIMD {
		axpyAVX2(y, s, x)
		return
	}
	checkVec("axpy", len(y))
	x = x[:len(y)]
	sv := splat(s)
	for j := 0; j < len(y); j += 16 {
		yp := (*[16]float32)(y[j:])
		archsimd.LoadFloat32x16((*[16]float32)(x[j:])).MulAdd(sv, archsimd.LoadFloat32x16(yp)).Store(yp)
	}
}

func scaleShift(h []float32, alpha, beta float32) {
	if !useSIMD {
		scaleShiftAVX2(h, alpha, beta)
		return
	}
	checkVec("scaleShift", len(h))
	a, b := splat(alpha), splat(beta)
	for j := 0; j < len(h); j += 16 {
		hp := (*[16]float32)(h[j:])
		archsimd.LoadFloat32x16(hp).Mul(a).Add(b).Store(hp)
	}
}

func firstLayer(h, p []float32, alpha float32, u, w []float32, ld int, bias []float32) {
	if !useSIMD {
		firstLayerAVX2(h, p, alpha, u, w, ld, bias)
		return
	}
	checkVec("firstLayer", len(h))
	if len(u) > 0 && len(w) < (len(u)-1)*ld+len(h) {
		panic(fmt.Sprintf("fastnet: firstLayer: %d weights, want %d rows of %d", len(w), len(u), ld))
	}
	p, bias = p[:len(h)], bias[:len(h)]
	a, z := splat(alpha), splat(0)
	for j := 0; j < len(h); j += 16 {
		s := archsimd.LoadFloat32x16((*[16]float32)(p[j:])).Mul(a)
		for c, uc := range u {
			s = archsimd.LoadFloat32x16((*[16]float32)(w[c*ld+j:])).MulAdd(splat(uc), s)
		}
		s.Add(archsimd.LoadFloat32x16((*[16]float32)(bias[j:]))).Max(z).Store((*[16]float32)(h[j:]))
	}
}

func outputGrad(g, h []float32, dy, w []float32, ld int) {
	if !useSIMD {
		outputGradAVX2(g, h, dy, w, ld)
		return
	}
	checkVec("outputGrad", len(g))
	if len(dy) > 0 && len(w) < (len(dy)-1)*ld+len(g) {
		panic(fmt.Sprintf("fastnet: outputGrad: %d weights, want %d rows of %d", len(w), len(dy), ld))
	}
	h = h[:len(g)]
	z := splat(0)
	for j := 0; j < len(g); j += 16 {
		var s vec
		for c, dc := range dy {
			s = archsimd.LoadFloat32x16((*[16]float32)(w[c*ld+j:])).MulAdd(splat(dc), s)
		}
		s.Masked(archsimd.LoadFloat32x16((*[16]float32)(h[j:])).Greater(z)).Store((*[16]float32)(g[j:]))
	}
}

func sumRows(dst, g []float32, ld, rows int) {
	if !useSIMD {
		sumRowsAVX2(dst, g, ld, rows)
		return
	}
	checkVec("sumRows", len(dst))
	if rows < 1 {
		return
	}
	if len(g) < (rows-1)*ld+len(dst) {
		panic(fmt.Sprintf("fastnet: sumRows: %d values, want %d rows of %d", len(g), rows, ld))
	}
	gp := unsafe.Pointer(unsafe.SliceData(g))
	lg := uintptr(ld) * 4
	j := 0
	for ; j+63 < len(dst); j += 64 {
		d := (*[64]float32)(dst[j:])
		s0 := archsimd.LoadFloat32x16((*[16]float32)(d[0:]))
		s1 := archsimd.LoadFloat32x16((*[16]float32)(d[16:]))
		s2 := archsimd.LoadFloat32x16((*[16]float32)(d[32:]))
		s3 := archsimd.LoadFloat32x16((*[16]float32)(d[48:]))
		off := uintptr(j) * 4
		for range rows {
			p := unsafe.Add(gp, off)
			s0 = s0.Add(load16(p))
			s1 = s1.Add(load16(unsafe.Add(p, 64)))
			s2 = s2.Add(load16(unsafe.Add(p, 128)))
			s3 = s3.Add(load16(unsafe.Add(p, 192)))
			off += lg
		}
		s0.Store((*[16]float32)(d[0:]))
		s1.Store((*[16]float32)(d[16:]))
		s2.Store((*[16]float32)(d[32:]))
		s3.Store((*[16]float32)(d[48:]))
	}
	for ; j < len(dst); j += 16 {
		dp := (*[16]float32)(dst[j:])
		s := archsimd.LoadFloat32x16(dp)
		off := uintptr(j) * 4
		for range rows {
			s = s.Add(load16(unsafe.Add(gp, off)))
			off += lg
		}
		s.Store(dp)
	}
}

func adam(theta, m, v, g []float32, k *adamConsts) {
	n := len(theta)
	if !useSIMD || n < 16 {
		adamAVX2(theta, m, v, g, k)
		return
	}
	m, v, g = m[:n], v[:n], g[:n]
	b1, nb1, b2, nb2 := splat(k.b1), splat(k.nb1), splat(k.b2), splat(k.nb2)
	c1, c2, lr, eps := splat(k.c1), splat(k.c2), splat(k.lr), splat(k.eps)
	i := 0
	for ; i+16 <= n; i += 16 {
		gi := archsimd.LoadFloat32x16((*[16]float32)(g[i:]))
		mp, vp, tp := (*[16]float32)(m[i:]), (*[16]float32)(v[i:]), (*[16]float32)(theta[i:])
		// Separate products and sums: the graph rounds each one.
		mi := b1.Mul(archsimd.LoadFloat32x16(mp)).Add(nb1.Mul(gi))
		vi := b2.Mul(archsimd.LoadFloat32x16(vp)).Add(nb2.Mul(gi.Mul(gi)))
		mi.Store(mp)
		vi.Store(vp)
		den := vi.Mul(c2).Sqrt().Add(eps)
		archsimd.LoadFloat32x16(tp).Sub(lr.Mul(mi.Mul(c1)).Div(den)).Store(tp)
	}
	adamGeneric(theta[i:], m[i:], v[i:], g[i:], k)
}
