package journey

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// allJourneys keeps every journey of a scan with its labels, customer and
// duration: the input of directVariants.
type allJourneys struct {
	scope *Scope
	out   []refJourney
}

type refJourney struct {
	cust  int64
	steps []string
	dur   int64
}

func (a *allJourneys) Begin(s *Scope) error { a.scope = s; return nil }
func (a *allJourneys) Fork() Accumulator    { return &allJourneys{scope: a.scope} }
func (a *allJourneys) Customer(c *Customer) {
	for _, j := range c.Journeys {
		ls := make([]string, len(j.Steps))
		for i, s := range j.Steps {
			ls[i] = a.scope.Labels[s]
		}
		a.out = append(a.out, refJourney{c.ID, ls, j.Times[len(j.Times)-1] - j.Times[0]})
	}
}
func (a *allJourneys) Merge(o Accumulator) { a.out = append(a.out, o.(*allJourneys).out...) }

// directVariants computes the variants of the definition from the
// journeys themselves, keyed by their label strings: per sequence the
// journeys, the distinct customers and Σ durations; listed by journeys
// descending, ties by slices.Compare of the labels; the first top (all
// when top ≤ 0).
func directVariants(js []refJourney, customers int64, top int) VariantsResult {
	type agg struct {
		steps []string
		n     int64
		custs map[int64]bool
		dur   int64
	}
	m := map[string]*agg{}
	for _, j := range js {
		k := strings.Join(j.steps, "\x00")
		a := m[k]
		if a == nil {
			a = &agg{steps: j.steps, custs: map[int64]bool{}}
			m[k] = a
		}
		a.n++
		a.custs[j.cust] = true
		a.dur += j.dur
	}
	var all []*agg
	for _, a := range m {
		all = append(all, a)
	}
	slices.SortFunc(all, func(x, y *agg) int {
		if x.n != y.n {
			if x.n > y.n {
				return -1
			}
			return 1
		}
		return slices.Compare(x.steps, y.steps)
	})
	total := int64(len(js))
	r := VariantsResult{Journeys: total, Customers: customers, Distinct: len(all), Exact: true}
	if top > 0 && top < len(all) {
		all = all[:top]
	}
	var cum int64
	for i, a := range all {
		cum += a.n
		r.Variants = append(r.Variants, Variant{
			Rank: i + 1, Steps: a.steps, Journeys: a.n, Customers: int64(len(a.custs)),
			Coverage: float64(a.n) / float64(total), Cumulative: float64(cum) / float64(total),
			MeanDuration: float64(a.dur) / float64(a.n) / 1000,
		})
	}
	r.Other = total - cum
	return r
}

// tiedData is n customers, one journey each, whose sequences share a
// 24-step prefix of label "p" and end with two random labels of 26 (so
// most are tied at one journey and their prefixes cannot order them),
// plus a few repeated sequences.
func tiedData(n int, seed uint64) []ev {
	rng := rand.New(rand.NewPCG(seed, 1))
	var evs []ev
	for c := 1; c <= n; c++ {
		var ty []string
		for range 24 {
			ty = append(ty, "p")
		}
		if c%50 == 0 {
			ty = append(ty, "z", "z")
		} else {
			ty = append(ty, string(rune('a'+rng.IntN(26))), string(rune('a'+rng.IntN(26))), fmt.Sprint(c))
		}
		evs = append(evs, seq(int64(c), strings.Join(ty, " "))...)
	}
	return evs
}

// manyLabels is n customers with 5 to 24 events over 300 types (more
// than 255 labels: 16-bit prefix fields), all starting with the same 10
// types.
func manyLabels(n int, seed uint64) []ev {
	rng := rand.New(rand.NewPCG(seed, 2))
	var evs []ev
	for c := 1; c <= n; c++ {
		var ty []string
		for i := range 10 {
			ty = append(ty, fmt.Sprintf("t%03d", i))
		}
		for range rng.IntN(15) {
			ty = append(ty, fmt.Sprintf("t%03d", rng.IntN(300)))
		}
		evs = append(evs, seq(int64(c), strings.Join(ty, " "))...)
	}
	return evs
}

