package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func tempStore(t testing.TB) (*Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "w.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

// loadOne writes one source with the given events (customer = identity).
func loadOne(t *testing.T, s *Store, name string, events []EventIn) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/" + name, Name: name, Kind: "test", Checksum: name, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := tx.Label(LabelChannel, "web")
	ty, _ := tx.Label(LabelType, "page")
	ca, _ := tx.Label(LabelCampaign, "")
	seen := map[int64]bool{}
	for i := range events {
		e := events[i]
		e.Channel, e.Type, e.Campaign = ch, ty, ca
		if !seen[e.Identity] {
			seen[e.Identity] = true
			if err := tx.AddIdentity(e.Identity, "anonymous_id", name+string(rune('a'+e.Identity)), e.Identity, false, 1, 0); err != nil {
				t.Fatal(err)
			}
			if err := tx.PutCustomer(e.Identity, 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.AddEvent(&e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	n := int64(len(events))
	if err := tx.Finish(FinishStats{Kind: "test", Read: n, Loaded: tx.Loaded, Duplicate: tx.Duplicate}); err != nil {
		t.Fatal(err)
	}
	return tx.SourceID()
}

// TestMigrateNotRebuild creates a database at the current version with
// data, then opens it with a migration list that has a hypothetical next
// version: the data survives, the new step is applied once, and the
// current code (which does not know the new step) refuses the migrated
// file instead of rebuilding it.
func TestMigrateNotRebuild(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "w.db")
	s, err := OpenMigrations(p, Migrations)
	if err != nil {
		t.Fatal(err)
	}
	loadOne(t, s, "a.csv", []EventIn{{Customer: 1, Identity: 1, Time: 5, Dedup: 1}})
	s.Close()

	cur := Migrations[len(Migrations)-1].Version
	v2 := append(append([]Migration{}, Migrations...), Migration{Version: cur + 1, Name: "add a note to customers",
		SQL: "ALTER TABLE customers ADD COLUMN note TEXT NOT NULL DEFAULT 'migrated'"})
	for i := 0; i < 2; i++ { // the second open must not re-apply version 2
		s, err = OpenMigrations(p, v2)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if v, _ := s.SchemaVersion(ctx); v != cur+1 {
			t.Errorf("user_version = %d, want %d", v, cur+1)
		}
		applied, _ := s.AppliedMigrations(ctx)
		if len(applied) != cur+1 || applied[0] != 1 || applied[cur] != cur+1 {
			t.Errorf("applied = %v, want 1..%d", applied, cur+1)
		}
		var note string
		if err := s.db.QueryRow("SELECT note FROM customers WHERE id = 1").Scan(&note); err != nil || note != "migrated" {
			t.Errorf("customer 1 after migration: note %q, err %v (data lost?)", note, err)
		}
		tot, _ := s.Totals(ctx)
		if tot.Events != 1 || tot.Sources != 1 {
			t.Errorf("totals after migration %+v, want the event and source kept", tot)
		}
		s.Close()
	}
	_, err = OpenMigrations(p, Migrations)
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("opening a newer database with the current code: err = %v, want ErrNewerSchema", err)
	}
}

// TestReadDuringLoad opens a write transaction (a load in progress) and
// reads from another connection: the reader sees the last committed
// state at once, without waiting for the writer.
func TestReadDuringLoad(t *testing.T) {
	ctx := context.Background()
	s, p := tempStore(t)
	loadOne(t, s, "a.csv", []EventIn{{Customer: 1, Identity: 1, Time: 5, Dedup: 1}})
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/b", Name: "b.csv", Kind: "test", Checksum: "b", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ch, _ := tx.Label(LabelChannel, "web")
	for i := int64(0); i < 1000; i++ {
		tx.AddEvent(&EventIn{Customer: 1, Identity: 1, Time: i, Channel: ch, Dedup: uint64(100 + i)})
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	// A second process-like handle on the same file.
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	tot, err := r.Totals(ctx)
	if err != nil {
		t.Fatalf("read during load: %v", err)
	}
	n := 0
	if err := r.ScanEvents(ctx, func(*EventRow) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("reads took %s while a load was open", el)
	}
	if tot.Events != 1 || n != 1 || tot.Sources != 1 {
		t.Errorf("reader saw %d events (scan %d), %d sources; want the committed 1 and 1", tot.Events, n, tot.Sources)
	}
	srcs, _ := r.Sources(ctx)
	for _, s := range srcs {
		if s.Status != "loaded" {
			t.Errorf("reader sees an unfinished source %+v", s)
		}
	}
}

// TestScanEventsOrder checks the journey order: by customer, then time,
// ties in load order; and that the scan needs no sort (one index pass).
func TestScanEventsOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := tempStore(t)
	loadOne(t, s, "a.csv", []EventIn{
		{Customer: 2, Identity: 2, Time: 50, Dedup: 1},
		{Customer: 1, Identity: 1, Time: 30, Dedup: 2},
		{Customer: 2, Identity: 2, Time: 10, Dedup: 3},
		{Customer: 1, Identity: 1, Time: 30, Dedup: 4, Revenue: 9.5, HasRevenue: true, Props: `{"k":"v"}`}, // tie: after seq 2
		{Customer: 1, Identity: 1, Time: 30, Dedup: 2},                                                     // duplicate
	})
	var got []string
	err := s.ScanEvents(ctx, func(e *EventRow) error {
		got = append(got, strings.Join([]string{itoa(e.Customer), itoa(e.Time), itoa(e.Seq), e.Channel, e.Props}, "/"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1/30/2/web/", `1/30/4/web/{"k":"v"}`, "2/10/3/web/", "2/50/1/web/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("scan order\n got %v\nwant %v", got, want)
	}
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN SELECT customer_id, ts, seq, channel_id, type_id, campaign_id, revenue, props
		FROM events ORDER BY customer_id, ts, seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var a, b, c int
		var d string
		rows.Scan(&a, &b, &c, &d)
		plan = append(plan, d)
	}
	if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "INDEX") {
		t.Errorf("journey scan plan %q sorts or skips the index", p)
	}
}

// TestFinishRefusesBadAccounting: a load whose counts do not add up is
// rolled back.
func TestFinishRefusesBadAccounting(t *testing.T) {
	ctx := context.Background()
	s, _ := tempStore(t)
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/a", Name: "a", Checksum: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Finish(FinishStats{Read: 3, Loaded: 1}); err == nil {
		t.Fatal("Finish accepted read 3 = loaded 1")
	}
	tot, _ := s.Totals(ctx)
	if tot.Sources != 0 {
		t.Errorf("a refused load left %d sources", tot.Sources)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkScanEvents measures the journey scan in rows per second: over
// the database named by WORKBENCH_BENCH_DB (e.g. the 1,000,000-customer
// sample loaded by analysis/load/bench/compare.sh), else over 200,000
// synthetic events.
func BenchmarkScanEvents(b *testing.B) {
	ctx := context.Background()
	var s *Store
	if p := os.Getenv("WORKBENCH_BENCH_DB"); p != "" {
		var err error
		if s, err = Open(p); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
	} else {
		s = benchStore(b, 200000)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	var n int64
	for i := 0; i < b.N; i++ {
		if err := s.ScanEvents(ctx, func(*EventRow) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

func benchStore(b *testing.B, n int) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	tx, err := s.BeginLoad(context.Background(), SourceInfo{Name: "synthetic", Checksum: "x"})
	if err != nil {
		b.Fatal(err)
	}
	ch, _ := tx.Label(LabelChannel, "web")
	ty, _ := tx.Label(LabelType, "page")
	for i := 0; i < n; i++ {
		c := int64(i*7919%(n/40+1)) + 1
		e := EventIn{Customer: c, Identity: c, Time: int64(i), Channel: ch, Type: ty, Props: `{"path":"/"}`, Dedup: uint64(i + 1)}
		if err := tx.AddEvent(&e); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Finish(FinishStats{Read: int64(n), Loaded: int64(n)}); err != nil {
		b.Fatal(err)
	}
	return s
}

// TestNewDatabasePageSize checks that a new database gets PageSize and
// stays in WAL mode, and that an existing one keeps its page size.
func TestNewDatabasePageSize(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "new.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if size != PageSize || mode != "wal" {
		t.Errorf("new database: page size %d, journal mode %q; want %d, wal", size, mode, PageSize)
	}
	s.Close()

	old := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA page_size = 4096; CREATE TABLE kept(a);"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size != 4096 {
		t.Errorf("existing database: page size %d, want the 4096 it had", size)
	}
}
