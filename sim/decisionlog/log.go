// Package decisionlog reads logged decisions — from the store or directly
// from a decision-log CSV in the documented format (sample/FORMATS.md,
// `decisions.csv`) — and turns each into a policy.State, so that policies
// can be scored on them by off-policy evaluation (Evaluate).
//
// The state of a logged decision has these features:
//
//   - `trigger`: the trigger column, a string;
//   - one feature per ctx_* column, named without the prefix
//     (ctx_cart_value → cart_value): a value that parses as a number is a
//     Number, "true"/"false" a Bool, an empty value is missing (it matches
//     only the `-` test), anything else a String.
//
// Its Time is the decision's time, its Contacts are the customer's earlier
// logged decisions whose action contacts someone (on that action's
// channel), and its Logged field holds the logged action and propensity.
// The contact history is the one the logging policy produced: a policy
// with frequency caps is evaluated against the contacts that actually
// happened, not the ones it would itself have made.
package decisionlog

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// value kinds of a stored feature cell.
const (
	kMissing uint8 = iota
	kNum
	kBool
	kStr
)

// column is one feature held column-wise: a kind per decision and a
// number (the value, 0/1 for a bool, or the dictionary index of a string).
// kind and num stay in decision order (the order the decisions were
// added in); Finish copies the cells in time order into the log's
// row-major tKind and tNum as well.
type column struct {
	name string
	kind []uint8
	num  []float64
	// recent caches text values of this column already interned: slot
	// textSlot(s) holds a string of the dictionary and its index.
	recent [16]struct {
		s string
		d int
	}
}

// textSlot is the slot of column.recent a text value s ≠ "" is cached in.
func textSlot(s string) int { return (len(s)*7 + int(s[0]) + int(s[len(s)-1])) & 15 }

// Log is a decision log held column-wise in memory (about 100 bytes per
// decision for the sample's 11 features).
type Log struct {
	// Actions is the action set the logged actions are indexed in.
	Actions *policy.Actions
	// ID is each decision's id (decision_id / the store key; may be "").
	ID []string
	// Customer is the customer the decision was about: the identifier in
	// customer_id for a CSV, the stitched customer number for the store.
	Customer []string
	// Time is the decision time, UTC milliseconds.
	Time []int64
	// Action is the index of the logged action in Actions.Names, taken
	// with probability Propensity; Reward and Converted are the outcome.
	Action     []int
	Propensity []float64
	Reward     []float64
	Converted  []bool
	// Rejected counts rows of a CSV the reader rejected (malformed), and
	// Duplicates rows skipped because their decision_id was seen before;
	// FirstRejects holds up to 5 reject messages.
	Rejected, Duplicates int
	FirstRejects         []string

	cols  []*column
	index map[string]int
	dict  []string
	dictI map[string]int
	seen  *idSet
	cust  []int32          // interned customer of each decision
	custI map[string]int32 // customer → its number
	keys  []string         // the ctx keys of the previous Add, sorted
	vals  []string         // scratch: the values of keys in one Add
	kcols []*column        // their columns
	order []int32          // indices in time order
	hint  int              // expected number of decisions (newSized)

	// After Finish the feature columns hold the decisions in time order
	// (rank t = rank[i] for decision i), and the t-prefixed slices are
	// copies in time order, so a pass over the log in time order reads
	// memory sequentially.
	finished bool
	rank     []int32
	tAction  []int32
	tProp    []float64
	tReward  []float64
	tConv    []bool
	tTime    []int64
	// tContact[t] links the decision of rank t to the customer's
	// previous decision that contacted them (an action with a channel):
	// its rank (−1 for none), time and channel, in one record, so the
	// walk over a customer's contacts reads one place per contact.
	tContact []contactLink
	// tKind and tNum hold the feature cells in time order, row-major:
	// feature j of the decision of rank t at t·len(cols)+j, so the
	// state of one decision is a few adjacent cache lines (a pass over
	// the decisions of one fold reads little else).
	tKind  []uint8
	tNum   []float64
	chanOf []string

	// cellOf[t] is the logging cell (policy.CellKey) of the decision of
	// rank t, an index in cellKeys; computed once, on first use.
	cellOnce sync.Once
	cellOf   []int32
	cellKeys [][]byte
}

