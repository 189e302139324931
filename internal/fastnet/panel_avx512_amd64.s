//go:build goexperiment.simd && amd64

#include "textflag.h"

// func panel4x32asm(wp, hp unsafe.Pointer, K int, bias *[4]float32, op unsafe.Pointer, relu bool)
//
// panel4x32 in assembly: the same 4×2 accumulators (Z0–Z7), the weights
// broadcast straight from memory (a load, where the compiler loads a
// scalar and broadcasts it on a vector pipe that the FMAs share) and the
// FMAs in their 231 form, which accumulates in place (the compiler has
// only the 213 form, which costs a register copy per broadcast). K ≥ 1.
TEXT ·panel4x32asm(SB), NOSPLIT, $0-41
	MOVQ wp+0(FP), SI
	MOVQ hp+8(FP), DI
	MOVQ K+16(FP), CX
	MOVQ bias+24(FP), AX
	MOVQ op+32(FP), DX
	VBROADCASTSS 0(AX), Z0
	VBROADCASTSS 4(AX), Z2
	VBROADCASTSS 8(AX), Z4
	VBROADCASTSS 12(AX), Z6
	VMOVAPS Z0, Z1
	VMOVAPS Z2, Z3
	VMOVAPS Z4, Z5
	VMOVAPS Z6, Z7

loop:
	VMOVUPS      0(DI), Z8
	VMOVUPS      64(DI), Z9
	VBROADCASTSS 0(SI), Z10
	VFMADD231PS  Z8, Z10, Z0
	VFMADD231PS  Z9, Z10, Z1
	VBROADCASTSS 4(SI), Z11
	VFMADD231PS  Z8, Z11, Z2
	VFMADD231PS  Z9, Z11, Z3
	VBROADCASTSS 8(SI), Z12
	VFMADD231PS  Z8, Z12, Z4
	VFMADD231PS  Z9, Z12, Z5
	VBROADCASTSS 12(SI), Z13
	VFMADD231PS  Z8, Z13, Z6
	VFMADD231PS  Z9, Z13, Z7
	ADDQ         $128, DI
	ADDQ         $16, SI
	DECQ         CX
	JNZ          loop

	MOVBLZX relu+40(FP), BX
	TESTQ   BX, BX
	JZ      store
	// max(0, acc), acc as the second source: a NaN stays NaN, as in Max.
	VXORPS Z8, Z8, Z8
	VMAXPS Z0, Z8, Z0
	VMAXPS Z1, Z8, Z1
	VMAXPS Z2, Z8, Z2
	VMAXPS Z3, Z8, Z3
	VMAXPS Z4, Z8, Z4
	VMAXPS Z5, Z8, Z5
	VMAXPS Z6, Z8, Z6
	VMAXPS Z7, Z8, Z7

store:
	VMOVUPS Z0, 0(DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	VMOVUPS Z3, 192(DX)
	VMOVUPS Z4, 256(DX)
	VMOVUPS Z5, 320(DX)
	VMOVUPS Z6, 384(DX)
	VMOVUPS Z7, 448(DX)
	VZEROUPPER
	RET

// func nn4x32asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr)
//
// The accumulation of gemmNN's 4×32 tile: C's tile at cp (rows lc bytes
// apart) = Σ_k A[r][k] B[k][:32], four rows of A at ap (la bytes apart),
// B's rows tile floats apart from bp. K ≥ 1.
TEXT ·nn4x32asm(SB), NOSPLIT, $0-48
	MOVQ ap+0(FP), SI
	MOVQ la+8(FP), R8
	MOVQ bp+16(FP), DI
	MOVQ K+24(FP), CX
	MOVQ cp+32(FP), DX
	MOVQ lc+40(FP), R9
	LEAQ (R8)(R8*2), R10
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7

nnloop:
	VMOVUPS      0(DI), Z8
	VMOVUPS      64(DI), Z9
	VBROADCASTSS (SI), Z10
	VFMADD231PS  Z8, Z10, Z0
	VFMADD231PS  Z9, Z10, Z1
	VBROADCASTSS (SI)(R8*1), Z11
	VFMADD231PS  Z8, Z11, Z2
	VFMADD231PS  Z9, Z11, Z3
	VBROADCASTSS (SI)(R8*2), Z12
	VFMADD231PS  Z8, Z12, Z4
	VFMADD231PS  Z9, Z12, Z5
	VBROADCASTSS (SI)(R10*1), Z13
	VFMADD231PS  Z8, Z13, Z6
	VFMADD231PS  Z9, Z13, Z7
	ADDQ         $4, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          nnloop

	VMOVUPS Z0, 0(DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    R9, DX
	VMOVUPS Z2, 0(DX)
	VMOVUPS Z3, 64(DX)
	ADDQ    R9, DX
	VMOVUPS Z4, 0(DX)
	VMOVUPS Z5, 64(DX)
	ADDQ    R9, DX
	VMOVUPS Z6, 0(DX)
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET

// func tn4x32asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr)
//
// gemmTN's tile: adds to C's 4×32 tile at cp (rows lc bytes apart) the
// products of four adjacent columns of A (at ap, rows la bytes apart) and
// 32 adjacent columns of B (at bp, rows lb bytes apart) over rows ≥ 1 rows.
TEXT ·tn4x32asm(SB), NOSPLIT, $0-56
	MOVQ ap+0(FP), SI
	MOVQ la+8(FP), R8
	MOVQ bp+16(FP), DI
	MOVQ lb+24(FP), R10
	MOVQ rows+32(FP), CX
	MOVQ cp+40(FP), DX
	MOVQ lc+48(FP), R9
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7

tnloop:
	VMOVUPS      0(DI), Z8
	VMOVUPS      64(DI), Z9
	VBROADCASTSS 0(SI), Z10
	VFMADD231PS  Z8, Z10, Z0
	VFMADD231PS  Z9, Z10, Z1
	VBROADCASTSS 4(SI), Z11
	VFMADD231PS  Z8, Z11, Z2
	VFMADD231PS  Z9, Z11, Z3
	VBROADCASTSS 8(SI), Z12
	VFMADD231PS  Z8, Z12, Z4
	VFMADD231PS  Z9, Z12, Z5
	VBROADCASTSS 12(SI), Z13
	VFMADD231PS  Z8, Z13, Z6
	VFMADD231PS  Z9, Z13, Z7
	ADDQ         R8, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          tnloop

	VADDPS  0(DX), Z0, Z0
	VADDPS  64(DX), Z1, Z1
	VMOVUPS Z0, 0(DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Z2, Z2
	VADDPS  64(DX), Z3, Z3
	VMOVUPS Z2, 0(DX)
	VMOVUPS Z3, 64(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Z4, Z4
	VADDPS  64(DX), Z5, Z5
	VMOVUPS Z4, 0(DX)
	VMOVUPS Z5, 64(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Z6, Z6
	VADDPS  64(DX), Z7, Z7
	VMOVUPS Z6, 0(DX)
	VMOVUPS Z7, 64(DX)
	VZEROUPPER
	RET
