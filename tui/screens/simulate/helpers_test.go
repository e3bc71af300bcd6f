package simulate_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// fixtureCustomers is the size of the generated sample the tests run on.
const fixtureCustomers = 300

var (
	fixOnce sync.Once
	fixDir  string
	fixDB   string
	fixErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

// fixture builds, once per test binary, a database with every export of a
// generated 300-customer sample (seed 42), decision log included.
func fixture(tb testing.TB) string {
	tb.Helper()
	fixOnce.Do(func() {
		if fixDir, fixErr = os.MkdirTemp("", "workbench-simulate-*"); fixErr != nil {
			return
		}
		fixDB, fixErr = backendtest.Build(fixDir, "fixture.db", fixtureCustomers)
	})
	if fixErr != nil {
		tb.Fatalf("building the fixture: %v", fixErr)
	}
	return fixDB
}

// openDB returns a backend over a private copy of the fixture in its own
// directory (the screen looks for policy files next to the database).
func openDB(tb testing.TB) *backend.Backend {
	tb.Helper()
	data, err := os.ReadFile(fixture(tb))
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "work.db")
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

// open returns the Simulate screen over b (a fresh copy of the fixture when
// nil), sized w×h and shown.
func open(tb testing.TB, b *backend.Backend, w, h int) (*simulate.Screen, *screentest.Runner, *app.Common) {
	tb.Helper()
	if b == nil {
		b = openDB(tb)
	}
	c := app.NewCommon(styles.Plain(), b)
	s := simulate.New(c).(*simulate.Screen)
	s.SetSize(w, h)
	r := &screentest.Runner{T: tb, Screen: s, Backend: b}
	r.Run(s.Activated())
	return s, r, c
}

func fit(tb testing.TB, s *simulate.Screen, w, h int, ctx string) string {
	tb.Helper()
	v := s.View()
	charttest.Fit(tb, v, w, h, ctx)
	return v
}

func goldenView(t *testing.T, name, view string) {
	t.Helper()
	backendtest.Golden(t, name, screentest.Strip(view))
}
