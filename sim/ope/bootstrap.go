package ope

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// bootChunk is the number of rounds whose terms are summed together while
// they sit in the processor's cache: 1024 rounds × 8 columns × 8 bytes is
// 64 KiB (measured fastest among 512…8192 on the 1M-round benchmark).
const bootChunk = 1 << 10

// bootWidth is the number of term columns summed in one pass; columns are
// stored in groups of bootWidth (the last group padded with zeros) so one
// round's group fills one 64-byte cache line.
const bootWidth = 8

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
	for c, col := range cols {
		g, k := c/bootWidth, c%bootWidth
		d, w := data[g], groupWidth(nc, g)
		for i, v := range col {
			d[i*w+k] = v
		}
	}
	clear(cols) // the caller's columns may be freed while the pass runs
	nChunks := (n + bootChunk - 1) / bootChunk
	sums := make([]float64, nBoot*nc)
	if workers > nBoot {
		workers = nBoot
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*nBoot/workers, (w+1)*nBoot/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			bootWorker(data, nc, n, nChunks, lo, hi, seed, sums)
		}()
	}
	wg.Wait()
	return sums
}

func bootWorker(data [][]float64, nc, n, nChunks, lo, hi int, seed uint64, sums []float64) {
	m := hi - lo
	rngs := make([]rand.PCG, m)
	alloc := make([]int, m*nChunks)
	for j := 0; j < m; j++ {
		b := uint64(lo + j)
		rngs[j] = *rand.NewPCG(splitmix(seed), splitmix(seed^splitmix(b+0x9e3779b97f4a7c15)))
		splitDraws(&rngs[j], n, nChunks, alloc[j*nChunks:(j+1)*nChunks])
	}
	idx := make([]uint32, 0, 2*bootChunk)
	for c := 0; c < nChunks; c++ {
		base := c * bootChunk
		size := min(bootChunk, n-base)
		for j := 0; j < m; j++ {
			idx = drawIndices(&rngs[j], uint32(size), alloc[j*nChunks+c], idx[:0])
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
func splitDraws(r *rand.PCG, n, nChunks int, out []int) {
	remaining := n
	for c := 0; c < nChunks; c++ {
		size := min(bootChunk, n-c*bootChunk)
		rest := n - c*bootChunk // rounds in this and later chunks
		if c == nChunks-1 || remaining == 0 {
			out[c] = remaining
			remaining = 0
			continue
		}
		k := int(distuv.Binomial{N: float64(remaining), P: float64(size) / float64(rest), Src: r}.Rand())
		out[c] = k
		remaining -= k
	}
}

// drawIndices appends `draws` indices drawn uniformly from 0…size−1.
// Lemire's multiply-shift with rejection makes them exactly uniform; each
// 64-bit output of the generator yields two 32-bit draws.
func drawIndices(r *rand.PCG, size uint32, draws int, idx []uint32) []uint32 {
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

// sumRows4, sumRows2 and sumRows1 are sumRows for rows 4, 2 and 1 wide.
func sumRows4(rows []float64, idx []uint32) [bootWidth]float64 {
	var a0, a1, a2, a3 float64
	for _, i := range idx {
		o := int(i) * 4
		r := rows[o : o+4 : o+4]
		a0 += r[0]
		a1 += r[1]
		a2 += r[2]
		a3 += r[3]
	}
	return [bootWidth]float64{a0, a1, a2, a3}
}

func sumRows2(rows []float64, idx []uint32) [bootWidth]float64 {
	var a0, a1 float64
	for _, i := range idx {
		o := int(i) * 2
		r := rows[o : o+2 : o+2]
		a0 += r[0]
		a1 += r[1]
	}
	return [bootWidth]float64{a0, a1}
}

func sumRows1(rows []float64, idx []uint32) [bootWidth]float64 {
	var a0 float64
	for _, i := range idx {
		a0 += rows[i]
	}
	return [bootWidth]float64{a0}
}

// sumRows returns Σ_j rows[idx[j]] where rows holds bootWidth-wide rows.
// The eight accumulators stay in registers.
func sumRows(rows []float64, idx []uint32) [bootWidth]float64 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float64
	for _, i := range idx {
		o := int(i) * bootWidth
		r := rows[o : o+bootWidth : o+bootWidth]
		a0 += r[0]
		a1 += r[1]
		a2 += r[2]
		a3 += r[3]
		a4 += r[4]
		a5 += r[5]
		a6 += r[6]
		a7 += r[7]
	}
	return [bootWidth]float64{a0, a1, a2, a3, a4, a5, a6, a7}
}

// splitmix is the SplitMix64 finaliser, used to derive independent seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
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
