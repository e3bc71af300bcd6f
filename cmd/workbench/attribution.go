package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "attribution",
		summary: "channel attribution of conversions: heuristics, Markov removal effect, Shapley",
		usage:   "[--db FILE] [filters] [--label channel] [--models M,…] [--conversion TYPE,…] [--lookback 30d] [--by G] | --paths-file FILE [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runAttribution(c, args, stdout) }
	register(c)
}

func attributionHelp() string {
	var b strings.Builder
	b.WriteString(`
Paths: each conversion (an event of a --conversion type) with the customer's
steps (labels, the channel by default) after the previous conversion and
within --lookback before it is one converting path worth the event's
revenue; the steps after a customer's last conversion are one null path.
--paths-file reads ChannelAttribution's path;total_conversions;
total_conversion_value;total_null file instead of the database.
`)
	for _, m := range attribution.Models() {
		b.WriteString("\n" + attribution.Definitions[m])
	}
	return b.String()
}

func runAttribution(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, attributionHelp(), stdout)
	f := addJourneyFlags(fs, "channel")
	a := addAttributionFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	groups, err := a.groups(f)
	if err != nil {
		return err
	}
	t := report.New("group", "model", "channel", "conversions", "value", "share")
	for _, g := range groups {
		if f.format == "table" && a.pathsFile == "" {
			fmt.Fprintf(stdout, "group %q: %d journeys, %d conversions (value %.2f), %d nulls, %d without touches, %d distinct paths\n",
				g.Group, g.Journeys, g.Conversions, g.Value, g.Nulls, g.Empty, g.Distinct)
		}
		for _, r := range g.Results {
			for _, row := range r.ByConversions() {
				t.Add(g.Group, r.Model, row.Channel, row.Conversions, row.Value, row.Share)
			}
			if r.Unattributed.Conversions > 0 {
				t.Add(g.Group, r.Model, "(unattributed)", r.Unattributed.Conversions, r.Unattributed.Value, nil)
			}
		}
	}
	return printTable(stdout, t, f.format)
}

// attributionFlags are the attribution's choices: models, conversions,
// touches, lookback, breakdown, model options and the paths file.
type attributionFlags struct {
	models, conv, ignore listFlag
	lookback, by         string
	halfLife, pathsFile  string
	noNulls              bool
	order                int
}

// addAttributionFlags registers the attribution flags.
func addAttributionFlags(fs *flag.FlagSet) *attributionFlags {
	a := &attributionFlags{}
	fs.Var(&a.models, "models", "models to run (comma-separated): "+strings.Join(attribution.Models(), ", ")+" (default all)")
	fs.Var(&a.conv, "conversion", "event types that are conversions (default: "+strings.Join(orderTypes, ", ")+")")
	fs.Var(&a.ignore, "ignore", "step labels that are not touches, e.g. web,app,store to attribute to marketing touches only")
	fs.StringVar(&a.lookback, "lookback", "30d", "touches at most this long before the conversion count (0: no limit)")
	fs.BoolVar(&a.noNulls, "no-nulls", false, "leave out the journeys that did not convert")
	fs.StringVar(&a.by, "by", "", "attribute separately per group: trait:KEY, segment:NAME, segments, first-channel or last-channel")
	fs.IntVar(&a.order, "markov-order", 1, "order of the Markov chain, 1 to 4")
	fs.StringVar(&a.halfLife, "half-life", "7d", "half-life of the time-decay model")
	fs.StringVar(&a.pathsFile, "paths-file", "", "attribute the aggregated paths of this file instead of the database")
	return a
}

// groups runs the models on the paths file, or on the journeys of the
// database selected by f, one group per --by value (one group without
// --by).
func (a *attributionFlags) groups(f *journeyFlags) ([]workspace.AttributionGroup, error) {
	for _, m := range a.models {
		if !slices.Contains(attribution.Models(), m) {
			return nil, fmt.Errorf("%w: --models: unknown model %q; the models are %s", errUsage, m, strings.Join(attribution.Models(), ", "))
		}
	}
	hl, err := parseWindow(a.halfLife)
	if err != nil {
		return nil, err
	}
	mopt := attribution.Options{Markov: attribution.MarkovOptions{Order: a.order}, TimeDecay: attribution.TimeDecayOptions{HalfLife: hl}}
	if err := checkFormat(f.format); err != nil {
		return nil, err
	}
	if a.pathsFile != "" {
		fh, err := os.Open(a.pathsFile)
		if err != nil {
			return nil, err
		}
		paths, err := attribution.ReadPaths(fh, attribution.PathFileOptions{})
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.pathsFile, err)
		}
		rs, err := workspace.RunModels(paths, a.models, mopt)
		if err != nil {
			return nil, err
		}
		var g workspace.AttributionGroup
		g.Paths, g.Results, g.Distinct = paths, rs, len(paths)
		return []workspace.AttributionGroup{g}, nil
	}
	q, err := f.query()
	if err != nil {
		return nil, err
	}
	opt := workspace.AttributionOptions{ConversionTypes: a.conv, Ignore: a.ignore, NoNulls: a.noNulls}
	if a.lookback == "0" {
		opt.Lookback = -1
	} else if opt.Lookback, err = parseWindow(a.lookback); err != nil {
		return nil, err
	}
	if opt.ConversionTypes == nil {
		opt.ConversionTypes = orderTypes
	}
	ctx := context.Background()
	w, err := f.open(ctx, q)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if a.by != "" {
		if opt.GroupOf, err = w.GroupOf(ctx, a.by); err != nil {
			return nil, fmt.Errorf("%w: --by: %v", errUsage, err)
		}
	}
	return w.Attribute(ctx, q, opt, a.models, mopt)
}
