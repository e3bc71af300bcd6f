package ope

import (
	"math"
	"math/bits"
	"sort"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// bootChunkBits sets bootChunk, the number of rounds whose terms are
// summed together while they sit in the processor's cache: 1024 rounds ×
// 8 columns × 8 bytes is 64 KiB. A power of two, so an index within a full
// chunk is bootChunkBits random bits, with no rejection.
const bootChunkBits = 10

// Six indices of bootChunkBits bits fill one 64-bit output (drawIndices).
var _ = [1]struct{}{}[64/bootChunkBits-6]

const bootChunk = 1 << bootChunkBits

// bootWidth is the widest row of term columns summed in one pass; columns
// are stored in groups of bootWidth (the last group narrowed to 1, 2 or 4)
// so one round's group fills one 64-byte cache line.
const bootWidth = 8

// bootRNG is the random stream of one bootstrap resample: wyrand, a
// counter-based generator (the k-th output is a fixed function of the key
// and k: the 128-bit product of x_k = key + k·γ and x_k ⊕ δ, folded to 64
// bits), which passes BigCrush and PractRand and costs one multiplication
// per 64 bits.
type bootRNG struct{ x uint64 }

// newBootRNG returns the stream of resample b under seed: its key is
// derived from (seed, b) alone by SplitMix64, so resample b is the same
// whichever worker draws it.
func newBootRNG(seed uint64, b int) bootRNG {
	return bootRNG{x: splitmix(splitmix(seed) ^ splitmix(uint64(b)+0x9e3779b97f4a7c15))}
}

// Uint64 returns the stream's next 64 random bits (it makes bootRNG a
// math/rand/v2 Source, for the binomial draws).
func (r *bootRNG) Uint64() uint64 {
	r.x += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.x, r.x^0xe7037ed1a0b428db)
	return hi ^ lo
}

// bootstrapSums draws nBoot resamples of n rounds with replacement and
// returns, for resample b and column c, Σ_{i in resample b} cols[c][i] at
// sums[b*len(cols)+c]. It clears cols (the entries, not the columns'
// contents) once they are copied, so they can be collected.
//
// Resample b has its own random stream, derived from (seed, b) alone, so
// the result does not depend on the number of workers. A resample of n
// uniform draws is generated exactly, but chunk by chunk: first the number
// of draws falling in each chunk of bootChunk rounds (a multinomial split,
// drawn as successive binomials), then the draws within each chunk. This
// has the same distribution as n independent uniform draws and lets all
// resamples of a worker visit one chunk of terms at a time, while it is in
// cache.
func bootstrapSums(cols [][]float64, n, nBoot int, seed uint64, workers int) []float64 {
	nc := len(cols)
	groups := (nc + bootWidth - 1) / bootWidth
	// data[g] holds columns g*bootWidth… interleaved: round i's terms are
	// data[g][i*w : (i+1)*w] with w = width(g): bootWidth, except for a
	// last group of fewer columns, which is only as wide as the next power
	// of two (1, 2 or 4), so a ninth column does not cost a second full
	// group.
	data := make([][]float64, groups)
	for g := range data {
		data[g] = make([]float64, n*groupWidth(nc, g))
	}
	var cw sync.WaitGroup
	for c, col := range cols {
		cw.Add(1)
		go func() {
			defer cw.Done()
			g, k := c/bootWidth, c%bootWidth
			d, w := data[g], groupWidth(nc, g)
			for i, v := range col {
				d[i*w+k] = v
			}
		}()
	}
	cw.Wait()
	clear(cols) // the caller's columns may be freed while the pass runs
	nChunks := (n + bootChunk - 1) / bootChunk
	sums := make([]float64, nBoot*nc)
	// The resamples are cut into a few pieces per worker, handed out in
	// order to whichever worker is free (eachPiece).
	pieces := min(nBoot, piecesPerWorker*workers)
	eachPiece(pieces, workers, func(p int) {
		bootWorker(data, nc, n, nChunks, p*nBoot/pieces, (p+1)*nBoot/pieces, seed, sums)
	})
	return sums
}

