package journey

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// prefix is the sort key of the first steps of a step sequence: the steps'
// label ranks (1 + the label's position among the labels sorted as
// strings) in fixed-width fields from the most significant bit of hi on,
// then of lo, zero after the sequence's end. Comparing two prefixes as
// 128-bit integers orders their sequences as slices.Compare orders the
// sequences' label strings whenever the prefixes differ: a differing field
// is the first differing label, or the end of the shorter sequence.
type prefix struct{ hi, lo uint64 }

func (p prefix) compare(q prefix) int {
	return cmp.Or(cmp.Compare(p.hi, q.hi), cmp.Compare(p.lo, q.lo))
}

// prefixCoder turns step sequences into prefixes for one scan's labels:
// 8-bit fields (16 steps) up to 255 labels, 16-bit fields (8 steps) up to
// 65,535, else 32-bit fields (4 steps).
type prefixCoder struct {
	rank  []uint32 // label id → 1 + rank of the label in string order
	width uint
}

func newPrefixCoder(labels []string) prefixCoder {
	ord := make([]int32, len(labels))
	for i := range ord {
		ord[i] = int32(i)
	}
	slices.SortFunc(ord, func(a, b int32) int { return cmp.Compare(labels[a], labels[b]) })
	pc := prefixCoder{rank: make([]uint32, len(labels)), width: 32}
	for r, id := range ord {
		pc.rank[id] = uint32(r + 1)
	}
	switch {
	case len(labels) < 1<<8:
		pc.width = 8
	case len(labels) < 1<<16:
		pc.width = 16
	}
	return pc
}

// code is the prefix of steps.
func (pc prefixCoder) code(steps []int32) prefix {
	var p prefix
	per := int(64 / pc.width)
	for i := 0; i < 2*per && i < len(steps); i++ {
		r := uint64(pc.rank[steps[i]])
		if i < per {
			p.hi |= r << (64 - pc.width*uint(i+1))
		} else {
			p.lo |= r << (64 - pc.width*uint(i-per+1))
		}
	}
	return p
}

// compareSteps orders two sequences of label ids as slices.Compare orders
// their label strings.
func (pc prefixCoder) compareSteps(a, b []int32) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return cmp.Compare(pc.rank[a[i]], pc.rank[b[i]])
		}
	}
	return cmp.Compare(len(a), len(b))
}

// boundedMax keeps the k smallest items pushed (by less) in a binary
// max-heap: items[0] is the largest kept.
type boundedMax[T any] struct {
	k     int
	less  func(a, b T) bool
	items []T
}

func (h *boundedMax[T]) push(x T) {
	if h.k <= 0 {
		return
	}
	if len(h.items) < h.k {
		h.items = append(h.items, x)
		for i := len(h.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.less(h.items[p], h.items[i]) {
				break
			}
			h.items[p], h.items[i] = h.items[i], h.items[p]
			i = p
		}
		return
	}
	if !h.less(x, h.items[0]) {
		return
	}
	h.items[0] = x
	for i, n := 0, len(h.items); ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && h.less(h.items[m], h.items[l]) {
			m = l
		}
		if r < n && h.less(h.items[m], h.items[r]) {
			m = r
		}
		if m == i {
			return
		}
		h.items[m], h.items[i] = h.items[i], h.items[m]
		i = m
	}
}

// decodedVariant is a table entry with its steps read back.
type decodedVariant struct {
	entry int32
	steps []int32
}

