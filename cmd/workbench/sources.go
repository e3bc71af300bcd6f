package main

import (
	"context"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/report"
)

func init() {
	c := &command{
		name:    "sources",
		summary: "list the loaded files with rows read, loaded, rejected and duplicate",
		usage:   "[--db FILE] [--shared] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runSources(c, args, stdout) }
	register(c)
}

const sourcesHelp = `
Every loaded file, in load order, with its row accounting: each row read was
loaded, rejected (see workbench rejects) or counted as a duplicate of a row
already stored, so read = loaded + rejected + duplicate on every line.

--shared lists instead the identifiers the giant-merge guard keeps out of
stitching (a household email, a shared device): each is linked to more than
one person and forms a customer of its own.`

func runSources(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, sourcesHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	shared := fs.Bool("shared", false, "list the shared identifiers instead")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	st, err := openExistingDB(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	if *shared {
		sh, err := st.SharedIdentities(ctx)
		if err != nil {
			return err
		}
		t := report.New("type", "value", "links", "first seen in", "line")
		for _, x := range sh {
			t.Add(x.Type, x.Value, x.Links, x.FirstSource, x.FirstLine)
		}
		return printTable(stdout, t, *format)
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		return err
	}
	t := report.New("id", "file", "kind", "read", "loaded", "rejected", "duplicate", "status", "loaded at")
	for _, s := range srcs {
		t.Add(s.ID, s.Name, s.Kind, s.Read, s.Loaded, s.Rejected, s.Duplicate, s.Status, fmtTime(s.FinishedMs))
	}
	return printTable(stdout, t, *format)
}
