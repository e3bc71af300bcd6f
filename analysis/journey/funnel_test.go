package journey

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// evs parses "type@minutes ..." into one customer's events (load order as
// written).
func evsAt(c int64, spec string) []ev {
	var out []ev
	for _, f := range strings.Fields(spec) {
		ty, at, _ := strings.Cut(f, "@")
		var m int64
		for _, r := range at {
			m = m*10 + int64(r-'0')
		}
		out = append(out, ev{c: c, t: m * minute, ty: ty})
	}
	return out
}

func steps(labels ...string) []FunnelStep {
	var s []FunnelStep
	for _, l := range labels {
		s = append(s, FunnelStep{Name: l, Labels: []string{l}})
	}
	return s
}

func reach(t *testing.T, d *Dataset, q Query, opts FunnelOptions) int {
	t.Helper()
	f, err := NewFunnel(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, q, f); err != nil {
		t.Fatal(err)
	}
	r := f.Result()
	n := 0
	for _, s := range r.Overall.Steps {
		if s.Customers > 0 {
			n = s.Step
		}
	}
	return n
}

// TestFunnelReach: the furthest step one customer reaches, hand-computed,
// for each mode (ordered, strict, any-order). Times are minutes.
func TestFunnelReach(t *testing.T) {
	const D = 24 * 60 // minutes per day
	abc := steps("A", "B", "C")
	win := func(m int) string { return itoa(m) }
	cases := []struct {
		name                 string
		events               string
		steps                []FunnelStep
		window               time.Duration
		excl                 []Exclusion
		ordered, strict, any int
	}{
		{"in order", "A@0 B@1 C@2", abc, 0, nil, 3, 3, 3},
		{"swapped", "A@0 C@1 B@2", abc, 0, nil, 2, 1, 3},
		{"other event between", "A@0 X@1 B@2 C@3", abc, 0, nil, 3, 1, 3},
		{"no first step", "B@0 C@1", abc, 0, nil, 0, 0, 2},
		{"step 2 after default 14d window", "A@0 B@" + win(14*D+1), abc, 0, nil, 1, 1, 1},
		{"window boundary is inclusive", "A@0 B@" + win(14*D) + " C@" + win(14*D+1), abc, 0, nil, 2, 2, 2},
		{"custom window 1h", "A@0 B@60 C@61", abc, time.Hour, nil, 2, 2, 2},
		{"second attempt gets further", "A@0 B@" + win(D) + " A@" + win(20*D) + " B@" + win(21*D) + " C@" + win(22*D), abc, 0, nil, 3, 3, 3},
		{"repeated step needs two events", "A@0 B@1", steps("A", "A", "B"), 0, nil, 1, 1, 2},
		{"repeated step", "A@0 A@1 B@2", steps("A", "A", "B"), 0, nil, 3, 3, 3},
		// Any-order: the attempt starting at B is after X and reaches 2.
		{"exclusion between 1 and 2", "A@0 X@1 B@2 C@3", abc, 0, []Exclusion{{[]string{"X"}, 1}}, 1, 1, 2},
		// Strict: X breaks the run; any-order: every exclusion applies.
		{"exclusion after step 2 does not stop 1→2", "A@0 B@1 X@2 C@3", abc, 0, []Exclusion{{[]string{"X"}, 1}}, 3, 2, 2},
		{"exclusion between 2 and 3", "A@0 B@1 X@2 C@3", abc, 0, []Exclusion{{[]string{"X"}, 2}}, 2, 2, 2},
		{"new attempt after exclusion", "A@0 X@1 A@2 B@3 C@4", abc, 0, []Exclusion{{[]string{"X"}, 1}}, 3, 3, 3},
		{"exclusion outside the window is ignored", "A@0 B@" + win(15*D) + " X@" + win(15*D) + " B@" + win(15*D+1), abc, 0, []Exclusion{{[]string{"X"}, 1}}, 1, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Make every label known to the scan (labels that do not occur
			// are reported as errors) with a second customer.
			d := build(t, append(evsAt(1, tc.events), evsAt(2, "A@0 X@0 B@0 C@0")...))
			q := Query{Filter: Filter{Customers: NewIDSet(1)}}
			for mode, want := range map[FunnelMode]int{Ordered: tc.ordered, Strict: tc.strict, AnyOrder: tc.any} {
				got := reach(t, d, q, FunnelOptions{Steps: tc.steps, Mode: mode, Window: tc.window, Exclusions: tc.excl})
				if got != want {
					t.Errorf("%s funnel: reached step %d, want %d", mode, got, want)
				}
			}
		})
	}
}

