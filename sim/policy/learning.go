package policy

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Learning policies: epsilon-greedy, Thompson sampling and LinUCB. Each
// is a Learner: Update feeds it the reward observed after an action, and
// Probs gives its action distribution as it stands. Each chooses only
// among the actions the contact rules allow in the state (the fallback
// action is always allowed), so the contact rules never divert its
// choice. Each is deterministic given its seed and the sequence of
// updates.
//
// Off-policy evaluation scores a learner as it stands after an optional
// warm start (WarmStart): it is frozen, not learning during the
// evaluation. A policy file's `warm_start: true` feeds it every logged
// decision in time order before scoring; `warm_weights: ipw` (the
// default) weights each update by 1/p_i normalised to mean 1 within the
// logged action, so the estimates it learns are those of a randomised
// trial rather than of the logging policy's choices; `plain` uses
// weight 1.

func init() {
	RegisterContextKind("epsilon_greedy", buildEpsilonGreedy)
	RegisterContextKind("thompson", buildThompson)
	RegisterContextKind("linucb", buildLinUCB)
}

// weightedLearner is a learner that also takes weighted updates (a weight
// w counts an observation w times).
type weightedLearner interface {
	Learner
	UpdateWeighted(s *State, a int, reward, w float64)
}

// WarmStart feeds l every logged decision of ctx in time order. With ipw
// the update of decision i has weight (1/p_i) / mean_{j: a_j = a_i}(1/p_j);
// otherwise weight 1.
func WarmStart(l weightedLearner, ctx *Context, ipw bool) error {
	if !ctx.HasLog() {
		return fmt.Errorf("warm_start needs a decision log: evaluate with `workbench ope` (which reads the log), or set warm_start: false")
	}
	var norm map[int]float64
	if ipw {
		sum, cnt := map[int]float64{}, map[int]float64{}
		if err := ctx.eachOutcome(func(a int, p, _ float64, _ bool) error {
			sum[a] += 1 / p
			cnt[a]++
			return nil
		}); err != nil {
			return err
		}
		norm = map[int]float64{}
		for a, s := range sum {
			norm[a] = cnt[a] / s
		}
	}
	err := ctx.Each(func(d *Logged) error {
		w := 1.0
		if ipw {
			w = norm[d.Action] / d.Propensity
		}
		l.UpdateWeighted(d.State, d.Action, d.Reward, w)
		return nil
	})
	if m, ok := l.(interface{ markWarm() }); ok && err == nil {
		m.markWarm()
	}
	return err
}

// warmed records that a learner was warm-started on a decision log.
type warmed struct{ warm bool }

func (w *warmed) markWarm() { w.warm = true }

// LearnsFromLog reports whether the learner was warm-started on a
// decision log (WarmStart).
func (w *warmed) LearnsFromLog() bool { return w.warm }

// allowedMask writes into mask whether the rules allow each action in s.
func allowedMask(actions *Actions, rules *ContactRules, s *State, mask []bool) {
	for i, n := range actions.Names {
		mask[i] = rules.Allowed(s, actions.Channel[n])
	}
}

// cellOf appends the cell key of s over the named features to dst.
func cellOf(dst []byte, s *State, names []string) []byte {
	for _, n := range names {
		v := s.Get(n)
		switch {
		case v.Missing:
			dst = append(dst, '?')
		case v.Str != "":
			dst = append(dst, v.Str...)
		default:
			dst = strconv.AppendFloat(dst, v.Num, 'g', -1, 64)
			if v.Bool {
				dst = append(dst, 'T')
			}
		}
		dst = append(dst, 0)
	}
	return dst
}

// armStats are weighted sufficient statistics of one action's rewards in
// one cell: W = Σ w, S = Σ w r, Q = Σ w r².
type armStats struct{ W, S, Q float64 }

func (a *armStats) add(r, w float64) { a.W += w; a.S += w * r; a.Q += w * r * r }

