package main

import (
	"context"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "cohorts",
		summary: "retention by cohort of first event: share of each cohort active in each later period",
		usage:   "[--db FILE] [filters] [--period day|week|month] [--active TYPE,…] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runCohorts(c, args, stdout) }
	register(c)
}

const cohortsHelp = `
A customer's cohort is the period (UTC day, ISO week from Monday, or month)
of their first event after the filters; retention[c][p] = customers of
cohort c with a qualifying event (any event, or of an --active type) in
period c + p, divided by the cohort's size (p0 = 1 by definition).`

func runCohorts(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, cohortsHelp, stdout)
	f := addJourneyFlags(fs, "type")
	period := fs.String("period", "week", "cohort period: day, week or month")
	var active listFlag
	fs.Var(&active, "active", "event types that count as activity after the first event (default any)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	p, err := segment.ParsePeriod(*period)
	if err != nil {
		return fmt.Errorf("%w: --period: %v", errUsage, err)
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
	m, err := w.Cohorts(ctx, q, workspace.CohortOptions{Period: p, Types: active})
	if err != nil {
		return err
	}
	width := 0
	for _, c := range m.Cohorts {
		width = max(width, len(c.Retention))
	}
	cols := []string{"cohort", "customers"}
	for i := 0; i < width; i++ {
		cols = append(cols, fmt.Sprintf("p%d", i))
	}
	t := report.New(cols...)
	for _, c := range m.Cohorts {
		row := []any{c.Label, c.Size}
		for i := 0; i < width; i++ {
			if i < len(c.Retention) {
				row = append(row, c.Retention[i])
			} else {
				row = append(row, nil)
			}
		}
		t.Add(row...)
	}
	return printTable(stdout, t, f.format)
}
