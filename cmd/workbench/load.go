package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/load"
)

func init() {
	c := &command{
		name:    "load",
		summary: "load export files (CSV, JSON Lines, decision logs) into the database and stitch identities",
		usage:   "[--db FILE] [--kind K] [--map role=col,...] [--map-file F] [--date-order dmy|mdy] [--tz ZONE] FILE|DIR...",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runLoad(c, args, stdout, stderr) }
	register(c)
}

const loadHelp = `
Reads each file (its format and kind are detected from the content: CRM,
Segment JSON Lines, email/SMS/push provider logs, call-centre and till
exports, decision logs, generic event logs and CSVs), validates every row
and loads it in one transaction per file: an interrupted load leaves the
database as it was before that file. A directory given alone stands for the
files directly inside it (sub-directories such as truth/ are not read).

Every row read is loaded, rejected (see workbench rejects) or counted as a
duplicate: events are de-duplicated by their own id (a Segment messageId,
an export's event id) or by their content, so loading a file twice adds
nothing; a file identical to one already loaded is skipped.

After each file, identifiers seen together are stitched into customers; an
identifier linked to more than one person (a household email) is kept but
not used to merge, and listed at the end (see workbench sources --shared).`

type mapFlag map[string]string

func (m mapFlag) String() string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (m mapFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return fmt.Errorf("--map wants role=column pairs separated by commas, got %q", part)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return nil
}

func runLoad(c *command, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(c, loadHelp, stdout)
	db := dbFlag(fs)
	kind := fs.String("kind", "", "force the kind of every file: "+strings.Join(ingest.Kinds, ", "))
	maps := mapFlag{}
	fs.Var(maps, "map", "column of a role, role=column (repeatable or comma-separated), e.g. time=EventDate,customer=cust")
	mapFile := fs.String("map-file", "", "mapping file: one role=column per line (see the ingest documentation)")
	dateOrder := fs.String("date-order", "", "order of slash dates: dmy or mdy (default: inferred from the file)")
	tz := fs.String("tz", "", "time zone of times written without an offset, e.g. Europe/London (default UTC)")
	channel := fs.String("channel", "", "channel of a generic file's events when it has no channel column")
	maxPersons := fs.Int("max-persons", 1, "an identifier linked to more than this many persons is kept out of stitching")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file (for go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file after each file is loaded (for go tool pprof)")
	pos, err := parseFlagsAnywhere(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: name at least one file or directory to load", errUsage)
	}
	if *maxPersons < 1 {
		return fmt.Errorf("%w: --max-persons must be at least 1", errUsage)
	}
	opt := ingest.Options{Kind: *kind, MapFile: *mapFile, DateOrder: *dateOrder, Channel: *channel}
	if len(maps) > 0 {
		opt.Map = maps
	}
	if *tz != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return fmt.Errorf("%w: --tz %q is not a time zone (use a name such as Europe/London): %v", errUsage, *tz, err)
		}
		opt.Location = loc
	}
	files, notes, err := expandLoadArgs(pos)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "load: "+n)
	}
	st, err := openDB(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A soft limit on the Go heap keeps peak memory bounded (the heap
	// holds the identity graph, about 100 bytes per identifier while
	// stitching; SQLite's page cache of 32 MiB comes on top).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(320 << 20))
	l := load.New(st)
	l.Guard.MaxPersons = *maxPersons
	var last time.Time
	line := newProgress(stderr)
	shownPhase := ""
	progress := func(p load.Progress) {
		if *quiet || time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		eta := ""
		if p.ETA > 0 {
			eta = "  ETA " + p.ETA.Round(time.Second).String()
		}
		text := fmt.Sprintf("load: %s  %-8s %3.0f%%  %d rows  %.0f rows/s%s   ",
			filepath.Base(p.File), p.Phase, 100*p.Fraction, p.Rows, p.RowsPerSec, eta)
		// A log (stderr not a terminal) shows each file's phases
		// (checksum, reading, loading) as they start.
		if phase := p.File + "\x00" + p.Phase; phase != shownPhase {
			shownPhase = phase
			line.Mark(text)
			return
		}
		line.Update(text)
	}
	clearLine := func() {
		if !*quiet {
			line.Clear()
		}
	}
	var failed []string
	var totalRows int64
	start := time.Now()
	for i, f := range files {
		if i+1 < len(files) {
			l.Prefetch(files[i+1]) // its checksum is computed while f loads
		}
		rep, err := l.Load(ctx, f, opt, progress)
		clearLine()
		if *memProfile != "" {
			if perr := writeHeapProfile(*memProfile); perr != nil {
				return perr
			}
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted while loading %s: that file was rolled back; files loaded before it are kept. Run the same command again to finish", f)
			}
			fmt.Fprintf(stderr, "load: %s: %v (nothing of this file was loaded)\n", f, err)
			failed = append(failed, f)
			continue
		}
		s := rep.Source
		if rep.AlreadyLoaded {
			fmt.Fprintf(stdout, "%s: already loaded as source %d on %s (same SHA-256); nothing added\n", f, s.ID, fmtTime(s.FinishedMs))
			continue
		}
		totalRows += s.Read
		rate := float64(s.Read) / rep.Elapsed.Seconds()
		fmt.Fprintf(stdout, "%s: %s, read %d = loaded %d + rejected %d + duplicate %d in %s (%.0f rows/s)\n",
			f, s.Kind, s.Read, s.Loaded, s.Rejected, s.Duplicate, rep.Elapsed.Round(time.Millisecond), rate)
		if rep.Detected != nil {
			for _, n := range rep.Detected.Notes {
				fmt.Fprintf(stdout, "  note: %s\n", n)
			}
		}
		sm := rep.Stitch
		fmt.Fprintf(stdout, "  identities %d (+%d), customers %d, shared identifiers %d (+%d), stitched in %s\n",
			sm.Identities, sm.NewIdentities, sm.Customers, sm.Shared, sm.NewShared, sm.Elapsed.Round(time.Millisecond))
		if sm.MultiPerson > 0 {
			fmt.Fprintf(stdout, "  warning: %d customers still join more than %d persons through non-anchor identifiers\n", sm.MultiPerson, l.Guard.MaxPersons)
		}
	}
	if len(files) > 1 {
		el := time.Since(start)
		fmt.Fprintf(stdout, "loaded %d files, %d rows in %s (%.0f rows/s)\n", len(files)-len(failed), totalRows, el.Round(time.Millisecond), float64(totalRows)/el.Seconds())
	}
	sh, err := st.SharedIdentities(ctx)
	if err != nil {
		return err
	}
	if len(sh) > 0 {
		fmt.Fprintf(stdout, "%d shared identifiers kept out of stitching (linked to more than %d person):", len(sh), l.Guard.MaxPersons)
		for i, x := range sh {
			if i == 10 {
				fmt.Fprintf(stdout, " … (workbench sources --shared lists all)")
				break
			}
			fmt.Fprintf(stdout, " %s:%s", x.Type, x.Value)
		}
		fmt.Fprintln(stdout)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files failed to load: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	return nil
}

// writeHeapProfile writes the heap profile (live objects and allocations
// so far) to path, replacing the previous one.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return f.Close()
}

// expandLoadArgs turns the arguments into files: a directory given alone
// stands for the regular files directly inside it (sorted); a directory
// among other arguments is skipped with a note.
func expandLoadArgs(args []string) (files, notes []string, err error) {
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot load %s: %v", a, err)
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		if len(args) > 1 {
			notes = append(notes, fmt.Sprintf("skipping directory %s (name it alone to load the files in it)", a))
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(a, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s has no files to load", a)
		}
	}
	return files, notes, nil
}