// EpsilonGreedy keeps the mean reward of every action in every context
// cell (the values of the Cells features; no Cells means one global
// cell) and takes, among the actions allowed in the state, the greedy one
// (highest mean, unvisited actions at Initial, ties to the earlier action)
// with probability 1 − ε and a uniformly random allowed one with
// probability ε:
//
//	π(a|s) = ε/K_s + (1 − ε)·1{a = argmax_{b allowed} μ̂(cell(s), b)}   for the K_s allowed a.
type EpsilonGreedy struct {
	warmed
	Label   string
	Actions *Actions
	Rules   *ContactRules
	Epsilon float64
	Cells   []string
	Initial float64
	stats   map[string][]armStats
	mask    []bool
	buf     []byte
}

// NewEpsilonGreedy returns an untrained epsilon-greedy learner.
func NewEpsilonGreedy(label string, actions *Actions, rules *ContactRules, epsilon float64, cells []string) *EpsilonGreedy {
	return &EpsilonGreedy{Label: label, Actions: actions, Rules: rules, Epsilon: epsilon, Cells: cells,
		stats: map[string][]armStats{}, mask: make([]bool, len(actions.Names))}
}

func (e *EpsilonGreedy) Name() string { return e.Label }

// Mean returns μ̂(cell(s), a), or Initial when a has no data in the cell.
func (e *EpsilonGreedy) Mean(s *State, a int) float64 {
	e.buf = cellOf(e.buf[:0], s, e.Cells)
	st := e.stats[string(e.buf)]
	if st == nil || st[a].W == 0 {
		return e.Initial
	}
	return st[a].S / st[a].W
}

// Probs writes ε/K_s + (1 − ε) on the greedy allowed action.
func (e *EpsilonGreedy) Probs(s *State, out []float64) {
	allowedMask(e.Actions, e.Rules, s, e.mask)
	e.buf = cellOf(e.buf[:0], s, e.Cells)
	st := e.stats[string(e.buf)]
	best, bestV, k := -1, math.Inf(-1), 0
	for a := range out {
		out[a] = 0
		if !e.mask[a] {
			continue
		}
		k++
		v := e.Initial
		if st != nil && st[a].W > 0 {
			v = st[a].S / st[a].W
		}
		if best < 0 || v > bestV {
			best, bestV = a, v
		}
	}
	for a := range out {
		if e.mask[a] {
			out[a] = e.Epsilon / float64(k)
		}
	}
	out[best] += 1 - e.Epsilon
}

// Update adds reward to the mean of action a in s's cell.
func (e *EpsilonGreedy) Update(s *State, a int, reward float64) { e.UpdateWeighted(s, a, reward, 1) }

// UpdateWeighted adds reward with weight w.
func (e *EpsilonGreedy) UpdateWeighted(s *State, a int, reward, w float64) {
	e.buf = cellOf(e.buf[:0], s, e.Cells)
	st := e.stats[string(e.buf)]
	if st == nil {
		st = make([]armStats, len(e.Actions.Names))
		e.stats[string(e.buf)] = st
	}
	st[a].add(reward, w)
}

// NIGPrior is a Normal-Inverse-Gamma prior on an action's mean reward μ
// and reward variance σ²: σ² ~ InvGamma(Shape, Scale), μ | σ² ~
// N(Mean, σ²/Strength).
type NIGPrior struct {
	Mean     float64 `yaml:"mean"`
	Strength float64 `yaml:"strength"`
	Shape    float64 `yaml:"shape"`
	Scale    float64 `yaml:"scale"`
}

// DefaultNIGPrior is weak: mean 0, strength 1 observation, shape 1, scale
// 1 (the data dominate after a few observations).
func DefaultNIGPrior() NIGPrior { return NIGPrior{Mean: 0, Strength: 1, Shape: 1, Scale: 1} }

// DefaultThompsonDraws is the number of posterior draws Probs uses.
const DefaultThompsonDraws = 2000

