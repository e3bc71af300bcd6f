package attribution

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// MarkovOptions configures Markov.
//
// Order is the chain order k, 1 to 4 (0 means 1). CollapseRepeats replaces
// runs of the same channel by one touch before the chain is built (see
// CollapseRepeats). MonteCarlo, when > 0, also estimates the attribution by
// simulating that many journeys through the chain with the random Seed, as
// ChannelAttribution's markov_model does. DenseLimit is the largest number
// of transient states solved by dense LU factorisation; larger chains are
// solved by Gauss-Seidel iteration (0 means DefaultDenseLimit).
type MarkovOptions struct {
	Order           int
	CollapseRepeats bool
	MonteCarlo      int
	Seed            int64
	DenseLimit      int
}

// DefaultDenseLimit is the default largest chain (transient states,
// including the start state) solved by dense LU; an order-3 chain on 7
// channels has at most 1+7+49+343 = 400 states.
const DefaultDenseLimit = 500

// MaxMarkovOrder is the highest chain order Markov accepts.
const MaxMarkovOrder = 4

// MarkovResult is the removal-effect attribution of a Markov chain.
//
// Result holds the exact attribution. RemovalEffect[i] and
// ValueRemovalEffect[i] belong to Result.Rows[i]. PConversion is the
// probability that a journey started in the chain ends in conversion and
// ExpectedValue the expected conversion value per started journey. States
// counts the transient states (start included) and Solver names the
// method that solved the linear systems ("dense-lu" or "gauss-seidel").
// MonteCarlo is nil unless MarkovOptions.MonteCarlo > 0.
type MarkovResult struct {
	Result
	Order              int               `json:"order"`
	RemovalEffect      []float64         `json:"removal_effect"`
	ValueRemovalEffect []float64         `json:"value_removal_effect"`
	PConversion        float64           `json:"p_conversion"`
	ExpectedValue      float64           `json:"expected_value"`
	States             int               `json:"states"`
	Solver             string            `json:"solver"`
	MonteCarlo         *MonteCarloResult `json:"monte_carlo,omitempty"`
}

// MonteCarloResult is the simulation estimate of the Markov attribution.
// Simulations journeys were simulated with Seed; Conversions of them
// converted. RemovalEffect[i] estimates the exact removal effect of
// Result.Rows[i] as the fraction of simulated conversions whose journey
// visited the channel.
type MonteCarloResult struct {
	Result
	Simulations        int       `json:"simulations"`
	Seed               int64     `json:"seed"`
	Conversions        int       `json:"simulated_conversions"`
	RemovalEffect      []float64 `json:"removal_effect"`
	ValueRemovalEffect []float64 `json:"value_removal_effect"`
}

// Transition is one estimated transition of the chain. States are named as
// ChannelAttribution names them: "(start)", "(conversion)", "(null)", and a
// k-tuple of channels joined by ",".
type Transition struct {
	From        string  `json:"from"`
	To          string  `json:"to"`
	Count       float64 `json:"count"`
	Probability float64 `json:"probability"`
}

// chain is the estimated Markov chain. Transient states are 0..n-1, state 0
// being the start; conversion and null are absorbing and kept as per-state
// weights.
type chain struct {
	ix       *channelIndex
	order    int
	states   [][]int // channels of each transient state (nil for start)
	succ     [][]int32
	weight   [][]float64 // count of each successor
	conv     []float64   // count of transitions to conversion
	null     []float64   // count of transitions to null
	out      []float64   // total outgoing count
	convVal  []float64   // conversion value of journeys converting from the state
	valDist  [][]valueAtom
	contains [][]int32 // per channel: the states that contain it
}

type valueAtom struct {
	perConv float64 // value per conversion of a path
	weight  float64 // its conversions
}

// stateKey packs a window of up to 4 channel ids (< 2^15) and its length.
func stateKey(w []int) uint64 {
	k := uint64(len(w))
	for _, c := range w {
		k = k<<15 | uint64(c+1)
	}
	return k
}

