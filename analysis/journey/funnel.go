package journey

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FunnelMode is how a funnel's steps must follow each other.
type FunnelMode int

const (
	// Ordered: the steps happen in order; other events may come between.
	Ordered FunnelMode = iota
	// Strict: the steps happen in order with no other event of the
	// journey between them (after the scan's filters).
	Strict
	// AnyOrder: the steps happen in any order; row k of the result counts
	// customers who completed at least k of the N steps.
	AnyOrder
)

func (m FunnelMode) String() string {
	switch m {
	case Strict:
		return "strict"
	case AnyOrder:
		return "any-order"
	}
	return "ordered"
}

// ParseFunnelMode reads "ordered", "strict" or "any-order" ("any").
func ParseFunnelMode(s string) (FunnelMode, error) {
	switch s {
	case "", "ordered":
		return Ordered, nil
	case "strict":
		return Strict, nil
	case "any-order", "any", "unordered":
		return AnyOrder, nil
	}
	return 0, fmt.Errorf("journey: unknown funnel mode %q; use ordered, strict or any-order", s)
}

// DefaultFunnelWindow is the conversion window when none is given.
const DefaultFunnelWindow = 14 * 24 * time.Hour

// FunnelStep is one step: an event whose step label is one of Labels.
type FunnelStep struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels"`
}

// Exclusion is an exclusion step: an event labelled one of Labels after
// the event of step After (1-based) and before the event of step After+1,
// within the window, ends the attempt at step After. In any-order
// funnels After is ignored: an exclusion event after the attempt's first
// step and before its completion ends it. Strict funnels allow no event
// between steps at all, so exclusions change nothing there.
type Exclusion struct {
	Labels []string `json:"labels"`
	After  int      `json:"after"`
}

// Breakdown chooses how funnel results are split into groups.
type Breakdown int

const (
	// NoBreakdown reports the overall funnel only.
	NoBreakdown Breakdown = iota
	// ByFirstChannel groups a customer by the channel of the first-step
	// event of the attempt the customer is counted by.
	ByFirstChannel
	// ByCustomerValue groups a customer by FunnelOptions.GroupOf(id) —
	// a segment, a trait value or any per-customer property. GroupOf is
	// called from several goroutines at once.
	ByCustomerValue
)

// FunnelOptions define a funnel.
type FunnelOptions struct {
	Steps []FunnelStep
	Mode  FunnelMode
	// Window is the conversion window, measured from the time of step 1:
	// an event at time ≤ t(step 1) + Window is inside (inclusive). Zero
	// means DefaultFunnelWindow.
	Window     time.Duration
	Exclusions []Exclusion
	Breakdown  Breakdown
	GroupOf    func(customer int64) string
}

// Funnel counts customers through a funnel.
//
// Attempts: every event that matches step 1 (in any-order mode: any step)
// starts an attempt. In an ordered attempt step k+1 is the earliest event
// after step k's event (later in time, or the same time and later in load
// order) matching step k+1 and at most Window after step 1; in a strict
// attempt it must be the very next event. An event counts for one step
// only, so a repeated step needs repeated events. A customer is counted at
// the furthest step reached over all attempts of all their journeys (an
// attempt never spans two journeys); the attempt the customer is counted
// by is the earliest one reaching that step, and its times give the
// time-to-step figures.
//
// Per step k: Customers(k) = customers whose furthest step is ≥ k;
// FromFirst = Customers(k)/Customers(1); FromPrevious =
// Customers(k)/Customers(k−1); DropOff = Customers(k−1) − Customers(k).
type Funnel struct {
	opts   FunnelOptions
	scope  *Scope
	n      int
	window int64
	step   [][]bool // step → label → matches
	excl   [][]bool // 1-based boundary → label → excluded (nil if none)
	anyEx  []bool   // any exclusion label (any-order)

	all     *funnelAcc
	groups  map[string]*funnelAcc
	chanAcc []*funnelAcc // ByFirstChannel: channel id → its entry in groups

	cur, best []int64 // step times of the current and best attempt
	done      []bool
}

type funnelAcc struct {
	counts    []int64
	fromPrev  []dist
	fromFirst []dist
	hist      []int64
}

func newFunnelAcc(n int) *funnelAcc {
	return &funnelAcc{counts: make([]int64, n), fromPrev: make([]dist, n), fromFirst: make([]dist, n), hist: make([]int64, len(histEdges))}
}

