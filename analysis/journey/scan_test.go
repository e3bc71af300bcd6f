package journey

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	// Gaps: 10m, 30m (not > 30m: same session), 31m (new session), 2h.
	d := build(t, []ev{
		{1, 0, "a", ""}, {1, 10 * minute, "b", ""}, {1, 40 * minute, "c", ""},
		{1, 71 * minute, "d", ""}, {1, 191 * minute, "e", ""},
		{2, 5 * day, "x", ""},
	})
	cases := []struct {
		name  string
		split Split
		want  []string
	}{
		{"whole", Split{}, []string{"1:a b c d e", "2:x"}},
		{"default gap 30m", Split{Mode: Sessions}, []string{"1:a b c", "1:d", "1:e", "2:x"}},
		{"gap 1h", Split{Mode: Sessions, Gap: time.Hour}, []string{"1:a b c d", "1:e", "2:x"}},
		{"gap 5m", Split{Mode: Sessions, Gap: 5 * time.Minute}, []string{"1:a", "1:b", "1:c", "1:d", "1:e", "2:x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scanJourneys(t, d, Query{Split: tc.split})
			if !slices.Equal(got, tc.want) {
				t.Errorf("journeys %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBeforeConversion(t *testing.T) {
	// Customer 1: a(0) b(1d) buy(2d, store) c(3d) d(10d) buy(11d, store) e(12d).
	// Customer 2 never buys.
	d := build(t, []ev{
		{1, 0, "a", ""}, {1, day, "b", "email"}, {1, 2 * day, "buy", "store"}, {1, 3 * day, "c", ""},
		{1, 10 * day, "d", ""}, {1, 11 * day, "buy", "store"}, {1, 12 * day, "e", ""},
		{2, 0, "a", ""},
	})
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"unbounded", Query{Split: Split{Mode: BeforeConversion, ConversionTypes: []string{"buy"}}},
			[]string{"1:a b buy", "1:c d buy"}},
		{"lookback 1d inclusive", Query{Split: Split{Mode: BeforeConversion, ConversionTypes: []string{"buy"}, Lookback: 24 * time.Hour}},
			[]string{"1:b buy", "1:d buy"}},
		{"with non-converting", Query{Split: Split{Mode: BeforeConversion, ConversionTypes: []string{"buy"}, IncludeNonConverting: true}},
			[]string{"1:a b buy", "1:c d buy", "1:e", "2:a"}},
		// The channel filter keeps web only; conversions in store still end
		// their journeys.
		{"channel filter keeps conversions", Query{Filter: Filter{Channels: []string{"web"}}, Split: Split{Mode: BeforeConversion, ConversionTypes: []string{"buy"}}},
			[]string{"1:a buy", "1:c d buy"}},
		{"label by channel", Query{Label: LabelSpec{By: ByChannel}, Split: Split{Mode: BeforeConversion, ConversionTypes: []string{"buy"}}},
			[]string{"1:web email store", "1:web web store"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scanJourneys(t, d, tc.q)
			if !slices.Equal(got, tc.want) {
				t.Errorf("journeys %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFiltersAndLabels(t *testing.T) {
	d := build(t, []ev{
		{1, 0, "page", "web"}, {1, 1 * minute, "open", "email"}, {1, 2 * minute, "page", "web"},
		{2, 0, "page", "app"}, {2, 5 * minute, "page", "app"},
		{3, 10 * minute, "open", "email"},
	})
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all", Query{}, []string{"1:page open page", "2:page page", "3:open"}},
		{"time range [1m, 5m)", Query{Filter: Filter{From: minute, To: 5 * minute}}, []string{"1:open page"}},
		{"channels", Query{Filter: Filter{Channels: []string{"email"}}}, []string{"1:open", "3:open"}},
		{"types", Query{Filter: Filter{Types: []string{"page"}}}, []string{"1:page page", "2:page page"}},
		{"segment and traits", Query{Filter: Filter{Customers: NewIDSet(1, 2), Traits: NewIDSet(2, 3)}}, []string{"2:page page"}},
		{"channel:type", Query{Label: LabelSpec{By: ByChannelType}}, []string{"1:web:page email:open web:page", "2:app:page app:page", "3:email:open"}},
		{"collapse repeats", Query{CollapseRepeats: true}, []string{"1:page open page", "2:page", "3:open"}},
		{"grouping rules", Query{Label: LabelSpec{By: ByChannelType, Rules: []Rule{{"(web|app):.*", "digital"}, {"email:.*", "mail"}}}},
			[]string{"1:digital mail digital", "2:digital digital", "3:mail"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scanJourneys(t, d, tc.q)
			if !slices.Equal(got, tc.want) {
				t.Errorf("journeys %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPropertyLabels(t *testing.T) {
	src := sliceSource([]Event{
		{Customer: 1, Time: 0, Type: "page", Props: `{"path":"/product/P1","n":3}`},
		{Customer: 1, Time: 1, Type: "page", Props: `{"path":"/product/P22"}`},
		{Customer: 1, Time: 2, Type: "page", Props: `{"path":"/cart"}`},
		{Customer: 1, Time: 3, Type: "open"},
	})
	d, err := Build(context.Background(), src, BuildOptions{Properties: []string{"path", "n"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRule("/product/.* → product page")
	if err != nil {
		t.Fatal(err)
	}
	got := scanJourneys(t, d, Query{Label: LabelSpec{By: ByProperty, Property: "path", Rules: []Rule{r}}})
	if want := []string{"1:product page product page /cart (none)"}; !slices.Equal(got, want) {
		t.Errorf("journeys %q, want %q", got, want)
	}
	got = scanJourneys(t, d, Query{Label: LabelSpec{By: ByProperty, Property: "n"}})
	if want := []string{"1:3 (none) (none) (none)"}; !slices.Equal(got, want) {
		t.Errorf("journeys %q, want %q", got, want)
	}
	err = Scan(context.Background(), d, Query{Label: LabelSpec{By: ByProperty, Property: "url"}}, &journeysOf{})
	if err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("label by a property not kept: error %v, want one that says to rebuild", err)
	}
	// Unanchored match is not enough: rules match the whole label.
	got = scanJourneys(t, d, Query{Label: LabelSpec{By: ByProperty, Property: "path", Rules: []Rule{{"product", "x"}}}})
	if want := []string{"1:/product/P1 /product/P22 /cart (none)"}; !slices.Equal(got, want) {
		t.Errorf("journeys %q, want %q", got, want)
	}
}

func TestParse(t *testing.T) {
	for _, s := range []string{"type", "channel", "channel:type", "campaign", "prop:path"} {
		l, err := ParseLabelBy(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLabelBy(%q) = %v, %v", s, l, err)
		}
	}
	if _, err := ParseLabelBy("colour"); err == nil {
		t.Error("ParseLabelBy(colour) succeeded")
	}
	for _, s := range []string{"no arrow", " -> x", "([ -> x"} {
		if _, err := ParseRule(s); err == nil {
			t.Errorf("ParseRule(%q) succeeded", s)
		}
	}
	r, err := ParseRule("/cart -> cart")
	if err != nil || r != (Rule{"/cart", "cart"}) {
		t.Errorf("ParseRule = %v, %v", r, err)
	}
}

// TestStableOrder: events of equal time keep load order, whatever the
// order in which customers arrive.
func TestStableOrder(t *testing.T) {
	d := build(t, []ev{{2, 5, "z", ""}, {1, 10, "b", ""}, {1, 10, "a", ""}, {1, 3, "c", ""}, {2, 5, "y", ""}})
	got := scanJourneys(t, d, Query{})
	if want := []string{"1:c b a", "2:z y"}; !slices.Equal(got, want) {
		t.Errorf("journeys %q, want %q", got, want)
	}
	if d.NumCustomers() != 2 || d.NumEvents() != 5 || d.CustomerID(0) != 1 || d.CustomerIndex(2) != 1 || d.CustomerIndex(7) != -1 {
		t.Errorf("dataset shape wrong: %d customers %d events", d.NumCustomers(), d.NumEvents())
	}
}

func TestTransitionMatrix(t *testing.T) {
	// a→b twice, b→a once; ends: b twice, a once... journeys: "a b", "a b a", "b".
	d := build(t, append(append(seq(1, "a b"), seq(2, "a b a")...), seq(3, "b")...))
	tr := NewTransitions()
	if err := Scan(context.Background(), d, Query{}, tr); err != nil {
		t.Fatal(err)
	}
	m := tr.Result().Matrix
	if !slices.Equal(m.Rows, []string{StartLabel, "a", "b"}) || !slices.Equal(m.Cols, []string{"a", "b", EndLabel}) {
		t.Fatalf("rows %v cols %v", m.Rows, m.Cols)
	}
	// start: a 2/3, b 1/3. a: a→b 2, end 1 → 2/3, 1/3. b: b→a 1, end 2 → 1/3, 2/3.
	want := [][]float64{{2.0 / 3, 1.0 / 3, 0}, {0, 2.0 / 3, 1.0 / 3}, {1.0 / 3, 0, 2.0 / 3}}
	for i := range want {
		for k := range want[i] {
			if d := m.P[i][k] - want[i][k]; d > 1e-15 || d < -1e-15 {
				t.Errorf("P[%s][%s] = %v, want %v (±1e-15)", m.Rows[i], m.Cols[k], m.P[i][k], want[i][k])
			}
		}
	}
	w := WhoEdge("b", "a", 0)
	if err := Scan(context.Background(), d, Query{}, w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Customers(), []int64{2}) {
		t.Errorf("who b→a = %v, want [2]", w.Customers())
	}
	w = WhoEdge(StartLabel, "b", 0)
	if err := Scan(context.Background(), d, Query{}, w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Customers(), []int64{3}) {
		t.Errorf("who start→b = %v, want [3]", w.Customers())
	}
	if err := Scan(context.Background(), d, Query{}, WhoEdge("a", "q", 0)); err == nil {
		t.Error("WhoEdge with an unknown label succeeded")
	}
}

func TestVariantsAndWho(t *testing.T) {
	var evs []ev
	evs = append(evs, seq(1, "a b c")...)
	evs = append(evs, seq(2, "a b c")...)
	evs = append(evs, seq(3, "a c")...)
	evs = append(evs, seq(4, "a b c")...)
	evs = append(evs, seq(5, "b")...)
	d := build(t, evs)
	v := NewVariants(2)
	if err := Scan(context.Background(), d, Query{}, v); err != nil {
		t.Fatal(err)
	}
	r := v.Result()
	if r.Journeys != 5 || r.Distinct != 3 || len(r.Variants) != 2 || r.Other != 1 {
		t.Fatalf("result %+v", r)
	}
	if r.Variants[0].String() != "a → b → c" || r.Variants[0].Journeys != 3 || r.Variants[0].Coverage != 0.6 {
		t.Errorf("top variant %+v, want a→b→c with 3 journeys, coverage 0.6", r.Variants[0])
	}
	// Ties (1 journey each) are broken by the step sequence: [a c] < [b].
	if r.Variants[1].String() != "a → c" || r.Variants[1].Cumulative != 0.8 {
		t.Errorf("second variant %+v, want a→c, cumulative 0.8", r.Variants[1])
	}
	if r.Variants[0].MeanDuration != 120 {
		t.Errorf("mean duration %v s, want 120", r.Variants[0].MeanDuration)
	}
	w := WhoVariant([]string{"a", "b", "c"}, 2)
	if err := Scan(context.Background(), d, Query{Workers: 2}, w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Customers(), []int64{1, 2}) || w.Total() != 3 {
		t.Errorf("who a→b→c = %v (total %d), want [1 2] of 3", w.Customers(), w.Total())
	}
}

func TestScanCancelled(t *testing.T) {
	d := build(t, seq(1, "a b"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Scan(ctx, d, Query{}, NewTransitions()); err == nil {
		t.Error("scan of a cancelled context succeeded")
	}
}

// TestVariantsBounded: with room for 10 variants (a true count above 3000/11 is guaranteed to be tracked), the frequent ones are
// still found and their true counts lie within the reported error bounds.
func TestVariantsBounded(t *testing.T) {
	var evs []ev
	truth := map[string]int64{}
	c := int64(0)
	add := func(types string) {
		c++
		evs = append(evs, seq(c, types)...)
		truth[strings.ReplaceAll(types, " ", " → ")]++
	}
	for i := 0; i < 3000; i++ { // more than one chunk, so two workers merge
		switch {
		case i%3 == 0:
			add("a b c")
		case i%5 == 1:
			add("a c")
		default:
			add("u" + itoa(i) + " v") // unique
		}
	}
	d := build(t, evs)
	for _, w := range []int{1, 2} {
		v := NewVariantsBounded(2, 10)
		if err := Scan(context.Background(), d, Query{Workers: w}, v); err != nil {
			t.Fatal(err)
		}
		r := v.Result()
		if r.Exact || r.Journeys != 3000 {
			t.Fatalf("workers %d: exact %v journeys %d; want inexact, 3000", w, r.Exact, r.Journeys)
		}
		if len(r.Variants) != 2 || r.Variants[0].String() != "a → b → c" || r.Variants[1].String() != "a → c" {
			t.Fatalf("workers %d: top variants %v", w, r.Variants)
		}
		for _, x := range r.Variants {
			tr := truth[x.String()]
			if tr > x.Journeys || tr < x.Journeys-x.Error {
				t.Errorf("workers %d: %s true count %d outside [%d, %d]", w, x, tr, x.Journeys-x.Error, x.Journeys)
			}
		}
	}
	v := NewVariantsBounded(0, 1000)
	if err := Scan(context.Background(), d, Query{}, v); err != nil {
		t.Fatal(err)
	}
	if r := v.Result(); !r.Exact || r.Variants[0].Journeys != 1000 || r.Variants[0].Error != 0 || r.Distinct != len(truth) {
		t.Errorf("unbounded: %+v", r.Variants[0])
	}
}