// listedSteps reads back the steps of the variants Result lists: all of
// them when v.top ≤ 0 or v.top ≥ the distinct variants; otherwise the top
// first by journeys, then by steps. With T the top-th largest count, that
// is every variant with more than T journeys, and of the variants with T
// journeys the room = top − |above T| smallest sequences. Among those tied
// variants the ones whose prefix is below the room-th smallest prefix P
// are listed without comparing steps and those above P are not; only the
// variants whose prefix equals P are read back and compared, keeping the
// smallest that fill the room.
func (v *Variants) listedSteps() ([]decodedVariant, error) {
	t := &v.tab
	n := len(t.accs)
	if n == 0 {
		return nil, nil
	}
	var must, eq []int32
	fill := 0 // how many of eq are listed
	if v.top <= 0 || v.top >= n {
		must = make([]int32, n)
		for i := range must {
			must[i] = int32(i)
		}
	} else {
		top := boundedMax[int64]{k: v.top, less: func(a, b int64) bool { return a > b }}
		for i := range t.accs {
			top.push(t.accs[i].journeys)
		}
		cut := top.items[0] // the top-th largest count
		for i := range t.accs {
			if t.accs[i].journeys > cut {
				must = append(must, int32(i))
			}
		}
		room := v.top - len(must)
		ps := boundedMax[prefix]{k: room, less: func(a, b prefix) bool { return a.compare(b) < 0 }}
		for i := range t.accs {
			if t.accs[i].journeys == cut {
				ps.push(t.pre[i])
			}
		}
		p := ps.items[0] // the room-th smallest prefix of the tied
		for i := range t.accs {
			if t.accs[i].journeys != cut {
				continue
			}
			switch t.pre[i].compare(p) {
			case -1:
				must = append(must, int32(i))
			case 0:
				eq = append(eq, int32(i))
			}
		}
		fill = v.top - len(must)
	}
	out := make([]decodedVariant, 0, len(must)+fill)
	sel := boundedMax[decodedVariant]{k: fill, less: func(a, b decodedVariant) bool {
		return v.pc.compareSteps(a.steps, b.steps) < 0
	}}
	var mu sync.Mutex
	isEq := make(map[int32]bool, len(eq))
	for _, e := range eq {
		isEq[e] = true
	}
	err := v.readSteps(append(must, eq...), func(e int32, steps []int32) {
		x := decodedVariant{e, slices.Clone(steps)}
		mu.Lock()
		defer mu.Unlock()
		if isEq[e] {
			sel.push(x)
		} else {
			out = append(out, x)
		}
	})
	if err != nil {
		return nil, err
	}
	return append(out, sel.items...), nil
}

// readSteps reads back the steps of the table entries of entries from
// their representatives: it groups them by the Dataset block holding the
// representative's customer, reads each such block once (blocks in
// parallel, as Scan does), rebuilds the customer's journeys with the scan's
// query and passes the representative journey's steps to fn (which may be
// called concurrently and must copy what it keeps). Each sequence read must
// hash to its entry's key.
func (v *Variants) readSteps(entries []int32, fn func(e int32, steps []int32)) error {
	if len(entries) == 0 {
		return nil
	}
	t := &v.tab
	d := v.scope.Data
	q := v.scope.Query
	// The representatives were selected customers; the customer sets only
	// choose customers, so the rebuilt journeys are the scanned ones.
	q.Filter.Customers, q.Filter.Traits = nil, nil
	sc, err := newScanner(d, q)
	if err != nil {
		return err
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b int32) int {
		ra, rb := t.refs[a], t.refs[b]
		return cmp.Or(cmp.Compare(ra.cust, rb.cust), cmp.Compare(ra.journey, rb.journey))
	})
	// groups[g] = [start, end) of entries whose customers are in block
	// blockOf[g].
	type group struct{ block, start, end int }
	var groups []group
	for s := 0; s < len(entries); {
		c := int(t.refs[entries[s]].cust)
		bi := sort.Search(len(d.blocks), func(k int) bool { return d.blocks[k].first+d.blocks[k].nCust > c })
		if bi == len(d.blocks) {
			return fmt.Errorf("journey: a variant's customer %d is not in the dataset; rerun the scan on the same dataset", c)
		}
		end := d.blocks[bi].first + d.blocks[bi].nCust
		e := s
		for e < len(entries) && int(t.refs[entries[e]].cust) < end {
			e++
		}
		groups = append(groups, group{bi, s, e})
		s = e
	}
	w := q.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, len(groups)))
	var next atomic.Int64
	errs := make([]error, w)
	var wg sync.WaitGroup
	for i := 0; i < w; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st := sc.newState()
			for {
				g := int(next.Add(1) - 1)
				if g >= len(groups) {
					return
				}
				blk, err := sc.block(st, groups[g].block)
				if err != nil {
					errs[i] = err
					return
				}
				var cu *Customer
				for _, e := range entries[groups[g].start:groups[g].end] {
					ref := t.refs[e]
					if cu == nil || cu.Index != int(ref.cust) {
						cu = sc.customer(st, blk, int(ref.cust)-blk.first)
					}
					if cu == nil || int(ref.journey) >= len(cu.Journeys) || keyOf(cu.Journeys[ref.journey].Steps) != t.keys[e] {
						errs[i] = fmt.Errorf("journey: the journeys of customer %d differ from the scanned ones; rerun the scan on the same dataset", d.customers[ref.cust])
						return
					}
					fn(e, cu.Journeys[ref.journey].Steps)
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
	return nil
}
