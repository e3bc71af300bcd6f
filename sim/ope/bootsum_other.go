//go:build !amd64

package ope

const useAVX2 = false

func sumRows8AVX2(rows []float64, idx []uint32, out *[bootWidth]float64) {
	*out = sumRowsGo(rows, idx, 8)
}

func sumRows4AVX2(rows []float64, idx []uint32, out *[bootWidth]float64) {
	*out = sumRowsGo(rows, idx, 4)
}
