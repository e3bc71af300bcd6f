package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BatchRows is how many rows one multi-row INSERT … VALUES carries. With
// modernc.org/sqlite a few hundred rows per statement is about 1.5× faster
// than a single-row prepared statement.
const BatchRows = 256

// Label kinds of the labels dictionary.
const (
	LabelChannel  = 1
	LabelType     = 2
	LabelCampaign = 3
)

// SourceInfo describes a file about to be loaded.
type SourceInfo struct {
	Path     string
	Name     string
	Kind     string
	Checksum string // hex SHA-256 of the file
	Size     int64
	Notes    string
}

// WriteTx is one write transaction: the load of one file (with a sources
// row) or a re-stitch. Nothing it writes is visible to readers until
// Commit; Rollback (or a killed process) leaves the database as it was.
type WriteTx struct {
	ctx  context.Context
	conn *sql.Conn // the connection of tx (see beginWrite)
	tx   *sql.Tx
	// NoCheckpoint leaves the checkpoint of the committed pages to the
	// caller (Store.Checkpoint): by default Commit copies them into the
	// database file before it returns.
	NoCheckpoint bool
	sourceID     int64
	started      int64
	labels       map[labelKey]int64

	events, decisions, profiles, consents, rejects, links, idents *batcher
	identsNext                                                    *batcher   // identities numbered by SQLite (see AddIdentity)
	batchers                                                      []*batcher // all of them, to close their statements
	identMode                                                     int        // 0 not decided, 1 numbered by SQLite, 2 explicit ids
	identNext                                                     int64      // the id SQLite gives the next row in mode 1
	identUpd, custPut, custDel                                    *batcher
	stmts                                                         map[string]*sql.Stmt
	seq                                                           int64 // the last event seq given
	pending                                                       []pendingEvent
	keys                                                          keyClaims // the de-duplication keys (eventkeys.go)
	serialOn                                                      func()    // turns the connection's SQLite mutex back on (serialOff)
	raw                                                           rawConn   // the connection's SQLite handle (rawexec.go)

	// counts are the events queued per day, channel and type (aggregates.go).
	counts eventCounts

	// Counters of rows inserted and ignored as duplicates.
	Loaded, Duplicate, Rejected int64
}

type labelKey struct {
	kind  int
	label string
}

