//go:build goexperiment.simd && amd64

package fastnet

import "unsafe"

// Both products on AVX2 run a 4×16 register tile (eight accumulators, two
// vector loads and four broadcasts per step of the contraction), twice per
// panel of tile = 32 columns: the 8-lane form of the AVX-512 4×32 tile.

func gemmNNAVX2(c []float32, ldc int, a []float32, lda, K int, b []float32, np, rows int, ep int, bias, m []float32) {
	if !useAVX2 {
		gemmNNGeneric(c, ldc, a, lda, K, b, np, rows, ep, bias, m)
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
		for half := range 2 {
			col := uintptr(p*tile+half*16) * 4
			pp := unsafe.Add(bp, p*K*tile*4+half*64)
			for r := 0; r < rows; r += 4 {
				off := uintptr(r)*lc + col
				var mt, bt unsafe.Pointer
				if mp != nil {
					mt = unsafe.Add(mp, off)
				}
				if biasp != nil {
					bt = unsafe.Add(biasp, col)
				}
				nn4x16(unsafe.Add(ap, uintptr(r)*la), la, pp, K, unsafe.Add(cp, off), lc, ep, bt, mt)
			}
		}
	}
}

// nn4x16 computes the 4×16 tile at cp (rows lc bytes apart) of gemmNN:
// four rows of A at ap (la bytes apart), 16 columns of a panel of B at bp
// (rows tile floats apart).
func nn4x16(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr, ep int, bias, mp unsafe.Pointer) {
	var a00, a01, a10, a11, a20, a21, a30, a31 vec8
	l2, l3 := 2*la, 3*la
	ao, bo := uintptr(0), uintptr(0)
	for range K {
		bv := unsafe.Add(bp, bo)
		b0 := load8(bv)
		b1 := load8(unsafe.Add(bv, 32))
		av := unsafe.Add(ap, ao)
		s := splat8(*(*float32)(av))
		a00 = s.MulAdd(b0, a00)
		a01 = s.MulAdd(b1, a01)
		s = splat8(*(*float32)(unsafe.Add(av, la)))
		a10 = s.MulAdd(b0, a10)
		a11 = s.MulAdd(b1, a11)
		s = splat8(*(*float32)(unsafe.Add(av, l2)))
		a20 = s.MulAdd(b0, a20)
		a21 = s.MulAdd(b1, a21)
		s = splat8(*(*float32)(unsafe.Add(av, l3)))
		a30 = s.MulAdd(b0, a30)
		a31 = s.MulAdd(b1, a31)
		ao += 4
		bo += tile * 4
	}
	switch ep {
	case epBiasReLU:
		z := splat8(0)
		c0, c1 := load8(bias), load8(unsafe.Add(bias, 32))
		a00, a01 = a00.Add(c0).Max(z), a01.Add(c1).Max(z)
		a10, a11 = a10.Add(c0).Max(z), a11.Add(c1).Max(z)
		a20, a21 = a20.Add(c0).Max(z), a21.Add(c1).Max(z)
		a30, a31 = a30.Add(c0).Max(z), a31.Add(c1).Max(z)
	case epMask:
		z := splat8(0)
		a00 = a00.Masked(load8(mp).Greater(z))
		a01 = a01.Masked(load8(unsafe.Add(mp, 32)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a10 = a10.Masked(load8(mp).Greater(z))
		a11 = a11.Masked(load8(unsafe.Add(mp, 32)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a20 = a20.Masked(load8(mp).Greater(z))
		a21 = a21.Masked(load8(unsafe.Add(mp, 32)).Greater(z))
		mp = unsafe.Add(mp, lc)
		a30 = a30.Masked(load8(mp).Greater(z))
		a31 = a31.Masked(load8(unsafe.Add(mp, 32)).Greater(z))
	}
	store8(cp, a00)
	store8(unsafe.Add(cp, 32), a01)
	cp = unsafe.Add(cp, lc)
	store8(cp, a10)
	store8(unsafe.Add(cp, 32), a11)
	cp = unsafe.Add(cp, lc)
	store8(cp, a20)
	store8(unsafe.Add(cp, 32), a21)
	cp = unsafe.Add(cp, lc)
	store8(cp, a30)
	store8(unsafe.Add(cp, 32), a31)
}

func gemmTNAVX2(c []float32, ldc int, a []float32, lda, kp int, b []float32, ldb, np, rows int) {
	if !useAVX2 {
		gemmTNGeneric(c, ldc, a, lda, kp, b, ldb, np, rows)
		return
	}
	checkTN(c, ldc, a, lda, kp, b, ldb, np, rows)
	ap := unsafe.Pointer(unsafe.SliceData(a))
	bp := unsafe.Pointer(unsafe.SliceData(b))
	cp := unsafe.Pointer(unsafe.SliceData(c))
	la, lb, lc := uintptr(lda)*4, uintptr(ldb)*4, uintptr(ldc)*4
	for j := 0; j < np*tile; j += 16 {
		for k := 0; k < kp; k += 4 {
			tn4x16(unsafe.Add(ap, k*4), la, unsafe.Add(bp, j*4), lb, rows,
				unsafe.Add(cp, uintptr(k)*lc+uintptr(j)*4), lc)
		}
	}
}

// tn4x16 adds to the 4×16 tile at cp (rows lc bytes apart) of gemmTN the
// products of four adjacent columns of A (at ap, rows la bytes apart) and
// 16 adjacent columns of B (at bp, rows lb bytes apart) over rows rows.
func tn4x16(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr) {
	var a00, a01, a10, a11, a20, a21, a30, a31 vec8
	// The pointers advance only while another row follows: a pointer past
	// the end of its object is invalid even if never dereferenced.
	for i := 1; ; i++ {
		b0 := load8(bp)
		b1 := load8(unsafe.Add(bp, 32))
		av := (*[4]float32)(ap)
		s := splat8(av[0])
		a00 = s.MulAdd(b0, a00)
		a01 = s.MulAdd(b1, a01)
		s = splat8(av[1])
		a10 = s.MulAdd(b0, a10)
		a11 = s.MulAdd(b1, a11)
		s = splat8(av[2])
		a20 = s.MulAdd(b0, a20)
		a21 = s.MulAdd(b1, a21)
		s = splat8(av[3])
		a30 = s.MulAdd(b0, a30)
		a31 = s.MulAdd(b1, a31)
		if i >= rows {
			break
		}
		ap = unsafe.Add(ap, la)
		bp = unsafe.Add(bp, lb)
	}
	addStore8(cp, a00)
	addStore8(unsafe.Add(cp, 32), a01)
	cp = unsafe.Add(cp, lc)
	addStore8(cp, a10)
	addStore8(unsafe.Add(cp, 32), a11)
	cp = unsafe.Add(cp, lc)
	addStore8(cp, a20)
	addStore8(unsafe.Add(cp, 32), a21)
	cp = unsafe.Add(cp, lc)
	addStore8(cp, a30)
	addStore8(unsafe.Add(cp, 32), a31)
}

// addStore8 adds v to the 8 float32s at p.
func addStore8(p unsafe.Pointer, v vec8) { store8(p, load8(p).Add(v)) }
