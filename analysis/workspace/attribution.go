package workspace

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/segment"
)

// DefaultLookback is the attribution lookback window when none is given.
const DefaultLookback = 30 * 24 * time.Hour

// AttributionOptions say how journeys become attribution paths.
type AttributionOptions struct {
	// ConversionTypes are the event types that are conversions; nil means
	// segment.DefaultOrderTypes.
	ConversionTypes []string
	// Lookback keeps the touches at most Lookback before the conversion;
	// 0 means DefaultLookback, negative means no limit.
	Lookback time.Duration
	// NoNulls leaves out the journeys that did not convert (by default
	// they are the paths' nulls).
	NoNulls bool
	// Ignore are step labels that are not touches (they are dropped from
	// the paths), e.g. journey.NoValueLabel when labelling by campaign.
	Ignore []string
	// Times keeps one path per journey with the time of each touch and of
	// the conversion (the time-decay model needs them); otherwise paths
	// with the same touches are aggregated.
	Times bool
	// GroupOf, when set, splits the paths by the customer's group (see
	// Workspace.GroupOf).
	GroupOf func(customer int64) string
}

// AttributionPaths are the paths of one group of customers.
type AttributionPaths struct {
	Group string             `json:"group"`
	Paths []attribution.Path `json:"-"`
	// Journeys counts the journeys scanned, Conversions the converting
	// ones and Value their revenue, Nulls the non-converting ones; Empty
	// counts the journeys without any touch (a conversion with no touch
	// before it stays in the paths: the models report it unattributed).
	Journeys    int64   `json:"journeys"`
	Conversions int64   `json:"conversions"`
	Value       float64 `json:"value"`
	Nulls       int64   `json:"nulls"`
	Empty       int64   `json:"empty"`
	Distinct    int     `json:"distinct_paths"`
}

// AttributionPaths turns q's customers' journeys into attribution paths.
// The journeys are cut before each conversion (journey.BeforeConversion):
// a conversion is an event whose type is one of ConversionTypes; its path
// is the customer's steps after the previous conversion and at most
// Lookback before it, each step label (q.Label: the channel by default in
// the command) being one touch, and it carries 1 conversion and the
// conversion event's revenue as value. Unless NoNulls, the steps after a
// customer's last conversion (or all of a customer who never converted)
// form one more path with 1 null. Labels in Ignore are not touches.
// Groups are sorted by name ("" alone when GroupOf is nil).
func (w *Workspace) AttributionPaths(ctx context.Context, q Query, opt AttributionOptions) ([]AttributionPaths, error) {
	conv := opt.ConversionTypes
	if conv == nil {
		conv = segment.DefaultOrderTypes
	}
	lb := opt.Lookback
	if lb == 0 {
		lb = DefaultLookback
	}
	if lb < 0 {
		lb = 0
	}
	q.Split = journey.Split{Mode: journey.BeforeConversion, ConversionTypes: conv, Lookback: lb, IncludeNonConverting: !opt.NoNulls}
	d, jq, err := w.Resolve(ctx, q)
	if err != nil {
		return nil, err
	}
	acc := &pathAcc{opt: &opt, groups: map[string]*pathGroup{}}
	if err := journey.Scan(ctx, d, jq, acc); err != nil {
		return nil, err
	}
	return acc.result(), nil
}

type pathAgg struct {
	steps       []int32
	conversions float64
	value       float64
	nulls       float64
}

type pathGroup struct {
	agg      map[string]*pathAgg
	order    []string
	each     []attribution.Path // Times mode
	journeys int64
	conv     int64
	value    float64
	nulls    int64
	empty    int64
}

// pathAcc is the journey accumulator that builds attribution paths.
type pathAcc struct {
	opt    *AttributionOptions
	labels []string
	ignore []bool
	groups map[string]*pathGroup
	key    []byte
	touch  []int32
}

func (a *pathAcc) Begin(s *journey.Scope) error {
	a.labels = s.Labels
	a.ignore = make([]bool, len(s.Labels))
	for i, l := range s.Labels {
		a.ignore[i] = slices.Contains(a.opt.Ignore, l)
	}
	return nil
}

func (a *pathAcc) Fork() journey.Accumulator {
	return &pathAcc{opt: a.opt, labels: a.labels, ignore: a.ignore, groups: map[string]*pathGroup{}}
}

func (a *pathAcc) group(name string) *pathGroup {
	g := a.groups[name]
	if g == nil {
		g = &pathGroup{agg: map[string]*pathAgg{}}
		a.groups[name] = g
	}
	return g
}

