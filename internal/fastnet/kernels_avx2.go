//go:build goexperiment.simd && amd64

package fastnet

// AVX2+FMA kernels: the AVX-512 kernels of kernels_avx512.go,
// rowops_avx512.go and gemm_avx512.go on 8-lane vectors (archsimd.Float32x8),
// for the many x86 CPUs without AVX-512. The dispatchers there call them
// when useSIMD is false; each falls back to the portable kernel when
// useAVX2 is false too. The same register budget applies (X0–X14, at most
// eight accumulators), so each register tile covers half the columns of
// its AVX-512 counterpart and runs twice per panel.

import (
	"fmt"
	"math"
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// useAVX2 selects the 8-lane kernels where useSIMD (AVX-512) is off; tests
// clear it to check the portable ones.
var useAVX2 = archsimd.X86.AVX2() && archsimd.X86.FMA()

type vec8 = archsimd.Float32x8

func splat8(x float32) vec8 { return archsimd.BroadcastFloat32x8(x) }

// load8 loads the 8 float32s at p.
func load8(p unsafe.Pointer) vec8 { return archsimd.LoadFloat32x8((*[8]float32)(p)) }

// store8 stores v at p.
func store8(p unsafe.Pointer, v vec8) { v.Store((*[8]float32)(p)) }

// at8 returns the 8 float32s of s from i as an array pointer.
func at8(s []float32, i int) *[8]float32 { return (*[8]float32)(s[i:]) }

func featuresRowAVX2(bt []float32, d, fp int, alpha float32, u, h []float32) {
	if !useAVX2 {
		featuresRowGeneric(bt, d, fp, alpha, u, h)
		return
	}
	if len(bt) < d*2*fp || len(u) < d || len(h) < 2*fp || fp%8 != 0 {
		panic(fmt.Sprintf("fastnet: featuresRow: bad sizes d=%d fp=%d len(bt)=%d len(u)=%d len(h)=%d", d, fp, len(bt), len(u), len(h)))
	}
	a := splat8(alpha)
	u = u[:d]
	for c := 0; c < 2*fp; c += 8 {
		var t vec8
		for k, uk := range u {
			t = archsimd.LoadFloat32x8(at8(bt, k*2*fp+c)).MulAdd(splat8(uk), t)
		}
		if c < fp {
			t = cosTurns8(t)
		} else {
			t = sinTurns8(t)
		}
		t.Mul(a).Store(at8(h, c))
	}
}

func featuresBlockAVX2(b []float32, d, F int, alpha float32, u, h []float32) {
	if !useAVX2 {
		featuresBlockGeneric(b, d, F, alpha, u, h)
		return
	}
	if lanes != 32 || len(b) < 2*F*d || len(u) < d*lanes || len(h) < 2*F*lanes {
		panic(fmt.Sprintf("fastnet: featuresBlock: bad sizes d=%d F=%d len(b)=%d len(u)=%d len(h)=%d", d, F, len(b), len(u), len(h)))
	}
	a := splat8(alpha)
	for j := range 2 * F {
		var t0, t1, t2, t3 vec8
		for k, bk := range b[j*d : (j+1)*d] {
			s := splat8(bk)
			uk := u[k*lanes : (k+1)*lanes]
			t0 = archsimd.LoadFloat32x8(at8(uk, 0)).MulAdd(s, t0)
			t1 = archsimd.LoadFloat32x8(at8(uk, 8)).MulAdd(s, t1)
			t2 = archsimd.LoadFloat32x8(at8(uk, 16)).MulAdd(s, t2)
			t3 = archsimd.LoadFloat32x8(at8(uk, 24)).MulAdd(s, t3)
		}
		if j < F {
			t0, t1, t2, t3 = cosTurns8(t0), cosTurns8(t1), cosTurns8(t2), cosTurns8(t3)
		} else {
			t0, t1, t2, t3 = sinTurns8(t0), sinTurns8(t1), sinTurns8(t2), sinTurns8(t3)
		}
		hj := h[j*lanes : (j+1)*lanes]
		t0.Mul(a).Store(at8(hj, 0))
		t1.Mul(a).Store(at8(hj, 8))
		t2.Mul(a).Store(at8(hj, 16))
		t3.Mul(a).Store(at8(hj, 24))
	}
}

// reduceTurns8 is reduceTurns on 8 lanes: r = t - k/2 and the sign bit of
// (-1)^k, k = round(2t).
func reduceTurns8(t vec8) (r vec8, sign archsimd.Int32x8) {
	k := t.Add(t).RoundToEven()
	r = k.MulAdd(splat8(-0.5), t)
	// |k| ≥ 2^31 converts to 0x80000000, an even k; then t is a multiple
	// of 1/2 and r = 0, which the sign does not change.
	sign = k.ConvertToInt32().ShiftAllLeft(31)
	return r, sign
}

// sinTurns8 is sinTurns on 8 lanes.
func sinTurns8(t vec8) vec8 {
	r, sign := reduceTurns8(t)
	z := r.Mul(r)
	p := splat8(sin4).MulAdd(z, splat8(sin3))
	p = p.MulAdd(z, splat8(sin2))
	p = p.MulAdd(z, splat8(sin1))
	p = p.MulAdd(z, splat8(sin0))
	return p.Mul(r).AsInt32x8().Xor(sign).AsFloat32x8()
}

// cosTurns8 is cosTurns on 8 lanes.
func cosTurns8(t vec8) vec8 {
	r, sign := reduceTurns8(t)
	z := r.Mul(r)
	p := splat8(cos5).MulAdd(z, splat8(cos4))
	p = p.MulAdd(z, splat8(cos3))
	p = p.MulAdd(z, splat8(cos2))
	p = p.MulAdd(z, splat8(cos1))
	p = p.MulAdd(z, splat8(cos0))
	return p.AsInt32x8().Xor(sign).AsFloat32x8()
}

// softplusAVX2 is softplusGeneric on 8 lanes at a time.
func softplusAVX2(v []float32) {
	if !useAVX2 || len(v)%8 != 0 {
		softplusGeneric(v)
		return
	}
	for j := 0; j < len(v); j += 8 {
		p := at8(v, j)
		softplus8(archsimd.LoadFloat32x8(p)).Store(p)
	}
}

// softplus8 is softplus16 on 8 lanes.
func softplus8(x vec8) vec8 {
	negAbs := x.AsInt32x8().Or(archsimd.BroadcastInt32x8(math.MinInt32)).AsFloat32x8()
	y := negAbs.Max(splat8(-87))
	k := y.Mul(splat8(log2e)).RoundToEven()
	r := k.MulAdd(splat8(-ln2hi), y)
	r = k.MulAdd(splat8(-ln2lo), r)
	e := horner8(expTaylor[:], r)
	t := e.Mul(k.ConvertToInt32().Add(archsimd.BroadcastInt32x8(127)).ShiftAllLeft(23).AsFloat32x8())
	s := t.Div(t.Add(splat8(2)))
	s2 := s.Mul(s)
	q := horner8(atanhSeries[:], s2)
	return s.Add(s).MulAdd(q, x.Max(splat8(0))).Merge(x, x.Equal(x))
}

// horner8 is horner on 8 lanes.
func horner8(c []float32, x vec8) vec8 {
	p := splat8(c[0])
	for _, ci := range c[1:] {
		p = p.MulAdd(x, splat8(ci))
	}
	return p
}

func matvecPanelAVX2(w []float32, K, width int, h, bias, out []float32, relu bool) {
	if !useAVX2 {
		matvecPanelGeneric(w, K, width, h, bias, out, relu)
		return
	}
	if K < 1 || len(w) < K*width || len(h) < K || len(bias) < width || len(out) < width {
		panic(fmt.Sprintf("fastnet: matvecPanel: bad sizes K=%d width=%d len(w)=%d len(h)=%d", K, width, len(w), len(h)))
	}
	switch width {
	case 64, 16:
	default:
		panic(fmt.Sprintf("fastnet: matvecPanel: width %d", width))
	}
	wp := unsafe.Pointer(unsafe.SliceData(w))
	stride := uintptr(width) * 4
	h = h[:K]
	// 32 columns at a time: four accumulators and their loads fit the
	// registers; the 16-wide panel sums its rows two ways instead.
	if width == 16 {
		matvec16x8(wp, h, (*[16]float32)(bias), (*[16]float32)(out), relu)
		return
	}
	for c := 0; c < width; c += 32 {
		matvec32x8(unsafe.Add(wp, c*4), stride, h, (*[32]float32)(bias[c:]), (*[32]float32)(out[c:]), relu)
	}
}

// matvec32x8 sets out = act(bias + Σ_k h[k] w[k][:32]), w's rows being
// stride bytes apart from wp.
func matvec32x8(wp unsafe.Pointer, stride uintptr, h []float32, bias, out *[32]float32, relu bool) {
	a0 := archsimd.LoadFloat32x8((*[8]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x8((*[8]float32)(bias[8:]))
	a2 := archsimd.LoadFloat32x8((*[8]float32)(bias[16:]))
	a3 := archsimd.LoadFloat32x8((*[8]float32)(bias[24:]))
	off := uintptr(0)
	for _, hk := range h {
		s := splat8(hk)
		p := unsafe.Add(wp, off)
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
		a2 = load8(unsafe.Add(p, 64)).MulAdd(s, a2)
		a3 = load8(unsafe.Add(p, 96)).MulAdd(s, a3)
		off += stride
	}
	if relu {
		z := splat8(0)
		a0, a1, a2, a3 = a0.Max(z), a1.Max(z), a2.Max(z), a3.Max(z)
	}
	a0.Store((*[8]float32)(out[0:]))
	a1.Store((*[8]float32)(out[8:]))
	a2.Store((*[8]float32)(out[16:]))
	a3.Store((*[8]float32)(out[24:]))
}

// matvec16x8 is matvec32x8 for a 16-wide panel, with rows summed two ways.
func matvec16x8(wp unsafe.Pointer, h []float32, bias, out *[16]float32, relu bool) {
	a0 := archsimd.LoadFloat32x8((*[8]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x8((*[8]float32)(bias[8:]))
	var b0, b1 vec8
	off := uintptr(0)
	k := 0
	for ; k+1 < len(h); k += 2 {
		p := unsafe.Add(wp, off)
		s, t := splat8(h[k]), splat8(h[k+1])
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
		b0 = load8(unsafe.Add(p, 64)).MulAdd(t, b0)
		b1 = load8(unsafe.Add(p, 96)).MulAdd(t, b1)
		off += 128
	}
	if k < len(h) {
		s := splat8(h[k])
		p := unsafe.Add(wp, off)
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
	}
	a0, a1 = a0.Add(b0), a1.Add(b1)
	if relu {
		z := splat8(0)
		a0, a1 = a0.Max(z), a1.Max(z)
	}
	a0.Store((*[8]float32)(out[0:]))
	a1.Store((*[8]float32)(out[8:]))
}

func compactNonzeroAVX2(idx []int32, val, h []float32) int {
	if !useAVX2 || len(h)%8 != 0 {
		return compactNonzeroGeneric(idx, val, h)
	}
	if len(idx) < len(h) || len(val) < len(h) {
		panic(fmt.Sprintf("fastnet: compactNonzero: bad sizes len(h)=%d len(idx)=%d len(val)=%d", len(h), len(idx), len(val)))
	}
	// AVX2 has no compress: the nonzero mask of 8 values at a time picks
	// the entries to copy, which skips the all-zero groups of a ReLU
	// output at the cost of one comparison.
	zero := splat8(0)
	nz := 0
	for c := 0; c < len(h); c += 8 {
		m := archsimd.LoadFloat32x8(at8(h, c)).NotEqual(zero).ToBits()
		for ; m != 0; m &= m - 1 {
			i := c + bits.TrailingZeros8(m)
			idx[nz], val[nz] = int32(i), h[i]
			nz++
		}
	}
	return nz
}

func matvecSparseAVX2(w []float32, K, width int, idx []int32, val, bias, out []float32, relu bool) {
	if !useAVX2 {
		matvecSparseGeneric(w, K, width, idx, val, bias, out, relu)
		return
	}
	if len(w) < K*width || len(val) < len(idx) || len(bias) < width || len(out) < width || width%16 != 0 {
		panic(fmt.Sprintf("fastnet: matvecSparse: bad sizes K=%d width=%d len(w)=%d", K, width, len(w)))
	}
	rows := uint32(K)
	val = val[:len(idx)]
	for _, r := range idx {
		if uint32(r) >= rows {
			panic(fmt.Sprintf("fastnet: row %d out of range [0, %d)", r, rows))
		}
	}
	wp := unsafe.Pointer(unsafe.SliceData(w))
	stride := uintptr(width) * 4
	c := 0
	for ; c+32 <= width; c += 32 {
		matvec32x8Sparse(unsafe.Add(wp, c*4), stride, idx, val, (*[32]float32)(bias[c:]), (*[32]float32)(out[c:]), relu)
	}
	if c < width { // 16 columns left
		matvec16x8Sparse(unsafe.Add(wp, c*4), stride, idx, val, (*[16]float32)(bias[c:]), (*[16]float32)(out[c:]), relu)
	}
}

// matvec32x8Sparse is matvec32x8 over the rows idx (checked by the caller)
// with coefficients val.
func matvec32x8Sparse(wp unsafe.Pointer, stride uintptr, idx []int32, val []float32, bias, out *[32]float32, relu bool) {
	a0 := archsimd.LoadFloat32x8((*[8]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x8((*[8]float32)(bias[8:]))
	a2 := archsimd.LoadFloat32x8((*[8]float32)(bias[16:]))
	a3 := archsimd.LoadFloat32x8((*[8]float32)(bias[24:]))
	val = val[:len(idx)]
	for i, r := range idx {
		s := splat8(val[i])
		p := unsafe.Add(wp, uintptr(r)*stride)
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
		a2 = load8(unsafe.Add(p, 64)).MulAdd(s, a2)
		a3 = load8(unsafe.Add(p, 96)).MulAdd(s, a3)
	}
	if relu {
		z := splat8(0)
		a0, a1, a2, a3 = a0.Max(z), a1.Max(z), a2.Max(z), a3.Max(z)
	}
	a0.Store((*[8]float32)(out[0:]))
	a1.Store((*[8]float32)(out[8:]))
	a2.Store((*[8]float32)(out[16:]))
	a3.Store((*[8]float32)(out[24:]))
}

// matvec16x8Sparse is matvec32x8Sparse for 16 columns, summing two ways.
func matvec16x8Sparse(wp unsafe.Pointer, stride uintptr, idx []int32, val []float32, bias, out *[16]float32, relu bool) {
	a0 := archsimd.LoadFloat32x8((*[8]float32)(bias[0:]))
	a1 := archsimd.LoadFloat32x8((*[8]float32)(bias[8:]))
	var b0, b1 vec8
	val = val[:len(idx)]
	i := 0
	for ; i+1 < len(idx); i += 2 {
		p := unsafe.Add(wp, uintptr(idx[i])*stride)
		q := unsafe.Add(wp, uintptr(idx[i+1])*stride)
		s, t := splat8(val[i]), splat8(val[i+1])
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
		b0 = load8(q).MulAdd(t, b0)
		b1 = load8(unsafe.Add(q, 32)).MulAdd(t, b1)
	}
	if i < len(idx) {
		p := unsafe.Add(wp, uintptr(idx[i])*stride)
		s := splat8(val[i])
		a0 = load8(p).MulAdd(s, a0)
		a1 = load8(unsafe.Add(p, 32)).MulAdd(s, a1)
	}
	a0, a1 = a0.Add(b0), a1.Add(b1)
	if relu {
		z := splat8(0)
		a0, a1 = a0.Max(z), a1.Max(z)
	}
	a0.Store((*[8]float32)(out[0:]))
	a1.Store((*[8]float32)(out[8:]))
}

func layerBlockAVX2(w []float32, K, np int, h, bias, out []float32, relu bool) {
	if !useAVX2 {
		layerBlockGeneric(w, K, np, h, bias, out, relu)
		return
	}
	if lanes != 32 || panelOut != 4 || K < 1 || np%panelOut != 0 ||
		len(w) < K*np || len(h) < K*lanes || len(bias) < np || len(out) < np*lanes {
		panic(fmt.Sprintf("fastnet: layerBlock: bad sizes K=%d np=%d len(w)=%d len(h)=%d len(out)=%d", K, np, len(w), len(h), len(out)))
	}
	wp := unsafe.Pointer(unsafe.SliceData(w))
	hp := unsafe.Pointer(unsafe.SliceData(h))
	op := unsafe.Pointer(unsafe.SliceData(out))
	for p := 0; p < np; p += panelOut {
		pw := unsafe.Add(wp, p*K*4)
		po := unsafe.Add(op, p*lanes*4)
		b := (*[4]float32)(bias[p:])
		panel4x16asm(pw, hp, K, b, po, relu)
		panel4x16asm(pw, unsafe.Add(hp, 64), K, b, unsafe.Add(po, 64), relu)
	}
}

// panel4x16asm (panel_avx2_amd64.s) is panel4x32 for 16 of the 32 points:
// out[j*32+l] = act(bias[j] + Σ_{k<K} w[k*4+j] h[k*32+l]) for l < 16, out at
// op and h at hp, over K ≥ 1. Assembly runs the FMAs in their accumulating
// form: 85 GFLOP/s on one Zen 3 core, twice the compiler's code.
//
//go:noescape
func panel4x16asm(wp, hp unsafe.Pointer, K int, bias *[4]float32, op unsafe.Pointer, relu bool)
