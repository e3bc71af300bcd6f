// Package data is the Data screen of the workbench: the loaded sources with
// their row accounting (read = loaded + rejected + duplicate), the date range
// and counts of the events, the channel and event-type mix, the daily volume,
// the rejected rows of each source with their reason and raw text, and
// loading more files with live progress.
package data

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
	"github.com/journeyworkbench/workbench/tui/chart/sparkline"
	"github.com/journeyworkbench/workbench/tui/keys"
)

// Backend kinds of the screen's queries.
const (
	KindOverview = "data.overview"
	KindRejects  = "data.rejects"
	KindLoad     = "data.load"
)

// TopTypes is how many event types the type mix shows before "other".
const TopTypes = 12

// RejectsLimit bounds the rejected rows read for one source.
const RejectsLimit = 10000

type mode int

const (
	modeOverview mode = iota
	modeRejects
	modePrompt
	modeLoading
)

// KeyMap is the Data screen's keys.
type KeyMap struct {
	keys.List
	Rejects  key.Binding
	Load     key.Binding
	Filter   key.Binding
	Refresh  key.Binding
	Back     key.Binding
	Complete key.Binding
	Confirm  key.Binding
	mode     mode
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	switch k.mode {
	case modeRejects:
		return []key.Binding{moveHelp, k.Filter, k.Back}
	case modePrompt:
		return []key.Binding{k.Complete, k.Confirm, k.Back}
	case modeLoading:
		return []key.Binding{k.Back}
	}
	return []key.Binding{k.Rejects, k.Load, k.Filter}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	switch k.mode {
	case modePrompt:
		return [][]key.Binding{{k.Complete, k.Confirm, k.Back}}
	case modeLoading:
		return [][]key.Binding{{k.Back}}
	}
	return [][]key.Binding{k.List.Bindings(), {k.Rejects, k.Load, k.Filter, k.Refresh, k.Back}}
}

func defaultKeys() KeyMap {
	return KeyMap{
		List:     keys.DefaultList(),
		Rejects:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "rejects")),
		Load:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "load files")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter list")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back/cancel")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete path")),
		Confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "load")),
	}
}

// moveHelp stands for up and down in the short help.
var moveHelp = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move"))

// Screen is the Data screen. Create it with New.
type Screen struct {
	c    *app.Common
	w, h int
	keys KeyMap
	mode mode

	ov      *backend.Overview
	loading bool
	err     error

	cur, off int // selected source among the filtered ones
	srcF     app.ListFilter

	chMix, tyMix bars.Model
	spark        sparkline.Model

	// rejects
	rejSrc     store.SourceStats
	rejects    []store.Reject
	rejLoading bool
	rejCur     int
	rejOff     int
	rejF       app.ListFilter

	// load
	input    textinput.Model
	complete []string
	progress *backend.Progress
}

// New returns the Data screen.
func New(c *app.Common) app.Screen {
	st := c.Styles
	in := textinput.New()
	in.Prompt = "path: "
	in.Placeholder = "file or directory to load"
	in.CharLimit = 4096
	return &Screen{
		c: c, keys: defaultKeys(), input: in,
		srcF: app.NewListFilter(), rejF: app.NewListFilter(),
		chMix: bars.New(bars.WithStyles(st), bars.WithMaxLabelWidth(12), bars.WithID("channels")),
		tyMix: bars.New(bars.WithStyles(st), bars.WithMaxLabelWidth(24), bars.WithID("types")),
		spark: sparkline.New(sparkline.WithStyles(st), sparkline.WithAggregate(sparkline.Sum), sparkline.WithMinMax(), sparkline.WithID("days")),
	}
}

func init() { app.Register(app.SlotData, New) }

// Title implements app.Screen.
func (s *Screen) Title() string { return "Data" }

// KeyMap implements app.Screen.
func (s *Screen) KeyMap() help.KeyMap { k := s.keys; k.mode = s.mode; return k }

// Capturing implements app.Screen.
func (s *Screen) Capturing() bool {
	return s.mode == modePrompt || s.srcF.Focused() || s.rejF.Focused()
}

