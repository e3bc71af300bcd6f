package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The daily event counts are schema version 3, after the saved segments
// (version 2, appended by segments.go). This file's name sorts after
// segments.go, so its init runs after that one and the versions stay in
// order (TestMigrationVersionsIncrease checks it).
func init() {
	Migrations = append(Migrations, Migration{Version: 3, Name: "daily event counts", SQL: aggregatesV3})
}

// aggregatesV3 adds the daily event counts per channel and type, so that
// the counts the Data screen shows are read without scanning the events:
//
//	agg_daily(day, channel, type) = #events with that channel and type on
//	                                that day, day = (ts / 86400000)·86400000
//	                                (integer division, as Counts groups them)
//
// The loads maintain it (see WriteTx.saveEventCounts); meta's
// agg_version is the data version it describes, so a change made
// elsewhere (an erase, a re-stitch) leaves it visibly stale rather than
// wrong. The migration fills it from the events already loaded.
const aggregatesV3 = `
CREATE TABLE agg_daily (
	day        INTEGER NOT NULL,
	channel_id INTEGER NOT NULL,
	type_id    INTEGER NOT NULL,
	events     INTEGER NOT NULL,
	PRIMARY KEY (day, channel_id, type_id)
) WITHOUT ROWID;
INSERT INTO agg_daily(day, channel_id, type_id, events)
	SELECT (ts / 86400000) * 86400000, channel_id, type_id, count(*) FROM events GROUP BY 1, 2, 3;
INSERT INTO meta(key, value) SELECT 'agg_version', value FROM meta WHERE key = 'data_version';
`

// rebuildDaily recomputes agg_daily from the events (a full scan).
const rebuildDaily = `DELETE FROM agg_daily;
INSERT INTO agg_daily(day, channel_id, type_id, events)
	SELECT (ts / 86400000) * 86400000, channel_id, type_id, count(*) FROM events GROUP BY 1, 2, 3;`

const msPerDay = 86400000

type dailyKey struct{ day, channel, typ int64 }

// eventCounts are the events a write transaction queued, per day, channel
// and type (day as in agg_daily).
type eventCounts map[dailyKey]int64

// add counts one queued event.
func (c *eventCounts) add(e *EventIn) {
	if *c == nil {
		*c = eventCounts{}
	}
	(*c)[dailyKey{e.Time / msPerDay * msPerDay, e.Channel, e.Type}]++
}

// saveEventCounts brings agg_daily to the data version this transaction
// commits (the current one + 1, see Commit). When agg_daily describes the
// current version, the transaction's counts (of the events inserted:
// duplicates are counted only once their key is found fresh, see
// AddClaimedEvent) are added to it; otherwise it is rebuilt from the
// events, the file's included (a scan, paid once after an erase or a
// re-stitch). Call it after the last Flush, before Commit.
//
// A database opened with a migration list without the aggregate (tests of
// older schemas) has no agg_daily: nothing is kept.
func (t *WriteTx) saveEventCounts() error {
	var data, agg, tables int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT (SELECT value FROM meta WHERE key = 'data_version'),
		coalesce((SELECT value FROM meta WHERE key = 'agg_version'), -1),
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'agg_daily')`).Scan(&data, &agg, &tables)
	if err != nil {
		return fmt.Errorf("event counts: %w", err)
	}
	if tables == 0 {
		return nil
	}
	if agg == data {
		up := t.stmt(`INSERT INTO agg_daily(day, channel_id, type_id, events) VALUES (?, ?, ?, ?)
			ON CONFLICT(day, channel_id, type_id) DO UPDATE SET events = events + excluded.events`)
		for k, n := range t.counts {
			if _, err := up.ExecContext(t.ctx, k.day, k.channel, k.typ, n); err != nil {
				return fmt.Errorf("event counts: %w", err)
			}
		}
	} else if _, err := t.tx.ExecContext(t.ctx, rebuildDaily); err != nil {
		return fmt.Errorf("event counts: %w", err)
	}
	t.counts = nil
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO meta(key, value) VALUES ('agg_version', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, data+1)
	return err
}

// AggregateCounts returns the event counts of Counts — by channel, by
// channel and type, by UTC day, and the number of customers — read from
// agg_daily, whose size grows with days × channels × types rather than
// with events. Distinct customers per channel need a scan of the events
// and are not counted: ByChannel[i].Customers is 0 (Counts has them).
// When agg_daily does not describe the current data version (the data
// changed other than by a load, e.g. an erase, and no load has run
// since), it falls back to the scan of Counts.
func (s *Store) AggregateCounts(ctx context.Context) (*Counts, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// One read transaction: the version check and the reads see the same
	// snapshot, even while a load commits.
	tx, err := conn.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var data, agg int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key = 'data_version'),
		coalesce((SELECT value FROM meta WHERE key = 'agg_version'), -1)`).Scan(&data, &agg); err != nil {
		return nil, err
	}
	if agg != data {
		tx.Rollback()
		conn.Close()
		c, err := s.Counts(ctx)
		if c != nil {
			for i := range c.ByChannel {
				c.ByChannel[i].Customers = 0
			}
		}
		return c, err
	}
	labels := map[int64]string{}
	rows, err := tx.QueryContext(ctx, "SELECT id, label FROM labels")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var l string
		if err := rows.Scan(&id, &l); err != nil {
			rows.Close()
			return nil, err
		}
		labels[id] = l
	}
	rows.Close()
	c := &Counts{}
	rows, err = tx.QueryContext(ctx, `SELECT channel_id, type_id, sum(events) FROM agg_daily GROUP BY channel_id, type_id HAVING sum(events) > 0`)
	if err != nil {
		return nil, err
	}
	perCh := map[int64]int64{}
	var chOrder []int64
	for rows.Next() {
		var ch, ty, n int64
		if err := rows.Scan(&ch, &ty, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c.ByType = append(c.ByType, LabelCount{Channel: labels[ch], Type: labels[ty], Events: n})
		if _, seen := perCh[ch]; !seen {
			chOrder = append(chOrder, ch)
		}
		perCh[ch] += n
		c.Events += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ch := range chOrder {
		c.ByChannel = append(c.ByChannel, LabelCount{Channel: labels[ch], Events: perCh[ch]})
	}
	rows, err = tx.QueryContext(ctx, `SELECT day, sum(events) FROM agg_daily GROUP BY day HAVING sum(events) > 0 ORDER BY day`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.Events); err != nil {
			rows.Close()
			return nil, err
		}
		c.ByDay = append(c.ByDay, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&c.Customers); err != nil {
		return nil, err
	}
	sortLabelCounts(c.ByChannel)
	sortLabelCounts(c.ByType)
	return c, nil
}

var sqlReadOnly = sql.TxOptions{ReadOnly: true}
