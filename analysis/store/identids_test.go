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