// contactLink is one step of the walk over a customer's earlier
// contacts (see Log.tContact).
type contactLink struct {
	prev int32 // rank of the previous contact, −1 for none
	ch   int32 // channel of the decision of this rank (index in chanOf)
	time int64
}

// New returns an empty log over actions; add decisions with Add, then call
// Finish.
func New(actions *policy.Actions) *Log { return newSized(actions, 0) }

// newSized is New with room for about n decisions.
func newSized(actions *policy.Actions, n int) *Log {
	l := &Log{Actions: actions, index: map[string]int{}, dictI: map[string]int{}, seen: newIDSet(n), custI: make(map[string]int32, n/2)}
	l.ID = make([]string, 0, n)
	l.Customer = make([]string, 0, n)
	l.cust = make([]int32, 0, n)
	l.Time = make([]int64, 0, n)
	l.Action = make([]int, 0, n)
	l.Propensity = make([]float64, 0, n)
	l.Reward = make([]float64, 0, n)
	l.Converted = make([]bool, 0, n)
	l.hint = n
	return l
}

// N returns the number of decisions.
func (l *Log) N() int { return len(l.Action) }

// Features returns the feature names in column order: trigger, then the
// context columns in the order first seen.
func (l *Log) Features() []string {
	out := make([]string, len(l.cols))
	for i, c := range l.cols {
		out[i] = c.name
	}
	return out
}

// Add appends one decision. ctx holds the ctx_* columns without the
// prefix. A decision whose non-empty id was added before is skipped and
// counted in Duplicates.
func (l *Log) Add(id, customer string, t int64, trigger string, ctx map[string]string, action string, propensity, reward float64, converted bool) error {
	return l.add(id, true, customer, t, trigger, ctx, nil, action, propensity, reward, converted)
}

// add is Add with the context given either as a map (ctx) or, when vals
// is not nil, as the values of the previous Add's keys in their order.
// With dedup false the caller has checked id against the id set already
// (and added it).
func (l *Log) add(id string, dedup bool, customer string, t int64, trigger string, ctx map[string]string, vals []string, action string, propensity, reward float64, converted bool) error {
	if l.finished {
		return fmt.Errorf("decision added after Finish; add every decision before calling Finish")
	}
	if dedup && id != "" {
		// One set operation: the set grows unless id was in it.
		if !l.seen.add(id) {
			l.Duplicates++
			return nil
		}
	}
	a := l.Actions.Index(action)
	if a < 0 {
		return fmt.Errorf("action %q is not in the action set (%s); declare every logged action under `actions:` in the policy file", action, strings.Join(l.Actions.Names, ", "))
	}
	if !(propensity > 0 && propensity <= 1) {
		return fmt.Errorf("propensity %v is outside (0,1]", propensity)
	}
	i := len(l.Action)
	l.ID = append(l.ID, id)
	// A customer's decisions often follow each other: the previous
	// decision's customer is checked before the map.
	var c int32
	if i > 0 && l.Customer[i-1] == customer {
		c, customer = l.cust[i-1], l.Customer[i-1] // share the string
	} else {
		var ok bool
		if c, ok = l.custI[customer]; !ok {
			c = int32(len(l.custI))
			l.custI[customer] = c
		}
	}
	l.cust = append(l.cust, c)
	l.Customer = append(l.Customer, customer)
	l.Time = append(l.Time, t)
	l.Action = append(l.Action, a)
	l.Propensity = append(l.Propensity, propensity)
	l.Reward = append(l.Reward, reward)
	l.Converted = append(l.Converted, converted)
	l.set(l.column("trigger", i), trigger)
	// The ctx columns in name order; a row with the same keys as the
	// previous one (the usual case) reuses its sorted keys and columns.
	same := vals == nil && len(ctx) == len(l.keys)
	if vals != nil {
		same, l.vals = true, vals
	} else if same {
		if cap(l.vals) < len(l.keys) {
			l.vals = make([]string, len(l.keys))
		}
		l.vals = l.vals[:len(l.keys)]
		for j, k := range l.keys {
			v, ok := ctx[k]
			if !ok {
				same = false
				break
			}
			l.vals[j] = v
		}
	}
	if same {
		for j, v := range l.vals {
			l.set(l.kcols[j], v)
		}
	} else {
		l.keys = l.keys[:0]
		for k := range ctx {
			if k != "trigger" { // the trigger column wins
				l.keys = append(l.keys, k)
			}
		}
		sort.Strings(l.keys)
		l.kcols = l.kcols[:0]
		for _, k := range l.keys {
			l.kcols = append(l.kcols, l.column(k, i))
		}
		for j, k := range l.keys {
			l.set(l.kcols[j], ctx[k])
		}
	}
	for _, c := range l.cols {
		if len(c.kind) == i {
			c.kind = append(c.kind, kMissing)
			c.num = append(c.num, 0)
		}
	}
	return nil
}

