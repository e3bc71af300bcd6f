package journey

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// flow renders a paths result as sorted "step:label=n" nodes and
// "step:label>step:label=n" links.
func flow(r PathsResult) (nodes, links []string) {
	name := func(id int) string { n := r.Nodes[id]; return fmt.Sprintf("%d:%s", n.Step, n.Label) }
	for _, n := range r.Nodes {
		nodes = append(nodes, fmt.Sprintf("%s=%d", name(n.ID), n.Journeys))
	}
	for _, l := range r.Links {
		links = append(links, fmt.Sprintf("%s>%s=%d", name(l.Source), name(l.Target), l.Journeys))
	}
	slices.Sort(nodes)
	slices.Sort(links)
	return
}

func runPaths(t *testing.T, d *Dataset, q Query, o PathOptions) (*Paths, PathsResult) {
	t.Helper()
	p, err := NewPaths(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, q, p); err != nil {
		t.Fatal(err)
	}
	return p, p.Result()
}

func TestPaths(t *testing.T) {
	var evs []ev
	evs = append(evs, seq(1, "A B C D E F")...)
	evs = append(evs, seq(2, "A B C")...)
	evs = append(evs, seq(3, "A C")...)
	evs = append(evs, seq(4, "A A B B D")...)
	d := build(t, evs)
	cases := []struct {
		name           string
		opts           PathOptions
		nodes, links   string
		journeys, excl int64
	}{
		{"no anchor, 3 steps", PathOptions{Steps: 3},
			"1:A=4 2:A=1 2:B=2 2:C=1 3:(drop-off)=1 3:B=1 3:C=2",
			"1:A>2:A=1 1:A>2:B=2 1:A>2:C=1 2:A>3:B=1 2:B>3:C=2 2:C>3:(drop-off)=1", 4, 0},
		{"top-1 per step puts the rest in other", PathOptions{Steps: 3, TopK: 1},
			"1:A=4 2:(other)=2 2:B=2 3:(drop-off)=1 3:(other)=1 3:C=2",
			"1:A>2:(other)=2 1:A>2:B=2 2:(other)>3:(drop-off)=1 2:(other)>3:(other)=1 2:B>3:C=2", 4, 0},
		{"collapse repeats", PathOptions{Steps: 3, CollapseRepeats: true},
			"1:A=4 2:B=3 2:C=1 3:(drop-off)=1 3:C=2 3:D=1",
			"1:A>2:B=3 1:A>2:C=1 2:B>3:C=2 2:B>3:D=1 2:C>3:(drop-off)=1", 4, 0},
		{"start anchor", PathOptions{Start: "B", Steps: 3},
			"1:B=3 2:B=1 2:C=2 3:(drop-off)=1 3:D=2",
			"1:B>2:B=1 1:B>2:C=2 2:B>3:D=1 2:C>3:(drop-off)=1 2:C>3:D=1", 3, 1},
		{"end anchor, right-aligned", PathOptions{End: "C", Steps: 2},
			"1:A=1 1:B=2 2:C=3",
			"1:A>2:C=1 1:B>2:C=2", 3, 1},
		{"start and end anchors within the limit", PathOptions{Start: "A", End: "D", Steps: 5},
			"1:A=2 2:A=1 2:B=1 3:B=1 3:C=1 4:B=1 4:D=1 5:D=1",
			"1:A>2:A=1 1:A>2:B=1 2:A>3:B=1 2:B>3:C=1 3:B>4:B=1 3:C>4:D=1 4:B>5:D=1", 2, 2},
		{"anchors too far apart for the limit", PathOptions{Start: "A", End: "D", Steps: 4},
			"1:A=1 2:B=1 3:C=1 4:D=1", "1:A>2:B=1 2:B>3:C=1 3:C>4:D=1", 1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, r := runPaths(t, d, Query{Workers: 2}, tc.opts)
			n, l := flow(r)
			if got := strings.Join(n, " "); got != tc.nodes {
				t.Errorf("nodes\n got %s\nwant %s", got, tc.nodes)
			}
			if got := strings.Join(l, " "); got != tc.links {
				t.Errorf("links\n got %s\nwant %s", got, tc.links)
			}
			if r.Journeys != tc.journeys || r.Excluded != tc.excl {
				t.Errorf("journeys %d excluded %d, want %d %d", r.Journeys, r.Excluded, tc.journeys, tc.excl)
			}
		})
	}
}