func bootWorker(data [][]float64, nc, n, nChunks, lo, hi int, seed uint64, sums []float64) {
	m := hi - lo
	rngs := make([]bootRNG, m)
	alloc := make([]int32, m*nChunks)
	for j := 0; j < m; j++ {
		rngs[j] = newBootRNG(seed, lo+j)
		splitDraws(&rngs[j], n, nChunks, alloc[j*nChunks:(j+1)*nChunks])
	}
	idx := make([]uint32, 0, 2*bootChunk+64)
	for c := 0; c < nChunks; c++ {
		base := c * bootChunk
		size := min(bootChunk, n-base)
		for j := 0; j < m; j++ {
			idx = drawIndices(&rngs[j], uint32(size), int(alloc[j*nChunks+c]), idx[:0])
			out := sums[(lo+j)*nc : (lo+j+1)*nc]
			for g, d := range data {
				w := groupWidth(nc, g)
				var acc [bootWidth]float64
				switch rows := d[base*w : (base+size)*w]; w {
				case bootWidth:
					acc = sumRows(rows, idx)
				case 4:
					acc = sumRows4(rows, idx)
				case 2:
					acc = sumRows2(rows, idx)
				default:
					acc = sumRows1(rows, idx)
				}
				for k := 0; k < w && g*bootWidth+k < nc; k++ {
					out[g*bootWidth+k] += acc[k]
				}
			}
		}
	}
}

// splitDraws splits n uniform draws over rounds 0…n−1 into counts per chunk
// of bootChunk rounds: a multinomial with probabilities proportional to
// chunk sizes, drawn as successive conditional binomials.
func splitDraws(r *bootRNG, n, nChunks int, out []int32) {
	remaining := n
	for c := 0; c < nChunks; c++ {
		size := min(bootChunk, n-c*bootChunk)
		rest := n - c*bootChunk // rounds in this and later chunks
		if c == nChunks-1 || remaining == 0 {
			out[c] = int32(remaining)
			remaining = 0
			continue
		}
		k := int(distuv.Binomial{N: float64(remaining), P: float64(size) / float64(rest), Src: r}.Rand())
		out[c] = int32(k)
		remaining -= k
	}
}

// drawIndices appends `draws` indices drawn uniformly from 0…size−1. For
// a full chunk (size = bootChunk) an index is bootChunkBits random bits,
// ⌊64/bootChunkBits⌋ to a 64-bit output; otherwise Lemire's multiply-shift
// with rejection makes them exactly uniform, two to an output. idx needs
// capacity for draws+⌊64/bootChunkBits⌋ indices.
func drawIndices(r *bootRNG, size uint32, draws int, idx []uint32) []uint32 {
	if size == bootChunk {
		const mask, per = bootChunk - 1, 64 / bootChunkBits
		idx = idx[:(draws+per-1)/per*per]
		for k := 0; k < len(idx); k += per {
			x := r.Uint64()
			s := idx[k : k+per : k+per]
			s[0] = uint32(x) & mask
			s[1] = uint32(x>>bootChunkBits) & mask
			s[2] = uint32(x>>(2*bootChunkBits)) & mask
			s[3] = uint32(x>>(3*bootChunkBits)) & mask
			s[4] = uint32(x>>(4*bootChunkBits)) & mask
			s[5] = uint32(x>>(5*bootChunkBits)) & mask
		}
		return idx[:draws]
	}
	thresh := -size % size
	for len(idx) < draws {
		x := r.Uint64()
		if hi, lo := bits.Mul32(uint32(x), size); lo >= thresh {
			idx = append(idx, hi)
		}
		if hi, lo := bits.Mul32(uint32(x>>32), size); lo >= thresh {
			idx = append(idx, hi)
		}
	}
	// The second half of the last output may overshoot by one.
	return idx[:draws]
}

