package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// eventKeyRunsV5 replaces the table event_keys (one row per stored key)
// with event_key_runs: the keys of each load form a run, an ascending
// (as int64) sequence of distinct keys, stored as rows of up to
// eventKeyRowKeys keys each. A row is (run, first, keys): keys is the
// concatenation of its keys as 8-byte big-endian two's complement, first
// is keys[0], and within a run every key of a row is smaller than the next
// row's first. Claiming a fresh key then costs no row of SQLite work: a
// load appends its run one full row at a time (see ClaimEventKeys), and
// looks keys up in the other runs by reading their rows in order.
//
// The migration turns the existing event_keys into run 1, in key order,
// 4096 keys a row, and drops event_keys.
// Invariant: the runs hold exactly the dedup values of events.
const eventKeyRunsV5 = `
CREATE TABLE event_key_runs (
	run   INTEGER NOT NULL,
	first INTEGER NOT NULL,
	keys  BLOB NOT NULL,
	PRIMARY KEY (run, first)
);
INSERT INTO event_key_runs(run, first, keys)
SELECT 1, min(dedup), unhex(group_concat(printf('%016x', dedup), '' ORDER BY dedup))
FROM (SELECT dedup, (row_number() OVER (ORDER BY dedup) - 1) / 4096 AS g FROM event_keys)
GROUP BY g;
DROP TABLE event_keys;
`

// eventKeyRowKeys is how many keys a row of event_key_runs written by a
// load holds (32 KiB of keys), except the last row of a run.
const eventKeyRowKeys = 4096

// maxKeyRuns bounds the number of runs: when a load leaves more than
// maxKeyRuns runs, its transaction merges them all into one (compaction).
// A claim looks a key up in every run, so the bound keeps a claim at
// most maxKeyRuns cursor steps per key; a compaction costs one read and
// one write of every stored key (O(stored keys), 8 bytes a key), so with
// F loads it runs about F/maxKeyRuns times.
const maxKeyRuns = 8

// keyBufMax bounds the keys claimed by a transaction and not yet written
// when its calls of ClaimEventKeys do not ascend (8 bytes a key: 512
// KiB). Ascending calls keep less than one row (eventKeyRowKeys) in
// memory. (A variable so that tests can make it small.)
var keyBufMax = 1 << 16

// keyMode is where a database keeps the de-duplication keys of events.
type keyMode int

const (
	keysInEvents keyMode = iota // schema older than version 4: the unique index events(dedup)
	keysTable                   // schema version 4: event_keys, one row per key
	keysRuns                    // schema version 5 on: event_key_runs
)

