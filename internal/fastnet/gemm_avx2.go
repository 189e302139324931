//go:build goexperiment.simd && amd64

package fastnet

import "unsafe"

// Both products on AVX2 run a 4×16 register tile (eight accumulators, two
// vector loads and four broadcasts per step of the contraction), twice per
// panel of tile = 32 columns: the 8-lane form of the AVX-512 4×32 tile,
// written in assembly (panel_avx2_amd64.s).

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
				c := unsafe.Add(cp, off)
				nn4x16asm(unsafe.Add(ap, uintptr(r)*la), la, pp, K, c, lc)
				epilogue4x16(c, lc, ep, bt, mt)
			}
		}
	}
}

// nn4x16asm (panel_avx2_amd64.s) sets the 4×16 tile at cp (rows lc bytes
// apart) of gemmNN to the products of four rows of A at ap (la bytes
// apart) and 16 columns of a panel of B at bp (rows tile floats apart),
// over K ≥ 1; epilogue4x16 applies the epilogue. Assembly runs the FMAs in
// their accumulating form, about twice as fast as the compiler's.
//
//go:noescape
func nn4x16asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr)

// epilogue4x16 applies gemmNN's epilogue ep to the 4×16 tile at cp (rows
// lc bytes apart): relu(C + bias) with the 16 biases at bias, or C where
// the mask (at mp, rows lc bytes apart) is positive and 0 elsewhere.
func epilogue4x16(cp unsafe.Pointer, lc uintptr, ep int, bias, mp unsafe.Pointer) {
	z := splat8(0)
	switch ep {
	case epBiasReLU:
		c0, c1 := load8(bias), load8(unsafe.Add(bias, 32))
		for range 4 {
			store8(cp, load8(cp).Add(c0).Max(z))
			store8(unsafe.Add(cp, 32), load8(unsafe.Add(cp, 32)).Add(c1).Max(z))
			cp = unsafe.Add(cp, lc)
		}
	case epMask:
		for r := range 4 {
			m := unsafe.Add(mp, uintptr(r)*lc)
			store8(cp, load8(cp).Masked(load8(m).Greater(z)))
			store8(unsafe.Add(cp, 32), load8(unsafe.Add(cp, 32)).Masked(load8(unsafe.Add(m, 32)).Greater(z)))
			cp = unsafe.Add(cp, lc)
		}
	}
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
			tn4x16asm(unsafe.Add(ap, k*4), la, unsafe.Add(bp, j*4), lb, rows,
				unsafe.Add(cp, uintptr(k)*lc+uintptr(j)*4), lc)
		}
	}
}

// tn4x16asm (panel_avx2_amd64.s) adds to the 4×16 tile at cp (rows lc
// bytes apart) of gemmTN the products of four adjacent columns of A (at
// ap, rows la bytes apart) and 16 adjacent columns of B (at bp, rows lb
// bytes apart) over rows ≥ 1 rows.
//
//go:noescape
func tn4x16asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr)
