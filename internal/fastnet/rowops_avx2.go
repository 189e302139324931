//go:build goexperiment.simd && amd64

package fastnet

import (
	"fmt"
	"simd/archsimd"
	"unsafe"
)

// The row operations of rowops_avx512.go on 8 lanes; lengths are
// multiples of 16 there, so whole 8-lane vectors here.

// hsum8 returns the sum of the lanes of v.
func hsum8(v vec8) float32 {
	var s [8]float32
	v.Store(&s)
	var t float32
	for _, x := range s {
		t += x
	}
	return t
}

func dotAVX2(a, b []float32) float32 {
	if !useAVX2 {
		return dotGeneric(a, b)
	}
	checkVec("dot", len(a))
	b = b[:len(a)]
	var s0, s1 vec8
	for j := 0; j < len(a); j += 16 {
		s0 = archsimd.LoadFloat32x8(at8(a, j)).MulAdd(archsimd.LoadFloat32x8(at8(b, j)), s0)
		s1 = archsimd.LoadFloat32x8(at8(a, j+8)).MulAdd(archsimd.LoadFloat32x8(at8(b, j+8)), s1)
	}
	return hsum8(s0.Add(s1))
}

func axpyAVX2(y []float32, s float32, x []float32) {
	if !useAVX2 {
		axpyGeneric(y, s, x)
		return
	}
	checkVec("axpy", len(y))
	x = x[:len(y)]
	sv := splat8(s)
	for j := 0; j < len(y); j += 8 {
		yp := at8(y, j)
		archsimd.LoadFloat32x8(at8(x, j)).MulAdd(sv, archsimd.LoadFloat32x8(yp)).Store(yp)
	}
}

func scaleShiftAVX2(h []float32, alpha, beta float32) {
	if !useAVX2 {
		scaleShiftGeneric(h, alpha, beta)
		return
	}
	checkVec("scaleShift", len(h))
	a, b := splat8(alpha), splat8(beta)
	for j := 0; j < len(h); j += 8 {
		hp := at8(h, j)
		archsimd.LoadFloat32x8(hp).Mul(a).Add(b).Store(hp)
	}
}

func firstLayerAVX2(h, p []float32, alpha float32, u, w []float32, ld int, bias []float32) {
	if !useAVX2 {
		firstLayerGeneric(h, p, alpha, u, w, ld, bias)
		return
	}
	checkVec("firstLayer", len(h))
	if len(u) > 0 && len(w) < (len(u)-1)*ld+len(h) {
		panic(fmt.Sprintf("fastnet: firstLayer: %d weights, want %d rows of %d", len(w), len(u), ld))
	}
	p, bias = p[:len(h)], bias[:len(h)]
	a, z := splat8(alpha), splat8(0)
	for j := 0; j < len(h); j += 8 {
		s := archsimd.LoadFloat32x8(at8(p, j)).Mul(a)
		for c, uc := range u {
			s = archsimd.LoadFloat32x8(at8(w, c*ld+j)).MulAdd(splat8(uc), s)
		}
		s.Add(archsimd.LoadFloat32x8(at8(bias, j))).Max(z).Store(at8(h, j))
	}
}

func outputGradAVX2(g, h []float32, dy, w []float32, ld int) {
	if !useAVX2 {
		outputGradGeneric(g, h, dy, w, ld)
		return
	}
	checkVec("outputGrad", len(g))
	if len(dy) > 0 && len(w) < (len(dy)-1)*ld+len(g) {
		panic(fmt.Sprintf("fastnet: outputGrad: %d weights, want %d rows of %d", len(w), len(dy), ld))
	}
	h = h[:len(g)]
	z := splat8(0)
	for j := 0; j < len(g); j += 8 {
		var s vec8
		for c, dc := range dy {
			s = archsimd.LoadFloat32x8(at8(w, c*ld+j)).MulAdd(splat8(dc), s)
		}
		s.Masked(archsimd.LoadFloat32x8(at8(h, j)).Greater(z)).Store(at8(g, j))
	}
}

func sumRowsAVX2(dst, g []float32, ld, rows int) {
	if !useAVX2 {
		sumRowsGeneric(dst, g, ld, rows)
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
	// 32 columns at a time: four accumulators; len(dst) is a multiple of
	// 16, so at most one group of 16 is left.
	j := 0
	for ; j+31 < len(dst); j += 32 {
		s0 := archsimd.LoadFloat32x8(at8(dst, j))
		s1 := archsimd.LoadFloat32x8(at8(dst, j+8))
		s2 := archsimd.LoadFloat32x8(at8(dst, j+16))
		s3 := archsimd.LoadFloat32x8(at8(dst, j+24))
		off := uintptr(j) * 4
		for range rows {
			p := unsafe.Add(gp, off)
			s0 = s0.Add(load8(p))
			s1 = s1.Add(load8(unsafe.Add(p, 32)))
			s2 = s2.Add(load8(unsafe.Add(p, 64)))
			s3 = s3.Add(load8(unsafe.Add(p, 96)))
			off += lg
		}
		s0.Store(at8(dst, j))
		s1.Store(at8(dst, j+8))
		s2.Store(at8(dst, j+16))
		s3.Store(at8(dst, j+24))
	}
	for ; j < len(dst); j += 8 {
		s := archsimd.LoadFloat32x8(at8(dst, j))
		off := uintptr(j) * 4
		for range rows {
			s = s.Add(load8(unsafe.Add(gp, off)))
			off += lg
		}
		s.Store(at8(dst, j))
	}
}

func adamAVX2(theta, m, v, g []float32, k *adamConsts) {
	n := len(theta)
	if !useAVX2 || n < 8 {
		adamGeneric(theta, m, v, g, k)
		return
	}
	m, v, g = m[:n], v[:n], g[:n]
	b1, nb1, b2, nb2 := splat8(k.b1), splat8(k.nb1), splat8(k.b2), splat8(k.nb2)
	c1, c2, lr, eps := splat8(k.c1), splat8(k.c2), splat8(k.lr), splat8(k.eps)
	i := 0
	for ; i+8 <= n; i += 8 {
		gi := archsimd.LoadFloat32x8(at8(g, i))
		mp, vp, tp := at8(m, i), at8(v, i), at8(theta, i)
		// Separate products and sums: the graph rounds each one.
		mi := b1.Mul(archsimd.LoadFloat32x8(mp)).Add(nb1.Mul(gi))
		vi := b2.Mul(archsimd.LoadFloat32x8(vp)).Add(nb2.Mul(gi.Mul(gi)))
		mi.Store(mp)
		vi.Store(vp)
		den := vi.Mul(c2).Sqrt().Add(eps)
		archsimd.LoadFloat32x8(tp).Sub(lr.Mul(mi.Mul(c1)).Div(den)).Store(tp)
	}
	adamGeneric(theta[i:], m[i:], v[i:], g[i:], k)
}
