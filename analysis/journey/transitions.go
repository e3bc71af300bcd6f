package journey

import (
	"cmp"
	"slices"
)

// StartLabel and EndLabel name the virtual start row and end column of the
// transition matrix.
const (
	StartLabel = "(start)"
	EndLabel   = "(end)"
)

// Transitions accumulates the directly-follows graph as pm4py defines it:
// within each journey (a pm4py case), the events stably sorted by time,
// every pair of consecutive events (a, b) is one observation of edge a→b,
// with duration time(b) − time(a) in seconds. Start (end) counts are the
// number of journeys whose first (last) step has a label. The edge counts
// sum to events − journeys.
type Transitions struct {
	scope   *Scope
	nl      int
	dense   bool
	index   []int32          // dense: a*nl+b → 1 + position in accs
	sparse  map[uint64]int32 // when labels are many: a<<32|b → same
	accs    []edgeAcc
	from    []int32 // per acc: edge ends
	to      []int32
	start   []int64
	end     []int64
	events  []int64
	jcount  []int64 // journeys in which a label occurs
	seen    []int32 // per label: last journey marker
	marker  int32
	journey int64
	nevents int64
}

type edgeAcc struct {
	count int64
	d     dist
}

// denseLimit is the number of labels up to which edges are a dense matrix.
const denseLimit = 1024

// NewTransitions returns an empty directly-follows accumulator.
func NewTransitions() *Transitions { return &Transitions{} }

// Begin sizes the accumulator for the scan's labels.
func (t *Transitions) Begin(s *Scope) error {
	t.scope = s
	t.nl = len(s.Labels)
	t.dense = t.nl <= denseLimit
	t.reset()
	return nil
}

func (t *Transitions) reset() {
	if t.dense {
		t.index = make([]int32, t.nl*t.nl)
	} else {
		t.sparse = make(map[uint64]int32)
	}
	t.accs, t.from, t.to = nil, nil, nil
	t.start = make([]int64, t.nl)
	t.end = make([]int64, t.nl)
	t.events = make([]int64, t.nl)
	t.jcount = make([]int64, t.nl)
	t.seen = make([]int32, t.nl)
	t.journey, t.nevents, t.marker = 0, 0, 0
}

// Fork returns an empty accumulator sized like t.
func (t *Transitions) Fork() Accumulator {
	f := &Transitions{scope: t.scope, nl: t.nl, dense: t.dense}
	f.reset()
	return f
}

func (t *Transitions) edge(a, b int32) *edgeAcc {
	var i int32
	if t.dense {
		k := int(a)*t.nl + int(b)
		i = t.index[k]
		if i == 0 {
			i = t.newEdge(a, b)
			t.index[k] = i
		}
	} else {
		k := uint64(a)<<32 | uint64(uint32(b))
		i = t.sparse[k]
		if i == 0 {
			i = t.newEdge(a, b)
			t.sparse[k] = i
		}
	}
	return &t.accs[i-1]
}

func (t *Transitions) newEdge(a, b int32) int32 {
	t.accs = append(t.accs, edgeAcc{})
	t.from = append(t.from, a)
	t.to = append(t.to, b)
	return int32(len(t.accs))
}

// Customer adds the customer's journeys.
func (t *Transitions) Customer(c *Customer) {
	for i := range c.Journeys {
		j := &c.Journeys[i]
		n := len(j.Steps)
		if n == 0 {
			continue
		}
		t.journey++
		t.nevents += int64(n)
		t.marker++
		t.start[j.Steps[0]]++
		t.end[j.Steps[n-1]]++
		for k, s := range j.Steps {
			t.events[s]++
			if t.seen[s] != t.marker {
				t.seen[s] = t.marker
				t.jcount[s]++
			}
			if k > 0 {
				e := t.edge(j.Steps[k-1], s)
				e.count++
				e.d.add(j.Times[k] - j.Times[k-1])
			}
		}
	}
}

// Merge adds another fork's counts.
func (t *Transitions) Merge(o Accumulator) {
	f := o.(*Transitions)
	t.journey += f.journey
	t.nevents += f.nevents
	for i := 0; i < t.nl; i++ {
		t.start[i] += f.start[i]
		t.end[i] += f.end[i]
		t.events[i] += f.events[i]
		t.jcount[i] += f.jcount[i]
	}
	f.eachEdge(func(a, b int32, e *edgeAcc) {
		m := t.edge(a, b)
		m.count += e.count
		m.d.merge(&e.d)
	})
}

func (t *Transitions) eachEdge(fn func(a, b int32, e *edgeAcc)) {
	for i := range t.accs {
		fn(t.from[i], t.to[i], &t.accs[i])
	}
}

// ActivityCount is one label's number of events and of journeys in which
// it occurs.
type ActivityCount struct {
	Label    string `json:"label"`
	Events   int64  `json:"events"`
	Journeys int64  `json:"journeys"`
}

