//go:build goexperiment.simd && amd64

package fastnet

// AVX-512 kernels. Go 1.26 keeps SIMD values in X0–X14 only and has only
// the 213 form of FMA (the result replaces a multiplicand, which costs a
// register copy when that operand is reused). Every kernel therefore holds
// at most eight accumulators and leaves room for the values the compiler
// loads ahead of the FMAs; 2×6 or 8-wide matrix-vector tiles spill to the
// stack and run two to four times slower. The batched path's 2×4 tile
// (panel4x32) is in assembly (panel_avx512_amd64.s), with weights
// broadcast from memory and the accumulating FMA: 1.4-2.4x the compiled
// code's speed on one Zen 4 core of a loaded machine (BenchmarkLayerBlock,
// -cpu 1, alternating runs).

import (
	"fmt"
	"math"
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// useSIMD selects the AVX-512 kernels; tests clear it to check the portable
// ones on the same machine.
var useSIMD = archsimd.X86.AVX512()

type vec = archsimd.Float32x16

func splat(x float32) vec { return archsimd.BroadcastFloat32x16(x) }

// load16 loads the 16 float32s at p.
func load16(p unsafe.Pointer) vec { return archsimd.LoadFloat32x16((*[16]float32)(p)) }

func featuresRow(bt []float32, d, fp int, alpha float32, u, h []float32) {
	if !useSIMD {
		featuresRowAVX2(bt, d, fp, alpha, u, h)
		return
	}
	if len(bt) < d*2*fp || len(u) < d || len(h) < 2*fp || fp%16 != 0 {
		panic(fmt.Sprintf("fastnet: featuresRow: bad sizes d=%d fp=%d len(bt)=%d len(u)=%d len(h)=%d", d, fp, len(bt), len(u), len(h)))
	}
	a := splat(alpha)
	u = u[:d]
	for c := 0; c < 2*fp; c += 16 {
		var t vec
		for k, uk := range u {
			t = archsimd.LoadFloat32x16((*[16]float32)(bt[k*2*fp+c:])).MulAdd(splat(uk), t)
		}
		if c < fp {
			t = cosTurns16(t)
		} else {
			t = sinTurns16(t)
		}
		t.Mul(a).Store((*[16]float32)(h[c:]))
	}
}

func featuresBlock(b []float32, d, F int, alpha float32, u, h []float32) {
	if !useSIMD {
		featuresBlockAVX2(b, d, F, alpha, u, h)
		return
	}
	if lanes != 32 || len(b) < 2*F*d || len(u) < d*lanes || len(h) < 2*F*lanes {
		panic(fmt.Sprintf("fastnet: featuresBlock: bad sizes d=%d F=%d len(b)=%d len(u)=%d len(h)=%d", d, F, len(b), len(u), len(h)))
	}
	a := splat(alpha)
	for j := range 2 * F {
		var t0, t1 vec
		for k, bk := range b[j*d : (j+1)*d] {
			s := splat(bk)
			t0 = archsimd.LoadFloat32x16((*[16]float32)(u[k*lanes:])).MulAdd(s, t0)
			t1 = archsimd.LoadFloat32x16((*[16]float32)(u[k*lanes+16:])).MulAdd(s, t1)
		}
		if j < F {
			t0, t1 = cosTurns16(t0), cosTurns16(t1)
		} else {
			t0, t1 = sinTurns16(t0), sinTurns16(t1)
		}
		t0.Mul(a).Store((*[16]float32)(h[j*lanes:]))
		t1.Mul(a).Store((*[16]float32)(h[j*lanes+16:]))
	}
}

// reduceTurns16 is reduceTurns on 16 lanes: r = t - k/2 and the sign bit
// of (-1)^k, k = round(2t).
func reduceTurns16(t vec) (r vec, sign archsimd.Int32x16) {
	k := t.Add(t).RoundToEvenScaled(0)
	r = k.MulAdd(splat(-0.5), t)
	// |k| ≥ 2^31 converts to 0x80000000, an even k; then t is a multiple
	// of 1/2 and r = 0, which the sign does not change.
	sign = k.ConvertToInt32().ShiftAllLeft(31)
	return r, sign
}

// sinTurns16 is sinTurns on 16 lanes.
func sinTurns16(t vec) vec {
	r, sign := reduceTurns16(t)
	z := r.Mul(r)
	p := splat(sin4).MulAdd(z, splat(sin3))
	p = p.MulAdd(z, splat(sin2))
	p = p.MulAdd(z, splat(sin1))
	p = p.MulAdd(z, splat(sin0))
	return p.Mul(r).AsInt32x16().Xor(sign).AsFloat32x16()
}

// cosTurns16 is cosTurns on 16 lanes.
func cosTurns16(t vec) vec {
	r, sign := reduceTurns16(t)
	z := r.Mul(r)
	p := splat(cos5).MulAdd(z, splat(cos4))
	p = p.MulAdd(z, splat(cos3))
	p = p.MulAdd(z, splat(cos2))
	p = p.MulAdd(z, splat(cos1))
	p = p.MulAdd(z, splat(cos0))
	return p.AsInt32x16().Xor(sign).AsFloat32x16()
}

// softplus is softplusGeneric on 16 lanes at a time (len(v) is a multiple
// of 16 on every path that calls it).
func softplus(v []float32) {
	if !useSIMD || len(v)%16 != 0 {
		softplusAVX2(v)
		return
	}
	for j := 0; j < len(v); j += 16 {
		p := (*[16]float32)(v[j:])
		softplus16(archsimd.LoadFloat32x16(p)).Store(p)
	}
}

// softplus16 is softplusGeneric's formula on 16 lanes. Below -87 it uses
// e^-87 for e^-|x| (about 1.6e-38, not 0): the absolute error stays below
// that. NaN lanes stay NaN.
func softplus16(x vec) vec {
	negAbs := x.AsInt32x16().Or(archsimd.BroadcastInt32x16(math.MinInt32)).AsFloat32x16()
	y := negAbs.Max(splat(-87))
	k := y.Mul(splat(log2e)).RoundToEvenScaled(0)
	r := k.MulAdd(splat(-ln2hi), y)
	r = k.MulAdd(splat(-ln2lo), r)
	e := horner16(expTaylor[:], r)
	t := e.Mul(k.ConvertToInt32().Add(archsimd.BroadcastInt32x16(127)).ShiftAllLeft(23).AsFloat32x16())
	s := t.Div(t.Add(splat(2)))
	s2 := s.Mul(s)
	q := horner16(atanhSeries[:], s2)
	// VMAXPS returns the non-NaN operand; a NaN input stays NaN, as in
	// softplusGeneric and the graph.
	return s.Add(s).MulAdd(q, x.Max(splat(0))).Merge(x, x.Equal(x))
}

// horner16 is horner on 16 lanes.
func horner16(c []float32, x vec) vec {
	p := splat(c[0])
	for _, ci := range c[1:] {
		p = p.MulAdd(x, splat(ci))
	}
	return p
}

func matvecPanel(w []float32, K, width int, h, bias, out []float32, relu bool) {
	if !useSIMD {
		matvecPanelAVX2(w, K, width, h, bias, out, relu)
		return
	}
	if K < 1 || len(w) < K*width || len(h) < K || len(bias) < width || len(out) < width {
		panic(fmt.Sprintf("fastnet: matvecPanel: bad sizes K=%d width=%d len(w)=%d len(h)=%d", K, width, len(w), len(h)))
	}
	wp := unsafe.Pointer(unsafe.SliceData(w))
	switch width {
	case 64:
		matvec64(wp, h[:K], (*[64]float32)(bias), (*[64]float32)(out), relu)
	case 16:
		matvec16(wp, h[:K], (*[16]float32)(bias), (*[16]float32)(out), relu)
	default:
		panic(fmt.Sprintf("fastnet: matvecPanel: width %d", width))
	}
}

// matvec64 sets out = act(bias + Σ_k h[k] w[k][:]), w being len(h)×64 at
// wp. Four accumulators and their four loads fit the registers; eight
// (a 128-wide panel) spill and run at half the speed.
func matvec64(wp unsafe.Pointer, h []float32, bias, out *[64]float32, relu bool) {
	a0 := archsimd.LoadFloat32x16((*[16]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x16((*[16]float32)(bias[16:]))
	a2 := archsimd.LoadFloat32x16((*[16]float32)(bias[32:]))
	a3 := archsimd.LoadFloat32x16((*[16]float32)(bias[48:]))
	off := uintptr(0)
	for _, hk := range h {
		s := splat(hk)
		p := unsafe.Add(wp, off)
		a0 = load16(p).MulAdd(s, a0)
		a1 = load16(unsafe.Add(p, 64)).MulAdd(s, a1)
		a2 = load16(unsafe.Add(p, 128)).MulAdd(s, a2)
		a3 = load16(unsafe.Add(p, 192)).MulAdd(s, a3)
		off += 256
	}
	if relu {
		z := splat(0)
		a0, a1, a2, a3 = a0.Max(z), a1.Max(z), a2.Max(z), a3.Max(z)
	}
	a0.Store((*[16]float32)(out[0:]))
	a1.Store((*[16]float32)(out[16:]))
	a2.Store((*[16]float32)(out[32:]))
	a3.Store((*[16]float32)(out[48:]))
}

// matvec16 is matvec64 for 16 columns, with rows summed four ways.
func matvec16(wp unsafe.Pointer, h []float32, bias, out *[16]float32, relu bool) {
	a0 := archsimd.LoadFloat32x16(bias)
	var a1, a2, a3 vec
	off := uintptr(0)
	k := 0
	for ; k+3 < len(h); k += 4 {
		p := unsafe.Add(wp, off)
		a0 = load16(p).MulAdd(splat(h[k]), a0)
		a1 = load16(unsafe.Add(p, 64)).MulAdd(splat(h[k+1]), a1)
		a2 = load16(unsafe.Add(p, 128)).MulAdd(splat(h[k+2]), a2)
		a3 = load16(unsafe.Add(p, 192)).MulAdd(splat(h[k+3]), a3)
		off += 256
	}
	for ; k < len(h); k++ {
		a0 = load16(unsafe.Add(wp, off)).MulAdd(splat(h[k]), a0)
		off += 64
	}
	a0 = a0.Add(a1).Add(a2.Add(a3))
	if relu {
		a0 = a0.Max(splat(0))
	}
	a0.Store(out)
}

func compactNonzero(idx []int32, val, h []float32) int {
	if !useSIMD {
		return compactNonzeroAVX2(idx, val, h)
	}
	if len(h)%16 != 0 || len(idx) < len(h)+16 || len(val) < len(h)+16 {
		panic(fmt.Sprintf("fastnet: compactNonzero: bad sizes len(h)=%d len(idx)=%d len(val)=%d", len(h), len(idx), len(val)))
	}
	zero := splat(0)
	sixteen := archsimd.BroadcastInt32x16(16)
	at := archsimd.LoadInt32x16(&[16]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	nz := 0
	for c := 0; c < len(h); c += 16 {
		v := archsimd.LoadFloat32x16((*[16]float32)(h[c:]))
		m := v.NotEqual(zero)
		// Whole-vector stores; the slack of 16 past len(h) absorbs them.
		v.Compress(m).Store((*[16]float32)(val[nz:]))
		at.Compress(m).Store((*[16]int32)(idx[nz:]))
		nz += bits.OnesCount16(m.ToBits())
		at = at.Add(sixteen)
	}
	return nz
}

func matvecSparse(w []float32, K, width int, idx []int32, val, bias, out []float32, relu bool) {
	if !useSIMD {
		matvecSparseAVX2(w, K, width, idx, val, bias, out, relu)
		return
	}
	if len(w) < K*width || len(val) < len(idx) || len(bias) < width || len(out) < width {
		panic(fmt.Sprintf("fastnet: matvecSparse: bad sizes K=%d width=%d len(w)=%d", K, width, len(w)))
	}
	switch width {
	case 64:
		matvec64Sparse(w[:K*width], idx, val[:len(idx)], (*[64]float32)(bias), (*[64]float32)(out), relu)
	case 16:
		matvec16Sparse(w[:K*width], idx, val[:len(idx)], (*[16]float32)(bias), (*[16]float32)(out), relu)
	default:
		panic(fmt.Sprintf("fastnet: matvecSparse: width %d", width))
	}
}

// matvec64Sparse is matvec64 over the rows idx of w (len(w)/64 rows of 64)
// with coefficients val.
func matvec64Sparse(w []float32, idx []int32, val []float32, bias, out *[64]float32, relu bool) {
	rows := uint32(len(w) / 64)
	wp := unsafe.Pointer(unsafe.SliceData(w))
	a0 := archsimd.LoadFloat32x16((*[16]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x16((*[16]float32)(bias[16:]))
	a2 := archsimd.LoadFloat32x16((*[16]float32)(bias[32:]))
	a3 := archsimd.LoadFloat32x16((*[16]float32)(bias[48:]))
	val = val[:len(idx)]
	for i, r := range idx {
		if uint32(r) >= rows {
			panic(fmt.Sprintf("fastnet: row %d out of range [0, %d)", r, rows))
		}
		s := splat(val[i])
		p := unsafe.Add(wp, uintptr(r)*256)
		a0 = load16(p).MulAdd(s, a0)
		a1 = load16(unsafe.Add(p, 64)).MulAdd(s, a1)
		a2 = load16(unsafe.Add(p, 128)).MulAdd(s, a2)
		a3 = load16(unsafe.Add(p, 192)).MulAdd(s, a3)
	}
	if relu {
		z := splat(0)
		a0, a1, a2, a3 = a0.Max(z), a1.Max(z), a2.Max(z), a3.Max(z)
	}
	a0.Store((*[16]float32)(out[0:]))
	a1.Store((*[16]float32)(out[16:]))
	a2.Store((*[16]float32)(out[32:]))
	a3.Store((*[16]float32)(out[48:]))
}

// matvec16Sparse is matvec64Sparse for 16 columns, summing four ways.
func matvec16Sparse(w []float32, idx []int32, val []float32, bias, out *[16]float32, relu bool) {
	rows := uint32(len(w) / 16)
	wp := unsafe.Pointer(unsafe.SliceData(w))
	a0 := archsimd.LoadFloat32x16(bias)
	var a1, a2, a3 vec
	val = val[:len(idx)]
	i := 0
	for ; i+3 < len(idx); i += 4 {
		r0, r1, r2, r3 := idx[i], idx[i+1], idx[i+2], idx[i+3]
		if uint32(r0) >= rows || uint32(r1) >= rows || uint32(r2) >= rows || uint32(r3) >= rows {
			panic(fmt.Sprintf("fastnet: row out of range [0, %d)", rows))
		}
		a0 = load16(unsafe.Add(wp, uintptr(r0)*64)).MulAdd(splat(val[i]), a0)
		a1 = load16(unsafe.Add(wp, uintptr(r1)*64)).MulAdd(splat(val[i+1]), a1)
		a2 = load16(unsafe.Add(wp, uintptr(r2)*64)).MulAdd(splat(val[i+2]), a2)
		a3 = load16(unsafe.Add(wp, uintptr(r3)*64)).MulAdd(splat(val[i+3]), a3)
	}
	for ; i < len(idx); i++ {
		r := idx[i]
		if uint32(r) >= rows {
			panic(fmt.Sprintf("fastnet: row %d out of range [0, %d)", r, rows))
		}
		a0 = load16(unsafe.Add(wp, uintptr(r)*64)).MulAdd(splat(val[i]), a0)
	}
	a0 = a0.Add(a1).Add(a2.Add(a3))
	if relu {
		a0 = a0.Max(splat(0))
	}
	a0.Store(out)
}

func layerBlock(w []float32, K, np int, h, bias, out []float32, relu bool) {
	if !useSIMD {
		layerBlockAVX2(w, K, np, h, bias, out, relu)
		return
	}
	if lanes != 32 || panelOut != 4 || K < 1 || np%panelOut != 0 ||
		len(w) < K*np || len(h) < K*lanes || len(bias) < np || len(out) < np*lanes {
		panic(fmt.Sprintf("fastnet: layerBlock: bad sizes K=%d np=%d len(w)=%d len(h)=%d len(out)=%d", K, np, len(w), len(h), len(out)))
	}
	ep := panelLinear
	if relu {
		ep = panelReLU
	}
	wp := unsafe.Pointer(unsafe.SliceData(w))
	hp := unsafe.Pointer(unsafe.SliceData(h))
	for p := 0; p < np; p += panelOut {
		panel4x32(unsafe.Add(wp, p*K*4), hp, K, (*[4]float32)(bias[p:]), (*[4 * lanes]float32)(out[p*lanes:]), ep, nil)
	}
}

func tangentLayer(w []float32, stride, K, np int, h, bias []float32, bstride int, m, out []float32, ep int) {
	if !useSIMD {
		tangentLayerPortable(w, stride, K, np, h, bias, bstride, m, out, ep)
		return
	}
	checkTangentLayer(w, stride, K, np, h, bias, bstride, m, out, ep)
	wp := unsafe.Pointer(unsafe.SliceData(w))
	hp := unsafe.Pointer(unsafe.SliceData(h))
	var mp unsafe.Pointer
	if ep == panelSelect || ep == panelScale {
		mp = unsafe.Pointer(unsafe.SliceData(m))
	}
	for q := range np / panelOut {
		var mq unsafe.Pointer
		if mp != nil {
			mq = unsafe.Add(mp, q*panelOut*lanes*4)
		}
		panel4x32(unsafe.Add(wp, q*stride*panelOut*4), hp, K, (*[4]float32)(bias[q*bstride:]),
			(*[4 * lanes]float32)(out[q*panelOut*lanes:]), ep, mq)
	}
}

// panel4x32 computes four output units of a dense layer for a block of 32
// points: out[j*32+l] = ep(bias[j] + Σ_{k<K} w[k*4+j] h[k*32+l]), with w
// (K×4) at wp, h (K×32) at hp and, for panelSelect and panelScale, the
// 4×32 mask m at mp. Its products run in panel4x32asm (2×4 accumulators);
// the mask's epilogue reads the stored block back from L1.
func panel4x32(wp, hp unsafe.Pointer, K int, bias *[4]float32, out *[128]float32, ep int, mp unsafe.Pointer) {
	panel4x32asm(wp, hp, K, bias, unsafe.Pointer(out), ep == panelReLU)
	switch ep {
	case panelSelect:
		z := splat(0)
		for i := 0; i < 128; i += 16 {
			o := (*[16]float32)(out[i:])
			archsimd.LoadFloat32x16(o).Masked(load16(unsafe.Add(mp, i*4)).Greater(z)).Store(o)
		}
	case panelScale:
		for i := 0; i < 128; i += 16 {
			o := (*[16]float32)(out[i:])
			archsimd.LoadFloat32x16(o).Mul(load16(unsafe.Add(mp, i*4))).Store(o)
		}
	}
}

// panel4x32asm (panel_avx512_amd64.s) sets out[j*32+l] = act(bias[j] +
// Σ_{k<K} w[k*4+j] h[k*32+l]), w at wp, h at hp and out at op, act being
// ReLU or nothing; K ≥ 1.
//
//go:noescape
func panel4x32asm(wp, hp unsafe.Pointer, K int, bias *[4]float32, op unsafe.Pointer, relu bool)

func scaleRows(dst, src, s []float32) {
	if !useSIMD {
		scaleRowsGeneric(dst, src, s)
		return
	}
	if lanes != 32 || len(dst) < len(s)*lanes || len(src) < len(s)*lanes {
		panic(fmt.Sprintf("fastnet: scaleRows: bad sizes len(dst)=%d len(src)=%d len(s)=%d", len(dst), len(src), len(s)))
	}
	for j, sj := range s {
		v := splat(sj)
		d, x := (*[32]float32)(dst[j*lanes:]), (*[32]float32)(src[j*lanes:])
		archsimd.LoadFloat32x16((*[16]float32)(x[:16])).Mul(v).Store((*[16]float32)(d[:16]))
		archsimd.LoadFloat32x16((*[16]float32)(x[16:])).Mul(v).Store((*[16]float32)(d[16:]))
	}
}
