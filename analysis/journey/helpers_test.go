package journey

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const minute = int64(60_000)
const day = 24 * 60 * minute

// ev is a compact event for hand-built cases: customer, time in ms, type
// and channel (default "web").
type ev struct {
	c  int64
	t  int64
	ty string
	ch string
}

func build(t testing.TB, evs []ev, opts ...BuildOptions) *Dataset {
	t.Helper()
	es := make([]Event, len(evs))
	for i, e := range evs {
		ch := e.ch
		if ch == "" {
			ch = "web"
		}
		es[i] = Event{Customer: e.c, Time: e.t, Type: e.ty, Channel: ch}
	}
	var o BuildOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	d, err := Build(context.Background(), sliceSource(es), o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// seq builds one customer's events, one minute apart, from space
// separated types.
func seq(c int64, types string) []ev {
	var out []ev
	for i, ty := range strings.Fields(types) {
		out = append(out, ev{c: c, t: int64(i) * minute, ty: ty})
	}
	return out
}

// journeysOf is an accumulator that keeps copies of every journey, as
// "customer:label label …" strings, sorted.
type journeysOf struct {
	scope *Scope
	out   []string
}

func (j *journeysOf) Begin(s *Scope) error { j.scope = s; return nil }
func (j *journeysOf) Fork() Accumulator    { return &journeysOf{scope: j.scope} }
func (j *journeysOf) Customer(c *Customer) {
	for _, jr := range c.Journeys {
		var ls []string
		for _, s := range jr.Steps {
			ls = append(ls, j.scope.Labels[s])
		}
		j.out = append(j.out, itoa(int(c.ID))+":"+strings.Join(ls, " "))
	}
}
func (j *journeysOf) Merge(o Accumulator) { j.out = append(j.out, o.(*journeysOf).out...) }
func (j *journeysOf) sorted() []string    { slices.Sort(j.out); return j.out }

func scanJourneys(t testing.TB, d *Dataset, q Query) []string {
	t.Helper()
	j := &journeysOf{}
	if err := Scan(context.Background(), d, q, j); err != nil {
		t.Fatal(err)
	}
	return j.sorted()
}
