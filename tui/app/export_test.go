package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/styles"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func exportOf(withChart bool, tables int) app.Export {
	e := app.Export{Name: "demo-view", Meta: achart.Meta{Title: "Demo"}}
	if withChart {
		e.Chart = func(context.Context, achart.Meta) (*plot.Plot, error) {
			p := plot.New()
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}})
			if err != nil {
				return nil, err
			}
			p.Add(l)
			return p, nil
		}
	}
	for i := 0; i < tables; i++ {
		t := report.New("a", "b")
		t.Add(1, "x")
		name := ""
		if i > 0 {
			name = "more"
		}
		e.Tables = append(e.Tables, app.Table{Name: name, Table: t})
	}
	return e
}

func TestExportFilesByExtension(t *testing.T) {
	tests := []struct {
		exp     app.Export
		path    string
		want    []string
		wantErr string
	}{
		{exportOf(true, 1), "out/x.png", []string{"out/x.png", "out/x.csv", "out/x.json"}, ""},
		{exportOf(true, 2), "x.SVG", []string{"x.SVG", "x.csv", "x.json", "x-more.csv", "x-more.json"}, ""},
		{exportOf(true, 1), "x.csv", []string{"x.csv", "x.json"}, ""},
		{exportOf(false, 1), "x.json", []string{"x.csv", "x.json"}, ""},
		{exportOf(true, 0), "x.pdf", []string{"x.pdf"}, ""},
		{exportOf(false, 1), "x.png", nil, "no chart"},
		{exportOf(true, 0), "x.csv", nil, "chart only"},
		{exportOf(true, 1), "x.txt", nil, "end the name with .png, .svg or .pdf"},
		{exportOf(true, 1), "  ", nil, "type a file name"},
		{withExtra(exportOf(true, 2), "curves"), "out/x.svg", []string{"out/x.svg", "out/x-curves.svg", "out/x.csv", "out/x.json", "out/x-more.csv", "out/x-more.json"}, ""},
		{withExtra(exportOf(true, 1), "a", "b"), "x.pdf", []string{"x.pdf", "x-a.pdf", "x-b.pdf", "x.csv", "x.json"}, ""},
		{withExtra(exportOf(true, 1), "curves"), "x.json", []string{"x.csv", "x.json"}, ""},
		{withExtra(exportOf(true, 1), ""), "x.png", nil, "has no name"},
	}
	for _, tc := range tests {
		got, err := tc.exp.Files(tc.path)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Files(%q): error %v, want one saying %q", tc.path, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Files(%q) = %v, %v; want %v", tc.path, got, err, tc.want)
		}
	}
}

// withExtra adds an extra chart per name to e, each drawing a line
// through (0, 0) and (1, 2) and recording the meta it was drawn with in
// got[name] when got is not nil.
func withExtra(e app.Export, names ...string) app.Export {
	return withExtraMeta(e, nil, names...)
}

func withExtraMeta(e app.Export, got map[string]achart.Meta, names ...string) app.Export {
	e.Extra = nil
	for _, n := range names {
		e.Extra = append(e.Extra, app.NamedChart{Name: n, Meta: achart.Meta{Title: "Extra " + n}, Chart: func(ctx context.Context, m achart.Meta) (*plot.Plot, error) {
			if got != nil {
				got[n] = m
			}
			return exportOf(true, 0).Chart(ctx, m)
		}})
	}
	return e
}

// TestExportExtraChart exports a chart with an extra chart named curves
// and a table through the prompt: the prompt lists STEM-curves.png, both
// charts are written as PNG (the extra with its own title and the
// subtitle filled in as the main chart's), and the status names all four
// files.
func TestExportExtraChart(t *testing.T) {
	b := backendtest.Open(t)
	c := app.NewCommon(styles.Plain(), b)
	dir := t.TempDir()
	c.ExportDir = dir
	drawn := map[string]achart.Meta{}
	s := &exportScreen{fake: fake{title: "Demo"}, exp: withExtraMeta(exportOf(true, 1), drawn, "curves"), ok: true}
	m := app.New(c, app.Entry{Slot: 1, Screen: s})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 24})
	send(m, runes("e"))
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "-curves.png") || !strings.Contains(v, "charts and tables") {
		t.Fatalf("prompt does not list the extra chart:\n%s", v)
	}
	cmd := send(m, tea.KeyMsg{Type: tea.KeyEnter})
	for _, msg := range backendtest.Drain(t, cmd, time.Minute, app.ExportKind) {
		send(m, msg)
	}
	txt, isErr := m.Status()
	if isErr || !strings.HasPrefix(txt, "wrote ") {
		t.Fatalf("status after the export: %q (error %v)", txt, isErr)
	}
	files := strings.Split(strings.TrimPrefix(txt, "wrote "), ", ")
	if len(files) != 4 {
		t.Fatalf("files written: %v, want the chart, the extra chart, the CSV and the JSON", files)
	}
	stem := strings.TrimSuffix(files[0], ".png")
	if filepath.Ext(files[0]) != ".png" || files[1] != stem+"-curves.png" || files[2] != stem+".csv" || files[3] != stem+".json" {
		t.Errorf("files written: %v, want STEM.png, STEM-curves.png, STEM.csv, STEM.json", files)
	}
	for _, f := range files[:2] {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 1000 || !strings.HasPrefix(string(data), "\x89PNG") {
			t.Errorf("%s is not a drawn PNG (%d bytes, %v)", f, len(data), err)
		}
	}
	got, ok := drawn["curves"]
	if !ok || got.Title != "Extra curves" || !strings.Contains(got.Subtitle, "all events") {
		t.Errorf("extra chart drawn with %+v, want its own title and the filters in the subtitle", got)
	}
	if s.exp.Extra[0].Meta.Subtitle != "" {
		t.Error("the export filled the subtitle into the screen's own extra chart")
	}
}

