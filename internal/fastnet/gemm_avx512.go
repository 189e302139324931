//go:build goexperiment.simd && amd64

package fastnet

import "unsafe"

// Both products run the 4×32 register tile of panel4x32 (eight
// accumulators, two vector loads and four broadcasts per step of the
// contraction), the largest that Go 1.26's register allocator keeps out of
// memory; it reaches the FMA units' peak when its operands are in L1.

func gemmNN(c []float32, ldc int, a []float32, lda, K int, b []float32, np, rows int, ep int, bias, m []float32) {
	if !useSIMD {
		gemmNNAVX2(c, ldc, a, lda, K, b, np, rows, ep, bias, m)
		return
	}
	checkNN(c, ldc, a, lda, K, b, np, rows, ep, bias, m)
	ap := unsafe.Pointer(unsafe.SliceData(a))
	bp := unsafe.Pointer(unsafe.SliceData(b))
	cp := unsafe.Pointer(unsafe.SliceData(c))
	var mp, biasp unsafe.Pointer
	if ep == epMask {
		mp = unsafe.Pointer(unsafe.SliceData(m))
	}
	if ep == epBiasReLU {
		biasp = unsafe.Pointer(unsafe.SliceData(bias))
	}
	la, lc := uintptr(lda)*4, uintptr(ldc)*4
	for p := range np {
		pp := unsafe.Add(bp, p*K*tile*4)
		for r := 0; r < rows; r += 4 {
			off := uintptr(r)*lc + uintptr(p)*tile*4
			var mt unsafe.Pointer
			if mp != nil {
				mt = unsafe.Add(mp, off)
			}
			var bt unsafe.Pointer
			if biasp != nil {
				bt = unsafe.Add(biasp, p*tile*4)
			}
			nn4x32(unsafe.Add(ap, uintptr(r)*la), la, pp, K, unsafe.Add(cp, off), lc, ep, bt, mt)
		}
	}
}