// column returns the named column, creating it (missing in the i
// decisions before) when new.
func (l *Log) column(name string, i int) *column {
	j, ok := l.index[name]
	if !ok {
		j = len(l.cols)
		l.index[name] = j
		c := max(i+1024, l.hint)
		l.cols = append(l.cols, &column{name: name, kind: make([]uint8, i, c), num: make([]float64, i, c)})
	}
	return l.cols[j]
}

func (l *Log) set(c *column, text string) {
	// A text value already interned for this column is found in its
	// cache without parsing (the parse of a text is always the same).
	if text != "" {
		if r := &c.recent[textSlot(text)]; r.s == text {
			c.kind = append(c.kind, kStr)
			c.num = append(c.num, float64(r.d))
			return
		}
	}
	k, x := l.parse(text)
	if k == kStr {
		d := int(x)
		if s := l.dict[d]; s == text {
			c.recent[textSlot(s)] = struct {
				s string
				d int
			}{s, d}
		}
	}
	c.kind = append(c.kind, k)
	c.num = append(c.num, x)
}

// parse types one value: number, bool, missing or (interned) string.
func (l *Log) parse(s string) (uint8, float64) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return kMissing, 0
	case "true":
		return kBool, 1
	case "false":
		return kBool, 0
	}
	if maybeNumber(s) {
		if f, ok := exactDecimal(s); ok {
			return kNum, f
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return kNum, f
		}
	}
	d, ok := l.dictI[s]
	if !ok {
		d = len(l.dict)
		s = strings.Clone(s) // s may be a substring of a whole row or file
		l.dict = append(l.dict, s)
		l.dictI[s] = d
	}
	return kStr, float64(d)
}

// maybeNumber is false for text strconv.ParseFloat surely rejects (its
// first byte starts no number, infinity or NaN), sparing the error value.
func maybeNumber(s string) bool {
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == 'i', c == 'I', c == 'n', c == 'N':
		return true
	}
	return false
}

// Finish orders the decisions in time and links each to the customer's
// previous one; call it once after the last Add.
func (l *Log) Finish() error {
	n := l.N()
	if n == 0 {
		return fmt.Errorf("the decision log has no decisions: load one with `workbench load decisions.csv` or pass --log FILE")
	}
	if l.finished {
		return nil
	}
	l.seen = nil
	l.custI = nil
	l.order = make([]int32, n)
	for i := range l.order {
		l.order[i] = int32(i)
	}
	if !slices.IsSorted(l.Time) {
		sortByTime(l.order, l.Time)
	}
	l.rank = make([]int32, n)
	for t, i := range l.order {
		l.rank[i] = int32(t)
	}
	var wg sync.WaitGroup
	nc := len(l.cols)
	l.tKind, l.tNum = make([]uint8, n*nc), make([]float64, n*nc)
	l.tAction = make([]int32, n)
	l.tProp = make([]float64, n)
	l.tReward = make([]float64, n)
	l.tConv = make([]bool, n)
	l.tTime = make([]int64, n)
	l.tContact = make([]contactLink, n)
	l.chanOf = make([]string, len(l.Actions.Names))
	for a, name := range l.Actions.Names {
		l.chanOf[a] = l.Actions.Channel[name]
	}
	// The time-ordered copies are filled in ranges of decisions
	// concurrently, each decision's cells written at its rank (the
	// columns are read in order, one scattered row written per
	// decision); then the links to each customer's previous contact are
	// made in one pass in time order.
	tCust := make([]int32, n)
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w * n / workers; i < (w+1)*n/workers; i++ {
				t := int(l.rank[i])
				kind, num := l.tKind[t*nc:(t+1)*nc], l.tNum[t*nc:(t+1)*nc]
				for j, c := range l.cols {
					kind[j], num[j] = c.kind[i], c.num[i]
				}
				l.tAction[t] = int32(l.Action[i])
				l.tProp[t] = l.Propensity[i]
				l.tReward[t] = l.Reward[i]
				l.tConv[t] = l.Converted[i]
				l.tTime[t] = l.Time[i]
				tCust[t] = l.cust[i]
			}
		}()
	}
	last := make([]int32, int(slices.Max(l.cust))+1)
	for j := range last {
		last[j] = -1
	}
	wg.Wait()
	for t, c := range tCust {
		a := l.tAction[t]
		l.tContact[t] = contactLink{prev: last[c], ch: a, time: l.tTime[t]}
		if l.chanOf[a] != "" {
			last[c] = int32(t)
		}
	}
	for _, c := range l.cols {
		c.kind, c.num = c.kind[:n:n], c.num[:n:n]
	}
	l.cust = nil
	l.finished = true
	return nil
}