// TestExportExtraChartError: an extra chart that fails keeps the main
// chart written and says which chart failed.
func TestExportExtraChartError(t *testing.T) {
	e := withExtra(exportOf(true, 1), "curves")
	e.Extra[0].Chart = func(context.Context, achart.Meta) (*plot.Plot, error) { return nil, errors.New("no curves") }
	path := filepath.Join(t.TempDir(), "x.png")
	done, err := e.Write(t.Context(), path, e.Meta)
	if err == nil || !strings.Contains(err.Error(), "chart curves: no curves") {
		t.Errorf("error %v, want one naming the curves chart", err)
	}
	if !slices.Equal(done, []string{path}) {
		t.Errorf("written before the failure: %v, want the main chart only", done)
	}
}

func TestFiltersText(t *testing.T) {
	f := &app.Filters{}
	if got := f.Text(); got != "all events" {
		t.Errorf("no filters: %q", got)
	}
	f = &app.Filters{From: 1772323200000, Channels: []string{"web", "app"}, Segment: "buyers"} // 2026-03-01
	if got, want := f.Text(), "from 2026-03-01, channels web, app, segment buyers"; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}

// exportScreen is a fake screen that exports a chart and a table.
type exportScreen struct {
	fake
	exp app.Export
	ok  bool
}

func (s *exportScreen) Export() (app.Export, bool) { return s.exp, s.ok }

func TestExportPromptWritesFilesOffTheUIThread(t *testing.T) {
	b := backendtest.Open(t)
	c := app.NewCommon(styles.Plain(), b)
	dir := t.TempDir()
	c.ExportDir = dir
	s := &exportScreen{fake: fake{title: "Demo"}, exp: exportOf(true, 1)}
	m := app.New(c, app.Entry{Slot: 1, Screen: s})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})

	// Nothing to export yet: the status says so and no prompt opens.
	send(m, runes("e"))
	if txt, _ := m.Status(); !strings.Contains(txt, "nothing to export") {
		t.Errorf("status without an export: %q", txt)
	}
	s.ok = true
	send(m, runes("e"))
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "Export demo-view") || !strings.Contains(v, filepath.Join(dir, "demo-view-")) || !strings.Contains(v, ".png") {
		t.Fatalf("prompt with the default path missing:\n%s", v)
	}
	if len(s.keys) != 0 {
		t.Errorf("e reached the screen: %v", s.keys)
	}
	// An extension the export cannot write keeps the prompt open with
	// the reason.
	for range 4 {
		send(m, tea.KeyMsg{Type: tea.KeyBackspace})
	}
	send(m, runes(".txt"), tea.KeyMsg{Type: tea.KeyEnter})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "cannot tell the format") {
		t.Fatalf("a .txt path should be refused in the prompt:\n%s", v)
	}
	// esc closes it without writing.
	send(m, tea.KeyMsg{Type: tea.KeyEsc})
	if v := ansi.Strip(m.View()); strings.Contains(v, "Export demo-view") {
		t.Fatalf("esc should close the prompt:\n%s", v)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("cancelled export wrote %d files", len(entries))
	}
	// e, then enter: the chart and the table are written by a backend
	// job and the status names them.
	send(m, runes("e"))
	cmd := send(m, tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter should start the export job")
	}
	for _, msg := range backendtest.Drain(t, cmd, time.Minute, app.ExportKind) {
		send(m, msg)
	}
	txt, isErr := m.Status()
	if isErr || !strings.HasPrefix(txt, "wrote ") {
		t.Fatalf("status after the export: %q (error %v)", txt, isErr)
	}
	files := strings.Split(strings.TrimPrefix(txt, "wrote "), ", ")
	if len(files) != 3 || filepath.Ext(files[0]) != ".png" || filepath.Ext(files[1]) != ".csv" || filepath.Ext(files[2]) != ".json" {
		t.Fatalf("files written: %v", files)
	}
	csv, err := os.ReadFile(files[1])
	if err != nil || string(csv) != "a,b\n1,x\n" {
		t.Errorf("CSV = %q, %v", csv, err)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Size() < 1000 {
		t.Errorf("PNG: %v", err)
	}
}

func TestExportErrorInStatus(t *testing.T) {
	c := app.NewCommon(styles.Plain(), backendtest.Empty(t))
	c.ExportDir = filepath.Join(t.TempDir(), "missing")
	e := exportOf(true, 1)
	e.Chart = func(context.Context, achart.Meta) (*plot.Plot, error) { return nil, errors.New("no data to draw") }
	s := &exportScreen{fake: fake{title: "Demo"}, exp: e, ok: true}
	m := app.New(c, app.Entry{Slot: 1, Screen: s})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	send(m, runes("e"))
	cmd := send(m, tea.KeyMsg{Type: tea.KeyEnter})
	for _, msg := range backendtest.Drain(t, cmd, time.Minute, app.ExportKind) {
		send(m, msg)
	}
	if txt, isErr := m.Status(); !isErr || !strings.Contains(txt, "no data to draw") {
		t.Errorf("status after a failing chart: %q (error %v)", txt, isErr)
	}
}
