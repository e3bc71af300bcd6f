package journey

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refDir is the shared reference data next to the repository.
func refDir(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"../../../shared/reference", "/work/shared/reference"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("reference data not found (../shared/reference)")
	return ""
}

// runningExample reads pm4py's running-example.csv into events: one
// customer per case, type = concept:name, channel = org:resource, times
// normalised to UTC. Rows are yielded in file order.
func runningExample(t testing.TB) []Event {
	t.Helper()
	f, err := os.Open(filepath.Join(refDir(t), "pm4py-running-example", "running-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var evs []Event
	for _, r := range rows[1:] {
		ts, err := time.Parse("2006-01-02 15:04:05-07:00", r[col["time:timestamp"]])
		if err != nil {
			t.Fatal(err)
		}
		c, err := strconv.ParseInt(r[col["case:concept:name"]], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, Event{Customer: c, Time: ts.UnixMilli(), Type: r[col["concept:name"]], Channel: r[col["org:resource"]],
			Props: `{"costs":` + r[col["Costs"]] + `}`})
	}
	return evs
}

func sliceSource(evs []Event) Source {
	return func(yield func(Event) error) error {
		for _, e := range evs {
			if err := yield(e); err != nil {
				return err
			}
		}
		return nil
	}
}

type expectedRunning struct {
	NCases             int              `json:"n_cases"`
	NEvents            int              `json:"n_events"`
	NVariants          int              `json:"n_variants"`
	ActivityEventCount map[string]int64 `json:"activity_event_counts"`
	ActivityCaseCount  map[string]int64 `json:"activity_case_counts"`
	Start              map[string]int64 `json:"start_activities"`
	End                map[string]int64 `json:"end_activities"`
	DFG                []struct {
		Source, Target string
		Count          int64
	} `json:"dfg_frequency"`
	Perf []struct {
		Source, Target              string
		Mean, Median, Min, Max, Sum float64
		Stdev                       *float64
	} `json:"dfg_performance_seconds"`
	Variants []struct {
		Activities []string
		Count      int64
	} `json:"variants"`
}

func TestPM4PyRunningExample(t *testing.T) {
	var exp expectedRunning
	b, err := os.ReadFile(filepath.Join(refDir(t), "pm4py-running-example", "expected_computed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	d, err := Build(context.Background(), sliceSource(runningExample(t)), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 3} {
		tr, va := NewTransitions(), NewVariants(0)
		if err := Scan(context.Background(), d, Query{Workers: workers}, tr, va); err != nil {
			t.Fatal(err)
		}
		checkRunningExample(t, &exp, tr.Result(), va.Result())
	}
}

func checkRunningExample(t *testing.T, exp *expectedRunning, r TransitionsResult, v VariantsResult) {
	t.Helper()
	if r.Journeys != int64(exp.NCases) || r.Events != int64(exp.NEvents) {
		t.Errorf("journeys, events = %d, %d; want %d, %d", r.Journeys, r.Events, exp.NCases, exp.NEvents)
	}
	if len(r.Activities) != len(exp.ActivityEventCount) {
		t.Errorf("%d activities, want %d", len(r.Activities), len(exp.ActivityEventCount))
	}
	for _, a := range r.Activities {
		if a.Events != exp.ActivityEventCount[a.Label] || a.Journeys != exp.ActivityCaseCount[a.Label] {
			t.Errorf("activity %q: events %d journeys %d; want %d %d", a.Label, a.Events, a.Journeys, exp.ActivityEventCount[a.Label], exp.ActivityCaseCount[a.Label])
		}
	}
	eqCounts := func(what string, got []LabelCount, want map[string]int64) {
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
		for _, g := range got {
			if want[g.Label] != g.Count {
				t.Errorf("%s %q = %d, want %d", what, g.Label, g.Count, want[g.Label])
			}
		}
	}
	eqCounts("start", r.Start, exp.Start)
	eqCounts("end", r.End, exp.End)
	if len(r.Edges) != len(exp.DFG) {
		t.Fatalf("%d edges, want %d", len(r.Edges), len(exp.DFG))
	}
	edges := map[string]Edge{}
	var sum int64
	for _, e := range r.Edges {
		edges[e.From+">"+e.To] = e
		sum += e.Count
	}
	if sum != int64(exp.NEvents-exp.NCases) {
		t.Errorf("edge counts sum to %d, want events − cases = %d", sum, exp.NEvents-exp.NCases)
	}
	for _, w := range exp.DFG {
		if g := edges[w.Source+">"+w.Target]; g.Count != w.Count {
			t.Errorf("edge %s→%s: count %d, want %d", w.Source, w.Target, g.Count, w.Count)
		}
	}
	// Performance: relative tolerance 1e-12 (values are exact seconds;
	// stdev is a square root).
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	for _, w := range exp.Perf {
		g := edges[w.Source+">"+w.Target].Duration
		if !close(g.Mean, w.Mean) || !close(g.Median, w.Median) || !close(g.Min, w.Min) || !close(g.Max, w.Max) || !close(g.Sum, w.Sum) {
			t.Errorf("edge %s→%s: mean/median/min/max/sum %v/%v/%v/%v/%v, want %v/%v/%v/%v/%v", w.Source, w.Target,
				g.Mean, g.Median, g.Min, g.Max, g.Sum, w.Mean, w.Median, w.Min, w.Max, w.Sum)
		}
		switch {
		case w.Stdev == nil && g.Stdev != nil:
			t.Errorf("edge %s→%s: stdev %v, want null (one observation)", w.Source, w.Target, *g.Stdev)
		case w.Stdev != nil && (g.Stdev == nil || !close(*g.Stdev, *w.Stdev)):
			t.Errorf("edge %s→%s: stdev %v, want %v", w.Source, w.Target, g.Stdev, *w.Stdev)
		}
	}
	if v.Distinct != exp.NVariants || len(v.Variants) != exp.NVariants {
		t.Errorf("%d variants, want %d", v.Distinct, exp.NVariants)
	}
	want := map[string]int64{}
	for _, w := range exp.Variants {
		want[strings.Join(w.Activities, ",")] = w.Count
	}
	for _, g := range v.Variants {
		if want[strings.Join(g.Steps, ",")] != g.Journeys {
			t.Errorf("variant %v: %d journeys, want %d", g.Steps, g.Journeys, want[strings.Join(g.Steps, ",")])
		}
		if math.Abs(g.Coverage-1.0/6) > 1e-15 {
			t.Errorf("variant %v: coverage %v, want 1/6", g.Steps, g.Coverage)
		}
	}
}

// TestPM4PyDFGFile checks the graph against pm4py's own exported .dfg file.
func TestPM4PyDFGFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(refDir(t), "pm4py-running-example", "running-example.dfg"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	at := 0
	next := func() string { at++; return strings.TrimSpace(lines[at-1]) }
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	na := int(num(next()))
	acts := make([]string, na)
	for i := range acts {
		acts[i] = next()
	}
	readCounts := func() map[string]int64 {
		m := map[string]int64{}
		k := int(num(next()))
		for i := 0; i < k; i++ {
			a, c, _ := strings.Cut(next(), "x")
			m[acts[num(a)]] = num(c)
		}
		return m
	}
	start, end := readCounts(), readCounts()
	edges := map[string]int64{}
	for at < len(lines) {
		e, c, _ := strings.Cut(next(), "x")
		s, d, _ := strings.Cut(e, ">")
		edges[acts[num(s)]+">"+acts[num(d)]] = num(c)
	}
	d, err := Build(context.Background(), sliceSource(runningExample(t)), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTransitions()
	if err := Scan(context.Background(), d, Query{}, tr); err != nil {
		t.Fatal(err)
	}
	r := tr.Result()
	for _, s := range r.Start {
		if start[s.Label] != s.Count {
			t.Errorf("start %q = %d, .dfg says %d", s.Label, s.Count, start[s.Label])
		}
	}
	for _, s := range r.End {
		if end[s.Label] != s.Count {
			t.Errorf("end %q = %d, .dfg says %d", s.Label, s.Count, end[s.Label])
		}
	}
	if len(r.Start) != len(start) || len(r.End) != len(end) || len(r.Edges) != len(edges) {
		t.Errorf("sizes start %d end %d edges %d; .dfg has %d %d %d", len(r.Start), len(r.End), len(r.Edges), len(start), len(end), len(edges))
	}
	for _, e := range r.Edges {
		if edges[e.From+">"+e.To] != e.Count {
			t.Errorf("edge %s→%s = %d, .dfg says %d", e.From, e.To, e.Count, edges[e.From+">"+e.To])
		}
	}
}