// Thompson is Thompson sampling with a Gaussian reward model with unknown
// mean and variance (Normal-Inverse-Gamma conjugate prior) per action and
// context cell: rewards here are net values (revenue − cost), not 0/1,
// so a Beta-Bernoulli model would not fit. After weighted observations
// with W = Σ w, x̄ = Σ w r / W, the posterior is
//
//	κ = κ₀ + W,  μ = (κ₀ μ₀ + W x̄)/κ,  α = α₀ + W/2,
//	β = β₀ + ½ Σ w (r − x̄)² + κ₀ W (x̄ − μ₀)² / (2κ)
//
// and the mean reward's marginal posterior is Student-t with 2α degrees
// of freedom, location μ and scale √(β/(ακ)). The policy draws one mean
// per allowed action and takes the largest; π(a|s) is the probability
// that a's draw is the largest, estimated by Draws seeded draws per cell
// (the seed depends on Seed, the cell and how many updates the cell has
// had, so the same state and history give the same probabilities). The
// estimate is cached per cell until the cell's next update.
type Thompson struct {
	warmed
	Label   string
	Actions *Actions
	Rules   *ContactRules
	Cells   []string
	Prior   NIGPrior
	Draws   int
	Seed    uint64
	stats   map[string]*thompsonCell
	mask    []bool
	buf     []byte
	mk      []byte
}

type thompsonCell struct {
	arms    []armStats
	updates uint64
	cache   map[string][]float64 // by allowed mask
}

// NewThompson returns an untrained Thompson-sampling learner.
func NewThompson(label string, actions *Actions, rules *ContactRules, cells []string, prior NIGPrior, draws int, seed uint64) *Thompson {
	if draws <= 0 {
		draws = DefaultThompsonDraws
	}
	return &Thompson{Label: label, Actions: actions, Rules: rules, Cells: cells, Prior: prior, Draws: draws, Seed: seed,
		stats: map[string]*thompsonCell{}, mask: make([]bool, len(actions.Names))}
}

func (t *Thompson) Name() string { return t.Label }

// Posterior returns the Student-t marginal posterior of the mean reward
// of action a in s's cell.
func (t *Thompson) Posterior(s *State, a int) distuv.StudentsT {
	t.buf = cellOf(t.buf[:0], s, t.Cells)
	var st armStats
	if c := t.stats[string(t.buf)]; c != nil {
		st = c.arms[a]
	}
	return t.posterior(st, nil)
}

func (t *Thompson) posterior(st armStats, src rand.Source) distuv.StudentsT {
	p := t.Prior
	kappa, mu, alpha, beta := p.Strength, p.Mean, p.Shape, p.Scale
	if st.W > 0 {
		xbar := st.S / st.W
		ss := math.Max(st.Q-st.S*xbar, 0)
		kn := kappa + st.W
		beta += 0.5*ss + kappa*st.W*(xbar-mu)*(xbar-mu)/(2*kn)
		mu = (kappa*mu + st.S) / kn
		kappa = kn
		alpha += st.W / 2
	}
	return distuv.StudentsT{Mu: mu, Sigma: math.Sqrt(beta / (alpha * kappa)), Nu: 2 * alpha, Src: src}
}

// Probs writes the estimated probability that each allowed action's
// posterior draw is the largest.
func (t *Thompson) Probs(s *State, out []float64) {
	allowedMask(t.Actions, t.Rules, s, t.mask)
	t.buf = cellOf(t.buf[:0], s, t.Cells)
	c := t.stats[string(t.buf)]
	if c == nil {
		c = &thompsonCell{arms: make([]armStats, len(t.Actions.Names))}
		t.stats[string(t.buf)] = c
	}
	if len(t.mk) != len(t.mask) {
		t.mk = make([]byte, len(t.mask))
	}
	mk := t.mk
	for i, m := range t.mask {
		mk[i] = 0
		if m {
			mk[i] = 1
		}
	}
	if c.cache == nil {
		c.cache = map[string][]float64{}
	}
	if p, ok := c.cache[string(mk)]; ok {
		copy(out, p)
		return
	}
	h := fnv.New64a()
	h.Write(t.buf)
	var vb [8]byte
	binary.LittleEndian.PutUint64(vb[:], c.updates)
	h.Write(vb[:])
	src := rand.NewPCG(t.Seed, h.Sum64())
	dists := make([]distuv.StudentsT, len(out))
	for a := range dists {
		dists[a] = t.posterior(c.arms[a], src)
	}
	clear(out)
	for d := 0; d < t.Draws; d++ {
		best, bestV := -1, math.Inf(-1)
		for a := range dists {
			if !t.mask[a] {
				continue
			}
			if v := dists[a].Rand(); best < 0 || v > bestV {
				best, bestV = a, v
			}
		}
		out[best]++
	}
	for a := range out {
		out[a] /= float64(t.Draws)
	}
	c.cache[string(mk)] = append([]float64(nil), out...)
}

