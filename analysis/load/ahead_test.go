package load

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// dumpTables returns every loaded table of the database at path as text,
// one line per row in a fixed order, leaving out the columns that record
// when a load ran.
func dumpTables(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := map[string]string{
		"sources":      "SELECT id, name, kind, checksum, size, rows_read, rows_loaded, rows_rejected, rows_duplicate, status, notes FROM sources ORDER BY id",
		"events":       "SELECT * FROM events ORDER BY customer_id, ts, seq",
		"identities":   "SELECT * FROM identities ORDER BY id",
		"links":        "SELECT * FROM links ORDER BY a, b",
		"customers":    "SELECT id, identities FROM customers ORDER BY id",
		"profile_rows": "SELECT id, identity_id, source_id, line, traits, dedup FROM profile_rows ORDER BY id",
		"consents":     "SELECT * FROM consents ORDER BY identity_id, channel, ts",
		"labels":       "SELECT * FROM labels ORDER BY id",
		"decisions":    "SELECT * FROM decisions ORDER BY id",
		"rejects":      "SELECT * FROM rejects ORDER BY id",
	}
	out := map[string][]string{}
	for name, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				if s, ok := v.([]byte); ok {
					v = string(s)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			out[name] = append(out[name], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// TestReadAheadLoadsTheSame loads every export of the default sample
// twice, once file by file and once with the files after the first read
// ahead (spools forced to disk, and a disk budget so small that every
// read-ahead waits for its load), and requires identical tables and
// reports. A second pass with read-ahead over the loaded database reads
// nothing ahead (every file is already loaded).
func TestReadAheadLoadsTheSame(t *testing.T) {
	ctx := context.Background()
	files := exports(t, defaultSample(t))
	defer func(m int, d int64) { aheadMemory, AheadDisk = m, d }(aheadMemory, AheadDisk)
	aheadMemory, AheadDisk = 64<<10, 256<<10

	loadAll := func(ahead bool) (string, []Report) {
		path := filepath.Join(t.TempDir(), "w.db")
		st, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		l := New(st)
		l.TempDir = t.TempDir()
		if ahead {
			l.Prefetch(ctx, files[1:], ingest.Options{})
		}
		var reps []Report
		taken := 0
		for _, f := range files {
			if ahead && l.aheads != nil && len(l.aheads.list) > 0 && l.aheads.list[0].path == f {
				taken++
			}
			rep, err := l.Load(ctx, f, ingest.Options{}, nil)
			if err != nil {
				t.Fatalf("load %s (read-ahead %v): %v", f, ahead, err)
			}
			rep.Elapsed, rep.Stitch.Elapsed = 0, 0
			rep.Source.StartedMs, rep.Source.FinishedMs = 0, 0
			reps = append(reps, rep)
		}
		if ahead {
			if n := len(l.aheads.list); n != 0 {
				t.Errorf("%d read-aheads left queued", n)
			}
			if taken != len(files)-1 {
				t.Errorf("%d files read ahead, want %d", taken, len(files)-1)
			}
			l.Prefetch(ctx, files[1:], ingest.Options{})
			for _, f := range files {
				rep, err := l.Load(ctx, f, ingest.Options{}, nil)
				if err != nil || !rep.AlreadyLoaded {
					t.Fatalf("second load of %s: already loaded %v, err %v", f, rep.AlreadyLoaded, err)
				}
			}
			if n := len(l.aheads.list); n != 0 {
				t.Errorf("second pass: %d read-aheads left queued", n)
			}
		}
		checkConsistent(t, st)
		return path, reps
	}
	direct, repsDirect := loadAll(false)
	ahead, repsAhead := loadAll(true)
	for i := range repsDirect {
		if !reflect.DeepEqual(repsDirect[i], repsAhead[i]) {
			t.Errorf("%s: report without read-ahead %+v, with %+v", files[i], repsDirect[i], repsAhead[i])
		}
	}
	a, b := dumpTables(t, direct), dumpTables(t, ahead)
	for name, rows := range a {
		if len(rows) == 0 && name != "links" {
			t.Errorf("%s: no rows loaded", name)
		}
		other := b[name]
		if len(rows) != len(other) {
			t.Errorf("%s: %d rows without read-ahead, %d with", name, len(rows), len(other))
			continue
		}
		for i := range rows {
			if rows[i] != other[i] {
				t.Errorf("%s row %d: without read-ahead %s, with %s", name, i, rows[i], other[i])
				break
			}
		}
	}
}

// TestReadAheadDiscarded covers the ways a read-ahead is not used: a
// load of a file that was not read ahead (the queue stays for later), a
// load with other options, and a read-ahead cancelled before its load.
// Each load must still load the whole file.
func TestReadAheadDiscarded(t *testing.T) {
	ctx := context.Background()
	files := exports(t, defaultSample(t))
	st := openStore(t)
	l := New(st)
	l.TempDir = t.TempDir()
	check := func(f string) {
		t.Helper()
		rep, err := l.Load(ctx, f, ingest.Options{}, nil)
		if err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
		if s := rep.Source; rep.AlreadyLoaded || s.Read == 0 || s.Read != s.Loaded+s.Rejected+s.Duplicate {
			t.Errorf("%s: %+v", f, rep)
		}
	}
	// Read ahead the last two files, load the first: the queue stays.
	l.Prefetch(ctx, files[len(files)-2:], ingest.Options{})
	check(files[0])
	if n := len(l.aheads.list); n != 2 {
		t.Errorf("%d files queued after the load of another file, want 2", n)
	}
	// Other options.
	l.Prefetch(ctx, files[1:2], ingest.Options{DateOrder: "dmy"})
	check(files[1])
	// Cancelled.
	cctx, cancel := context.WithCancel(ctx)
	l.Prefetch(cctx, files[2:3], ingest.Options{})
	cancel()
	check(files[2])
	checkConsistent(t, st)
}

// TestPreparedRoundTrip encodes and decodes prepared rows of every kind
// (valid events, profile rows with consents, decisions, row errors and
// invalid rows) and requires the fields a load reads back unchanged.
func TestPreparedRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	items := []prepared{
		{offset: 10, rowErr: &ingest.RowError{File: "f.csv", Line: 3, Reason: "bad quote", Raw: "a,\"b"}},
		{offset: 20, why: "no identifier", whyRaw: `{"Kind":1}`, rec: ingest.Record{Line: 4}},
		{offset: 30, props: `{"path":"/x"}`, dedup: rng.Uint64(), rec: ingest.Record{Kind: ingest.KindEvent, Line: 5, Time: -1234567,
			IDs: []ingest.Identifier{id(anon, "k1"), id(crm, "C1")}, LinkReason: "identify", Channel: "web", Type: "page", Campaign: "",
			Revenue: -0.5, HasRevenue: true}},
		{offset: 40, props: `{"first_name":"Ann"}`, dedup: rng.Uint64(), rec: ingest.Record{Kind: ingest.KindProfile, Line: 6, Time: 99,
			IDs: []ingest.Identifier{id(crm, "C2"), id(email, "é@x.com")}, LinkReason: "crm row", Consents: map[string]bool{"email": true, "sms": false}}},
		{offset: 50, dec: &store.DecisionIn{Identity: 0, Time: 7, Key: "d1", Trigger: "t", Context: `{"seg":"a"}`, Action: "email",
			Propensity: 0.25, Reward: 1, Converted: true, Revenue: 12.5, Cost: 0.1, Line: 8, Dedup: 42},
			rec: ingest.Record{Kind: ingest.KindDecision, Line: 8, Time: 7, IDs: []ingest.Identifier{id(crm, "C3")}}},
	}
	for i := range items {
		want := items[i]
		b := appendPrepared(nil, &want)
		var got prepared
		if err := decodePrepared(b, &got); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got, want)
		}
		for cut := range len(b) - 1 {
			var p prepared
			if err := decodePrepared(b[:cut], &p); err == nil && cut < len(b)-1 {
				// A record cut short must not decode silently, unless
				// only trailing zero-valued fields were lost — which
				// the format does not allow (every record ends in a
				// tag or a fixed-size field).
				t.Errorf("item %d: a record cut at %d of %d bytes decoded", i, cut, len(b))
				break
			}
		}
	}
}