// BeginLoad starts the transaction that loads one file and inserts its
// sources row (status "loading"; it becomes "loaded" at Finish).
func (s *Store) BeginLoad(ctx context.Context, src SourceInfo) (*WriteTx, error) {
	t, err := s.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO sources(path, name, kind, checksum, size, started_ms, status, notes)
		VALUES (?, ?, ?, ?, ?, ?, 'loading', ?)`, src.Path, src.Name, src.Kind, src.Checksum, src.Size, t.started, src.Notes)
	if err != nil {
		t.Rollback()
		return nil, err
	}
	t.sourceID, _ = res.LastInsertId()
	return t, nil
}

// BeginStitch starts a write transaction without a source (a re-stitch of
// the identity graph).
func (s *Store) BeginStitch(ctx context.Context) (*WriteTx, error) { return s.beginWrite(ctx) }

func (s *Store) beginWrite(ctx context.Context) (*WriteTx, error) {
	// A connection of its own, whose automatic checkpoint is off while
	// the transaction runs: SQLite would otherwise checkpoint inside the
	// commit, where it cannot be timed or moved (Commit runs it, or the
	// caller with NoCheckpoint). The setting is put back when the
	// transaction ends.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin a write on %s: %w", s.path, err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		releaseConn(conn)
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		releaseConn(conn)
		return nil, fmt.Errorf("begin a write on %s: %w (another load may be running; wait for it)", s.path, err)
	}
	t := &WriteTx{ctx: ctx, conn: conn, tx: tx, started: time.Now().UnixMilli(), labels: map[labelKey]int64{}}
	// The transaction is the connection's only user until release: no
	// SQLite mutex on it meanwhile (see serialOff), and its batched
	// statements run on the SQLite handle directly (rawexec.go).
	if t.raw, err = openRaw(conn); err != nil {
		tx.Rollback()
		releaseConn(conn)
		return nil, err
	}
	t.serialOn, _ = t.raw.serialOff(conn)
	// A bigger page cache than the default for the index inserts; 32 MiB
	// bounds memory whatever the file size (the events arrive in key
	// order, so a bigger cache bought little: at 100,000 customers 64 MiB
	// cost 5 CPU-s more and 65 MB more peak memory than 32 MiB; at
	// 1,000,000 it loaded in the same time within noise for 61 MB more,
	// and 96 MiB, faster on the identity inserts, peaked at 498 MB).
	if _, err := tx.ExecContext(ctx, "PRAGMA cache_size = -32768"); err != nil {
		t.Rollback()
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'event_seq'").Scan(&t.seq); err != nil {
		t.Rollback()
		return nil, err
	}
	if t.keys.mode, err = eventKeyMode(ctx, tx); err != nil {
		t.Rollback()
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, kind, label FROM labels")
	if err != nil {
		t.Rollback()
		return nil, err
	}
	for rows.Next() {
		var id int64
		var k labelKey
		if err := rows.Scan(&id, &k.kind, &k.label); err != nil {
			rows.Close()
			t.Rollback()
			return nil, err
		}
		t.labels[k] = id
	}
	rows.Close()
	t.events = newBatcher(t, "INSERT OR FAIL INTO events(customer_id, identity_id, ts, seq, channel_id, type_id, campaign_id, revenue, props, source_id, line, dedup)", 12)
	t.decisions = newBatcher(t, "INSERT OR IGNORE INTO decisions(customer_id, identity_id, ts, decision_key, trigger, context, action, propensity, reward, converted, revenue, cost, source_id, line, dedup)", 15)
	t.profiles = newBatcher(t, "INSERT OR IGNORE INTO profile_rows(identity_id, ts, source_id, line, traits, dedup)", 6)
	t.consents = newBatcher(t, "INSERT OR IGNORE INTO consents(identity_id, channel, ts, granted, source_id, line)", 6)
	t.rejects = newBatcher(t, "INSERT OR IGNORE INTO rejects(source_id, line, reason, raw, dedup)", 5)
	t.links = newBatcher(t, "INSERT OR IGNORE INTO links(a, b, source_id, line, reason)", 5)
	t.idents = newBatcher(t, "INSERT INTO identities(id, type, value, customer_id, first_source_id, first_line, first_seen_ms, shared)", 8)
	t.identsNext = newBatcher(t, "INSERT OR FAIL INTO identities(type, value, customer_id, first_source_id, first_line, first_seen_ms, shared)", 7)
	t.identsNext.check = t.checkIdentIDs
	t.identUpd = newBatcher(t, "UPDATE identities SET customer_id = v.column2, shared = v.column3 FROM (", 3)
	t.identUpd.suffix = ") AS v WHERE identities.id = v.column1"
	t.custPut = newBatcher(t, "INSERT INTO customers(id, identities, updated_ms)", 3)
	t.custPut.suffix = " ON CONFLICT(id) DO UPDATE SET identities = excluded.identities, updated_ms = excluded.updated_ms"
	t.custDel = newBatcher(t, "DELETE FROM customers WHERE id IN (", 1)
	t.custDel.suffix = ")"
	for _, b := range []*batcher{t.events, t.decisions, t.profiles} {
		b.count, b.dup = &t.Loaded, &t.Duplicate
	}
	t.rejects.count, t.rejects.dup = &t.Rejected, &t.Duplicate
	return t, nil
}

// SourceID is the id of the sources row of this load (0 for a re-stitch).
func (t *WriteTx) SourceID() int64 { return t.sourceID }

// DataVersion reads the data version inside the transaction (no other
// writer can change it while the transaction is open).
func (t *WriteTx) DataVersion() (int64, error) {
	var v int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT value FROM meta WHERE key = 'data_version'").Scan(&v)
	return v, err
}

// Label returns the dictionary id of a channel, event type or campaign
// label, adding it when new.
func (t *WriteTx) Label(kind int, label string) (int64, error) {
	k := labelKey{kind, label}
	if id, ok := t.labels[k]; ok {
		return id, nil
	}
	res, err := t.tx.ExecContext(t.ctx, "INSERT INTO labels(kind, label) VALUES (?, ?)", kind, label)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	t.labels[k] = id
	return id, nil
}

// EventIn is one event to insert. Dedup is the 64-bit de-duplication key;
// an event whose key is already stored is counted as a duplicate.
type EventIn struct {
	Customer, Identity, Time int64
	Channel, Type, Campaign  int64 // label ids
	Revenue                  float64
	HasRevenue               bool
	Props                    string // JSON object or ""
	Line                     int64
	Dedup                    uint64
}

// AddEvent queues one event (inserted with the next batch) with the next
// seq. An event whose Dedup key is already stored, or repeats the key of
// an event queued before it, is counted as a duplicate and not inserted.
// A load of many events is faster with NextSeq, ClaimEventKeys and
// AddClaimedEvent in key order.
func (t *WriteTx) AddEvent(e *EventIn) error {
	t.pending = append(t.pending, pendingEvent{e: *e, seq: t.NextSeq()})
	if len(t.pending) == BatchRows {
		return t.flushPending()
	}
	return nil
}

// DecisionIn is one logged decision to insert.
type DecisionIn struct {
	Customer, Identity, Time int64
	Key, Trigger, Context    string // Context is a JSON object
	Action                   string
	Propensity, Reward       float64
	Converted                bool
	Revenue, Cost            float64
	Line                     int64
	Dedup                    uint64
}

// AddDecision queues one decision.
func (t *WriteTx) AddDecision(d *DecisionIn) error {
	return t.decisions.add(cInt(d.Customer), cInt(d.Identity), cInt(d.Time), cText(d.Key), cText(d.Trigger), cText(d.Context), cText(d.Action),
		cReal(d.Propensity), cReal(d.Reward), cBool(d.Converted), cReal(d.Revenue), cReal(d.Cost), cInt(t.sourceID), cInt(d.Line), cInt(int64(d.Dedup)))
}

// AddProfileRow queues one profile or link row with its traits (a JSON
// object, "{}" for none).
func (t *WriteTx) AddProfileRow(identity, ts, line int64, traits string, dedup uint64) error {
	return t.profiles.add(cInt(identity), cInt(ts), cInt(t.sourceID), cInt(line), cText(traits), cInt(int64(dedup)))
}

// AddConsent queues one consent statement. It is not counted as a row of
// the file (the profile row that carries it is).
func (t *WriteTx) AddConsent(identity int64, channel string, ts int64, granted bool, line int64) error {
	return t.consents.add(cInt(identity), cText(channel), cInt(ts), cBool(granted), cInt(t.sourceID), cInt(line))
}

// AddReject queues one rejected row; the same raw text rejected before is
// counted as a duplicate.
func (t *WriteTx) AddReject(line int64, reason, raw string, dedup uint64) error {
	return t.rejects.add(cInt(t.sourceID), cInt(line), cText(reason), cText(raw), cInt(int64(dedup)))
}

// AddLink queues a link a–b (a < b); an existing link keeps its first
// evidence.
func (t *WriteTx) AddLink(a, b, line int64, reason string) error {
	if a > b {
		a, b = b, a
	}
	return t.links.add(cInt(a), cInt(b), cInt(t.sourceID), cInt(line), cText(reason))
}

// AddIdentity queues a new identity with its id chosen by the caller.
//
// Identities whose ids continue the table's largest id one by one (the
// usual case: a load numbers its new identities after the stored ones)
// are inserted without the id, which SQLite then gives, and the ids it
// gave are checked after each statement. A multi-row INSERT with explicit
// INTEGER PRIMARY KEY values may abort half way, so SQLite first copies
// every page it changes into a statement journal (a temporary file):
// one 16 KiB write per index page touched, about 15 CPU-s of the
// 2.5 million identities of the 1,000,000-customer sample's CRM file.
// Without the ids, and with OR FAIL (any failure rolls the whole load
// back anyway), no statement journal is needed.
func (t *WriteTx) AddIdentity(id int64, typ, value string, customer int64, shared bool, line, firstSeen int64) error {
	if t.identMode == 0 {
		var maxID int64
		if err := t.tx.QueryRowContext(t.ctx, "SELECT coalesce(max(id), 0) FROM identities").Scan(&maxID); err != nil {
			return err
		}
		t.identMode, t.identNext = 2, maxID+1
		if id == maxID+1 && t.idents.n == 0 {
			t.identMode = 1
		}
	}
	if t.identMode == 1 && id == t.identNext {
		t.identNext++
		return t.identsNext.add(cText(typ), cText(value), cInt(customer), cInt(t.sourceID), cInt(line), cInt(firstSeen), cBool(shared))
	}
	if t.identMode == 1 { // out of step: the rest with explicit ids
		if err := t.identsNext.flush(); err != nil {
			return err
		}
		t.identMode = 2
	}
	return t.idents.add(cInt(id), cText(typ), cText(value), cInt(customer), cInt(t.sourceID), cInt(line), cInt(firstSeen), cBool(shared))
}

// checkIdentIDs checks that the last identity inserted without its id got
// the id the caller chose.
func (t *WriteTx) checkIdentIDs(last int64) error {
	if last != t.identNext-1 {
		return fmt.Errorf("identity ids out of step: the database gave %d where the load numbered %d", last, t.identNext-1)
	}
	return nil
}

// Flush inserts every queued row.
func (t *WriteTx) Flush() error {
	if err := t.flushPending(); err != nil {
		return err
	}
	for _, b := range []*batcher{t.identsNext, t.idents, t.links, t.events, t.decisions, t.profiles, t.consents, t.rejects, t.identUpd, t.custPut, t.custDel} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

// UpdateIdentity sets the customer and shared flag of an existing identity
// (queued; applied in batches).
func (t *WriteTx) UpdateIdentity(id, customer int64, shared bool) error {
	return t.identUpd.add(cInt(id), cInt(customer), cBool(shared))
}

// RemapCustomer moves every event and decision of customer from to
// customer to.
func (t *WriteTx) RemapCustomer(from, to int64) error {
	if _, err := t.stmt("UPDATE events SET customer_id = ? WHERE customer_id = ?").ExecContext(t.ctx, to, from); err != nil {
		return err
	}
	_, err := t.stmt("UPDATE decisions SET customer_id = ? WHERE customer_id = ?").ExecContext(t.ctx, to, from)
	return err
}

// RemapIdentity moves the events and decisions of one identity, currently
// under customer from, to customer to.
func (t *WriteTx) RemapIdentity(from, identity, to int64) error {
	if _, err := t.stmt("UPDATE events SET customer_id = ? WHERE customer_id = ? AND identity_id = ?").ExecContext(t.ctx, to, from, identity); err != nil {
		return err
	}
	_, err := t.stmt("UPDATE decisions SET customer_id = ? WHERE customer_id = ? AND identity_id = ?").ExecContext(t.ctx, to, from, identity)
	return err
}

// PutCustomer inserts or updates a customer row (queued).
func (t *WriteTx) PutCustomer(id, identities int64) error {
	return t.custPut.add(cInt(id), cInt(identities), cInt(t.started))
}

// DeleteCustomer removes a customer row whose identities have all moved
// (queued).
func (t *WriteTx) DeleteCustomer(id int64) error {
	return t.custDel.add(cInt(id))
}

// ScanIdentities calls fn for every identity, in id order.
func (t *WriteTx) ScanIdentities(fn func(id int64, typ, value string, customer int64, shared bool) error) error {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT id, type, value, customer_id, shared FROM identities ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, cust int64
	var typ, val string
	var shared bool
	for rows.Next() {
		if err := rows.Scan(&id, &typ, &val, &cust, &shared); err != nil {
			return err
		}
		if err := fn(id, typ, val, cust, shared); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanLinks calls fn for every link (a < b).
func (t *WriteTx) ScanLinks(fn func(a, b int64) error) error {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT a, b FROM links")
	if err != nil {
		return err
	}
	defer rows.Close()
	var a, b int64
	for rows.Next() {
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		if err := fn(a, b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FinishStats are the counts written to the sources row at Finish.
type FinishStats struct {
	Kind                              string
	Read, Loaded, Rejected, Duplicate int64
	Notes                             string
}

// Finish records the file's counts, marks the source loaded, bumps the
// data version and commits. It fails (and rolls back) when the counts do
// not satisfy read = loaded + rejected + duplicate.
func (t *WriteTx) Finish(st FinishStats) error {
	if err := t.Flush(); err != nil {
		t.Rollback()
		return err
	}
	if t.sourceID != 0 {
		if st.Read != st.Loaded+st.Rejected+st.Duplicate {
			t.Rollback()
			return fmt.Errorf("row accounting failed for source %d: read %d ≠ loaded %d + rejected %d + duplicate %d",
				t.sourceID, st.Read, st.Loaded, st.Rejected, st.Duplicate)
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE sources SET kind = ?, rows_read = ?, rows_loaded = ?, rows_rejected = ?,
			rows_duplicate = ?, finished_ms = ?, status = 'loaded', notes = ? WHERE id = ?`,
			st.Kind, st.Read, st.Loaded, st.Rejected, st.Duplicate, time.Now().UnixMilli(), st.Notes, t.sourceID); err != nil {
			t.Rollback()
			return err
		}
	}
	if err := t.saveEventCounts(); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// Commit flushes the queued rows, bumps the data version, records the
