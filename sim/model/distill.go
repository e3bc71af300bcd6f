package model

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// DistillOptions control the classification tree of Distill.
type DistillOptions struct {
	// MaxDepth is the largest number of splits on a root-to-leaf path
	// (default 4).
	MaxDepth int
	// MinLeaf is the least number of training states in a leaf (default 20).
	MinLeaf int
	// HeldOut is the share of states kept out of fitting to measure
	// fidelity on (default 0.2; every 1/HeldOut-th state by position).
	HeldOut float64
	// Features restricts the tree to these state features (default: every
	// feature present in the states, trigger first, then by name).
	Features []string
	// StatesNote says where the states came from, for the metadata.
	StatesNote string
}

// Distill fits a readable decision table to what policy p does on states:
// a CART classification tree on the state features, with the policy's
// chosen action argmax_a π(a|s) (policy.Choose) as the class.
//
// Splits minimise the weighted Gini impurity of the children,
//
//	G = Σ_child (n_child/n) · (1 − Σ_k p_{child,k}²),
//
// over: numbers, x < t with t the roundest number between two adjacent
// observed values; strings, x ∈ S with S a prefix of the node's values
// ordered by their share of the node's majority action; booleans, x =
// true. A missing value goes to the right child (it fails the left test).
// A node is split while its depth is below MaxDepth, it is impure, and
// both children keep at least MinLeaf states.
//
// Each leaf becomes one FIRST-hit rule, in depth-first order (left child
// first), deciding the leaf's majority action. Its tests are the path's
// conditions merged per input into one interval or set: the left-branch
// tests (x < t, x ∈ S, x = true), and the right-branch complements
// (x ≥ t, not(S), x = false) for features never missing in the states.
// Because rules are tried in tree order, a state reaching a leaf fails
// every earlier leaf's rule, so the table decides as the tree; the last
// leaf's rule is the catch-all for states with missing values. The
// default is the overall majority action.
//
// Fidelity is the share of states for which table and policy choose the
// same action, on the fitted states and on the held-out ones.
func Distill(p policy.Policy, actions *policy.Actions, states []policy.State, opt DistillOptions) (*Model, error) {
	if len(states) == 0 {
		return nil, fmt.Errorf("distilling %q needs states: give a decision log", p.Name())
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 4
	}
	if opt.MinLeaf <= 0 {
		opt.MinLeaf = 20
	}
	if opt.HeldOut <= 0 || opt.HeldOut >= 1 {
		opt.HeldOut = 0.2
	}
	feats, types, err := featureTypes(states, opt.Features)
	if err != nil {
		return nil, err
	}
	K := len(actions.Names)
	probs := make([]float64, K)
	y := make([]int, len(states))
	for i := range states {
		p.Probs(&states[i], probs)
		y[i] = policy.Choose(probs)
	}
	every := int(math.Round(1 / opt.HeldOut))
	var train, test []int
	for i := range states {
		if i%every == every-1 {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("too few states to distill (%d)", len(states))
	}
	d := &distiller{states: states, y: y, K: K, feats: feats, types: types, opt: opt}
	d.missing = make([]bool, len(feats))
	for j, f := range feats {
		for _, i := range train {
			if states[i].Get(f).Missing {
				d.missing[j] = true
				break
			}
		}
	}
	root := d.grow(train, 0)
	inputs := make([]policy.Input, len(feats))
	for j := range feats {
		inputs[j] = policy.Input{Name: feats[j], Type: types[j]}
	}
	var rules []policy.Rule
	d.rules(root, nil, inputs, actions, &rules)
	counts := make([]int, K)
	for _, i := range train {
		counts[y[i]]++
	}
	def := actions.Names[argmax(counts)]
	t, err := policy.NewTable(p.Name()+" (distilled)", policy.First, inputs, rules, def, actions)
	if err != nil {
		return nil, err
	}
	agree := func(idx []int) float64 {
		if len(idx) == 0 {
			return math.NaN()
		}
		n := 0
		for _, i := range idx {
			if a, _ := t.Decide(&states[i]); a == y[i] {
				n++
			}
		}
		return float64(n) / float64(len(idx))
	}
	m := New(t, timeNow())
	m.Meta.Distilled = &Distillation{Policy: p.Name(), Method: "CART classification tree (Gini) on the policy's chosen action",
		MaxDepth: opt.MaxDepth, MinLeaf: opt.MinLeaf, Leaves: len(rules), States: opt.StatesNote,
		TrainStates: len(train), HeldOutStates: len(test), Fidelity: agree(train), HeldOutFidelity: agree(test)}
	if math.IsNaN(m.Meta.Distilled.HeldOutFidelity) {
		m.Meta.Distilled.HeldOutFidelity = 0
	}
	return m, nil
}

// featureTypes lists the features to split on and their types (the type
// of the first non-missing value; a feature whose values mix types is an
// error).
func featureTypes(states []policy.State, want []string) ([]string, []policy.Type, error) {
	typeOf := func(v policy.Value) policy.Type {
		switch {
		case v.Str != "":
			return policy.String
		case v.Num != 0:
			return policy.Number
		case v.Bool:
			return policy.Bool
		}
		return 0 // ambiguous: 0, false and "" share the zero value
	}
	seen := map[string]policy.Type{}
	for i := range states {
		for n, v := range states[i].Features {
			if v.Missing {
				continue
			}
			if _, ok := seen[n]; !ok {
				seen[n] = 0
			}
			if t := typeOf(v); t != 0 && seen[n] == 0 {
				seen[n] = t
			}
		}
	}
	names := want
	if len(names) == 0 {
		for n := range seen {
			names = append(names, n)
		}
		sort.Slice(names, func(a, b int) bool {
			if (names[a] == "trigger") != (names[b] == "trigger") {
				return names[a] == "trigger"
			}
			return names[a] < names[b]
		})
	}
	types := make([]policy.Type, len(names))
	for j, n := range names {
		t, ok := seen[n]
		if !ok {
			return nil, nil, fmt.Errorf("no state has the feature %q", n)
		}
		if t == 0 {
			// Never a non-empty string nor true: numbers unless the name
			// says consent (booleans that were always false).
			t = policy.Number
			if strings.HasPrefix(n, "consent_") || n == QuietFeature {
				t = policy.Bool
			}
		}
		types[j] = t
		if err := checkIdent(n); err != nil {
			return nil, nil, err
		}
	}
	return names, types, nil
}

type node struct {
	leaf   bool
	class  int
	n      int
	purity float64
	feat   int
	thr    float64         // numbers: left is x < thr
	set    map[string]bool // strings: left is x ∈ set
	left   *node
	right  *node
}

type distiller struct {
	states  []policy.State
	y       []int
	K       int
	feats   []string
	types   []policy.Type
	missing []bool
	opt     DistillOptions
}

func gini(c []int, n int) float64 {
	if n == 0 {
		return 0
	}
	s := 0.0
	for _, x := range c {
		p := float64(x) / float64(n)
		s += p * p
	}
	return 1 - s
}

func argmax(c []int) int {
	b := 0
	for i := range c {
		if c[i] > c[b] {
			b = i
		}
	}
	return b
}

func (d *distiller) grow(idx []int, depth int) *node {
	counts := make([]int, d.K)
	for _, i := range idx {
		counts[d.y[i]]++
	}
	nd := &node{leaf: true, class: argmax(counts), n: len(idx)}
	nd.purity = float64(counts[nd.class]) / float64(len(idx))
	if depth >= d.opt.MaxDepth || nd.purity == 1 || len(idx) < 2*d.opt.MinLeaf {
		return nd
	}
	best := gini(counts, len(idx)) - 1e-12
	found := false
	for j := range d.feats {
		if sp, g, ok := d.bestSplit(idx, j, counts[:], nd.class); ok && g < best {
			best, found = g, true
			nd.feat, nd.thr, nd.set = j, sp.thr, sp.set
		}
	}
	if !found {
		return nd
	}
	var l, r []int
	for _, i := range idx {
		if d.goesLeft(nd, i) {
			l = append(l, i)
		} else {
			r = append(r, i)
		}
	}
	nd.leaf = false
	nd.left = d.grow(l, depth+1)
	nd.right = d.grow(r, depth+1)
	return nd
}

func (d *distiller) goesLeft(nd *node, i int) bool {
	v := d.states[i].Get(d.feats[nd.feat])
	if v.Missing {
		return false
	}
	switch d.types[nd.feat] {
	case policy.Number:
		return v.Num < nd.thr
	case policy.String:
		return nd.set[v.Str]
	}
	return v.Bool
}

type split struct {
	thr float64
	set map[string]bool
}

// bestSplit returns the best split of idx on feature j and its weighted
// Gini impurity.
func (d *distiller) bestSplit(idx []int, j int, total []int, major int) (split, float64, bool) {
	n := len(idx)
	name := d.feats[j]
	minLeaf := d.opt.MinLeaf
	score := func(left []int, nl int) float64 {
		right := make([]int, d.K)
		for k := range right {
			right[k] = total[k] - left[k]
		}
		return (float64(nl)*gini(left, nl) + float64(n-nl)*gini(right, n-nl)) / float64(n)
	}
	switch d.types[j] {
	case policy.Number:
		type xy struct {
			x float64
			y int
		}
		var pts []xy
		for _, i := range idx {
			if v := d.states[i].Get(name); !v.Missing {
				pts = append(pts, xy{v.Num, d.y[i]})
			}
		}
		sort.Slice(pts, func(a, b int) bool { return pts[a].x < pts[b].x })
		left := make([]int, d.K)
		bestG, bestT, ok := math.Inf(1), 0.0, false
		for k := 0; k+1 < len(pts); k++ {
			left[pts[k].y]++
			if pts[k].x == pts[k+1].x || k+1 < minLeaf || n-(k+1) < minLeaf {
				continue
			}
			if g := score(left, k+1); g < bestG {
				bestG, bestT, ok = g, roundBetween(pts[k].x, pts[k+1].x), true
			}
		}
		return split{thr: bestT}, bestG, ok
	case policy.String:
		cnt := map[string][]int{}
		for _, i := range idx {
			if v := d.states[i].Get(name); !v.Missing {
				c := cnt[v.Str]
				if c == nil {
					c = make([]int, d.K)
					cnt[v.Str] = c
				}
				c[d.y[i]]++
			}
		}
		vals := sortedKeys(cnt)
		share := func(s string) float64 {
			c, t := cnt[s], 0
			for _, x := range c {
				t += x
			}
			return float64(c[major]) / float64(t)
		}
		sort.SliceStable(vals, func(a, b int) bool { return share(vals[a]) > share(vals[b]) })
		left := make([]int, d.K)
		nl := 0
		bestG, bestK, ok := math.Inf(1), 0, false
		for k := 0; k+1 < len(vals); k++ {
			for c, x := range cnt[vals[k]] {
				left[c] += x
				nl += x
			}
			if nl < minLeaf || n-nl < minLeaf {
				continue
			}
			if g := score(left, nl); g < bestG {
				bestG, bestK, ok = g, k, true
			}
		}
		set := map[string]bool{}
		for _, v := range vals[:bestK+1] {
			set[v] = true
		}
		return split{set: set}, bestG, ok
	}
	left := make([]int, d.K)
	nl := 0
	for _, i := range idx {
		if v := d.states[i].Get(name); !v.Missing && v.Bool {
			left[d.y[i]]++
			nl++
		}
	}
	if nl < minLeaf || n-nl < minLeaf {
		return split{}, 0, false
	}
	return split{}, score(left, nl), true
}

// roundBetween returns the number with the fewest significant digits in
// (lo, hi], so that x < t separates lo from hi.
func roundBetween(lo, hi float64) float64 {
	for e := 6; e >= -6; e-- {
		step := math.Pow(10, float64(e))
		// clean drops the float noise of the multiplication.
		clean := func(x float64) float64 {
			f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', max(0, -e), 64), 64)
			return f
		}
		t := clean(math.Ceil(lo/step) * step)
		if t <= lo {
			t = clean(t + step)
		}
		if t > lo && t <= hi {
			return t
		}
	}
	return (lo + hi) / 2
}

// bounds collects a path's conditions on one input.
type bounds struct {
	lo, hi       float64 // numbers: lo ≤ x < hi
	hasLo, hasHi bool
	in           map[string]bool // strings: x ∈ in (nil: any)
	out          map[string]bool // strings: x ∉ out
	b            *bool
}

func (d *distiller) rules(nd *node, path map[int]*bounds, inputs []policy.Input, actions *policy.Actions, out *[]policy.Rule) {
	if nd.leaf {
		r := policy.Rule{Tests: make([]policy.Test, len(inputs)), Action: actions.Names[nd.class],
			Annotation: fmt.Sprintf("leaf of %d states, %.0f%% of them %s", nd.n, 100*nd.purity, actions.Names[nd.class])}
		for j, in := range inputs {
			r.Tests[j] = policy.MustTest(boundsFEEL(path[j], in.Type), in.Type)
		}
		*out = append(*out, r)
		return
	}
	for side := 0; side < 2; side++ {
		j := nd.feat
		cp := map[int]*bounds{}
		for k, v := range path {
			c := *v
			cp[k] = &c
		}
		if side == 1 && d.missing[j] {
			d.rules(nd.right, cp, inputs, actions, out)
			continue
		}
		b := cp[j]
		if b == nil {
			b = &bounds{}
			cp[j] = b
		}
		switch d.types[j] {
		case policy.Number:
			if side == 0 {
				if !b.hasHi || nd.thr < b.hi {
					b.hi, b.hasHi = nd.thr, true
				}
			} else if !b.hasLo || nd.thr > b.lo {
				b.lo, b.hasLo = nd.thr, true
			}
		case policy.String:
			if side == 0 {
				in := map[string]bool{}
				for s := range nd.set {
					if (b.in == nil || b.in[s]) && !b.out[s] {
						in[s] = true
					}
				}
				b.in = in
			} else if b.in != nil {
				in := map[string]bool{}
				for s := range b.in {
					if !nd.set[s] {
						in[s] = true
					}
				}
				b.in = in
			} else {
				o := map[string]bool{}
				for s := range b.out {
					o[s] = true
				}
				for s := range nd.set {
					o[s] = true
				}
				b.out = o
			}
		default:
			v := side == 0
			b.b = &v
		}
		if side == 0 {
			d.rules(nd.left, cp, inputs, actions, out)
		} else {
			d.rules(nd.right, cp, inputs, actions, out)
		}
	}
}

// boundsFEEL writes a path's merged conditions on one input as a unary
// test.
func boundsFEEL(b *bounds, typ policy.Type) string {
	if b == nil {
		return "-"
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch typ {
	case policy.Number:
		switch {
		case b.hasLo && b.hasHi:
			return "[" + num(b.lo) + ".." + num(b.hi) + ")"
		case b.hasLo:
			return ">= " + num(b.lo)
		case b.hasHi:
			return "< " + num(b.hi)
		}
		return "-"
	case policy.String:
		quote := func(m map[string]bool) string {
			var q []string
			for _, s := range sortedKeys(m) {
				q = append(q, strconv.Quote(s))
			}
			return strings.Join(q, ",")
		}
		switch {
		case b.in != nil && len(b.in) == 0:
			return `""` // unreachable leaf; a test no real value passes
		case b.in != nil:
			return quote(b.in)
		case len(b.out) > 0:
			return "not(" + quote(b.out) + ")"
		}
		return "-"
	}
	if b.b == nil {
		return "-"
	}
	return strconv.FormatBool(*b.b)
}
