package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// keyLoad is one simulated load: the calls of ClaimEventKeys in order,
// and whether the transaction commits.
type keyLoad struct {
	calls  [][]uint64
	commit bool
}

// claimLoad runs one keyLoad on s as customer 1's events and checks
// every fresh[i] against the model: fresh = the key is neither in stored
// (the keys of committed loads) nor claimed before in this load. It
// returns the keys the load stored.
func claimLoad(t *testing.T, s *Store, name string, l keyLoad, stored map[uint64]bool) []uint64 {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/" + name, Name: name, Kind: "test", Checksum: name, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 {
		var have int
		if err := s.db.QueryRow("SELECT count(*) FROM identities").Scan(&have); err != nil {
			t.Fatal(err)
		}
		if have == 0 {
			if err := tx.AddIdentity(1, "email", "c1@example.com", 1, false, 1, 0); err != nil {
				t.Fatal(err)
			}
			if err := tx.PutCustomer(1, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	mine := map[uint64]bool{}
	var read, dup int64
	var added []uint64
	for ci, keys := range l.calls {
		fresh := make([]bool, len(keys))
		if err := tx.ClaimEventKeys(keys, fresh); err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			want := !stored[k] && !mine[k]
			if fresh[i] != want {
				t.Fatalf("%s call %d key %d (%d as int64): fresh %v, want %v", name, ci, k, int64(k), fresh[i], want)
			}
			read++
			if !fresh[i] {
				dup++
				continue
			}
			mine[k] = true
			added = append(added, k)
			seq := tx.NextSeq()
			if err := tx.AddClaimedEvent(&EventIn{Customer: 1, Identity: 1, Time: seq, Dedup: k}, seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !l.commit {
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		return nil
	}
	if err := tx.Finish(FinishStats{Kind: "test", Read: read, Loaded: read - dup, Duplicate: dup}); err != nil {
		t.Fatal(err)
	}
	for _, k := range added {
		stored[k] = true
	}
	return added
}

// storedKeys reads every key of event_key_runs, ascending, with the
// number of runs.
func storedKeys(t *testing.T, s *Store) ([]int64, int) {
	t.Helper()
	ctx := context.Background()
	runs, err := readKeyRuns(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	if err := mergeKeyRuns(runs, txRowReader(ctx, s.db), func(k int64) error { got = append(got, k); return nil }); err != nil {
		t.Fatal(err)
	}
	return got, len(runs)
}

func modelKeys(stored map[uint64]bool) []int64 {
	var want []int64
	for k := range stored {
		want = append(want, int64(k))
	}
	slices.Sort(want)
	return want
}

// ascendingCalls sorts keys as int64 and cuts them in calls of n.
func ascendingCalls(keys []uint64, n int) [][]uint64 {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b uint64) int { return cmpInt64(int64(a), int64(b)) })
	var calls [][]uint64
	for lo := 0; lo < len(keys); lo += n {
		calls = append(calls, keys[lo:min(lo+n, len(keys))])
	}
	return calls
}

// randomCalls cuts keys in calls of n, each sorted, in random order
// from one call to the next (as flushPending makes them).
func randomCalls(keys []uint64, n int) [][]uint64 {
	var calls [][]uint64
	for lo := 0; lo < len(keys); lo += n {
		c := slices.Clone(keys[lo:min(lo+n, len(keys))])
		slices.SortFunc(c, func(a, b uint64) int { return cmpInt64(int64(a), int64(b)) })
		calls = append(calls, c)
	}
	return calls
}

// TestClaimEventKeysModel runs simulated loads through ClaimEventKeys
// and checks every answer against a map of the committed keys, then
// the stored runs against the map and the store's consistency.
func TestClaimEventKeysModel(t *testing.T) {
	defer func(v int) { keyBufMax = v }(keyBufMax)
	r := rand.New(rand.NewPCG(1, 2))
	// draw returns n distinct new keys (all 64 bits: half are negative
	// as int64) and, mixed in, dups keys of pool.
	used := map[uint64]bool{}
	draw := func(n, dups int, pool []uint64) []uint64 {
		var out []uint64
		for len(out) < n {
			k := r.Uint64()
			if !used[k] {
				used[k] = true
				out = append(out, k)
			}
		}
		for i := 0; i < dups && len(pool) > 0; i++ {
			k := pool[r.IntN(len(pool))]
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	type step struct {
		name  string
		load  func(pool []uint64) keyLoad
		check func(t *testing.T, runs int)
	}
	asc := func(n, dups int) func([]uint64) keyLoad {
		return func(pool []uint64) keyLoad { return keyLoad{ascendingCalls(draw(n, dups, pool), 4096), true} }
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"ascending loads with duplicates across loads", []step{
			{"first", asc(6000, 0), func(t *testing.T, runs int) {
				if runs != 1 {
					t.Errorf("%d runs after one load, want 1", runs)
				}
			}},
			{"second", asc(5000, 3000), nil},
			{"same keys again", func(pool []uint64) keyLoad { return keyLoad{ascendingCalls(pool[:5000], 4096), true} }, func(t *testing.T, runs int) {
				if runs != 2 {
					t.Errorf("%d runs after a load of duplicates only, want 2 (it adds no run)", runs)
				}
			}},
			{"third", asc(5000, 5000), nil},
		}},
		{"rollback leaves the runs as they were", []step{
			{"first", asc(6000, 0), nil},
			{"rolled back", func(pool []uint64) keyLoad {
				return keyLoad{ascendingCalls(draw(7000, 2000, pool), 4096), false}
			}, nil},
			{"after the rollback", asc(3000, 3000), func(t *testing.T, runs int) {
				if runs != 2 {
					t.Errorf("%d runs, want 2 (the rolled back load left none)", runs)
				}
			}},
		}},
		{"calls that go backwards, and repeats across calls", []step{
			{"first", asc(5000, 0), nil},
			{"random order", func(pool []uint64) keyLoad {
				keys := draw(8000, 3000, pool)
				calls := randomCalls(keys, 256)
				// Repeat keys of earlier calls in later ones, and one
				// call not in order at all.
				calls = append(calls, slices.Clone(calls[3][:50]), []uint64{keys[7], keys[1], keys[9000], keys[7]})
				return keyLoad{calls, true}
			}, nil},
			{"ascending after", asc(4000, 6000), nil},
		}},
		{"a non-ascending load larger than the buffer", []step{
			{"big random", func(pool []uint64) keyLoad {
				keyBufMax = 2000 // restored below
				return keyLoad{randomCalls(draw(5*keyBufMax+500, 0, pool), 256), true}
			}, nil},
			{"duplicates of it", func(pool []uint64) keyLoad {
				keyBufMax = 1 << 16
				return keyLoad{randomCalls(draw(1000, 5000, pool), 300), true}
			}, nil},
		}},
		{"compaction keeps at most maxKeyRuns runs", func() []step {
			var steps []step
			for i := range maxKeyRuns + 3 {
				steps = append(steps, step{fmt.Sprint("load ", i), asc(700, 200), func(t *testing.T, runs int) {
					if runs > maxKeyRuns {
						t.Errorf("%d runs, want at most %d", runs, maxKeyRuns)
					}
					if i == maxKeyRuns && runs != 1 {
						t.Errorf("after load %d: %d runs, want 1 (compacted)", i, runs)
					}
				}})
			}
			return steps
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := tempStore(t)
			stored := map[uint64]bool{}
			var pool []uint64
			for i, st := range c.steps {
				before, _ := storedKeys(t, s)
				l := st.load(pool)
				added := claimLoad(t, s, fmt.Sprint(c.name, i), l, stored)
				pool = append(pool, added...)
				got, runs := storedKeys(t, s)
				if want := modelKeys(stored); !slices.Equal(got, want) {
					t.Fatalf("%s: runs hold %d keys, the model %d", st.name, len(got), len(want))
				}
				if !l.commit && !slices.Equal(got, before) {
					t.Fatalf("%s: a rolled back load changed the runs", st.name)
				}
				if st.check != nil {
					st.check(t, runs)
				}
				if bad, err := s.CheckConsistency(context.Background()); err != nil || bad != "" {
					t.Fatalf("%s: consistency %q, %v", st.name, bad, err)
				}
			}
		})
	}
}

// TestEraseRemovesEventKeys erases a customer whose events' keys sit in
// two runs, among another customer's keys, including the first key of
// a row: exactly those keys leave the runs.
func TestEraseRemovesEventKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := tempStore(t)
	var ev1, ev2 []EventIn
	for i := range 6000 {
		// Customer 1 gets every third key (the smallest of the load among
		// them), customer 2 the others; negative keys too.
		k := uint64(int64(i*7919 - 20000000))
		e := EventIn{Customer: 2, Identity: 2, Time: int64(i), Dedup: k}
		if i%3 == 0 {
			e.Customer, e.Identity = 1, 1
		}
		if i < 3000 {
			ev1 = append(ev1, e)
		} else {
			ev2 = append(ev2, e)
		}
	}
	loadOne(t, s, "a.csv", ev1)
	// b.csv: more events of the same identities.
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/b.csv", Name: "b.csv", Kind: "test", Checksum: "b", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ev2 {
		if err := tx.AddEvent(&ev2[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Finish(FinishStats{Kind: "test", Read: int64(len(ev2)), Loaded: tx.Loaded, Duplicate: tx.Duplicate}); err != nil {
		t.Fatal(err)
	}
	if _, runs := storedKeys(t, s); runs != 2 {
		t.Fatalf("%d runs before the erase, want 2", runs)
	}
	var want []int64
	for _, e := range append(ev1, ev2...) {
		if e.Customer == 2 {
			want = append(want, int64(e.Dedup))
		}
	}
	slices.Sort(want)
	rep, err := s.Erase(ctx, "anonymous_id:a.csv"+string(rune('a'+1)), false) // loadOne's value of identity 1
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 2000 {
		t.Errorf("erase report: %d events, want 2000", rep.Events)
	}
	got, runs := storedKeys(t, s)
	if !slices.Equal(got, want) || runs != 2 {
		t.Errorf("after the erase: %d keys in %d runs, want %d in 2", len(got), runs, len(want))
	}
	if bad, err := s.CheckConsistency(ctx); err != nil || bad != "" {
		t.Errorf("consistency after the erase: %q, %v", bad, err)
	}
}

// TestMigrateEventKeysFromV4 makes a database at schema version 4 (keys
// in event_keys, claimed by the version 4 statements), opens it with the
// current code and checks that its keys became run 1, 4096 a row, in
// order, and still find duplicates.
func TestMigrateEventKeysFromV4(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "v4.db")
	var v4 []Migration
	for _, m := range Migrations {
		if m.Version <= 4 {
			v4 = append(v4, m)
		}
	}
	old, err := OpenMigrations(p, v4)
	if err != nil {
		t.Fatal(err)
	}
	var evs []EventIn
	for i := range 9000 {
		evs = append(evs, EventIn{Customer: 1, Identity: 1, Time: int64(i), Dedup: uint64(i) * 0x9E3779B97F4A7C15})
	}
	evs = append(evs, evs[5]) // a duplicate within the file
	loadOne(t, old, "a.csv", evs)
	if bad, err := old.CheckConsistency(ctx); err != nil || bad != "" {
		t.Fatalf("version 4 database: consistency %q, %v", bad, err)
	}
	old.Close()

	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var tables int
	if err := s.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'event_keys'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("event_keys still there after the migration (%d, %v)", tables, err)
	}
	var want []int64
	for _, e := range evs[:9000] {
		want = append(want, int64(e.Dedup))
	}
	slices.Sort(want)
	got, runs := storedKeys(t, s)
	if !slices.Equal(got, want) || runs != 1 {
		t.Errorf("migrated: %d keys in %d runs, want %d in 1", len(got), runs, len(want))
	}
	var rows, full int
	if err := s.db.QueryRow("SELECT count(*), sum(length(keys) = 8*4096) FROM event_key_runs WHERE run = 1").Scan(&rows, &full); err != nil || rows != 3 || full != 2 {
		t.Errorf("migrated rows: %d, %d of 4096 keys (err %v); want 3, 2", rows, full, err)
	}
	if bad, err := s.CheckConsistency(ctx); err != nil || bad != "" {
		t.Fatalf("migrated: consistency %q, %v", bad, err)
	}
	stored := map[uint64]bool{}
	for _, e := range evs {
		stored[e.Dedup] = true
	}
	claimLoad(t, s, "b.csv", keyLoad{ascendingCalls(append([]uint64{1, 2, 3}, evs[100].Dedup, evs[8999].Dedup, evs[0].Dedup), 4096), true}, stored)
	if got, _ := storedKeys(t, s); len(got) != 9003 {
		t.Errorf("after a load of 3 new keys and 3 stored: %d keys, want 9003", len(got))
	}
}

// TestCheckConsistencyCatchesEventKeyDamage damages the runs or the
// events in the ways that matter and expects CheckConsistency to say so.
func TestCheckConsistencyCatchesEventKeyDamage(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"an event without its key", `UPDATE event_key_runs SET keys = substr(keys, 1, length(keys) - 8) WHERE run = 1 AND first = (SELECT max(first) FROM event_key_runs WHERE run = 1)`,
			"1 events without their de-duplication key"},
		{"a key without its event", `DELETE FROM events WHERE seq IN (SELECT seq FROM events LIMIT 2)`, "2 event keys without their event"},
		{"a key in two runs", `INSERT INTO event_key_runs(run, first, keys) SELECT 9, first, substr(keys, 1, 8) FROM event_key_runs WHERE run = 1 LIMIT 1`,
			"1 event keys without their event"},
		{"a row out of order", `UPDATE event_key_runs SET keys = substr(keys, 9, 8) || substr(keys, 1, 8) || substr(keys, 17) WHERE run = 1 AND first = (SELECT min(first) FROM event_key_runs WHERE run = 1)`,
			"is not an ascending run of keys"},
		{"a torn blob", `UPDATE event_key_runs SET keys = substr(keys, 1, 13) WHERE run = 1 AND first = (SELECT min(first) FROM event_key_runs WHERE run = 1)`,
			"not a positive multiple of 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := tempStore(t)
			var evs []EventIn
			for i := range 5000 {
				evs = append(evs, EventIn{Customer: 1, Identity: 1, Time: int64(i), Dedup: uint64(i) * 0x9E3779B97F4A7C15})
			}
			loadOne(t, s, "a.csv", evs)
			if bad, err := s.CheckConsistency(ctx); err != nil || bad != "" {
				t.Fatalf("before the damage: %q, %v", bad, err)
			}
			if _, err := s.db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			bad, err := s.CheckConsistency(ctx)
			if err != nil || !strings.Contains(bad, c.want) {
				t.Errorf("CheckConsistency = %q, %v; want it to say %q", bad, err, c.want)
			}
		})
	}
}

