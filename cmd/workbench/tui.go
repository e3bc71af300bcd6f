package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/styles"

	// The screens register themselves in their slots.
	_ "github.com/journeyworkbench/workbench/tui/screens/customers"
	_ "github.com/journeyworkbench/workbench/tui/screens/data"
	_ "github.com/journeyworkbench/workbench/tui/screens/journeys"
	_ "github.com/journeyworkbench/workbench/tui/screens/segments"
	_ "github.com/journeyworkbench/workbench/tui/screens/simulate"
)

// sampleCustomersEnv overrides the size of the built-in sample generated on
// first run (for tests: WORKBENCH_SAMPLE_CUSTOMERS=500 makes the first run
// take a second). The default is sample.DefaultOptions().
const sampleCustomersEnv = "WORKBENCH_SAMPLE_CUSTOMERS"

func init() {
	defaultCommand = runTUI
	c := &command{
		name:    "open",
		summary: "load files into the database, then open the interactive workbench on it",
		usage:   "[--db FILE] FILE|DIR...",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runOpen(c, args, stdout) }
	register(c)
}

const tuiHelp = `
Opens the interactive workbench. Without --db it opens the built-in sample:
on first run the sample is generated into the user cache directory
(journey-workbench/sample) and loaded into the default database while a
progress screen shows each file (esc cancels: the file being loaded is
rolled back); later starts open at once.

Screens (number keys or tab):
  1 Data       the files loaded, rows read/loaded/rejected, rejects, daily
               events, channel and type mix; l loads more files
  2 Customers  search by any identifier or trait; the unified profile
  3 Journeys   p paths (Sankey), v variants, u funnel builder,
               t transitions heat map, a attribution by every model
  4 Segments   saved segments (CEL expressions) checked as typed, applied
               as the global filter; K behavioural clusters, c comparison
  5 Simulate   policy file, simulation and off-policy comparison, learning
               curves
f sets the filters (dates, channels, segment) for every screen; e exports
what is on screen (charts as PNG/SVG/PDF, tables as CSV and JSON); ? lists
every key. Environment: WORKBENCH_DB names the default database,
WORKBENCH_SAMPLE_CUSTOMERS the size of the first-run sample, NO_COLOR
turns colour off.`

func runTUI(args []string, stdout, stderr io.Writer) error {
	c := &command{name: "workbench", summary: "open the interactive workbench", usage: "[--db FILE]"}
	fs := newFlagSet(c, tuiHelp, stdout)
	db := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (to load files use `workbench open FILE...`)", errUsage, fs.Arg(0))
	}
	if *db != "" {
		if _, err := os.Stat(*db); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at %s: create one with `workbench open --db %s FILE...` or `workbench load --db %s FILE...`", *db, *db, *db)
		}
		st, err := store.Open(*db)
		if err != nil {
			return err
		}
		defer st.Close()
		return runProgram(st, "", nil)
	}
	path, err := defaultDBPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %v (pass --db FILE or set WORKBENCH_DB)", filepath.Dir(path), err)
	}
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	dir, err := sampleDir()
	if err != nil {
		return err
	}
	opt := sample.DefaultOptions()
	if v := os.Getenv(sampleCustomersEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > sample.MaxCustomers {
			return fmt.Errorf("%s=%q: want a number of customers from 1 to %d", sampleCustomersEnv, v, sample.MaxCustomers)
		}
		opt.Customers = n
	}
	b := backend.New(st)
	if b.SampleLoaded(context.Background(), dir) {
		return runBackend(b, "", nil)
	}
	return runBackend(b, "Preparing the built-in sample (first run only)", func(b *backend.Backend) tea.Cmd {
		return b.PrepareSample(context.Background(), app.StartupKind, dir, opt)
	})
}

// sampleDir is where the built-in sample's files are generated:
// os.UserCacheDir()/journey-workbench/sample.
func sampleDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the sample (%v): set XDG_CACHE_HOME, or open a database with --db FILE", err)
	}
	return filepath.Join(dir, "journey-workbench", "sample"), nil
}

func runOpen(c *command, args []string, stdout io.Writer) error {
	fs := newFlagSet(c, "Loads the files (as `workbench load` does, with the progress shown in the workbench) and opens the workbench on the database.", stdout)
	db := dbFlag(fs)
	pos, err := parseFlagsAnywhere(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: name at least one file or directory to load", errUsage)
	}
	files, err := backend.ExpandPaths(pos)
	if err != nil {
		return err
	}
	p, err := resolveDB(*db)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	st, err := store.Open(p)
	if err != nil {
		return err
	}
	defer st.Close()
	return runProgram(st, fmt.Sprintf("Loading %d file(s)", len(files)), func(b *backend.Backend) tea.Cmd {
		return b.LoadFiles(context.Background(), app.StartupKind, files, ingest.Options{})
	})
}

func runProgram(st *store.Store, title string, job func(*backend.Backend) tea.Cmd) error {
	return runBackend(backend.New(st), title, job)
}

func runBackend(b *backend.Backend, title string, job func(*backend.Backend) tea.Cmd) error {
	c := app.NewCommon(styles.Default(), b)
	m := app.New(c, app.Registered(c)...)
	if job != nil {
		m.WithStartup(title, job(b))
	}
	if _, err := tea.NewProgram(m, tea.WithAltScreen()).Run(); err != nil {
		return err
	}
	return m.Err()
}