// sortByTime sorts order (the indices 0…n−1, ascending) by time[i], ties
// in index order — a stable sort: a least-significant-digit radix sort
// of (time − min time, index) pairs, 11 bits of time per pass, each pass
// stable, so equal times keep their index order.
func sortByTime(order []int32, time []int64) {
	if len(order) < 4096 {
		sortByTimeCmp(order, time)
		return
	}
	type key struct {
		k uint64
		i int32
	}
	lo, hi := slices.Min(time), slices.Max(time)
	span := uint64(hi) - uint64(lo) // exact modulo 2⁶⁴, and below it
	const digit = 11
	passes := (bits.Len64(span) + digit - 1) / digit
	a := make([]key, len(order))
	for j, i := range order {
		a[j] = key{uint64(time[i]) - uint64(lo), i}
	}
	b := make([]key, len(order))
	var count [1 << digit]int
	for p := 0; p < passes; p++ {
		shift := uint(p * digit)
		clear(count[:])
		for _, x := range a {
			count[(x.k>>shift)&(1<<digit-1)]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, x := range a {
			d := (x.k >> shift) & (1<<digit - 1)
			b[count[d]] = x
			count[d]++
		}
		a, b = b, a
	}
	for j, x := range a {
		order[j] = x.i
	}
}

// sortByTimeCmp is sortByTime by comparison: (time, index) pairs sorted
// in two halves concurrently and merged.
func sortByTimeCmp(order []int32, time []int64) {
	type key struct {
		t int64
		i int32
	}
	less := func(a, b key) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	keys := make([]key, len(order))
	for j, i := range order {
		keys[j] = key{time[i], i}
	}
	mid := len(keys) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(keys[:mid], less)
	}()
	slices.SortFunc(keys[mid:], less)
	wg.Wait()
	a, b := keys[:mid], keys[mid:]
	for j := range order {
		if len(b) == 0 || len(a) > 0 && less(a[0], b[0]) <= 0 {
			order[j], a = a[0].i, a[1:]
		} else {
			order[j], b = b[0].i, b[1:]
		}
	}
}

// decision is the decision stored at row t (the inverse of row).
func (l *Log) decision(t int) int {
	if l.finished {
		return int(l.order[t])
	}
	return t
}

// row is where decision i's features are stored: i before Finish, its
// rank in time order after.
func (l *Log) row(i int) int {
	if l.finished {
		return int(l.rank[i])
	}
	return i
}

// Value returns feature j of decision i.
func (l *Log) Value(i, j int) policy.Value { return l.value(l.row(i), j) }

// cellT returns the kind and number of feature j of the decision stored
// at row t.
func (l *Log) cellT(t, j int) (uint8, float64) {
	if l.finished {
		k := t*len(l.cols) + j
		return l.tKind[k], l.tNum[k]
	}
	c := l.cols[j]
	return c.kind[t], c.num[t]
}

// value returns feature j of the decision stored at row t.
func (l *Log) value(t, j int) policy.Value {
	k, x := l.cellT(t, j)
	return l.valueOf(k, x)
}

// valueOf is the policy value of a cell.
func (l *Log) valueOf(k uint8, x float64) policy.Value {
	switch k {
	case kNum:
		return policy.NumValue(x)
	case kBool:
		return policy.BoolValue(x == 1)
	case kStr:
		return policy.StrValue(l.dict[int(x)])
	}
	return policy.MissingValue()
}

// Text returns feature j of decision i as written ("" when missing).
func (l *Log) Text(i, j int) string { return l.text(l.row(i), j) }

