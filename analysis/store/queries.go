package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/identity"
)

// LabelIDType is the label kind under which every identifier type in use
// is listed (for prefix searches by type).
const LabelIDType = 4

// SourceStats is one row of sources: a loaded file and its row accounting
// (Read = Loaded + Rejected + Duplicate).
type SourceStats struct {
	ID                                int64
	Path, Name, Kind, Checksum        string
	Size                              int64
	Read, Loaded, Rejected, Duplicate int64
	StartedMs, FinishedMs             int64
	Status, Notes                     string
}

const sourceCols = `id, path, name, kind, checksum, size, rows_read, rows_loaded, rows_rejected, rows_duplicate, started_ms, finished_ms, status, notes`

func scanSource(sc interface{ Scan(...any) error }) (SourceStats, error) {
	var s SourceStats
	err := sc.Scan(&s.ID, &s.Path, &s.Name, &s.Kind, &s.Checksum, &s.Size, &s.Read, &s.Loaded, &s.Rejected, &s.Duplicate,
		&s.StartedMs, &s.FinishedMs, &s.Status, &s.Notes)
	return s, err
}

// Sources lists every loaded file in load order.
func (s *Store) Sources(ctx context.Context) ([]SourceStats, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+sourceCols+" FROM sources ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SourceStats
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SourceByChecksum returns the loaded source with this SHA-256, or nil.
func (s *Store) SourceByChecksum(ctx context.Context, checksum string) (*SourceStats, error) {
	src, err := scanSource(s.db.QueryRowContext(ctx, "SELECT "+sourceCols+" FROM sources WHERE checksum = ? AND status = 'loaded' ORDER BY id LIMIT 1", checksum))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &src, nil
}

// Reject is one rejected row.
type Reject struct {
	SourceID int64
	File     string
	Line     int64
	Reason   string
	Raw      string
}

// Rejects lists rejected rows in file and line order; sourceID 0 means
// every source; limit 0 means no limit.
func (s *Store) Rejects(ctx context.Context, sourceID int64, limit, offset int) ([]Reject, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.source_id, s.name, r.line, r.reason, r.raw FROM rejects r JOIN sources s ON s.id = r.source_id
		WHERE ? = 0 OR r.source_id = ? ORDER BY r.source_id, r.line LIMIT ? OFFSET ?`, sourceID, sourceID, limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reject
	for rows.Next() {
		var r Reject
		if err := rows.Scan(&r.SourceID, &r.File, &r.Line, &r.Reason, &r.Raw); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// labels returns the dictionary: id → label.
func (s *Store) labels(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, label FROM labels")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var l string
		if err := rows.Scan(&id, &l); err != nil {
			return nil, err
		}
		m[id] = l
	}
	return m, rows.Err()
}

// EventRow is one event as a journey scan sees it.
type EventRow struct {
	Customer                int64
	Time                    int64 // UTC milliseconds
	Seq                     int64 // load order
	Channel, Type, Campaign string
	Revenue                 float64
	HasRevenue              bool
	Props                   string /* JSON or "" */
}

// ScanEvents streams every event ordered by customer, then time, then
// load order (a stable sort by time within each customer), in one
// sequential pass over the events table, which is clustered in that order. fn receives the same *EventRow each
// time: copy what it keeps. The scan sees the data as it was when it
// started, even while a load commits.
func (s *Store) ScanEvents(ctx context.Context, fn func(*EventRow) error) error {
	labels, err := s.labels(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, ts, seq, channel_id, type_id, campaign_id, revenue, props
		FROM events ORDER BY customer_id, ts, seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var e EventRow
	var ch, ty, ca int64
	var rev sql.NullFloat64
	var props sql.NullString
	n := 0
	for rows.Next() {
		if err := rows.Scan(&e.Customer, &e.Time, &e.Seq, &ch, &ty, &ca, &rev, &props); err != nil {
			return err
		}
		e.Channel, e.Type, e.Campaign = labels[ch], labels[ty], labels[ca]
		e.Revenue, e.HasRevenue = rev.Float64, rev.Valid
		e.Props = props.String
		if err := fn(&e); err != nil {
			return err
		}
		if n++; n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// DecisionRow is one logged decision.
type DecisionRow struct {
	ID, Customer, Time int64
	Key, Trigger       string
	Context            map[string]string // the ctx_* columns, without the prefix
	Action             string
	Propensity, Reward float64
	Converted          bool
	Revenue, Cost      float64
}

// ScanDecisions streams every logged decision ordered by customer, time
// and load order. fn receives a fresh *DecisionRow each time.
func (s *Store) ScanDecisions(ctx context.Context, fn func(*DecisionRow) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, customer_id, ts, decision_key, trigger, context, action, propensity, reward, converted, revenue, cost
		FROM decisions ORDER BY customer_id, ts, id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d := &DecisionRow{}
		var ctxJSON string
		if err := rows.Scan(&d.ID, &d.Customer, &d.Time, &d.Key, &d.Trigger, &ctxJSON, &d.Action, &d.Propensity, &d.Reward,
			&d.Converted, &d.Revenue, &d.Cost); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(ctxJSON), &d.Context); err != nil {
			return fmt.Errorf("decision %d: context: %w", d.ID, err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Consent is the current consent of a customer on a channel: the most
// recent statement over the customer's identifiers (ties: later load).
type Consent struct {
	Customer int64
	Channel  string
	Granted  bool
	Time     int64
	Source   string
	Line     int64
}

const currentConsentsSQL = `SELECT customer_id, channel, granted, ts, name, line FROM (
	SELECT i.customer_id, c.channel, c.granted, c.ts, s.name, c.line,
		row_number() OVER (PARTITION BY i.customer_id, c.channel ORDER BY c.ts DESC, c.source_id DESC, c.line DESC) AS rn
	FROM consents c JOIN identities i ON i.id = c.identity_id JOIN sources s ON s.id = c.source_id %s)
	WHERE rn = 1 ORDER BY customer_id, channel`

// ScanConsents streams the current consent of every customer on every
// channel with a statement, ordered by customer and channel.
func (s *Store) ScanConsents(ctx context.Context, fn func(*Consent) error) error {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(currentConsentsSQL, ""))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c := &Consent{}
		if err := rows.Scan(&c.Customer, &c.Channel, &c.Granted, &c.Time, &c.Source, &c.Line); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Consents returns the current consents of one customer.
func (s *Store) Consents(ctx context.Context, customer int64) ([]Consent, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(currentConsentsSQL, "WHERE i.customer_id = ?"), customer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		if err := rows.Scan(&c.Customer, &c.Channel, &c.Granted, &c.Time, &c.Source, &c.Line); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ScanTraits streams the merged traits of every customer that has any
// (see identity.MergeTraits for the survivorship rule of each field), in
// customer order.
func (s *Store) ScanTraits(ctx context.Context, fn func(customer int64, traits []identity.Trait) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT i.customer_id, p.traits, p.ts, p.source_id, p.line FROM profile_rows p
		JOIN identities i ON i.id = p.identity_id WHERE p.traits != '{}' ORDER BY i.customer_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur int64 = -1
	var obs []identity.TraitObs
	flush := func() error {
		if cur < 0 || len(obs) == 0 {
			return nil
		}
		return fn(cur, identity.MergeTraits(obs))
	}
	for rows.Next() {
		var c, ts, src, line int64
		var tj string
		if err := rows.Scan(&c, &tj, &ts, &src, &line); err != nil {
			return err
		}
		if c != cur {
			if err := flush(); err != nil {
				return err
			}
			cur, obs = c, obs[:0]
		}
		obs = appendTraitObs(obs, tj, ts, src, line, "")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

func appendTraitObs(obs []identity.TraitObs, traitsJSON string, ts, src, line int64, name string) []identity.TraitObs {
	var m map[string]string
	if json.Unmarshal([]byte(traitsJSON), &m) != nil {
		return obs
	}
	for k, v := range m {
		obs = append(obs, identity.TraitObs{Key: k, Value: v, Time: ts, SourceID: src, Line: line, Source: name})
	}
	return obs
}

// LabelCount is a number of events (and distinct customers) under labels.
type LabelCount struct {
	Channel, Type string
	Events        int64
	Customers     int64
}

// DayCount is the number of events on one UTC day (Day = midnight, ms).
type DayCount struct {
	Day    int64
	Events int64
}

// Counts summarises the events for the Data screen.
type Counts struct {
	ByChannel []LabelCount // Type empty
	ByType    []LabelCount // per channel and type
	ByDay     []DayCount
	Customers int64
	Events    int64
}

// Counts returns event counts by channel, by channel and type, and by
// UTC day, and the number of customers.
func (s *Store) Counts(ctx context.Context) (*Counts, error) {
	labels, err := s.labels(ctx)
	if err != nil {
		return nil, err
	}
	c := &Counts{}
	rows, err := s.db.QueryContext(ctx, `SELECT channel_id, type_id, count(*) FROM events GROUP BY channel_id, type_id`)
	if err != nil {
		return nil, err
	}
	perCh := map[string]int64{}
	for rows.Next() {
		var ch, ty, n int64
		if err := rows.Scan(&ch, &ty, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c.ByType = append(c.ByType, LabelCount{Channel: labels[ch], Type: labels[ty], Events: n})
		perCh[labels[ch]] += n
		c.Events += n
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT channel_id, count(DISTINCT customer_id) FROM events GROUP BY channel_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ch, n int64
		if err := rows.Scan(&ch, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c.ByChannel = append(c.ByChannel, LabelCount{Channel: labels[ch], Events: perCh[labels[ch]], Customers: n})
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT (ts / 86400000) * 86400000 AS day, count(*) FROM events GROUP BY day ORDER BY day`)
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
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&c.Customers); err != nil {
		return nil, err
	}
	sortLabelCounts(c.ByChannel)
	sortLabelCounts(c.ByType)
	return c, nil
}