// LabelCount is a label and a count.
type LabelCount struct {
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// Edge is one directly-follows edge with its frequency and the time
// between its two events (seconds).
type Edge struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	Count    int64         `json:"count"`
	Duration DurationStats `json:"duration_seconds"`
}

// TransitionMatrix is the row-normalised transition matrix:
// P[a][b] = count(a→b) / (Σ_c count(a→c) + end(a)), with the last column
// EndLabel holding end(a) / (the same denominator), so each row of a label
// that occurs sums to 1. The first row is StartLabel: start(b) / journeys.
type TransitionMatrix struct {
	Rows []string    `json:"rows"`
	Cols []string    `json:"cols"`
	P    [][]float64 `json:"p"`
}

// TransitionsResult is the directly-follows graph of the scanned journeys.
type TransitionsResult struct {
	Journeys   int64            `json:"journeys"`
	Events     int64            `json:"events"`
	Activities []ActivityCount  `json:"activities"`
	Start      []LabelCount     `json:"start"`
	End        []LabelCount     `json:"end"`
	Edges      []Edge           `json:"edges"`
	Matrix     TransitionMatrix `json:"matrix"`
}

// Result computes the graph. Activities, start and end counts are sorted
// by count (descending) then label; edges by count then from, to; matrix
// rows and columns by label. Call it after Scan.
func (t *Transitions) Result() TransitionsResult {
	s := t.scope
	if s == nil {
		return TransitionsResult{}
	}
	r := TransitionsResult{Journeys: t.journey, Events: t.nevents}
	var used []int32
	for i := 0; i < t.nl; i++ {
		if t.events[i] > 0 {
			used = append(used, int32(i))
			r.Activities = append(r.Activities, ActivityCount{s.Labels[i], t.events[i], t.jcount[i]})
		}
		if t.start[i] > 0 {
			r.Start = append(r.Start, LabelCount{s.Labels[i], t.start[i]})
		}
		if t.end[i] > 0 {
			r.End = append(r.End, LabelCount{s.Labels[i], t.end[i]})
		}
	}
	slices.SortFunc(r.Activities, func(a, b ActivityCount) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), cmp.Compare(a.Label, b.Label))
	})
	byCount := func(a, b LabelCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label)) }
	slices.SortFunc(r.Start, byCount)
	slices.SortFunc(r.End, byCount)
	out := make([]int64, t.nl)
	t.eachEdge(func(a, b int32, e *edgeAcc) {
		out[a] += e.count
		r.Edges = append(r.Edges, Edge{From: s.Labels[a], To: s.Labels[b], Count: e.count, Duration: e.d.stats()})
	})
	slices.SortFunc(r.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	// Matrix over used labels sorted by name.
	slices.SortFunc(used, func(a, b int32) int { return cmp.Compare(s.Labels[a], s.Labels[b]) })
	pos := make(map[int32]int, len(used))
	m := &r.Matrix
	m.Rows = append(m.Rows, StartLabel)
	for i, l := range used {
		pos[l] = i
		m.Rows = append(m.Rows, s.Labels[l])
		m.Cols = append(m.Cols, s.Labels[l])
	}
	m.Cols = append(m.Cols, EndLabel)
	m.P = make([][]float64, len(m.Rows))
	for i := range m.P {
		m.P[i] = make([]float64, len(m.Cols))
	}
	for _, l := range used {
		if t.journey > 0 {
			m.P[0][pos[l]] = float64(t.start[l]) / float64(t.journey)
		}
		if den := out[l] + t.end[l]; den > 0 {
			m.P[pos[l]+1][len(used)] = float64(t.end[l]) / float64(den)
		}
	}
	t.eachEdge(func(a, b int32, e *edgeAcc) {
		m.P[pos[a]+1][pos[b]] = float64(e.count) / float64(out[a]+t.end[a])
	})
	return r
}

// WhoEdge collects the customers with a journey that has the step from
// directly followed by the step to. from may be StartLabel (journeys that
// start with to) and to may be EndLabel (journeys that end with from).
func WhoEdge(from, to string, limit int) *Who {
	return newWho(limit, func(s *Scope) (func(*Customer) bool, error) {
		var a, b int32 = -1, -1
		var ok bool
		if from != StartLabel {
			if a, ok = s.LabelID(from); !ok {
				return nil, unknownLabel(s, from)
			}
		}
		if to != EndLabel {
			if b, ok = s.LabelID(to); !ok {
				return nil, unknownLabel(s, to)
			}
		}
		return func(c *Customer) bool {
			for _, j := range c.Journeys {
				n := len(j.Steps)
				if n == 0 {
					continue
				}
				switch {
				case a < 0 && b < 0:
					return true
				case a < 0:
					if j.Steps[0] == b {
						return true
					}
				case b < 0:
					if j.Steps[n-1] == a {
						return true
					}
				default:
					for k := 1; k < n; k++ {
						if j.Steps[k-1] == a && j.Steps[k] == b {
							return true
						}
					}
				}
			}
			return false
		}, nil
	})
}
