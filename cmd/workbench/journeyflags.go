package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// rawListFlag is a repeatable flag taken whole (values may hold commas).
type rawListFlag []string

func (l *rawListFlag) String() string     { return strings.Join(*l, " ") }
func (l *rawListFlag) Set(s string) error { *l = append(*l, s); return nil }

// journeyFlags are the flags every journey analysis shares.
type journeyFlags struct {
	db, format, from, to, segment, label, split string
	channels, types                             listFlag
	traits, groups                              rawListFlag
	gap                                         time.Duration
	collapse                                    bool
	who                                         string
	limit                                       int
}

// addJourneyFlags registers the shared filters, label choice, journey
// split, --who and the output flags.
func addJourneyFlags(fs *flag.FlagSet, defaultLabel string) *journeyFlags {
	f := addFilterFlags(fs)
	f.addStepFlags(fs, defaultLabel)
	fs.StringVar(&f.format, "format", "table", "output format: table, csv or json")
	fs.IntVar(&f.limit, "limit", 100, "with --who: list at most this many customers (0: all)")
	return f
}

// addFilterFlags registers --db and the shared event filters (--from,
// --to, --channels, --types, --segment, --trait).
func addFilterFlags(fs *flag.FlagSet) *journeyFlags {
	f := &journeyFlags{format: "table", label: "channel:type", split: "whole", gap: journey.DefaultSessionGap}
	fs.StringVar(&f.db, "db", "", "database file (default $WORKBENCH_DB, else $XDG_CACHE_HOME/journey-workbench/workbench.db)")
	fs.StringVar(&f.from, "from", "", "keep events at or after this time (2026-01-31 or RFC 3339, UTC)")
	fs.StringVar(&f.to, "to", "", "keep events before this time (exclusive)")
	fs.Var(&f.channels, "channels", "keep only events on these channels (comma-separated, repeatable)")
	fs.Var(&f.types, "types", "keep only events of these types (comma-separated, repeatable)")
	fs.StringVar(&f.segment, "segment", "", "keep the customers of a saved segment, or of a CEL expression")
	fs.Var(&f.traits, "trait", "keep the customers whose trait KEY equals VALUE: --trait k=v (repeatable, all must hold)")
	return f
}

// addStepFlags registers the journey choices: the step label and its
// grouping rules, the split into journeys and the collapsing of repeats.
func (f *journeyFlags) addStepFlags(fs *flag.FlagSet, defaultLabel string) {
	fs.StringVar(&f.label, "label", defaultLabel, "step label: type, channel, channel:type, campaign or prop:KEY")
	fs.Var(&f.groups, "group", "rename labels matching REGEX (in full): --group 'REGEX=>label' (repeatable, first match wins)")
	fs.StringVar(&f.split, "split", "whole", "journeys: whole (each customer's history), session (cut at --gap of inactivity) or conversion (ending at each order)")
	fs.DurationVar(&f.gap, "gap", journey.DefaultSessionGap, "inactivity gap that ends a session (--split session)")
	fs.BoolVar(&f.collapse, "collapse", false, "merge consecutive repeats of the same step")
}

// parseTime reads a --from/--to value as UTC milliseconds (0 when empty).
func parseTime(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("%w: time %q: write 2026-01-31, 2026-01-31 12:00:00 or RFC 3339", errUsage, s)
}

// query turns the flags into a workspace query.
func (f *journeyFlags) query() (workspace.Query, error) {
	var q workspace.Query
	if err := checkFormat(f.format); err != nil {
		return q, err
	}
	var err error
	if q.Filter, err = f.filter(); err != nil {
		return q, err
	}
	if q.Label, err = journey.ParseLabelBy(f.label); err != nil {
		return q, fmt.Errorf("%w: --label: %v", errUsage, err)
	}
	for _, g := range f.groups {
		r, err := workspace.ParseRule(g)
		if err != nil {
			return q, fmt.Errorf("%w: --group: %v", errUsage, err)
		}
		q.Label.Rules = append(q.Label.Rules, r)
	}
	switch f.split {
	case "whole", "":
		q.Split.Mode = journey.Whole
	case "session", "sessions":
		q.Split = journey.Split{Mode: journey.Sessions, Gap: f.gap}
	case "conversion", "conversions":
		q.Split = journey.Split{Mode: journey.BeforeConversion, ConversionTypes: orderTypes}
	default:
		return q, fmt.Errorf("%w: --split %q: use whole, session or conversion", errUsage, f.split)
	}
	q.CollapseRepeats = f.collapse
	return q, nil
}

// filter turns the filter flags into the workspace filter.
func (f *journeyFlags) filter() (workspace.Filter, error) {
	var wf workspace.Filter
	var err error
	if wf.From, err = parseTime(f.from); err != nil {
		return wf, err
	}
	if wf.To, err = parseTime(f.to); err != nil {
		return wf, err
	}
	wf.Channels, wf.Types, wf.Segment = f.channels, f.types, f.segment
	for _, kv := range f.traits {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return wf, fmt.Errorf("%w: --trait %q: write KEY=VALUE, e.g. --trait loyalty_tier=gold", errUsage, kv)
		}
		if wf.Traits == nil {
			wf.Traits = map[string]string{}
		}
		wf.Traits[k] = v
	}
	return wf, nil
}

// orderTypes are the event types that end a journey with --split
// conversion and count as conversions in attribution by default.
var orderTypes = []string{"Order Completed", "order_completed", "purchase", "order"}

// open opens the workspace on the --db database and checks the filter's
// channels and types against the data.
func (f *journeyFlags) open(ctx context.Context, q workspace.Query) (*workspace.Workspace, error) {
	w, err := openWorkspace(f.db)
	if err != nil {
		return nil, err
	}
	if err := w.CheckFilter(ctx, q.Filter); err != nil {
		w.Close()
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return w, nil
}

// openWorkspace opens the workspace on an existing database.
func openWorkspace(db string) (*workspace.Workspace, error) {
	st, err := openExistingDB(db)
	if err != nil {
		return nil, err
	}
	return workspace.Own(st), nil
}

// printWho writes the customers behind a cell.
func printWho(w io.Writer, r *workspace.WhoResult, format string) error {
	t := report.New("customer", "identifier")
	for _, c := range r.Customers {
		t.Add(c.ID, c.Identifier)
	}
	if format == "table" {
		fmt.Fprintf(w, "%s: %d customers", r.Cell, r.Total)
		if int64(len(r.Customers)) < r.Total {
			fmt.Fprintf(w, " (first %d by id)", len(r.Customers))
		}
		fmt.Fprintln(w, "; open one with `workbench profile IDENTIFIER`")
	}
	return t.Write(w, format)
}

// noArgs rejects positional arguments.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func secs(d journey.DurationStats) any {
	if d.Count == 0 {
		return nil
	}
	return d.Mean
}
