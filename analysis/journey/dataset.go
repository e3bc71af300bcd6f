// Package journey is the per-customer journey scan of the workbench and
// its accumulators: variants, paths (Sankey flows), funnels and the
// directly-follows graph with timings.
//
// The data is first encoded once into a Dataset: a columnar, dictionary
// encoded, in-memory copy of every event, grouped by customer and ordered
// by time with ties kept in load order (a stable sort). Every analysis then
// re-scans the Dataset in memory: Scan streams each customer's events
// through the Query's filters, labels each event with its step label,
// splits the events into journeys (whole history, sessions, or windows
// before a conversion) and feeds every requested Accumulator in one pass,
// in parallel across customers. Results do not depend on the number of
// workers.
package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
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

// Dataset is the encoded copy of all journeys: for customer i (0-based,
// customers in ascending id order) its events are positions
// off[i] ≤ e < off[i+1] of the parallel event columns, ordered by time,
// ties in load order. Per event it keeps 8 bytes of time, 2 of channel,
// 4 of type, 4 of campaign and 4 per kept property; revenue is stored
// sparsely (only events that carry one). A Dataset is immutable and safe
// for concurrent scans.
type Dataset struct {
	Version int64

	customers []int64
	off       []uint32

	time     []int64
	channel  []uint16
	typ      []uint32
	campaign []uint32
	props    [][]uint32 // per kept property: value id + 1 (0 = absent)

	revPos []uint32 // ascending event positions that carry revenue
	revVal []float64

	channels, types, campaigns []string
	propKeys                   []string
	propVals                   [][]string

	lbMu    sync.Mutex
	lbCache []labelerEntry
}

// maxEvents is the largest number of events a Dataset can hold (positions
// are uint32).
const maxEvents = math.MaxUint32 - 1

// Build encodes every event src yields into a Dataset. Events of a
// customer are ordered by time with ties kept in the order src yielded them
// (stable), which is load order when src is the store's scan.
func Build(ctx context.Context, src Source, opts BuildOptions) (*Dataset, error) {
	chd, tyd, cad := newDict(), newDict(), newDict()
	chd.id("") // keep id 0 for the empty channel so that ids are stable
	tyd.id("")
	cad.id("")
	pkeys := slices.Clone(opts.Properties)
	pdicts := make([]*dict, len(pkeys))
	for i := range pdicts {
		pdicts[i] = newDict()
	}
	d := &Dataset{Version: opts.Version, propKeys: pkeys, props: make([][]uint32, len(pkeys))}
	var cust []int64
	sorted := true
	var lastC, lastT int64
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
		if n > 0 && (e.Customer < lastC || (e.Customer == lastC && e.Time < lastT)) {
			sorted = false
		}
		lastC, lastT = e.Customer, e.Time
		ch := chd.id(e.Channel)
		if ch > math.MaxUint16 {
			return fmt.Errorf("journey: more than %d distinct channels; map channels to fewer values when loading", math.MaxUint16)
		}
		cust = append(cust, e.Customer)
		d.time = append(d.time, e.Time)
		d.channel = append(d.channel, uint16(ch))
		d.typ = append(d.typ, tyd.id(e.Type))
		d.campaign = append(d.campaign, cad.id(e.Campaign))
		if e.HasRevenue {
			d.revPos = append(d.revPos, uint32(n))
			d.revVal = append(d.revVal, e.Revenue)
		}
		if len(pkeys) > 0 {
			vals, err := propValues(e.Props, pkeys)
			if err != nil {
				return fmt.Errorf("journey: customer %d at %d: %w", e.Customer, e.Time, err)
			}
			for i, v := range vals {
				var id uint32
				if v.ok {
					id = pdicts[i].id(v.s) + 1
				}
				d.props[i] = append(d.props[i], id)
			}
		}
		n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sorted {
		d.sortEvents(cust)
	}
	// Customer offsets.
	d.off = append(d.off, 0)
	for i := 0; i < n; i++ {
		if i > 0 && cust[i] != cust[i-1] {
			d.off = append(d.off, uint32(i))
		}
		if i == 0 || cust[i] != cust[i-1] {
			d.customers = append(d.customers, cust[i])
		}
	}
	if n > 0 {
		d.off = append(d.off, uint32(n))
	}
	d.channels, d.types, d.campaigns = chd.names, tyd.names, cad.names
	d.propVals = make([][]string, len(pkeys))
	for i := range pdicts {
		d.propVals[i] = pdicts[i].names
	}
	return d, nil
}

