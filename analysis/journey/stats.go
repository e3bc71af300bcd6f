package journey

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
)

// exactCap is the number of observations a distribution keeps exactly;
// beyond it the values go into a log-linear sketch (values below 128 ms
// exactly, larger ones in 64 buckets per power of two, so a bucket's
// midpoint is within 1/128 < 0.8% of any value in it). Count, sum, mean,
// min, max and standard deviation stay exact.
const exactCap = 4096

// sketchBuckets is the number of sketch buckets for values < 2⁶³.
const sketchBuckets = 128 + 57*64

// dist accumulates durations in milliseconds (non-negative integers).
// All its state is order-independent, so merged results do not depend on
// how observations were split among workers.
type dist struct {
	n        int64
	sum      int64
	sqHi     uint64 // Σx² as a 128-bit integer
	sqLo     uint64
	min, max int64
	vals     []int64 // exact values while n ≤ exactCap
	sketch   []int64 // bucket → count once n > exactCap
}

func (d *dist) add(x int64) {
	if x < 0 {
		x = 0
	}
	if d.n == 0 || x < d.min {
		d.min = x
	}
	if d.n == 0 || x > d.max {
		d.max = x
	}
	d.n++
	d.sum += x
	hi, lo := bits.Mul64(uint64(x), uint64(x))
	var c uint64
	d.sqLo, c = bits.Add64(d.sqLo, lo, 0)
	d.sqHi += hi + c
	if d.sketch != nil {
		d.sketch[bucketOf(x)]++
		return
	}
	d.vals = append(d.vals, x)
	if len(d.vals) > exactCap {
		d.toSketch()
	}
}

func (d *dist) toSketch() {
	d.sketch = make([]int64, sketchBuckets)
	for _, v := range d.vals {
		d.sketch[bucketOf(v)]++
	}
	d.vals = nil
}

func (d *dist) merge(o *dist) {
	if o.n == 0 {
		return
	}
	if d.n == 0 || o.min < d.min {
		d.min = o.min
	}
	if d.n == 0 || o.max > d.max {
		d.max = o.max
	}
	d.n += o.n
	d.sum += o.sum
	var c uint64
	d.sqLo, c = bits.Add64(d.sqLo, o.sqLo, 0)
	d.sqHi += o.sqHi + c
	if d.sketch == nil && o.sketch == nil && len(d.vals)+len(o.vals) <= exactCap {
		d.vals = append(d.vals, o.vals...)
		return
	}
	if d.sketch == nil {
		d.toSketch()
	}
	if o.sketch != nil {
		for b, k := range o.sketch {
			d.sketch[b] += k
		}
	} else {
		for _, v := range o.vals {
			d.sketch[bucketOf(v)]++
		}
	}
}

// bucketOf is x for x < 128; otherwise, with e = ⌊log₂ x⌋ and m the six
// bits of x after its leading one, 128 + 64(e−7) + m.
func bucketOf(x int64) int32 {
	if x < 128 {
		return int32(max(x, 0))
	}
	e := bits.Len64(uint64(x)) - 1
	m := (x >> (e - 6)) & 63
	return int32(128 + 64*(e-7) + int(m))
}

// bucketValue is the midpoint of a bucket's values.
func bucketValue(b int32) float64 {
	if b < 128 {
		return float64(b)
	}
	e := int(b-128)/64 + 7
	m := int64(b-128) % 64
	lo := (64 + m) << (e - 6)
	return float64(lo) + float64(int64(1)<<(e-6))/2
}

// DurationStats summarises durations, in seconds.
//
// Mean = Σx/n; Median is the middle value (the mean of the two middle
// values for even n); quantiles Pq interpolate linearly between order
// statistics at rank q·(n−1) (numpy's default); Stdev is the sample
// standard deviation √(Σ(x−mean)²/(n−1)), null when n < 2. These match
// pm4py's performance DFG (which uses numpy mean, median, min, max, sum and
// stdev with ddof 1). When more than 4096 values were observed the
// quantiles come from a log-bucket sketch with relative error < 1% and
// Exact is false; count, sum, mean, min, max and stdev are always exact.
type DurationStats struct {
	Count  int64    `json:"count"`
	Mean   float64  `json:"mean"`
	Median float64  `json:"median"`
	Min    float64  `json:"min"`
	Max    float64  `json:"max"`
	Sum    float64  `json:"sum"`
	Stdev  *float64 `json:"stdev"`
	P25    float64  `json:"p25"`
	P75    float64  `json:"p75"`
	P90    float64  `json:"p90"`
	Exact  bool     `json:"exact"`
}

