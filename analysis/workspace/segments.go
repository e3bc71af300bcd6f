package workspace

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/journeyworkbench/workbench/analysis/identity"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// profileCache holds the merged traits and current consents of every
// customer at one data version.
type profileCache struct {
	version  int64
	traits   map[int64]map[string]string
	consents map[int64]map[string]bool
}

// featureCache holds every customer's features at one data version and
// configuration.
type featureCache struct {
	version int64
	key     string
	fs      []segment.Features // in dataset customer order
	index   map[int64]int
}

// Profiles returns the merged traits (key → value, the value that
// survived merging) and the current consents (channel → granted) of every
// customer that has any, read once per data version.
func (w *Workspace) Profiles(ctx context.Context) (traits map[int64]map[string]string, consents map[int64]map[string]bool, err error) {
	v, err := w.st.DataVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.profiles; p != nil && p.version == v {
		return p.traits, p.consents, nil
	}
	p := &profileCache{version: v, traits: map[int64]map[string]string{}, consents: map[int64]map[string]bool{}}
	err = w.st.ScanTraits(ctx, func(c int64, ts []identity.Trait) error {
		m := make(map[string]string, len(ts))
		for _, t := range ts {
			m[t.Key] = t.Value
		}
		p.traits[c] = m
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = w.st.ScanConsents(ctx, func(c *store.Consent) error {
		m := p.consents[c.Customer]
		if m == nil {
			m = map[string]bool{}
			p.consents[c.Customer] = m
		}
		m[c.Channel] = c.Granted
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	w.profiles = p
	return p.traits, p.consents, nil
}

// TraitMembers is the set of customers whose merged traits have every key
// of want equal to its value.
func (w *Workspace) TraitMembers(ctx context.Context, want map[string]string) (journey.IDSet, error) {
	traits, _, err := w.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	set := journey.IDSet{}
	for c, m := range traits {
		ok := true
		for k, v := range want {
			if m[k] != v {
				ok = false
				break
			}
		}
		if ok {
			set[c] = struct{}{}
		}
	}
	return set, nil
}

// FeatureConfig returns the feature configuration the workspace uses for
// the dataset d: recency and tenure measured from the start of the UTC day
// after the last event, sessions cut at 30 minutes, and the providers'
// outbound records (sent, delivered, bounce, failed) skipped so that
// features describe what customers did.
func FeatureConfig(d *journey.Dataset) segment.Config {
	_, last := d.TimeRange()
	asOf := (last/segment.DayMs + 1) * segment.DayMs
	return segment.Config{AsOf: asOf, SkipTypes: segment.DefaultOutboundTypes}
}

// Features returns the behavioural features of every customer with events
// (segment.Features, over each customer's whole history) in ascending
// customer id order, computed in one parallel pass over the Dataset and
// cached per data version and configuration. A zero cfg means
// FeatureConfig of the data.
func (w *Workspace) Features(ctx context.Context, cfg segment.Config) ([]segment.Features, error) {
	d, err := w.Dataset(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.AsOf == 0 && cfg.SkipTypes == nil && cfg.OrderTypes == nil && cfg.CartTypes == nil && cfg.SessionGap == 0 {
		cfg = FeatureConfig(d)
	}
	key := fmt.Sprintf("%+v", cfg)
	w.mu.Lock()
	if fc := w.features; fc != nil && fc.version == d.Version && fc.key == key {
		w.mu.Unlock()
		return fc.fs, nil
	}
	w.mu.Unlock()
	n := d.NumCustomers()
	fs := make([]segment.Features, n)
	// One scan of whole, unfiltered histories: every customer with
	// events, each event once, in time order.
	if err := journey.Scan(ctx, d, journey.Query{}, &featureAcc{cfg: cfg, fs: fs}); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	idx := make(map[int64]int, n)
	for i := range fs {
		idx[fs[i].Customer] = i
	}
	w.mu.Lock()
	w.features = &featureCache{version: d.Version, key: key, fs: fs, index: idx}
	w.mu.Unlock()
	return fs, nil
}

// featureAcc is the scan accumulator of Features: each fork has its own
// builder and writes the features of customer i to fs[i].
type featureAcc struct {
	cfg segment.Config
	fs  []segment.Features
	b   *segment.FeatureBuilder
}

func (a *featureAcc) Begin(*journey.Scope) error { return nil }
func (a *featureAcc) Fork() journey.Accumulator {
	return &featureAcc{cfg: a.cfg, fs: a.fs, b: segment.NewFeatureBuilder(a.cfg)}
}
func (a *featureAcc) Merge(journey.Accumulator) {}
func (a *featureAcc) Customer(c *journey.Customer) {
	a.b.Begin(c.ID)
	for _, j := range c.Journeys {
		for k, pos := range j.Events {
			rev, _ := c.Revenue(pos)
			a.b.Add(segment.Event{Time: j.Times[k], Channel: c.EventChannel(pos), Type: c.EventType(pos), Revenue: rev})
		}
	}
	a.fs[c.Index] = a.b.Finish()
}

// ResolveSegment returns the definition named by nameOrExpr: a saved
// segment of that name, otherwise nameOrExpr itself read as a CEL
// expression (named "(expression)").
func (w *Workspace) ResolveSegment(ctx context.Context, nameOrExpr string) (segment.Definition, error) {
	saved, err := w.st.Segment(ctx, nameOrExpr)
	if err == nil {
		return segment.Definition{Name: saved.Name, Expr: saved.Expr, Description: saved.Description}, nil
	}
	if !errors.Is(err, store.ErrNoSegment) {
		return segment.Definition{}, err
	}
	def := segment.Definition{Name: "(expression)", Expr: nameOrExpr}
	if _, cerr := def.Compile(); cerr != nil {
		return def, fmt.Errorf("%q is neither a saved segment (see `workbench segments`) nor a valid expression: %w", nameOrExpr, cerr)
	}
	return def, nil
}

// SegmentMembers is the set of customers (with events) for whom the
// segment's expression is true over their features, traits and consents.
func (w *Workspace) SegmentMembers(ctx context.Context, nameOrExpr string) (journey.IDSet, error) {
	def, err := w.ResolveSegment(ctx, nameOrExpr)
	if err != nil {
		return nil, err
	}
	ids, err := w.Members(ctx, def)
	if err != nil {
		return nil, err
	}
	return journey.NewIDSet(ids...), nil
}

// Members evaluates the definition on every customer with events and
// returns the ids of those it matches, ascending.
func (w *Workspace) Members(ctx context.Context, def segment.Definition) ([]int64, error) {
	seg, err := def.Compile()
	if err != nil {
		return nil, err
	}
	fs, err := w.Features(ctx, segment.Config{})
	if err != nil {
		return nil, err
	}
	traits, consents, err := w.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for i := range fs {
		c := fs[i].Customer
		ok, err := seg.Match(&fs[i], traits[c], consents[c])
		if err != nil {
			return nil, fmt.Errorf("segment %s on customer %d: %w", def.Name, c, err)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// SegmentSize is a segment with its number of members.
type SegmentSize struct {
	segment.Definition
	Members   int     `json:"members"`
	Customers int     `json:"customers"`
	Share     float64 `json:"share"` // Members / Customers
	UpdatedMs int64   `json:"updated_ms,omitempty"`
}

// Segments lists the saved segments with their sizes on the current data:
// Members of the Customers with events, Share = Members / Customers.
func (w *Workspace) Segments(ctx context.Context) ([]SegmentSize, error) {
	saved, err := w.st.Segments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SegmentSize, 0, len(saved))
	for _, s := range saved {
		sz, err := w.SizeOf(ctx, segment.Definition{Name: s.Name, Expr: s.Expr, Description: s.Description})
		if err != nil {
			return nil, err
		}
		sz.UpdatedMs = s.UpdatedMs
		out = append(out, sz)
	}
	return out, nil
}

// SizeOf evaluates a definition and returns its size.
func (w *Workspace) SizeOf(ctx context.Context, def segment.Definition) (SegmentSize, error) {
	ids, err := w.Members(ctx, def)
	if err != nil {
		return SegmentSize{}, err
	}
	fs, err := w.Features(ctx, segment.Config{})
	if err != nil {
		return SegmentSize{}, err
	}
	sz := SegmentSize{Definition: def, Members: len(ids), Customers: len(fs)}
	if len(fs) > 0 {
		sz.Share = float64(len(ids)) / float64(len(fs))
	}
	return sz, nil
}

// SaveSegment validates the definition (segment.Definition.Validate) and
// saves it under its name, replacing a segment of the same name.
func (w *Workspace) SaveSegment(ctx context.Context, def segment.Definition) error {
	if err := def.Validate(); err != nil {
		return err
	}
	return w.st.SaveSegment(ctx, store.SavedSegment{Name: def.Name, Expr: def.Expr, Description: def.Description})
}

// DeleteSegment removes a saved segment.
func (w *Workspace) DeleteSegment(ctx context.Context, name string) error {
	return w.st.DeleteSegment(ctx, name)
}

// GroupOf returns the per-customer grouping named by by, for breakdowns:
//
//	trait:KEY     the customer's merged trait KEY ("(none)" when absent)
//	segment:NAME  "in NAME" or "not in NAME" (a saved segment or expression)
//	segments      the first saved segment (by name) the customer is in, else "(none)"
//	first-channel the channel of the customer's first event
//	last-channel  the channel of the customer's last event
func (w *Workspace) GroupOf(ctx context.Context, by string) (func(customer int64) string, error) {
	switch {
	case strings.HasPrefix(by, "trait:"):
		key := strings.TrimPrefix(by, "trait:")
		traits, _, err := w.Profiles(ctx)
		if err != nil {
			return nil, err
		}
		return func(c int64) string {
			if v, ok := traits[c][key]; ok && v != "" {
				return v
			}
			return journey.NoValueLabel
		}, nil
	case strings.HasPrefix(by, "segment:"):
		name := strings.TrimPrefix(by, "segment:")
		set, err := w.SegmentMembers(ctx, name)
		if err != nil {
			return nil, err
		}
		in, out := "in "+name, "not in "+name
		return func(c int64) string {
			if set.Contains(c) {
				return in
			}
			return out
		}, nil
	case by == "segments":
		saved, err := w.st.Segments(ctx)
		if err != nil {
			return nil, err
		}
		if len(saved) == 0 {
			return nil, fmt.Errorf("no saved segments to group by: save one with `workbench segments --save NAME --expr EXPR`")
		}
		first := map[int64]string{}
		for _, s := range saved {
			ids, err := w.Members(ctx, segment.Definition{Name: s.Name, Expr: s.Expr})
			if err != nil {
				return nil, err
			}
			for _, c := range ids {
				if _, ok := first[c]; !ok {
					first[c] = s.Name
				}
			}
		}
		return func(c int64) string {
			if s, ok := first[c]; ok {
				return s
			}
			return journey.NoValueLabel
		}, nil
	case by == "first-channel" || by == "last-channel":
		fs, err := w.Features(ctx, segment.Config{})
		if err != nil {
			return nil, err
		}
		m := make(map[int64]string, len(fs))
		for i := range fs {
			if by == "first-channel" {
				m[fs[i].Customer] = fs[i].FirstChannel
			} else {
				m[fs[i].Customer] = fs[i].LastChannel
			}
		}
		return func(c int64) string {
			if s, ok := m[c]; ok && s != "" {
				return s
			}
			return journey.NoValueLabel
		}, nil
	}
	return nil, fmt.Errorf("unknown grouping %q: use trait:KEY, segment:NAME, segments, first-channel or last-channel", by)
}

// ClusterOptions configure Clusters.
type ClusterOptions struct {
	// Columns are the feature columns (segment.Features.Value names);
	// nil means DefaultClusterColumns.
	Columns []string
	// Segment, when set, clusters only the members of this segment (a
	// saved name or an expression), e.g. the known customers.
	Segment string
	segment.KMeansOptions
}

// DefaultClusterColumns are the behavioural features clustered by
// default: order value, orders, abandoned carts, app share, recency and
// web share, counts and money on a log scale.
var DefaultClusterColumns = []string{"log1p(aov)", "log1p(orders)", "log1p(carts_abandoned)", "share:app", "log1p(recency_days)", "share:web"}

// Clusters clusters the customers with events by k-means on standardised
// feature columns (segment.ClusterFeatures); Customers[i] is the customer
// of Assign[i].
type Clusters struct {
	*segment.Clustering
	Customers []int64 `json:"customers"`
}

// Cluster runs k-means on every customer's features.
func (w *Workspace) Cluster(ctx context.Context, opt ClusterOptions) (*Clusters, error) {
	fs, err := w.Features(ctx, segment.Config{})
	if err != nil {
		return nil, err
	}
	if opt.Segment != "" {
		set, err := w.SegmentMembers(ctx, opt.Segment)
		if err != nil {
			return nil, err
		}
		var in []segment.Features
		for i := range fs {
			if set.Contains(fs[i].Customer) {
				in = append(in, fs[i])
			}
		}
		if len(in) < 3 {
			return nil, fmt.Errorf("segment %q has %d customers: too few to cluster", opt.Segment, len(in))
		}
		fs = in
	}
	cols := opt.Columns
	if cols == nil {
		cols = DefaultClusterColumns
	}
	res, err := segment.ClusterFeatures(fs, cols, opt.KMeansOptions)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(fs))
	for i := range fs {
		ids[i] = fs[i].Customer
	}
	return &Clusters{Clustering: res, Customers: ids}, nil
}

// CohortOptions configure Cohorts.
type CohortOptions struct {
	Period segment.Period
	// Types are the event types that count as activity after the first
	// event (an order type for purchase retention); nil means any event.
	Types []string
	// AsOf is the horizon (UTC ms); 0 means the last event.
	AsOf int64
}

// Cohorts builds the retention matrix of q's customers: each customer is in
// the cohort of the period of their first event (after q's filters), and
// is active in period p when they have a qualifying event in it (see
// segment.CohortBuilder).
func (w *Workspace) Cohorts(ctx context.Context, q Query, opt CohortOptions) (*segment.CohortMatrix, error) {
	b, err := segment.NewCohortBuilder(opt.Period, opt.AsOf)
	if err != nil {
		return nil, err
	}
	d, jq, err := w.Resolve(ctx, q)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range opt.Types {
		want[t] = true
	}
	var mu sync.Mutex
	type rec struct {
		first  int64
		events []int64
	}
	var recs []rec
	acc := journey.WhoFunc(1, func(c *journey.Customer) bool {
		var r rec
		r.first = -1
		for _, j := range c.Journeys {
			for k, t := range j.Times {
				if r.first < 0 || t < r.first {
					r.first = t
				}
				if len(want) == 0 || want[c.EventType(j.Events[k])] {
					r.events = append(r.events, t)
				}
			}
		}
		if r.first >= 0 {
			mu.Lock()
			recs = append(recs, r)
			mu.Unlock()
		}
		return false
	})
	if err := journey.Scan(ctx, d, jq, acc); err != nil {
		return nil, err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].first < recs[j].first })
	for _, r := range recs {
		b.Add(r.first, r.events)
	}
	return b.Matrix(), nil
}
