package journey

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Labels of the synthetic path nodes.
const (
	OtherLabel   = "(other)"
	DropOffLabel = "(drop-off)"
)

// DefaultPathSteps and DefaultPathTopK apply when PathOptions leave them 0.
const (
	DefaultPathSteps = 5
	DefaultPathTopK  = 10
)

// PathOptions define user paths (the data of a Sankey diagram).
type PathOptions struct {
	// Start anchors paths at the first step with this label: the path is
	// that step and the ones after it. End anchors them at the first step
	// with this label (after Start's step when both are set): the path is
	// the steps leading up to and including it. Empty means no anchor (paths
	// start at the journey's first step).
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// Steps is the step limit (columns of the diagram).
	Steps int `json:"steps"`
	// CollapseRepeats merges consecutive equal steps before the paths are
	// cut.
	CollapseRepeats bool `json:"collapse_repeats"`
	// TopK is the number of labels kept per column; the others are merged
	// into one OtherLabel node of that column.
	TopK int `json:"top_k"`
}

// Paths aggregates user paths, counted by journey.
//
// Each journey gives at most one path: without anchors its first Steps
// steps; with Start only, the first step labelled Start and up to Steps−1
// steps after it; with End only, the first step labelled End and up to
// Steps−1 steps before it (the path is right-aligned: End is in column
// Steps); with both, the steps from the first Start to the first End
// after it, kept only when they fit in Steps columns. Journeys lacking an
// anchor are counted as Excluded. A left-aligned path shorter than Steps
// because the journey ended gets a DropOffLabel node in the next column
// (none after End). In every column the TopK labels by journeys are kept
// (ties by label) and the rest merged into OtherLabel. A customer with
// several journeys (sessions) contributes one path per journey; Who-queries
// (WhoNode, WhoLink) give the distinct customers of a node or link.
type Paths struct {
	opts  PathOptions
	scope *Scope
	start int32
	end   int32
	tab   variantTable // key: drop, col, steps…
	excl  int64
	buf   []int32
	key   []int32

	res  *PathsResult
	kept []map[string]bool // per column (0-based) the kept labels
}

// NewPaths returns a paths accumulator.
func NewPaths(opts PathOptions) (*Paths, error) {
	if opts.Steps == 0 {
		opts.Steps = DefaultPathSteps
	}
	if opts.TopK == 0 {
		opts.TopK = DefaultPathTopK
	}
	if opts.Steps < 1 || opts.TopK < 1 {
		return nil, fmt.Errorf("journey: paths need a step limit ≥ 1 and top-K ≥ 1 (got %d, %d)", opts.Steps, opts.TopK)
	}
	if opts.Steps < 2 && opts.Start != "" && opts.End != "" {
		return nil, fmt.Errorf("journey: paths between a start and an end step need a step limit ≥ 2")
	}
	return &Paths{opts: opts, start: -1, end: -1}, nil
}

// Begin resolves the anchors.
func (p *Paths) Begin(s *Scope) error {
	p.scope = s
	p.start, p.end = -1, -1
	if p.opts.Start != "" {
		id, ok := s.LabelID(p.opts.Start)
		if !ok {
			return fmt.Errorf("journey: path start: %w", unknownLabel(s, p.opts.Start))
		}
		p.start = id
	}
	if p.opts.End != "" {
		id, ok := s.LabelID(p.opts.End)
		if !ok {
			return fmt.Errorf("journey: path end: %w", unknownLabel(s, p.opts.End))
		}
		p.end = id
	}
	p.tab = variantTable{}
	p.excl = 0
	p.res, p.kept = nil, nil
	return nil
}

// Fork returns an empty accumulator with the same anchors.
func (p *Paths) Fork() Accumulator {
	return &Paths{opts: p.opts, scope: p.scope, start: p.start, end: p.end}
}

