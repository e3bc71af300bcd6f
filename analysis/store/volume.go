package store

import (
	"context"
	"encoding/json"
	"strings"
)

// EventFilter selects events the way the journey analyses' shared filter
// does: From ≤ time < To (UTC milliseconds, 0 unbounded), the channel in
// Channels and the type in Types (empty: any), the customer in Customers
// (nil: every customer; a non-nil empty list keeps none).
type EventFilter struct {
	From, To        int64
	Channels, Types []string
	Customers       []int64
}

// ChannelDayCount is the number of events on one channel on one UTC day
// (Day = midnight of the day, UTC milliseconds).
type ChannelDayCount struct {
	Day     int64
	Channel string
	Events  int64
}

// EventSpan summarises the events a filter keeps: how many, of how many
// distinct customers, and the times of the first and last (UTC
// milliseconds; both 0 when no event is kept).
type EventSpan struct {
	Events, Customers int64
	First, Last       int64
}

// where returns the WHERE clause of f and its arguments.
func (f EventFilter) where() (string, []any, error) {
	var conds []string
	var args []any
	if f.From != 0 {
		conds, args = append(conds, "ts >= ?"), append(args, f.From)
	}
	if f.To != 0 {
		conds, args = append(conds, "ts < ?"), append(args, f.To)
	}
	list := func(col string, kind int, names []string) error {
		b, err := json.Marshal(names)
		if err != nil {
			return err
		}
		conds = append(conds, col+" IN (SELECT id FROM labels WHERE kind = ? AND label IN (SELECT value FROM json_each(?)))")
		args = append(args, kind, string(b))
		return nil
	}
	if len(f.Channels) > 0 {
		if err := list("channel_id", LabelChannel, f.Channels); err != nil {
			return "", nil, err
		}
	}
	if len(f.Types) > 0 {
		if err := list("type_id", LabelType, f.Types); err != nil {
			return "", nil, err
		}
	}
	if f.Customers != nil {
		ids := f.Customers
		if len(ids) == 0 {
			ids = []int64{}
		}
		b, err := json.Marshal(ids)
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "customer_id IN (SELECT value FROM json_each(?))"), append(args, string(b))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// DailyVolume counts the events f keeps per UTC day and channel: the
// count for (d, c) is #{events e kept by f : channel(e) = c and
// d ≤ time(e) < d + 86,400,000}, with d = ⌊time/86,400,000⌋·86,400,000
// (floored, so times before 1970 fall on their own day). Rows are ordered
// by day, then channel name; days and channels without events are absent.
func (s *Store) DailyVolume(ctx context.Context, f EventFilter) ([]ChannelDayCount, error) {
	where, args, err := f.where()
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ts - ((ts % 86400000) + 86400000) % 86400000 AS day, l.label, count(*)
		FROM events JOIN labels l ON l.id = channel_id`+where+`
		GROUP BY day, channel_id ORDER BY day, l.label`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChannelDayCount
	for rows.Next() {
		var c ChannelDayCount
		if err := rows.Scan(&c.Day, &c.Channel, &c.Events); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Span counts the events f keeps and their distinct customers, with the
// first and last event time.
func (s *Store) Span(ctx context.Context, f EventFilter) (EventSpan, error) {
	var sp EventSpan
	where, args, err := f.where()
	if err != nil {
		return sp, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT customer_id), coalesce(min(ts), 0), coalesce(max(ts), 0) FROM events`+where, args...).
		Scan(&sp.Events, &sp.Customers, &sp.First, &sp.Last)
	return sp, err
}