// Update adds reward to action a's posterior in s's cell.
func (t *Thompson) Update(s *State, a int, reward float64) { t.UpdateWeighted(s, a, reward, 1) }

// UpdateWeighted adds reward with weight w.
func (t *Thompson) UpdateWeighted(s *State, a int, reward, w float64) {
	t.buf = cellOf(t.buf[:0], s, t.Cells)
	c := t.stats[string(t.buf)]
	if c == nil {
		c = &thompsonCell{arms: make([]armStats, len(t.Actions.Names))}
		t.stats[string(t.buf)] = c
	}
	c.arms[a].add(reward, w)
	c.updates++
	c.cache = nil
}

// LinUCB is LinUCB with disjoint linear models (Li et al. 2010,
// Algorithm 1): for each action a, A_a = λI + Σ w x xᵀ and b_a = Σ w r x
// over its updates, θ_a = A_a⁻¹ b_a, and in state s with features x(s)
// it takes the allowed action maximising
//
//	θ_aᵀ x + α √(xᵀ A_a⁻¹ x)
//
// (ties to the earlier action). x(s) = [1, numeric features × scale, one
// 0/1 entry per listed value of each one-hot feature]; a boolean feature
// listed as numeric is 0/1, a missing one 0. A_a⁻¹ is kept up to date by
// the Sherman–Morrison formula. Probs is one-hot on the chosen action.
type LinUCB struct {
	warmed
	Label   string
	Actions *Actions
	Rules   *ContactRules
	Alpha   float64
	// Numeric features with their scales, and one-hot features with
	// their levels.
	Numeric []string
	Scale   []float64
	OneHot  []string
	Levels  [][]string
	d       int
	ainv    [][]float64 // per action, d×d row-major
	b       [][]float64
	theta   [][]float64 // per action A⁻¹b, nil until needed after an update
	x, tmp  []float64
	mask    []bool
}

// NewLinUCB returns an untrained LinUCB learner with ridge λ (A_a = λI
// before any update).
func NewLinUCB(label string, actions *Actions, rules *ContactRules, alpha, lambda float64, numeric []string, scale []float64, onehot []string, levels [][]string) *LinUCB {
	d := 1 + len(numeric)
	for _, l := range levels {
		d += len(l)
	}
	l := &LinUCB{Label: label, Actions: actions, Rules: rules, Alpha: alpha, Numeric: numeric, Scale: scale, OneHot: onehot, Levels: levels,
		d: d, x: make([]float64, d), tmp: make([]float64, d), mask: make([]bool, len(actions.Names))}
	for range actions.Names {
		m := make([]float64, d*d)
		for j := 0; j < d; j++ {
			m[j*d+j] = 1 / lambda
		}
		l.ainv = append(l.ainv, m)
		l.b = append(l.b, make([]float64, d))
	}
	return l
}

func (l *LinUCB) Name() string { return l.Label }

// Features writes x(s) into l's buffer and returns it.
func (l *LinUCB) Features(s *State) []float64 {
	x := l.x
	x[0] = 1
	j := 1
	for i, n := range l.Numeric {
		v := s.Get(n)
		switch {
		case v.Missing:
			x[j] = 0
		case v.Bool:
			x[j] = 1
		default:
			x[j] = v.Num * l.Scale[i]
		}
		j++
	}
	for i, n := range l.OneHot {
		v := s.Get(n)
		for _, lv := range l.Levels[i] {
			x[j] = 0
			if !v.Missing && valueText(v) == lv {
				x[j] = 1
			}
			j++
		}
	}
	return x
}

