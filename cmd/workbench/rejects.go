package main

import (
	"context"
	"fmt"
	"io"

	"github.com/journeyworkbench/workbench/analysis/report"
)

func init() {
	c := &command{
		name:    "rejects",
		summary: "list the rows rejected by loads: file, line, reason and raw text",
		usage:   "[--db FILE] [--source N] [--limit N] [--offset N] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runRejects(c, args, stdout) }
	register(c)
}

const rejectsHelp = `
Rows that could not be loaded, in file and line order (lines are 1-based
physical lines, the header being line 1), with the reason and the raw text
so that the export can be fixed. --source takes the id shown by
workbench sources.`

func runRejects(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, rejectsHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	source := fs.Int64("source", 0, "only this source id (see workbench sources); 0 = all")
	limit := fs.Int("limit", 100, "at most N rows; 0 = all")
	offset := fs.Int("offset", 0, "skip the first N rows")
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
	rs, err := st.Rejects(context.Background(), *source, *limit, *offset)
	if err != nil {
		return err
	}
	t := report.New("source", "file", "line", "reason", "raw")
	for _, r := range rs {
		raw := r.Raw
		if *format == "table" && len(raw) > 120 {
			raw = raw[:117] + "..."
		}
		t.Add(r.SourceID, r.File, r.Line, r.Reason, raw)
	}
	return printTable(stdout, t, *format)
}
