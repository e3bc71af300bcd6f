// Package journey is the per-customer journey scan of the workbench and
// its accumulators: variants, paths (Sankey flows), funnels and the
// directly-follows graph with timings.
//
// The data is first encoded once into a Dataset: a columnar, dictionary
// encoded copy of every event, grouped by customer and ordered by time with
// ties kept in load order (a stable sort), cut into blocks of whole
// customers. A large Dataset lives in a file (BuildFile streams the events
// into it, OpenDataset opens it) and every scan reads its blocks back a
// few at a time, so memory stays bounded whatever the number of events; a
// small one may be held in memory (Build). Scan streams each customer's
// events through the Query's filters, labels each event with its step
// label, splits the events into journeys (whole history, sessions, or
// windows before a conversion) and feeds every requested Accumulator in
// one pass, in parallel across blocks. Results do not depend on the number
// of workers.
package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"unsafe"
)

// Event is one event as a source yields it to Build.
type Event struct {
	Customer   int64
	Time       int64 // UTC milliseconds since the Unix epoch
	Channel    string
	Type       string
	Campaign   string
	Revenue    float64
	HasRevenue bool
	// Props is a JSON object with the event's remaining properties, or "".
	// Only the keys named in BuildOptions.Properties are kept.
	Props string
}

// Source yields every event to yield, ideally grouped by customer and in
// time order (then Build needs no sort); any order is accepted. It stops and
// returns yield's error when yield fails.
type Source func(yield func(Event) error) error

// BuildOptions tune Build.
type BuildOptions struct {
	// Properties are the property keys (of Event.Props) kept as
	// dictionary-encoded columns, so that steps can be labelled by them.
	// Other properties are not kept.
	Properties []string
	// Version identifies the data the Dataset was built from (the store's
	// data version); Build copies it to Dataset.Version.
	Version int64
	// BlockEvents is the number of events after which a block of whole
	// customers is closed; 0 means DefaultBlockEvents.
	BlockEvents int
}

// dict is a string dictionary: id → string and string → id.
type dict struct {
	names []string
	ids   map[string]uint32
}

func newDict() *dict { return &dict{ids: make(map[string]uint32)} }

func (d *dict) id(s string) uint32 {
	if id, ok := d.ids[s]; ok {
		return id
	}
	id := uint32(len(d.names))
	d.names = append(d.names, s)
	d.ids[s] = id
	return id
}

// Dataset is the encoded copy of all journeys. Customers have dense
// indexes 0 ≤ i < NumCustomers in ascending id order; events have
// positions 0 ≤ pos < NumEvents, a customer's events contiguous, ordered by
// time, ties in load order. The events are cut into blocks of whole
// customers, stored column by column (per event 8 bytes of time, 2 of
// channel, 4 of type, 4 of campaign and 4 per kept property; revenue
// sparsely, only for events that carry one).
//
// A Dataset from Build or ReadDataset keeps its blocks in memory. One from
// BuildFile or OpenDataset keeps only the dictionaries, the customer ids and
// the block index in memory, and each scan reads the blocks from the file
// (a bounded number of block buffers per worker), so that its memory does
// not grow with the number of events. A Dataset is immutable and safe for
// concurrent scans.
type Dataset struct {
	Version int64

	customers        []int64 // dense index → id, ascending
	nEvents          int
	minTime, maxTime int64
	blocks           []blockInfo
	mem              []*block // the blocks in memory, or nil when file-backed
	file             *os.File

	channels, types, campaigns []string
	propKeys                   []string
	propVals                   [][]string

	lbMu    sync.Mutex
	lbCache []labelerEntry

	// raMu guards raBlock, the block last read for a random access
	// (Event, Revenue, CustomerEvents) of a file-backed Dataset.
	raMu    sync.Mutex
	raBlock *block
}

// maxEvents is the largest number of events a Dataset can hold (positions
// are int32 in Journey.Events).
const maxEvents = math.MaxInt32 - 1

// encoder turns events into dictionary ids.
type encoder struct {
	chd, tyd, cad *dict
	pkeys         []string
	pdicts        []*dict
	props         []uint32
}

