package load

import "math"

// hasher is a streaming 64-bit hash (FNV-1a with a splitmix64 finaliser)
// for de-duplication keys. It is stable across processes and versions:
// keys stored in the database depend on it, so it must never change.
type hasher uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func newHasher() hasher { return fnvOffset }

func (h *hasher) str(s string) {
	x := uint64(*h)
	for i := 0; i < len(s); i++ {
		x ^= uint64(s[i])
		x *= fnvPrime
	}
	// a separator so that ("ab","c") and ("a","bc") differ
	x ^= 0xff
	x *= fnvPrime
	*h = hasher(x)
}

func (h *hasher) u64(v uint64) {
	x := uint64(*h)
	for i := 0; i < 8; i++ {
		x ^= v & 0xff
		x *= fnvPrime
		v >>= 8
	}
	*h = hasher(x)
}

func (h *hasher) f64(f float64) { h.u64(math.Float64bits(f)) }

func (h hasher) sum() uint64 {
	z := uint64(h)
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

func hashStrings(ss ...string) uint64 {
	h := newHasher()
	for _, s := range ss {
		h.str(s)
	}
	return h.sum()
}
