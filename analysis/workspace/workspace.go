// Package workspace is the analysis service the command line and the
// interactive screens share: it opens a store, keeps the encoded journey
// Dataset of the store's current data version (rebuilt only when a load,
// re-stitch or erase changed the data), computes every customer's
// behavioural features in one pass, evaluates and saves named CEL segments,
// resolves the shared filters (time range, channels, event types, segment,
// traits) into a journey query, runs the journey analyses (transitions,
// variants, paths, funnels) in one scan, turns journeys into attribution
// paths, and lists the customers behind any cell of an aggregate with the
// identifier that opens their profile.
//
// Definitions are those of the packages it drives: journey (pm4py's
// directly-follows graph and variants; PostHog/Mixpanel-style paths and
// funnels), attribution (ChannelAttribution's heuristics and Markov removal
// effect; Shapley over channel sets) and segment (features, CEL segments,
// k-means, adjusted Rand index, cohorts). The workspace adds only the
// wiring and the definitions stated on its own functions.
package workspace

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// Workspace is the analysis service over one store. It is safe for
// concurrent use; caches are keyed by the store's data version.
type Workspace struct {
	st    *store.Store
	owned bool
	data  datasetCache

	mu       sync.Mutex
	features *featureCache
	profiles *profileCache
}

// Open opens (creating and migrating) the store at path and returns a
// workspace that owns it: Close closes the store.
func Open(path string) (*Workspace, error) {
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	w := New(st)
	w.owned = true
	return w, nil
}

// Own returns a workspace over an open store that it owns: Close closes
// the store.
func Own(st *store.Store) *Workspace { return &Workspace{st: st, owned: true} }

// New returns a workspace over an open store; Close leaves the store open.
func New(st *store.Store) *Workspace { return &Workspace{st: st} }

// Store is the underlying store.
func (w *Workspace) Store() *store.Store { return w.st }

// Close releases the journey Dataset's file and closes the store if Open
// opened it.
func (w *Workspace) Close() error {
	w.data.close()
	if w.owned {
		return w.st.Close()
	}
	return nil
}

// Dataset returns the encoded journeys of the store's current data
// version, keeping at least the property keys props; it is built from the
// store (one ordered scan of the events) on first use and after every
// change of the data, and shared otherwise. For a database on disk the
// Dataset lives in the file <database>.journeys next to it and every scan
// streams its events from there (memory does not grow with the number of
// events); a later run over unchanged data opens that file instead of
// scanning the store. A damaged file, or one of an older format, is
// rebuilt.
func (w *Workspace) Dataset(ctx context.Context, props ...string) (*journey.Dataset, error) {
	return w.data.get(ctx, w.st, props...)
}

// Filter is the filter every analysis shares. Zero values select
// everything.
type Filter struct {
	// From and To bound event times, From ≤ time < To, in UTC
	// milliseconds; 0 means unbounded.
	From, To int64
	// Channels and Types keep only events whose channel (type) is listed.
	Channels []string
	Types    []string
	// Segment keeps the customers of a segment: the name of a saved
	// segment, or a CEL expression (see segment.Compile).
	Segment string
	// Traits keeps the customers whose merged profile traits have every
	// listed key equal to its value.
	Traits map[string]string
}