// valueText is a value as written in a policy file.
func valueText(v Value) string {
	if v.Str != "" {
		return v.Str
	}
	if v.Bool {
		return "true"
	}
	return strconv.FormatFloat(v.Num, 'g', -1, 64)
}

// Score returns θ_aᵀx and the exploration bonus α√(xᵀA_a⁻¹x) of action a.
func (l *LinUCB) Score(x []float64, a int) (mean, bonus float64) {
	d := l.d
	ai, th := l.ainv[a], l.thetaOf(a)
	var quad float64
	for j := 0; j < d; j++ {
		row := ai[j*d : (j+1)*d]
		var r float64
		for k, xk := range x {
			r += row[k] * xk
		}
		quad += x[j] * r
		mean += th[j] * x[j]
	}
	return mean, l.Alpha * math.Sqrt(math.Max(quad, 0))
}

// thetaOf returns θ_a = A_a⁻¹ b_a, computed once after each update of a.
func (l *LinUCB) thetaOf(a int) []float64 {
	if l.theta == nil {
		l.theta = make([][]float64, len(l.ainv))
	}
	if l.theta[a] == nil {
		d := l.d
		th := make([]float64, d)
		ai, b := l.ainv[a], l.b[a]
		for j := 0; j < d; j++ {
			row := ai[j*d : (j+1)*d]
			for k, bk := range b {
				th[j] += row[k] * bk
			}
		}
		l.theta[a] = th
	}
	return l.theta[a]
}

// Probs puts probability 1 on the allowed action with the highest upper
// confidence bound.
func (l *LinUCB) Probs(s *State, out []float64) {
	allowedMask(l.Actions, l.Rules, s, l.mask)
	x := l.Features(s)
	best, bestV := -1, math.Inf(-1)
	for a := range out {
		out[a] = 0
		if !l.mask[a] {
			continue
		}
		m, b := l.Score(x, a)
		if best < 0 || m+b > bestV {
			best, bestV = a, m+b
		}
	}
	out[best] = 1
}

// Update adds (x(s), reward) to action a's model.
func (l *LinUCB) Update(s *State, a int, reward float64) { l.UpdateWeighted(s, a, reward, 1) }

// UpdateWeighted adds (x(s), reward) with weight w: A += w x xᵀ, b += w r x,
// A⁻¹ −= w (A⁻¹x)(A⁻¹x)ᵀ / (1 + w xᵀA⁻¹x).
func (l *LinUCB) UpdateWeighted(s *State, a int, reward, w float64) {
	x := l.Features(s)
	d := l.d
	ai := l.ainv[a]
	u := l.tmp
	var q float64
	for j := 0; j < d; j++ {
		var r float64
		for k, xk := range x {
			r += ai[j*d+k] * xk
		}
		u[j] = r
		q += x[j] * r
	}
	f := w / (1 + w*q)
	for j := 0; j < d; j++ {
		for k := 0; k < d; k++ {
			ai[j*d+k] -= f * u[j] * u[k]
		}
	}
	for j, xj := range x {
		l.b[a][j] += w * reward * xj
	}
	if l.theta != nil {
		l.theta[a] = nil
	}
}

// Policy-file forms of the learners.

type warmFields struct {
	WarmStart   bool   `yaml:"warm_start"`
	WarmWeights string `yaml:"warm_weights"`
}

func warm(l weightedLearner, w warmFields, ctx *Context) error {
	if !w.WarmStart {
		return nil
	}
	switch w.WarmWeights {
	case "", "ipw":
		return WarmStart(l, ctx, true)
	case "plain":
		return WarmStart(l, ctx, false)
	}
	return fmt.Errorf("warm_weights %q: use ipw or plain", w.WarmWeights)
}

