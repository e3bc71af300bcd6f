package journey

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// CustomerSet is a set of customer ids given by the caller: the members of
// a segment, or the customers whose traits satisfy a predicate. Scan asks
// Contains once per customer of the Dataset, before the parallel pass.
type CustomerSet interface {
	Contains(customer int64) bool
}

// IDSet is a CustomerSet backed by a map.
type IDSet map[int64]struct{}

// NewIDSet is the set of the given ids.
func NewIDSet(ids ...int64) IDSet {
	s := make(IDSet, len(ids))
	for _, id := range ids {
		s[id] = struct{}{}
	}
	return s
}

// Contains reports whether id is in the set.
func (s IDSet) Contains(id int64) bool { _, ok := s[id]; return ok }

// Filter selects events and customers. Zero values select everything.
type Filter struct {
	// From and To bound event times, From ≤ time < To (UTC ms); 0 means
	// unbounded.
	From, To int64
	// Channels and Types keep only events whose channel (type) is listed.
	Channels []string
	Types    []string
	// Customers keeps only customers in the set (a segment); Traits is a
	// second set combined with AND (customers whose traits match).
	Customers CustomerSet
	Traits    CustomerSet
}

// SplitMode says how a customer's events are cut into journeys.
type SplitMode int

const (
	// Whole makes the customer's whole (filtered) history one journey.
	Whole SplitMode = iota
	// Sessions starts a new journey when the time since the previous event
	// is greater than Split.Gap.
	Sessions
	// BeforeConversion makes one journey per conversion event: the events
	// after the previous conversion (exclusive) and within Split.Lookback
	// before the conversion, ending with the conversion itself.
	BeforeConversion
)

// DefaultSessionGap is the inactivity gap that ends a session by default.
const DefaultSessionGap = 30 * time.Minute

// Split chooses the journeys.
type Split struct {
	Mode SplitMode `json:"mode"`
	// Gap ends a session (Sessions): a new session starts at an event
	// whose time minus the previous event's time is > Gap. Zero means
	// DefaultSessionGap.
	Gap time.Duration `json:"gap"`
	// ConversionTypes are the event types that are conversions
	// (BeforeConversion). A conversion is recognised before the channel
	// and type filters (which cannot hide it), after the time and customer
	// filters; it always ends its journey as the last step.
	ConversionTypes []string `json:"conversion_types,omitempty"`
	// Lookback keeps events with time ≥ conversion time − Lookback
	// (BeforeConversion); zero means no limit.
	Lookback time.Duration `json:"lookback"`
	// IncludeNonConverting adds, in BeforeConversion mode, the events after
	// a customer's last conversion (or all events of a customer who never
	// converted) as one more journey with Converted false.
	IncludeNonConverting bool `json:"include_non_converting"`
}