func sortLabelCounts(x []LabelCount) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && (x[j].Events > x[j-1].Events || (x[j].Events == x[j-1].Events && x[j].Channel+x[j].Type < x[j-1].Channel+x[j-1].Type)); j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

// IdentityRef names one identifier.
type IdentityRef struct {
	ID          int64
	Type, Value string
	Customer    int64
	Shared      bool
}

func (r IdentityRef) String() string { return r.Type + ":" + r.Value }

// FindIdentities returns the identities whose value is one of the
// normalised forms of raw (see identity.Candidates); a "type:value" form
// restricts the type.
func (s *Store) FindIdentities(ctx context.Context, raw string) ([]IdentityRef, error) {
	typ := ""
	if i := strings.IndexByte(raw, ':'); i > 0 && !strings.Contains(raw[:i], "@") && !strings.ContainsAny(raw[:i], " +") {
		typ, raw = raw[:i], raw[i+1:]
	}
	cands := identity.Candidates(raw)
	if len(cands) == 0 {
		return nil, nil
	}
	q := "SELECT id, type, value, customer_id, shared FROM identities WHERE value IN (?" + strings.Repeat(",?", len(cands)-1) + ")"
	args := make([]any, 0, len(cands)+1)
	for _, c := range cands {
		args = append(args, c)
	}
	if typ != "" {
		q += " AND type = ?"
		args = append(args, typ)
	}
	q += " ORDER BY id"
	// value IN (...) without the type is served per type by the
	// (type, value) index: list the types first.
	types, err := s.idTypes(ctx)
	if err != nil {
		return nil, err
	}
	if typ == "" && len(types) > 0 {
		q = strings.Replace(q, "WHERE value IN", "WHERE type IN (?"+strings.Repeat(",?", len(types)-1)+") AND value IN", 1)
		targs := make([]any, 0, len(types)+len(args))
		for _, t := range types {
			targs = append(targs, t)
		}
		args = append(targs, args...)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []IdentityRef
	for rows.Next() {
		var r IdentityRef
		if err := rows.Scan(&r.ID, &r.Type, &r.Value, &r.Customer, &r.Shared); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) idTypes(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT label FROM labels WHERE kind = ? ORDER BY label", LabelIDType)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CustomerHit is a customer found by a search, with the identifier or
// trait that matched.
type CustomerHit struct {
	Customer int64
	Matched  string // "email:jane@…" or "trait last_name=Doe"
}

// SearchCustomers finds customers by identifier prefix (any type, using
// the (type, value) index), when fewer than limit are found by a trait
// value containing query (a scan of profile rows), and when still fewer by
// an identifier or trait value of which query is a subsequence
// (searchSubsequence, best fuzzy score first). Earlier stages' hits come
// first, so an exact identifier precedes fuzzy matches.
func (s *Store) SearchCustomers(ctx context.Context, query string, limit int) ([]CustomerHit, error) {
	query = strings.TrimSpace(query)
	if query == "" || limit <= 0 {
		return nil, nil
	}
	types, err := s.idTypes(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []CustomerHit
	prefixes := identity.Candidates(query)
	for _, t := range types {
		for _, p := range prefixes {
			rows, err := s.db.QueryContext(ctx, `SELECT customer_id, type, value FROM identities WHERE type = ? AND value >= ? AND value < ? ORDER BY value LIMIT ?`,
				t, p, p+"\U0010FFFF", limit)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var c int64
				var ty, v string
				if err := rows.Scan(&c, &ty, &v); err != nil {
					rows.Close()
					return nil, err
				}
				if !seen[c] && len(out) < limit {
					seen[c] = true
					out = append(out, CustomerHit{Customer: c, Matched: ty + ":" + v})
				}
			}
			rows.Close()
		}
	}
	if len(out) >= limit {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.customer_id, p.traits FROM profile_rows p JOIN identities i ON i.id = p.identity_id
		WHERE instr(lower(p.traits), lower(?)) > 0 LIMIT ?`, query, 4*limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	lq := strings.ToLower(query)
	for rows.Next() && len(out) < limit {
		var c int64
		var tj string
		if err := rows.Scan(&c, &tj); err != nil {
			return nil, err
		}
		if seen[c] {
			continue
		}
		var m map[string]string
		json.Unmarshal([]byte(tj), &m)
		for k, v := range m {
			if strings.Contains(strings.ToLower(v), lq) {
				seen[c] = true
				out = append(out, CustomerHit{Customer: c, Matched: "trait " + k + "=" + v})
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) < limit {
		more, err := s.searchSubsequence(ctx, query, limit-len(out), seen)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// SharedIdentity is an identifier the giant-merge guard keeps out of
// merging, with how many identifiers it is linked to.
type SharedIdentity struct {
	IdentityRef
	Links       int64
	FirstSource string
	FirstLine   int64
}

// SharedIdentities lists the shared identifiers, most linked first.
func (s *Store) SharedIdentities(ctx context.Context) ([]SharedIdentity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.type, i.value, i.customer_id, s.name, i.first_line,
		(SELECT count(*) FROM links WHERE a = i.id) + (SELECT count(*) FROM links WHERE b = i.id) AS n
		FROM identities i JOIN sources s ON s.id = i.first_source_id WHERE i.shared = 1 ORDER BY n DESC, i.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SharedIdentity
	for rows.Next() {
		x := SharedIdentity{}
		x.Shared = true
		if err := rows.Scan(&x.ID, &x.Type, &x.Value, &x.Customer, &x.FirstSource, &x.FirstLine, &x.Links); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ScanIdentities streams every identity with its customer, in id order.
func (s *Store) ScanIdentities(ctx context.Context, fn func(*IdentityRef) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT id, type, value, customer_id, shared FROM identities ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r := &IdentityRef{}
		if err := rows.Scan(&r.ID, &r.Type, &r.Value, &r.Customer, &r.Shared); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanLinks streams every link between two identities (a < b) with the
// reason and place of its first evidence.
func (s *Store) ScanLinks(ctx context.Context, fn func(a, b int64, reason string) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT a, b, reason FROM links ORDER BY a, b")
	if err != nil {
		return err
	}
	defer rows.Close()
	var a, b int64
	var reason string
	for rows.Next() {
		if err := rows.Scan(&a, &b, &reason); err != nil {
			return err
		}
		if err := fn(a, b, reason); err != nil {
			return err
		}
	}
	return rows.Err()
}
