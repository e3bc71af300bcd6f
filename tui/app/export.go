package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/tui/chart"
	"gonum.org/v1/plot"
)

// ExportKind is the backend kind of the job that writes an export.
const ExportKind = "app.export"

// Exporter is implemented by screens whose charts and tables can be
// written to files: e (the global Export key) asks the active screen for
// what it shows now, prompts for a path and writes the files off the UI
// thread. ok is false while there is nothing to export (no result yet).
// A screen that does not implement Exporter receives e as any other key.
type Exporter interface {
	Export() (e Export, ok bool)
}

// Export is what a screen (and its sub-view) shows: a chart (with extra
// charts beside it), the tables on screen, or both.
type Export struct {
	// Name is the stem of the default file name, "<screen>-<view>"
	// ("journeys-paths"); a timestamp is added to it.
	Name string
	// Chart draws the chart on screen with meta (title from Meta, the
	// subtitle filled in by the export); nil when the view has no chart.
	// It runs off the UI thread and may query the backend.
	Chart func(ctx context.Context, meta achart.Meta) (*plot.Plot, error)
	// Meta is the chart's title and axis labels. An empty Subtitle is
	// filled in as the chart command does (analysis/chart.Subtitle): the
	// filters, the database, the dates of the events the filters keep,
	// their customers and Counts.
	Meta achart.Meta
	// Counts is what the subtitle says about the data after the number of
	// customers ("9,100 journeys").
	Counts string
	// Extra are further charts of the view, written beside the chart
	// in the same format as STEM-NAME.EXT (after it, before the
	// tables) when the export writes a chart; a tables-only export
	// (.csv, .json) leaves them out.
	Extra []NamedChart
	// Tables are the tables on screen, with the columns shown. The first
	// is written as STEM.csv and STEM.json, the others as
	// STEM-NAME.csv and STEM-NAME.json.
	Tables []Table
}

// NamedChart is an extra chart of an export, written as STEM-NAME.EXT.
type NamedChart struct {
	// Name is the suffix of the file name ("learning"); not empty, and
	// distinct among the extra charts of an export.
	Name string
	// Meta is the chart's title and axis labels; an empty Subtitle is
	// filled in as the main chart's is.
	Meta achart.Meta
	// Chart draws the chart with meta, off the UI thread.
	Chart func(ctx context.Context, meta achart.Meta) (*plot.Plot, error)
}

// Table is one table of an export.
type Table struct {
	Name  string // suffix of the file name; "" for the first table
	Table *report.Table
}

var chartExts = []string{".png", ".svg", ".pdf"}

// Files lists the files an export to path writes, in order. The
// extension of path picks what is written: .png, .svg or .pdf write the
// chart in that format and every table as CSV and JSON beside it (same
// stem); .csv or .json write the tables only, each as CSV and JSON. The
// error says which extensions the export takes.
func (e Export) Files(path string) ([]string, error) {
	path = strings.TrimSpace(path)
	ext := strings.ToLower(filepath.Ext(path))
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	if path == "" || filepath.Base(stem) == "" || strings.HasSuffix(path, string(filepath.Separator)) {
		return nil, errors.New("type a file name, e.g. " + e.Name + e.defaultExt())
	}
	var files []string
	isChart := false
	for _, x := range chartExts {
		if ext == x {
			isChart = true
		}
	}
	switch {
	case isChart && e.Chart == nil:
		return nil, errors.New("this view has no chart: name the file .csv or .json to write its tables")
	case isChart:
		files = append(files, path)
		for _, x := range e.Extra {
			if x.Name == "" || x.Chart == nil {
				return nil, fmt.Errorf("extra chart %q of %s has no name or nothing to draw", x.Name, e.Name)
			}
			files = append(files, stem+"-"+x.Name+filepath.Ext(path))
		}
	case ext == ".csv" || ext == ".json":
		if len(e.Tables) == 0 {
			return nil, errors.New("this view has a chart only: name the file .png, .svg or .pdf")
		}
	default:
		return nil, fmt.Errorf("cannot tell the format from %q: end the name with %s", ext, e.extensions())
	}
	for i, t := range e.Tables {
		s := stem
		if i > 0 || t.Name != "" {
			s += "-" + t.Name
		}
		files = append(files, s+".csv", s+".json")
	}
	return files, nil
}

func (e Export) defaultExt() string {
	if e.Chart != nil {
		return ".png"
	}
	return ".csv"
}

func (e Export) extensions() string {
	var x []string
	if e.Chart != nil {
		x = append(x, ".png, .svg or .pdf (the "+e.chartWord())
		if len(e.Tables) > 0 {
			x[0] += " and its tables"
		}
		x[0] += ")"
	}
	if len(e.Tables) > 0 {
		x = append(x, ".csv or .json (the tables)")
	}
	return strings.Join(x, " or ")
}