func (a *funnelAcc) merge(b *funnelAcc) {
	for k := range a.counts {
		a.counts[k] += b.counts[k]
		a.fromPrev[k].merge(&b.fromPrev[k])
		a.fromFirst[k].merge(&b.fromFirst[k])
	}
	for i := range a.hist {
		a.hist[i] += b.hist[i]
	}
}

// NewFunnel checks the options and returns a funnel accumulator.
func NewFunnel(opts FunnelOptions) (*Funnel, error) {
	if len(opts.Steps) == 0 {
		return nil, fmt.Errorf("journey: a funnel needs at least one step")
	}
	for i, s := range opts.Steps {
		if len(s.Labels) == 0 {
			return nil, fmt.Errorf("journey: funnel step %d (%s) has no labels; give the step labels it matches", i+1, s.Name)
		}
	}
	for _, e := range opts.Exclusions {
		if len(e.Labels) == 0 {
			return nil, fmt.Errorf("journey: an exclusion step has no labels")
		}
		if opts.Mode != AnyOrder && (e.After < 1 || e.After >= len(opts.Steps)) {
			return nil, fmt.Errorf("journey: exclusion %v applies after step %d, but it must lie between two steps (1 to %d)", e.Labels, e.After, len(opts.Steps)-1)
		}
	}
	if opts.Window < 0 {
		return nil, fmt.Errorf("journey: funnel window %v is negative", opts.Window)
	}
	if opts.Window == 0 {
		opts.Window = DefaultFunnelWindow
	}
	if opts.Breakdown == ByCustomerValue && opts.GroupOf == nil {
		return nil, fmt.Errorf("journey: a breakdown by customer value needs FunnelOptions.GroupOf")
	}
	return &Funnel{opts: opts, n: len(opts.Steps), window: opts.Window.Milliseconds()}, nil
}

// Begin resolves the step labels.
func (f *Funnel) Begin(s *Scope) error {
	f.scope = s
	f.step = make([][]bool, f.n)
	for i, st := range f.opts.Steps {
		set, err := s.labelSet(fmt.Sprintf("funnel step %d", i+1), st.Labels)
		if err != nil {
			return err
		}
		f.step[i] = set
	}
	f.excl = make([][]bool, f.n)
	f.anyEx = make([]bool, len(s.Labels))
	for _, e := range f.opts.Exclusions {
		set, err := s.labelSet("funnel exclusion", e.Labels)
		if err != nil {
			return err
		}
		b := min(max(e.After, 0), f.n-1)
		if f.excl[b] == nil {
			f.excl[b] = make([]bool, len(s.Labels))
		}
		for l, ok := range set {
			if ok {
				f.excl[b][l] = true
				f.anyEx[l] = true
			}
		}
	}
	f.reset()
	return nil
}

func (f *Funnel) reset() {
	f.all = newFunnelAcc(f.n)
	f.groups = make(map[string]*funnelAcc)
	f.chanAcc = nil
	if f.scope != nil && f.opts.Breakdown == ByFirstChannel {
		f.chanAcc = make([]*funnelAcc, len(f.scope.Data.channels))
	}
	f.cur = make([]int64, f.n)
	f.best = make([]int64, f.n)
	f.done = make([]bool, f.n)
}

// Fork returns an empty funnel with the same steps.
func (f *Funnel) Fork() Accumulator {
	g := *f
	g.reset()
	return &g
}

// attempt runs the attempt starting at position s of j and returns the
// number of steps reached (0 when s cannot start one), with the step times
// in f.cur, and whether the attempt ran to the end of the journey (not
// stopped by the window, an exclusion or completion).
func (f *Funnel) attempt(j *Journey, s int) (int, bool) {
	lab, t := j.Steps, j.Times
	n := len(lab)
	switch f.opts.Mode {
	case Ordered:
		if !f.step[0][lab[s]] {
			return 0, false
		}
		f.cur[0] = t[s]
		k := 1
		i := s + 1
		for ; i < n && k < f.n; i++ {
			if t[i]-t[s] > f.window {
				return k, false
			}
			if f.step[k][lab[i]] {
				f.cur[k] = t[i]
				k++
				continue
			}
			if ex := f.excl[k]; ex != nil && ex[lab[i]] {
				return k, false
			}
		}
		return k, i == n && k < f.n
	case Strict:
		if !f.step[0][lab[s]] {
			return 0, false
		}
		f.cur[0] = t[s]
		k := 1
		for i := s + 1; i < n && k < f.n; i++ {
			if t[i]-t[s] > f.window || !f.step[k][lab[i]] {
				break
			}
			f.cur[k] = t[i]
			k++
		}
		return k, false
	default:
		clear(f.done)
		k := 0
		assign := func(i int) bool {
			for q := 0; q < f.n; q++ {
				if !f.done[q] && f.step[q][lab[i]] {
					f.done[q] = true
					f.cur[k] = t[i]
					k++
					return true
				}
			}
			return false
		}
		if !assign(s) {
			return 0, false
		}
		for i := s + 1; i < n && k < f.n; i++ {
			if t[i]-t[s] > f.window {
				break
			}
			if !assign(i) && f.anyEx[lab[i]] {
				break
			}
		}
		return k, false
	}
}

