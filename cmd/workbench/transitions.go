package main

import (
	"context"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "transitions",
		summary: "directly-follows graph: step-to-step transition counts and times (pm4py's DFG)",
		usage:   "[--db FILE] [filters] [--label L] [--split S] [--view edges|activities|start|end] [--who 'A>B'] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runTransitions(c, args, stdout) }
	register(c)
}

const transitionsHelp = `
Defines the directly-follows graph as pm4py does: within each journey, every
pair of consecutive steps (a, b) is one observation of edge a>b, its duration
time(b) − time(a) in seconds; start/end count journeys by first/last step.
Edge counts sum to events − journeys. Times: mean, median, min, max, sample
stdev (n−1; empty for one observation) and p90 (numpy interpolation; from a
sketch within 1% above 4096 observations).

--who 'A>B' lists the customers with a journey in which A is directly
followed by B ('(start)>B' and 'A>(end)' for first and last steps).`

func runTransitions(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, transitionsHelp, stdout)
	f := addJourneyFlags(fs, "channel:type")
	view := fs.String("view", "edges", "table to print: edges, activities, start or end")
	fs.StringVar(&f.who, "who", "", "list the customers behind edge 'A>B' instead")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
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
		from, to, err := workspace.ParseEdgeCell(f.who)
		if err != nil {
			return fmt.Errorf("%w: --who: %v", errUsage, err)
		}
		r, err := w.WhoEdge(ctx, q, from, to, f.limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, f.format)
	}
	r, err := w.Transitions(ctx, q)
	if err != nil {
		return err
	}
	var t *report.Table
	switch *view {
	case "edges":
		t = report.New("from", "to", "count", "mean_s", "median_s", "min_s", "max_s", "stdev_s", "p90_s")
		for _, e := range r.Edges {
			var sd any
			if e.Duration.Stdev != nil {
				sd = *e.Duration.Stdev
			}
			t.Add(e.From, e.To, e.Count, e.Duration.Mean, e.Duration.Median, e.Duration.Min, e.Duration.Max, sd, e.Duration.P90)
		}
	case "activities":
		t = report.New("step", "events", "journeys")
		for _, a := range r.Activities {
			t.Add(a.Label, a.Events, a.Journeys)
		}
	case "start", "end":
		t = report.New("step", "journeys")
		rows := r.Start
		if *view == "end" {
			rows = r.End
		}
		for _, a := range rows {
			t.Add(a.Label, a.Count)
		}
	default:
		return fmt.Errorf("%w: --view %q: use edges, activities, start or end", errUsage, *view)
	}
	if f.format == "table" {
		fmt.Fprintf(stdout, "%d journeys, %d events, %d edges\n", r.Journeys, r.Events, len(r.Edges))
	}
	return printTable(stdout, t, f.format)
}
