package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// dbMutex is sqlite3_db_mutex of conn's SQLite handle.
func dbMutex(t *testing.T, conn *sql.Conn) uintptr {
	t.Helper()
	db, err := connHandle(conn)
	if err != nil {
		t.Fatal(err)
	}
	tls := libc.NewTLS()
	defer tls.Close()
	return sqlite3.Xsqlite3_db_mutex(tls, db)
}

// TestSerialOff checks that a write transaction's connection runs without
// SQLite's connection mutex while the transaction holds it, and gets the
// very same mutex back when the transaction ends. It fails when a new
// driver version no longer lets serialOff reach the handle (the load
// would then still be correct, only slower).
func TestSerialOff(t *testing.T) {
	s, _ := tempStore(t)
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := dbMutex(t, conn)
	if before == 0 {
		t.Fatal("the driver's connection has no mutex: serialOff has nothing to do")
	}
	raw, err := openRaw(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.close()
	restore, ok := raw.serialOff(conn)
	if !ok {
		t.Fatal("serialOff did not find the handle's mutex where sqlite3_db_mutex reports it")
	}
	if got := dbMutex(t, conn); got != 0 {
		t.Errorf("mutex while off: %#x, want 0", got)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	restore()
	if got := dbMutex(t, conn); got != before {
		t.Errorf("mutex after restore: %#x, want %#x", got, before)
	}

	conn.Close()

	// A write transaction turns it off and on again. With one connection
	// in the pool, the next one handed out is the transaction's.
	s.db.SetMaxOpenConns(1)
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/a", Name: "a", Kind: "test", Checksum: "a", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := dbMutex(t, tx.conn); got != 0 {
		t.Errorf("mutex of a write transaction's connection: %#x, want 0", got)
	}
	if err := tx.Finish(FinishStats{Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	conn, err = s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := dbMutex(t, conn); got == 0 {
		t.Error("the connection went back to the pool without its mutex")
	}
}

// BenchmarkInsertEvents inserts b.N events of realistic size in customer
// order (AddClaimedEvent, one transaction), with SQLite's connection mutex
// as the driver opens it ("mutex") and without it ("serial-off", what a
// load does).
func BenchmarkInsertEvents(b *testing.B) {
	for _, mode := range []struct {
		name string
		off  bool
	}{{"mutex", false}, {"serial-off", true}} {
		b.Run(mode.name, func(b *testing.B) {
			defer func(v bool) { serialOffEnabled = v }(serialOffEnabled)
			serialOffEnabled = mode.off
			s, _ := tempStore(b)
			tx, err := s.BeginLoad(context.Background(), SourceInfo{Path: "/x/a", Name: "a", Kind: "test", Checksum: "a", Size: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer tx.Rollback()
			props := `{"page":"/products/shoes/running","referrer":"https://www.example.com/search?q=shoes","device":"mobile"}`
			b.ResetTimer()
			for i := range b.N {
				e := EventIn{Customer: int64(i / 20), Identity: int64(i / 15), Time: 1_700_000_000_000 + int64(i%20)*60_000,
					Channel: 1, Type: 2 + int64(i%3), Campaign: 5, Revenue: 9.5, HasRevenue: i%7 == 0, Props: props, Line: int64(i + 2), Dedup: uint64(i) * 0x9e3779b97f4a7c15}
				if err := tx.AddClaimedEvent(&e, int64(i+1)); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Flush(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// TestRawExecValues checks that the batched statements store each kind of
// cell as the driver would: an empty text as an empty string (not NULL), a text with a
// NUL byte or bytes that are not UTF-8 byte for byte, a text larger than
// the first C buffer, reals, large integers and NULL; and that a failing
// statement reports SQLite's message.
func TestRawExecValues(t *testing.T) {
	s, _ := tempStore(t)
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/a", Name: "a", Kind: "test", Checksum: "a", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("é", 100_000) // 200,000 bytes
	texts := []string{"", "a\x00b", "\xff\xfe", big, "plain"}
	for i, txt := range texts {
		if err := tx.AddReject(int64(i+1), "reason", txt, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	e := EventIn{Customer: 1 << 40, Identity: 7, Time: -62_135_596_800_000, Channel: 1, Type: 2, Campaign: 3, Revenue: -0.125, HasRevenue: true, Line: 9, Dedup: 1<<63 + 5}
	if err := tx.AddClaimedEvent(&e, 1); err != nil {
		t.Fatal(err)
	}
	e2 := EventIn{Customer: 2, Identity: 8, Time: 5, Channel: 1, Type: 2, Campaign: 3, Line: 10, Dedup: 6}
	if err := tx.AddClaimedEvent(&e2, 2); err != nil {
		t.Fatal(err)
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, want := range texts {
		var got string
		var isNull bool
		if err := tx.tx.QueryRowContext(ctx, "SELECT raw, raw IS NULL FROM rejects WHERE line = ?", i+1).Scan(&got, &isNull); err != nil {
			t.Fatal(err)
		}
		if got != want || isNull {
			t.Errorf("reject %d: raw of %d bytes (null %v), want %d bytes %q…", i+1, len(got), isNull, len(want), want[:min(len(want), 8)])
		}
	}
	var cust, ts, dedup int64
	var rev sql.NullFloat64
	var props sql.NullString
	if err := tx.tx.QueryRowContext(ctx, "SELECT customer_id, ts, revenue, props, dedup FROM events WHERE seq = 1").Scan(&cust, &ts, &rev, &props, &dedup); err != nil {
		t.Fatal(err)
	}
	if cust != e.Customer || ts != e.Time || !rev.Valid || rev.Float64 != e.Revenue || props.Valid || uint64(dedup) != e.Dedup {
		t.Errorf("event 1 = customer %d ts %d revenue %v props %v dedup %d; want %d %d %v NULL %d", cust, ts, rev, props, uint64(dedup), e.Customer, e.Time, e.Revenue, e.Dedup)
	}
	if err := tx.tx.QueryRowContext(ctx, "SELECT revenue FROM events WHERE seq = 2").Scan(&rev); err != nil || rev.Valid {
		t.Errorf("event 2 revenue = %v (%v), want NULL", rev, err)
	}
	// The same identity twice: SQLite's constraint message reaches the caller.
	for range 2 {
		err = tx.AddIdentity(1, "email", "a@example.com", 1, false, 1, 0)
	}
	if err == nil {
		err = tx.Flush()
	}
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: identities") {
		t.Errorf("a repeated identity gave %v, want SQLite's UNIQUE constraint message", err)
	}
	tx.Rollback()
}
