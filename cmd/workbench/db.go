package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// defaultDBPath is where the workbench keeps its database unless --db or
// WORKBENCH_DB says otherwise: $XDG_CACHE_HOME/journey-workbench/workbench.db
// (os.UserCacheDir: ~/.cache on Linux, ~/Library/Caches on macOS).
func defaultDBPath() (string, error) {
	if p := os.Getenv("WORKBENCH_DB"); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the database (%v): pass --db FILE or set WORKBENCH_DB", err)
	}
	return filepath.Join(dir, "journey-workbench", "workbench.db"), nil
}

// dbFlag adds --db to fs; resolveDB turns its value into a path.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database file (default $WORKBENCH_DB, else $XDG_CACHE_HOME/journey-workbench/workbench.db)")
}

// resolveDB returns the database path: the flag's value, else the default.
func resolveDB(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return defaultDBPath()
}

// openDB opens (creating and migrating) the database named by the --db
// flag's value.
func openDB(flagValue string) (*store.Store, error) {
	p, err := resolveDB(flagValue)
	if err != nil {
		return nil, err
	}
	return store.Open(p)
}

// openExistingDB opens the database for a command that only reads: a
// missing file is an error that says how to create one.
func openExistingDB(flagValue string) (*store.Store, error) {
	p, err := resolveDB(flagValue)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no database at %s: load data first with `workbench load FILE...` (or `workbench sample --out DIR` then `workbench load DIR`), or pass --db", p)
	}
	return store.Open(p)
}

// formatFlag adds --format table|csv|json to fs.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "table", "output format: table, csv or json")
}

// checkFormat turns a bad --format into a usage error.
func checkFormat(f string) error {
	if err := report.CheckFormat(f); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// printTable writes t to w in the format of --format.
func printTable(w io.Writer, t *report.Table, format string) error {
	return t.Write(w, format)
}

// fmtTime formats UTC milliseconds as an ISO-8601 UTC time ("" for 0).
func fmtTime(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05")
}

// parseFlagsAnywhere is parseFlags that also accepts flags after the
// positional arguments (`workbench profile ID --events 10`); it returns
// the positional arguments. "--" ends flag parsing.
func parseFlagsAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
