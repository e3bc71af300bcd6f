package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestAddIdentityIDs checks both ways AddIdentity inserts: ids that
// continue the table one by one (numbered by SQLite and checked), and ids
// out of step (a gap, or a first id that does not follow the largest),
// which are inserted as given. Every identity must end up with the id the
// caller chose, in every mix of the two, over several transactions and
// more than one statement's worth of rows.
func TestAddIdentityIDs(t *testing.T) {
	s, _ := tempStore(t)
	ctx := context.Background()
	want := map[int64]string{}
	load := func(name string, ids []int64) {
		t.Helper()
		tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/" + name, Name: name, Kind: "test", Checksum: name, Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			v := fmt.Sprintf("%s-%d", name, id)
			if err := tx.AddIdentity(id, "email", v, id, false, id, 0); err != nil {
				t.Fatal(err)
			}
			want[id] = v
		}
		if err := tx.Finish(FinishStats{Kind: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	seq := func(from, n int64) []int64 {
		var out []int64
		for i := range n {
			out = append(out, from+i)
		}
		return out
	}
	load("a", seq(1, BatchRows*2+7))                                     // contiguous from an empty table
	load("b", seq(BatchRows*2+8, 300))                                   // contiguous after the stored ones
	load("c", append(seq(BatchRows*2+308, 10), seq(5000, BatchRows)...)) // a gap half way
	load("d", seq(6000, 20))                                             // a first id that does not follow
	rows, err := s.db.QueryContext(ctx, "SELECT id, value FROM identities")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if want[id] != v {
			t.Errorf("identity %d is %q, want %q", id, v, want[id])
		}
		n++
	}
	if n != len(want) {
		t.Errorf("%d identities stored, want %d", n, len(want))
	}
}

// TestAddIdentityDuplicateFails checks that an identity whose (type,
// value) is already stored makes the load fail (and roll back) on both
// insert paths, instead of being dropped.
func TestAddIdentityDuplicateFails(t *testing.T) {
	for _, id := range []int64{2, 10} { // 2 follows the stored id 1; 10 does not
		s, _ := tempStore(t)
		ctx := context.Background()
		tx, _ := s.BeginLoad(ctx, SourceInfo{Path: "/x/a", Name: "a", Kind: "test", Checksum: "a", Size: 1})
		if err := tx.AddIdentity(1, "email", "x@example.com", 1, false, 1, 0); err != nil {
			t.Fatal(err)
		}
		if err := tx.Finish(FinishStats{Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		tx, _ = s.BeginLoad(ctx, SourceInfo{Path: "/x/b", Name: "b", Kind: "test", Checksum: "b", Size: 1})
		err := tx.AddIdentity(id, "email", "x@example.com", id, false, 1, 0)
		if err == nil {
			err = tx.Flush()
		}
		if err == nil || !strings.Contains(err.Error(), "UNIQUE") {
			t.Errorf("id %d: a repeated identity gave %v, want a UNIQUE constraint error", id, err)
		}
		tx.Rollback()
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM identities").Scan(&n); err != nil || n != 1 {
			t.Errorf("id %d: %d identities after the failed load (%v), want 1", id, n, err)
		}
	}
}

// TestSourceColumn checks that the source id, written into the batched
// statements as a constant, is each row's own source: two loads, each
// with more than a statement's worth of events and identities.
func TestSourceColumn(t *testing.T) {
	s, _ := tempStore(t)
	ctx := context.Background()
	mk := func(first, n int64) []EventIn {
		var ev []EventIn
		for i := range n {
			ev = append(ev, EventIn{Customer: first + i%300, Identity: first + i%300, Time: 1000 + i, Dedup: uint64(first*1_000_000 + i), Line: i + 2})
		}
		return ev
	}
	a := loadOne(t, s, "a", mk(1, BatchRows*3+5))
	b := loadOne(t, s, "b", mk(301, BatchRows+9))
	for _, q := range []struct {
		sql  string
		want map[int64]int
	}{
		{"SELECT source_id, count(*) FROM events GROUP BY 1", map[int64]int{a: BatchRows*3 + 5, b: BatchRows + 9}},
		{"SELECT first_source_id, count(*) FROM identities GROUP BY 1", map[int64]int{a: 300, b: BatchRows + 9}},
	} {
		rows, err := s.db.QueryContext(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int{}
		for rows.Next() {
			var src int64
			var n int
			if err := rows.Scan(&src, &n); err != nil {
				t.Fatal(err)
			}
			got[src] = n
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(q.want) {
			t.Errorf("%s: %v, want %v", q.sql, got, q.want)
		}
	}
}
