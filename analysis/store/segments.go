package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The saved-segments table is schema version 2, appended to Migrations
// here so that the table lives next to the statements that use it.
func init() {
	Migrations = append(Migrations, Migration{Version: 2, Name: "saved segments", SQL: schemaV2Segments})
}

// schemaV2Segments: named rule segments (CEL expressions over a customer's
// features, traits and consents). Only the definition is stored; members
// are computed from the current data when the segment is used.
const schemaV2Segments = `
CREATE TABLE segments (
	name        TEXT PRIMARY KEY,
	expr        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_ms  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL
) WITHOUT ROWID;
`

// ErrNoSegment is returned when no segment has the name asked for.
var ErrNoSegment = errors.New("no such segment")

// SavedSegment is one saved rule segment.
type SavedSegment struct {
	Name        string
	Expr        string
	Description string
	CreatedMs   int64
	UpdatedMs   int64
}

// SaveSegment inserts the segment, or replaces the expression and
// description of the segment of the same name (keeping its creation time).
// The caller validates the expression.
func (s *Store) SaveSegment(ctx context.Context, seg SavedSegment) error {
	if strings.TrimSpace(seg.Name) == "" {
		return fmt.Errorf("a segment needs a name")
	}
	now := time.Now().UnixMilli()
	_, err := s.db.ExecContext(ctx, `INSERT INTO segments(name, expr, description, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET expr = excluded.expr, description = excluded.description, updated_ms = excluded.updated_ms`,
		seg.Name, seg.Expr, seg.Description, now, now)
	return err
}

// Segment returns the saved segment name, or ErrNoSegment (wrapped).
func (s *Store) Segment(ctx context.Context, name string) (*SavedSegment, error) {
	var x SavedSegment
	err := s.db.QueryRowContext(ctx, `SELECT name, expr, description, created_ms, updated_ms FROM segments WHERE name = ?`, name).
		Scan(&x.Name, &x.Expr, &x.Description, &x.CreatedMs, &x.UpdatedMs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w %q: list the saved ones with `workbench segments`, or save it with `workbench segments --save NAME --expr EXPR`", ErrNoSegment, name)
	}
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// Segments lists the saved segments by name.
func (s *Store) Segments(ctx context.Context) ([]SavedSegment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, expr, description, created_ms, updated_ms FROM segments ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedSegment
	for rows.Next() {
		var x SavedSegment
		if err := rows.Scan(&x.Name, &x.Expr, &x.Description, &x.CreatedMs, &x.UpdatedMs); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteSegment removes the saved segment name, or returns ErrNoSegment
// (wrapped) when there is none.
func (s *Store) DeleteSegment(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM segments WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w %q", ErrNoSegment, name)
	}
	return nil
}

// identifierPreference orders identifier types for display: the first
// type a customer has names it (see PrimaryIdentities).
var identifierPreference = []string{"crm_id", "email", "phone", "loyalty_card", "user_id", "device_id", "anonymous_id"}

// PrimaryIdentities returns, for each of the customers, the identifier
// that names it in lists: its unshared identifier of the first type in
// crm_id, email, phone, loyalty_card, user_id, device_id, anonymous_id (any
// other type after those), ties by the lowest identity id; a shared one
// only when it has nothing else. Customers without identities are absent.
func (s *Store) PrimaryIdentities(ctx context.Context, customers []int64) (map[int64]IdentityRef, error) {
	out := make(map[int64]IdentityRef, len(customers))
	rank := func(r IdentityRef) int {
		k := len(identifierPreference)
		for i, t := range identifierPreference {
			if t == r.Type {
				k = i
				break
			}
		}
		if r.Shared {
			k += 100
		}
		return k
	}
	const chunk = 500
	for lo := 0; lo < len(customers); lo += chunk {
		part := customers[lo:min(lo+chunk, len(customers))]
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, type, value, customer_id, shared FROM identities
			WHERE customer_id IN (?`+strings.Repeat(",?", len(part)-1)+`) ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r IdentityRef
			if err := rows.Scan(&r.ID, &r.Type, &r.Value, &r.Customer, &r.Shared); err != nil {
				rows.Close()
				return nil, err
			}
			if have, ok := out[r.Customer]; !ok || rank(r) < rank(have) {
				out[r.Customer] = r
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
