package segments_test

import (
	"os"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	"github.com/journeyworkbench/workbench/tui/screens/segments"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

// open returns the Segments screen over a private copy of the fixture
// (segments are saved into it), sized w×h and shown.
func open(t testing.TB, w, h int) (*segments.Screen, *screentest.Runner, *app.Common) {
	t.Helper()
	c := app.NewCommon(styles.Plain(), backendtest.Copy(t))
	s := segments.New(c).(*segments.Screen)
	s.SetSize(w, h)
	r := &screentest.Runner{T: t, Screen: s, Backend: c.Backend}
	r.Run(s.Activated())
	return s, r, c
}

func fit(t testing.TB, r *screentest.Runner, w, h int, ctx string) string {
	t.Helper()
	v := r.Screen.View()
	charttest.Fit(t, v, w, h, ctx)
	return v
}

func goldenView(t *testing.T, name, view string) {
	t.Helper()
	backendtest.Golden(t, name, screentest.Strip(view))
}
