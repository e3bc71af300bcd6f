package workspace

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/load"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// refDir is the shared reference data next to the repository.
func refDir(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"../../../shared/reference", "/work/shared/reference"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("reference data not found: ../shared/reference (relative to the repository) is absent, so the published pm4py and attribution figures cannot be checked")
	return ""
}

// loadFiles loads files into a fresh store with load.File and no options.
func loadFiles(t testing.TB, files ...string) *Workspace {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, f := range files {
		if _, err := load.File(context.Background(), st, f, ingest.Options{}, nil); err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
	}
	return New(st)
}

type expectedRunning struct {
	NCases             int              `json:"n_cases"`
	NEvents            int              `json:"n_events"`
	NVariants          int              `json:"n_variants"`
	NEdges             int              `json:"n_dfg_edges"`
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

// TestPM4PyThroughLoader loads pm4py's running example with the normal
// loader (no flags: the generic event log is detected, each case id an
// identifier of its own customer), builds the workspace Dataset from the
// store and reproduces expected_computed.json: the directly-follows graph
// (16 edges summing to 36), start and end counts, the 6 variants and every
// per-edge performance statistic (counts exactly; floats to 1e-9 relative;
// a null stdev for edges seen once).
func TestPM4PyThroughLoader(t *testing.T) {
	dir := filepath.Join(refDir(t), "pm4py-running-example")
	var exp expectedRunning
	b, err := os.ReadFile(filepath.Join(dir, "expected_computed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	w := loadFiles(t, filepath.Join(dir, "running-example.csv"))
	ctx := context.Background()
	o, err := w.Overview(ctx, Query{}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, v := o.Transitions, o.Variants
	if o.Customers != exp.NCases || o.Events != exp.NEvents {
		t.Fatalf("dataset has %d customers and %d events, want %d cases and %d events", o.Customers, o.Events, exp.NCases, exp.NEvents)
	}
	if r.Journeys != int64(exp.NCases) || r.Events != int64(exp.NEvents) {
		t.Errorf("journeys, events = %d, %d; want %d, %d", r.Journeys, r.Events, exp.NCases, exp.NEvents)
	}
	for _, a := range r.Activities {
		if a.Events != exp.ActivityEventCount[a.Label] || a.Journeys != exp.ActivityCaseCount[a.Label] {
			t.Errorf("activity %q: events %d cases %d; want %d %d", a.Label, a.Events, a.Journeys, exp.ActivityEventCount[a.Label], exp.ActivityCaseCount[a.Label])
		}
	}
	if len(r.Activities) != len(exp.ActivityEventCount) {
		t.Errorf("%d activities, want %d", len(r.Activities), len(exp.ActivityEventCount))
	}
	eq := func(what string, got []journey.LabelCount, want map[string]int64) {
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
		for _, g := range got {
			if want[g.Label] != g.Count {
				t.Errorf("%s %q = %d, want %d", what, g.Label, g.Count, want[g.Label])
			}
		}
	}
	eq("start", r.Start, exp.Start)
	eq("end", r.End, exp.End)
	if len(r.Edges) != exp.NEdges || exp.NEdges != 16 {
		t.Fatalf("%d edges, want %d (16)", len(r.Edges), exp.NEdges)
	}
	edges := map[string]journey.Edge{}
	var sum int64
	for _, e := range r.Edges {
		edges[e.From+">"+e.To] = e
		sum += e.Count
	}
	if sum != 36 {
		t.Errorf("edge counts sum to %d, want 36 (42 events − 6 cases)", sum)
	}
	for _, x := range exp.DFG {
		if g := edges[x.Source+">"+x.Target]; g.Count != x.Count {
			t.Errorf("edge %s→%s: %d, want %d", x.Source, x.Target, g.Count, x.Count)
		}
	}
	rel := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if len(exp.Perf) != 16 {
		t.Fatalf("expected_computed.json has %d performance edges", len(exp.Perf))
	}
	for _, x := range exp.Perf {
		g := edges[x.Source+">"+x.Target].Duration
		if !rel(g.Mean, x.Mean) || !rel(g.Median, x.Median) || !rel(g.Min, x.Min) || !rel(g.Max, x.Max) || !rel(g.Sum, x.Sum) {
			t.Errorf("edge %s→%s: mean/median/min/max/sum %v/%v/%v/%v/%v, want %v/%v/%v/%v/%v", x.Source, x.Target,
				g.Mean, g.Median, g.Min, g.Max, g.Sum, x.Mean, x.Median, x.Min, x.Max, x.Sum)
		}
		switch {
		case x.Stdev == nil && g.Stdev != nil:
			t.Errorf("edge %s→%s: stdev %v, want null (one observation)", x.Source, x.Target, *g.Stdev)
		case x.Stdev != nil && (g.Stdev == nil || !rel(*g.Stdev, *x.Stdev)):
			t.Errorf("edge %s→%s: stdev %v, want %v", x.Source, x.Target, g.Stdev, *x.Stdev)
		}
	}
	if v.Distinct != 6 || len(v.Variants) != 6 || exp.NVariants != 6 {
		t.Errorf("%d variants, want 6", v.Distinct)
	}
	want := map[string]int64{}
	for _, x := range exp.Variants {
		want[strings.Join(x.Activities, ",")] = x.Count
	}
	for _, g := range v.Variants {
		if c, ok := want[strings.Join(g.Steps, ",")]; !ok || c != g.Journeys {
			t.Errorf("variant %v: %d cases, want %d", g.Steps, g.Journeys, c)
		}
	}
	// The cell behind an edge: decide → reject request is the end of 3
	// cases, each its own customer.
	who, err := w.WhoEdge(ctx, Query{}, "decide", "reject request", 0)
	if err != nil {
		t.Fatal(err)
	}
	if who.Total != 3 || len(who.Customers) != 3 || !strings.HasPrefix(who.Customers[0].Identifier, "case_id:") {
		t.Errorf("who decide>reject request = %+v, want 3 customers named by their case id", who)
	}
}