func newEncoder(properties []string) *encoder {
	en := &encoder{chd: newDict(), tyd: newDict(), cad: newDict(), pkeys: slices.Clone(properties)}
	en.chd.id("") // keep id 0 for the empty value so that ids are stable
	en.tyd.id("")
	en.cad.id("")
	en.pdicts = make([]*dict, len(en.pkeys))
	for i := range en.pdicts {
		en.pdicts[i] = newDict()
	}
	en.props = make([]uint32, len(en.pkeys))
	return en
}

// encode returns the ids of e's channel, type, campaign and kept
// properties (value id + 1, 0 when absent; the slice is reused).
func (en *encoder) encode(e *Event) (uint16, uint32, uint32, []uint32, error) {
	ch := en.chd.id(e.Channel)
	if ch > math.MaxUint16 {
		return 0, 0, 0, nil, fmt.Errorf("journey: more than %d distinct channels; map channels to fewer values when loading", math.MaxUint16)
	}
	if len(en.pkeys) > 0 {
		vals, err := propValues(e.Props, en.pkeys)
		if err != nil {
			return 0, 0, 0, nil, fmt.Errorf("journey: customer %d at %d: %w", e.Customer, e.Time, err)
		}
		for i, v := range vals {
			en.props[i] = 0
			if v.ok {
				en.props[i] = en.pdicts[i].id(v.s) + 1
			}
		}
	}
	return uint16(ch), en.tyd.id(e.Type), en.cad.id(e.Campaign), en.props, nil
}

// dictionaries copies the dictionaries into d.
func (en *encoder) dictionaries(d *Dataset) {
	d.channels, d.types, d.campaigns = en.chd.names, en.tyd.names, en.cad.names
	d.propKeys = en.pkeys
	d.propVals = make([][]string, len(en.pkeys))
	for i := range en.pdicts {
		d.propVals[i] = en.pdicts[i].names
	}
}

// Build encodes every event src yields into a Dataset held in memory.
// Events of a customer are ordered by time with ties kept in the order src
// yielded them (stable), which is load order when src is the store's scan.
// src may yield events in any order. For data too large to hold in
// memory use BuildFile.
func Build(ctx context.Context, src Source, opts BuildOptions) (*Dataset, error) {
	en := newEncoder(opts.Properties)
	var f flat
	f.props = make([][]uint32, len(en.pkeys))
	sorted := true
	n := 0
	err := src(func(e Event) error {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if n >= maxEvents {
			return fmt.Errorf("journey: more than %d events; filter the data before building", maxEvents)
		}
		if n > 0 && (e.Customer < f.cust[n-1] || (e.Customer == f.cust[n-1] && e.Time < f.time[n-1])) {
			sorted = false
		}
		ch, ty, ca, props, err := en.encode(&e)
		if err != nil {
			return err
		}
		f.cust = append(f.cust, e.Customer)
		f.time = append(f.time, e.Time)
		f.channel = append(f.channel, ch)
		f.typ = append(f.typ, ty)
		f.campaign = append(f.campaign, ca)
		for i := range f.props {
			f.props[i] = append(f.props[i], props[i])
		}
		if e.HasRevenue {
			f.revPos = append(f.revPos, uint32(n))
			f.revVal = append(f.revVal, e.Revenue)
		}
		n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sorted {
		f.sort()
	}
	d := &Dataset{Version: opts.Version}
	en.dictionaries(d)
	bb := newBlockBuilder(d, opts.BlockEvents, false, func(b *block, _ *blockInfo) error {
		d.mem = append(d.mem, b)
		return nil
	})
	props := make([]uint32, len(f.props))
	r := 0
	for i := 0; i < n; i++ {
		for k := range props {
			props[k] = f.props[k][i]
		}
		var rev float64
		has := r < len(f.revPos) && int(f.revPos[r]) == i
		if has {
			rev = f.revVal[r]
			r++
		}
		if err := bb.add(f.cust[i], f.time[i], f.channel[i], f.typ[i], f.campaign[i], props, rev, has); err != nil {
			return nil, err
		}
	}
	if err := bb.finish(); err != nil {
		return nil, err
	}
	return d, nil
}

// flat is every event's encoded columns in source order, for Build.
type flat struct {
	cust     []int64
	time     []int64
	channel  []uint16
	typ      []uint32
	campaign []uint32
	props    [][]uint32
	revPos   []uint32
	revVal   []float64
}

// sort reorders the columns by (customer, time), stable.
func (f *flat) sort() {
	n := len(f.cust)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	sort.SliceStable(perm, func(a, b int) bool {
		i, j := perm[a], perm[b]
		if f.cust[i] != f.cust[j] {
			return f.cust[i] < f.cust[j]
		}
		return f.time[i] < f.time[j]
	})
	cust2 := make([]int64, n)
	time2 := make([]int64, n)
	ch2 := make([]uint16, n)
	ty2 := make([]uint32, n)
	ca2 := make([]uint32, n)
	inv := make([]int32, n) // old position → new position
	for k, p := range perm {
		cust2[k], time2[k], ch2[k], ty2[k], ca2[k] = f.cust[p], f.time[p], f.channel[p], f.typ[p], f.campaign[p]
		inv[p] = int32(k)
	}
	f.cust, f.time, f.channel, f.typ, f.campaign = cust2, time2, ch2, ty2, ca2
	for i, col := range f.props {
		c2 := make([]uint32, n)
		for k, p := range perm {
			c2[k] = col[p]
		}
		f.props[i] = c2
	}
	type rv struct {
		pos uint32
		v   float64
	}
	rs := make([]rv, len(f.revPos))
	for i := range rs {
		rs[i] = rv{uint32(inv[f.revPos[i]]), f.revVal[i]}
	}
	slices.SortFunc(rs, func(a, b rv) int { return int(a.pos) - int(b.pos) })
	for i := range rs {
		f.revPos[i], f.revVal[i] = rs[i].pos, rs[i].v
	}
}

type propVal struct {
	s  string
	ok bool
}

// propValues extracts keys from a JSON object. A string value is kept as
// is; any other JSON value by its JSON text (numbers as written, true,
// false). null and absent keys are absent.
func propValues(props string, keys []string) ([]propVal, error) {
	out := make([]propVal, len(keys))
	if props == "" {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(props), &m); err != nil {
		return nil, fmt.Errorf("properties are not a JSON object: %w", err)
	}
	for i, k := range keys {
		raw, ok := m[k]
		if !ok || string(raw) == "null" {
			continue
		}
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("property %q: %w", k, err)
			}
			out[i] = propVal{s, true}
			continue
		}
		out[i] = propVal{string(raw), true}
	}
	return out, nil
}