func (d *dist) stats() DurationStats {
	s := DurationStats{Count: d.n, Exact: d.sketch == nil}
	if d.n == 0 {
		return s
	}
	s.Sum = float64(d.sum) / 1000
	s.Mean = float64(d.sum) / float64(d.n) / 1000
	s.Min = float64(d.min) / 1000
	s.Max = float64(d.max) / 1000
	if d.n >= 2 {
		// Σ(x−mean)² = (nΣx² − (Σx)²)/n, computed exactly in integers.
		sq := new(big.Int).SetUint64(d.sqHi)
		sq.Lsh(sq, 64).Or(sq, new(big.Int).SetUint64(d.sqLo))
		n := big.NewInt(d.n)
		num := new(big.Int).Mul(sq, n)
		sm := big.NewInt(d.sum)
		num.Sub(num, sm.Mul(sm, sm))
		den := new(big.Int).Mul(n, big.NewInt(d.n-1))
		v, _ := new(big.Rat).SetFrac(num, den).Float64()
		sd := math.Sqrt(v) / 1000
		s.Stdev = &sd
	}
	s.Median = d.quantile(0.5)
	s.P25 = d.quantile(0.25)
	s.P75 = d.quantile(0.75)
	s.P90 = d.quantile(0.9)
	return s
}

// quantile in seconds (see DurationStats).
func (d *dist) quantile(q float64) float64 {
	if d.sketch == nil {
		v := slices.Clone(d.vals)
		slices.Sort(v)
		return quantileSorted(v, q) / 1000
	}
	rank := int64(math.Round(q * float64(d.n-1)))
	var c int64
	for b, k := range d.sketch {
		c += k
		if c > rank {
			v := bucketValue(int32(b))
			return math.Min(math.Max(v, float64(d.min)), float64(d.max)) / 1000
		}
	}
	return float64(d.max) / 1000
}

func quantileSorted(v []int64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(v)-1)
	f := pos - float64(lo)
	a, b := float64(v[lo]), float64(v[hi])
	if f == 0 || a == b {
		return a
	}
	return a + (b-a)*f
}

// HistogramBucket counts durations in [From, To) seconds; To is 0 for the
// last, open bucket.
type HistogramBucket struct {
	Label string  `json:"label"`
	From  float64 `json:"from_seconds"`
	To    float64 `json:"to_seconds"`
	Count int64   `json:"count"`
}

// histEdges are the bucket bounds of time-to-convert histograms.
var histEdges = []struct {
	label string
	to    int64 // ms, exclusive
}{
	{"< 1m", 60e3}, {"1–5m", 300e3}, {"5–15m", 900e3}, {"15–60m", 3600e3},
	{"1–6h", 6 * 3600e3}, {"6–24h", 24 * 3600e3}, {"1–3d", 3 * 86400e3},
	{"3–7d", 7 * 86400e3}, {"7–14d", 14 * 86400e3}, {"14–30d", 30 * 86400e3}, {"≥ 30d", 0},
}

func histIndex(ms int64) int {
	for i, e := range histEdges {
		if e.to == 0 || ms < e.to {
			return i
		}
	}
	return len(histEdges) - 1
}

func histogram(counts []int64) []HistogramBucket {
	out := make([]HistogramBucket, len(histEdges))
	var from int64
	for i, e := range histEdges {
		out[i] = HistogramBucket{Label: e.label, From: float64(from) / 1000, To: float64(e.to) / 1000, Count: counts[i]}
		from = e.to
	}
	return out
}