// TestFunnelTies: events with the same time count in load order.
func TestFunnelTies(t *testing.T) {
	d := build(t, []ev{
		{1, 0, "B", ""}, {1, 0, "A", ""}, // B loaded before A: B is not after A
		{2, 0, "A", ""}, {2, 0, "B", ""}, // A before B: converts in 0 s
	})
	f, _ := NewFunnel(FunnelOptions{Steps: steps("A", "B")})
	if err := Scan(context.Background(), d, Query{}, f); err != nil {
		t.Fatal(err)
	}
	r := f.Result().Overall
	if r.Steps[0].Customers != 2 || r.Steps[1].Customers != 1 {
		t.Fatalf("counts %d, %d; want 2, 1", r.Steps[0].Customers, r.Steps[1].Customers)
	}
	if r.TimeToConvert.Count != 1 || r.TimeToConvert.Median != 0 {
		t.Errorf("time to convert %+v, want one value of 0 s", r.TimeToConvert)
	}
	w, err := WhoFunnel(FunnelOptions{Steps: steps("A", "B")}, 2, DroppedAt, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, Query{}, w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Customers(), []int64{1}) {
		t.Errorf("dropped at step 2: %v, want [1]", w.Customers())
	}
}

// TestFunnelAggregate: step counts, conversion rates, drop-off, times,
// breakdown and the customers behind cells on six customers.
func TestFunnelAggregate(t *testing.T) {
	var evs []ev
	add := func(c int64, ch string, spec string) {
		for _, e := range evsAt(c, spec) {
			e.ch = ch
			evs = append(evs, e)
		}
	}
	add(1, "web", "A@0 B@10 C@20")  // converts: 20 min
	add(2, "web", "A@0 B@30 C@90")  // converts: 90 min
	add(3, "app", "A@0 B@5")        // stops at 2
	add(4, "app", "A@0")            // stops at 1
	add(5, "web", "A@0 C@1 B@2")    // stops at 2 (ordered)
	add(6, "app", "B@0 C@1")        // never enters
	add(7, "app", "A@0 B@1 C@2000") // 2000 min = 33h20m: converts
	d := build(t, evs)
	opts := FunnelOptions{Steps: steps("A", "B", "C"), Breakdown: ByFirstChannel}
	f, err := NewFunnel(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, Query{Workers: 2}, f); err != nil {
		t.Fatal(err)
	}
	r := f.Result()
	o := r.Overall
	wantCounts := []int64{6, 5, 3}
	for k, s := range o.Steps {
		if s.Customers != wantCounts[k] {
			t.Errorf("step %d: %d customers, want %d", k+1, s.Customers, wantCounts[k])
		}
	}
	const eps = 1e-12
	if math.Abs(o.Steps[1].FromFirst-5.0/6) > eps || math.Abs(o.Steps[2].FromPrevious-3.0/5) > eps || o.Steps[2].DropOff != 2 || o.Steps[1].DropOff != 1 {
		t.Errorf("rates %+v", o.Steps)
	}
	if math.Abs(o.Conversion-0.5) > eps || o.Converted != 3 {
		t.Errorf("conversion %v (%d), want 0.5 (3)", o.Conversion, o.Converted)
	}
	// Time to convert: 20, 90, 2000 minutes → median 90 min, mean 703.33 min.
	ttc := o.TimeToConvert
	if ttc.Count != 3 || ttc.Median != 90*60 || math.Abs(ttc.Mean-2110*60/3.0) > 1e-9 || ttc.Min != 1200 || ttc.Max != 120000 {
		t.Errorf("time to convert %+v", ttc)
	}
	// Histogram: 20 min in 15–60m, 90 min in 1–6h, 33h20m in 1–3d.
	for _, b := range o.Histogram {
		want := int64(0)
		switch b.Label {
		case "15–60m", "1–6h", "1–3d":
			want = 1
		}
		if b.Count != want {
			t.Errorf("histogram %s = %d, want %d", b.Label, b.Count, want)
		}
	}
	// Step 2 time from previous: 10, 30, 5, 2 (customer 5: A@0 B@2), 1 min.
	if s := o.Steps[1].TimeFromPrevious; s.Count != 5 || s.Median != 5*60 {
		t.Errorf("step 2 time from previous %+v, want 5 values, median 300 s", s)
	}
	// Breakdown by the channel of step 1: app 3 entered (3, 4, 7), web 3.
	if len(r.Groups) != 2 || r.Groups[0].Group != "app" || r.Groups[1].Group != "web" {
		t.Fatalf("groups %+v", r.Groups)
	}
	if g := r.Groups[0]; g.Steps[0].Customers != 3 || g.Steps[1].Customers != 2 || g.Steps[2].Customers != 1 {
		t.Errorf("app group %+v", g.Steps)
	}
	if g := r.Groups[1]; g.Steps[0].Customers != 3 || g.Steps[1].Customers != 3 || g.Steps[2].Customers != 2 {
		t.Errorf("web group %+v", g.Steps)
	}
	who := func(step int, out FunnelOutcome, group string) []int64 {
		w, err := WhoFunnel(opts, step, out, group, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := Scan(context.Background(), d, Query{Workers: 2}, w); err != nil {
			t.Fatal(err)
		}
		return w.Customers()
	}
	if got := who(3, DroppedAt, ""); !slices.Equal(got, []int64{3, 5}) {
		t.Errorf("dropped before step 3: %v, want [3 5]", got)
	}
	if got := who(3, Reached, ""); !slices.Equal(got, []int64{1, 2, 7}) {
		t.Errorf("reached step 3: %v, want [1 2 7]", got)
	}
	if got := who(2, DroppedAt, "app"); !slices.Equal(got, []int64{4}) {
		t.Errorf("app, dropped before step 2: %v, want [4]", got)
	}
	// Breakdown by a caller's customer value (e.g. a segment).
	seg := map[int64]string{1: "gold", 2: "gold", 3: "silver"}
	f2, _ := NewFunnel(FunnelOptions{Steps: steps("A", "B", "C"), Breakdown: ByCustomerValue, GroupOf: func(c int64) string {
		if s, ok := seg[c]; ok {
			return s
		}
		return "none"
	}})
	if err := Scan(context.Background(), d, Query{}, f2); err != nil {
		t.Fatal(err)
	}
	gs := map[string][]int64{}
	for _, g := range f2.Result().Groups {
		for _, s := range g.Steps {
			gs[g.Group] = append(gs[g.Group], s.Customers)
		}
	}
	if !slices.Equal(gs["gold"], []int64{2, 2, 2}) || !slices.Equal(gs["silver"], []int64{1, 1, 0}) || !slices.Equal(gs["none"], []int64{3, 2, 1}) {
		t.Errorf("segment breakdown %v", gs)
	}
}

// TestFunnelManySteps: more than ten steps work.
func TestFunnelManySteps(t *testing.T) {
	var names []string
	var spec []string
	for i := 0; i < 15; i++ {
		n := "s" + itoa(i)
		names = append(names, n)
		spec = append(spec, n+"@"+itoa(i))
	}
	d := build(t, evsAt(1, strings.Join(spec, " ")))
	if got := reach(t, d, Query{}, FunnelOptions{Steps: steps(names...)}); got != 15 {
		t.Errorf("reached %d of 15 steps", got)
	}
}

func TestFunnelErrors(t *testing.T) {
	d := build(t, seq(1, "A B"))
	bad := []FunnelOptions{
		{},
		{Steps: []FunnelStep{{Name: "x"}}},
		{Steps: steps("A", "B"), Exclusions: []Exclusion{{[]string{"B"}, 2}}},
		{Steps: steps("A", "B"), Window: -time.Second},
		{Steps: steps("A", "B"), Breakdown: ByCustomerValue},
	}
	for i, o := range bad {
		if _, err := NewFunnel(o); err == nil {
			t.Errorf("options %d accepted", i)
		}
	}
	f, _ := NewFunnel(FunnelOptions{Steps: steps("A", "Q")})
	if err := Scan(context.Background(), d, Query{}, f); err == nil || !strings.Contains(err.Error(), `"Q"`) {
		t.Errorf("unknown step label: error %v", err)
	}
}

// naiveOrdered is the ordered-funnel definition written directly: every
// step-1 event starts an attempt, each next step is the earliest matching
// event after the previous one within the window, an exclusion event
// before it ends the attempt; the customer's reach is the maximum.
func naiveOrdered(types []string, times []int64, steps []string, window int64, exclAfter map[int]string) int {
	best := 0
	for s := range types {
		if types[s] != steps[0] {
			continue
		}
		k := 1
		for i := s + 1; i < len(types) && k < len(steps); i++ {
			if times[i]-times[s] > window {
				break
			}
			if types[i] == steps[k] {
				k++
				continue
			}
			if x, ok := exclAfter[k]; ok && types[i] == x {
				break
			}
		}
		best = max(best, k)
	}
	return best
}

// TestFunnelOrderedRandom checks the ordered funnel against naiveOrdered
// on 3000 random customers.
func TestFunnelOrderedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"A", "B", "C", "D", "X"}
	stepsL := []string{"A", "B", "A", "C"}
	window := int64(30) * minute
	excl := map[int]string{2: "X"}
	var evs []ev
	want := make([]int64, len(stepsL)+1)
	for c := int64(1); c <= 3000; c++ {
		n := 1 + rng.IntN(14)
		var types []string
		var times []int64
		tm := int64(0)
		for i := 0; i < n; i++ {
			ty := alphabet[rng.IntN(len(alphabet))]
			types = append(types, ty)
			times = append(times, tm)
			evs = append(evs, ev{c, tm, ty, ""})
			tm += int64(rng.IntN(12)) * minute // zero gaps give ties
		}
		want[naiveOrdered(types, times, stepsL, window, excl)]++
	}
	d := build(t, evs)
	f, err := NewFunnel(FunnelOptions{Steps: steps(stepsL...), Window: 30 * time.Minute, Exclusions: []Exclusion{{[]string{"X"}, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Scan(context.Background(), d, Query{Workers: 2}, f); err != nil {
		t.Fatal(err)
	}
	r := f.Result().Overall
	for k := 1; k <= len(stepsL); k++ {
		var atLeast int64
		for j := k; j <= len(stepsL); j++ {
			atLeast += want[j]
		}
		if r.Steps[k-1].Customers != atLeast {
			t.Errorf("step %d: %d customers, the definition gives %d", k, r.Steps[k-1].Customers, atLeast)
		}
	}
}
