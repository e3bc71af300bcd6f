package journeys_test

import (
	"os"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

// open returns the Journeys screen over the fixture, sized w×h and shown
// (its first analysis computed).
func open(t testing.TB, w, h int) (*journeys.Screen, *screentest.Runner, *app.Common) {
	t.Helper()
	c := app.NewCommon(styles.Plain(), backendtest.Open(t))
	s := journeys.New(c).(*journeys.Screen)
	s.SetSize(w, h)
	r := &screentest.Runner{T: t, Screen: s, Backend: c.Backend}
	r.Run(s.Activated())
	return s, r, c
}

// fit checks the view of the runner's screen fits w×h.
func fit(t testing.TB, r *screentest.Runner, w, h int, ctx string) string {
	t.Helper()
	v := r.Screen.View()
	charttest.Fit(t, v, w, h, ctx)
	return v
}

// goldenView compares the stripped view with testdata/NAME.golden (go
// test -update rewrites it).
func goldenView(t *testing.T, name, view string) {
	t.Helper()
	backendtest.Golden(t, name, screentest.Strip(view))
}
