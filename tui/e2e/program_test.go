// Package e2e runs the whole workbench program: a teatest run of the root
// model with every registered screen (this file), and tmux_test.sh, which
// drives the real binary in tmux.
package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/styles"

	_ "github.com/journeyworkbench/workbench/tui/screens/customers"
	_ "github.com/journeyworkbench/workbench/tui/screens/data"
	_ "github.com/journeyworkbench/workbench/tui/screens/journeys"
	_ "github.com/journeyworkbench/workbench/tui/screens/segments"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

func waitFor(t *testing.T, tm *teatest.TestModel, what ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range what {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func keys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		default:
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// TestWholeProgram starts the workbench on an empty database, lets it
// generate and load the sample with its first-run progress, then walks
// every screen: Data (rejects), Customers (search, profile, timeline),
// help, Journeys (every sub-view, the paths exported with e), Segments
// (clusters), the filter editor, and quits.
func TestWholeProgram(t *testing.T) {
	b := backendtest.Empty(t)
	dir := filepath.Join(t.TempDir(), "sample")
	c := app.NewCommon(styles.Plain(), b)
	c.ExportDir = t.TempDir()
	entries := app.Registered(c)
	var titles []string
	for _, e := range entries {
		titles = append(titles, e.Screen.Title())
	}
	if strings.Join(titles, ",") != "Data,Customers,Journeys,Segments" {
		t.Fatalf("registered screens %v, want Data, Customers, Journeys, Segments", titles)
	}
	m := app.New(c, entries...)
	m.WithStartup("Preparing the built-in sample (first run only)", b.PrepareSample(context.Background(), app.StartupKind, dir, sample.Options{Customers: 200, Seed: 42}))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	waitFor(t, tm, "Sources 9 files", "crm_customers.csv", "daily events", "event types")
	keys(tm, "enter")
	waitFor(t, tm, "Rejects of crm_customers.csv")
	keys(tm, "esc")
	// Every registered screen by its number key, the last first so that
	// each key changes the active tab.
	for i := len(entries) - 1; i >= 0; i-- {
		slot := string(rune('0' + entries[i].Slot))
		keys(tm, slot)
		waitFor(t, tm, "["+slot+" "+titles[i]+"]")
	}
	keys(tm, "2", "/")
	for _, r := range "C0000001" {
		keys(tm, string(r))
	}
	keys(tm, "enter")
	waitFor(t, tm, "crm_id:C0000001", "last seen")
	keys(tm, "enter")
	waitFor(t, tm, "Why they are one customer", "Identifiers (")
	keys(tm, "t")
	waitFor(t, tm, "Timeline (")
	keys(tm, "?")
	waitFor(t, tm, "Customers screen", "Everywhere")
	keys(tm, "?", "3")
	waitFor(t, tm, "[3 Journeys]", "[p Paths]", "top 6 per step")
	keys(tm, "e")
	waitFor(t, tm, "Export journeys-paths", ".png")
	keys(tm, "enter")
	waitFor(t, tm, "wrote ", "journeys-paths-")
	keys(tm, "v")
	waitFor(t, tm, "distinct variants")
	keys(tm, "u")
	waitFor(t, tm, "labels (space adds)", "▸ [ ]")
	keys(tm, " ", "j", " ")
	waitFor(t, tm, "converted")
	keys(tm, "t")
	waitFor(t, tm, "P(row → column)")
	keys(tm, "a")
	waitFor(t, tm, "all models side by side")
	keys(tm, "4")
	waitFor(t, tm, "[4 Segments]", "saved segments")
	keys(tm, "K")
	waitFor(t, tm, "silhouette")
	keys(tm, "esc", "1")
	waitFor(t, tm, "[1 Data]")
	keys(tm, "f")
	waitFor(t, tm, "time range", "none ticked means every channel")
	keys(tm, "l", "l", "enter") // last 30 days
	waitFor(t, tm, "filters: 2026-05-31 → 2026-06-29")
	keys(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"panic", "goroutine ", "runtime error"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
	fm := tm.FinalModel(t).(*app.Model)
	if fm.Err() != nil {
		t.Errorf("ended on the error screen: %v", fm.Err())
	}
	if s, slot := fm.Active(); slot != app.SlotData || s.Title() != "Data" {
		t.Errorf("final screen %d", slot)
	}
	if f := fm.Common().Filters; f.To-f.From != 30*24*3600*1000 {
		t.Errorf("filter of the last 30 days not kept: %+v", f)
	}
	exported, _ := filepath.Glob(filepath.Join(c.ExportDir, "journeys-paths-*"))
	if len(exported) != 5 {
		t.Errorf("e on the paths wrote %v, want the PNG and the nodes and links as CSV and JSON", exported)
	}
	if !b.SampleLoaded(context.Background(), dir) {
		t.Error("the sample is not recorded as loaded")
	}
	if strings.Contains(string(out), "stopped on an error") {
		t.Error("error screen shown")
	}
}
