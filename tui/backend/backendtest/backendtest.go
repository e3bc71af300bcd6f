// Package backendtest builds a small real workbench database for the tests
// of the interactive screens, and runs the commands a screen returns the
// way the bubbletea runtime would, collecting the backend's messages.
package backendtest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	_ "github.com/charmbracelet/x/exp/golden" // defines -update
	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/load"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/backend"
)

// Customers is the size of the fixture's sample.
const Customers = 200

var (
	once    sync.Once
	dir     string
	dbPath  string
	initErr error
)

// Fixture returns the directory of a generated sample of Customers persons
// (seed 42) and a database with all its exports loaded, built once per
// test binary. Tests must not write to that database: use Copy.
func Fixture(tb testing.TB) (sampleDir, db string) {
	tb.Helper()
	once.Do(func() {
		dir, initErr = os.MkdirTemp("", "workbench-tui-*")
		if initErr != nil {
			return
		}
		dbPath, initErr = Build(dir, "fixture.db", Customers)
	})
	if initErr != nil {
		tb.Fatalf("building the fixture: %v", initErr)
	}
	return filepath.Join(dir, "sample"), dbPath
}

// Build generates a sample of customers persons (seed 42) into dir/sample
// and loads every export into a new database dir/name, whose path it
// returns.
func Build(dir, name string, customers int) (string, error) {
	sd := filepath.Join(dir, "sample")
	ctx := context.Background()
	if _, err := sample.Generate(ctx, sd, sample.Options{Customers: customers, Seed: 42}, nil); err != nil {
		return "", err
	}
	db := filepath.Join(dir, name)
	st, err := store.Open(db)
	if err != nil {
		return "", err
	}
	defer st.Close()
	l := load.New(st)
	for _, f := range sample.ExportFiles() {
		if _, err := l.Load(ctx, filepath.Join(sd, f), ingest.Options{}, nil); err != nil {
			return "", err
		}
	}
	return db, nil
}

// The benchmarks run on a generated sample of WORKBENCH_BENCH_CUSTOMERS
// persons (default 20,000), built once per run, or on the database named
// by WORKBENCH_BENCH_DB.
var (
	benchOnce sync.Once
	benchDB   string
	benchErr  error
)

// BenchStore opens the benchmarks' database: WORKBENCH_BENCH_DB when set,
// else a sample of WORKBENCH_BENCH_CUSTOMERS persons (default 20,000)
// generated and loaded once per test binary.
func BenchStore(b *testing.B) *store.Store {
	b.Helper()
	benchOnce.Do(func() {
		if p := os.Getenv("WORKBENCH_BENCH_DB"); p != "" {
			benchDB = p
			return
		}
		n := 20000
		if v := os.Getenv("WORKBENCH_BENCH_CUSTOMERS"); v != "" {
			if n, benchErr = strconv.Atoi(v); benchErr != nil {
				return
			}
		}
		dir, err := os.MkdirTemp("", "workbench-bench-*")
		if err != nil {
			benchErr = err
			return
		}
		benchDB, benchErr = Build(dir, "bench.db", n)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	st, err := store.Open(benchDB)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// Cleanup removes the fixture; call it from TestMain after m.Run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// Open returns a backend over a read-only use of the fixture database.
func Open(tb testing.TB) *backend.Backend {
	tb.Helper()
	_, db := Fixture(tb)
	st, err := store.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return backend.New(st)
}

// Copy returns a backend over a private copy of the fixture database (for
// tests that load or erase).
func Copy(tb testing.TB) *backend.Backend {
	tb.Helper()
	_, db := Fixture(tb)
	data, err := os.ReadFile(db)
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "copy.db")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return backend.New(st)
}

// Empty returns a backend over a new empty database.
func Empty(tb testing.TB) *backend.Backend {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "empty.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return backend.New(st)
}

// Drain runs cmd as the bubbletea runtime would (batches concurrently,
// following ProgressMsg.Next) and returns the backend messages it produced
// (ResultMsg and ProgressMsg, in arrival order) once every ResultMsg of the
// kinds listed arrived. Commands that produce anything else (cursor blinks,
// ticks) are abandoned. It fails the test after timeout.
func Drain(tb testing.TB, cmd tea.Cmd, timeout time.Duration, kinds ...string) []tea.Msg {
	tb.Helper()
	out := make(chan tea.Msg, 64)
	var launch func(c tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			m := c()
			switch m := m.(type) {
			case tea.BatchMsg:
				for _, s := range m {
					launch(s)
				}
			case backend.ProgressMsg:
				out <- m
				launch(m.Next())
			case backend.ResultMsg:
				out <- m
			}
		}()
	}
	launch(cmd)
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var got []tea.Msg
	deadline := time.After(timeout)
	for len(want) > 0 {
		select {
		case m := <-out:
			got = append(got, m)
			if r, ok := m.(backend.ResultMsg); ok {
				delete(want, r.Kind)
			}
		case <-deadline:
			tb.Fatalf("no result of kinds %v within %s", keys(want), timeout)
		}
	}
	return got
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Results returns the ResultMsgs among msgs.
func Results(msgs []tea.Msg) []backend.ResultMsg {
	var out []backend.ResultMsg
	for _, m := range msgs {
		if r, ok := m.(backend.ResultMsg); ok {
			out = append(out, r)
		}
	}
	return out
}

// updating reports the -update flag (defined by charmbracelet's golden
// package, which teatest uses too, so both share one flag).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Golden compares view, stripped of escape sequences, with
// testdata/NAME.golden; with -update it rewrites the file.
func Golden(tb testing.TB, name, view string) {
	tb.Helper()
	got := ansi.Strip(view)
	p := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		tb.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
