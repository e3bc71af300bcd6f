package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "funnel",
		summary: "funnel: customers reaching each step in order within a conversion window",
		usage:   "[--db FILE] [filters] [--label L] --step LABEL[|LABEL…] --step … [--mode ordered|strict|any-order] [--window 14d] [--by G] [--who dropped:K|reached:K] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runFunnel(c, args, stdout) }
	register(c)
}

const funnelHelp = `
Counts each customer at the furthest step reached over all attempts (as
Mixpanel and PostHog do): an attempt starts at a step-1 event and must reach
each next step in order (strict: as the very next event; any-order: in any
order) within --window of step 1. Customers(k) = customers whose furthest
step ≥ k; conversion from first = Customers(k)/Customers(1); drop-off =
Customers(k−1) − Customers(k); times are from the previous step, in seconds.

--who dropped:K lists the customers who reached step K−1 but not K;
--who reached:K those who reached step K.`

// parseWindow reads a window as a Go duration or a number of days ("14d").
func parseWindow(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%w: window %q: write a number of days such as 14d, or a duration such as 36h", errUsage, s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: window %q: write a number of days such as 14d, or a duration such as 36h", errUsage, s)
	}
	return d, nil
}

func runFunnel(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, funnelHelp, stdout)
	f := addJourneyFlags(fs, "channel:type")
	ff := addFunnelFlags(fs)
	fs.StringVar(&f.who, "who", "", "list the customers behind dropped:K or reached:K instead")
	whoGroup := fs.String("who-group", "", "with --who and --by: only this breakdown group")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	opts, err := ff.options()
	if err != nil {
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
	if err := ff.breakdown(ctx, w, &opts); err != nil {
		return err
	}
	if f.who != "" {
		step, outcome, err := workspace.ParseFunnelCell(f.who)
		if err != nil {
			return fmt.Errorf("%w: --who: %v", errUsage, err)
		}
		r, err := w.WhoFunnel(ctx, q, opts, step, outcome, *whoGroup, f.limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, f.format)
	}
	r, err := w.Funnel(ctx, q, opts)
	if err != nil {
		return err
	}
	t := report.New("group", "step", "name", "customers", "from_first", "from_previous", "drop_off", "median_from_previous_s", "mean_from_previous_s")
	add := func(g journey.FunnelGroup, name string) {
		for _, s := range g.Steps {
			var med any
			if s.TimeFromPrevious.Count > 0 {
				med = s.TimeFromPrevious.Median
			}
			t.Add(name, s.Step, s.Name, s.Customers, s.FromFirst, s.FromPrevious, s.DropOff, med, secs(s.TimeFromPrevious))
		}
	}
	add(r.Overall, "(all)")
	for _, g := range r.Groups {
		add(g, g.Group)
	}
	if f.format == "table" {
		fmt.Fprintf(stdout, "%s funnel, window %gd: %d of %d customers converted (%.2f%%)\n", r.Mode, opts.Window.Hours()/24,
			r.Overall.Converted, firstStep(r.Overall), 100*r.Overall.Conversion)
	}
	return printTable(stdout, t, f.format)
}

// funnelFlags are the funnel's definition: steps, mode, window and
// breakdown.
type funnelFlags struct {
	steps        rawListFlag
	mode, window *string
	by           *string
}

// addFunnelFlags registers --step, --mode, --window and --by.
func addFunnelFlags(fs *flag.FlagSet) *funnelFlags {
	ff := &funnelFlags{}
	fs.Var(&ff.steps, "step", "a funnel step: one label, or several separated by | (repeat --step for each step, in order)")
	ff.mode = fs.String("mode", "ordered", "ordered, strict or any-order")
	ff.window = fs.String("window", "14d", "conversion window from step 1: days (14d) or a duration (36h)")
	ff.by = fs.String("by", "", "break down by first-channel (of step 1), trait:KEY, segment:NAME, segments or last-channel")
	return ff
}

// options builds the funnel's steps, mode and window from the flags.
func (ff *funnelFlags) options() (journey.FunnelOptions, error) {
	var opts journey.FunnelOptions
	if len(ff.steps) < 2 {
		return opts, fmt.Errorf("%w: give at least two --step, e.g. --step 'web:Product Viewed' --step 'web:Product Added' --step 'web:Order Completed'", errUsage)
	}
	for _, s := range ff.steps {
		labels := strings.Split(s, "|")
		for i := range labels {
			labels[i] = strings.TrimSpace(labels[i])
		}
		opts.Steps = append(opts.Steps, journey.FunnelStep{Name: s, Labels: labels})
	}
	var err error
	if opts.Mode, err = journey.ParseFunnelMode(*ff.mode); err != nil {
		return opts, fmt.Errorf("%w: --mode: %v", errUsage, err)
	}
	if opts.Window, err = parseWindow(*ff.window); err != nil {
		return opts, err
	}
	return opts, nil
}

// breakdown sets the breakdown of --by on opts.
func (ff *funnelFlags) breakdown(ctx context.Context, w *workspace.Workspace, opts *journey.FunnelOptions) error {
	switch *ff.by {
	case "":
	case "first-channel":
		opts.Breakdown = journey.ByFirstChannel
	default:
		g, err := w.GroupOf(ctx, *ff.by)
		if err != nil {
			return fmt.Errorf("%w: --by: %v", errUsage, err)
		}
		opts.Breakdown, opts.GroupOf = journey.ByCustomerValue, g
	}
	return nil
}

func firstStep(g journey.FunnelGroup) int64 {
	if len(g.Steps) == 0 {
		return 0
	}
	return g.Steps[0].Customers
}
