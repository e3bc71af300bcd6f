package ope

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumRowsKernels checks that every summation kernel gives, bit for
// bit, the sums of sumRowsGo (the reference order (r₀+r₁)+(r₂+r₃) per four
// draws, then one by one), for each row width and for draw counts that
// leave every remainder 0…3, so a column's bootstrap sum is the same
// whichever kernel and group width it goes through. The values span
// twelve orders of magnitude so that a different order of addition would
// round differently.
func TestSumRowsKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const rowsN = 257
	for _, w := range []int{1, 2, 4, 8} {
		rows := make([]float64, rowsN*w)
		for i := range rows {
			rows[i] = (r.Float64() - 0.3) * float64(int64(1)<<r.IntN(40))
		}
		for _, draws := range []int{0, 1, 2, 3, 4, 5, 6, 7, 1000, 1023} {
			idx := make([]uint32, draws)
			for j := range idx {
				idx[j] = uint32(r.IntN(rowsN))
			}
			want := sumRowsGo(rows, idx, w)
			// The order, written out for one column.
			var ref float64
			j := 0
			for ; j+3 < draws; j += 4 {
				ref += (rows[int(idx[j])*w] + rows[int(idx[j+1])*w]) + (rows[int(idx[j+2])*w] + rows[int(idx[j+3])*w])
			}
			for ; j < draws; j++ {
				ref += rows[int(idx[j])*w]
			}
			if want[0] != ref {
				t.Fatalf("w=%d draws=%d: sumRowsGo column 0 = %v, the order written out gives %v", w, draws, want[0], ref)
			}
			var got [bootWidth]float64
			switch w {
			case 8:
				got = sumRows(rows, idx)
			case 4:
				got = sumRows4(rows, idx)
			case 2:
				got = sumRows2(rows, idx)
			default:
				got = sumRows1(rows, idx)
			}
			if got != want {
				t.Errorf("w=%d draws=%d (AVX2 %v): kernel %v, sumRowsGo %v", w, draws, useAVX2, got, want)
			}
		}
	}
}

// TestDrawIndicesRange checks that the indices of a full chunk and of a
// shorter last chunk lie in 0…size−1, that each is drawn about equally
// often (within 5 standard deviations of the binomial count), and that
// exactly the number asked for is returned.
func TestDrawIndicesRange(t *testing.T) {
	for _, size := range []uint32{bootChunk, 1000, 3} {
		r := newBootRNG(9, 1)
		const draws = 200_000
		idx := drawIndices(&r, size, draws, make([]uint32, 0, draws+8))
		if len(idx) != draws {
			t.Fatalf("size %d: %d indices, want %d", size, len(idx), draws)
		}
		count := make([]int, size)
		for _, i := range idx {
			if i >= size {
				t.Fatalf("size %d: index %d out of range", size, i)
			}
			count[i]++
		}
		p := 1 / float64(size)
		mean, sd := draws*p, 0.0
		sd = math.Sqrt(draws * p * (1 - p))
		for i, c := range count {
			if d := float64(c) - mean; d > 5*sd || d < -5*sd {
				t.Errorf("size %d: index %d drawn %d times, expected %.0f ± %.0f", size, i, c, mean, 5*sd)
			}
		}
	}
}
