// Package e2e runs the whole workbench program: a teatest run of the root
// model with every registered screen (this file), and tmux_test.sh, which
// drives the real binary in tmux.
package e2e

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/styles"

	// The screens register themselves in their slots, imported exactly as
	// cmd/workbench/tui.go imports them (TestScreensAsTheBinary checks).
	_ "github.com/journeyworkbench/workbench/tui/screens/customers"
	_ "github.com/journeyworkbench/workbench/tui/screens/data"
	_ "github.com/journeyworkbench/workbench/tui/screens/journeys"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	_ "github.com/journeyworkbench/workbench/tui/screens/segments"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
)

// screenImports returns the sorted import paths under tui/screens/ of the
// Go file at path.
func screenImports(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p, "/tui/screens/") && !strings.HasSuffix(p, "test") { // not a test helper package
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// TestScreensAsTheBinary checks that this package imports the same screen
// packages as the workbench binary (cmd/workbench/tui.go), so the whole
// program run here registers exactly the binary's screens.
func TestScreensAsTheBinary(t *testing.T) {
	bin := screenImports(t, filepath.Join("..", "..", "cmd", "workbench", "tui.go"))
	here := screenImports(t, "program_test.go")
	if len(bin) == 0 {
		t.Fatal("cmd/workbench/tui.go imports no screen package")
	}
	if !slices.Equal(bin, here) {
		t.Errorf("screens imported here %v, by the binary %v", here, bin)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

// verdictShown reports whether the results of a Simulate run with the
// policies names show a verdict line: "X wins by …" or "cannot tell apart
// with this data: …", naming one of them.
func verdictShown(out []byte, names ...string) bool {
	i := bytes.Index(out, []byte("Results · "+strconv.Itoa(len(names))+" policies"))
	if i < 0 {
		return false
	}
	for _, l := range strings.Split(string(out[i:]), "\n") {
		if !strings.Contains(l, " wins by ") && !strings.Contains(l, compare.CannotTell+": ") {
			continue
		}
		for _, n := range names {
			if strings.Contains(l, n) {
				return true
			}
		}
	}
	return false
}

// idle waits until the backend runs no query (while one runs, the root
// model gives esc to cancelling it).
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

// TestWholeProgram starts the workbench on an empty database with every
// screen the binary registers, lets it generate and load the sample with
// its first-run progress, then walks every screen: Data (rejects),
// Customers (search, profile, timeline), help, Journeys (every sub-view,
// the paths exported with e), Segments (clusters), Simulate (a 30-day
// comparison of two policies on the sample's decision log, its verdict,
// back to the setup), the filter editor, and quits.
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
	if strings.Join(titles, ",") != "Data,Customers,Journeys,Segments,Simulate" {
		t.Fatalf("registered screens %v, want Data, Customers, Journeys, Segments, Simulate", titles)
	}
	m := app.New(c, entries...)
	m.WithStartup("Preparing the built-in sample (first run only)", b.PrepareSample(context.Background(), app.StartupKind, dir, sample.Options{Customers: 200, Seed: 42}))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	screentest.WaitFor(t, tm, "Sources 9 files", "crm_customers.csv", "daily events", "event types")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "Rejects of crm_customers.csv")
	screentest.SendKeys(tm, "esc")
	// Every registered screen by its number key, the last first so that
	// each key changes the active tab.
	for i := len(entries) - 1; i >= 0; i-- {
		slot := string(rune('0' + entries[i].Slot))
		screentest.SendKeys(tm, slot)
		screentest.WaitFor(t, tm, "["+slot+" "+titles[i]+"]")
	}
	screentest.SendKeys(tm, "2", "/")
	for _, r := range "C0000001" {
		screentest.SendKeys(tm, string(r))
	}
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "crm_id:C0000001", "last seen")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "Why they are one customer", "Identifiers (")
	screentest.SendKeys(tm, "t")
	screentest.WaitFor(t, tm, "Timeline (")
	screentest.SendKeys(tm, "?")
	screentest.WaitFor(t, tm, "Customers screen", "Everywhere")
	screentest.SendKeys(tm, "?", "3")
	screentest.WaitFor(t, tm, "[3 Journeys]", "[p Paths]", "top 6 per step")
	screentest.SendKeys(tm, "e")
	screentest.WaitFor(t, tm, "Export journeys-paths", ".png")
	screentest.SendKeys(tm, "enter")
	screentest.WaitFor(t, tm, "wrote ", "journeys-paths-")
	screentest.SendKeys(tm, "v")
	screentest.WaitFor(t, tm, "distinct variants")
	screentest.SendKeys(tm, "u")
	screentest.WaitFor(t, tm, "labels (space adds)", "▸ [ ]")
	screentest.SendKeys(tm, " ", "j", " ")
	screentest.WaitFor(t, tm, "converted")
	screentest.SendKeys(tm, "t")
	screentest.WaitFor(t, tm, "P(row → column)")
	screentest.SendKeys(tm, "a")
	screentest.WaitFor(t, tm, "all models side by side")
	screentest.SendKeys(tm, "4")
	screentest.WaitFor(t, tm, "[4 Segments]", "saved segments")
	screentest.SendKeys(tm, "K")
	screentest.WaitFor(t, tm, "silhouette")
	screentest.SendKeys(tm, "esc")
	idle(t, b)
	screentest.SendKeys(tm, "5")
	screentest.WaitFor(t, tm, "[5 Simulate]", "Policies (11 of 11 ticked)", "11 policies build with the")
	// Only do nothing and always email (a untick every policy; space
	// ticks the one under the cursor), over 30 days with no refits.
	screentest.SendKeys(tm, "a", " ", "j", " ")
	screentest.WaitFor(t, tm, "Policies (2 of 11 ticked)")
	screentest.SendKeys(tm, "h", "h", "h", "R", "R")
	screentest.WaitFor(t, tm, "method both · 30 days · customers as in the log · 0 refits")
	screentest.SendKeys(tm, "r")
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return verdictShown(out, "do nothing", "always email") },
		teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	idle(t, b)
	screentest.SendKeys(tm, "esc")
	screentest.WaitFor(t, tm, "v shows the last results")
	screentest.SendKeys(tm, "1")
	screentest.WaitFor(t, tm, "[1 Data]")
	screentest.SendKeys(tm, "f")
	screentest.WaitFor(t, tm, "time range", "none ticked means every channel")
	screentest.SendKeys(tm, "l", "l", "enter") // last 30 days
	screentest.WaitFor(t, tm, "filters: 2026-05-31 → 2026-06-29")
	screentest.SendKeys(tm, "q")
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
	// The screens are pointers shared with the root model's copy of the
	// entries; the program has finished, so reading them does not race.
	sim, ok := entries[len(entries)-1].Screen.(*simulate.Screen)
	if !ok {
		t.Fatalf("slot %d holds %T, want the Simulate screen", entries[len(entries)-1].Slot, entries[len(entries)-1].Screen)
	}
	if r, err := sim.Result(); err != nil || r == nil {
		t.Errorf("Simulate run: result %v, error %v", r, err)
	} else {
		var rows []string
		for _, row := range r.Comparison.Rows {
			rows = append(rows, row.Policy)
		}
		if strings.Join(rows, ",") != "do nothing,always email" {
			t.Errorf("Simulate compared %v, want do nothing and always email", rows)
		}
		if r.Comparison.Sim == nil || r.Comparison.Sim.Result.HorizonDays != 30 || r.Comparison.Sim.Replicates != 0 || r.Comparison.SimVerdict == nil || r.Comparison.OPEVerdict == nil {
			t.Errorf("Simulate run not the 30-day, 0-refit comparison by both methods: %+v", r.Comparison)
		}
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
