package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/report"
)

func init() {
	c := &command{
		name:    "variants",
		summary: "journey variants: the most frequent step sequences, with coverage (pm4py's variants)",
		usage:   "[--db FILE] [filters] [--label L] [--split S] [--top N] [--who RANK] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runVariants(c, args, stdout) }
	register(c)
}

const variantsHelp = `
Defines a variant as pm4py does: the exact sequence of step labels of a
journey; coverage = journeys of the variant / all journeys. Mean duration is
last step time − first step time, in seconds.

--who RANK lists the customers with a journey of the variant of that rank.`

func runVariants(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, variantsHelp, stdout)
	f := addJourneyFlags(fs, "channel:type")
	top := fs.Int("top", 20, "number of variants to list (0: all)")
	fs.StringVar(&f.who, "who", "", "list the customers behind the variant of this rank instead")
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
		rank, err := strconv.Atoi(f.who)
		if err != nil {
			return fmt.Errorf("%w: --who %q: give the rank of a variant as listed (1, 2, …)", errUsage, f.who)
		}
		r, err := w.WhoVariant(ctx, q, rank, f.limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, f.format)
	}
	r, err := w.Variants(ctx, q, *top)
	if err != nil {
		return err
	}
	t := report.New("rank", "journeys", "customers", "coverage", "cumulative", "mean_duration_s", "steps", "variant")
	for _, v := range r.Variants {
		t.Add(v.Rank, v.Journeys, v.Customers, v.Coverage, v.Cumulative, v.MeanDuration, len(v.Steps), strings.Join(v.Steps, " > "))
	}
	if f.format == "table" {
		fmt.Fprintf(stdout, "%d journeys of %d customers, %d distinct variants; %d journeys in unlisted variants\n", r.Journeys, r.Customers, r.Distinct, r.Other)
	}
	return printTable(stdout, t, f.format)
}
