package ope

import (
	"math"
	"math/rand/v2"
	"testing"
)

// addDense is the dense update addSparse stands for: G_jk += z_j z_k for
// every j ≤ k, h_j += z_j r.
func (s *gram) addDense(z []float64, r float64) {
	p := s.p
	for j, zj := range z {
		row := s.g[j*p : (j+1)*p]
		for k := j; k < p; k++ {
			row[k] += zj * z[k]
		}
		s.h[j] += zj * r
	}
	s.rs += r
	s.counts++
}

// The sparse accumulation of ZᵀZ and Zᵀr over one-hot-like rows (an
// intercept, a few indicators, a few numbers) equals the dense one; the
// check allows 1e-9 relative, though the sums agree term by term.
func TestGramSparseMatchesDense(t *testing.T) {
	const p, n = 30, 5000
	r := rand.New(rand.NewPCG(7, 8))
	dense, sparse := newGram(p), newGram(p)
	z := make([]float64, p)
	var nz []int
	var zv []float64
	for i := 0; i < n; i++ {
		clear(z)
		z[0] = 1
		for b := 0; b < 4; b++ { // four one-hot blocks of five
			z[1+5*b+r.IntN(5)] = 1
		}
		for c := 21; c < p; c++ {
			if r.IntN(3) > 0 {
				z[c] = r.NormFloat64() * 50
			}
		}
		nz, zv = nz[:0], zv[:0]
		for c, v := range z {
			if v != 0 {
				nz, zv = append(nz, c), append(zv, v)
			}
		}
		y := r.NormFloat64()
		dense.addDense(z, y)
		sparse.addSparse(zv, nz, y)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for j := range dense.g {
		if j%p >= j/p && !near(sparse.g[j], dense.g[j]) {
			t.Fatalf("G[%d][%d] = %v sparse, %v dense", j/p, j%p, sparse.g[j], dense.g[j])
		}
	}
	for j := range dense.h {
		if !near(sparse.h[j], dense.h[j]) {
			t.Fatalf("h[%d] = %v sparse, %v dense", j, sparse.h[j], dense.h[j])
		}
	}
	if sparse.counts != n || !near(sparse.rs, dense.rs) {
		t.Fatalf("count %d sum %v, want %d and %v", sparse.counts, sparse.rs, n, dense.rs)
	}
}
