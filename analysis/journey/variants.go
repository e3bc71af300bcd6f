package journey

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// Variants counts journey variants as pm4py defines them: the variant of a
// journey (a case) is its sequence of step labels; two journeys share a
// variant when the sequences are equal. Coverage of a variant is its
// journeys / all journeys.
//
// Memory is bounded: the accumulator tracks at most 2×MaxDistinct
// variants. When the table fills up it keeps the MaxDistinct most frequent
// and forgets the rest, raising a floor to the largest count forgotten (the
// Space-Saving scheme of Metwally et al., 2005, in batches); a variant
// admitted later starts at the floor. Counts are then upper bounds with an
// error bound (Variant.Error): the true count lies in [Journeys − Error,
// Journeys], and every variant whose true count exceeds the floor is
// tracked. Results are exact (Exact true, Error 0) whenever no more than
// 2×MaxDistinct distinct variants occur in a worker's share of the data.
type Variants struct {
	scope    *Scope
	top      int
	max      int
	floor    int64
	tab      variantTable
	journeys int64
	custs    int64
}

// DefaultMaxVariants is the MaxDistinct of NewVariants.
const DefaultMaxVariants = 1 << 18

type variantAcc struct {
	journeys  int64
	customers int64
	last      int64 // last customer counted (customers of a fork arrive once each)
	dur       int64 // Σ journey durations, ms
	err       int64 // count may exceed the true count by at most err
}

// variantTable is an open-addressing hash table from step sequences to
// counters; sequences live in one arena.
type variantTable struct {
	slots []vslot
	hash  []uint64
	off   []int64 // entry i's steps are arena[off[i]:off[i+1]]
	arena []int32
	accs  []variantAcc
}

// vslot is a slot of the table: the entry's hash next to its index, so a
// probe reads one cache line until a hash matches.
type vslot struct {
	h uint64
	e int32 // 0 empty, else 1 + entry
}

func hashSteps(steps []int32) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range steps {
		h = (h ^ uint64(uint32(s))) * 1099511628211
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h
}

func (t *variantTable) steps(i int) []int32 { return t.arena[t.off[i]:t.off[i+1]] }

// find returns the entry of steps, adding an empty one if needed.
func (t *variantTable) find(steps []int32, h uint64) *variantAcc {
	if len(t.accs)*2 >= len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.e == 0 {
			t.hash = append(t.hash, h)
			if len(t.off) == 0 {
				t.off = append(t.off, 0)
			}
			t.arena = append(t.arena, steps...)
			t.off = append(t.off, int64(len(t.arena)))
			t.accs = append(t.accs, variantAcc{last: -1})
			*sl = vslot{h, int32(len(t.accs))}
			return &t.accs[len(t.accs)-1]
		}
		if sl.h == h && slices.Equal(t.steps(int(sl.e-1)), steps) {
			return &t.accs[sl.e-1]
		}
	}
}

// slotOf is the entry index of steps (which must be present).
func (t *variantTable) slotOf(steps []int32, h uint64) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := t.slots[i]
		if sl.h == h && slices.Equal(t.steps(int(sl.e-1)), steps) {
			return sl.e - 1
		}
	}
}

func (t *variantTable) grow() {
	n := max(1024, 2*len(t.slots))
	t.slots = make([]vslot, n)
	mask := uint64(n - 1)
	for k, h := range t.hash {
		i := h & mask
		for t.slots[i].e != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = vslot{h, int32(k + 1)}
	}
}

// NewVariants returns an accumulator that reports the top most frequent
// variants (all of them when top ≤ 0), tracking at most
// DefaultMaxVariants of them exactly.
func NewVariants(top int) *Variants { return &Variants{top: top, max: DefaultMaxVariants} }

// NewVariantsBounded is NewVariants with another bound on the distinct
// variants tracked (see Variants); maxDistinct ≤ 0 means no bound.
func NewVariantsBounded(top, maxDistinct int) *Variants {
	return &Variants{top: top, max: maxDistinct}
}