// CanGoBack implements app.Backer: esc closes the rejects view or clears
// the sources filter before it cancels running queries.
func (s *Screen) CanGoBack() bool {
	return s.mode == modeRejects || (s.mode == modeOverview && s.srcF.Active())
}

// Init implements app.Screen: it reads the overview.
func (s *Screen) Init() tea.Cmd { return s.refresh() }

// Activated implements app.Activator: it re-reads the overview when the
// data changed since.
func (s *Screen) Activated() tea.Cmd {
	if s.ov == nil && !s.loading {
		return s.refresh()
	}
	return nil
}

func (s *Screen) refresh() tea.Cmd {
	b := s.c.Backend
	if b == nil {
		return nil
	}
	s.loading = true
	return b.RunLabel(context.Background(), KindOverview, "reading sources and counts", func(ctx context.Context) (any, error) {
		return b.Overview(ctx)
	})
}

// SetSize implements app.Screen.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.layout()
}

// Update implements app.Screen.
func (s *Screen) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case backend.ResultMsg:
		return s, s.result(msg)
	case backend.ProgressMsg:
		if msg.Kind == KindLoad {
			p := msg.Progress
			s.progress = &p
		}
		return s, nil
	case app.DataChangedMsg:
		return s, s.refresh()
	case app.FiltersChangedMsg:
		s.setCharts()
		return s, nil
	case tea.KeyMsg:
		return s, s.key(msg)
	}
	// Cursor blinks of the inputs.
	var cmd tea.Cmd
	switch {
	case s.mode == modePrompt:
		s.input, cmd = s.input.Update(msg)
	case s.srcF.Focused():
		s.srcF, cmd, _ = s.srcF.Update(msg)
	case s.rejF.Focused():
		s.rejF, cmd, _ = s.rejF.Update(msg)
	}
	return s, cmd
}