// buildChain estimates the order-k chain as ChannelAttribution does: a path
// of channels c1..cn becomes (start) → w1 → … → wm → (conversion)/(null)
// where wj = (cj, …, cj+k−1) are the m = n−k+1 windows of k consecutive
// channels (a path shorter than k is one window of all its channels); a
// step to the same state is dropped (it does not change absorption
// probabilities). Each step between transient states is counted
// Conversions+Nulls times, the last state's step to (conversion) Conversions
// times and to (null) Nulls times; probabilities are counts over the
// state's outgoing total.
func buildChain(paths []Path, order int) (*chain, error) {
	ix, err := indexPaths(paths)
	if err != nil {
		return nil, err
	}
	if len(ix.names) >= 1<<15-1 {
		return nil, fmt.Errorf("%d channels is more than the Markov model handles (32766); group channels first", len(ix.names))
	}
	c := &chain{ix: ix, order: order}
	ids := map[uint64]int{}
	addState := func(w []int) int {
		key := stateKey(w)
		if s, ok := ids[key]; ok {
			return s
		}
		s := len(c.states)
		ids[key] = s
		c.states = append(c.states, append([]int(nil), w...))
		c.succ = append(c.succ, nil)
		c.weight = append(c.weight, nil)
		c.conv = append(c.conv, 0)
		c.null = append(c.null, 0)
		c.out = append(c.out, 0)
		c.convVal = append(c.convVal, 0)
		c.valDist = append(c.valDist, nil)
		return s
	}
	addState(nil) // start
	addEdge := func(from, to int, w float64) {
		c.out[from] += w
		// A state has few successors (at most one per channel that can
		// follow it), so a scan beats a map.
		for e, t := range c.succ[from] {
			if int(t) == to {
				c.weight[from][e] += w
				return
			}
		}
		c.succ[from] = append(c.succ[from], int32(to))
		c.weight[from] = append(c.weight[from], w)
	}
	valPos := map[[2]float64]int{}
	for i, p := range paths {
		seq := ix.seqs[i]
		w := p.Conversions + p.Nulls
		if seq == nil || w == 0 {
			continue
		}
		prev := 0
		m := len(seq) - order + 1
		if m < 1 {
			m = 1
		}
		for j := 0; j < m; j++ {
			s := addState(seq[j:min(j+order, len(seq))])
			if s != prev {
				addEdge(prev, s, w)
			}
			prev = s
		}
		c.conv[prev] += p.Conversions
		c.null[prev] += p.Nulls
		c.out[prev] += p.Conversions + p.Nulls
		if p.Conversions > 0 {
			c.convVal[prev] += p.Value
			v := p.Value / p.Conversions
			k := [2]float64{float64(prev), v}
			if e, ok := valPos[k]; ok {
				c.valDist[prev][e].weight += p.Conversions
			} else {
				valPos[k] = len(c.valDist[prev])
				c.valDist[prev] = append(c.valDist[prev], valueAtom{v, p.Conversions})
			}
		}
	}
	c.contains = make([][]int32, len(ix.names))
	for s, w := range c.states {
		seen := map[int]bool{}
		for _, ch := range w {
			if !seen[ch] {
				seen[ch] = true
				c.contains[ch] = append(c.contains[ch], int32(s))
			}
		}
	}
	return c, nil
}

func (c *chain) stateName(s int) string {
	if s == 0 {
		return "(start)"
	}
	names := make([]string, len(c.states[s]))
	for i, ch := range c.states[s] {
		names[i] = c.ix.names[ch]
	}
	return strings.Join(names, ",")
}