// evaluate finds the customer's furthest step, with the step times of the
// earliest attempt reaching it in f.best and the dataset position of that
// attempt's first event.
func (f *Funnel) evaluate(c *Customer) (reach int, first int32) {
	for ji := range c.Journeys {
		j := &c.Journeys[ji]
		for s := range j.Steps {
			if f.opts.Mode != AnyOrder && !f.step[0][j.Steps[s]] {
				continue
			}
			r, exhausted := f.attempt(j, s)
			if r > reach {
				reach = r
				first = j.Events[s]
				copy(f.best, f.cur[:r])
				if reach == f.n {
					return reach, first
				}
			}
			// An ordered attempt that ran to the end of the journey
			// matched greedily as far as the rest of the journey allows;
			// a later attempt sees a suffix of it and cannot get further.
			if exhausted {
				break
			}
		}
	}
	return reach, first
}

func (f *Funnel) group(c *Customer, first int32) (string, bool) {
	switch f.opts.Breakdown {
	case ByFirstChannel:
		return c.EventChannel(first), true
	case ByCustomerValue:
		return f.opts.GroupOf(c.ID), true
	}
	return "", false
}

// Customer counts the customer at its furthest step.
func (f *Funnel) Customer(c *Customer) {
	reach, first := f.evaluate(c)
	if reach == 0 {
		return
	}
	accs := [2]*funnelAcc{f.all, nil}
	if f.chanAcc != nil {
		ch := c.channelID(first)
		if f.chanAcc[ch] == nil {
			a := newFunnelAcc(f.n)
			f.groups[f.scope.Data.channels[ch]] = a
			f.chanAcc[ch] = a
		}
		accs[1] = f.chanAcc[ch]
	} else if g, ok := f.group(c, first); ok {
		a := f.groups[g]
		if a == nil {
			a = newFunnelAcc(f.n)
			f.groups[g] = a
		}
		accs[1] = a
	}
	for _, a := range accs {
		if a == nil {
			continue
		}
		for k := 0; k < reach; k++ {
			a.counts[k]++
			if k > 0 {
				a.fromPrev[k].add(f.best[k] - f.best[k-1])
				a.fromFirst[k].add(f.best[k] - f.best[0])
			}
		}
		if reach == f.n {
			a.hist[histIndex(f.best[f.n-1]-f.best[0])]++
		}
	}
}

// Merge adds another fork's counts.
func (f *Funnel) Merge(o Accumulator) {
	g := o.(*Funnel)
	f.all.merge(g.all)
	for k, b := range g.groups {
		a := f.groups[k]
		if a == nil {
			f.groups[k] = b
			continue
		}
		a.merge(b)
	}
}

// FunnelStepResult is one row of a funnel.
type FunnelStepResult struct {
	Step         int     `json:"step"`
	Name         string  `json:"name"`
	Customers    int64   `json:"customers"`
	FromFirst    float64 `json:"conversion_from_first"`
	FromPrevious float64 `json:"conversion_from_previous"`
	DropOff      int64   `json:"drop_off"`
	// TimeFromPrevious and TimeFromFirst are the times between this step
	// and the previous (first) step, over the customers who reached it.
	TimeFromPrevious DurationStats `json:"time_from_previous_seconds"`
	TimeFromFirst    DurationStats `json:"time_from_first_seconds"`
}

// FunnelGroup is the funnel of one breakdown group (or of everyone).
type FunnelGroup struct {
	Group string             `json:"group"`
	Steps []FunnelStepResult `json:"steps"`
	// Converted reached the last step; Conversion = Converted / entered.
	Converted  int64   `json:"converted"`
	Conversion float64 `json:"conversion"`
	// TimeToConvert is the time from step 1 to the last step of converted
	// customers, with its histogram.
	TimeToConvert DurationStats     `json:"time_to_convert_seconds"`
	Histogram     []HistogramBucket `json:"time_to_convert_histogram"`
}

