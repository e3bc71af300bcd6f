#include "textflag.h"

// func sumRows8AVX2(rows []float64, idx []uint32, out *[8]float64)
//
// acc += (r0+r1)+(r2+r3) over draws four at a time, then acc += r for the
// last one to three: the order of sumRowsGo. Y0 holds columns 0-3, Y1
// columns 4-7.
TEXT ·sumRows8AVX2(SB), NOSPLIT, $0-56
	MOVQ rows_base+0(FP), SI
	MOVQ idx_base+24(FP), DI
	MOVQ idx_len+32(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	CMPQ CX, $4
	JL   tail8

loop8:
	MOVL (DI), AX
	MOVL 4(DI), BX
	MOVL 8(DI), DX
	MOVL 12(DI), R8
	SHLQ $6, AX
	SHLQ $6, BX
	SHLQ $6, DX
	SHLQ $6, R8
	VMOVUPD (SI)(AX*1), Y2
	VADDPD  (SI)(BX*1), Y2, Y2
	VMOVUPD 32(SI)(AX*1), Y3
	VADDPD  32(SI)(BX*1), Y3, Y3
	VMOVUPD (SI)(DX*1), Y4
	VADDPD  (SI)(R8*1), Y4, Y4
	VMOVUPD 32(SI)(DX*1), Y5
	VADDPD  32(SI)(R8*1), Y5, Y5
	VADDPD  Y4, Y2, Y2
	VADDPD  Y5, Y3, Y3
	VADDPD  Y2, Y0, Y0
	VADDPD  Y3, Y1, Y1
	ADDQ $16, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop8

tail8:
	TESTQ CX, CX
	JE    done8
	MOVL  (DI), AX
	SHLQ  $6, AX
	VADDPD (SI)(AX*1), Y0, Y0
	VADDPD 32(SI)(AX*1), Y1, Y1
	ADDQ  $4, DI
	DECQ  CX
	JMP   tail8

done8:
	MOVQ    out+48(FP), AX
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, 32(AX)
	VZEROUPPER
	RET

// func sumRows4AVX2(rows []float64, idx []uint32, out *[8]float64)
//
// The same for rows of four columns, held in Y0; the result's last four
// entries are zero.
TEXT ·sumRows4AVX2(SB), NOSPLIT, $0-56
	MOVQ rows_base+0(FP), SI
	MOVQ idx_base+24(FP), DI
	MOVQ idx_len+32(FP), CX
	VXORPD Y0, Y0, Y0
	CMPQ CX, $4
	JL   tail4

loop4:
	MOVL (DI), AX
	MOVL 4(DI), BX
	MOVL 8(DI), DX
	MOVL 12(DI), R8
	SHLQ $5, AX
	SHLQ $5, BX
	SHLQ $5, DX
	SHLQ $5, R8
	VMOVUPD (SI)(AX*1), Y2
	VADDPD  (SI)(BX*1), Y2, Y2
	VMOVUPD (SI)(DX*1), Y4
	VADDPD  (SI)(R8*1), Y4, Y4
	VADDPD  Y4, Y2, Y2
	VADDPD  Y2, Y0, Y0
	ADDQ $16, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop4

tail4:
	TESTQ CX, CX
	JE    done4
	MOVL  (DI), AX
	SHLQ  $5, AX
	VADDPD (SI)(AX*1), Y0, Y0
	ADDQ  $4, DI
	DECQ  CX
	JMP   tail4

done4:
	VXORPD  Y1, Y1, Y1
	MOVQ    out+48(FP), AX
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, 32(AX)
	VZEROUPPER
	RET
