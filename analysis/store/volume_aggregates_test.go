package store

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkAggregates compares AggregateCounts with Counts, which scans the
// events; distinct customers per channel are not in the aggregate.
func checkAggregates(t *testing.T, s *Store, when string) *Counts {
	t.Helper()
	ctx := context.Background()
	want, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.ByChannel {
		want.ByChannel[i].Customers = 0
	}
	got, err := s.AggregateCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: AggregateCounts\n%+v\nwant (Counts, a scan of the events)\n%+v", when, got, want)
	}
	return got
}

// fresh reports whether agg_daily describes the current data version.
func fresh(t *testing.T, s *Store) bool {
	t.Helper()
	var data, agg int64
	if err := s.db.QueryRow(`SELECT (SELECT value FROM meta WHERE key = 'data_version'), (SELECT value FROM meta WHERE key = 'agg_version')`).Scan(&data, &agg); err != nil {
		t.Fatal(err)
	}
	return data == agg
}

// TestAggregateCountsByHand checks the aggregate of volumeStore against
// counts made by hand, then keeps it right through a second load, a load
// with duplicate rows, an erase (stale until the next load) and that next
// load.
func TestAggregateCountsByHand(t *testing.T) {
	s := volumeStore(t)
	ctx := context.Background()
	const d = 86400000
	if !fresh(t, s) {
		t.Fatal("the load did not bring the aggregate to its data version")
	}
	c := checkAggregates(t, s, "after the load")
	// Days: ts / 86400000 truncates toward zero, so the event at −6 h
	// counts on day 0 as in Counts.
	wantDays := []DayCount{{Day: 0, Events: 3}, {Day: d, Events: 2}, {Day: 2 * d, Events: 2}}
	if !reflect.DeepEqual(c.ByDay, wantDays) {
		t.Errorf("ByDay = %+v, want %+v", c.ByDay, wantDays)
	}
	wantCh := []LabelCount{{Channel: "web", Events: 4}, {Channel: "email", Events: 3}}
	if !reflect.DeepEqual(c.ByChannel, wantCh) {
		t.Errorf("ByChannel = %+v, want %+v", c.ByChannel, wantCh)
	}
	if c.Events != 7 || c.Customers != 3 || len(c.ByType) != 4 {
		t.Errorf("events %d customers %d types %d, want 7, 3 and 4 (web/page, email/open, web/order, email/sent)", c.Events, c.Customers, len(c.ByType))
	}

	// A second file adds two web/page events on day 5: added to the
	// aggregate incrementally.
	loadOne(t, s, "b.csv", []EventIn{{Customer: 10, Identity: 10, Time: 5*d + 1, Dedup: 100}, {Customer: 10, Identity: 10, Time: 5*d + 2, Dedup: 101}})
	c = checkAggregates(t, s, "after a second load")
	if last := c.ByDay[len(c.ByDay)-1]; last.Day != 5*d || last.Events != 2 {
		t.Errorf("day 5 = %+v, want 2 events", last)
	}
	// A file whose rows are duplicates of loaded ones (dedup 100) and one
	// new: the aggregate is rebuilt from the events and stays right.
	loadOne(t, s, "c.csv", []EventIn{{Customer: 11, Identity: 11, Time: 5*d + 1, Dedup: 100}, {Customer: 11, Identity: 11, Time: 6 * d, Dedup: 102}})
	if !fresh(t, s) {
		t.Error("a load with duplicates left the aggregate stale")
	}
	checkAggregates(t, s, "after a load with a duplicate row")

	// Deleting events outside a load (as an erase does) bumps the data
	// version: the aggregate is stale and AggregateCounts falls back to
	// the scan, still right.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM events WHERE customer_id = 2; UPDATE meta SET value = value + 1 WHERE key = 'data_version'"); err != nil {
		t.Fatal(err)
	}
	if fresh(t, s) {
		t.Fatal("the aggregate claims the data version of a change it did not see")
	}
	checkAggregates(t, s, "after an erase")
	// The next load rebuilds it.
	loadOne(t, s, "d.csv", []EventIn{{Customer: 12, Identity: 12, Time: 7 * d, Dedup: 103}})
	if !fresh(t, s) {
		t.Error("the load after an erase did not rebuild the aggregate")
	}
	c = checkAggregates(t, s, "after the load that followed the erase")
	for _, lc := range c.ByType {
		if lc.Type == "order" {
			t.Errorf("the erased web/order event still counts: %+v", lc)
		}
	}
}

// TestAggregatesMigrationFillsExistingData opens a database made before
// the aggregate existed: the migration fills it from its events.
func TestAggregatesMigrationFillsExistingData(t *testing.T) {
	p := filepath.Join(t.TempDir(), "old.db")
	old, err := OpenMigrations(p, Migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	loadOne(t, old, "a.csv", []EventIn{{Customer: 1, Identity: 1, Time: 5, Dedup: 1}, {Customer: 1, Identity: 1, Time: 2 * 86400000, Dedup: 2},
		{Customer: 2, Identity: 2, Time: 7, Dedup: 3}})
	old.Close()
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !fresh(t, s) {
		t.Error("the migrated aggregate does not describe the data version")
	}
	c := checkAggregates(t, s, "after the migration")
	if c.Events != 3 || len(c.ByChannel) != 1 || len(c.ByDay) != 2 || c.Customers != 2 {
		t.Errorf("migrated aggregate %+v, want 3 events of 2 customers on 2 days", c)
	}
}

// benchCounts measures one way of reading the counts on the database named
// by WORKBENCH_BENCH_DB, or on 200,000 synthetic events.
func benchCounts(b *testing.B, read func(*Store, context.Context) (*Counts, error)) {
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
	for i := 0; i < b.N; i++ {
		if _, err := read(s, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCounts scans the events (store.Counts).
func BenchmarkCounts(b *testing.B) { benchCounts(b, (*Store).Counts) }

// BenchmarkAggregateCounts reads the aggregates (store.AggregateCounts).
func BenchmarkAggregateCounts(b *testing.B) { benchCounts(b, (*Store).AggregateCounts) }