// chartWord is "chart", or "charts" when the export has extra charts.
func (e Export) chartWord() string {
	if len(e.Extra) > 0 {
		return "charts"
	}
	return "chart"
}

// shortExtensions is extensions in a few words for the prompt.
func (e Export) shortExtensions() string {
	var x []string
	switch {
	case e.Chart != nil && len(e.Tables) > 0:
		x = append(x, ".png/.svg/.pdf "+e.chartWord()+" and tables", ".csv/.json tables only")
	case e.Chart != nil:
		x = append(x, ".png/.svg/.pdf")
	default:
		x = append(x, ".csv/.json (both are written)")
	}
	return strings.Join(x, " · ")
}

// Write writes the files Files(path) lists: the chart drawn with meta
// (analysis/chart.Save), each extra chart drawn with its own Meta, and
// each table as CSV and JSON (report.Table.WriteCSV, WriteJSON). It
// returns the files written; on an error the files already written are
// kept and listed.
func (e Export) Write(ctx context.Context, path string, meta achart.Meta) ([]string, error) {
	files, err := e.Files(path)
	if err != nil {
		return nil, err
	}
	path = strings.TrimSpace(path)
	var done []string
	i := 0
	if e.Chart != nil && len(files) > 0 && files[0] == path && !isTableFile(path) {
		if err := writeChart(ctx, e.Chart, meta, path); err != nil {
			return done, err
		}
		done = append(done, path)
		i = 1
		for _, x := range e.Extra {
			if err := writeChart(ctx, x.Chart, x.Meta, files[i]); err != nil {
				return done, fmt.Errorf("chart %s: %w", x.Name, err)
			}
			done = append(done, files[i])
			i++
		}
	}
	for _, t := range e.Tables {
		for _, f := range files[i : i+2] {
			if err := ctx.Err(); err != nil {
				return done, err
			}
			if err := writeTable(t.Table, f); err != nil {
				return done, err
			}
			done = append(done, f)
		}
		i += 2
	}
	return done, nil
}

// writeChart draws a chart with meta and saves it to path, the format
// picked by the extension.
func writeChart(ctx context.Context, draw func(context.Context, achart.Meta) (*plot.Plot, error), meta achart.Meta, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := draw(ctx, meta)
	if err != nil {
		return err
	}
	if err := achart.Save(p, meta, path); err != nil {
		return fmt.Errorf("%w; check that the directory exists and can be written", err)
	}
	return nil
}

func isTableFile(p string) bool {
	x := strings.ToLower(filepath.Ext(p))
	return x == ".csv" || x == ".json"
}

func writeTable(t *report.Table, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w; check that the directory exists and can be written", path, err)
	}
	if filepath.Ext(path) == ".json" {
		err = t.WriteJSON(f)
	} else {
		err = t.WriteCSV(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// DefaultExportPath is the path the export prompt proposes:
// DIR/NAME-YYYYMMDD-HHMMSS.png for a chart (.csv for tables only), DIR
// being Common.ExportDir or the current directory ("./").
func DefaultExportPath(dir string, e Export, now time.Time) string {
	name := e.Name + "-" + now.Format("20060102-150405") + e.defaultExt()
	if dir == "" || dir == "." {
		return "./" + name
	}
	return filepath.Join(dir, name)
}

// exportPrompt is the overlay asking where to write an export.
type exportPrompt struct {
	exp   Export
	input textinput.Model
	err   string
}

func newExportPrompt(c *Common, e Export) *exportPrompt {
	in := textinput.New()
	in.Prompt = "file: "
	in.CharLimit = 1024
	in.SetValue(DefaultExportPath(c.ExportDir, e, time.Now()))
	in.CursorEnd()
	in.Focus()
	return &exportPrompt{exp: e, input: in}
}

// exportKeys are the prompt's keys for the footer.
var exportKeys = []key.Binding{
	key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "write")),
	key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
}

// Text describes the filters as chart subtitles do: "from 2026-01-01,
// before 2026-04-01, channels web, app, segment buyers" (To is the first
// day left out); "all events" when none is set.
func (f *Filters) Text() string {
	var p []string
	if d := achart.DateFilter(f.From, f.To); d != "" {
		p = append(p, d)
	}
	if len(f.Channels) > 0 {
		p = append(p, "channels "+strings.Join(f.Channels, ", "))
	}
	if f.Segment != "" {
		p = append(p, "segment "+f.Segment)
	}
	if len(p) == 0 {
		return "all events"
	}
	return strings.Join(p, ", ")
}