// last event seq and commits.
func (t *WriteTx) Commit() error {
	if err := t.Flush(); err != nil {
		t.Rollback()
		return err
	}
	if err := t.finishKeys(); err != nil {
		t.Rollback()
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE meta SET value = value + 1 WHERE key = 'data_version'"); err != nil {
		t.Rollback()
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE meta SET value = ? WHERE key = 'event_seq'", t.seq); err != nil {
		t.Rollback()
		return err
	}
	if err := t.tx.Commit(); err != nil {
		t.release()
		return err
	}
	var err error
	if !t.NoCheckpoint {
		_, err = t.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
	t.release()
	return err
}

// Rollback abandons the transaction.
func (t *WriteTx) Rollback() error {
	err := t.tx.Rollback()
	t.release()
	return err
}

// release gives the transaction's connection back to the pool with the
// automatic checkpoint on again (once; later calls do nothing).
func (t *WriteTx) release() {
	if t.conn != nil {
		t.conn.Raw(func(any) error {
			for _, b := range t.batchers {
				if b.full != 0 {
					t.raw.finalize(b.full)
					b.full = 0
				}
			}
			t.raw.close()
			return nil
		})
		if t.serialOn != nil {
			t.serialOn()
		}
		releaseConn(t.conn)
		t.conn = nil
	}
}

func releaseConn(conn *sql.Conn) {
	conn.ExecContext(context.Background(), "PRAGMA wal_autocheckpoint = 1000")
	conn.Close()
}

// Checkpoint copies the committed pages of the write-ahead log into the
// database file (a passive checkpoint: it does not wait for readers, and
// a load may write meanwhile).
func (s *Store) Checkpoint(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

func (t *WriteTx) stmt(q string) *sql.Stmt {
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	if s, ok := t.stmts[q]; ok {
		return s
	}
	s, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		// A statement of this file that does not prepare is a bug.
		panic(fmt.Sprintf("store: prepare %q: %v", q, err))
	}
	t.stmts[q] = s
	return s
}

// batcher accumulates rows and inserts them with multi-row INSERTs.
//
// The statements run on the transaction's SQLite handle directly
// (rawexec.go): the values are kept as typed cells, bound with the
// sqlite3_bind_* call of their type, and the texts of a statement are
// copied into one C buffer bound without a further copy. Through the
// driver, each of the thousands of values of a 256-row statement was
// boxed into an interface, type-switched, and each text copied into C
// memory of its own (allocated and freed per value).
type batcher struct {
	t      *WriteTx
	prefix string
	suffix string // after the VALUES list (an ON CONFLICT clause …)
	cols   int
	vals   []cell
	n      int
	full   uintptr                // the BatchRows-row statement, prepared on first use
	count  *int64                 // where inserted rows are counted (nil: not counted)
	check  func(last int64) error // called with the last rowid after each statement, when set
	dup    *int64                 // where ignored rows are counted
	// src is the column that holds the transaction's source id (-1:
	// none): it is written into the statement as a constant instead of
	// being bound in every row (one bind in twelve of an event).
	src int
}

func newBatcher(t *WriteTx, prefix string, cols int) *batcher {
	b := &batcher{t: t, prefix: prefix, cols: cols, vals: make([]cell, 0, cols*BatchRows), src: -1}
	// The source column, when the column list has one.
	if open, end := strings.IndexByte(prefix, '('), strings.IndexByte(prefix, ')'); strings.HasPrefix(prefix, "INSERT") && 0 <= open && open < end {
		for i, c := range strings.Split(prefix[open+1:end], ",") {
			if c = strings.TrimSpace(c); c == "source_id" || c == "first_source_id" {
				b.src = i
			}
		}
	}
	t.batchers = append(t.batchers, b)
	return b
}

// add queues one row, one cell per column (the source column's is not
// bound, see src).
func (b *batcher) add(vals ...cell) error {
	if b.src < 0 {
		b.vals = append(b.vals, vals...)
	} else {
		b.vals = append(append(b.vals, vals[:b.src]...), vals[b.src+1:]...)
	}
	b.n++
	if b.n == BatchRows {
		return b.flush()
	}
	return nil
}

// valuesSQL is prefix, a VALUES list of rows rows of cols parameters
// each (column src, when ≥ 0, is the constant source instead), and
// suffix.
func valuesSQL(prefix, suffix string, cols, rows, src int, source int64) string {
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteString(" VALUES ")
	cells := make([]string, cols)
	for i := range cells {
		cells[i] = "?"
		if i == src {
			cells[i] = strconv.FormatInt(source, 10)
		}
	}
	one := "(" + strings.Join(cells, ",") + ")"
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(one)
	}
	sb.WriteString(suffix)
	return sb.String()
}

func (b *batcher) flush() error {
	if b.n == 0 {
		return nil
	}
	t := b.t
	var changes, last int64
	// Raw holds the connection for the call (database/sql's lock on it).
	err := t.conn.Raw(func(any) error {
		st := b.full
		if b.n < BatchRows || st == 0 {
			var err error
			st, err = t.raw.prepare(valuesSQL(b.prefix, b.suffix, b.cols, b.n, b.src, t.sourceID))
			if err != nil {
				return err
			}
			if b.n < BatchRows {
				defer t.raw.finalize(st)
			} else {
				b.full = st
			}
		}
		var err error
		changes, last, err = t.raw.exec(st, b.vals)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if b.check != nil {
		if err := b.check(last); err != nil {
			return err
		}
	}
	if b.count != nil {
		*b.count += changes
		*b.dup += int64(b.n) - changes
	}
	clear(b.vals)
	b.vals = b.vals[:0]
	b.n = 0
	return nil
}