// Query is everything a scan needs besides its accumulators.
type Query struct {
	Filter Filter
	Label  LabelSpec
	Split  Split
	// CollapseRepeats merges consecutive steps with the same label within
	// a journey into the first of them.
	CollapseRepeats bool
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Journey is one journey of a customer: the labelled steps in order.
// Slices are reused between calls: an accumulator must copy what it keeps.
type Journey struct {
	Customer int64
	// Index is the number of the journey within the customer's journeys of
	// this scan, from 0.
	Index int
	// Steps are label ids (Scope.Labels), Times UTC ms and Events the
	// positions of the events in the Dataset, all of the same length.
	Steps  []int32
	Times  []int64
	Events []int32
	// Converted is true when the journey ends with a conversion
	// (BeforeConversion).
	Converted bool
}

// Customer is one customer's journeys in time order. Its methods decode
// the customer's events from the block the scan is reading: an
// accumulator reads event attributes through them, not through the
// Dataset's random-access methods.
type Customer struct {
	ID       int64
	Index    int // dense index in the Dataset
	Journeys []Journey

	d   *Dataset
	blk *block
}

// Event decodes the event at dataset position pos, one of c's events (an
// element of some Journey.Events of c).
func (c *Customer) Event(pos int32) EventView { return c.d.view(c.blk, int(pos)-c.blk.base) }

// EventChannel is the channel of c's event at dataset position pos.
func (c *Customer) EventChannel(pos int32) string {
	return c.d.channels[c.blk.channel[int(pos)-c.blk.base]]
}

// EventType is the type of c's event at dataset position pos.
func (c *Customer) EventType(pos int32) string { return c.d.types[c.blk.typ[int(pos)-c.blk.base]] }

// EventCampaign is the campaign of c's event at dataset position pos ("" if
// none).
func (c *Customer) EventCampaign(pos int32) string {
	return c.d.campaigns[c.blk.campaign[int(pos)-c.blk.base]]
}

// Revenue is the revenue of c's event at dataset position pos and whether
// it has one.
func (c *Customer) Revenue(pos int32) (float64, bool) { return c.blk.revenue(int(pos) - c.blk.base) }

// channelID is the channel dictionary id of c's event at position pos.
func (c *Customer) channelID(pos int32) uint16 { return c.blk.channel[int(pos)-c.blk.base] }

// Scope is what accumulators know of a scan: the dataset and the step
// labels. Label ids are indexes of Labels.
type Scope struct {
	Data   *Dataset
	Labels []string
	Query  Query
	ids    map[string]int32
}

// LabelID is the id of a label, or false when no raw label maps to it.
func (s *Scope) LabelID(name string) (int32, bool) {
	id, ok := s.ids[name]
	return id, ok
}

// labelSet resolves label names to a membership slice over label ids.
func (s *Scope) labelSet(what string, names []string) ([]bool, error) {
	set := make([]bool, len(s.Labels))
	for _, n := range names {
		id, ok := s.ids[n]
		if !ok {
			return nil, fmt.Errorf("journey: %s: no step is labelled %q under the %s labelling; check the spelling or the label choice", what, n, s.Query.Label)
		}
		set[id] = true
	}
	return set, nil
}

// Accumulator consumes journeys. Scan calls Begin once, then Fork once per
// worker; each fork receives a disjoint part of the customers through
// Customer, and is finally merged into the original with Merge, in worker
// order. An accumulator's results must not depend on how customers are
// split among forks. It reads the attributes of a journey's events (channel,
// type, revenue, …) through the Customer's methods, which decode them from
// the block being scanned.
type Accumulator interface {
	Begin(s *Scope) error
	Fork() Accumulator
	Customer(c *Customer)
	Merge(other Accumulator)
}

// Scan runs one pass over the customers of d selected by q.Filter, builds
// their journeys and feeds them to every accumulator.
//
// Per customer: events outside [From, To) or of unlisted channels or types
// are dropped (conversions excepted, see Split), each remaining event gets
// its step label, the events are cut into journeys (q.Split), repeats are
// collapsed if asked, and the customer's journeys are passed to each
// accumulator. Customers left with no events are not passed.
//
// Workers take whole blocks of customers in turn; each holds one block
// (for a file-backed Dataset, read from the file into the worker's
// buffers), so the scan's memory is bounded by the workers and the block
// size, not by the number of events.
func Scan(ctx context.Context, d *Dataset, q Query, accs ...Accumulator) error {
	sc, err := newScanner(d, q)
	if err != nil {
		return err
	}
	for _, a := range accs {
		if err := a.Begin(sc.scope); err != nil {
			return err
		}
	}
	w := q.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	nb := len(d.blocks)
	w = max(1, min(w, nb))
	forks := make([][]Accumulator, w)
	for i := range forks {
		forks[i] = make([]Accumulator, len(accs))
		for k, a := range accs {
			forks[i][k] = a.Fork()
		}
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	errs := make([]error, w)
	for i := 0; i < w; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st := sc.newState()
			for !failed.Load() {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					return
				}
				bi := int(next.Add(1) - 1)
				if bi >= nb {
					return
				}
				blk, err := sc.block(st, bi)
				if err != nil {
					errs[i] = err
					failed.Store(true)
					return
				}
				if sc.custOK != nil && !anyTrue(sc.custOK[blk.first:blk.first+blk.numCustomers()]) {
					continue
				}
				for k := range blk.numCustomers() {
					cu := sc.customer(st, blk, k)
					if cu == nil {
						continue
					}
					for _, a := range forks[i] {
						a.Customer(cu)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i := range forks {
		for k, a := range accs {
			a.Merge(forks[i][k])
		}
	}
	return nil
}

func anyTrue(s []bool) bool {
	for _, v := range s {
		if v {
			return true
		}
	}
	return false
}

type scanner struct {
	d         *Dataset
	q         Query
	lb        *labeler
	scope     *Scope
	keepCh    []bool // nil = all
	keepTy    []bool
	convTy    []bool
	custOK    []bool // nil = all
	gap       int64
	lookback  int64
	splitMode SplitMode
}

func newScanner(d *Dataset, q Query) (*scanner, error) {
	lb, err := d.labelerFor(q.Label)
	if err != nil {
		return nil, err
	}
	sc := &scanner{d: d, q: q, lb: lb, splitMode: q.Split.Mode}
	sc.scope = &Scope{Data: d, Labels: lb.labels, Query: q, ids: lb.ids}
	if len(q.Filter.Channels) > 0 {
		sc.keepCh = make([]bool, len(d.channels))
		for _, c := range q.Filter.Channels {
			if i := slices.Index(d.channels, c); i >= 0 {
				sc.keepCh[i] = true
			}
		}
	}
	if len(q.Filter.Types) > 0 {
		sc.keepTy = make([]bool, len(d.types))
		for _, t := range q.Filter.Types {
			if i := slices.Index(d.types, t); i >= 0 {
				sc.keepTy[i] = true
			}
		}
	}
	switch q.Split.Mode {
	case Whole:
	case Sessions:
		sc.gap = q.Split.Gap.Milliseconds()
		if q.Split.Gap == 0 {
			sc.gap = DefaultSessionGap.Milliseconds()
		}
		if sc.gap < 0 {
			return nil, fmt.Errorf("journey: session gap %v is negative", q.Split.Gap)
		}
	case BeforeConversion:
		if len(q.Split.ConversionTypes) == 0 {
			return nil, fmt.Errorf("journey: journeys before a conversion need the conversion event types (Split.ConversionTypes)")
		}
		sc.convTy = make([]bool, len(d.types))
		for _, t := range q.Split.ConversionTypes {
			if i := slices.Index(d.types, t); i >= 0 {
				sc.convTy[i] = true
			}
		}
		sc.lookback = q.Split.Lookback.Milliseconds()
	default:
		return nil, fmt.Errorf("journey: unknown split mode %d", q.Split.Mode)
	}
	if q.Filter.Customers != nil || q.Filter.Traits != nil {
		sc.custOK = make([]bool, d.NumCustomers())
		for i, id := range d.customers {
			sc.custOK[i] = (q.Filter.Customers == nil || q.Filter.Customers.Contains(id)) &&
				(q.Filter.Traits == nil || q.Filter.Traits.Contains(id))
		}
	}
	return sc, nil
}

// state is one worker's reusable buffers.
type state struct {
	steps  []int32
	times  []int64
	events []int32
	conv   []bool
	cust   Customer
	blk    block  // the block read from the file
	buf    []byte // its bytes
}

func (sc *scanner) newState() *state { return &state{} }

// block returns block bi: the Dataset's own when it is in memory, else read
// into the worker's buffers.
func (sc *scanner) block(st *state, bi int) (*block, error) {
	if sc.d.mem != nil {
		return sc.d.mem[bi], nil
	}
	if err := sc.d.readBlock(bi, &st.buf, &st.blk); err != nil {
		return nil, err
	}
	return &st.blk, nil
}

// customer builds the journeys of the customer k of block b, or nil.
func (sc *scanner) customer(st *state, b *block, k int) *Customer {
	c := b.first + k
	if sc.custOK != nil && !sc.custOK[c] {
		return nil
	}
	d := sc.d
	from, to := int(b.off[k]), int(b.off[k+1])
	f := &sc.q.Filter
	st.steps, st.times, st.events, st.conv = st.steps[:0], st.times[:0], st.events[:0], st.conv[:0]
	for e := from; e < to; e++ {
		t := b.time[e]
		if (f.From != 0 && t < f.From) || (f.To != 0 && t >= f.To) {
			continue
		}
		isConv := sc.convTy != nil && sc.convTy[b.typ[e]]
		if !isConv && ((sc.keepCh != nil && !sc.keepCh[b.channel[e]]) || (sc.keepTy != nil && !sc.keepTy[b.typ[e]])) {
			continue
		}
		st.steps = append(st.steps, sc.lb.label(b, e))
		st.times = append(st.times, t)
		st.events = append(st.events, int32(b.base+e))
		if sc.convTy != nil {
			st.conv = append(st.conv, isConv)
		}
	}
	n := len(st.steps)
	if n == 0 {
		return nil
	}
	cu := &st.cust
	cu.ID, cu.Index, cu.Journeys, cu.d, cu.blk = d.customers[c], c, cu.Journeys[:0], d, b
	add := func(lo, hi int, converted bool) {
		if hi <= lo {
			return
		}
		j := Journey{Customer: cu.ID, Index: len(cu.Journeys), Steps: st.steps[lo:hi:hi], Times: st.times[lo:hi:hi], Events: st.events[lo:hi:hi], Converted: converted}
		if sc.q.CollapseRepeats {
			collapse(&j)
		}
		cu.Journeys = append(cu.Journeys, j)
	}
	switch sc.splitMode {
	case Whole:
		add(0, n, false)
	case Sessions:
		lo := 0
		for i := 1; i < n; i++ {
			if st.times[i]-st.times[i-1] > sc.gap {
				add(lo, i, false)
				lo = i
			}
		}
		add(lo, n, false)
	case BeforeConversion:
		lo := 0
		for i := 0; i < n; i++ {
			if !st.conv[i] {
				continue
			}
			s := lo
			if sc.lookback > 0 {
				for s < i && st.times[s] < st.times[i]-sc.lookback {
					s++
				}
			}
			add(s, i+1, true)
			lo = i + 1
		}
		if sc.q.Split.IncludeNonConverting {
			add(lo, n, false)
		}
	}
	if len(cu.Journeys) == 0 {
		return nil
	}
	return cu
}

// collapse merges runs of equal consecutive steps into their first step,
// in place.
func collapse(j *Journey) {
	k := 0
	for i := range j.Steps {
		if i > 0 && j.Steps[i] == j.Steps[k-1] {
			continue
		}
		j.Steps[k], j.Times[k], j.Events[k] = j.Steps[i], j.Times[i], j.Events[i]
		k++
	}
	j.Steps, j.Times, j.Events = j.Steps[:k], j.Times[:k], j.Events[:k]
}
