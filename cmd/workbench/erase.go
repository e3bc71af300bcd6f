package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/load"
	"github.com/journeyworkbench/workbench/analysis/workspace"
)

func init() {
	c := &command{
		name:    "erase",
		summary: "erase a person everywhere (profile, identifiers, events, decisions, consents) and report what was removed",
		usage:   "[--db FILE] [--dry-run] ID",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runErase(c, args, stdout) }
	register(c)
}

const eraseHelp = `
Removes the customer that ID identifies (any identifier, as for profile)
from the database: every identifier of the customer and the links between
them, profile rows and traits, consents, events, decisions, and rejected
rows whose raw text contains one of the identifiers, and the journey copy
kept beside the database (FILE.journeys, rebuilt on next use). It asks no
question:
run with --dry-run first to see what would go. Afterwards the identity
graph is stitched again (an email shared with the erased person may now
belong to one person only). Loading the original export files again would
bring the person back.`

func runErase(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, eraseHelp, stdout)
	db := dbFlag(fs)
	dry := fs.Bool("dry-run", false, "only report what would be removed")
	pos, err := parseFlagsAnywhere(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: name one identifier", errUsage)
	}
	id := strings.Join(pos, " ") // a phone typed with spaces
	dbPath, err := resolveDB(*db)
	if err != nil {
		return err
	}
	st, err := openExistingDB(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	rep, err := st.Erase(ctx, id, *dry)
	if err != nil {
		return err
	}
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(stdout, "customer %d: %s %d identifiers, %d events, %d decisions, %d profile rows, %d consents, %d links, %d rejected rows\n",
		rep.Customer, verb, len(rep.Identifiers), rep.Events, rep.Decisions, rep.ProfileRows, rep.Consents, rep.Links, rep.Rejects)
	for _, x := range rep.Identifiers {
		fmt.Fprintf(stdout, "  %s\n", x)
	}
	if rep.DryRun {
		return nil
	}
	// The journey copy kept beside the database still holds the erased
	// events: remove it now rather than at the next rebuild.
	if err := workspace.RemoveDatasetFile(dbPath); err != nil {
		return fmt.Errorf("erased from the database, but its journey copy %s could not be removed: %w; delete that file by hand", dbPath+".journeys", err)
	}
	sum, err := load.Restitch(ctx, st)
	if err != nil {
		return fmt.Errorf("erased, but stitching again failed: %w; run `workbench erase` on any identifier with --dry-run to check, then load again", err)
	}
	fmt.Fprintf(stdout, "stitched again: %d customers, %d identifiers moved\n", sum.Customers, sum.Moved)
	return nil
}
