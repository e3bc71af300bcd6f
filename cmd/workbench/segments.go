package main

import (
	"context"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/segment"
)

func init() {
	c := &command{
		name:    "segments",
		summary: "rule segments in CEL: list with sizes, save, delete, evaluate, list members",
		usage:   "[--db FILE] [--save NAME --expr EXPR [--description D] | --delete NAME | --eval EXPR | --who NAME|EXPR | --vars] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runSegments(c, args, stdout) }
	register(c)
}

const segmentsHelp = `
A segment is the set of customers for whom a CEL expression over their
features (over all their events; recency from the day after the last event;
outbound sends ignored), merged traits and consents is true, e.g.
  recency_days > 30 && orders >= 2        'sms' in channels && monetary > 100
  traits.?loyalty_tier.orValue('') == 'gold'
Members = customers with events that match; share = members / customers.
--vars lists the variables. Use a segment as a filter with --segment NAME.`

func runSegments(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, segmentsHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	save := fs.String("save", "", "save the --expr under this name (replacing a segment of that name)")
	expr := fs.String("expr", "", "the CEL expression to save")
	desc := fs.String("description", "", "a description to save with it")
	del := fs.String("delete", "", "delete the saved segment of this name")
	eval := fs.String("eval", "", "evaluate an expression (or saved name) and print its size, without saving")
	who := fs.String("who", "", "list the members of a saved segment or expression")
	limit := fs.Int("limit", 100, "with --who: list at most this many customers (0: all)")
	vars := fs.Bool("vars", false, "list the variables an expression can use")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *vars {
		t := report.New("variable", "type", "description")
		for _, v := range segment.Variables {
			t.Add(v.Name, v.Type, v.Description)
		}
		return printTable(stdout, t, *format)
	}
	if *save != "" && *expr == "" {
		return fmt.Errorf("%w: --save needs --expr EXPR", errUsage)
	}
	ctx := context.Background()
	w, err := openWorkspace(*db)
	if err != nil {
		return err
	}
	defer w.Close()
	sizes := report.New("name", "members", "customers", "share", "expression", "description")
	switch {
	case *save != "":
		def := segment.Definition{Name: *save, Expr: *expr, Description: *desc}
		if err := w.SaveSegment(ctx, def); err != nil {
			return err
		}
		sz, err := w.SizeOf(ctx, def)
		if err != nil {
			return err
		}
		sizes.Add(sz.Name, sz.Members, sz.Customers, sz.Share, sz.Expr, sz.Description)
	case *del != "":
		if err := w.DeleteSegment(ctx, *del); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted segment %q\n", *del)
		return nil
	case *eval != "":
		def, err := w.ResolveSegment(ctx, *eval)
		if err != nil {
			return err
		}
		sz, err := w.SizeOf(ctx, def)
		if err != nil {
			return err
		}
		sizes.Add(sz.Name, sz.Members, sz.Customers, sz.Share, sz.Expr, sz.Description)
	case *who != "":
		r, err := w.WhoSegment(ctx, *who, *limit)
		if err != nil {
			return err
		}
		return printWho(stdout, r, *format)
	default:
		all, err := w.Segments(ctx)
		if err != nil {
			return err
		}
		if len(all) == 0 && *format == "table" {
			fmt.Fprintln(stdout, "no saved segments; save one with `workbench segments --save NAME --expr EXPR` (see --vars)")
			return nil
		}
		for _, sz := range all {
			sizes.Add(sz.Name, sz.Members, sz.Customers, sz.Share, sz.Expr, sz.Description)
		}
	}
	return printTable(stdout, sizes, *format)
}