// eventKeyMode reads which of the key layouts the database has.
func eventKeyMode(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (keyMode, error) {
	var runs, table int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'event_key_runs'),
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'event_keys')`).Scan(&runs, &table)
	switch {
	case err != nil:
		return 0, err
	case runs > 0:
		return keysRuns, nil
	case table > 0:
		return keysTable, nil
	}
	return keysInEvents, nil
}

// keyClaims is the de-duplication state of one WriteTx.
type keyClaims struct {
	mode      keyMode
	claimFull *sql.Stmt // keysTable: the INSERT OR IGNORE … RETURNING of claimRows keys

	// keysRuns:
	started    bool
	runs       []*keyRun // the runs stored before this transaction
	cur        *keyRun   // this transaction's run: its rows written so far
	curMax     int64     // the largest key of cur's rows (when it has rows)
	buf        []int64   // keys claimed and not yet written, ascending
	claimedAny bool
	maxClaimed int64   // the largest key claimed by this transaction
	back       []int64 // the fresh keys of a call not above maxClaimed, merged into buf after it
	order      []int   // the call's keys in ascending order, when they are not already
}

// keyRun is one run of event_key_runs with a cursor on one of its rows.
type keyRun struct {
	id     int64
	firsts []int64 // the first key of each row, ascending
	row    int     // the row loaded in keys, -1 for none
	keys   []int64
	pos    int // where the last lookup in keys ended
}

func encodeKeys(dst []byte, keys []int64) []byte {
	for _, k := range keys {
		dst = binary.BigEndian.AppendUint64(dst, uint64(k))
	}
	return dst
}

// decodeKeys appends the keys of a row's blob to dst.
func decodeKeys(dst []int64, b []byte) ([]int64, error) {
	if len(b) == 0 || len(b)%8 != 0 {
		return dst, errKeyRow{fmt.Sprintf("event key row of %d bytes, not a positive multiple of 8", len(b))}
	}
	for i := 0; i < len(b); i += 8 {
		dst = append(dst, int64(binary.BigEndian.Uint64(b[i:])))
	}
	return dst, nil
}

// keyRowReader reads one row's keys by (run, first).
type keyRowReader func(run, first int64, dst []int64) ([]int64, error)

func txRowReader(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) keyRowReader {
	var blob []byte
	return func(run, first int64, dst []int64) ([]int64, error) {
		if err := q.QueryRowContext(ctx, "SELECT keys FROM event_key_runs WHERE run = ? AND first = ?", run, first).Scan(&blob); err != nil {
			return dst, fmt.Errorf("event keys of run %d at %d: %w", run, first, err)
		}
		return decodeKeys(dst, blob)
	}
}

// readKeyRuns lists the runs of event_key_runs with the first key of
// each row (an index-only scan: the blobs are not read).
func readKeyRuns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]*keyRun, error) {
	rows, err := q.QueryContext(ctx, "SELECT run, first FROM event_key_runs ORDER BY run, first")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []*keyRun
	for rows.Next() {
		var run, first int64
		if err := rows.Scan(&run, &first); err != nil {
			return nil, err
		}
		if len(runs) == 0 || runs[len(runs)-1].id != run {
			runs = append(runs, &keyRun{id: run, row: -1})
		}
		r := runs[len(runs)-1]
		r.firsts = append(r.firsts, first)
	}
	return runs, rows.Err()
}

// rowOf is the index of the row of r that would hold k (the last row
// whose first ≤ k), -1 when k is below the run.
func (r *keyRun) rowOf(k int64) int {
	return sort.Search(len(r.firsts), func(i int) bool { return r.firsts[i] > k }) - 1
}

// contains reports whether the run holds k. Lookups of ascending keys
// move the cursor forward (a row is read once, a key found by galloping
// from the previous one); a smaller key seeks back.
func (r *keyRun) contains(read keyRowReader, k int64) (bool, error) {
	if r.row < 0 || k < r.firsts[r.row] || (r.row+1 < len(r.firsts) && k >= r.firsts[r.row+1]) {
		i := r.rowOf(k)
		if i < 0 {
			return false, nil
		}
		var err error
		if r.keys, err = read(r.id, r.firsts[i], r.keys[:0]); err != nil {
			r.row = -1
			return false, err
		}
		r.row, r.pos = i, 0
	}
	ks := r.keys
	lo, hi := 0, r.pos // the smallest i in [lo, hi] with ks[i] ≥ k
	if r.pos == 0 || ks[r.pos-1] < k {
		// Gallop forward from pos.
		lo, hi = r.pos, len(ks)
		for step := 1; lo+step < len(ks); step *= 2 {
			if ks[lo+step-1] >= k {
				hi = lo + step - 1
				break
			}
			lo += step
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ks[m] < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	r.pos = lo
	return lo < len(ks) && ks[lo] == k, nil
}

// startKeys lists the stored runs and opens this transaction's run
// (the id after the largest).
func (t *WriteTx) startKeys() error {
	runs, err := readKeyRuns(t.ctx, t.tx)
	if err != nil {
		return fmt.Errorf("event keys: %w", err)
	}
	next := int64(1)
	for _, r := range runs {
		next = max(next, r.id+1)
	}
	t.keys.runs, t.keys.cur, t.keys.started = runs, &keyRun{id: next, row: -1}, true
	return nil
}

func (t *WriteTx) readRow() keyRowReader {
	return func(run, first int64, dst []int64) ([]int64, error) {
		var blob []byte
		if err := t.stmt("SELECT keys FROM event_key_runs WHERE run = ? AND first = ?").QueryRowContext(t.ctx, run, first).Scan(&blob); err != nil {
			return dst, fmt.Errorf("event keys of run %d at %d: %w", run, first, err)
		}
		return decodeKeys(dst, blob)
	}
}

// claimRuns is ClaimEventKeys on event_key_runs. For each key k, in
// ascending order, fresh = k is in no stored run and was not claimed
// before by this transaction; a fresh k joins this transaction's run.
// Cost per key: one cursor step in each stored run (at most maxKeyRuns;
// a row of a run is read once per ascending sweep) and, only when k is
// not above every key claimed before by this transaction, a lookup in
// its own keys.
func (t *WriteTx) claimRuns(keys []uint64, fresh []bool) error {
	c := &t.keys
	if !c.started {
		if err := t.startKeys(); err != nil {
			return err
		}
	}
	read := t.readRow()
	c.order = c.order[:0]
	asc := true
	for i := 1; i < len(keys); i++ {
		if int64(keys[i-1]) >= int64(keys[i]) {
			asc = false
			break
		}
	}
	if !asc {
		for i := range keys {
			c.order = append(c.order, i)
		}
		slices.SortStableFunc(c.order, func(a, b int) int { return cmpInt64(int64(keys[a]), int64(keys[b])) })
	}
	c.back = c.back[:0]
	for j := range keys {
		i := j
		if !asc {
			i = c.order[j]
		}
		k := int64(keys[i])
		if j > 0 && !asc && int64(keys[c.order[j-1]]) == k {
			fresh[i] = false // a repeat within the call: the first one counts
			continue
		}
		ok := true
		for _, r := range c.runs {
			in, err := r.contains(read, k)
			if err != nil {
				return err
			}
			if in {
				ok = false
				break
			}
		}
		if ok && c.claimedAny && k <= c.maxClaimed {
			if _, in := slices.BinarySearch(c.buf, k); in {
				ok = false
			} else if len(c.cur.firsts) > 0 {
				in, err := c.cur.contains(read, k)
				if err != nil {
					return err
				}
				ok = !in
			}
			if ok {
				c.back = append(c.back, k)
			}
		} else if ok {
			c.buf = append(c.buf, k)
			c.claimedAny, c.maxClaimed = true, k
		}
		fresh[i] = ok
	}
	if len(c.back) > 0 {
		merged := make([]int64, 0, len(c.buf)+len(c.back))
		a, b := c.buf, c.back
		for len(a) > 0 && len(b) > 0 {
			if a[0] < b[0] {
				merged, a = append(merged, a[0]), a[1:]
			} else {
				merged, b = append(merged, b[0]), b[1:]
			}
		}
		c.buf = append(append(merged, a...), b...)
	}
	return t.writeKeys(false)
}

// writeKeys writes the buffered keys into this transaction's run: full
// rows appended when every buffered key is above the run's rows (the
// ascending case); otherwise, once keyBufMax keys are buffered, a merge
// that rewrites the run's rows from the one that holds the smallest
// buffered key. With final, every buffered key is written.
func (t *WriteTx) writeKeys(final bool) error {
	c := &t.keys
	cur := c.cur
	if len(c.buf) == 0 {
		return nil
	}
	if len(cur.firsts) == 0 || c.buf[0] > c.curMax {
		n := len(c.buf)
		if !final {
			n -= n % eventKeyRowKeys
		}
		if err := t.appendKeyRows(c.buf[:n]); err != nil {
			return err
		}
		c.buf = c.buf[:copy(c.buf, c.buf[n:])]
		return nil
	}
	if !final && len(c.buf) < keyBufMax {
		return nil
	}
	// Each old row is read and deleted before its keys are written
	// again, so a new row never meets an old one with the same first;
	// memory is one old row, one new row and the buffer.
	i := max(0, cur.rowOf(c.buf[0]))
	oldFirsts := slices.Clone(cur.firsts[i:])
	cur.firsts, cur.row = cur.firsts[:i], -1
	out := make([]int64, 0, eventKeyRowKeys)
	emit := func(k int64) error {
		out = append(out, k)
		if len(out) < eventKeyRowKeys {
			return nil
		}
		err := t.appendKeyRows(out)
		out = out[:0]
		return err
	}
	buf := c.buf
	var row []int64
	for _, first := range oldFirsts {
		var err error
		if row, err = t.readRow()(cur.id, first, row[:0]); err != nil {
			return err
		}
		if _, err := t.stmt("DELETE FROM event_key_runs WHERE run = ? AND first = ?").ExecContext(t.ctx, cur.id, first); err != nil {
			return fmt.Errorf("event keys: %w", err)
		}
		for _, k := range row {
			for len(buf) > 0 && buf[0] < k {
				if err := emit(buf[0]); err != nil {
					return err
				}
				buf = buf[1:]
			}
			if err := emit(k); err != nil {
				return err
			}
		}
	}
	for _, k := range buf {
		if err := emit(k); err != nil {
			return err
		}
	}
	c.buf = c.buf[:0]
	return t.appendKeyRows(out)
}

// appendKeyRows writes ascending keys, all above the run's rows, as rows
// of eventKeyRowKeys keys of this transaction's run.
func (t *WriteTx) appendKeyRows(keys []int64) error {
	return t.appendRows(t.keys.cur, keys, func(k []int64) { t.keys.curMax = k[len(k)-1] })
}

func (t *WriteTx) appendRows(r *keyRun, keys []int64, wrote func([]int64)) error {
	blob := make([]byte, 0, 8*min(len(keys), eventKeyRowKeys))
	for lo := 0; lo < len(keys); lo += eventKeyRowKeys {
		part := keys[lo:min(lo+eventKeyRowKeys, len(keys))]
		blob = encodeKeys(blob[:0], part)
		if _, err := t.stmt("INSERT INTO event_key_runs(run, first, keys) VALUES (?, ?, ?)").ExecContext(t.ctx, r.id, part[0], blob); err != nil {
			return fmt.Errorf("event keys: %w", err)
		}
		r.firsts = append(r.firsts, part[0])
		if wrote != nil {
			wrote(part)
		}
	}
	return nil
}

// finishKeys writes the keys this transaction claimed and, when that
// leaves more than maxKeyRuns runs, merges every run into one. Commit
// calls it.
func (t *WriteTx) finishKeys() error {
	c := &t.keys
	if c.mode != keysRuns || !c.started {
		return nil
	}
	if err := t.writeKeys(true); err != nil {
		return err
	}
	all := c.runs
	if len(c.cur.firsts) > 0 {
		all = append(slices.Clip(all), c.cur)
	}
	if len(all) <= maxKeyRuns {
		return nil
	}
	merged := &keyRun{id: c.cur.id + 1, row: -1}
	out := make([]int64, 0, eventKeyRowKeys)
	err := mergeKeyRuns(all, t.readRow(), func(k int64) error {
		out = append(out, k)
		if len(out) == eventKeyRowKeys {
			err := t.appendRows(merged, out, nil)
			out = out[:0]
			return err
		}
		return nil
	})
	if err == nil {
		err = t.appendRows(merged, out, nil)
	}
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, "DELETE FROM event_key_runs WHERE run != ?", merged.id); err != nil {
		return fmt.Errorf("event keys: %w", err)
	}
	c.runs, c.cur, c.buf = []*keyRun{merged}, &keyRun{id: merged.id + 1, row: -1}, c.buf[:0]
	c.claimedAny = false
	return nil
}

// mergeKeyRuns calls emit with every key of the runs in ascending order
// (a k-way merge reading each row once; equal keys of different runs
// are each emitted). It fails on a row that is not ascending or does not
// start at its first.
func mergeKeyRuns(runs []*keyRun, read keyRowReader, emit func(int64) error) error {
	type head struct {
		r    *keyRun
		row  int
		keys []int64
		pos  int
	}
	var heads []*head
	load := func(h *head) error {
		for h.pos >= len(h.keys) {
			if h.row+1 >= len(h.r.firsts) {
				h.keys = nil
				return nil
			}
			h.row++
			var err error
			first := h.r.firsts[h.row]
			if h.keys, err = read(h.r.id, first, h.keys[:0]); err != nil {
				return err
			}
			h.pos = 0
			if err := checkKeyRow(h.r, h.row, h.keys); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range runs {
		h := &head{r: r, row: -1}
		if err := load(h); err != nil {
			return err
		}
		if len(h.keys) > 0 {
			heads = append(heads, h)
		}
	}
	for len(heads) > 0 {
		m := 0
		for i := 1; i < len(heads); i++ {
			if heads[i].keys[heads[i].pos] < heads[m].keys[heads[m].pos] {
				m = i
			}
		}
		h := heads[m]
		// Emit the keys of h up to the next smallest head in one go.
		limit := int64(0)
		bounded := false
		for i, o := range heads {
			if i != m && (!bounded || o.keys[o.pos] < limit) {
				limit, bounded = o.keys[o.pos], true
			}
		}
		for h.pos < len(h.keys) && (!bounded || h.keys[h.pos] <= limit) {
			if err := emit(h.keys[h.pos]); err != nil {
				return err
			}
			h.pos++
		}
		if err := load(h); err != nil {
			return err
		}
		if len(h.keys) == 0 {
			heads = slices.Delete(heads, m, m+1)
		}
	}
	return nil
}

// errKeyRow is a row of event_key_runs that breaks the layout.
type errKeyRow struct{ msg string }

func (e errKeyRow) Error() string { return e.msg }

// checkKeyRow checks row i of r: its keys ascend strictly, start at its
// first, and stay below the next row's first.
func checkKeyRow(r *keyRun, i int, keys []int64) error {
	first := r.firsts[i]
	bad := len(keys) == 0 || keys[0] != first
	for j := 1; j < len(keys) && !bad; j++ {
		bad = keys[j-1] >= keys[j]
	}
	if !bad && i+1 < len(r.firsts) {
		bad = keys[len(keys)-1] >= r.firsts[i+1]
	}
	if bad {
		return errKeyRow{fmt.Sprintf("event key row (run %d, first %d) is not an ascending run of keys starting at its first", r.id, first)}
	}
	return nil
}

// eraseEventKeys removes the keys of customer's events from the runs
// that hold them, inside tx (before the events are deleted): each
// affected row is decoded, the keys removed and the row re-encoded, or
// deleted when none is left.
func eraseEventKeys(ctx context.Context, tx *sql.Tx, customer int64) error {
	mode, err := eventKeyMode(ctx, tx)
	if err != nil {
		return err
	}
	switch mode {
	case keysInEvents:
		return nil
	case keysTable:
		_, err := tx.ExecContext(ctx, "DELETE FROM event_keys WHERE dedup IN (SELECT dedup FROM events WHERE customer_id = ?1)", customer)
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT dedup FROM events WHERE customer_id = ?", customer)
	if err != nil {
		return err
	}
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	slices.Sort(keys)
	runs, err := readKeyRuns(ctx, tx)
	if err != nil {
		return err
	}
	read := txRowReader(ctx, tx)
	for _, r := range runs {
		// The keys to look for in each row of r.
		byRow := map[int][]int64{}
		var order []int
		for _, k := range keys {
			if i := r.rowOf(k); i >= 0 {
				if _, ok := byRow[i]; !ok {
					order = append(order, i)
				}
				byRow[i] = append(byRow[i], k)
			}
		}
		for _, i := range order {
			first := r.firsts[i]
			have, err := read(r.id, first, nil)
			if err != nil {
				return err
			}
			kept := slices.DeleteFunc(slices.Clone(have), func(k int64) bool {
				_, del := slices.BinarySearch(byRow[i], k)
				return del
			})
			if len(kept) == len(have) {
				continue
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM event_key_runs WHERE run = ? AND first = ?", r.id, first); err != nil {
				return err
			}
			if len(kept) > 0 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO event_key_runs(run, first, keys) VALUES (?, ?, ?)", r.id, kept[0], encodeKeys(nil, kept)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// eventKeyViolation compares the stored keys with the events' dedup
// values and describes the first difference ("" when the runs hold
// exactly the dedup values of events): one read snapshot, the runs merged
// into one ascending stream and compared with the events' keys sorted.
func (s *Store) eventKeyViolation(ctx context.Context) (string, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	mode, err := eventKeyMode(ctx, conn)
	if err != nil {
		return "", err
	}
	count := func(q string) (int64, error) {
		var n int64
		err := conn.QueryRowContext(ctx, q).Scan(&n)
		return n, err
	}
	switch mode {
	case keysInEvents:
		return "", nil
	case keysTable:
		if n, err := count(`SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_keys k WHERE k.dedup = e.dedup)`); err != nil || n != 0 {
			return fmt.Sprintf("%d events without their de-duplication key", n), err
		}
		if n, err := count(`SELECT (SELECT count(*) FROM event_keys) - (SELECT count(*) FROM events)`); err != nil || n != 0 {
			return fmt.Sprintf("%d event keys without their event", n), err
		}
		return "", nil
	}
	runs, err := readKeyRuns(ctx, conn)
	if err != nil {
		return "", err
	}
	rows, err := conn.QueryContext(ctx, "SELECT dedup FROM events ORDER BY dedup")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	// ev is the next event key not yet matched (haveEv false at the end).
	var ev int64
	haveEv := false
	next := func() error {
		haveEv = rows.Next()
		if haveEv {
			return rows.Scan(&ev)
		}
		return rows.Err()
	}
	if err := next(); err != nil {
		return "", err
	}
	var noKey, noEvent int64
	err = mergeKeyRuns(runs, txRowReader(ctx, conn), func(k int64) error {
		for haveEv && ev < k {
			noKey++
			if err := next(); err != nil {
				return err
			}
		}
		if haveEv && ev == k {
			return next()
		}
		noEvent++
		return nil
	})
	if e, ok := err.(errKeyRow); ok {
		return e.msg, nil
	}
	if err != nil {
		return "", err
	}
	for haveEv {
		noKey++
		if err := next(); err != nil {
			return "", err
		}
	}
	switch {
	case noKey > 0:
		return fmt.Sprintf("%d events without their de-duplication key", noKey), nil
	case noEvent > 0:
		return fmt.Sprintf("%d event keys without their event", noEvent), nil
	}
	return "", nil
}