// NumCustomers is the number of customers with at least one event.
func (d *Dataset) NumCustomers() int { return len(d.customers) }

// NumEvents is the number of events.
func (d *Dataset) NumEvents() int { return d.nEvents }

// TimeRange is the time of the earliest and of the latest event (UTC ms);
// 0, 0 when there are no events.
func (d *Dataset) TimeRange() (first, last int64) { return d.minTime, d.maxTime }

// InMemory reports whether the events are held in memory (Build,
// ReadDataset) rather than read from a file by each scan (BuildFile,
// OpenDataset).
func (d *Dataset) InMemory() bool { return d.file == nil }

// CustomerID is the id of the customer at dense index i (ascending ids).
func (d *Dataset) CustomerID(i int) int64 { return d.customers[i] }

// CustomerIndex is the dense index of customer id, or -1 when the customer
// has no events.
func (d *Dataset) CustomerIndex(id int64) int {
	i, ok := slices.BinarySearch(d.customers, id)
	if !ok {
		return -1
	}
	return i
}

// randomBlock returns block bi for a random access. For a file-backed
// Dataset it reads the block (keeping the last one read); a read error
// panics, since the accessors that use it return no error: scans report
// such errors instead, and accumulators read events through Customer.
func (d *Dataset) randomBlock(bi int) *block {
	if d.mem != nil {
		return d.mem[bi]
	}
	d.raMu.Lock()
	defer d.raMu.Unlock()
	if b := d.raBlock; b != nil && b.base == d.blocks[bi].base {
		return b
	}
	b := &block{}
	var buf []byte
	if err := d.readBlock(bi, &buf, b); err != nil {
		panic(err)
	}
	d.raBlock = b
	return b
}

// blockOfEvent is the index of the block holding event position pos.
func (d *Dataset) blockOfEvent(pos int) int {
	return sort.Search(len(d.blocks), func(i int) bool { return d.blocks[i].base+d.blocks[i].n > pos })
}