// text returns feature j of the decision stored at row t as written.
func (l *Log) text(t, j int) string {
	k, x := l.cellT(t, j)
	return l.textOf(k, x)
}

// textOf is the text of a cell as written ("" when missing).
func (l *Log) textOf(k uint8, x float64) string {
	switch k {
	case kNum:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case kBool:
		return strconv.FormatBool(x == 1)
	case kStr:
		return l.dict[int(x)]
	}
	return ""
}

// cellD returns the kind and number of feature j of decision i from the
// decision-ordered columns (a pass in decision order, as the reward
// model's encoding makes, reads them sequentially).
func (l *Log) cellD(i, j int) (uint8, float64) {
	c := l.cols[j]
	return c.kind[i], c.num[i]
}

// textD is Text(i, j) read through cellD.
func (l *Log) textD(i, j int) string { return l.textOf(l.cellD(i, j)) }

// State fills s with the state of decision i (see the package comment),
// reusing s's map and slices. The log must be finished (Finish).
func (l *Log) State(i int, s *policy.State) { l.stateAt(int(l.rank[i]), s) }

// stateAt fills s with the state of the decision of time rank t. Present
// features are overwritten and missing ones deleted, which spares
// clearing the map when it holds the features of an earlier decision;
// should it hold any other key (a policy added one), it is cleared and
// filled afresh.
func (l *Log) stateAt(t int, s *policy.State) {
	if s.Features == nil {
		s.Features = make(map[string]policy.Value, len(l.cols))
	}
	present := 0
	nc := len(l.cols)
	kind, num := l.tKind[t*nc:(t+1)*nc], l.tNum[t*nc:(t+1)*nc]
	for j, c := range l.cols {
		if kind[j] != kMissing {
			s.Features[c.name] = l.valueOf(kind[j], num[j])
			present++
		} else {
			delete(s.Features, c.name)
		}
	}
	if len(s.Features) != present {
		clear(s.Features)
		for j, c := range l.cols {
			if kind[j] != kMissing {
				s.Features[c.name] = l.valueOf(kind[j], num[j])
			}
		}
	}
	s.Time = l.tTime[t]
	s.Contacts = s.Contacts[:0]
	for p := l.tContact[t].prev; p >= 0; p = l.tContact[p].prev {
		c := &l.tContact[p]
		s.Contacts = append(s.Contacts, policy.Contact{Time: c.time, Channel: l.chanOf[c.ch]})
	}
	slices.Reverse(s.Contacts)
	if s.Logged == nil {
		s.Logged = &policy.LoggedChoice{}
	}
	s.Logged.Action, s.Logged.Propensity = int(l.tAction[t]), l.tProp[t]
}

// Context returns the build context that lets policies learn from this
// log (policy.ParseWith): its decisions in time order.
func (l *Log) Context() *policy.Context { return l.contextExceptT(nil, -1) }

// contextExceptT is Context over the decisions whose fold is not f,
// foldT giving the fold of each decision by time rank.
func (l *Log) contextExceptT(foldT []int8, f int8) *policy.Context {
	n := l.N()
	if foldT != nil {
		n = 0
		for _, g := range foldT {
			if g != f {
				n++
			}
		}
	}
	outcomes := func(fn func(action int, propensity, reward float64, converted bool) error) error {
		for t := range l.order {
			if foldT != nil && foldT[t] == f {
				continue
			}
			if err := fn(int(l.tAction[t]), l.tProp[t], l.tReward[t], l.tConv[t]); err != nil {
				return err
			}
		}
		return nil
	}
	cells := func(fn func(cell []byte, action int) error) error {
		if !l.finished {
			return nil // no decision in time order yet, as for Each
		}
		l.cellOnce.Do(l.computeCells)
		for t := range l.order {
			if foldT != nil && foldT[t] == f {
				continue
			}
			if err := fn(l.cellKeys[l.cellOf[t]], int(l.tAction[t])); err != nil {
				return err
			}
		}
		return nil
	}
	return &policy.Context{N: n, EachOutcome: outcomes, EachCell: cells, Each: func(fn func(d *policy.Logged) error) error {
		var s policy.State
		d := policy.Logged{State: &s}
		for t := range l.order {
			if foldT != nil && foldT[t] == f {
				continue
			}
			l.stateAt(t, &s)
			d.Action, d.Propensity, d.Reward, d.Converted = int(l.tAction[t]), l.tProp[t], l.tReward[t], l.tConv[t]
			if err := fn(&d); err != nil {
				return err
			}
		}
		return nil
	}}
}

