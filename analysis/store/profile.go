package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/identity"
)

// ErrNotFound is returned when no identity matches an identifier.
var ErrNotFound = errors.New("no such identifier")

// SeenIn is how many rows of one source carry an identifier.
type SeenIn struct {
	Source string
	Rows   int64
}

// IdentityInfo is one identifier of a profile and where it was seen.
type IdentityInfo struct {
	IdentityRef
	FirstSource string
	FirstLine   int64
	FirstSeen   int64
	Seen        []SeenIn
}

// LinkInfo is the evidence that merged two identifiers: the first row
// that showed them together.
type LinkInfo struct {
	A, B   IdentityRef
	Source string
	Line   int64
	Reason string
	// Guarded is set when one end is shared, so the link did not merge.
	Guarded bool
}

// TimelineEvent is one event of a customer's cross-channel timeline.
type TimelineEvent struct {
	EventRow
	Identity string // type:value the event was recorded under
	Source   string
	Line     int64
}

// Profile is the unified profile of the customer an identifier belongs to.
type Profile struct {
	Customer   int64
	Matched    IdentityRef // the identity the query matched
	Identities []IdentityInfo
	Links      []LinkInfo
	Traits     []identity.Trait // with the survivorship rule of each field
	Consents   []Consent
	Events     int64           // all events of the customer
	Timeline   []TimelineEvent // the first TimelineLimit events by time
	Decisions  []DecisionRow
	// OtherMatches lists further identities the query matched (an email
	// that is also a user id …), each possibly of another customer.
	OtherMatches []IdentityRef
}