// CustomerEvents is the range [from, to) of event positions of the
// customer at dense index i. For a file-backed Dataset it reads the
// customer's block.
func (d *Dataset) CustomerEvents(i int) (from, to int) {
	bi := sort.Search(len(d.blocks), func(k int) bool { return d.blocks[k].first+d.blocks[k].nCust > i })
	b := d.randomBlock(bi)
	k := i - b.first
	return b.base + int(b.off[k]), b.base + int(b.off[k+1])
}

// Channels, Types and Campaigns are the dictionaries of distinct values,
// in order of first appearance (the empty string first).
func (d *Dataset) Channels() []string  { return slices.Clone(d.channels) }
func (d *Dataset) Types() []string     { return slices.Clone(d.types) }
func (d *Dataset) Campaigns() []string { return slices.Clone(d.campaigns) }

// Properties are the property keys kept by Build.
func (d *Dataset) Properties() []string { return slices.Clone(d.propKeys) }

// EventView is one decoded event of a Dataset.
type EventView struct {
	Customer   int64             `json:"customer"`
	Time       int64             `json:"time_ms"`
	Channel    string            `json:"channel"`
	Type       string            `json:"type"`
	Campaign   string            `json:"campaign,omitempty"`
	Revenue    float64           `json:"revenue,omitempty"`
	HasRevenue bool              `json:"has_revenue"`
	Props      map[string]string `json:"props,omitempty"`
}

// view decodes the event at local position e of block b.
func (d *Dataset) view(b *block, e int) EventView {
	k := sort.Search(b.numCustomers(), func(i int) bool { return int(b.off[i+1]) > e })
	v := EventView{
		Customer: d.customers[b.first+k],
		Time:     b.time[e],
		Channel:  d.channels[b.channel[e]],
		Type:     d.types[b.typ[e]],
		Campaign: d.campaigns[b.campaign[e]],
	}
	v.Revenue, v.HasRevenue = b.revenue(e)
	for i, key := range d.propKeys {
		if id := b.props[i][e]; id > 0 {
			if v.Props == nil {
				v.Props = make(map[string]string)
			}
			v.Props[key] = d.propVals[i][id-1]
		}
	}
	return v
}

// Event decodes the event at position pos. For a file-backed Dataset it
// reads the event's block; inside a scan use Customer.Event.
func (d *Dataset) Event(pos int) EventView {
	b := d.randomBlock(d.blockOfEvent(pos))
	return d.view(b, pos-b.base)
}

// EventChannel is the channel of the event at position pos (see Event).
func (d *Dataset) EventChannel(pos int) string { return d.Event(pos).Channel }

// EventType is the type of the event at position pos (see Event).
func (d *Dataset) EventType(pos int) string { return d.Event(pos).Type }

// EventCampaign is the campaign of the event at position pos ("" if none;
// see Event).
func (d *Dataset) EventCampaign(pos int) string { return d.Event(pos).Campaign }

// Revenue is the revenue of the event at position pos and whether it has
// one (see Event).
func (d *Dataset) Revenue(pos int) (float64, bool) {
	b := d.randomBlock(d.blockOfEvent(pos))
	return b.revenue(pos - b.base)
}

// MemoryBytes is the approximate size in bytes of what the Dataset holds
// in memory: the customer ids and the block index, plus the event columns
// when they are held in memory (a file-backed Dataset reads them per scan).
func (d *Dataset) MemoryBytes() int64 {
	b := int64(len(d.customers))*8 + int64(len(d.blocks))*int64(unsafe.Sizeof(blockInfo{}))
	for _, blk := range d.mem {
		b += blk.bytes()
	}
	return b
}

// EncodedBytes is the size in bytes of the encoded event blocks (as in the
// file): what a scan reads.
func (d *Dataset) EncodedBytes() int64 {
	var n int64
	for _, bi := range d.blocks {
		if bi.size > 0 {
			n += bi.size
		} else {
			n += int64(16 + 4*(bi.nCust+1) + bi.n*(18+4*len(d.propKeys)))
		}
	}
	return n
}

func itoa(i int) string { return strconv.Itoa(i) }
