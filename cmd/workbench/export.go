package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/model"
	"github.com/journeyworkbench/workbench/sim/policy"
)

func init() {
	c := &command{
		name:    "export",
		summary: "export a policy as a decision model: DMN 1.3 and a CEL rule set",
		usage:   "--policies FILE --policy NAME [--dmn out.dmn] [--rules out.json] [--log decisions.csv | --db FILE] [--depth 4] [--min-leaf 20] [--from-sim FILE | --value V --lo L --hi H --sim-note TEXT]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runExport(c, args, stdout, stderr) }
	register(c)
}

const exportHelp = `
Exports one policy of a policy file as a decision model that other systems
run: DMN 1.3 XML (--dmn; one decision table with typed inputs, FEEL unary
tests, outputs action, channel and priority, hit policy FIRST or PRIORITY)
and a JSON rule set whose conditions are CEL expressions (--rules). Load
either back with 'workbench decide --model FILE'.

A decision table is exported as written, with the file's contact rules
folded in: a rule whose action contacts a channel decides it only where
consent_<channel> is true and the caps and quiet period allow it, else the
fallback action (features contacts_<channel>_<W>d, contacts_<W>d and
quiet_period count the contacts). Any other policy — arbitration, epsilon
greedy, Thompson, LinUCB, logged — is distilled into a readable table: a
classification tree (Gini) fitted to the action the policy chooses on every
logged decision, depth at most --depth, at least --min-leaf decisions per
leaf, one rule per leaf. The export states its fidelity: the share of
decisions on which table and policy agree, on the decisions it was fitted
on and on every fifth decision held out.

Both files carry metadata: the data (log or database, its version, number
of customers and decisions, date range), the simulation the policy won
(--from-sim: the comparison.json of 'workbench simulate --out DIR'; or
--value, --lo, --hi, --sim-note), the distillation and the export date.`

func runExport(c *command, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(c, exportHelp, stdout)
	db := dbFlag(fs)
	policies := fs.String("policies", "", "policy file (YAML or JSON) (required)")
	name := fs.String("policy", "", "name of the policy to export (required)")
	dmnOut := fs.String("dmn", "", "write the DMN 1.3 model to this file")
	rulesOut := fs.String("rules", "", "write the CEL rule set (JSON) to this file")
	logPath := fs.String("log", "", "decision-log CSV the policy learns from and is distilled on (default: the decisions in the database)")
	depth := fs.Int("depth", 4, "largest depth of the distillation tree")
	minLeaf := fs.Int("min-leaf", 20, "least logged decisions per leaf of the distillation tree")
	fromSim := fs.String("from-sim", "", "simulation comparison (JSON) the policy's value is read from")
	value := fs.String("value", "", "estimated value of the policy (when there is no --from-sim)")
	lo := fs.Float64("lo", 0, "lower end of the value's 95% interval")
	hi := fs.Float64("hi", 0, "upper end of the value's 95% interval")
	simNote := fs.String("sim-note", "", "what the value is (method, horizon, seed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *policies == "" || *name == "" {
		return fmt.Errorf("%w: --policies FILE and --policy NAME are required", errUsage)
	}
	if *dmnOut == "" && *rulesOut == "" {
		return fmt.Errorf("%w: give --dmn FILE and/or --rules FILE", errUsage)
	}
	actions, err := policy.ReadActions(*policies)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var l *decisionlog.Log
	var data *model.DataInfo
	if *logPath != "" {
		if l, err = decisionlog.ReadCSV(*logPath, actions); err != nil {
			return err
		}
		data = model.LogData(l, *logPath, "")
	} else {
		st, err := openExistingDB(*db)
		if err != nil {
			return err
		}
		defer st.Close()
		if l, err = decisionlog.ReadStore(ctx, st, actions); err != nil {
			return err
		}
		v, _ := st.DataVersion(ctx)
		p, _ := resolveDB(*db)
		data = model.LogData(l, p, strconv.FormatInt(v, 10))
	}
	loaded, err := policy.ReadFileWith(*policies, l.Context())
	if err != nil {
		return err
	}
	var p policy.Policy
	for _, q := range loaded.Policies {
		if q.Name() == *name {
			p = q
		}
	}
	if p == nil {
		var names []string
		for _, q := range loaded.Policies {
			names = append(names, strconv.Quote(q.Name()))
		}
		return fmt.Errorf("%w: no policy %q in %s; it has %v", errUsage, *name, *policies, names)
	}
	m, err := model.FromPolicy(p, loaded.Actions, model.LogStates(l), model.DistillOptions{
		MaxDepth: *depth, MinLeaf: *minLeaf, StatesNote: fmt.Sprintf("the %d logged decisions of %s", l.N(), data.Source)})
	if err != nil {
		return err
	}
	m.Meta.Data = data
	switch {
	case *fromSim != "":
		b, err := os.ReadFile(*fromSim)
		if err != nil {
			return err
		}
		if m.Meta.Simulation, err = model.SimFromComparison(b, *name); err != nil {
			return fmt.Errorf("%s: %w", *fromSim, err)
		}
	case *value != "":
		v, err := strconv.ParseFloat(*value, 64)
		if err != nil {
			return fmt.Errorf("%w: --value %q is not a number", errUsage, *value)
		}
		if !(*lo <= v && v <= *hi) {
			return fmt.Errorf("%w: the interval [--lo, --hi] = [%g, %g] must contain --value %g", errUsage, *lo, *hi, v)
		}
		m.Meta.Simulation = &model.SimInfo{Policy: *name, Value: v, Lo: *lo, Hi: *hi, Level: 0.95, Note: *simNote}
	}
	write := func(path string, w func(io.Writer, *model.Model) error) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := w(f, m); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if *dmnOut != "" {
		if err := write(*dmnOut, model.WriteDMN); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *dmnOut)
	}
	if *rulesOut != "" {
		if err := write(*rulesOut, model.WriteRules); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *rulesOut)
	}
	fmt.Fprintln(stdout, model.Summary(m))
	return nil
}