// MarkovTransitions returns the estimated transitions of the order-k chain
// (see Markov for the estimation rule), sorted by from-state then to-state,
// with the count behind each and its probability count/(state's outgoing
// count) — ChannelAttribution's transition_matrix.
func MarkovTransitions(paths []Path, opt MarkovOptions) ([]Transition, error) {
	order, err := checkOrder(opt.Order)
	if err != nil {
		return nil, err
	}
	if opt.CollapseRepeats {
		paths = CollapseRepeats(paths)
	}
	c, err := buildChain(paths, order)
	if err != nil {
		return nil, err
	}
	var out []Transition
	for s := range c.states {
		if c.out[s] == 0 {
			continue
		}
		from := c.stateName(s)
		for e, t := range c.succ[s] {
			out = append(out, Transition{from, c.stateName(int(t)), c.weight[s][e], c.weight[s][e] / c.out[s]})
		}
		if c.conv[s] > 0 {
			out = append(out, Transition{from, "(conversion)", c.conv[s], c.conv[s] / c.out[s]})
		}
		if c.null[s] > 0 {
			out = append(out, Transition{from, "(null)", c.null[s], c.null[s] / c.out[s]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out, nil
}

func checkOrder(order int) (int, error) {
	if order == 0 {
		return 1, nil
	}
	if order < 1 || order > MaxMarkovOrder {
		return 0, fmt.Errorf("Markov order %d is out of range; give an order from 1 to %d", order, MaxMarkovOrder)
	}
	return order, nil
}

// Markov computes ChannelAttribution's Markov-chain removal-effect
// attribution, solved exactly.
//
// The chain of order k (1 ≤ k ≤ 4) has the start state, the k-tuples of
// consecutive channels seen in the paths, and the absorbing states
// (conversion) and (null); transitions are estimated from path counts (see
// MarkovTransitions). Let P = P(reach conversion from start). Removing
// channel c redirects every transition into a state that contains c to
// (null); P₋c is the conversion probability of the chain so changed. The
// removal effect is RE_c = 1 − P₋c/P, and channel c is credited
//
//	conversions_c = C · RE_c / Σ_d RE_d,   C = total conversions.
//
// For value, E = expected conversion value per started journey, where a
// conversion from state s is worth the mean value per conversion of the
// paths ending in s; REV_c = 1 − E₋c/E and value_c = V · REV_c / Σ_d REV_d.
//
// P and E solve the absorbing-chain systems x = Qx + b (Q the
// transient-to-transient probabilities, b the one-step conversion
// probability, or probability × value): by dense LU factorisation (gonum)
// up to DenseLimit states, otherwise by Gauss-Seidel sweeps stopped when the
// bound on the remaining error, Δ·ρ/(1−ρ) with Δ the last sweep's largest
// change and ρ the observed contraction, is below 1e-13 (relative to
// max(1, |x|)).
func Markov(paths []Path, opt MarkovOptions) (MarkovResult, error) {
	order, err := checkOrder(opt.Order)
	if err != nil {
		return MarkovResult{}, err
	}
	if opt.MonteCarlo < 0 {
		return MarkovResult{}, fmt.Errorf("Monte Carlo simulations %d is negative; give 0 (off) or a number such as 100000", opt.MonteCarlo)
	}
	if opt.CollapseRepeats {
		paths = CollapseRepeats(paths)
	}
	c, err := buildChain(paths, order)
	if err != nil {
		return MarkovResult{}, err
	}
	limit := opt.DenseLimit
	if limit <= 0 {
		limit = DefaultDenseLimit
	}
	nch := len(c.ix.names)
	res := MarkovResult{Order: order, States: len(c.states)}
	sol := newSolver(c, limit)
	res.Solver = sol.name()

	removed := make([]bool, len(c.states))
	base, err := sol.solve(removed)
	if err != nil {
		return MarkovResult{}, err
	}
	res.PConversion, res.ExpectedValue = base[0], base[1]
	re := make([]float64, nch)
	rev := make([]float64, nch)
	for ch := 0; ch < nch; ch++ {
		for i := range removed {
			removed[i] = false
		}
		for _, s := range c.contains[ch] {
			removed[s] = true
		}
		x, err := sol.solve(removed)
		if err != nil {
			return MarkovResult{}, err
		}
		if base[0] > 0 {
			re[ch] = clamp01(1 - x[0]/base[0])
		}
		if base[1] != 0 {
			rev[ch] = clamp01(1 - x[1]/base[1])
		}
	}
	res.Result = distribute(ModelMarkov, c.ix, paths, re, rev)
	res.RemovalEffect, res.ValueRemovalEffect = re, rev
	if opt.MonteCarlo > 0 {
		mc := c.simulate(opt.MonteCarlo, opt.Seed)
		mc.Result = distribute(ModelMarkov+"_monte_carlo", c.ix, paths, mc.RemovalEffect, mc.ValueRemovalEffect)
		res.MonteCarlo = &mc
	}
	return res, nil
}

func clamp01(x float64) float64 {
	// Rounding in the solve can leave 1 − P₋c/P a hair outside [0, 1].
	if x < 0 && x > -1e-9 {
		return 0
	}
	if x > 1 && x < 1+1e-9 {
		return 1
	}
	return x
}

// distribute credits total conversions and value in proportion to removal
// effects: conv_c = C·re_c/Σre, value_c = V·rev_c/Σrev.
func distribute(model string, ix *channelIndex, paths []Path, re, rev []float64) Result {
	conv := make([]float64, len(ix.names))
	val := make([]float64, len(ix.names))
	r := newResult(model, ix, paths, conv, val)
	var sre, srev float64
	for i := range re {
		sre += re[i]
		srev += rev[i]
	}
	for i := range r.Rows {
		if sre > 0 {
			r.Rows[i].Conversions = r.TotalConversions * re[i] / sre
		}
		if srev != 0 {
			r.Rows[i].Value = r.TotalValue * rev[i] / srev
		}
		if r.TotalConversions > 0 {
			r.Rows[i].Share = r.Rows[i].Conversions / r.TotalConversions
		}
	}
	return r
}

// simulate runs n journeys from the start state through the chain, as
// ChannelAttribution's markov_model does: a journey stops at (conversion),
// at (null), or, as a guard, after max(1000, 10 × number of states) steps
// (counted as null; ChannelAttribution stops at 10 × states). For
// each channel, T_c counts the converting journeys that visited a state
// containing it, and V_c their conversion value, drawn from the empirical
// value-per-conversion distribution of the last state. RE_c ≈ T_c/(number
// of conversions), REV_c ≈ V_c/(total simulated value); these estimate the
// exact removal effects because P − P₋c = P(conversion and c visited).
func (c *chain) simulate(n int, seed int64) MonteCarloResult {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	ns := len(c.states)
	// Cumulative weights: successors, then conversion, then null.
	cum := make([][]float64, ns)
	for s := range c.states {
		row := make([]float64, 0, len(c.succ[s])+2)
		acc := 0.0
		for _, w := range c.weight[s] {
			acc += w
			row = append(row, acc)
		}
		acc += c.conv[s]
		row = append(row, acc)
		acc += c.null[s]
		row = append(row, acc)
		cum[s] = row
	}
	vcum := make([][]float64, ns)
	for s, d := range c.valDist {
		acc := 0.0
		for _, a := range d {
			acc += a.weight
			vcum[s] = append(vcum[s], acc)
		}
	}
	nch := len(c.ix.names)
	T := make([]float64, nch)
	V := make([]float64, nch)
	stamp := make([]int, nch)
	visited := make([]int, 0, nch)
	maxSteps := max(1000, 10*ns)
	nconv, sval := 0, 0.0
	for i := 1; i <= n; i++ {
		s := 0
		visited = visited[:0]
		converted := false
		for step := 0; step < maxSteps; step++ {
			row := cum[s]
			total := row[len(row)-1]
			if total == 0 {
				break
			}
			u := rng.Float64() * total
			k := sort.SearchFloat64s(row, u)
			for k < len(row)-1 && row[k] <= u { // strictly greater than u
				k++
			}
			nsucc := len(c.succ[s])
			if k == nsucc {
				converted = true
				break
			}
			if k > nsucc {
				break
			}
			s = int(c.succ[s][k])
			for _, ch := range c.states[s] {
				if stamp[ch] != i {
					stamp[ch] = i
					visited = append(visited, ch)
				}
			}
		}
		if !converted {
			continue
		}
		nconv++
		v := 0.0
		if vc := vcum[s]; len(vc) > 0 {
			u := rng.Float64() * vc[len(vc)-1]
			k := sort.SearchFloat64s(vc, u)
			for k < len(vc)-1 && vc[k] <= u {
				k++
			}
			v = c.valDist[s][k].perConv
		}
		sval += v
		for _, ch := range visited {
			T[ch]++
			V[ch] += v
		}
	}
	mc := MonteCarloResult{Simulations: n, Seed: seed, Conversions: nconv,
		RemovalEffect: make([]float64, nch), ValueRemovalEffect: make([]float64, nch)}
	for ch := range T {
		if nconv > 0 {
			mc.RemovalEffect[ch] = T[ch] / float64(nconv)
		}
		if sval != 0 {
			mc.ValueRemovalEffect[ch] = V[ch] / sval
		}
	}
	return mc
}
