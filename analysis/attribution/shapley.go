package attribution

import (
	"fmt"
	"math/bits"
)

// ShapleyMethod selects how Shapley evaluates the closed form.
type ShapleyMethod int

const (
	// ShapleyDividends sums Harsanyi dividends over the observed channel
	// sets (no limit on the number of channels). It is the default.
	ShapleyDividends ShapleyMethod = iota
	// ShapleyEnumerate sums the Shapley formula over all 2^(n−1) coalitions
	// per channel (n ≤ MaxShapleyChannels). It gives the same numbers and
	// exists to check them.
	ShapleyEnumerate
)

// MaxShapleyChannels is the most channels ShapleyEnumerate accepts.
const MaxShapleyChannels = 20

// ShapleyOptions configures Shapley.
type ShapleyOptions struct {
	Method ShapleyMethod
}

// Shapley computes the exact Shapley value of the coalition game over
// channel sets whose worth is
//
//	v(S) = Σ conversions of the paths whose set of channels ⊆ S
//
// (order and repeats ignored), so that v(N) is all conversions:
//
//	φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S)).
//
// Value is attributed the same way with v measuring conversion value.
//
// Because v(S) = Σ_{T ⊆ S} c(T), with c(T) the conversions of the paths
// whose channel set is exactly T, the Harsanyi dividends of v are the c(T)
// themselves, and the Shapley value is φ_i = Σ_{T ∋ i} c(T)/|T|: each
// path's conversions split equally among its distinct channels.
// ShapleyDividends computes this form; ShapleyEnumerate computes the sum
// over coalitions with bitmasks.
func Shapley(paths []Path, opt ShapleyOptions) (Result, error) {
	ix, err := indexPaths(paths)
	if err != nil {
		return Result{}, err
	}
	n := len(ix.names)
	conv := make([]float64, n)
	val := make([]float64, n)
	switch opt.Method {
	case ShapleyDividends:
		mark := make([]int, n)
		var set []int
		for i, p := range paths {
			seq := ix.seqs[i]
			if seq == nil || (p.Conversions == 0 && p.Value == 0) {
				continue
			}
			set = set[:0]
			for _, c := range seq {
				if mark[c] != i+1 {
					mark[c] = i + 1
					set = append(set, c)
				}
			}
			k := float64(len(set))
			for _, c := range set {
				conv[c] += p.Conversions / k
				val[c] += p.Value / k
			}
		}
	case ShapleyEnumerate:
		if n > MaxShapleyChannels {
			return Result{}, fmt.Errorf("Shapley by enumeration over %d channels needs 2^%d coalitions; group channels to at most %d or use the dividend method", n, n, MaxShapleyChannels)
		}
		shapleyEnumerate(ix, paths, conv, val)
	default:
		return Result{}, fmt.Errorf("unknown Shapley method %d", opt.Method)
	}
	return newResult(ModelShapley, ix, paths, conv, val), nil
}

// coalitionWorth returns, for every coalition S (a bitmask over channel
// ids), v(S) = Σ_{T⊆S} c(T) for conversions and for value, where c(T) sums
// the paths whose exact channel set is T: c is filled from the paths and
// turned into v by the subset-sum (zeta) transform.
func coalitionWorth(ix *channelIndex, paths []Path) (vc, vv []float64) {
	n := len(ix.names)
	size := 1 << n
	vc = make([]float64, size)
	vv = make([]float64, size)
	for i, p := range paths {
		seq := ix.seqs[i]
		if seq == nil {
			continue
		}
		var m uint32
		for _, c := range seq {
			m |= 1 << c
		}
		vc[m] += p.Conversions
		vv[m] += p.Value
	}
	for b := 0; b < n; b++ {
		bit := 1 << b
		for s := 0; s < size; s++ {
			if s&bit != 0 {
				vc[s] += vc[s^bit]
				vv[s] += vv[s^bit]
			}
		}
	}
	return vc, vv
}

// shapleyEnumerate sums the weighted marginal contributions
// |S|!(n−|S|−1)!/n!·(v(S∪{i}) − v(S)) over every coalition S ∌ i.
func shapleyEnumerate(ix *channelIndex, paths []Path, conv, val []float64) {
	n := len(ix.names)
	if n == 0 {
		return
	}
	vc, vv := coalitionWorth(ix, paths)
	// w[k] = k!(n−k−1)!/n!, computed as 1/(n·C(n−1,k)).
	w := make([]float64, n)
	binom := 1.0
	for k := 0; k < n; k++ {
		w[k] = 1 / (float64(n) * binom)
		binom = binom * float64(n-1-k) / float64(k+1)
	}
	for s := range vc {
		k := bits.OnesCount32(uint32(s))
		for i := 0; i < n; i++ {
			bit := 1 << i
			if s&bit != 0 {
				continue
			}
			conv[i] += w[k] * (vc[s|bit] - vc[s])
			val[i] += w[k] * (vv[s|bit] - vv[s])
		}
	}
}