func (s *Screen) result(msg backend.ResultMsg) tea.Cmd {
	switch msg.Kind {
	case KindOverview:
		s.loading = false
		if msg.Err != nil {
			if !msg.Cancelled() {
				s.err = msg.Err
			}
			return nil
		}
		s.err = nil
		s.ov = msg.Value.(*backend.Overview)
		s.cur = chart.Clamp(s.cur, 0, max(len(s.ov.Sources)-1, 0))
		s.setCharts()
	case KindRejects:
		s.rejLoading = false
		if msg.Err != nil {
			return nil
		}
		s.rejects = msg.Value.([]store.Reject)
	case KindLoad:
		s.mode = modeOverview
		s.progress = nil
		res, _ := msg.Value.(*backend.LoadResult)
		var cmds []tea.Cmd
		if res != nil && len(res.Files) > 0 {
			cmds = append(cmds, func() tea.Msg { return app.DataChangedMsg{} })
		}
		switch {
		case msg.Cancelled():
			cmds = append(cmds, app.Status(loadSummary(res)+"; load cancelled: the file being loaded was rolled back"))
		case msg.Err != nil:
			// The root shows the error.
		default:
			cmds = append(cmds, app.Status(loadSummary(res)))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

func loadSummary(res *backend.LoadResult) string {
	if res == nil {
		return "nothing loaded"
	}
	var rows, files, already int64
	for _, f := range res.Files {
		switch {
		case f.Err != nil:
		case f.Already:
			already++
		default:
			files++
			rows += f.Source.Read
		}
	}
	s := fmt.Sprintf("loaded %d file(s), %s rows", files, chart.FormatCount(float64(rows)))
	if already > 0 {
		s += fmt.Sprintf(", %d already loaded", already)
	}
	return s
}

func (s *Screen) visibleSources() []int {
	if s.ov == nil {
		return nil
	}
	var out []int
	for i, src := range s.ov.Sources {
		if s.srcF.Match(src.Name, src.Kind, src.Path) {
			out = append(out, i)
		}
	}
	return out
}

func (s *Screen) visibleRejects() []int {
	var out []int
	for i, r := range s.rejects {
		if s.rejF.Match(r.Reason, r.Raw, fmt.Sprint(r.Line)) {
			out = append(out, i)
		}
	}
	return out
}

func (s *Screen) key(msg tea.KeyMsg) tea.Cmd {
	k := s.keys
	switch s.mode {
	case modePrompt:
		return s.promptKey(msg)
	case modeLoading:
		if key.Matches(msg, k.Back) {
			s.c.Backend.CancelKind(KindLoad)
		}
		return nil
	case modeRejects:
		if s.rejF.Focused() {
			var cmd tea.Cmd
			var changed bool
			s.rejF, cmd, changed = s.rejF.Update(msg)
			if changed {
				s.rejCur, s.rejOff = 0, 0
			}
			return cmd
		}
		n := len(s.visibleRejects())
		switch {
		case key.Matches(msg, k.Back):
			if s.rejF.Active() {
				s.rejF.Clear()
				return nil
			}
			s.mode = modeOverview
			s.c.Backend.CancelKind(KindRejects)
		case key.Matches(msg, k.Filter):
			return s.rejF.Focus()
		default:
			s.rejCur, _ = k.List.Move(msg, s.rejCur, n, s.rejPage())
		}
		return nil
	}
	if s.srcF.Focused() {
		var cmd tea.Cmd
		var changed bool
		s.srcF, cmd, changed = s.srcF.Update(msg)
		if changed {
			s.cur, s.off = 0, 0
		}
		return cmd
	}
	vis := s.visibleSources()
	switch {
	case key.Matches(msg, k.Back):
		if s.srcF.Active() {
			s.srcF.Clear()
			s.cur, s.off = 0, 0
		}
	case key.Matches(msg, k.Filter):
		return s.srcF.Focus()
	case key.Matches(msg, k.Refresh):
		return s.refresh()
	case key.Matches(msg, k.Load):
		s.mode = modePrompt
		s.complete = nil
		s.input.SetValue("")
		return s.input.Focus()
	case key.Matches(msg, k.Rejects):
		if s.cur < len(vis) {
			return s.openRejects(s.ov.Sources[vis[s.cur]])
		}
	default:
		s.cur, _ = k.List.Move(msg, s.cur, len(vis), s.tableRows())
	}
	return nil
}

func (s *Screen) openRejects(src store.SourceStats) tea.Cmd {
	s.mode = modeRejects
	s.rejSrc = src
	s.rejects = nil
	s.rejCur, s.rejOff = 0, 0
	s.rejF.Clear()
	s.rejLoading = true
	b := s.c.Backend
	id := src.ID
	return b.RunLabel(context.Background(), KindRejects, "reading rejects", func(ctx context.Context) (any, error) {
		return b.Rejects(ctx, id, RejectsLimit)
	})
}

func (s *Screen) promptKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.mode = modeOverview
		s.input.Blur()
		return nil
	case "tab":
		c := backend.Complete(s.input.Value(), 50)
		s.complete = c
		if len(c) == 1 {
			s.input.SetValue(c[0])
			s.input.CursorEnd()
		} else if p := commonPrefix(c); len(p) > len(s.input.Value()) {
			s.input.SetValue(p)
			s.input.CursorEnd()
		}
		return nil
	case "enter":
		files, err := backend.ExpandPaths(strings.Fields(s.input.Value()))
		if err != nil {
			return app.Error(err)
		}
		s.input.Blur()
		s.mode = modeLoading
		s.progress = nil
		return s.c.Backend.LoadFiles(context.Background(), KindLoad, files, ingest.Options{})
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	s.complete = nil
	return cmd
}

func commonPrefix(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	p := xs[0]
	for _, x := range xs[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// Layout: the sources table takes up to half the height, then the
// summary line, the sparkline and the two mixes side by side.
func (s *Screen) tableRows() int {
	n := 1
	if s.ov != nil {
		n = max(len(s.visibleSources()), 1)
	}
	limit := max((s.h-9)/2, 1)
	return min(n, limit)
}

func (s *Screen) sparkLines() int {
	if s.h >= 30 {
		return 4
	}
	return 2
}

func (s *Screen) layout() {
	rest := s.h - 5 - s.tableRows() - s.sparkLines()
	half := s.w / 2
	s.chMix.SetSize(max(half-1, 0), max(rest, 0))
	s.tyMix.SetSize(max(s.w-half-1, 0), max(rest, 0))
	s.spark.SetSize(max(s.w, 0), s.sparkLines())
	s.input.Width = max(s.w-8, 1)
}

// setCharts fills the charts from the overview under the global filters:
// the channel mix keeps the filtered channels; the type mix sums the
// counts of each event type over the filtered channels (top TopTypes, the
// rest as "other"); the daily volume keeps the days in the time range.
func (s *Screen) setCharts() {
	if s.ov == nil || s.ov.Counts == nil {
		return
	}
	f := s.c.Filters
	c := s.ov.Counts
	var ch []bars.Item
	var total float64
	for _, lc := range c.ByChannel {
		if f.HasChannel(lc.Channel) {
			total += float64(lc.Events)
		}
	}
	for _, lc := range c.ByChannel {
		if !f.HasChannel(lc.Channel) {
			continue
		}
		ch = append(ch, bars.Item{Label: lc.Channel, Value: float64(lc.Events),
			Note: chart.FormatPercent(float64(lc.Events) / total)})
	}
	s.chMix.SetData(ch)
	byType := map[string]float64{}
	for _, lc := range c.ByType {
		if f.HasChannel(lc.Channel) {
			byType[lc.Type] += float64(lc.Events)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if byType[types[i]] != byType[types[j]] {
			return byType[types[i]] > byType[types[j]]
		}
		return types[i] < types[j]
	})
	var ty []bars.Item
	other, nOther := 0.0, 0
	for i, t := range types {
		if i < TopTypes {
			ty = append(ty, bars.Item{Label: t, Value: byType[t]})
		} else {
			other += byType[t]
			nOther++
		}
	}
	if nOther > 0 {
		ty = append(ty, bars.Item{Label: fmt.Sprintf("other (%d types)", nOther), Value: other})
	}
	s.tyMix.SetData(ty)
	var vals []float64
	var labels []string
	for _, d := range c.ByDay {
		if !f.InRange(d.Day) && !(f.From != 0 && d.Day < f.From && d.Day+dayMs > f.From) {
			continue
		}
		vals = append(vals, float64(d.Events))
		labels = append(labels, day(d.Day))
	}
	s.spark.SetData(vals, labels)
	s.layout()
}

const dayMs = int64(24 * time.Hour / time.Millisecond)

func day(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }

// View implements app.Screen.
func (s *Screen) View() string {
	if s.w <= 0 || s.h <= 0 {
		return ""
	}
	switch s.mode {
	case modeLoading:
		return app.ProgressView(s.c.Styles, "Loading into "+filepath.Base(s.c.Backend.Path()), s.progress, s.w, s.h)
	case modePrompt:
		return s.promptView()
	case modeRejects:
		return s.rejectsView()
	}
	return s.overviewView()
}

func (s *Screen) promptView() string {
	st := s.c.Styles
	lines := []string{
		st.Render(st.Title, "Load files into "+chart.Sanitize(filepath.Base(s.c.Backend.Path()))),
		st.Render(st.Muted, "A file or a directory (its files are loaded); several paths separated by spaces. Formats and kinds are detected."),
		"",
		s.input.View(),
		"",
	}
	if len(s.complete) > 0 {
		lines = append(lines, st.Render(st.Muted, "completions:"))
		for _, c := range s.complete {
			lines = append(lines, "  "+chart.Sanitize(c))
		}
	}
	return chart.Block(lines, s.w, s.h)
}

// columns of the sources table
type col struct {
	title string
	w     int
	right bool
}

func (s *Screen) sourceCols() []col {
	c := SourceColumns
	cols := []col{{c[0], 0, false}, {c[1], 12, false}, {c[2], 10, true}, {c[3], 10, true}, {c[4], 9, true}, {c[5], 10, true}, {c[6], 2, false}}
	if s.w >= 110 {
		cols = append(cols, col{c[7], 8, false})
	}
	fixed := 2
	for _, c := range cols[1:] {
		fixed += c.w + 1
	}
	cols[0].w = max(s.w-fixed, 8)
	return cols
}

func renderRow(cols []col, cells []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := chart.Sanitize(cells[i])
		if c.right {
			b.WriteString(chart.PadLeft(v, c.w))
		} else {
			b.WriteString(chart.PadRight(v, c.w))
		}
	}
	return b.String()
}

func count(n int64) string { return chart.FormatCount(float64(n)) }

func (s *Screen) overviewView() string {
	st := s.c.Styles
	var lines []string
	if s.ov == nil {
		msg := "reading the sources and counting the events…"
		if s.err != nil {
			msg = st.Render(st.Error, "cannot read the database: "+chart.Sanitize(s.err.Error())+" — press r to retry")
		} else if !s.loading {
			msg = "press r to read the database"
		}
		return chart.Block([]string{st.Render(st.Title, "Sources"), msg}, s.w, s.h)
	}
	ov := s.ov
	c := ov.Counts
	var read, loaded, rej, dup int64
	for _, src := range ov.Sources {
		read += src.Read
		loaded += src.Loaded
		rej += src.Rejected
		dup += src.Duplicate
	}
	first, last := int64(0), int64(0)
	if len(c.ByDay) > 0 {
		first, last = c.ByDay[0].Day, c.ByDay[len(c.ByDay)-1].Day
	}
	title := st.Render(st.Title, "Sources") + st.Render(st.Muted, fmt.Sprintf(" %d files · %s customers · %s events",
		len(ov.Sources), count(c.Customers), count(c.Events)))
	if first != 0 {
		title += st.Render(st.Muted, " · "+day(first)+" → "+day(last))
	}
	lines = append(lines, chart.Truncate(title, s.w))
	if fl := s.srcF.View(s.w); fl != "" {
		lines[0] = fl
	}
	cols := s.sourceCols()
	lines = append(lines, "  "+st.Render(st.Header, renderRow(cols, SourceColumns[:len(cols)])))
	vis := s.visibleSources()
	rows := s.tableRows()
	s.off = chart.ScrollOffset(s.off, s.cur, rows, len(vis))
	for r := 0; r < rows; r++ {
		i := s.off + r
		if i >= len(vis) {
			if len(vis) == 0 && r == 0 {
				lines = append(lines, st.Render(st.Muted, "  no sources match"))
			} else {
				lines = append(lines, "")
			}
			continue
		}
		src := ov.Sources[vis[i]]
		ok := "✓"
		if src.Read != src.Loaded+src.Rejected+src.Duplicate || src.Status != "loaded" {
			ok = "!"
		}
		cells := []string{src.Name, src.Kind, count(src.Read), count(src.Loaded), count(src.Rejected), count(src.Duplicate), ok, src.Status}
		line := renderRow(cols, cells[:len(cols)])
		if i == s.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	okAll := "✓"
	if read != loaded+rej+dup {
		okAll = "!"
	}
	more := ""
	if len(vis) > rows {
		more = fmt.Sprintf("total · %d–%d/%d", s.off+1, min(s.off+rows, len(vis)), len(vis))
	} else {
		more = "total"
	}
	tot := []string{more, "", count(read), count(loaded), count(rej), count(dup), okAll, ""}
	lines = append(lines, "  "+st.Render(st.Label, renderRow(cols, tot[:len(cols)])))
	// daily volume
	sparkTitle := "daily events"
	if s.c.Filters.From != 0 || s.c.Filters.To != 0 {
		sparkTitle += " in the filter's time range"
	}
	if len(s.c.Filters.Channels) > 0 {
		sparkTitle += " (every channel: daily counts are not split by channel)"
	}
	lines = append(lines, st.Render(st.Header, chart.Truncate(sparkTitle, s.w)))
	lines = append(lines, strings.Split(s.spark.View(), "\n")...)
	// mixes
	half := s.w / 2
	chTitle := "channels"
	if s.c.Filters.From != 0 || s.c.Filters.To != 0 {
		chTitle += " (all time)"
	}
	tyTitle := fmt.Sprintf("event types (top %d)", TopTypes)
	lines = append(lines, chart.PadRight(st.Render(st.Header, chTitle), half)+st.Render(st.Header, chart.Truncate(tyTitle, s.w-half)))
	cl := strings.Split(s.chMix.View(), "\n")
	tl := strings.Split(s.tyMix.View(), "\n")
	for i := 0; i < max(len(cl), len(tl)); i++ {
		a, b := "", ""
		if i < len(cl) {
			a = cl[i]
		}
		if i < len(tl) {
			b = tl[i]
		}
		lines = append(lines, chart.PadRight(a, half)+b)
	}
	return chart.Block(lines, s.w, s.h)
}

func (s *Screen) rejPage() int { return max(s.h-7, 1) }

func (s *Screen) rejectsView() string {
	st := s.c.Styles
	src := s.rejSrc
	title := st.Render(st.Title, "Rejects of "+chart.Sanitize(src.Name)) +
		st.Render(st.Muted, fmt.Sprintf(" %s rejected of %s read", count(src.Rejected), count(src.Read)))
	lines := []string{chart.Truncate(title, s.w)}
	if fl := s.rejF.View(s.w); fl != "" {
		lines = append(lines, fl)
	} else {
		lines = append(lines, "")
	}
	if s.rejLoading {
		lines = append(lines, st.Render(st.Muted, "reading the rejected rows…"))
		return chart.Block(lines, s.w, s.h)
	}
	if len(s.rejects) == 0 {
		lines = append(lines, st.Render(st.Muted, "no rejected rows in this file"))
		return chart.Block(lines, s.w, s.h)
	}
	vis := s.visibleRejects()
	reasonW := min(36, max(s.w/3, 8))
	rawW := max(s.w-2-8-1-reasonW-1, 1)
	lines = append(lines, "  "+st.Render(st.Header, chart.PadLeft(RejectColumns[0], 8)+" "+chart.PadRight(RejectColumns[1], reasonW)+" "+chart.PadRight(RejectColumns[2], rawW)))
	page := s.rejPage()
	s.rejCur = chart.Clamp(s.rejCur, 0, max(len(vis)-1, 0))
	s.rejOff = chart.ScrollOffset(s.rejOff, s.rejCur, page, len(vis))
	for r := 0; r < page; r++ {
		i := s.rejOff + r
		if i >= len(vis) {
			if len(vis) == 0 && r == 0 {
				lines = append(lines, st.Render(st.Muted, "  no rejected rows match the filter"))
			}
			continue
		}
		rj := s.rejects[vis[i]]
		line := chart.PadLeft(fmt.Sprint(rj.Line), 8) + " " + chart.PadRight(chart.Sanitize(rj.Reason), reasonW) + " " + chart.PadRight(chart.Sanitize(rj.Raw), rawW)
		if i == s.rejCur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	for len(lines) < s.h-3 {
		lines = append(lines, "")
	}
	if s.rejCur < len(vis) && s.h >= 6 {
		rj := s.rejects[vis[s.rejCur]]
		lines = append(lines[:s.h-3], st.Render(st.Header, fmt.Sprintf("line %d: %s", rj.Line, chart.Sanitize(rj.Reason))))
		raw := chart.Sanitize(rj.Raw)
		for i := 0; i < 2; i++ {
			part := cut(raw, s.w)
			lines = append(lines, st.Render(st.Muted, part))
			raw = raw[len(part):]
		}
		if len(vis) < len(s.rejects) || len(s.rejects) == RejectsLimit {
			lines[1] = chart.Truncate(lines[1]+st.Render(st.Muted, fmt.Sprintf("  %d of %d rows", len(vis), len(s.rejects))), s.w)
		}
	}
	return chart.Block(lines, s.w, s.h)
}

// cut returns the longest prefix of s at most w cells wide.
func cut(s string, w int) string {
	width := 0
	for i, r := range s {
		rw := chart.Width(string(r))
		if width+rw > w {
			return s[:i]
		}
		width += rw
	}
	return s
}