// cut extracts a journey's path into buf: the steps, the column (1-based)
// of the first one, whether a drop-off follows, and false when the journey
// has no path.
func (p *Paths) cut(bufp *[]int32, steps []int32) (path []int32, col int, drop bool, ok bool) {
	buf := (*bufp)[:0]
	defer func() { *bufp = buf }()
	for i, s := range steps {
		if p.opts.CollapseRepeats && i > 0 && s == steps[i-1] {
			continue
		}
		buf = append(buf, s)
	}
	L := p.opts.Steps
	n := len(buf)
	i := 0
	if p.start >= 0 {
		i = slices.Index(buf, p.start)
		if i < 0 {
			return buf, 0, false, false
		}
	}
	if p.end >= 0 {
		e := -1
		from := i
		if p.start >= 0 {
			from = i + 1
		}
		if k := slices.Index(buf[from:], p.end); k >= 0 {
			e = from + k
		}
		if e < 0 {
			return buf, 0, false, false
		}
		if p.start >= 0 {
			if e-i+1 > L {
				return buf, 0, false, false
			}
			return buf[i : e+1], 1, false, true
		}
		lo := max(0, e-L+1)
		return buf[lo : e+1], L - (e - lo), false, true
	}
	hi := min(n, i+L)
	return buf[i:hi], 1, hi-i < L, true
}

func (p *Paths) pathKey(path []int32, col int, drop bool) []int32 {
	k := p.key[:0]
	d := int32(0)
	if drop {
		d = 1
	}
	k = append(k, d, int32(col))
	k = append(k, path...)
	p.key = k
	return k
}

// Customer adds the paths of the customer's journeys.
func (p *Paths) Customer(c *Customer) {
	for i := range c.Journeys {
		j := &c.Journeys[i]
		if len(j.Steps) == 0 {
			continue
		}
		path, col, drop, ok := p.cut(&p.buf, j.Steps)
		if !ok {
			p.excl++
			continue
		}
		k := p.pathKey(path, col, drop)
		p.tab.find(k, hashSteps(k)).journeys++
	}
}

// Merge adds another fork's paths.
func (p *Paths) Merge(o Accumulator) {
	f := o.(*Paths)
	p.excl += f.excl
	for i := range f.tab.accs {
		k := f.tab.steps(i)
		p.tab.find(k, f.tab.hash[i]).journeys += f.tab.accs[i].journeys
	}
}

// PathNode is one node of the flow: a label in a column (1-based step).
// Kind is "step", "other" or "drop-off".
type PathNode struct {
	ID       int    `json:"id"`
	Step     int    `json:"step"`
	Label    string `json:"label"`
	Kind     string `json:"kind"`
	Journeys int64  `json:"journeys"`
	// Customers is the number of distinct customers with a journey
	// through the node; set by CountCustomers (0 before).
	Customers int64 `json:"customers,omitempty"`
}

// PathLink is a flow between nodes of consecutive columns.
type PathLink struct {
	Source   int   `json:"source"`
	Target   int   `json:"target"`
	Journeys int64 `json:"journeys"`
	// Customers: distinct customers following the link (CountCustomers).
	Customers int64 `json:"customers,omitempty"`
}

// PathsResult is the flow: nodes ordered by step, then kind (steps,
// other, drop-off), then journeys (descending), then label; node IDs are
// their indexes. Links are ordered by source then target.
type PathsResult struct {
	Journeys int64      `json:"journeys"`
	Excluded int64      `json:"excluded"`
	Distinct int        `json:"distinct_paths"`
	Nodes    []PathNode `json:"nodes"`
	Links    []PathLink `json:"links"`
}

type decodedPath struct {
	steps []int32
	col   int
	drop  bool
	n     int64
}

var kindOrder = map[string]int{"step": 0, "other": 1, "drop-off": 2}

