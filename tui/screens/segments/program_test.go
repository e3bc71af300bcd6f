package segments_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
	"github.com/journeyworkbench/workbench/tui/screens/segments"
	"github.com/journeyworkbench/workbench/tui/styles"

	// Every screen of the program, as cmd/workbench registers them.
	_ "github.com/journeyworkbench/workbench/tui/screens/customers"
	_ "github.com/journeyworkbench/workbench/tui/screens/data"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
)

// TestJourneysAndSegmentsProgram runs the whole program on the loaded
// fixture and walks the Journeys screen (every sub-view, a Sankey node's
// customers and one profile) and the Segments screen (a new segment typed
// and counted live, saved, applied as the global filter, clusters), then
// quits.
func TestJourneysAndSegmentsProgram(t *testing.T) {
	b := backendtest.Copy(t)
	c := app.NewCommon(styles.Plain(), b)
	m := app.New(c, app.Registered(c)...)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	screentest.WaitFor(t, tm, "[1 Data]")
	screentest.SendKeys(tm, "2")
	screentest.WaitFor(t, tm, "[2 Customers]")
	screentest.SendKeys(tm, "3")
	screentest.WaitFor(t, tm, "[3 Journeys]", "[p Paths]", "top 6 per step")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "Customers behind", "at step 1", "enter opens the profile")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "Identifiers (")
	screentest.SendKeys(tm, "esc", "esc", "v")
	screentest.WaitFor(t, tm, "distinct variants")
	screentest.SendKeys(tm, "u")
	// The labels are read off the UI thread: wait for the list itself
	// (its cursor row), not only its heading, before picking steps.
	screentest.WaitFor(t, tm, "labels (space adds)", "▸ [ ]")
	screentest.SendKeys(tm, " ", "j", " ")
	screentest.WaitFor(t, tm, "converted")
	screentest.SendKeys(tm, "t")
	screentest.WaitFor(t, tm, "P(row → column)")
	screentest.SendKeys(tm, "a")
	screentest.WaitFor(t, tm, "all models side by side")
	screentest.SendKeys(tm, "?")
	screentest.WaitFor(t, tm, "Journeys screen", "collapse repeats")
	screentest.SendKeys(tm, "?", "4")
	screentest.WaitFor(t, tm, "[4 Segments]", "saved segments")
	screentest.SendKeys(tm, "n")
	screentest.WaitFor(t, tm, "New segment")
	for _, r := range "orders >= 2" {
		screentest.SendKeys(tm, string(r))
	}
	screentest.WaitFor(t, tm, "✓ ")
	screentest.SendKeys(tm, "enter")
	for _, r := range "buyers" {
		screentest.SendKeys(tm, string(r))
	}
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "segment buyers saved")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "segment buyers")
	screentest.SendKeys(tm, "K")
	screentest.WaitFor(t, tm, "silhouette")
	screentest.SendKeys(tm, "esc", "3")
	screentest.WaitFor(t, tm, "[3 Journeys]")
	screentest.SendKeys(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"panic", "goroutine ", "stopped on an error"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
	fm := tm.FinalModel(t).(*app.Model)
	if fm.Err() != nil {
		t.Errorf("ended on the error screen: %v", fm.Err())
	}
	if fm.Common().Filters.Segment != "buyers" {
		t.Errorf("the applied segment is not the global filter: %+v", fm.Common().Filters)
	}
}

// runAll runs cmd (and batches) synchronously and returns the backend
// results it produced.
func runAll(cmd tea.Cmd) []backend.ResultMsg {
	if cmd == nil {
		return nil
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		var out []backend.ResultMsg
		for _, c := range m {
			out = append(out, runAll(c)...)
		}
		return out
	case backend.ResultMsg:
		return []backend.ResultMsg{m}
	}
	return nil
}

// benchSubView measures one Journeys sub-view: a filter change re-runs its
// query on the shared workspace (the encoded journeys are cached, as in
// the program), then the result is drawn at 120×40.
func benchSubView(b *testing.B, key string, setup ...string) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := journeys.New(c).(*journeys.Screen)
	s.SetSize(120, 40)
	feed := func(cmd tea.Cmd) {
		for _, r := range runAll(cmd) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			_, next := s.Update(r)
			for _, r2 := range runAll(next) {
				s.Update(r2)
			}
		}
	}
	feed(s.Activated())
	_, cmd := s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(key)})
	feed(cmd)
	for _, k := range setup {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		if k == " " {
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		}
		_, cmd := s.Update(msg)
		feed(cmd)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, cmd := s.Update(app.FiltersChangedMsg{})
		feed(cmd)
		if v := s.View(); len(v) == 0 {
			b.Fatal("empty view")
		}
	}
}

func BenchmarkJourneysPaths(b *testing.B)       { benchSubView(b, "p") }
func BenchmarkJourneysVariants(b *testing.B)    { benchSubView(b, "v") }
func BenchmarkJourneysFunnel(b *testing.B)      { benchSubView(b, "u", " ", "j", " ", "j", " ") }
func BenchmarkJourneysTransitions(b *testing.B) { benchSubView(b, "t") }
func BenchmarkJourneysAttribution(b *testing.B) { benchSubView(b, "a") }

// BenchmarkJourneysRender measures drawing alone (every sub-view at
// 120×40), the work done on the UI thread per frame.
func BenchmarkJourneysRender(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := journeys.New(c).(*journeys.Screen)
	s.SetSize(120, 40)
	feed := func(cmd tea.Cmd) {
		for _, r := range runAll(cmd) {
			s.Update(r)
		}
	}
	feed(s.Activated())
	for _, k := range []string{"v", "t", "a", "p"} {
		_, cmd := s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		feed(cmd)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, k := range []string{"p", "v", "t", "a"} {
			s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			_ = s.View()
		}
	}
}

// BenchmarkSegmentsCheck measures the editor's live validation: compiling
// and counting an expression over every customer's features.
func BenchmarkSegmentsCheck(b *testing.B) {
	st := backendtest.BenchStore(b)
	bk := backend.New(st)
	w := bk.Workspace()
	ctx := context.Background()
	if c := segments.CheckExpr(ctx, w, "orders >= 2"); c.Err != nil {
		b.Fatal(c.Err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := segments.CheckExpr(ctx, w, fmt.Sprintf("orders >= %d && recency_days < 60", i%5))
		if c.Err != nil {
			b.Fatal(c.Err)
		}
	}
}

// BenchmarkSegmentsClusters measures k-means with k chosen by silhouette.
func BenchmarkSegmentsClusters(b *testing.B) {
	st := backendtest.BenchStore(b)
	c := app.NewCommon(styles.Plain(), backend.New(st))
	s := segments.New(c).(*segments.Screen)
	s.SetSize(120, 40)
	for _, r := range runAll(s.Activated()) {
		s.Update(r)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, cmd := s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
		if i == 0 {
			_, cmd = s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("K")})
		}
		for _, r := range runAll(cmd) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			s.Update(r)
		}
		_ = s.View()
	}
}