// prune keeps the v.max most frequent variants when the table holds
// 2×v.max of them; among variants tied at the cut, those with the smaller
// hash are kept (deterministic for a given sequence of journeys).
func (v *Variants) prune() {
	if v.max <= 0 || len(v.tab.accs) < 2*v.max {
		return
	}
	t := &v.tab
	counts := make([]int64, len(t.accs))
	for i := range t.accs {
		counts[i] = t.accs[i].journeys
	}
	slices.Sort(counts)
	cut := counts[len(counts)-v.max] // the v.max-th largest count
	above := len(counts) - sort.Search(len(counts), func(i int) bool { return counts[i] > cut })
	// Of the variants at the cut, keep the v.max−above with the smallest
	// hashes.
	var tied []uint64
	for i := range t.accs {
		if t.accs[i].journeys == cut {
			tied = append(tied, t.hash[i])
		}
	}
	slices.Sort(tied)
	room := v.max - above
	maxHash := tied[room-1]
	// The new table is sized for the entries it will hold until the next
	// prune, so that it does not grow by copying.
	n := 2 * v.max
	nt := variantTable{
		slots: make([]vslot, 1<<bits.Len(uint(2*n))),
		hash:  make([]uint64, 0, n),
		off:   make([]int64, 0, n+1),
		accs:  make([]variantAcc, 0, n),
		// The kept half of the entries and as many again admitted
		// later need about the old table's steps.
		arena: make([]int32, 0, len(t.arena)),
	}
	kept := 0
	for i := range t.accs {
		a := t.accs[i]
		keep := a.journeys > cut || (a.journeys == cut && t.hash[i] <= maxHash && kept < v.max)
		if !keep {
			v.floor = max(v.floor, a.journeys)
			continue
		}
		kept++
		*nt.find(t.steps(i), t.hash[i]) = a
	}
	v.tab = nt
}

// Begin records the scan's labels.
func (v *Variants) Begin(s *Scope) error {
	v.scope = s
	v.tab = variantTable{}
	v.journeys, v.custs, v.floor = 0, 0, 0
	return nil
}

// Fork returns an empty accumulator.
func (v *Variants) Fork() Accumulator {
	return &Variants{scope: v.scope, top: v.top, max: v.max}
}

// Customer adds the customer's journeys.
func (v *Variants) Customer(c *Customer) {
	v.custs++
	for i := range c.Journeys {
		j := &c.Journeys[i]
		if len(j.Steps) == 0 {
			continue
		}
		v.journeys++
		a := v.tab.find(j.Steps, hashSteps(j.Steps))
		if a.journeys == 0 && v.floor > 0 {
			a.journeys, a.err = v.floor, v.floor
		}
		a.journeys++
		a.dur += j.Times[len(j.Times)-1] - j.Times[0]
		if a.last != int64(c.Index) {
			a.last = int64(c.Index)
			a.customers++
		}
	}
	v.prune()
}

// Merge adds another fork's counts.
func (v *Variants) Merge(o Accumulator) {
	f := o.(*Variants)
	v.journeys += f.journeys
	v.custs += f.custs
	if len(v.tab.accs) == 0 && v.floor == 0 {
		v.tab, v.floor = f.tab, f.floor
		return
	}
	// A variant missing from one side may have up to that side's floor
	// there.
	n := len(v.tab.accs)
	matched := make([]bool, n)
	for i := range f.tab.accs {
		b := &f.tab.accs[i]
		a := v.tab.find(f.tab.steps(i), f.tab.hash[i])
		k := int(v.tab.slotOf(f.tab.steps(i), f.tab.hash[i]))
		if k < n {
			matched[k] = true
		} else {
			a.journeys, a.err = v.floor, v.floor
		}
		a.journeys += b.journeys
		a.err += b.err
		a.customers += b.customers
		a.dur += b.dur
	}
	if f.floor > 0 {
		for k := 0; k < n; k++ {
			if !matched[k] {
				v.tab.accs[k].journeys += f.floor
				v.tab.accs[k].err += f.floor
			}
		}
	}
	v.floor += f.floor
}

