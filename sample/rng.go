package sample

import "math"

// rng is a SplitMix64 generator. It is tiny, fast and fully specified here,
// so the sample's bytes do not depend on the standard library's choice of
// random algorithms (only on math.Log/Exp/Cos, which are deterministic on a
// given platform).
type rng struct{ s uint64 }

// mix64 is the SplitMix64 finaliser. It is a bijection on uint64 (each step
// is an invertible xor-shift or a multiplication by an odd constant), so
// distinct inputs give distinct outputs: the generator uses it to make
// identifiers that look random but can never collide.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG derives an independent stream from the run's seed, a stream kind
// and an index (a person or a block), so that every person's draws depend
// only on (seed, kind, index).
func newRNG(seed int64, kind uint64, index int) *rng {
	return &rng{s: mix64(uint64(seed)*0x9e3779b97f4a7c15 ^ mix64(kind<<40^uint64(index)+0x632be59bd9b4e019))}
}

func (r *rng) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform draw in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// intn returns a draw in [0, n) (modulo bias below 2^-40 for the small n used).
func (r *rng) intn(n int) int { return int(r.u64() % uint64(n)) }

// bern returns true with probability p.
func (r *rng) bern(p float64) bool { return r.float() < p }

// exp returns an exponential draw with the given mean.
func (r *rng) exp(mean float64) float64 { return -mean * math.Log(1-r.float()) }

// norm returns a standard normal draw (Box–Muller, one of the pair).
func (r *rng) norm() float64 {
	u := 1 - r.float()
	v := r.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// lognormMean returns a log-normal draw with mean m and log-sd sigma:
// exp(μ + σZ) with μ = ln m − σ²/2, so that E = m.
func (r *rng) lognormMean(m, sigma float64) float64 {
	return math.Exp(math.Log(m) - sigma*sigma/2 + sigma*r.norm())
}

// poisson returns a Poisson draw with mean lambda (Knuth's method; the
// generator only uses small means).
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.float()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns an index drawn with probability proportional to weights.
func (r *rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	u := r.float() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

const hexDigits = "0123456789abcdef"

// appendUUID appends a random UUID version 4 (RFC 9562 layout).
func (r *rng) appendUUID(b []byte) []byte {
	hi, lo := r.u64(), r.u64()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // variant 10xx
	for i := 0; i < 16; i++ {
		var x byte
		if i < 8 {
			x = byte(hi >> (56 - 8*i))
		} else {
			x = byte(lo >> (56 - 8*(i-8)))
		}
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&15])
	}
	return b
}

// appendHex64 appends v as 16 lower-case hex digits.
func appendHex64(b []byte, v uint64) []byte {
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hexDigits[(v>>uint(i))&15])
	}
	return b
}