// Query is a Filter with the journey choices: the step label, the split
// of each customer's events into journeys and the collapsing of repeats.
type Query struct {
	Filter          Filter
	Label           journey.LabelSpec
	Split           journey.Split
	CollapseRepeats bool
	// Workers is the number of scan goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Resolve returns the Dataset and the journey.Query of q: the segment is
// evaluated into its member set and the traits into the set of customers
// that match them (both cached per data version).
func (w *Workspace) Resolve(ctx context.Context, q Query) (*journey.Dataset, journey.Query, error) {
	var props []string
	if q.Label.By == journey.ByProperty {
		props = append(props, q.Label.Property)
	}
	d, err := w.Dataset(ctx, props...)
	if err != nil {
		return nil, journey.Query{}, err
	}
	jq := journey.Query{
		Filter: journey.Filter{From: q.Filter.From, To: q.Filter.To,
			Channels: q.Filter.Channels, Types: q.Filter.Types},
		Label: q.Label, Split: q.Split, CollapseRepeats: q.CollapseRepeats, Workers: q.Workers,
	}
	if q.Filter.Segment != "" {
		set, err := w.SegmentMembers(ctx, q.Filter.Segment)
		if err != nil {
			return nil, journey.Query{}, err
		}
		jq.Filter.Customers = set
	}
	if len(q.Filter.Traits) > 0 {
		set, err := w.TraitMembers(ctx, q.Filter.Traits)
		if err != nil {
			return nil, journey.Query{}, err
		}
		jq.Filter.Traits = set
	}
	return d, jq, nil
}

// Scan runs one journey scan of q feeding every accumulator.
func (w *Workspace) Scan(ctx context.Context, q Query, accs ...journey.Accumulator) error {
	d, jq, err := w.Resolve(ctx, q)
	if err != nil {
		return err
	}
	return journey.Scan(ctx, d, jq, accs...)
}

// Transitions is the directly-follows graph of q's journeys with the time
// between consecutive steps, as pm4py defines it (see
// journey.Transitions).
func (w *Workspace) Transitions(ctx context.Context, q Query) (journey.TransitionsResult, error) {
	t := journey.NewTransitions()
	if err := w.Scan(ctx, q, t); err != nil {
		return journey.TransitionsResult{}, err
	}
	return t.Result(), nil
}

// Variants are the top most frequent step sequences of q's journeys (all
// when top ≤ 0), as pm4py defines variants (see journey.Variants).
func (w *Workspace) Variants(ctx context.Context, q Query, top int) (journey.VariantsResult, error) {
	v := journey.NewVariants(top)
	if err := w.Scan(ctx, q, v); err != nil {
		return journey.VariantsResult{}, err
	}
	return v.ResultErr()
}

// Paths are the user paths (Sankey nodes and links) of q's journeys (see
// journey.Paths).
func (w *Workspace) Paths(ctx context.Context, q Query, opts journey.PathOptions) (journey.PathsResult, error) {
	p, err := journey.NewPaths(opts)
	if err != nil {
		return journey.PathsResult{}, err
	}
	if err := w.Scan(ctx, q, p); err != nil {
		return journey.PathsResult{}, err
	}
	return p.Result(), nil
}

// Funnel counts q's customers through the funnel (see journey.Funnel). A
// breakdown by customer value takes its groups from opts.GroupOf (see
// GroupOf).
func (w *Workspace) Funnel(ctx context.Context, q Query, opts journey.FunnelOptions) (journey.FunnelResult, error) {
	f, err := journey.NewFunnel(opts)
	if err != nil {
		return journey.FunnelResult{}, err
	}
	if err := w.Scan(ctx, q, f); err != nil {
		return journey.FunnelResult{}, err
	}
	return f.Result(), nil
}

// Overview is the result of the exploratory scan: transitions, top
// variants and one funnel, computed together.
type Overview struct {
	Transitions journey.TransitionsResult `json:"transitions"`
	Variants    journey.VariantsResult    `json:"variants"`
	Funnel      *journey.FunnelResult     `json:"funnel,omitempty"`
	Events      int                       `json:"dataset_events"`
	Customers   int                       `json:"dataset_customers"`
}

// Overview computes the directly-follows graph, the top variants and (when
// funnel is not nil) a funnel in a single scan of q's journeys.
func (w *Workspace) Overview(ctx context.Context, q Query, top int, funnel *journey.FunnelOptions) (*Overview, error) {
	d, jq, err := w.Resolve(ctx, q)
	if err != nil {
		return nil, err
	}
	t := journey.NewTransitions()
	v := journey.NewVariants(top)
	accs := []journey.Accumulator{t, v}
	var f *journey.Funnel
	if funnel != nil {
		if f, err = journey.NewFunnel(*funnel); err != nil {
			return nil, err
		}
		accs = append(accs, f)
	}
	if err := journey.Scan(ctx, d, jq, accs...); err != nil {
		return nil, err
	}
	vr, err := v.ResultErr() // reads the listed variants' steps back from the dataset
	if err != nil {
		return nil, err
	}
	o := &Overview{Transitions: t.Result(), Variants: vr, Events: d.NumEvents(), Customers: d.NumCustomers()}
	if f != nil {
		r := f.Result()
		o.Funnel = &r
	}
	return o, nil
}

// Labels lists the distinct channels and event types of the data, for
// completion and validation of filters.
func (w *Workspace) Labels(ctx context.Context) (channels, types []string, err error) {
	d, err := w.Dataset(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range d.Channels() {
		if s != "" {
			channels = append(channels, s)
		}
	}
	for _, s := range d.Types() {
		if s != "" {
			types = append(types, s)
		}
	}
	sort.Strings(channels)
	sort.Strings(types)
	return channels, types, nil
}

// CheckFilter returns an error naming the known values when the filter
// lists a channel or type that does not occur in the data (a typo would
// otherwise silently select nothing).
func (w *Workspace) CheckFilter(ctx context.Context, f Filter) error {
	chs, tys, err := w.Labels(ctx)
	if err != nil {
		return err
	}
	for _, c := range f.Channels {
		if !slices.Contains(chs, c) {
			return fmt.Errorf("no events on channel %q; the channels are: %s", c, strings.Join(chs, ", "))
		}
	}
	for _, t := range f.Types {
		if !slices.Contains(tys, t) {
			return fmt.Errorf("no events of type %q; the types are: %s", t, strings.Join(tys, ", "))
		}
	}
	return nil
}
