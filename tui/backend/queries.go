package backend

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/identity"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/sahilm/fuzzy"
)

// Overview is what the Data screen shows: the loaded sources and the event
// counts of one data version.
type Overview struct {
	Version int64
	Sources []store.SourceStats
	Counts  *store.Counts
}

// DataVersion returns the store's data version (see store.DataVersion).
func (b *Backend) DataVersion(ctx context.Context) (int64, error) {
	return b.st.DataVersion(ctx)
}

// Counts returns the store's event counts, read from the aggregates the
// store keeps as events are written (store.AggregateCounts, equal to
// store.Counts without its scan of the events), cached for as long as the
// data version does not change: in memory, and in a file next to the
// database (DB + "-counts.json") so that the next start of the program
// does not read them again.
func (b *Backend) Counts(ctx context.Context) (*store.Counts, int64, error) {
	v, err := b.st.DataVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	b.cacheMu.Lock()
	if b.counts != nil && b.countsAt == v {
		c := b.counts
		b.cacheMu.Unlock()
		return c, v, nil
	}
	b.cacheMu.Unlock()
	c := b.readCountsFile(v)
	if c == nil {
		if c, err = b.st.AggregateCounts(ctx); err != nil {
			return nil, 0, err
		}
		b.writeCountsFile(v, c)
	}
	b.cacheMu.Lock()
	b.counts, b.countsAt = c, v
	b.cacheMu.Unlock()
	return c, v, nil
}

type countsFile struct {
	DB      string        `json:"db"`
	Version int64         `json:"data_version"`
	Counts  *store.Counts `json:"counts"`
}

func (b *Backend) countsPath() string {
	if b.st.Path() == "" || b.st.Path() == ":memory:" {
		return ""
	}
	return b.st.Path() + "-counts.json"
}

func (b *Backend) readCountsFile(v int64) *store.Counts {
	p := b.countsPath()
	if p == "" {
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var f countsFile
	if json.Unmarshal(data, &f) != nil || f.Version != v || f.DB != absPath(b.st.Path()) || f.Counts == nil {
		return nil
	}
	return f.Counts
}

// writeCountsFile saves the counts; failing to (a read-only directory) only
// costs the next start a scan.
func (b *Backend) writeCountsFile(v int64, c *store.Counts) {
	p := b.countsPath()
	if p == "" {
		return
	}
	data, err := json.Marshal(countsFile{DB: absPath(b.st.Path()), Version: v, Counts: c})
	if err != nil {
		return
	}
	tmp := p + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		os.Rename(tmp, p)
	}
}

// CachedCounts returns the cached counts and their data version without
// touching the store (nil when none are cached yet).
func (b *Backend) CachedCounts() (*store.Counts, int64) {
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	return b.counts, b.countsAt
}

// Overview reads the sources and the (cached) counts.
func (b *Backend) Overview(ctx context.Context) (*Overview, error) {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return nil, err
	}
	c, v, err := b.Counts(ctx)
	if err != nil {
		return nil, err
	}
	return &Overview{Version: v, Sources: srcs, Counts: c}, nil
}

// Rejects lists up to limit rejected rows of one source (0: every source)
// in file and line order.
func (b *Backend) Rejects(ctx context.Context, sourceID int64, limit int) ([]store.Reject, error) {
	return b.st.Rejects(ctx, sourceID, limit, 0)
}

// CustomerRow is one customer of a search result with its key facts.
type CustomerRow struct {
	Customer    int64
	Matched     string // the identifier or trait that matched the query
	Primary     string // type:value of the identifier that names the customer
	Name        string // first_name last_name traits
	Region      string
	Tier        string // loyalty_tier trait
	Identifiers int
	Events      int64
	LastSeen    int64 // UTC ms of the last event, 0 when none
}

// SearchCustomers finds up to limit customers by identifier prefix, trait
// substring or, failing enough of those, identifier or trait subsequence
// (store.SearchCustomers), ranks them with rankHits (exact identifier or
// trait value first, then by sahilm/fuzzy's score of the query against the
// matched text) and reads each one's key facts from its profile.
func (b *Backend) SearchCustomers(ctx context.Context, query string, limit int) ([]CustomerRow, error) {
	hits, err := b.st.SearchCustomers(ctx, query, limit)
	if err != nil || len(hits) == 0 {
		return nil, err
	}
	hits = rankHits(query, hits)
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.Customer
	}
	prim, err := b.st.PrimaryIdentities(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerRow, 0, len(hits))
	for _, h := range hits {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row := CustomerRow{Customer: h.Customer, Matched: h.Matched}
		ref, ok := prim[h.Customer]
		if !ok {
			out = append(out, row)
			continue
		}
		row.Primary = ref.String()
		p, err := b.st.Profile(ctx, row.Primary, 0)
		if err != nil {
			return nil, err
		}
		fillFacts(&row, p)
		out = append(out, row)
	}
	return out, nil
}

func fillFacts(row *CustomerRow, p *store.Profile) {
	tr := map[string]string{}
	for _, t := range p.Traits {
		tr[t.Key] = t.Value
	}
	row.Name = strings.TrimSpace(tr["first_name"] + " " + tr["last_name"])
	row.Region = tr["region"]
	row.Tier = tr["loyalty_tier"]
	row.Identifiers = len(p.Identities)
	row.Events = p.Events
	for _, e := range p.Timeline {
		if e.Time > row.LastSeen {
			row.LastSeen = e.Time
		}
	}
}

// rankHits orders hits: first those whose matched identifier or trait
// value equals the query or one of its normalised forms
// (identity.Candidates; case-insensitive, surrounding white space
// ignored), in their given order; then the rest by sahilm/fuzzy's score of
// the query (white space removed, as the store matches it) against the
// matched text, best first, ties in their given order; then the hits the
// fuzzy matcher rejects, in their given order.
func rankHits(query string, hits []store.CustomerHit) []store.CustomerHit {
	query = strings.TrimSpace(query)
	pattern := strings.Join(strings.Fields(query), "")
	out := make([]store.CustomerHit, 0, len(hits))
	used := make([]bool, len(hits))
	var rest []int
	var data []string
	exact := identity.Candidates(query)
	for i, h := range hits {
		if equalsAny(matchedValue(h.Matched), exact) {
			out = append(out, h)
			used[i] = true
			continue
		}
		rest = append(rest, i)
		data = append(data, h.Matched)
	}
	for _, m := range fuzzy.Find(pattern, data) {
		out = append(out, hits[rest[m.Index]])
		used[rest[m.Index]] = true
	}
	for i, h := range hits {
		if !used[i] {
			out = append(out, h)
		}
	}
	return out
}

// equalsAny reports whether v equals one of cands, case-insensitive.
func equalsAny(v string, cands []string) bool {
	for _, c := range cands {
		if strings.EqualFold(v, c) {
			return true
		}
	}
	return false
}

// matchedValue is the value part of a hit's matched text: v of "type:v"
// or of "trait key=v".
func matchedValue(matched string) string {
	if t, ok := strings.CutPrefix(matched, "trait "); ok {
		if _, v, ok := strings.Cut(t, "="); ok {
			return v
		}
		return t
	}
	if _, v, ok := strings.Cut(matched, ":"); ok {
		return v
	}
	return matched
}

// Profile returns the unified profile of the customer raw identifies (any
// identifier; "type:value" restricts the type) with up to timelineLimit
// events of its timeline (0: all).
func (b *Backend) Profile(ctx context.Context, raw string, timelineLimit int) (*store.Profile, error) {
	return b.st.Profile(ctx, raw, timelineLimit)
}
