package store

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The event de-duplication keys move to a table of their own in schema
// version 4, after the daily event counts (version 3, volume_aggregates.go),
// and into sorted runs packed in blobs in version 5 (eventkeys.go).
// This file's name sorts after volume_aggregates.go, so its init runs
// after that one and the versions stay in order
// (TestMigrationVersionsIncrease checks it).
func init() {
	Migrations = append(Migrations,
		Migration{Version: 4, Name: "event keys in their own table", SQL: eventKeysV4},
		Migration{Version: 5, Name: "event keys in sorted runs", SQL: eventKeyRunsV5})
}

// eventKeysV4 replaces the unique index on events(dedup) with the table
// event_keys, one row per de-duplication key of a stored event. The
// index was updated in the order events arrive, a random 64-bit key
// each, so at tens of millions of events every insert landed on a
// random page; a table of its own lets a load claim a file's keys in
// ascending order (one sweep of the b-tree, see WriteTx.ClaimEventKeys)
// and insert the events in the order of their clustered key.
// source_id is the load that stored the key (it tells a key stored by
// this load from one stored before, see ClaimEventKeys).
// Invariant: event_keys holds exactly the dedup values of events.
const eventKeysV4 = `
CREATE TABLE event_keys (dedup INTEGER PRIMARY KEY, source_id INTEGER NOT NULL);
INSERT INTO event_keys(dedup, source_id) SELECT dedup, source_id FROM events ORDER BY dedup;
DROP INDEX events_dedup;
`

// claimRows is how many keys one INSERT … RETURNING of ClaimEventKeys
// carries (schema version 4).
const claimRows = 500

// NextSeq reserves the next event seq (the load order that breaks ties of
// time within a customer): seq values increase in the order they are
// reserved.
func (t *WriteTx) NextSeq() int64 {
	t.seq++
	return t.seq
}

// ClaimEventKeys stores the de-duplication keys that are not stored yet
// and reports which: fresh[i] = (keys[i] was not stored before this call:
// neither by an earlier load nor by an earlier call in this transaction).
// The fresh keys become stored when the transaction commits and vanish
// with it when it rolls back. keys should be distinct (of equal keys in
// one call the first is the fresh one); ascending order (as int64),
// within a call and from one call to the next, makes the lookups one
// sweep of the stored runs and the new keys an append. An event may be
// inserted with AddClaimedEvent only when its key was fresh; the others
// are duplicates.
//
// From schema version 5 on the keys live in sorted runs (eventkeys.go,
// claimRuns): a fresh key costs a cursor step in each stored run and 8
// bytes of this load's run, written a row of eventKeyRowKeys keys at a
// time. On a version 4 database each batch is one multi-row INSERT OR
// IGNORE … RETURNING into event_keys: the keys it returns are the fresh
// ones. Older databases look the keys up in events.
func (t *WriteTx) ClaimEventKeys(keys []uint64, fresh []bool) error {
	if len(fresh) < len(keys) {
		return fmt.Errorf("ClaimEventKeys: %d keys, %d results", len(keys), len(fresh))
	}
	if t.keys.mode == keysRuns {
		return t.claimRuns(keys, fresh)
	}
	noKeys := t.keys.mode == keysInEvents
	args := make([]any, 0, claimRows)
	var old []int64
	for lo := 0; lo < len(keys); lo += claimRows {
		part := keys[lo:min(lo+claimRows, len(keys))]
		args = args[:0]
		for _, k := range part {
			args = append(args, int64(k))
		}
		var rows *sql.Rows
		var err error
		if noKeys {
			// A database older than schema version 4 (opened with an
			// explicit migration list) keeps the keys in events.
			list := strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")
			rows, err = t.tx.QueryContext(t.ctx, "SELECT dedup FROM events WHERE dedup IN ("+list+")", args...)
		} else {
			var st *sql.Stmt
			if st, err = t.claimStmt(len(part)); err != nil {
				return err
			}
			rows, err = st.QueryContext(t.ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("event keys: %w", err)
		}
		old = old[:0]
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			old = append(old, k)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		slices.Sort(old)
		// old lists the keys stored before (events) or the keys this
		// statement inserted (event_keys).
		for i, k := range part {
			_, in := slices.BinarySearch(old, int64(k))
			fresh[lo+i] = in != noKeys
		}
	}
	return nil
}

// claimStmt is the multi-row INSERT OR IGNORE of n keys of this load
// that returns the keys it inserted (schema version 4).
func (t *WriteTx) claimStmt(n int) (*sql.Stmt, error) {
	if n == claimRows && t.keys.claimFull != nil {
		return t.keys.claimFull, nil
	}
	one := fmt.Sprintf("(?, %d),", t.sourceID)
	q := "INSERT OR IGNORE INTO event_keys(dedup, source_id) VALUES " + strings.TrimSuffix(strings.Repeat(one, n), ",") + " RETURNING dedup"
	st, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		return nil, err
	}
	if n == claimRows {
		t.keys.claimFull = st
	}
	return st, nil
}

// AddClaimedEvent queues one event whose key ClaimEventKeys reported
// fresh, with its seq from NextSeq. Events queued in ascending (customer,
// time, seq) order are appended in the order of the events table's
// clustered key, so each b-tree page is written once per load.
func (t *WriteTx) AddClaimedEvent(e *EventIn, seq int64) error {
	var rev, props cell // NULL
	if e.HasRevenue {
		rev = cReal(e.Revenue)
	}
	if e.Props != "" {
		props = cText(e.Props)
	}
	t.counts.add(e)
	return t.events.add(cInt(e.Customer), cInt(e.Identity), cInt(e.Time), cInt(seq), cInt(e.Channel), cInt(e.Type), cInt(e.Campaign),
		rev, props, cInt(t.sourceID), cInt(e.Line), cInt(int64(e.Dedup)))
}

// AddDuplicates counts n rows of the file as duplicates (rows whose key
// was already stored, found by the caller through ClaimEventKeys).
func (t *WriteTx) AddDuplicates(n int64) { t.Duplicate += n }

// pendingEvent is an event queued by AddEvent, not yet checked for
// duplicates.
type pendingEvent struct {
	e   EventIn
	seq int64
}

// flushPending de-duplicates the events queued by AddEvent (the first of
// equal keys in the batch wins, and only when the key is not stored) and
// queues the fresh ones for insertion.
func (t *WriteTx) flushPending() error {
	if len(t.pending) == 0 {
		return nil
	}
	keys := make([]uint64, 0, len(t.pending))
	first := make(map[uint64]int, len(t.pending))
	for i := range t.pending {
		k := t.pending[i].e.Dedup
		if _, ok := first[k]; !ok {
			first[k] = i
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b uint64) int { return cmpInt64(int64(a), int64(b)) })
	fresh := make([]bool, len(keys))
	if err := t.ClaimEventKeys(keys, fresh); err != nil {
		return err
	}
	isFresh := make(map[uint64]bool, len(keys))
	for i, k := range keys {
		isFresh[k] = fresh[i]
	}
	for i := range t.pending {
		p := &t.pending[i]
		if first[p.e.Dedup] != i || !isFresh[p.e.Dedup] {
			t.Duplicate++
			continue
		}
		if err := t.AddClaimedEvent(&p.e, p.seq); err != nil {
			return err
		}
	}
	clear(t.pending)
	t.pending = t.pending[:0]
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