// Result computes the nodes and links.
func (p *Paths) Result() PathsResult {
	if p.res != nil {
		return *p.res
	}
	s := p.scope
	r := PathsResult{Excluded: p.excl, Distinct: len(p.tab.accs)}
	if s == nil {
		return r
	}
	L := p.opts.Steps
	paths := make([]decodedPath, 0, len(p.tab.accs))
	colCount := make([]map[int32]int64, L)
	for i := range colCount {
		colCount[i] = make(map[int32]int64)
	}
	for i := range p.tab.accs {
		k := p.tab.steps(i)
		n := p.tab.accs[i].journeys
		dp := decodedPath{drop: k[0] == 1, col: int(k[1]), steps: k[2:], n: n}
		paths = append(paths, dp)
		r.Journeys += n
		for i, st := range dp.steps {
			colCount[dp.col-1+i][st] += n
		}
	}
	p.kept = make([]map[string]bool, L)
	for c := range colCount {
		type lc struct {
			l int32
			n int64
		}
		var ls []lc
		for l, n := range colCount[c] {
			ls = append(ls, lc{l, n})
		}
		slices.SortFunc(ls, func(a, b lc) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(s.Labels[a.l], s.Labels[b.l])) })
		p.kept[c] = make(map[string]bool)
		for i, x := range ls {
			if i < p.opts.TopK {
				p.kept[c][s.Labels[x.l]] = true
			}
		}
	}
	type nodeKey struct {
		col   int
		label string
		kind  string
	}
	nodes := map[nodeKey]int64{}
	type linkKey struct{ a, b nodeKey }
	links := map[linkKey]int64{}
	for _, dp := range paths {
		var prev nodeKey
		for i, st := range dp.steps {
			c := dp.col + i
			nk := nodeKey{c, s.Labels[st], "step"}
			if !p.kept[c-1][nk.label] {
				nk.label, nk.kind = OtherLabel, "other"
			}
			nodes[nk] += dp.n
			if i > 0 {
				links[linkKey{prev, nk}] += dp.n
			}
			prev = nk
		}
		if dp.drop {
			nk := nodeKey{dp.col + len(dp.steps), DropOffLabel, "drop-off"}
			nodes[nk] += dp.n
			links[linkKey{prev, nk}] += dp.n
		}
	}
	keys := make([]nodeKey, 0, len(nodes))
	for k := range nodes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b nodeKey) int {
		return cmp.Or(cmp.Compare(a.col, b.col), cmp.Compare(kindOrder[a.kind], kindOrder[b.kind]),
			cmp.Compare(nodes[b], nodes[a]), cmp.Compare(a.label, b.label))
	})
	ids := make(map[nodeKey]int, len(keys))
	for i, k := range keys {
		ids[k] = i
		r.Nodes = append(r.Nodes, PathNode{ID: i, Step: k.col, Label: k.label, Kind: k.kind, Journeys: nodes[k]})
	}
	for k, n := range links {
		r.Links = append(r.Links, PathLink{Source: ids[k.a], Target: ids[k.b], Journeys: n})
	}
	slices.SortFunc(r.Links, func(a, b PathLink) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
	p.res = &r
	return r
}

// nodeAt is the node label and kind of the path's i-th step (column col+i).
func (p *Paths) nodeAt(labels []string, path []int32, col, i int) (string, string) {
	l := labels[path[i]]
	if !p.kept[col+i-1][l] {
		return OtherLabel, "other"
	}
	return l, "step"
}

// matchNode reports whether a journey's path passes through node n.
func (p *Paths) matchNode(labels []string, path []int32, col int, drop bool, n PathNode) bool {
	if n.Kind == "drop-off" {
		return drop && n.Step == col+len(path)
	}
	i := n.Step - col
	if i < 0 || i >= len(path) {
		return false
	}
	l, k := p.nodeAt(labels, path, col, i)
	return l == n.Label && k == n.Kind
}

// WhoNode collects the customers with a journey whose path passes through
// node id of the last Result. Run it with the same Query.
func (p *Paths) WhoNode(id, limit int) (*Who, error) {
	return p.who(limit, id, -1)
}

// WhoLink collects the customers with a journey whose path follows link
// index i (of PathsResult.Links) of the last Result.
func (p *Paths) WhoLink(i, limit int) (*Who, error) {
	if p.res == nil || i < 0 || i >= len(p.res.Links) {
		return nil, fmt.Errorf("journey: no path link %d; compute the paths first and pick a link from their result", i)
	}
	l := p.res.Links[i]
	return p.who(limit, l.Source, l.Target)
}

func (p *Paths) who(limit, a, b int) (*Who, error) {
	if p.res == nil || a < 0 || a >= len(p.res.Nodes) {
		return nil, fmt.Errorf("journey: no path node %d; compute the paths first and pick a node from their result", a)
	}
	na := p.res.Nodes[a]
	var nb *PathNode
	if b >= 0 {
		nb = &p.res.Nodes[b]
	}
	return newWhoMaker(limit, func(s *Scope) (func() func(*Customer) bool, error) {
		q, err := NewPaths(p.opts)
		if err != nil {
			return nil, err
		}
		if err := q.Begin(s); err != nil {
			return nil, err
		}
		q.kept = p.kept
		return func() func(*Customer) bool {
			var buf []int32
			return func(c *Customer) bool {
				for _, j := range c.Journeys {
					path, col, drop, ok := q.cut(&buf, j.Steps)
					if ok && q.matchNode(s.Labels, path, col, drop, na) && (nb == nil || q.matchNode(s.Labels, path, col, drop, *nb)) {
						return true
					}
				}
				return false
			}
		}, nil
	}), nil
}