// Variant is one variant with its frequency.
type Variant struct {
	Rank      int      `json:"rank"`
	Steps     []string `json:"steps"`
	Journeys  int64    `json:"journeys"`
	Customers int64    `json:"customers"`
	// Coverage is Journeys / all journeys; Cumulative sums coverage over
	// this and the better ranked variants.
	Coverage   float64 `json:"coverage"`
	Cumulative float64 `json:"cumulative"`
	// MeanDuration is the mean of (last step time − first step time), in
	// seconds.
	MeanDuration float64 `json:"mean_duration_seconds"`
	// Error bounds Journeys from above when the result is not exact: the
	// true count is in [Journeys − Error, Journeys]. Customers and
	// MeanDuration then cover the journeys counted since the variant was
	// last admitted.
	Error int64 `json:"error,omitempty"`
}

// VariantsResult is the top variants.
type VariantsResult struct {
	Journeys  int64 `json:"journeys"`
	Customers int64 `json:"customers"`
	// Distinct is the number of distinct variants (tracked variants when
	// not Exact).
	Distinct int  `json:"distinct"`
	Exact    bool `json:"exact"`
	// Other is the number of journeys whose variant is not listed.
	Other    int64     `json:"other_journeys"`
	Variants []Variant `json:"variants"`
}

// Result lists the variants by journeys (descending), ties by the step
// sequence compared label by label.
func (v *Variants) Result() VariantsResult {
	r := VariantsResult{Journeys: v.journeys, Customers: v.custs, Distinct: len(v.tab.accs), Exact: v.floor == 0}
	type kv struct {
		steps []string
		a     *variantAcc
	}
	// Only variants at least as frequent as the top-th need decoding.
	var threshold int64
	if v.top > 0 && v.top < len(v.tab.accs) {
		counts := make([]int64, len(v.tab.accs))
		for i := range v.tab.accs {
			counts[i] = v.tab.accs[i].journeys
		}
		slices.SortFunc(counts, func(a, b int64) int { return cmp.Compare(b, a) })
		threshold = counts[v.top-1]
	}
	var all []kv
	for i := range v.tab.accs {
		a := &v.tab.accs[i]
		if a.journeys < threshold {
			continue
		}
		ids := v.tab.steps(i)
		st := make([]string, len(ids))
		for i, id := range ids {
			st[i] = v.scope.Labels[id]
		}
		all = append(all, kv{st, a})
	}
	slices.SortFunc(all, func(x, y kv) int {
		return cmp.Or(cmp.Compare(y.a.journeys, x.a.journeys), slices.Compare(x.steps, y.steps))
	})
	n := len(all)
	if v.top > 0 && v.top < n {
		n = v.top
	}
	var cum int64
	for i, e := range all[:n] {
		cum += e.a.journeys
		r.Variants = append(r.Variants, Variant{
			Rank: i + 1, Steps: e.steps, Journeys: e.a.journeys, Customers: e.a.customers,
			Coverage:     float64(e.a.journeys) / float64(v.journeys),
			Cumulative:   float64(cum) / float64(v.journeys),
			MeanDuration: float64(e.a.dur) / float64(max(1, e.a.journeys-e.a.err)) / 1000,
			Error:        e.a.err,
		})
	}
	r.Other = v.journeys - cum
	return r
}

// String writes a variant's steps joined by " → ".
func (x Variant) String() string { return strings.Join(x.Steps, " → ") }

// WhoVariant collects the customers with at least one journey whose step
// sequence is exactly steps.
func WhoVariant(steps []string, limit int) *Who {
	return newWho(limit, func(s *Scope) (func(*Customer) bool, error) {
		ids := make([]int32, len(steps))
		for i, l := range steps {
			id, ok := s.LabelID(l)
			if !ok {
				return nil, unknownLabel(s, l)
			}
			ids[i] = id
		}
		return func(c *Customer) bool {
			for _, j := range c.Journeys {
				if slices.Equal(j.Steps, ids) {
					return true
				}
			}
			return false
		}, nil
	})
}
