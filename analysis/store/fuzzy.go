package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"unicode"

	"github.com/sahilm/fuzzy"
)

// FuzzyCandidates bounds how many identities and how many profile rows a
// subsequence search reads before it ranks them, so that a query matching
// much of a large store still answers quickly.
const FuzzyCandidates = 2000

// FuzzyScanRows bounds how many rows of identities and of profile_rows
// (the first ones, by id) a subsequence search examines: a pattern that
// matches little would otherwise read every row, over 2 s on a
// 1,000,000-customer store. Identifiers and traits first seen beyond it
// are found by prefix and substring search only.
const FuzzyScanRows = 1_000_000

// fuzzyPattern returns the query with its white space removed, the form
// matched as a subsequence.
func fuzzyPattern(query string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, query)
}

// likeSubsequence returns the SQL LIKE pattern (with ESCAPE '\') that
// matches every text of which q = q1…qn is a subsequence:
// '%' q1 '%' q2 '%' … '%' qn '%', with %, _ and \ in q escaped so that
// they stand for themselves.
func likeSubsequence(q string) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range q {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		b.WriteByte('%')
	}
	return b.String()
}

// isSubsequenceFold reports whether q = q1…qn is a subsequence of v under
// Unicode case folding: there are indices i1 < … < in with v[ik] ≡ qk.
func isSubsequenceFold(q, v string) bool {
	qr := []rune(q)
	i := 0
	for _, r := range v {
		if i == len(qr) {
			break
		}
		if r == qr[i] || unicode.ToLower(r) == unicode.ToLower(qr[i]) {
			i++
		}
	}
	return i == len(qr)
}

// searchSubsequence finds up to limit customers, other than those in seen,
// with an identifier value (normalised, as stored) or a trait value of
// which the query without white space is a subsequence, case-insensitive
// (the fzf sense of a fuzzy match: "jaksn" matches "jackson"). Among the
// first FuzzyScanRows identities and profile rows it reads at most
// FuzzyCandidates of each whose text matches the LIKE pattern of likeSubsequence, scores each
// candidate's Matched text ("type:value" or "trait key=value") with
// sahilm/fuzzy, and keeps each customer's best-scoring candidate, best
// customers first (ties in the order read). Customers it returns are
// added to seen.
func (s *Store) searchSubsequence(ctx context.Context, query string, limit int, seen map[int64]bool) ([]CustomerHit, error) {
	q := fuzzyPattern(query)
	if q == "" || limit <= 0 {
		return nil, nil
	}
	like := likeSubsequence(q)
	var cands []CustomerHit
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, type, value FROM identities
		WHERE id <= (SELECT min(id) FROM identities) + ? AND value LIKE ? ESCAPE '\' LIMIT ?`, FuzzyScanRows-1, like, FuzzyCandidates)
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
		if !seen[c] && isSubsequenceFold(q, v) {
			cands = append(cands, CustomerHit{Customer: c, Matched: ty + ":" + v})
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT i.customer_id, p.traits FROM profile_rows p JOIN identities i ON i.id = p.identity_id
		WHERE p.id <= (SELECT min(id) FROM profile_rows) + ? AND p.traits LIKE ? ESCAPE '\' LIMIT ?`, FuzzyScanRows-1, like, FuzzyCandidates)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c int64
		var tj string
		if err := rows.Scan(&c, &tj); err != nil {
			return nil, err
		}
		if seen[c] {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(tj), &m) != nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, ok := m[k].(string)
			if ok && isSubsequenceFold(q, v) {
				cands = append(cands, CustomerHit{Customer: c, Matched: "trait " + k + "=" + v})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	data := make([]string, len(cands))
	for i, h := range cands {
		data[i] = h.Matched
	}
	var out []CustomerHit
	for _, m := range fuzzy.Find(q, data) {
		h := cands[m.Index]
		if seen[h.Customer] {
			continue
		}
		seen[h.Customer] = true
		out = append(out, h)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
