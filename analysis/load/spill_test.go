package load

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// TestSorterMatchesSort checks the external sort against slices.SortFunc:
// with budgets from "everything in memory" to "a run every few items"
// (runs on disk, merged with the items left in memory) the merge yields
// exactly the sorted sequence, equal keys in seq order.
func TestSorterMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in []spEvent
	for i := range 3000 {
		in = append(in, spEvent{cust: uint32(rng.IntN(50)), ident: uint32(rng.IntN(99)), ts: int64(rng.IntN(40)) - 20, seq: int64(i),
			ch: uint32(rng.IntN(3)), hasRev: i%3 == 0, rev: float64(i) / 7, line: int64(i + 2), dedup: rng.Uint64(),
			props: fmt.Sprintf(`{"i":"%d"}`, i)[:rng.IntN(8)]})
		if !in[i].hasRev {
			in[i].rev = 0 // only a revenue that is there is kept
		}
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b spEvent) int { return cmpEvent(&a, &b) })
	for _, tc := range []struct {
		name    string
		budget  int
		minRuns int
	}{
		{"in memory", 1 << 30, 0},
		{"a few runs", 3000 * 100 / 4, 3},
		{"many runs", 1000, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sorter[spEvent]{dir: t.TempDir(), budget: tc.budget, cmp: cmpEvent, size: (*spEvent).size, enc: appendEvent, dec: decodeEvent}
			defer s.close()
			for _, e := range in {
				if err := s.add(e); err != nil {
					t.Fatal(err)
				}
			}
			if len(s.runs) < tc.minRuns {
				t.Fatalf("%d runs, want at least %d", len(s.runs), tc.minRuns)
			}
			var got []spEvent
			if err := s.merge(func(e *spEvent) error { got = append(got, *e); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("merged %d items, not the sorted input (first: %+v, want %+v)", len(got), got[0], want[0])
			}
		})
	}
}

// TestSorterByValue checks the in-place sort of small items (cmpVal, used
// for the de-duplication keys) against slices.SortFunc, in memory and
// with runs on disk, equal keys in seq order.
func TestSorterByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var in []keySeq
	for i := range 5000 {
		in = append(in, keySeq{key: int64(rng.Uint64() % 700), seq: int64(i)})
		if i%5 == 0 {
			in[i].key = -in[i].key // keys are signed as SQLite stores them
		}
	}
	rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	want := slices.Clone(in)
	slices.SortStableFunc(want, func(a, b keySeq) int { return cmp.Compare(a.key, b.key) })
	for i := 1; i < len(want); i++ { // equal keys: seq order, as cmpKeySeq
		for j := i; j > 0 && want[j].key == want[j-1].key && want[j].seq < want[j-1].seq; j-- {
			want[j], want[j-1] = want[j-1], want[j]
		}
	}
	for _, budget := range []int{1 << 30, 16 * 700} {
		s := &sorter[keySeq]{dir: t.TempDir(), budget: budget, cmp: cmpKeySeq, cmpVal: cmpKeySeqVal, size: func(*keySeq) int { return 16 }, enc: appendKeySeq, dec: decodeKeySeq}
		for _, k := range in {
			if err := s.add(k); err != nil {
				t.Fatal(err)
			}
		}
		var got []keySeq
		if err := s.merge(func(k *keySeq) error { got = append(got, *k); return nil }); err != nil {
			t.Fatal(err)
		}
		s.close()
		if !slices.Equal(got, want) {
			t.Errorf("budget %d: merged %d keys, not in (key, seq) order", budget, len(got))
		}
	}
}

// TestSpoolMemoryThenFile writes records past the spool's memory limit and
// reads every one back in order.
func TestSpoolMemoryThenFile(t *testing.T) {
	for _, limit := range []int{1 << 20, 100} {
		sp := &spool{dir: t.TempDir(), limit: limit}
		var want [][]byte
		for i := range 500 {
			rec := []byte(fmt.Sprintf("record %d %s", i, string(make([]byte, i%37))))
			want = append(want, rec)
			if err := sp.write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if onDisk := sp.f != nil; onDisk != (limit == 100) {
			t.Errorf("limit %d: on disk = %v", limit, onDisk)
		}
		rr, err := sp.reader()
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			got, err := rr.next()
			if err != nil || string(got) != string(w) {
				t.Fatalf("limit %d: record %d = %q, %v; want %q", limit, i, got, err, w)
			}
		}
		if _, err := rr.next(); err == nil {
			t.Errorf("limit %d: a record after the last", limit)
		}
		sp.close()
	}
}