// sortEvents reorders the event columns by (customer, time), stable.
func (d *Dataset) sortEvents(cust []int64) {
	n := len(cust)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	sort.SliceStable(perm, func(a, b int) bool {
		i, j := perm[a], perm[b]
		if cust[i] != cust[j] {
			return cust[i] < cust[j]
		}
		return d.time[i] < d.time[j]
	})
	cust2 := make([]int64, n)
	time2 := make([]int64, n)
	ch2 := make([]uint16, n)
	ty2 := make([]uint32, n)
	ca2 := make([]uint32, n)
	inv := make([]int32, n) // old position → new position
	for k, p := range perm {
		cust2[k], time2[k], ch2[k], ty2[k], ca2[k] = cust[p], d.time[p], d.channel[p], d.typ[p], d.campaign[p]
		inv[p] = int32(k)
	}
	copy(cust, cust2)
	d.time, d.channel, d.typ, d.campaign = time2, ch2, ty2, ca2
	for i, col := range d.props {
		c2 := make([]uint32, n)
		for k, p := range perm {
			c2[k] = col[p]
		}
		d.props[i] = c2
	}
	type rv struct {
		pos uint32
		v   float64
	}
	rs := make([]rv, len(d.revPos))
	for i := range rs {
		rs[i] = rv{uint32(inv[d.revPos[i]]), d.revVal[i]}
	}
	slices.SortFunc(rs, func(a, b rv) int { return int(a.pos) - int(b.pos) })
	for i := range rs {
		d.revPos[i], d.revVal[i] = rs[i].pos, rs[i].v
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
func (d *Dataset) NumEvents() int { return len(d.time) }

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

// CustomerEvents is the range [from, to) of event positions of the
// customer at dense index i.
func (d *Dataset) CustomerEvents(i int) (from, to int) { return int(d.off[i]), int(d.off[i+1]) }

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

// Event decodes the event at position pos.
func (d *Dataset) Event(pos int) EventView {
	ci := sort.Search(len(d.customers), func(i int) bool { return int(d.off[i+1]) > pos })
	v := EventView{
		Customer: d.customers[ci],
		Time:     d.time[pos],
		Channel:  d.channels[d.channel[pos]],
		Type:     d.types[d.typ[pos]],
		Campaign: d.campaigns[d.campaign[pos]],
	}
	v.Revenue, v.HasRevenue = d.Revenue(pos)
	for i, k := range d.propKeys {
		if id := d.props[i][pos]; id > 0 {
			if v.Props == nil {
				v.Props = make(map[string]string)
			}
			v.Props[k] = d.propVals[i][id-1]
		}
	}
	return v
}

// EventChannel is the channel of the event at position pos.
func (d *Dataset) EventChannel(pos int) string { return d.channels[d.channel[pos]] }

// EventType is the type of the event at position pos.
func (d *Dataset) EventType(pos int) string { return d.types[d.typ[pos]] }

// EventCampaign is the campaign of the event at position pos ("" if none).
func (d *Dataset) EventCampaign(pos int) string { return d.campaigns[d.campaign[pos]] }

// Revenue is the revenue of the event at position pos and whether it has
// one.
func (d *Dataset) Revenue(pos int) (float64, bool) {
	i, ok := slices.BinarySearch(d.revPos, uint32(pos))
	if !ok {
		return 0, false
	}
	return d.revVal[i], true
}

// MemoryBytes is the approximate size of the encoded columns in bytes.
func (d *Dataset) MemoryBytes() int64 {
	n := int64(len(d.time))
	b := n*(8+2+4+4) + int64(len(d.props))*n*4
	b += int64(len(d.customers))*8 + int64(len(d.off))*4
	b += int64(len(d.revPos)) * 12
	return b
}

func itoa(i int) string { return strconv.Itoa(i) }