func buildEpsilonGreedy(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	var sp struct {
		Epsilon     *float64 `yaml:"epsilon"`
		Cells       []string `yaml:"cells"`
		Initial     float64  `yaml:"initial"`
		WarmStart   bool     `yaml:"warm_start"`
		WarmWeights string   `yaml:"warm_weights"`
	}
	if err := decodeKind(s, &sp); err != nil {
		return nil, err
	}
	eps := 0.1
	if sp.Epsilon != nil {
		eps = *sp.Epsilon
	}
	if !(eps >= 0 && eps <= 1) {
		return nil, fmt.Errorf("epsilon %v must lie in [0,1] (0.1 explores one decision in ten)", eps)
	}
	e := NewEpsilonGreedy(s.Name, actions, ctx.Rules, eps, sp.Cells)
	e.Initial = sp.Initial
	return e, warm(e, warmFields{sp.WarmStart, sp.WarmWeights}, ctx)
}

func buildThompson(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	var sp struct {
		Cells       []string  `yaml:"cells"`
		Prior       *NIGPrior `yaml:"prior"`
		Draws       int       `yaml:"draws"`
		Seed        uint64    `yaml:"seed"`
		WarmStart   bool      `yaml:"warm_start"`
		WarmWeights string    `yaml:"warm_weights"`
	}
	if err := decodeKind(s, &sp); err != nil {
		return nil, err
	}
	prior := DefaultNIGPrior()
	if sp.Prior != nil {
		prior = *sp.Prior
		if !(prior.Strength > 0 && prior.Shape > 0 && prior.Scale > 0) {
			return nil, fmt.Errorf("prior strength, shape and scale must be positive (default 1, 1, 1)")
		}
	}
	if sp.Draws < 0 {
		return nil, fmt.Errorf("draws %d must be positive (default %d)", sp.Draws, DefaultThompsonDraws)
	}
	t := NewThompson(s.Name, actions, ctx.Rules, sp.Cells, prior, sp.Draws, sp.Seed)
	return t, warm(t, warmFields{sp.WarmStart, sp.WarmWeights}, ctx)
}

func buildLinUCB(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	var sp struct {
		Features    []string            `yaml:"features"`
		Scale       map[string]float64  `yaml:"scale"`
		OneHot      map[string][]string `yaml:"onehot"`
		Alpha       *float64            `yaml:"alpha"`
		Ridge       float64             `yaml:"ridge"`
		WarmStart   bool                `yaml:"warm_start"`
		WarmWeights string              `yaml:"warm_weights"`
	}
	if err := decodeKind(s, &sp); err != nil {
		return nil, err
	}
	alpha := 1.0
	if sp.Alpha != nil {
		alpha = *sp.Alpha
	}
	if alpha < 0 || math.IsNaN(alpha) {
		return nil, fmt.Errorf("alpha %v must be zero or positive (the width of the exploration bonus; 1 is usual)", alpha)
	}
	lambda := sp.Ridge
	if lambda == 0 {
		lambda = 1
	}
	if lambda < 0 {
		return nil, fmt.Errorf("ridge %v must be positive (default 1)", lambda)
	}
	scale := make([]float64, len(sp.Features))
	for i, f := range sp.Features {
		scale[i] = 1
		if x, ok := sp.Scale[f]; ok {
			scale[i] = x
		}
	}
	for f := range sp.Scale {
		found := false
		for _, g := range sp.Features {
			found = found || f == g
		}
		if !found {
			return nil, fmt.Errorf("scale names %q, which is not under features", f)
		}
	}
	oneHot := sortedKeys(sp.OneHot)
	levels := make([][]string, len(oneHot))
	for i, f := range oneHot {
		if len(sp.OneHot[f]) == 0 {
			return nil, fmt.Errorf("onehot %q lists no values; list the values that get a 0/1 feature", f)
		}
		levels[i] = sp.OneHot[f]
	}
	if len(sp.Features)+len(oneHot) == 0 {
		return nil, fmt.Errorf("linucb needs features: list numeric features under `features:` and/or categorical ones under `onehot:` (%s)", strings.Join([]string{"e.g. features: [cart_value]", "onehot: {trigger: [cart_abandon, lapse]}"}, ", "))
	}
	l := NewLinUCB(s.Name, actions, ctx.Rules, alpha, lambda, sp.Features, scale, oneHot, levels)
	return l, warm(l, warmFields{sp.WarmStart, sp.WarmWeights}, ctx)
}
