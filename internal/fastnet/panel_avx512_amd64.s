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