// BenchmarkClaimEventKeys claims 200,000 new keys in ascending calls of
// 4096 against four stored runs of 200,000 keys, the way a load of one
// file does (ns/op is per key).
func BenchmarkClaimEventKeys(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	calls := func() [][]uint64 {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = r.Uint64()
		}
		return ascendingCalls(keys, 4096)
	}
	claim := func(calls [][]uint64, commit bool) {
		tx, err := s.BeginLoad(ctx, SourceInfo{Name: "x", Checksum: "x"})
		if err != nil {
			b.Fatal(err)
		}
		fresh := make([]bool, 4096)
		for _, c := range calls {
			if err := tx.ClaimEventKeys(c, fresh); err != nil {
				b.Fatal(err)
			}
		}
		if commit {
			if err := tx.finishKeys(); err != nil {
				b.Fatal(err)
			}
			if err := tx.tx.Commit(); err != nil {
				b.Fatal(err)
			}
		} else {
			tx.Rollback()
		}
	}
	for range 4 {
		claim(calls(), true)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := calls()
		b.StartTimer()
		claim(c, false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}

// ExampleWriteTx_ClaimEventKeys loads two files whose events share keys
// 2 and 3: the second load finds them stored and claims only key 4.
func ExampleWriteTx_ClaimEventKeys() {
	dir, err := os.MkdirTemp("", "claims")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s, err := Open(filepath.Join(dir, "w.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, keys := range [][]uint64{{1, 2, 3}, {2, 3, 4}} {
		tx, err := s.BeginLoad(context.Background(), SourceInfo{Name: "f.csv", Checksum: fmt.Sprint(keys)})
		if err != nil {
			panic(err)
		}
		fresh := make([]bool, len(keys))
		if err := tx.ClaimEventKeys(keys, fresh); err != nil {
			panic(err)
		}
		var dup int64
		for i, k := range keys {
			if !fresh[i] {
				dup++
				continue
			}
			seq := tx.NextSeq()
			if err := tx.AddClaimedEvent(&EventIn{Customer: 1, Identity: 1, Time: seq, Dedup: k}, seq); err != nil {
				panic(err)
			}
		}
		tx.AddDuplicates(dup)
		if err := tx.Flush(); err != nil {
			panic(err)
		}
		if err := tx.Finish(FinishStats{Read: int64(len(keys)), Loaded: tx.Loaded, Duplicate: tx.Duplicate}); err != nil {
			panic(err)
		}
		fmt.Println(keys, fresh)
	}
	// Output:
	// [1 2 3] [true true true]
	// [2 3 4] [false false true]
}
