//go:build goexperiment.simd && amd64

package fastnet

import "unsafe"

// Both products run the 4×32 register tile of panel4x32 (eight
// accumulators, two vector loads and four broadcasts from memory per step
// of the contraction), in assembly (panel_avx512_amd64.s) with the
// accumulating FMA, which the compiler lacks.

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
// four rows of A at ap (la bytes apart), one panel of B at bp; the
// products in nn4x32asm, then the epilogue on the stored tile.
func nn4x32(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr, ep int, bias, mp unsafe.Pointer) {
	nn4x32asm(ap, la, bp, K, cp, lc)
	z := splat(0)
	switch ep {
	case epBiasReLU:
		c0, c1 := load16(bias), load16(unsafe.Add(bias, 64))
		for range 4 {
			store16(cp, load16(cp).Add(c0).Max(z))
			store16(unsafe.Add(cp, 64), load16(unsafe.Add(cp, 64)).Add(c1).Max(z))
			cp = unsafe.Add(cp, lc)
		}
	case epMask:
		for r := range 4 {
			m := unsafe.Add(mp, uintptr(r)*lc)
			store16(cp, load16(cp).Masked(load16(m).Greater(z)))
			store16(unsafe.Add(cp, 64), load16(unsafe.Add(cp, 64)).Masked(load16(unsafe.Add(m, 64)).Greater(z)))
			cp = unsafe.Add(cp, lc)
		}
	}
}

// nn4x32asm (panel_avx512_amd64.s) sets the 4×32 tile at cp (rows lc
// bytes apart) of gemmNN to the products of four rows of A at ap (la bytes
// apart) and a panel of B at bp (rows tile floats apart), over K ≥ 1.
//
//go:noescape
func nn4x32asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr)

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
			tn4x32asm(unsafe.Add(ap, k*4), la, unsafe.Add(bp, p*tile*4), lb, rows,
				unsafe.Add(cp, uintptr(k)*lc+uintptr(p)*tile*4), lc)
		}
	}
}

// tn4x32asm (panel_avx512_amd64.s) adds to the 4×32 tile at cp (rows lc
// bytes apart) of gemmTN the products of four adjacent columns of A (at
// ap, rows la bytes apart) and 32 adjacent columns of B (at bp, rows lb
// bytes apart) over rows ≥ 1 rows.
//
//go:noescape
func tn4x32asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr)
