package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/journeyworkbench/workbench/sample"
)

func init() {
	c := &command{
		name:    "sample",
		summary: "write the built-in sample: a fictional retailer's raw exports and their ground truth",
		usage:   "--out DIR [--customers N] [--seed S] [--force]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runSample(c, args, stdout, stderr) }
	register(c)
}

const sampleHelp = `
Generates "Northwind Home", a fictional UK omnichannel retailer, over the 180
days from 2026-01-01: persons with latent segments (deal_seeker, loyal,
app_native, high_value, dormant), browsers and app installs that stay
anonymous until login, households sharing one email, and a campaign engine
that randomised its actions with known propensities.

DIR receives the exports, each in its system's own format and identifiers:
  crm_customers.csv      CRM (BOM, CRLF)      web_events.jsonl   Segment (web)
  app_events.jsonl       Segment (app)        email_events.csv   email provider
  sms_events.csv         SMS provider (;)     push_events.tsv    push provider
  call_centre.csv        contact centre       store_transactions.csv  tills
  decisions.csv          campaign engine decision log
and DIR/truth/ the ground truth: persons.csv, identities.csv,
response_model.json, decisions_truth.csv and malformed.csv (the rows planted
malformed on purpose). The same seed and size give byte-identical files.
See sample/FORMATS.md for every column.`

func runSample(c *command, args []string, stdout, stderr io.Writer) error {
	def := sample.DefaultOptions()
	fs := newFlagSet(c, sampleHelp, stdout)
	out := fs.String("out", "", "output directory (required)")
	customers := fs.Int("customers", def.Customers, "number of persons to generate")
	seed := fs.Int64("seed", def.Seed, "random seed: the same seed gives the same files")
	force := fs.Bool("force", false, "write into a non-empty output directory (overwrites the sample's files)")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *out == "" {
		return fmt.Errorf("%w: --out DIR is required", errUsage)
	}
	if *customers < 1 {
		return fmt.Errorf("%w: --customers must be at least 1", errUsage)
	}
	if !*force {
		entries, err := os.ReadDir(*out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot read %s: %v", *out, err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("%s is not empty; choose another --out or add --force to overwrite the sample's files in it", *out)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress func(sample.Progress)
	line := newProgress(stderr)
	if !*quiet && *customers >= 50000 {
		progress = func(p sample.Progress) {
			line.Updatef("sample: %d/%d persons, %d rows, %s", p.Persons, p.Total, p.Rows, p.Elapsed.Round(time.Second))
		}
	}
	st, err := sample.Generate(ctx, *out, sample.Options{Customers: *customers, Seed: *seed}, progress)
	line.Done()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(st.Rows))
	for n := range st.Rows {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "wrote %d persons (%d shared-email households) to %s in %s: %d export rows, %.0f rows/s, %.1f MB\n",
		st.Persons, st.Households, *out, st.Elapsed.Round(time.Millisecond), st.ExportRows, st.RowsPerSecond(), float64(st.Bytes)/1e6)
	for _, n := range names {
		fmt.Fprintf(stdout, "  %-28s %10d rows\n", n, st.Rows[n])
	}
	return nil
}
