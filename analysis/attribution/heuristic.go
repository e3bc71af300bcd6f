package attribution

import (
	"fmt"
	"math"
	"time"
)

// Model names, as they appear in Result.Model and on the command line.
const (
	ModelFirstTouch    = "first_touch"
	ModelLastTouch     = "last_touch"
	ModelLinear        = "linear"
	ModelPositionBased = "position_based"
	ModelTimeDecay     = "time_decay"
	ModelMarkov        = "markov"
	ModelShapley       = "shapley"
)

// weightFunc returns the weight of each touch of one path; weights are
// normalised to sum to 1 before the path's conversions and value are split.
type weightFunc func(p Path, seq []int, w []float64)

// heuristic splits every path's conversions and value over its touches in
// proportion to the weights wf gives them.
func heuristic(model string, paths []Path, wf weightFunc) (Result, error) {
	ix, err := indexPaths(paths)
	if err != nil {
		return Result{}, err
	}
	conv := make([]float64, len(ix.names))
	val := make([]float64, len(ix.names))
	var w []float64
	for i, p := range paths {
		seq := ix.seqs[i]
		if seq == nil || (p.Conversions == 0 && p.Value == 0) {
			continue
		}
		w = w[:0]
		for range seq {
			w = append(w, 0)
		}
		wf(p, seq, w)
		sum := 0.0
		for _, x := range w {
			sum += x
		}
		for j, c := range seq {
			f := w[j] / sum
			conv[c] += f * p.Conversions
			val[c] += f * p.Value
		}
	}
	return newResult(model, ix, paths, conv, val), nil
}

// FirstTouch credits all of a path's conversions and value to its first
// touch, as ChannelAttribution's heuristic_models first_touch does.
func FirstTouch(paths []Path) (Result, error) {
	return heuristic(ModelFirstTouch, paths, func(_ Path, _ []int, w []float64) { w[0] = 1 })
}

// LastTouch credits all of a path's conversions and value to its last
// touch, as ChannelAttribution's heuristic_models last_touch does.
func LastTouch(paths []Path) (Result, error) {
	return heuristic(ModelLastTouch, paths, func(_ Path, _ []int, w []float64) { w[len(w)-1] = 1 })
}

// Linear credits each of a path's n touches with 1/n of its conversions and
// value, repeated touches counting separately (a channel touched twice in
// A > B > A gets 2/3), as ChannelAttribution's heuristic_models
// linear_touch does.
func Linear(paths []Path) (Result, error) {
	return heuristic(ModelLinear, paths, func(_ Path, _ []int, w []float64) {
		for j := range w {
			w[j] = 1
		}
	})
}

// PositionOptions sets the weights of the position-based (U-shaped) model.
// First and Last are the fractions given to the first and the last touch;
// the rest, 1 − First − Last, is split equally among the middle touches.
// Zero values mean the default 0.4 / 0.4 (middle 0.2).
type PositionOptions struct {
	First, Last float64
}

// PositionBased is the U-shaped model. For a path of n ≥ 3 touches the
// first touch gets First (default 40%) of its conversions and value, the
// last touch Last (default 40%), and each middle touch
// (1 − First − Last)/(n − 2). A path of 1 touch gives it 100%; a path of 2
// touches splits it First : Last (50/50 with the defaults). Repeated
// touches count as positions, as in Linear.
func PositionBased(paths []Path, opt PositionOptions) (Result, error) {
	first, last := opt.First, opt.Last
	if first == 0 && last == 0 { // first+last = 0 is the default, never "all middle"
		first, last = 0.4, 0.4
	}
	if first < 0 || last < 0 || first+last > 1+1e-12 || math.IsNaN(first+last) {
		return Result{}, fmt.Errorf("position-based weights first=%v last=%v: each must be ≥ 0 and first+last ≤ 1", first, last)
	}
	return heuristic(ModelPositionBased, paths, func(_ Path, _ []int, w []float64) {
		n := len(w)
		switch {
		case n == 1:
			w[0] = 1
		case n == 2:
			w[0], w[1] = first, last
		default:
			mid := (1 - first - last) / float64(n-2)
			for j := 1; j < n-1; j++ {
				w[j] = mid
			}
			w[0], w[n-1] = first, last
		}
	})
}

// TimeDecayOptions sets the half-life of the time-decay model; zero means
// the default of 7 days.
type TimeDecayOptions struct {
	HalfLife time.Duration
}

// DefaultHalfLife is the time-decay model's default half-life.
const DefaultHalfLife = 7 * 24 * time.Hour

// TimeDecay credits touch i of a path with weight 2^(−Δtᵢ/H), normalised
// over the path, where Δtᵢ = ConvTime − Timesᵢ is the touch's age at the
// conversion and H the half-life (default 7 days). ConvTime 0 means the
// time of the last touch; a touch after the conversion counts as Δt = 0.
// A path without Times falls back to its position: the touch k steps
// before the last counts as k half-lives old (weights …, 1/4, 1/2, 1).
func TimeDecay(paths []Path, opt TimeDecayOptions) (Result, error) {
	h := opt.HalfLife
	if h == 0 {
		h = DefaultHalfLife
	}
	if h < 0 {
		return Result{}, fmt.Errorf("time-decay half-life %v is negative; give a positive duration such as 7d", h)
	}
	hms := float64(h) / float64(time.Millisecond)
	return heuristic(ModelTimeDecay, paths, func(p Path, _ []int, w []float64) {
		n := len(w)
		if len(p.Times) != n {
			for j := range w {
				w[j] = math.Exp2(-float64(n - 1 - j))
			}
			return
		}
		conv := p.ConvTime
		if conv == 0 {
			conv = p.Times[n-1]
			for _, t := range p.Times {
				conv = max(conv, t)
			}
		}
		// Weights are normalised per path, so ages are measured from the
		// youngest touch: 2^(−(Δtᵢ−min Δt)/H) ∝ 2^(−Δtᵢ/H) without
		// underflow for touches many half-lives old.
		minDt := math.Inf(1)
		for _, t := range p.Times {
			minDt = math.Min(minDt, math.Max(0, float64(conv-t)))
		}
		for j, t := range p.Times {
			dt := math.Max(0, float64(conv-t))
			w[j] = math.Exp2(-(dt - minDt) / hms)
		}
	})
}