// TestVariantsMatchDirectCount: the hash-keyed variants, read back from
// their representatives, equal the variants counted directly from the
// journeys' label strings (directVariants) — counts, customers,
// coverage, durations and the order of ties — for every top, split,
// one and five workers and several block sizes, in memory and from a file.
func TestVariantsMatchDirectCount(t *testing.T) {
	ctx := context.Background()
	type data struct {
		name string
		d    *Dataset
	}
	var sets []data
	syn, err := Build(ctx, synthSource(3000, 11), BuildOptions{BlockEvents: 700})
	if err != nil {
		t.Fatal(err)
	}
	sets = append(sets, data{"synthetic", syn})
	path := filepath.Join(t.TempDir(), "v.journeys")
	f, err := BuildFile(ctx, synthSourceLen(1000, 12, 4), path, BuildOptions{BlockEvents: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sets = append(sets, data{"synthetic ×4 from a file", f})
	sets = append(sets, data{"tied long prefixes", build(t, tiedData(2000, 3), BuildOptions{BlockEvents: 5000})})
	sets = append(sets, data{"300 labels", build(t, manyLabels(2000, 4), BuildOptions{BlockEvents: 2000})})
	queries := []Query{
		{},
		{Split: Split{Mode: Sessions}},
		{Split: Split{Mode: Sessions}, CollapseRepeats: true, Filter: Filter{Channels: []string{"web", "app", "email"}}},
		{Label: LabelSpec{By: ByChannelType}, Filter: Filter{Customers: NewIDSet(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 50, 100, 150, 200)}},
	}
	for _, ds := range sets {
		for qi, q := range queries {
			ref := &allJourneys{}
			if err := Scan(ctx, ds.d, q, ref); err != nil {
				t.Fatal(err)
			}
			customers := map[int64]bool{}
			for _, j := range ref.out {
				customers[j.cust] = true
			}
			for _, top := range []int{0, 1, 3, 20, 200} {
				want := directVariants(ref.out, int64(len(customers)), top)
				for _, w := range []int{1, 5} {
					q.Workers = w
					v := NewVariants(top)
					if err := Scan(ctx, ds.d, q, v); err != nil {
						t.Fatal(err)
					}
					got, err := v.ResultErr()
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, query %d, top %d, %d workers:\ngot  %+v\nwant %+v", ds.name, qi, top, w, brief(got), brief(want))
					}
				}
			}
		}
	}
}

func brief(r VariantsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "journeys %d customers %d distinct %d other %d;", r.Journeys, r.Customers, r.Distinct, r.Other)
	for i, v := range r.Variants {
		if i == 5 {
			fmt.Fprintf(&b, " …")
			break
		}
		fmt.Fprintf(&b, " [%d ×%d c%d %.3f] %s;", v.Rank, v.Journeys, v.Customers, v.MeanDuration, v)
	}
	return b.String()
}

// TestPrefixOrder: whenever two sequences' prefixes differ, they order the
// sequences as slices.Compare orders their labels, for 8-, 16- and 32-bit
// fields; equal prefixes of sequences shorter than the prefix mean equal
// sequences.
func TestPrefixOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, nl := range []int{3, 255, 256, 70000} {
		labels := make([]string, nl)
		for i := range labels {
			labels[i] = fmt.Sprintf("l%x", rng.Uint32()) // unsorted names
		}
		labels = slices.Compact(labels)
		pc := newPrefixCoder(labels)
		per := 128 / int(pc.width)
		alpha := min(len(labels), 4)
		base := make([]int32, per+2)
		for i := range base {
			base[i] = int32(rng.IntN(alpha))
		}
		// Half the sequences extend a shared start, so that prefixes are
		// often equal.
		rnd := func() []int32 {
			var s []int32
			if rng.IntN(2) == 0 {
				s = slices.Clone(base[:per-1+rng.IntN(4)])
			}
			for range rng.IntN(3) {
				s = append(s, int32(rng.IntN(alpha)))
			}
			return s
		}
		undecided := 0
		for range 20000 {
			a, b := rnd(), rnd()
			la, lb := make([]string, len(a)), make([]string, len(b))
			for i, x := range a {
				la[i] = labels[x]
			}
			for i, x := range b {
				lb[i] = labels[x]
			}
			want := slices.Compare(la, lb)
			if got := pc.compareSteps(a, b); got != want {
				t.Fatalf("%d labels: compareSteps(%v, %v) = %d, want %d", nl, a, b, got, want)
			}
			c := pc.code(a).compare(pc.code(b))
			switch {
			case c != 0 && c != want:
				t.Fatalf("%d labels: prefixes order %v, %v as %d, sequences %d", nl, a, b, c, want)
			case c == 0 && (len(a) < per || len(b) < per) && want != 0:
				t.Fatalf("%d labels: equal prefixes for different short sequences %v, %v", nl, a, b)
			case c == 0 && want != 0:
				undecided++
			}
		}
		if undecided == 0 {
			t.Errorf("%d labels: no pair left undecided by the prefix: the test misses that case", nl)
		}
	}
}

// TestVariantsResultErr: when the Dataset file was closed after the scan,
// ResultErr reports the failed read back of the steps, and Result panics.
func TestVariantsResultErr(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.journeys")
	d, err := BuildFile(ctx, synthSource(200, 1), path, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := NewVariants(3)
	if err := Scan(ctx, d, Query{}, v); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := v.ResultErr(); err == nil {
		t.Fatal("ResultErr on a closed dataset succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("Result on a closed dataset did not panic")
		}
	}()
	v.Result()
}

// TestVariantsEmpty: a scan without journeys lists no variants and reads
// nothing back.
func TestVariantsEmpty(t *testing.T) {
	d := build(t, seq(1, "a b"))
	v := NewVariants(5)
	if err := Scan(context.Background(), d, Query{Filter: Filter{Types: []string{"zzz"}}}, v); err != nil {
		t.Fatal(err)
	}
	if r := v.Result(); r.Journeys != 0 || r.Distinct != 0 || len(r.Variants) != 0 {
		t.Errorf("empty scan: %+v", r)
	}
}