// nn4x32 computes the 4×32 tile at cp (rows lc bytes apart) of gemmNN:
// four rows of A at ap (la bytes apart), one panel of B at bp.
func nn4x32(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr, ep int, bias, mp unsafe.Pointer) {
	var a00, a01, a10, a11, a20, a21, a30, a31 vec
	// Offsets, not advanced pointers: a pointer past the end of its
	// object is invalid even if never dereferenced.
	l2, l3 := 2*la, 3*la
	ao, bo := uintptr(0), uintptr(0)
	for range K {
		bv := unsafe.Add(bp, bo)
		b0 := load16(bv)
		b1 := load16(unsafe.Add(bv, 64))
		av := unsafe.Add(ap, ao)
		s := splat(*(*float32)(av))
		a00 = s.MulAdd(b0, a00)
		a01 = s.MulAdd(b1, a01)
		s = splat(*(*float32)(unsafe.Add(av, la)))
		a10 = s.MulAdd(b0, a10)
		a11 = s.MulAdd(b1, a11)
		s = splat(*(*float32)(unsafe.Add(av, l2)))
		a20 = s.MulAdd(b0, a20)
		a21 = s.MulAdd(b1, a21)
		s = splat(*(*float32)(unsafe.Add(av, l3)))
		a30 = s.MulAdd(b0, a30)
		a31 = s.MulAdd(b1, a31)
		ao += 4
		bo += tile * 4
	}
	switch ep {
	case epBiasReLU:
		z := splat(0)
		c0, c1 := load16(bias), load16(unsafe.Add(bias, 64))
		a00, a01 = a00.Add(c0).Max(z), a01.Add(c1).Max(z)
		a10, a11 = a10.Add(c0).Max(z), a11.Add(c1).Max(z)
		a20, a21 = a20.Add(c0).Max(z), a21.Add(c1).Max(z)
		a30, a31 = a30.Add(c0).Max(z), a31.Add(c1).Max(z)
	case epMask:
		z := splat(0)
		a00 = a00.Masked(load16(mp).Greater(z))
		a01 = a01.Masked(load16(unsafe.Add(mp, 64)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a10 = a10.Masked(load16(mp).Greater(z))
		a11 = a11.Masked(load16(unsafe.Add(mp, 64)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a20 = a20.Masked(load16(mp).Greater(z))
		a21 = a21.Masked(load16(unsafe.Add(mp, 64)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a30 = a30.Masked(load16(mp).Greater(z))
		a31 = a31.Masked(load16(unsafe.Add(mp, 64)).Greater(z))
	}
	store16(cp, a00)
	store16(unsafe.Add(cp, 64), a01)
	cp = unsafe.Add(cp, lc)
	store16(cp, a10)
	store16(unsafe.Add(cp, 64), a11)
	cp = unsafe.Add(cp, lc)
	store16(cp, a20)
	store16(unsafe.Add(cp, 64), a21)
	cp = unsafe.Add(cp, lc)
	store16(cp, a30)
	store16(unsafe.Add(cp, 64), a31)
}

// store16 stores v at p.
func store16(p unsafe.Pointer, v vec) { v.Store((*[16]float32)(p)) }

func gemmTN(c []float32, ldc int, a []float32, lda, kp int, b []float32, ldb, np, rows int) {
	if !useSIMD {
		gemmTNAVX2(c, ldc, a, lda, kp, b, ldb, np, rows)
		return
	}
	checkTN(c, ldc, a, lda, kp, b, ldb, np, rows)
	ap := unsafe.Pointer(unsafe.SliceData(a))
	bp := unsafe.Pointer(unsafe.SliceData(b))
	cp := unsafe.Pointer(unsafe.SliceData(c))
	la, lb, lc := uintptr(lda)*4, uintptr(ldb)*4, uintptr(ldc)*4
	for p := range np {
		for k := 0; k < kp; k += 4 {
			tn4x32(unsafe.Add(ap, k*4), la, unsafe.Add(bp, p*tile*4), lb, rows,
				unsafe.Add(cp, uintptr(k)*lc+uintptr(p)*tile*4), lc)
		}
	}
}

// tn4x32 adds to the 4×32 tile at cp (rows lc bytes apart) of gemmTN the
// products of four adjacent columns of A (at ap, rows la bytes apart) and
// 32 adjacent columns of B (at bp, rows lb bytes apart) over rows rows.
// The tile is read after the loop, so that no pointer into it stays live
// across the loop (the compiler would spill them).
func tn4x32(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr) {
	var a00, a01, a10, a11, a20, a21, a30, a31 vec
	// The pointers advance only while another row follows: a pointer past
	// the end of its object is invalid even if never dereferenced.
	for i := 1; ; i++ {
		b0 := load16(bp)
		b1 := load16(unsafe.Add(bp, 64))
		av := (*[4]float32)(ap)
		s := splat(av[0])
		a00 = s.MulAdd(b0, a00)
		a01 = s.MulAdd(b1, a01)
		s = splat(av[1])
		a10 = s.MulAdd(b0, a10)
		a11 = s.MulAdd(b1, a11)
		s = splat(av[2])
		a20 = s.MulAdd(b0, a20)
		a21 = s.MulAdd(b1, a21)
		s = splat(av[3])
		a30 = s.MulAdd(b0, a30)
		a31 = s.MulAdd(b1, a31)
		if i >= rows {
			break
		}
		ap = unsafe.Add(ap, la)
		bp = unsafe.Add(bp, lb)
	}
	addStore16(cp, a00)
	addStore16(unsafe.Add(cp, 64), a01)
	cp = unsafe.Add(cp, lc)
	addStore16(cp, a10)
	addStore16(unsafe.Add(cp, 64), a11)
	cp = unsafe.Add(cp, lc)
	addStore16(cp, a20)
	addStore16(unsafe.Add(cp, 64), a21)
	cp = unsafe.Add(cp, lc)
	addStore16(cp, a30)
	addStore16(unsafe.Add(cp, 64), a31)
}

// addStore16 adds v to the 16 float32s at p.
func addStore16(p unsafe.Pointer, v vec) { store16(p, load16(p).Add(v)) }
