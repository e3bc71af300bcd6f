package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "paths",
		summary: "user paths (Sankey flows): top steps per column with other and drop-off nodes",
		usage:   "[--db FILE] [filters] [--label L] [--split S] [--start L] [--end L] [--steps N] [--top K] [--who node:ID|link:I] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runPaths(c, args, stdout) }
	register(c)
}

const pathsHelp = `
Each journey gives one path, as PostHog/Amplitude user paths do: its first
--steps steps (or from the first --start step, or up to the first --end
step), a shorter path ending in a (drop-off) node; per column the --top
labels by journeys are kept and the rest merged into (other). Prints the
nodes (id, column, label, journeys) and the links between them.

--who node:ID or link:I lists the customers whose path passes that node/link.`

func runPaths(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, pathsHelp, stdout)
	f := addJourneyFlags(fs, "channel:type")
	o := addPathFlags(fs)
	view := fs.String("view", "nodes", "table to print: nodes or links")
	fs.StringVar(&f.who, "who", "", "list the customers behind node:ID or link:I instead")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	o.CollapseRepeats = f.collapse
	q, err := f.query()
	if err != nil {
		return err
	}
	ctx := context.Background()
	w, err := f.open(ctx, q)
	if err != nil {
		return err
	}
	defer w.Close()
	if f.who != "" {
		link, id, err := workspace.ParsePathCell(f.who)
		if err != nil {
			return fmt.Errorf("%w: --who: %v", errUsage, err)
		}
		r, err := w.WhoPath(ctx, q, *o, link, id, f.limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, f.format)
	}
	r, err := w.Paths(ctx, q, *o)
	if err != nil {
		return err
	}
	var t *report.Table
	switch *view {
	case "nodes":
		t = report.New("id", "step", "label", "kind", "journeys")
		for _, n := range r.Nodes {
			t.Add(n.ID, n.Step, n.Label, n.Kind, n.Journeys)
		}
	case "links":
		t = report.New("link", "source", "from", "target", "to", "journeys")
		for i, l := range r.Links {
			t.Add(i, l.Source, r.Nodes[l.Source].Label, l.Target, r.Nodes[l.Target].Label, l.Journeys)
		}
	default:
		return fmt.Errorf("%w: --view %q: use nodes or links", errUsage, *view)
	}
	if f.format == "table" {
		fmt.Fprintf(stdout, "%d journeys (%d without the anchor), %d distinct paths\n", r.Journeys, r.Excluded, r.Distinct)
	}
	return printTable(stdout, t, f.format)
}

// addPathFlags registers the path options: anchors, columns and labels
// kept per column.
func addPathFlags(fs *flag.FlagSet) *journey.PathOptions {
	o := &journey.PathOptions{}
	fs.StringVar(&o.Start, "start", "", "anchor paths at the first step with this label")
	fs.StringVar(&o.End, "end", "", "anchor paths at (ending with) the first step with this label")
	fs.IntVar(&o.Steps, "steps", journey.DefaultPathSteps, "columns (step limit)")
	fs.IntVar(&o.TopK, "top", journey.DefaultPathTopK, "labels kept per column; the rest become (other)")
	return o
}