// CountCustomers fills in the Customers of every node and link of the last
// Result with a second scan of d under q (which must be the Query of the
// first): the number of distinct customers having at least one journey
// through the node (along the link). With whole-history journeys it equals
// Journeys.
func (p *Paths) CountCustomers(ctx context.Context, d *Dataset, q Query) (PathsResult, error) {
	if p.res == nil {
		return PathsResult{}, fmt.Errorf("journey: compute the paths (Scan, then Result) before counting their customers")
	}
	pc := &pathCustomers{p: p}
	if err := Scan(ctx, d, q, pc); err != nil {
		return PathsResult{}, err
	}
	for i := range p.res.Nodes {
		p.res.Nodes[i].Customers = pc.nodes[i]
	}
	for i := range p.res.Links {
		p.res.Links[i].Customers = pc.links[i]
	}
	return *p.res, nil
}

// pathCustomers counts distinct customers per node and link of a paths
// result.
type pathCustomers struct {
	p      *Paths
	q      *Paths
	col    [][]int32 // column → label id → node id
	drop   []int32   // column → drop-off node id (or -1)
	linkID map[uint64]int32
	nodes  []int64
	links  []int64
	seenN  []int64 // node → last customer index + 1
	seenL  []int64
	buf    []int32
}

func (pc *pathCustomers) Begin(s *Scope) error {
	q, err := NewPaths(pc.p.opts)
	if err != nil {
		return err
	}
	if err := q.Begin(s); err != nil {
		return err
	}
	q.kept = pc.p.kept
	pc.q = q
	r := pc.p.res
	type key struct {
		step  int
		label string
		kind  string
	}
	ids := make(map[key]int32, len(r.Nodes))
	for _, n := range r.Nodes {
		ids[key{n.Step, n.Label, n.Kind}] = int32(n.ID)
	}
	L := pc.p.opts.Steps
	pc.col = make([][]int32, L+2)
	pc.drop = make([]int32, L+2)
	for c := 1; c <= L+1; c++ {
		pc.drop[c] = -1
		if id, ok := ids[key{c, DropOffLabel, "drop-off"}]; ok {
			pc.drop[c] = id
		}
		if c > L {
			continue
		}
		pc.col[c] = make([]int32, len(s.Labels))
		for l, name := range s.Labels {
			k := key{c, name, "step"}
			if !q.kept[c-1][name] {
				k = key{c, OtherLabel, "other"}
			}
			id, ok := ids[k]
			if !ok {
				id = -1
			}
			pc.col[c][l] = id
		}
	}
	pc.linkID = make(map[uint64]int32, len(r.Links))
	for i, l := range r.Links {
		pc.linkID[uint64(l.Source)<<32|uint64(l.Target)] = int32(i)
	}
	pc.reset()
	return nil
}

func (pc *pathCustomers) reset() {
	r := pc.p.res
	pc.nodes = make([]int64, len(r.Nodes))
	pc.links = make([]int64, len(r.Links))
	pc.seenN = make([]int64, len(r.Nodes))
	pc.seenL = make([]int64, len(r.Links))
}

func (pc *pathCustomers) Fork() Accumulator {
	f := *pc
	f.buf = nil
	f.reset()
	return &f
}

func (pc *pathCustomers) Customer(c *Customer) {
	mark := int64(c.Index) + 1
	for _, j := range c.Journeys {
		path, col, drop, ok := pc.q.cut(&pc.buf, j.Steps)
		if !ok {
			continue
		}
		prev := int32(-1)
		visit := func(n int32) {
			if n < 0 {
				prev = -1
				return
			}
			if pc.seenN[n] != mark {
				pc.seenN[n] = mark
				pc.nodes[n]++
			}
			if prev >= 0 {
				if li, ok := pc.linkID[uint64(prev)<<32|uint64(n)]; ok && pc.seenL[li] != mark {
					pc.seenL[li] = mark
					pc.links[li]++
				}
			}
			prev = n
		}
		for i, s := range path {
			visit(pc.col[col+i][s])
		}
		if drop {
			visit(pc.drop[col+len(path)])
		}
	}
}

func (pc *pathCustomers) Merge(o Accumulator) {
	f := o.(*pathCustomers)
	for i := range pc.nodes {
		pc.nodes[i] += f.nodes[i]
	}
	for i := range pc.links {
		pc.links[i] += f.links[i]
	}
}
