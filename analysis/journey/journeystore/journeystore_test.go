package journeystore

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/store"
)

func refFile(t *testing.T) string {
	for _, p := range []string{"../../../../shared/reference", "/work/shared/reference"} {
		f := filepath.Join(p, "pm4py-running-example", "running-example.csv")
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	t.Skip("reference data not found")
	return ""
}

// loadRunningExample writes pm4py's running example into a new store, one
// customer per case, in file order.
func loadRunningExample(t *testing.T, s *store.Store) {
	f, err := os.Open(refFile(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, store.SourceInfo{Path: "running-example.csv", Name: "running-example.csv", Kind: "eventlog", Checksum: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows[1:] {
		ts, err := time.Parse("2006-01-02 15:04:05-07:00", r[3])
		if err != nil {
			t.Fatal(err)
		}
		c, _ := strconv.ParseInt(r[7], 10, 64)
		ch, _ := tx.Label(store.LabelChannel, "process")
		ty, _ := tx.Label(store.LabelType, r[1])
		ca, _ := tx.Label(store.LabelCampaign, "")
		if err := tx.AddEvent(&store.EventIn{Customer: c, Identity: c, Time: ts.UnixMilli(), Channel: ch, Type: ty, Campaign: ca,
			Props: `{"resource":"` + r[2] + `"}`, Line: int64(i + 2), Dedup: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	n := int64(len(rows) - 1)
	if err := tx.Finish(store.FinishStats{Kind: "eventlog", Read: n, Loaded: n}); err != nil {
		t.Fatal(err)
	}
}

// TestStoreToDFG: the running example loaded into the store and scanned
// through the adapter gives pm4py's graph (16 edges summing to 36,
// check ticket → decide 6).
func TestStoreToDFG(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	loadRunningExample(t, s)
	d, err := Build(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumCustomers() != 6 || d.NumEvents() != 42 {
		t.Fatalf("%d customers, %d events; want 6, 42", d.NumCustomers(), d.NumEvents())
	}
	tr := journey.NewTransitions()
	if err := journey.Scan(ctx, d, journey.Query{}, tr); err != nil {
		t.Fatal(err)
	}
	r := tr.Result()
	var sum int64
	for _, e := range r.Edges {
		sum += e.Count
	}
	if len(r.Edges) != 16 || sum != 36 || r.Edges[0].From != "check ticket" || r.Edges[0].To != "decide" || r.Edges[0].Count != 6 {
		t.Errorf("%d edges summing to %d, first %+v; want 16, 36, check ticket→decide 6", len(r.Edges), sum, r.Edges[0])
	}
}

// TestLoadFile: the file cache is written, reused while the data version
// holds, and rebuilt after a load.
func TestLoadFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	loadRunningExample(t, s)
	path := filepath.Join(dir, "journeys.bin")
	d1, err := Load(ctx, s, path)
	if err != nil {
		t.Fatal(err)
	}
	st1, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Load(ctx, s, path)
	if err != nil || d2.NumEvents() != 42 || d2.Version != d1.Version {
		t.Fatalf("reload: %v", err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("the cache file was rewritten although the data did not change")
	}
	loadRunningExample(t, s)
	d3, err := Load(ctx, s, path, "resource")
	if err != nil || d3.Version == d1.Version || len(d3.Properties()) != 1 {
		t.Errorf("after a load: version %d (before %d), properties %v, %v", d3.Version, d1.Version, d3.Properties(), err)
	}
	if f, _ := os.Open(path); f != nil {
		v, err := journey.PeekVersion(f)
		f.Close()
		if err != nil || v != d3.Version {
			t.Errorf("file version %d, %v; want %d", v, err, d3.Version)
		}
	}
	if d3.InMemory() {
		t.Error("Load returned a dataset held in memory; want one that streams from the file")
	}
	// A file of the previous format (version 1) is rebuilt, not read.
	old := append([]byte("JWJDS\x00\x00\x01"), make([]byte, 64)...)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	d4, err := Load(ctx, s, path)
	if err != nil || d4.NumEvents() != 42 || d4.Version != d3.Version {
		t.Fatalf("over a version-1 file: %v", err)
	}
	if f, _ := os.Open(path); f != nil {
		v, err := journey.PeekVersion(f)
		f.Close()
		if err != nil || v != d4.Version {
			t.Errorf("the version-1 file was not rewritten: %d, %v", v, err)
		}
	}
}