// computeCells sets cellOf and cellKeys: the logging cell of every
// decision, policy.CellKey of its state. The key depends only on the
// features policy.CellFeature names, so decisions with the same cells in
// those columns share it, and it is computed once per distinct
// combination, on a state holding only those features.
func (l *Log) computeCells() {
	var cols []int
	for j, c := range l.cols {
		if policy.CellFeature(c.name) {
			cols = append(cols, j)
		}
	}
	n, nc := l.N(), len(l.cols)
	l.cellOf = make([]int32, n)
	ids := map[string]int32{}
	var buf []byte
	s := policy.State{Features: map[string]policy.Value{}}
	for t := 0; t < n; t++ {
		buf = buf[:0]
		for _, j := range cols {
			buf = append(buf, l.tKind[t*nc+j])
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(l.tNum[t*nc+j]))
		}
		id, ok := ids[string(buf)]
		if !ok {
			clear(s.Features)
			for _, j := range cols {
				if k := l.tKind[t*nc+j]; k != kMissing {
					s.Features[l.cols[j].name] = l.valueOf(k, l.tNum[t*nc+j])
				}
			}
			id = int32(len(l.cellKeys))
			l.cellKeys = append(l.cellKeys, policy.CellKey(nil, &s))
			ids[string(buf)] = id
		}
		l.cellOf[t] = id
	}
}

// Folds assigns every decision to one of k folds by its customer: a
// customer's decisions share a fold, and the fold of a customer is a hash
// of the customer and seed (FNV-1a), so it does not depend on the order of
// the log.
func (l *Log) Folds(k int, seed uint64) []int {
	fold := make([]int, l.N())
	if k <= 1 {
		return fold
	}
	var sb [8]byte
	binary.LittleEndian.PutUint64(sb[:], seed)
	for i, c := range l.Customer {
		h := fnv.New64a()
		h.Write(sb[:])
		h.Write([]byte(c))
		fold[i] = int(h.Sum64() % uint64(k))
	}
	return fold
}

// readSerial is ReadCSV in one pass: the file is parsed on one goroutine
// while the decisions are added on another, in batches, in file order.
func readSerial(path string, actions *policy.Actions) (*Log, error) {
	r, _, err := ingest.Open(path, ingest.Options{Kind: ingest.KindDecisions})
	if err != nil {
		return nil, err
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	type item struct {
		rec ingest.Record
		err error
	}
	const batch = 512
	batches := make(chan []item, 8)
	free := make(chan []item, 10)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		for {
			var b []item
			select {
			case b = <-free:
				b = b[:0]
			default:
				b = make([]item, 0, batch)
			}
			end := false
			for len(b) < batch {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					end = true
					break
				}
				b = append(b, item{rec, err})
				var re *ingest.RowError
				if err != nil && !errors.As(err, &re) {
					end = true
					break
				}
			}
			select {
			case batches <- b:
			case <-stop:
				return
			}
			if end {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()
	l := New(actions)
	for b := range batches {
		for k := range b {
			rec, err := b[k].rec, b[k].err
			var re *ingest.RowError
			if errors.As(err, &re) {
				l.Rejected++
				if len(l.FirstRejects) < 5 {
					l.FirstRejects = append(l.FirstRejects, re.Error())
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			if err := l.addRecord(&rec, path, 0); err != nil {
				return nil, err
			}
		}
		clear(b)
		select {
		case free <- b:
		default:
		}
	}
	return l, l.Finish()
}

// ReadStore reads every logged decision of the store (`workbench load`
// puts decision logs there), the customer being the stitched customer.
func ReadStore(ctx context.Context, st *store.Store, actions *policy.Actions) (*Log, error) {
	l := New(actions)
	err := st.ScanDecisions(ctx, func(d *store.DecisionRow) error {
		if err := l.Add(d.Key, strconv.FormatInt(d.Customer, 10), d.Time, d.Trigger, d.Context, d.Action, d.Propensity, d.Reward, d.Converted); err != nil {
			return fmt.Errorf("stored decision %d: %w", d.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, l.Finish()
}
