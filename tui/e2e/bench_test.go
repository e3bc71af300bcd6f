package e2e

import (
	"context"
	"os"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/screens/customers"
	"github.com/journeyworkbench/workbench/tui/screens/data"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func result(b *testing.B, cmd tea.Cmd) backend.ResultMsg {
	b.Helper()
	msg := cmd()
	r, ok := msg.(backend.ResultMsg)
	if !ok || r.Err != nil {
		b.Fatalf("query: %T %v", msg, r.Err)
	}
	return r
}

// BenchmarkDataOverviewCold measures the Data screen's query on a new
// backend with no counts cached anywhere (sources and a full count of
// events by channel, type and day) plus its render at 120×40: the first
// visit after a load made outside the workbench.
func BenchmarkDataOverviewCold(b *testing.B) {
	st := backendtest.BenchStore(b)
	for b.Loop() {
		os.Remove(st.Path() + "-counts.json")
		c := app.NewCommon(styles.Plain(), backend.New(st))
		s := data.New(c)
		s.SetSize(120, 36)
		s.Update(result(b, s.Init()))
		_ = s.View()
	}
}

// BenchmarkDataOverviewRestart is the first visit after a start when the
// counts of the data version were saved by an earlier run.
func BenchmarkDataOverviewRestart(b *testing.B) {
	st := backendtest.BenchStore(b)
	if _, _, err := backend.New(st).Counts(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c := app.NewCommon(styles.Plain(), backend.New(st))
		s := data.New(c)
		s.SetSize(120, 36)
		s.Update(result(b, s.Init()))
		_ = s.View()
	}
}

// BenchmarkDataOverviewWarm is the same with the counts cached in memory
// for the data version (every later visit or refresh).
func BenchmarkDataOverviewWarm(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := data.New(c)
	s.SetSize(120, 36)
	s.Update(result(b, s.Init()))
	for b.Loop() {
		s.Update(result(b, s.Init()))
		_ = s.View()
	}
}

// BenchmarkDataFilterChange measures applying a channel filter on the Data
// screen: recomputing the mixes from the counts and rendering (UI thread).
func BenchmarkDataFilterChange(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := data.New(c)
	s.SetSize(120, 36)
	s.Update(result(b, s.Init()))
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			c.Filters.Channels = []string{"email", "sms"}
		} else {
			c.Filters.Channels = nil
		}
		i++
		s.Update(app.FiltersChangedMsg{})
		_ = s.View()
	}
}

// BenchmarkCustomersSearch measures a search by CRM id prefix (up to
// SearchLimit customers with their key facts) plus the list's render.
func BenchmarkCustomersSearch(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := customers.New(c).(*customers.Screen)
	s.SetSize(120, 36)
	for b.Loop() {
		s.Update(result(b, s.Search("C000012")))
		_ = s.View()
	}
}

// BenchmarkCustomersProfile measures reading one profile (identifiers,
// links, traits, consents, up to TimelineLimit events) plus its render.
func BenchmarkCustomersProfile(b *testing.B) {
	st := backendtest.BenchStore(b)
	bk := backend.New(st)
	rows, err := bk.SearchCustomers(context.Background(), "C00001", 1)
	if err != nil || len(rows) == 0 {
		b.Fatalf("no customer to open (%v)", err)
	}
	for b.Loop() {
		p, err := bk.Profile(context.Background(), rows[0].Primary, customers.TimelineLimit)
		if err != nil {
			b.Fatal(err)
		}
		_ = p
	}
}

// BenchmarkSwitchScreen measures the UI thread's work for tab: the root
// model's Update and a full 120×40 View with both screens loaded.
func BenchmarkSwitchScreen(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	d := data.New(c)
	m := app.New(c, app.Entry{Slot: 1, Screen: d}, app.Entry{Slot: 2, Screen: customers.New(c)})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(result(b, d.Init()))
	for b.Loop() {
		m.Update(tea.KeyMsg{Type: tea.KeyTab})
		_ = m.View()
	}
}