// openExport asks the active screen for its export and opens the prompt.
func (m *Model) openExport(x Exporter) tea.Cmd {
	e, ok := x.Export()
	if !ok {
		m.status, m.statusErr = "nothing to export yet: wait for the result on screen", false
		return nil
	}
	m.export = newExportPrompt(m.c, e)
	m.export.input.Width = max(m.width-len(m.export.input.Prompt)-2, 1)
	return textinput.Blink
}

// exportKey handles a key while the prompt is open.
func (m *Model) exportKey(msg tea.KeyMsg) tea.Cmd {
	p := m.export
	switch msg.String() {
	case "esc":
		m.export = nil
		m.status, m.statusErr = "export cancelled", false
		return nil
	case "enter":
		path := strings.TrimSpace(p.input.Value())
		if _, err := p.exp.Files(path); err != nil {
			p.err = err.Error()
			return nil
		}
		m.export = nil
		m.status, m.statusErr = "exporting…", false
		return m.runExport(p.exp, path)
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.err = ""
	return cmd
}

// runExport writes e to path off the UI thread; the subtitle of a chart
// (or extra chart) that has none names the filters, the database, the
// dates and the customers of the events kept.
func (m *Model) runExport(e Export, path string) tea.Cmd {
	b := m.c.Backend
	f := *m.c.Filters
	f.Channels = append([]string(nil), f.Channels...)
	e.Extra = append([]NamedChart(nil), e.Extra...)
	job := func(ctx context.Context) (any, error) {
		meta := e.Meta
		if e.Chart != nil && !isTableFile(path) {
			sub := ""
			subtitle := func() string {
				if sub != "" {
					return sub
				}
				counts := e.Counts
				var first, last int64
				db := ""
				if b != nil {
					db = b.Path()
					if sp, err := b.Span(ctx, f.From, f.To, f.Channels, f.Segment); err == nil {
						first, last = sp.First, sp.Last
						counts = strings.TrimSuffix(achart.Plural(sp.Customers, "customer")+", "+counts, ", ")
					}
				}
				sub = achart.Subtitle(f.Text(), db, first, last, counts)
				return sub
			}
			if meta.Subtitle == "" {
				meta.Subtitle = subtitle()
			}
			for i := range e.Extra {
				if e.Extra[i].Meta.Subtitle == "" {
					e.Extra[i].Meta.Subtitle = subtitle()
				}
			}
		}
		return e.Write(ctx, path, meta)
	}
	if b == nil {
		return func() tea.Msg {
			v, err := job(context.Background())
			return exportDoneMsg{files: v.([]string), err: err}
		}
	}
	return b.RunLabel(context.Background(), ExportKind, "exporting", job)
}

// exportDoneMsg is the outcome of an export run without a backend.
type exportDoneMsg struct {
	files []string
	err   error
}

// exportDone puts the files written (or the error) in the status line.
func (m *Model) exportDone(files []string, err error) {
	switch {
	case err != nil && len(files) > 0:
		m.status, m.statusErr = "wrote "+strings.Join(files, ", ")+" then failed: "+err.Error(), true
	case err != nil:
		m.status, m.statusErr = "export failed: "+err.Error(), true
	default:
		m.status, m.statusErr = "wrote "+strings.Join(files, ", "), false
	}
}

// exportView draws the prompt over the bottom of the screen body.
func (m *Model) exportView(body string, w, h int) string {
	st := m.c.Styles
	p := m.export
	info := ""
	if p.err != "" {
		info = st.Render(st.Error, chart.Truncate("✗ "+chart.Sanitize(p.err), w))
	} else if files, err := p.exp.Files(p.input.Value()); err != nil {
		info = st.Render(st.Error, chart.Truncate("✗ "+chart.Sanitize(err.Error()), w))
	} else {
		info = st.Render(st.Muted, chart.Truncate("writes "+chart.Sanitize(strings.Join(files, ", ")), w))
	}
	box := []string{
		st.Render(st.Header, chart.Truncate("── Export "+chart.Sanitize(p.exp.Name)+" "+strings.Repeat("─", max(w-12-chart.Width(p.exp.Name), 0)), w)),
		chart.Truncate(p.input.View(), w),
		info,
		st.Render(st.Muted, chart.Truncate("the extension picks: "+p.exp.shortExtensions(), w)),
	}
	lines := strings.Split(body, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	lines = lines[:h]
	start := max(h-len(box), 0)
	for i := start; i < h; i++ {
		lines[i] = box[i-start]
	}
	return chart.Block(lines, w, h)
}