// groupWidth is the row width of column group g of nc columns.
func groupWidth(nc, g int) int {
	r := nc - g*bootWidth
	switch {
	case r > 4:
		return bootWidth
	case r > 2:
		return 4
	}
	return r
}

// sumRows returns Σ_j rows[idx[j]] where rows holds bootWidth-wide rows,
// with AVX2 vector additions where the processor has them.
func sumRows(rows []float64, idx []uint32) [bootWidth]float64 {
	if useAVX2 {
		var acc [bootWidth]float64
		sumRows8AVX2(rows, idx, &acc)
		return acc
	}
	return sumRowsGo(rows, idx, bootWidth)
}

// sumRows4 is sumRows for rows 4 wide.
func sumRows4(rows []float64, idx []uint32) [bootWidth]float64 {
	if useAVX2 {
		var acc [bootWidth]float64
		sumRows4AVX2(rows, idx, &acc)
		return acc
	}
	return sumRowsGo(rows, idx, 4)
}

// sumRowsGo returns Σ_j rows[idx[j]] where rows holds w-wide rows (w ≤
// bootWidth), adding in a fixed order whatever w is: draws are taken four
// at a time, summed as (r₀+r₁)+(r₂+r₃) and added to the accumulator (one
// dependent addition per four rows), then the last one to three draws are
// added one by one. The vector kernels add in exactly this order, so a
// column's sum does not depend on the group it sits in nor on the kernel.
func sumRowsGo(rows []float64, idx []uint32, w int) [bootWidth]float64 {
	var acc [bootWidth]float64
	j := 0
	for ; j+3 < len(idx); j += 4 {
		r0 := rows[int(idx[j])*w:][:w]
		r1 := rows[int(idx[j+1])*w:][:w]
		r2 := rows[int(idx[j+2])*w:][:w]
		r3 := rows[int(idx[j+3])*w:][:w]
		for k := range w {
			acc[k] += (r0[k] + r1[k]) + (r2[k] + r3[k])
		}
	}
	for ; j < len(idx); j++ {
		r := rows[int(idx[j])*w:][:w]
		for k := range w {
			acc[k] += r[k]
		}
	}
	return acc
}

// sumRows2 and sumRows1 are sumRowsGo for rows 2 and 1 wide.
func sumRows2(rows []float64, idx []uint32) [bootWidth]float64 { return sumRowsGo(rows, idx, 2) }

func sumRows1(rows []float64, idx []uint32) [bootWidth]float64 { return sumRowsGo(rows, idx, 1) }

// splitmix is the SplitMix64 finaliser, used to derive independent seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// bootstrapInterval summarises the bootstrap replicates of one estimator:
// the percentile interval at level 1−alpha and the standard error, i.e.
// the (α/2, 1−α/2) percentiles of the replicates (percentileInterval) and
// their sample standard deviation (stdDev). It is the one place the
// interval method is defined; reps is reordered.
func bootstrapInterval(reps []float64, alpha float64) (lo, hi, se float64) {
	lo, hi = percentileInterval(reps, alpha)
	return lo, hi, stdDev(reps)
}

// percentileInterval returns the alpha/2 and 1−alpha/2 percentiles of x
// with linear interpolation between order statistics (numpy.percentile's
// default): the q-quantile is x₍ₖ₎ + f (x₍ₖ₊₁₎ − x₍ₖ₎) with k + f = q (m−1)
// on the sorted values. x is sorted in place.
func percentileInterval(x []float64, alpha float64) (lo, hi float64) {
	sort.Float64s(x)
	return quantileSorted(x, alpha/2), quantileSorted(x, 1-alpha/2)
}

func quantileSorted(x []float64, q float64) float64 {
	pos := q * float64(len(x)-1)
	k := int(math.Floor(pos))
	if k >= len(x)-1 {
		return x[len(x)-1]
	}
	f := pos - float64(k)
	return x[k] + f*(x[k+1]-x[k])
}

// stdDev is the sample standard deviation (n−1 denominator); 0 for one value.
func stdDev(x []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	m := sum(x) / float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}
