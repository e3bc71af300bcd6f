package workspace

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/journey/journeystore"
	"github.com/journeyworkbench/workbench/analysis/load"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
)

// benchFunnel is the funnel of the comparison benchmark: Product Viewed →
// Product Added → Order Completed by event type, ordered, with a window
// longer than the data so that the SQL and pandas versions (earliest step
// 1, then the earliest step 2 after it, …) compute the same thing.
var benchFunnel = journey.FunnelOptions{
	Steps: []journey.FunnelStep{
		{Name: "viewed", Labels: []string{"Product Viewed"}},
		{Name: "added", Labels: []string{"Product Added"}},
		{Name: "ordered", Labels: []string{"Order Completed"}},
	},
	Window: 400 * 24 * time.Hour,
}

// benchStore opens $WORKBENCH_BENCH_DB, or loads a 2,000-customer sample.
func benchStore(b *testing.B) *store.Store {
	if p := os.Getenv("WORKBENCH_BENCH_DB"); p != "" {
		// Opening a missing path would create an empty database and
		// fail later with a puzzling "no step is labelled" error.
		if _, err := os.Stat(p); err != nil {
			b.Fatalf("WORKBENCH_BENCH_DB: %v (load a sample into it first: make bench-compare does)", err)
		}
		st, err := store.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	dir := b.TempDir()
	ctx := context.Background()
	if _, err := sample.Generate(ctx, dir, sample.Options{Customers: 2000, Seed: 7}, nil); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range sample.ExportFiles() {
		if _, err := load.File(ctx, st, filepath.Join(dir, name), ingest.Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkOverview measures the exploratory scan — transitions, the top
// 10 variants and one funnel in a single pass, labelled by event type over
// whole journeys — on the store of $WORKBENCH_BENCH_DB (the comparison
// script sets it) or a small sample. It reports the cold start (building
// the Dataset from SQLite) as build-s, the warm scan as ns/op, a warm
// re-query with a changed filter (web and app events from February on) as
// requery-s, the Dataset file's bytes per event and what the Dataset holds
// in memory (customer ids and block index; the scans stream the events
// from the file). With
// $WORKBENCH_BENCH_OUT it writes the results as JSON for the script to
// compare with SQL and pandas.
func BenchmarkOverview(b *testing.B) {
	st := benchStore(b)
	defer st.Close()
	w := New(st)
	ctx := context.Background()
	// The cold start is the build from SQLite into a new Dataset file,
	// whether or not <db>.journeys exists (BenchmarkDatasetFile measures
	// that file); the scans stream from it as the workbench's do.
	path := filepath.Join(b.TempDir(), "overview.journeys")
	start := time.Now()
	d, err := journeystore.BuildFile(ctx, st, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	build := time.Since(start)
	w.data.ds = d
	q := Query{}
	fo := benchFunnel
	var o *Overview
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if o, err = w.Overview(ctx, q, 10, &fo); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	rq := Query{Filter: Filter{From: feb, Channels: []string{"web", "app"}}}
	start = time.Now()
	if _, err := w.Overview(ctx, rq, 10, &fo); err != nil {
		b.Fatal(err)
	}
	requery := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(requery.Seconds(), "requery-s")
	b.ReportMetric(float64(d.NumEvents()), "events")
	b.ReportMetric(float64(d.EncodedBytes())/float64(max(1, d.NumEvents())), "file-B/event")
	b.ReportMetric(float64(d.MemoryBytes())/(1<<20), "dataset-mem-MB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "go-sys-MB")
	if out := os.Getenv("WORKBENCH_BENCH_OUT"); out != "" {
		edges := map[string]int64{}
		for _, e := range o.Transitions.Edges {
			edges[e.From+">"+e.To] = e.Count
		}
		var funnel []int64
		for _, s := range o.Funnel.Overall.Steps {
			funnel = append(funnel, s.Customers)
		}
		var top []map[string]any
		for _, v := range o.Variants.Variants {
			top = append(top, map[string]any{"steps": v.Steps, "journeys": v.Journeys})
		}
		res := map[string]any{"events": o.Transitions.Events, "journeys": o.Transitions.Journeys, "edges": edges,
			"funnel": funnel, "distinct_variants": o.Variants.Distinct, "top_variants": top,
			"build_s": build.Seconds(), "scan_s": b.Elapsed().Seconds() / float64(b.N), "requery_s": requery.Seconds()}
		buf, _ := json.Marshal(res)
		if err := os.WriteFile(out, buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDatasetFile measures the first Dataset of a run on the store of
// $WORKBENCH_BENCH_DB (or a small sample) without and with the dataset
// file: build-s is the first Dataset with no <db>.journeys (one scan of
// SQLite plus writing the file), file-s the first Dataset of a new
// workspace that reads the file, file-MB its size. It removes an existing
// <db>.journeys first and leaves the rewritten one. Run with
// -benchtime=1x: every iteration repeats the cold build.
func BenchmarkDatasetFile(b *testing.B) {
	st := benchStore(b)
	defer st.Close()
	ctx := context.Background()
	path := datasetPath(st.Path())
	if path == "" {
		b.Skip("in-memory database: no dataset file")
	}
	var build, read time.Duration
	for i := 0; i < b.N; i++ {
		os.Remove(path)
		start := time.Now()
		d1, err := New(st).Dataset(ctx)
		if err != nil {
			b.Fatal(err)
		}
		build += time.Since(start)
		w := New(st)
		start = time.Now()
		d2, err := w.Dataset(ctx)
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		if w.data.builds != 0 || d2.NumEvents() != d1.NumEvents() || d2.NumCustomers() != d1.NumCustomers() {
			b.Fatalf("second start: %d builds, %d/%d events, %d/%d customers; want the file read", w.data.builds,
				d2.NumEvents(), d1.NumEvents(), d2.NumCustomers(), d1.NumCustomers())
		}
		b.ReportMetric(float64(d1.NumEvents()), "events")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(build.Seconds()/float64(b.N), "build-s")
	b.ReportMetric(read.Seconds()/float64(b.N), "file-s")
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
}