// TestLoadDuplicatesWithSpilledSort loads two event files whose sort
// runs spill to disk (a tiny SortMemory) and the same files with
// everything in memory: the first file repeats some of its own keys, the
// second repeats half of the first's and links cookies to logins, which
// moves customers. The duplicate counts must equal the ones computed
// from the generated keys (the first row of a key is kept), the stored
// events must be the same under both budgets, and a customer's events
// come in (time, seq) order.
func TestLoadDuplicatesWithSpilledSort(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f1 := writeFile(dir, "a.jsonl", "a")
	f2 := writeFile(dir, "b.jsonl", "b")
	rng := rand.New(rand.NewPCG(7, 8))
	ff := fakeFiles{}
	seen := map[string]bool{}
	var wantDup [2]int64
	var wantRead [2]int64
	for fi, f := range []string{f1, f2} {
		for line := int64(1); line <= 1500; line++ {
			var key string
			switch {
			case fi == 0 && line > 1200:
				key = fmt.Sprintf("m%d", rng.IntN(1200)) // repeats within the file
			case fi == 1 && line <= 600:
				key = fmt.Sprintf("m%d", rng.IntN(1200)) // repeats the first file
			default:
				key = fmt.Sprintf("f%d-%d", fi, line)
			}
			if seen[key] {
				wantDup[fi]++
			}
			seen[key] = true
			wantRead[fi]++
			c := rng.IntN(200)
			ids := []ingest.Identifier{id(anon, fmt.Sprintf("k%d", c))}
			if fi == 1 && c%3 == 0 {
				ids = append(ids, id(crm, fmt.Sprintf("C%d", c/6)))
			}
			r := ev(line, key, int64(rng.IntN(50)), "web", "page", ids...)
			r.Props = map[string]string{"path": fmt.Sprintf("/p%d", line%7)}
			ff[f] = append(ff[f], r)
		}
	}
	type row struct {
		store.EventRow
	}
	loadAll := func(mem int) ([]store.SourceStats, []row) {
		st := openStore(t)
		l := New(st)
		l.Open = ff.open
		l.SortMemory = mem
		l.TempDir = t.TempDir()
		var srcs []store.SourceStats
		for _, f := range []string{f1, f2} {
			rep, err := l.Load(ctx, f, ingest.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Source
			s.StartedMs, s.FinishedMs = 0, 0
			srcs = append(srcs, s)
		}
		var rows []row
		if err := st.ScanEvents(ctx, func(e *store.EventRow) error { rows = append(rows, row{*e}); return nil }); err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, st)
		return srcs, rows
	}
	srcMem, rowsMem := loadAll(0)
	srcDisk, rowsDisk := loadAll(600)
	for i, s := range srcMem {
		if s.Read != wantRead[i] || s.Duplicate != wantDup[i] || s.Loaded != wantRead[i]-wantDup[i] || s.Rejected != 0 {
			t.Errorf("file %d: read %d loaded %d duplicate %d rejected %d; want read %d, duplicate %d",
				i+1, s.Read, s.Loaded, s.Duplicate, s.Rejected, wantRead[i], wantDup[i])
		}
		if s != srcDisk[i] {
			t.Errorf("file %d: in memory %+v, spilled %+v", i+1, s, srcDisk[i])
		}
	}
	if wantDup[0] == 0 || wantDup[1] == 0 {
		t.Fatalf("the generated files have no duplicates to find: %v", wantDup)
	}
	if !slices.Equal(rowsMem, rowsDisk) {
		t.Errorf("stored events differ: %d in memory, %d spilled", len(rowsMem), len(rowsDisk))
	}
	for i := 1; i < len(rowsMem); i++ {
		a, b := rowsMem[i-1], rowsMem[i]
		if a.Customer == b.Customer && (a.Time > b.Time || a.Time == b.Time && a.Seq >= b.Seq) {
			t.Fatalf("customer %d: (ts %d, seq %d) before (ts %d, seq %d)", a.Customer, a.Time, a.Seq, b.Time, b.Seq)
		}
	}
}
