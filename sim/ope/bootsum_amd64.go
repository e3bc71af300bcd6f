package ope

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernels of the bootstrap sums.
var useAVX2 = cpu.X86.HasAVX2

// sumRows8AVX2 stores sumRowsGo(rows, idx, 8) in out, computed with 256-bit vector additions,
// in the same order. Every index must address a whole row of rows.
//
//go:noescape
func sumRows8AVX2(rows []float64, idx []uint32, out *[bootWidth]float64)

// sumRows4AVX2 stores sumRowsGo(rows, idx, 4) in out, computed with 256-bit vector additions,
// in the same order. Every index must address a whole row of rows.
//
//go:noescape
func sumRows4AVX2(rows []float64, idx []uint32, out *[bootWidth]float64)
