package simulate_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/styles"

	// The screens before it in the program, as cmd/workbench registers them.
	_ "github.com/journeyworkbench/workbench/tui/screens/customers"
	_ "github.com/journeyworkbench/workbench/tui/screens/data"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
)

// idle waits until the backend runs no query.
func idle(t *testing.T, b interface{ Running() int }) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for b.Running() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("queries still running after 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWholeProgram runs the whole program (Data, Customers and Simulate)
// on a copy of the 300-customer fixture and
// walks the Simulate screen: the built-in example's policies, a run with
// its results (verdict, table, chart), back to the setup, and an edit of
// the policy file through $EDITOR (E, a script that appends a policy)
// that the screen reloads. On the results, e exports the chart as PNG and
// the comparison and learning curves as CSV and JSON.
func TestWholeProgram(t *testing.T) {
	b := openDB(t)
	dir := filepath.Dir(b.Path())
	ed := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(ed, []byte("#!/bin/sh\nprintf '  - {name: late addition, type: nothing}\\n' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", ed)
	c := app.NewCommon(styles.Plain(), b)
	c.ExportDir = t.TempDir()
	m := app.New(c, app.Registered(c)...)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	screentest.WaitFor(t, tm, "[1 Data]")
	screentest.SendKeys(tm, "5")
	screentest.WaitFor(t, tm, "[5 Simulate]", "Policy file built-in example", "11 policies build with the", "[x] linucb")
	// A short run: 30 days, no refits.
	screentest.SendKeys(tm, "h", "h", "h", "R", "R")
	screentest.WaitFor(t, tm, "method both · 30 days · customers as in the log · 0 refits")
	screentest.SendKeys(tm, "r")
	screentest.WaitFor(t, tm, "Results · 11 policies", "95% interval", "uplift vs nothing")
	idle(t, b)
	screentest.SendKeys(tm, "e")
	screentest.WaitFor(t, tm, "Export simulate-results")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "wrote ")
	idle(t, b)
	for _, pat := range []string{"simulate-results-*[0-9].png", "simulate-results-*-learning.png", "simulate-results-*[0-9].csv", "simulate-results-*[0-9].json", "simulate-results-*-learning.csv", "simulate-results-*-learning.json"} {
		if m, _ := filepath.Glob(filepath.Join(c.ExportDir, pat)); len(m) != 1 {
			t.Errorf("e on the results wrote %d files %s, want 1", len(m), pat)
		}
	}
	// esc goes back to the setup once no query runs (while one runs, the
	// root model gives esc to cancelling it).
	screentest.SendKeys(tm, "esc")
	screentest.WaitFor(t, tm, "Policies (11 of 11 ticked)")
	screentest.SendKeys(tm, "E")
	screentest.WaitFor(t, tm, "late addition", "12 policies build with the")
	screentest.SendKeys(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "panic") || strings.Contains(string(out), "stopped on an error") {
		t.Error("the program failed")
	}
	fm := tm.FinalModel(t).(*app.Model)
	if fm.Err() != nil {
		t.Errorf("ended on the error screen: %v", fm.Err())
	}
	data, err := os.ReadFile(filepath.Join(dir, "policies.yaml"))
	if err != nil || !strings.Contains(string(data), "late addition") {
		t.Errorf("the edited copy of the example is not next to the database: %v", err)
	}
}