// TestPathsSessions: with sessions, each session is a path; Who gives
// distinct customers.
func TestPathsSessions(t *testing.T) {
	d := build(t, []ev{
		{1, 0, "A", ""}, {1, minute, "B", ""}, {1, 2 * day, "A", ""}, {1, 2*day + minute, "B", ""},
		{2, 0, "A", ""}, {2, minute, "C", ""},
	})
	p, r := runPaths(t, d, Query{Split: Split{Mode: Sessions}}, PathOptions{Steps: 2})
	n, _ := flow(r)
	if got := strings.Join(n, " "); got != "1:A=3 2:B=2 2:C=1" {
		t.Fatalf("nodes %s", got)
	}
	var ab int
	for i, l := range r.Links {
		if r.Nodes[l.Target].Label == "B" {
			ab = i
		}
	}
	w, err := p.WhoLink(ab, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, Query{Split: Split{Mode: Sessions}}, w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Customers(), []int64{1}) || w.Total() != 1 {
		t.Errorf("who A→B = %v, want [1] (two journeys, one customer)", w.Customers())
	}
	w, err = p.WhoNode(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, Query{Split: Split{Mode: Sessions}}, w); err != nil {
		t.Fatal(err)
	}
	if r.Nodes[0].Label != "A" || !slices.Equal(w.Customers(), []int64{1, 2}) {
		t.Errorf("who at node %+v = %v, want [1 2]", r.Nodes[0], w.Customers())
	}
}

func TestPathsWhoOtherAndDropOff(t *testing.T) {
	var evs []ev
	evs = append(evs, seq(1, "A B C")...)
	evs = append(evs, seq(2, "A B")...)
	evs = append(evs, seq(3, "A D")...)
	evs = append(evs, seq(4, "A E C")...)
	d := build(t, evs)
	p, r := runPaths(t, d, Query{}, PathOptions{Steps: 3, TopK: 1})
	find := func(step int, label string) int {
		for _, n := range r.Nodes {
			if n.Step == step && n.Label == label {
				return n.ID
			}
		}
		t.Fatalf("no node %d:%s in %+v", step, label, r.Nodes)
		return -1
	}
	for _, c := range []struct {
		step  int
		label string
		want  []int64
	}{
		{2, OtherLabel, []int64{3, 4}},
		{3, DropOffLabel, []int64{2, 3}},
		{3, "C", []int64{1, 4}},
	} {
		w, err := p.WhoNode(find(c.step, c.label), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := Scan(context.Background(), d, Query{}, w); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(w.Customers(), c.want) {
			t.Errorf("who %d:%s = %v, want %v", c.step, c.label, w.Customers(), c.want)
		}
	}
	if _, err := p.WhoNode(99, 0); err == nil {
		t.Error("WhoNode(99) succeeded")
	}
}

// TestPathsCustomerCounts: with sessions, customer 1 has two journeys
// A→B; node A has 3 journeys but 2 customers.
func TestPathsCustomerCounts(t *testing.T) {
	d := build(t, []ev{
		{1, 0, "A", ""}, {1, minute, "B", ""}, {1, 2 * day, "A", ""}, {1, 2*day + minute, "B", ""},
		{2, 0, "A", ""}, {2, minute, "C", ""},
	})
	q := Query{Split: Split{Mode: Sessions}, Workers: 2}
	p, _ := runPaths(t, d, q, PathOptions{Steps: 3})
	r, err := p.CountCustomers(context.Background(), d, q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for _, n := range r.Nodes {
		got[fmt.Sprintf("%d:%s", n.Step, n.Label)] = [2]int64{n.Journeys, n.Customers}
	}
	want := map[string][2]int64{"1:A": {3, 2}, "2:B": {2, 1}, "2:C": {1, 1}, "3:(drop-off)": {3, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("node journeys/customers %v, want %v", got, want)
	}
	for _, l := range r.Links {
		if r.Nodes[l.Source].Label == "A" && r.Nodes[l.Target].Label == "B" && (l.Journeys != 2 || l.Customers != 1) {
			t.Errorf("link A→B: %d journeys %d customers, want 2, 1", l.Journeys, l.Customers)
		}
	}
}