func (a *pathAcc) Customer(c *journey.Customer) {
	name := ""
	if a.opt.GroupOf != nil {
		name = a.opt.GroupOf(c.ID)
	}
	g := a.group(name)
	for _, j := range c.Journeys {
		n := len(j.Steps)
		if j.Converted {
			n--
		}
		a.touch = a.touch[:0]
		var times []int64
		for k := 0; k < n; k++ {
			if !a.ignore[j.Steps[k]] {
				a.touch = append(a.touch, j.Steps[k])
				if a.opt.Times {
					times = append(times, j.Times[k])
				}
			}
		}
		g.journeys++
		var conv, value, nulls float64
		if j.Converted {
			conv = 1
			value, _ = c.Revenue(j.Events[len(j.Events)-1])
			g.conv++
			g.value += value
		} else {
			nulls = 1
			g.nulls++
		}
		if len(a.touch) == 0 {
			g.empty++
			if !j.Converted {
				continue // a null without touches says nothing
			}
		}
		if a.opt.Times {
			p := attribution.Path{Channels: make([]string, len(a.touch)), Times: times,
				Conversions: conv, Value: value, Nulls: nulls}
			for k, s := range a.touch {
				p.Channels[k] = a.labels[s]
			}
			if j.Converted {
				p.ConvTime = j.Times[len(j.Times)-1]
			}
			g.each = append(g.each, p)
			continue
		}
		a.key = a.key[:0]
		for _, s := range a.touch {
			a.key = binary.LittleEndian.AppendUint32(a.key, uint32(s))
		}
		x := g.agg[string(a.key)]
		if x == nil {
			x = &pathAgg{steps: slices.Clone(a.touch)}
			k := string(a.key)
			g.agg[k] = x
			g.order = append(g.order, k)
		}
		x.conversions += conv
		x.value += value
		x.nulls += nulls
	}
}

func (a *pathAcc) Merge(o journey.Accumulator) {
	b := o.(*pathAcc)
	for name, bg := range b.groups {
		g := a.group(name)
		g.journeys += bg.journeys
		g.conv += bg.conv
		g.value += bg.value
		g.nulls += bg.nulls
		g.empty += bg.empty
		g.each = append(g.each, bg.each...)
		for _, k := range bg.order {
			bx := bg.agg[k]
			x := g.agg[k]
			if x == nil {
				g.agg[k] = bx
				g.order = append(g.order, k)
				continue
			}
			x.conversions += bx.conversions
			x.value += bx.value
			x.nulls += bx.nulls
		}
	}
}

func (a *pathAcc) result() []AttributionPaths {
	names := make([]string, 0, len(a.groups))
	for n := range a.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]AttributionPaths, 0, len(names))
	for _, n := range names {
		g := a.groups[n]
		r := AttributionPaths{Group: n, Journeys: g.journeys, Conversions: g.conv, Value: g.value, Nulls: g.nulls, Empty: g.empty}
		if a.opt.Times {
			r.Paths = g.each
		} else {
			// Deterministic order: by touch sequence.
			keys := slices.Clone(g.order)
			sort.Strings(keys)
			for _, k := range keys {
				x := g.agg[k]
				p := attribution.Path{Channels: make([]string, len(x.steps)), Conversions: x.conversions, Value: x.value, Nulls: x.nulls}
				for i, s := range x.steps {
					p.Channels[i] = a.labels[s]
				}
				r.Paths = append(r.Paths, p)
			}
		}
		r.Distinct = len(attribution.Aggregate(r.Paths))
		out = append(out, r)
	}
	return out
}

// AttributionGroup is the attribution of one group of customers by every
// model asked for.
type AttributionGroup struct {
	AttributionPaths
	Results []attribution.Result `json:"results"`
}

// RunModels computes each named model (attribution.Models) on paths.
// Markov is solved exactly (attribution.Run).
func RunModels(paths []attribution.Path, models []string, opt attribution.Options) ([]attribution.Result, error) {
	if len(models) == 0 {
		models = attribution.Models()
	}
	out := make([]attribution.Result, 0, len(models))
	for _, m := range models {
		r, err := attribution.Run(m, paths, opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Attribute builds q's attribution paths (AttributionPaths) and runs the
// models on each group's paths. The time-decay model gets per-journey
// touch times (opt.Times is set when it is asked for).
func (w *Workspace) Attribute(ctx context.Context, q Query, opt AttributionOptions, models []string, mopt attribution.Options) ([]AttributionGroup, error) {
	if len(models) == 0 {
		models = attribution.Models()
	}
	if slices.Contains(models, attribution.ModelTimeDecay) {
		opt.Times = true
	}
	groups, err := w.AttributionPaths(ctx, q, opt)
	if err != nil {
		return nil, err
	}
	out := make([]AttributionGroup, 0, len(groups))
	for _, g := range groups {
		paths := g.Paths
		if opt.Times && !slices.Equal(models, []string{attribution.ModelTimeDecay}) {
			// Every model but time-decay reads aggregated paths: same
			// numbers, far fewer states to build.
			agg := attribution.Aggregate(paths)
			rs := make([]attribution.Result, 0, len(models))
			for _, m := range models {
				in := agg
				if m == attribution.ModelTimeDecay {
					in = paths
				}
				r, err := attribution.Run(m, in, mopt)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", m, err)
				}
				rs = append(rs, r)
			}
			out = append(out, AttributionGroup{AttributionPaths: g, Results: rs})
			continue
		}
		rs, err := RunModels(paths, models, mopt)
		if err != nil {
			return nil, err
		}
		out = append(out, AttributionGroup{AttributionPaths: g, Results: rs})
	}
	return out, nil
}
