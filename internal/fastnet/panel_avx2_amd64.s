//go:build goexperiment.simd && amd64

#include "textflag.h"

// func panel4x16asm(wp, hp unsafe.Pointer, K int, bias *[4]float32, op unsafe.Pointer, relu bool)
//
// panel4x16 in assembly: the same 4×2 accumulators (Y0–Y7), the FMAs in
// their 231 form, which accumulates in place (the compiler has only the
// 213 form, which costs a register copy per broadcast and eight moves per
// step). K ≥ 1.
TEXT ·panel4x16asm(SB), NOSPLIT, $0-41
	MOVQ wp+0(FP), SI
	MOVQ hp+8(FP), DI
	MOVQ K+16(FP), CX
	MOVQ bias+24(FP), AX
	MOVQ op+32(FP), DX
	VBROADCASTSS 0(AX), Y0
	VBROADCASTSS 4(AX), Y2
	VBROADCASTSS 8(AX), Y4
	VBROADCASTSS 12(AX), Y6
	VMOVAPS Y0, Y1
	VMOVAPS Y2, Y3
	VMOVAPS Y4, Y5
	VMOVAPS Y6, Y7

loop:
	VMOVUPS      0(DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS 0(SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS 4(SI), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS 8(SI), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS 12(SI), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $128, DI
	ADDQ         $16, SI
	DECQ         CX
	JNZ          loop

	MOVBLZX relu+40(FP), BX
	TESTQ   BX, BX
	JZ      store
	// max(0, acc), acc as the second source: a NaN stays NaN, as in Max.
	VXORPS Y8, Y8, Y8
	VMAXPS Y0, Y8, Y0
	VMAXPS Y1, Y8, Y1
	VMAXPS Y2, Y8, Y2
	VMAXPS Y3, Y8, Y3
	VMAXPS Y4, Y8, Y4
	VMAXPS Y5, Y8, Y5
	VMAXPS Y6, Y8, Y6
	VMAXPS Y7, Y8, Y7

store:
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 128(DX)
	VMOVUPS Y3, 160(DX)
	VMOVUPS Y4, 256(DX)
	VMOVUPS Y5, 288(DX)
	VMOVUPS Y6, 384(DX)
	VMOVUPS Y7, 416(DX)
	VZEROUPPER
	RET

// func nn4x16asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, K int, cp unsafe.Pointer, lc uintptr)
//
// The accumulation of nn4x16: C's 4×16 tile at cp (rows lc bytes apart) =
// Σ_k A[r][k] B[k][:16], four rows of A at ap (la bytes apart), B's rows
// tile floats apart from bp. K ≥ 1.
TEXT ·nn4x16asm(SB), NOSPLIT, $0-48
	MOVQ ap+0(FP), SI
	MOVQ la+8(FP), R8
	MOVQ bp+16(FP), DI
	MOVQ K+24(FP), CX
	MOVQ cp+32(FP), DX
	MOVQ lc+40(FP), R9
	LEAQ (R8)(R8*2), R10
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

nnloop:
	VMOVUPS      0(DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $4, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          nnloop

	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y2, 0(DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y4, 0(DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y6, 0(DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// func tn4x16asm(ap unsafe.Pointer, la uintptr, bp unsafe.Pointer, lb uintptr, rows int, cp unsafe.Pointer, lc uintptr)
//
// tn4x16: adds to C's 4×16 tile at cp (rows lc bytes apart) the products
// of four adjacent columns of A (at ap, rows la bytes apart) and 16
// adjacent columns of B (at bp, rows lb bytes apart) over rows ≥ 1 rows.
TEXT ·tn4x16asm(SB), NOSPLIT, $0-56
	MOVQ ap+0(FP), SI
	MOVQ la+8(FP), R8
	MOVQ bp+16(FP), DI
	MOVQ lb+24(FP), R10
	MOVQ rows+32(FP), CX
	MOVQ cp+40(FP), DX
	MOVQ lc+48(FP), R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

tnloop:
	VMOVUPS      0(DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS 0(SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS 4(SI), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS 8(SI), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS 12(SI), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         R8, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          tnloop

	VADDPS  0(DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Y2, Y2
	VADDPS  32(DX), Y3, Y3
	VMOVUPS Y2, 0(DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Y4, Y4
	VADDPS  32(DX), Y5, Y5
	VMOVUPS Y4, 0(DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R9, DX
	VADDPS  0(DX), Y6, Y6
	VADDPS  32(DX), Y7, Y7
	VMOVUPS Y6, 0(DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET
