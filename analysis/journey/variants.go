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
// A variant is kept by a 128-bit key of its step sequence, not by the
// sequence: two 64-bit hashes of the label ids, h₁ (FNV-1a with a final
// mix) and h₂ (a multiply–xorshift chain over the steps and the length),
// computed from each journey's steps as the scan reads them. Per distinct
// variant the accumulator keeps the key, the counters, the first 128 bits
// of the sequence's sort key (see prefixCoder) and one representative
// journey (the customer's dataset index and the journey's index among the
// customer's journeys of the scan, the earliest in dataset order), so its
// memory grows with the number of distinct variants, never with journey
// length. Result reads back only the representatives it must order or
// report (the listed variants, and of the variants tied at the cut only
// those whose prefix does not decide the order), by re-reading their blocks
// of the Dataset.
//
// Two distinct variants with equal keys would be counted as one. Taking
// h₁ and h₂ as independent and uniform, the probability that any two of n
// distinct variants collide is at most n(n−1)/2 · 2⁻¹²⁸ ≈ n²/2¹²⁹: about
// 1.5·10⁻²⁷ for n = 10⁶. Result checks that each representative it reads
// back hashes to its variant's key.
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
	tab      keyTable
	pc       prefixCoder
	journeys int64
	custs    int64
}

// DefaultMaxVariants is the MaxDistinct of NewVariants.
const DefaultMaxVariants = 1 << 18

// variantAcc is the counters of a variant (32 bytes; customer indexes and
// counts fit in 32 bits, as event positions do).
type variantAcc struct {
	journeys  int64
	dur       int64 // Σ journey durations, ms
	err       int64 // count may exceed the true count by at most err
	customers int32
	last      int32 // last customer counted (customers of a fork arrive once each)
}

// variantTable is an open-addressing hash table from step sequences to
// counters; sequences live in one arena. (Paths keys its paths with it.)
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

// hashSteps is h₁ of a step sequence: FNV-1a over the label ids, then a
// mix of the high bits into the low ones.
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

// variantKey is the 128-bit key of a step sequence: h₁ and h₂.
type variantKey struct{ h1, h2 uint64 }

// mix64 is the finaliser of SplitMix64, a bijection of the 64-bit words.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// keyOf is the key of a step sequence: h₁ = hashSteps, and
// h₂ = mix64(x_n ⊕ n) with x₀ = 0x9e3779b97f4a7c15 and
// x_{i+1} = mix64(x_i ⊕ (s_i+1)·0xc2b2ae3d27d4eb4f) over the label ids s_i.
func keyOf(steps []int32) variantKey {
	h1 := uint64(14695981039346656037)
	h2 := uint64(0x9e3779b97f4a7c15)
	for _, s := range steps {
		u := uint64(uint32(s))
		h1 = (h1 ^ u) * 1099511628211
		h2 = mix64(h2 ^ (u+1)*0xc2b2ae3d27d4eb4f)
	}
	h1 ^= h1 >> 29
	h1 *= 0xbf58476d1ce4e5b9
	h1 ^= h1 >> 32
	return variantKey{h1, mix64(h2 ^ uint64(len(steps)))}
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

func (t *variantTable) grow() {
	t.slots = growSlots(t.slots, t.hash)
}

// growSlots returns a slot array twice as large (at least 1024) holding
// the entries whose hashes are hash.
func growSlots(old []vslot, hash []uint64) []vslot {
	n := max(1024, 2*len(old))
	slots := make([]vslot, n)
	mask := uint64(n - 1)
	for k, h := range hash {
		i := h & mask
		for slots[i].e != 0 {
			i = (i + 1) & mask
		}
		slots[i] = vslot{h, int32(k + 1)}
	}
	return slots
}

// variantRef locates a representative journey of a variant: the customer's
// dense index in the Dataset and the journey's index among that customer's
// journeys of the scan (Journey.Index).
type variantRef struct{ cust, journey int32 }

func (r variantRef) less(o variantRef) bool {
	return r.cust < o.cust || (r.cust == o.cust && r.journey < o.journey)
}

// keyTable is the table of Variants: an open-addressing hash table from
// variant keys to counters, a representative journey and a sort prefix.
// A slot is 8 bytes: the high 32 bits of h₁ above 1 + the entry's index
// (0 for an empty slot); it is probed from h₁'s low bits. Per distinct
// variant the table holds 16 (key) + 32 (counters) + 8 (representative) +
// 16 (prefix) bytes and two to four slots: 88 to 104 bytes.
type keyTable struct {
	slots []uint64
	keys  []variantKey
	accs  []variantAcc
	refs  []variantRef
	pre   []prefix
}

func slotOf(k variantKey, e int) uint64 { return k.h1&^0xffffffff | uint64(uint32(e+1)) }

// reserve makes room for n more entries without growing again.
func (t *keyTable) reserve(n int) {
	need := len(t.accs) + n
	t.keys = slices.Grow(t.keys, n)
	t.accs = slices.Grow(t.accs, n)
	t.refs = slices.Grow(t.refs, n)
	t.pre = slices.Grow(t.pre, n)
	if need*2 >= len(t.slots) {
		t.rehash(1 << bits.Len(uint(2*need)))
	}
}

// rehash moves the entries into n (a power of two) slots.
func (t *keyTable) rehash(n int) {
	t.slots = make([]uint64, n)
	mask := uint64(n - 1)
	for e, k := range t.keys {
		i := k.h1 & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = slotOf(k, e)
	}
}

// find returns the entry of k and whether it was added (with zero
// counters; the caller sets its ref and prefix).
func (t *keyTable) find(k variantKey) (int, bool) {
	if len(t.accs)*2 >= len(t.slots) {
		t.rehash(max(1024, 2*len(t.slots)))
	}
	mask := uint64(len(t.slots) - 1)
	tag := k.h1 &^ 0xffffffff
	for i := k.h1 & mask; ; i = (i + 1) & mask {
		sl := t.slots[i]
		if sl == 0 {
			e := len(t.accs)
			t.keys = append(t.keys, k)
			t.accs = append(t.accs, variantAcc{last: -1})
			t.refs = append(t.refs, variantRef{})
			t.pre = append(t.pre, prefix{})
			t.slots[i] = slotOf(k, e)
			return e, true
		}
		if sl&^0xffffffff == tag {
			if e := int(uint32(sl)) - 1; t.keys[e] == k {
				return e, false
			}
		}
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
// h₁ are kept (deterministic for a given sequence of journeys).
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
	// h₁.
	var tied []uint64
	for i := range t.accs {
		if t.accs[i].journeys == cut {
			tied = append(tied, t.keys[i].h1)
		}
	}
	slices.Sort(tied)
	room := v.max - above
	maxHash := tied[room-1]
	// The new table is sized for the entries it will hold until the next
	// prune, so that it does not grow by copying.
	n := 2 * v.max
	nt := keyTable{
		slots: make([]uint64, 1<<bits.Len(uint(2*n))),
		keys:  make([]variantKey, 0, n),
		accs:  make([]variantAcc, 0, n),
		refs:  make([]variantRef, 0, n),
		pre:   make([]prefix, 0, n),
	}
	kept := 0
	for i := range t.accs {
		a := t.accs[i]
		keep := a.journeys > cut || (a.journeys == cut && t.keys[i].h1 <= maxHash && kept < v.max)
		if !keep {
			v.floor = max(v.floor, a.journeys)
			continue
		}
		kept++
		k, _ := nt.find(t.keys[i])
		nt.accs[k], nt.refs[k], nt.pre[k] = a, t.refs[i], t.pre[i]
	}
	v.tab = nt
}

// Begin records the scan's labels.
func (v *Variants) Begin(s *Scope) error {
	v.scope = s
	v.tab = keyTable{}
	v.pc = newPrefixCoder(s.Labels)
	v.journeys, v.custs, v.floor = 0, 0, 0
	return nil
}

// Fork returns an empty accumulator.
func (v *Variants) Fork() Accumulator {
	return &Variants{scope: v.scope, top: v.top, max: v.max, pc: v.pc}
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
		k, added := v.tab.find(keyOf(j.Steps))
		a := &v.tab.accs[k]
		if added {
			v.tab.refs[k] = variantRef{int32(c.Index), int32(j.Index)}
			v.tab.pre[k] = v.pc.code(j.Steps)
			if v.floor > 0 {
				a.journeys, a.err = v.floor, v.floor
			}
		}
		a.journeys++
		a.dur += j.Times[len(j.Times)-1] - j.Times[0]
		if a.last != int32(c.Index) {
			a.last = int32(c.Index)
			a.customers++
		}
	}
	v.prune()
}

// Merge adds another fork's counts. A variant's representative is the
// earlier (in dataset order) of the two.
func (v *Variants) Merge(o Accumulator) {
	f := o.(*Variants)
	v.journeys += f.journeys
	v.custs += f.custs
	if len(v.tab.accs) == 0 && v.floor == 0 {
		v.tab, v.floor = f.tab, f.floor
		f.tab = keyTable{}
		return
	}
	// A variant missing from one side may have up to that side's floor
	// there.
	n := len(v.tab.accs)
	matched := make([]bool, n)
	v.tab.reserve(len(f.tab.accs))
	for i := range f.tab.accs {
		b := &f.tab.accs[i]
		k, added := v.tab.find(f.tab.keys[i])
		a := &v.tab.accs[k]
		if added {
			v.tab.refs[k], v.tab.pre[k] = f.tab.refs[i], f.tab.pre[i]
			a.journeys, a.err = v.floor, v.floor
		} else {
			if k < n {
				matched[k] = true
			}
			if f.tab.refs[i].less(v.tab.refs[k]) {
				v.tab.refs[k] = f.tab.refs[i]
			}
		}
		a.journeys += b.journeys
		a.err += b.err
		a.customers += b.customers
		a.dur += b.dur
	}
	f.tab = keyTable{} // merged: let its memory go before the next fork's
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
// sequence compared label by label. It reads the steps of the listed
// variants back from the Dataset scanned (see Variants) and panics when
// that read fails, as Dataset.Event does; ResultErr returns the error
// instead.
func (v *Variants) Result() VariantsResult {
	r, err := v.ResultErr()
	if err != nil {
		panic(err)
	}
	return r
}

// ResultErr is Result, returning an error when the steps of a listed
// variant cannot be read back from the Dataset (a damaged or closed file).
func (v *Variants) ResultErr() (VariantsResult, error) {
	t := &v.tab
	r := VariantsResult{Journeys: v.journeys, Customers: v.custs, Distinct: len(t.accs), Exact: v.floor == 0}
	sel, err := v.listedSteps()
	if err != nil {
		return r, err
	}
	type kv struct {
		steps []string
		a     *variantAcc
	}
	all := make([]kv, 0, len(sel))
	for _, x := range sel {
		st := make([]string, len(x.steps))
		for i, id := range x.steps {
			st[i] = v.scope.Labels[id]
		}
		all = append(all, kv{st, &t.accs[x.entry]})
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
			Rank: i + 1, Steps: e.steps, Journeys: e.a.journeys, Customers: int64(e.a.customers),
			Coverage:     float64(e.a.journeys) / float64(v.journeys),
			Cumulative:   float64(cum) / float64(v.journeys),
			MeanDuration: float64(e.a.dur) / float64(max(1, e.a.journeys-e.a.err)) / 1000,
			Error:        e.a.err,
		})
	}
	r.Other = v.journeys - cum
	return r, nil
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