// Profile returns the unified profile of the customer identified by raw
// (any identifier: an email in any case, a phone in any format, a CRM id,
// a cookie …; "type:value" restricts the type). timelineLimit bounds the
// timeline (0: every event). It returns ErrNotFound (wrapped) when
// nothing matches.
func (s *Store) Profile(ctx context.Context, raw string, timelineLimit int) (*Profile, error) {
	ids, err := s.FindIdentities(ctx, raw)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w %q: try `workbench profile` with an email, phone, CRM id, cookie or loyalty card that `workbench sources` shows as loaded", ErrNotFound, raw)
	}
	p := &Profile{Matched: ids[0], Customer: ids[0].Customer, OtherMatches: ids[1:]}
	c := p.Customer
	labels, err := s.labels(ctx)
	if err != nil {
		return nil, err
	}
	// Identities.
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.type, i.value, i.customer_id, i.shared, s.name, i.first_line, i.first_seen_ms
		FROM identities i JOIN sources s ON s.id = i.first_source_id WHERE i.customer_id = ? ORDER BY i.id`, c)
	if err != nil {
		return nil, err
	}
	byID := map[int64]int{}
	for rows.Next() {
		var x IdentityInfo
		if err := rows.Scan(&x.ID, &x.Type, &x.Value, &x.Customer, &x.Shared, &x.FirstSource, &x.FirstLine, &x.FirstSeen); err != nil {
			rows.Close()
			return nil, err
		}
		byID[x.ID] = len(p.Identities)
		p.Identities = append(p.Identities, x)
	}
	rows.Close()
	// Where each identity was seen: events, profile rows, decisions.
	seen, err := s.db.QueryContext(ctx, `SELECT identity_id, name, sum(n) FROM (
		SELECT identity_id, source_id, count(*) AS n FROM events WHERE customer_id = ?1 GROUP BY 1, 2
		UNION ALL SELECT identity_id, source_id, count(*) FROM decisions WHERE customer_id = ?1 GROUP BY 1, 2
		UNION ALL SELECT p.identity_id, p.source_id, count(*) FROM profile_rows p JOIN identities i ON i.id = p.identity_id
			WHERE i.customer_id = ?1 GROUP BY 1, 2) JOIN sources s ON s.id = source_id GROUP BY identity_id, source_id ORDER BY identity_id, source_id`, c)
	if err != nil {
		return nil, err
	}
	for seen.Next() {
		var id, n int64
		var name string
		if err := seen.Scan(&id, &name, &n); err != nil {
			seen.Close()
			return nil, err
		}
		if k, ok := byID[id]; ok {
			p.Identities[k].Seen = append(p.Identities[k].Seen, SeenIn{name, n})
		}
	}
	seen.Close()
	// Links touching the customer's identities (the evidence of merging;
	// links to shared identifiers are listed as guarded).
	lrows, err := s.db.QueryContext(ctx, `SELECT ia.id, ia.type, ia.value, ia.customer_id, ia.shared, ib.id, ib.type, ib.value, ib.customer_id, ib.shared,
		s.name, l.line, l.reason FROM links l JOIN identities ia ON ia.id = l.a JOIN identities ib ON ib.id = l.b JOIN sources s ON s.id = l.source_id
		WHERE l.a IN (SELECT id FROM identities WHERE customer_id = ?1) OR l.b IN (SELECT id FROM identities WHERE customer_id = ?1)
		ORDER BY l.source_id, l.line`, c)
	if err != nil {
		return nil, err
	}
	for lrows.Next() {
		var l LinkInfo
		if err := lrows.Scan(&l.A.ID, &l.A.Type, &l.A.Value, &l.A.Customer, &l.A.Shared, &l.B.ID, &l.B.Type, &l.B.Value, &l.B.Customer, &l.B.Shared,
			&l.Source, &l.Line, &l.Reason); err != nil {
			lrows.Close()
			return nil, err
		}
		l.Guarded = l.A.Shared || l.B.Shared
		p.Links = append(p.Links, l)
	}
	lrows.Close()
	// Traits.
	trows, err := s.db.QueryContext(ctx, `SELECT p.traits, p.ts, p.source_id, p.line, s.name FROM profile_rows p JOIN identities i ON i.id = p.identity_id
		JOIN sources s ON s.id = p.source_id WHERE i.customer_id = ? AND p.traits != '{}'`, c)
	if err != nil {
		return nil, err
	}
	var obs []identity.TraitObs
	for trows.Next() {
		var tj, name string
		var ts, src, line int64
		if err := trows.Scan(&tj, &ts, &src, &line, &name); err != nil {
			trows.Close()
			return nil, err
		}
		obs = appendTraitObs(obs, tj, ts, src, line, name)
	}
	trows.Close()
	p.Traits = identity.MergeTraits(obs)
	if p.Consents, err = s.Consents(ctx, c); err != nil {
		return nil, err
	}
	// Timeline.
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE customer_id = ?", c).Scan(&p.Events); err != nil {
		return nil, err
	}
	limit := timelineLimit
	if limit <= 0 {
		limit = -1
	}
	erows, err := s.db.QueryContext(ctx, `SELECT e.ts, e.seq, e.channel_id, e.type_id, e.campaign_id, e.revenue, e.props, i.type || ':' || i.value, s.name, e.line
		FROM events e JOIN identities i ON i.id = e.identity_id JOIN sources s ON s.id = e.source_id
		WHERE e.customer_id = ? ORDER BY e.ts, e.seq LIMIT ?`, c, limit)
	if err != nil {
		return nil, err
	}
	for erows.Next() {
		var t TimelineEvent
		var ch, ty, ca int64
		var rev sql.NullFloat64
		var props sql.NullString
		if err := erows.Scan(&t.Time, &t.Seq, &ch, &ty, &ca, &rev, &props, &t.Identity, &t.Source, &t.Line); err != nil {
			erows.Close()
			return nil, err
		}
		t.Customer = c
		t.Channel, t.Type, t.Campaign = labels[ch], labels[ty], labels[ca]
		t.Revenue, t.HasRevenue, t.Props = rev.Float64, rev.Valid, props.String
		p.Timeline = append(p.Timeline, t)
	}
	erows.Close()
	drows, err := s.db.QueryContext(ctx, `SELECT id, customer_id, ts, decision_key, trigger, action, propensity, reward, converted, revenue, cost
		FROM decisions WHERE customer_id = ? ORDER BY ts, id`, c)
	if err != nil {
		return nil, err
	}
	for drows.Next() {
		var d DecisionRow
		if err := drows.Scan(&d.ID, &d.Customer, &d.Time, &d.Key, &d.Trigger, &d.Action, &d.Propensity, &d.Reward, &d.Converted, &d.Revenue, &d.Cost); err != nil {
			drows.Close()
			return nil, err
		}
		p.Decisions = append(p.Decisions, d)
	}
	drows.Close()
	return p, nil
}

// EraseReport says what Erase removed (or would remove, for a dry run).
type EraseReport struct {
	Customer    int64
	Identifiers []IdentityRef
	Events      int64
	Decisions   int64
	ProfileRows int64
	Consents    int64
	Links       int64
	Rejects     int64 // rejected rows whose raw text contained an identifier
	DryRun      bool
}

// Erase removes the customer that raw identifies (see Profile for the
// forms accepted) everywhere: identities, links, profile rows and traits,
// consents, events, decisions, the customers row, and rejected rows whose
// raw text contains one of the identifiers (national phone forms
// included). One transaction; with dryRun it only counts. The identity
// graph should be re-stitched afterwards (load.Restitch): an identifier
// shared with the erased person may now belong to one person only.
func (s *Store) Erase(ctx context.Context, raw string, dryRun bool) (*EraseReport, error) {
	ids, err := s.FindIdentities(ctx, raw)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w %q: nothing erased; check the identifier with `workbench profile`", ErrNotFound, raw)
	}
	c := ids[0].Customer
	rep := &EraseReport{Customer: c, DryRun: dryRun}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT id, type, value, customer_id, shared FROM identities WHERE customer_id = ? ORDER BY id", c)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r IdentityRef
		if err := rows.Scan(&r.ID, &r.Type, &r.Value, &r.Customer, &r.Shared); err != nil {
			rows.Close()
			return nil, err
		}
		rep.Identifiers = append(rep.Identifiers, r)
	}
	rows.Close()
	count := func(dst *int64, q string, args ...any) error {
		return tx.QueryRowContext(ctx, q, args...).Scan(dst)
	}
	sub := "(SELECT id FROM identities WHERE customer_id = ?1)"
	for _, x := range []struct {
		dst *int64
		q   string
	}{
		{&rep.Events, "SELECT count(*) FROM events WHERE customer_id = ?1"},
		{&rep.Decisions, "SELECT count(*) FROM decisions WHERE customer_id = ?1"},
		{&rep.ProfileRows, "SELECT count(*) FROM profile_rows WHERE identity_id IN " + sub},
		{&rep.Consents, "SELECT count(*) FROM consents WHERE identity_id IN " + sub},
		{&rep.Links, "SELECT count(*) FROM links WHERE a IN " + sub + " OR b IN " + sub},
	} {
		if err := count(x.dst, x.q, c); err != nil {
			return nil, err
		}
	}
	needles := eraseNeedles(rep.Identifiers)
	rejectWhere := "0"
	args := []any{}
	for _, n := range needles {
		rejectWhere += " OR instr(lower(raw), lower(?)) > 0"
		args = append(args, n)
	}
	if err := count(&rep.Rejects, "SELECT count(*) FROM rejects WHERE "+rejectWhere, args...); err != nil {
		return nil, err
	}
	if dryRun {
		return rep, nil
	}
	if err := eraseEventKeys(ctx, tx, c); err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	for _, q := range []string{
		"DELETE FROM events WHERE customer_id = ?1",
		"DELETE FROM decisions WHERE customer_id = ?1",
		"DELETE FROM profile_rows WHERE identity_id IN " + sub,
		"DELETE FROM consents WHERE identity_id IN " + sub,
		"DELETE FROM links WHERE a IN " + sub + " OR b IN " + sub,
		"DELETE FROM identities WHERE customer_id = ?1",
		"DELETE FROM customers WHERE id = ?1",
	} {
		if _, err := tx.ExecContext(ctx, q, c); err != nil {
			return nil, fmt.Errorf("erase: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM rejects WHERE "+rejectWhere, args...); err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = value + 1 WHERE key = 'data_version'"); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return rep, nil
}

// eraseNeedles are the strings whose presence in a rejected row's raw
// text ties it to an erased identifier: each value, and for UK phones the
// national forms (07700900123 and 07700 900123).
func eraseNeedles(ids []IdentityRef) []string {
	var out []string
	for _, r := range ids {
		out = append(out, r.Value)
		if r.Type == "phone" && strings.HasPrefix(r.Value, "+44") {
			nat := "0" + r.Value[3:]
			out = append(out, nat)
			if len(nat) > 5 {
				out = append(out, nat[:5]+" "+nat[5:])
			}
		}
	}
	sort.Strings(out)
	return out
}
