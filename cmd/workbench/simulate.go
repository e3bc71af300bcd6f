package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sim/compare"
)

func init() {
	c := &command{
		name:    "simulate",
		summary: "simulate policies on an environment fitted from the data, compare them with off-policy estimates, and name a winner only when the data says so",
		usage:   "--policies FILE [--log decisions.csv | --db FILE] [--customers N] [--horizon 90d] [--seed S] [--method sim|ope|both] [--workers N] [--refits 20] [--sensitivity] [--out DIR] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runSimulate(c, args, stdout, stderr) }
	register(c)
}

const simulateHelp = `
Compares the policies of a policy file in two ways and says which is best
only when the evidence is clear.

Simulation. An environment is fitted from the logged decisions (which the
engine randomised with known propensities, so every action was tried on
every kind of customer): how often customers convert after each action, in
cells of trigger × the customer's group (loyalty membership × last channel
× the band of the customer's median recency over the log, fixed per
customer) × value band (the cart's value at an abandoned cart, the
customer's typical cart at a lapse), each cell's rate pulled towards its
trigger × value band and that towards the trigger when the cell has few
decisions; how much a conversion is worth; what each action costs; how
often a contact makes the customer opt out of the channel; how quickly
responses tire with recent contacts; and how often each customer reaches a
decision point (an abandoned cart, 30 days without activity). Then every
policy is played over the same customers for the horizon. Customer i draws
the same random numbers under every policy (common random numbers), so the
difference between two policies is measured on identical customers and
their intervals are narrow. Learning policies keep learning as the days
pass. Each policy gets, per customer: conversions, revenue, contact cost,
net value, contacts and opt-outs, and its uplift over doing nothing.

The intervals (95%) combine the simulation's own noise with the
uncertainty of the fit: the environment is refitted --refits times on the
customers of the log drawn with replacement and the policies rerun on each;
each refit also redraws the pseudo-decisions that pull sparse cells towards
their band's rate, so that a response the log shows only a few times (or
not at all) keeps its uncertainty.

Off-policy evaluation scores the same policies on the logged decisions
(doubly robust estimator, mean reward per decision), as workbench ope does.

The verdict. Policies are ranked by value; the leader is declared the
winner only when the interval of its paired difference with the runner-up
excludes zero; otherwise the report says the policies cannot be told apart
with this data. --sensitivity reruns the simulation with costs ×0.5 and
×1.5 and the fitted uplifts −20% and +20% and says whether the ranking
moves.

--customers N simulates N customers (default: every customer of the log;
more are drawn from them at random). The run is reproducible from --seed
and does not depend on --workers. --out DIR writes comparison.csv,
comparison.json, curves.csv (learning curves: mean reward per decision by
week) and sensitivity.csv for charts.`

func runSimulate(c *command, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(c, simulateHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	policies := fs.String("policies", "", "policy file (YAML or JSON) with the actions, contact rules and policies")
	logPath := fs.String("log", "", "decision-log CSV to fit on (default: the decisions in the database)")
	customers := fs.Int("customers", 0, "population size (default: every customer of the log)")
	horizon := fs.String("horizon", "90d", "simulated horizon in days (90 or 90d)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same result")
	method := fs.String("method", "both", "sim, ope or both")
	workers := fs.Int("workers", 0, "parallel workers (default: all cores)")
	refits := fs.Int("refits", 20, "refits of the environment on resampled customers for the intervals (0: simulation noise only)")
	sens := fs.Bool("sensitivity", false, "rerun with costs ×0.5/×1.5 and uplifts ±20% and report how the ranking moves")
	out := fs.String("out", "", "directory to write the comparison and learning curves to (CSV and JSON)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *policies == "" {
		return fmt.Errorf("%w: --policies FILE is required (see sim/compare/testdata/candidates.yaml for an example)", errUsage)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSuffix(*horizon, "d"))
	if err != nil || days <= 0 {
		return fmt.Errorf("%w: --horizon %q: give a number of days such as 90d", errUsage, *horizon)
	}
	doSim, doOPE := *method == "sim" || *method == "both", *method == "ope" || *method == "both"
	if !doSim && !doOPE {
		return fmt.Errorf("%w: --method %q: use sim, ope or both", errUsage, *method)
	}
	var st *store.Store
	if *logPath == "" {
		if st, err = openExistingDB(*db); err != nil {
			return err
		}
		defer st.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	line := newProgress(stderr)
	progress := func(p compare.Progress) {
		if p.Steps == 0 {
			line.Done()
			fmt.Fprintf(stderr, "%s…\n", p.Stage)
			return
		}
		line.Updatef("%-40s %d/%d  customers %d/%d  %.1fs   ", p.Stage, p.Step, p.Steps, p.Customers, p.CustomersOf, p.StageElapsed)
	}
	info := func(s string) {
		line.Done()
		fmt.Fprintln(stderr, s)
	}
	run, err := compare.RunAll(ctx, st, *policies, compare.RunOptions{
		Simulate: doSim, OPE: doOPE, LogPath: *logPath,
		Customers: *customers, HorizonDays: days, Seed: *seed, Workers: *workers,
		Refits: *refits, Sensitivity: *sens, Info: info,
	}, progress)
	line.Done()
	if err != nil {
		return err
	}
	cmp, base := run.Comparison, run.Env
	if err := printTable(stdout, cmp.Table(), *format); err != nil {
		return err
	}
	if *format == "table" {
		fmt.Fprintln(stdout)
		for _, s := range cmp.Summary() {
			fmt.Fprintln(stdout, s)
		}
		for _, n := range cmp.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
		if base != nil {
			for _, n := range base.Notes {
				fmt.Fprintln(stdout, "environment:", n)
			}
		}
	}
	if *out != "" {
		return writeSimulateOut(*out, cmp)
	}
	return nil
}

// writeSimulateOut writes the comparison, learning curves and sensitivity
// to dir.
func writeSimulateOut(dir string, cmp *compare.Comparison) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, fn func(w io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write("comparison.csv", func(w io.Writer) error { return cmp.Table().Write(w, "csv") }); err != nil {
		return err
	}
	if err := write("comparison.json", func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(cmp)
	}); err != nil {
		return err
	}
	if cmp.Sim != nil {
		if err := write("curves.csv", func(w io.Writer) error { return compare.CurvesTable(cmp.Sim.Result).Write(w, "csv") }); err != nil {
			return err
		}
	}
	if cmp.Sensitivity != nil {
		if err := write("sensitivity.csv", func(w io.Writer) error { return cmp.Sensitivity.Table().Write(w, "csv") }); err != nil {
			return err
		}
	}
	return nil
}