// FunnelResult is a funnel's counts overall and per breakdown group.
type FunnelResult struct {
	Mode          string        `json:"mode"`
	WindowSeconds float64       `json:"window_seconds"`
	Overall       FunnelGroup   `json:"overall"`
	Groups        []FunnelGroup `json:"groups,omitempty"`
}

func (f *Funnel) stepName(k int) string {
	if f.opts.Mode == AnyOrder {
		return fmt.Sprintf("any %d of %d", k+1, f.n)
	}
	if s := f.opts.Steps[k]; s.Name != "" {
		return s.Name
	}
	return strings.Join(f.opts.Steps[k].Labels, " | ")
}

func (f *Funnel) groupResult(name string, a *funnelAcc) FunnelGroup {
	g := FunnelGroup{Group: name}
	for k := 0; k < f.n; k++ {
		r := FunnelStepResult{Step: k + 1, Name: f.stepName(k), Customers: a.counts[k]}
		if a.counts[0] > 0 {
			r.FromFirst = float64(a.counts[k]) / float64(a.counts[0])
		}
		if k == 0 {
			r.FromPrevious = 1
		} else {
			r.DropOff = a.counts[k-1] - a.counts[k]
			if a.counts[k-1] > 0 {
				r.FromPrevious = float64(a.counts[k]) / float64(a.counts[k-1])
			}
			r.TimeFromPrevious = a.fromPrev[k].stats()
			r.TimeFromFirst = a.fromFirst[k].stats()
		}
		g.Steps = append(g.Steps, r)
	}
	g.Converted = a.counts[f.n-1]
	if a.counts[0] > 0 {
		g.Conversion = float64(g.Converted) / float64(a.counts[0])
	}
	if f.n > 1 {
		g.TimeToConvert = a.fromFirst[f.n-1].stats()
	} else {
		g.TimeToConvert = DurationStats{Count: a.counts[0], Exact: true}
		a.hist[0] = a.counts[0]
	}
	g.Histogram = histogram(a.hist)
	return g
}

// Result computes the funnel. Groups are sorted by customers at step 1
// (descending), then name.
func (f *Funnel) Result() FunnelResult {
	r := FunnelResult{Mode: f.opts.Mode.String(), WindowSeconds: f.opts.Window.Seconds()}
	if f.all == nil {
		return r
	}
	r.Overall = f.groupResult("", f.all)
	for name, a := range f.groups {
		r.Groups = append(r.Groups, f.groupResult(name, a))
	}
	slices.SortFunc(r.Groups, func(a, b FunnelGroup) int {
		return cmp.Or(cmp.Compare(b.Steps[0].Customers, a.Steps[0].Customers), cmp.Compare(a.Group, b.Group))
	})
	return r
}

// FunnelOutcome selects the customers of a funnel cell.
type FunnelOutcome int

const (
	// Reached: customers whose furthest step is ≥ the step.
	Reached FunnelOutcome = iota
	// DroppedAt: customers who reached the previous step but not this one
	// (the step's drop-off).
	DroppedAt
)

// WhoFunnel collects the customers behind a funnel cell: those who reached
// step (1-based), or dropped off before it, within breakdown group group
// ("" for everyone, when the funnel has a breakdown).
func WhoFunnel(opts FunnelOptions, step int, outcome FunnelOutcome, group string, limit int) (*Who, error) {
	f, err := NewFunnel(opts)
	if err != nil {
		return nil, err
	}
	if step < 1 || step > f.n || (outcome == DroppedAt && step < 2) {
		return nil, fmt.Errorf("journey: funnel has steps 1 to %d (drop-off from step 2); step %d has no such cell", f.n, step)
	}
	return newWhoMaker(limit, func(s *Scope) (func() func(*Customer) bool, error) {
		if err := f.Begin(s); err != nil {
			return nil, err
		}
		return func() func(*Customer) bool {
			g := f.Fork().(*Funnel)
			return func(c *Customer) bool {
				reach, first := g.evaluate(c)
				if reach == 0 {
					return false
				}
				if group != "" {
					if name, ok := g.group(c, first); !ok || name != group {
						return false
					}
				}
				if outcome == DroppedAt {
					return reach == step-1
				}
				return reach >= step
			}
		}, nil
	}), nil
}
