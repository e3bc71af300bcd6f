// Package segments is the Segments screen of the workbench: the saved
// segments with their sizes, an editor that validates a segment expression
// as it is typed (the error with a caret under the column, or the number of
// members), behavioural clusters (k chosen by silhouette or by hand, sizes
// and centroids in the features' own units) and a side-by-side comparison
// of two segments on the journey views. Enter applies a segment as the
// global filter, so every other screen shows its customers.
package segments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
)

// Backend kinds of the screen's queries.
const (
	KindList     = "segments.list"
	KindCheck    = "segments.check"
	KindSave     = "segments.save"
	KindDelete   = "segments.delete"
	KindClusters = "segments.clusters"
	KindCompare  = "segments.compare"
	KindWho      = "segments.who"
	KindProfile  = "segments.profile"
)

// Debounce is how long the editor waits after the last keystroke before
// it validates and counts the expression.
const Debounce = 150 * time.Millisecond

type mode int

const (
	modeList mode = iota
	modeEdit
	modeConfirm
	modeClusters
	modeCompare
)

type checkMsg struct{ id int }

// Check is the outcome of validating an expression: the size of the
// segment it defines, or the compile error.
type Check struct {
	Expr string
	Size workspace.SegmentSize
	Err  error
}

// Screen is the Segments screen. Create it with New.
type Screen struct {
	c    *app.Common
	w, h int
	mode mode

	// list
	list     []workspace.SegmentSize
	listErr  error
	loading  bool
	stale    bool
	shown    bool
	rows     []int
	cur, off int
	filter   app.ListFilter
	marked   []string // up to two segment names to compare
	// justSaved names the segment saved last while the list is being
	// read again: the cursor lands on it, and enter applies it even
	// before the recount arrives.
	justSaved string

	// editor
	expr, name textinput.Model
	pending    int
	check      *Check
	checking   bool
	saving     bool
	editing    string // name of the segment being edited ("" for new)

	// delete confirmation
	confirm string

	clusters *clusterView
	compare  *compareView
	funnel   journeys.FunnelStepsMsg

	who *journeys.WhoList
	km  keyset
}

type keyset struct {
	keys.List
	apply, clear, add, edit, del, members key.Binding
	mark, compare, clusters, filter       key.Binding
	refresh, back                         key.Binding
}

func bind(keys, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(strings.Split(keys, ",")...), key.WithHelp(k, desc))
}

func defaultKeys() keyset {
	return keyset{
		List:     keys.DefaultList(),
		apply:    bind("enter", "enter", "apply as the global segment filter"),
		clear:    bind("x", "x", "clear the global segment filter"),
		add:      bind("n", "n", "new segment"),
		edit:     bind("E", "E", "edit segment"),
		del:      bind("d", "d", "delete segment"),
		members:  bind("m", "m", "list members"),
		mark:     bind(" ", "space", "mark for comparison"),
		compare:  bind("c", "c", "compare two segments"),
		clusters: bind("K", "K", "behavioural clusters"),
		filter:   bind("/", "/", "filter list"),
		refresh:  bind("r", "r", "recount"),
		back:     bind("esc", "esc", "back"),
	}
}

// New returns the Segments screen.
func New(c *app.Common) app.Screen {
	ex := textinput.New()
	ex.Prompt = "expression: "
	ex.Placeholder = "orders >= 2 && recency_days < 30"
	ex.CharLimit = 2000
	nm := textinput.New()
	nm.Prompt = "name:       "
	nm.Placeholder = "a name to save it under"
	nm.CharLimit = 64
	s := &Screen{c: c, filter: app.NewListFilter(), expr: ex, name: nm, stale: true, km: defaultKeys()}
	s.clusters = newClusterView(s)
	s.compare = newCompareView(s)
	s.who = journeys.NewWhoList(c, KindWho, KindProfile)
	return s
}

func init() { app.Register(app.SlotSegments, New) }

// Title implements app.Screen.
func (s *Screen) Title() string { return "Segments" }

// Capturing implements app.Screen.
func (s *Screen) Capturing() bool {
	switch {
	case s.who.Open():
		return s.who.Capturing()
	case s.mode == modeEdit:
		return true
	case s.mode == modeList:
		return s.filter.Focused()
	}
	return false
}

// CanGoBack implements app.Backer: esc closes a profile or the members
// list, leaves the clusters, the comparison or a delete question, or
// clears the list filter, before it cancels running queries.
func (s *Screen) CanGoBack() bool {
	return s.who.Open() || s.mode != modeList || s.filter.Active()
}

// Init implements app.Screen.
func (s *Screen) Init() tea.Cmd { return nil }

// Activated implements app.Activator: the list is read on first showing and
// after the data changed.
func (s *Screen) Activated() tea.Cmd {
	s.shown = true
	return s.ensure()
}

func (s *Screen) ensure() tea.Cmd {
	if !s.shown || s.c.Backend == nil {
		return nil
	}
	var cmds []tea.Cmd
	if s.stale && !s.loading {
		cmds = append(cmds, s.refresh())
	}
	switch s.mode {
	case modeClusters:
		cmds = append(cmds, s.clusters.ensure())
	case modeCompare:
		cmds = append(cmds, s.compare.ensure())
	}
	return tea.Batch(cmds...)
}

func (s *Screen) refresh() tea.Cmd {
	s.loading, s.stale = true, false
	b := s.c.Backend
	return b.RunLabel(context.Background(), KindList, "counting segments", func(ctx context.Context) (any, error) {
		return b.Workspace().Segments(ctx)
	})
}

// SetSize implements app.Screen.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.expr.Width = max(w-len(s.expr.Prompt)-2, 1)
	s.name.Width = max(w-len(s.name.Prompt)-2, 1)
	s.who.SetSize(w, h)
	s.clusters.setSize(w, h)
	s.compare.setSize(w, h)
}

// Segments returns the listed segments.
func (s *Screen) Segments() []workspace.SegmentSize { return s.list }

// Checked returns the last validation of the editor's expression.
func (s *Screen) Checked() *Check { return s.check }

// Update implements app.Screen.
func (s *Screen) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case backend.ResultMsg:
		return s, s.result(msg)
	case checkMsg:
		if msg.id == s.pending && s.mode == modeEdit {
			return s, s.runCheck()
		}
		return s, nil
	case journeys.FunnelStepsMsg:
		s.funnel = msg
		s.compare.stale = true
		if s.mode == modeCompare {
			return s, s.compare.ensure()
		}
		return s, nil
	case chart.SelectedMsg:
		return s, nil
	case app.DataChangedMsg:
		s.stale = true
		s.clusters.stale, s.compare.stale = true, true
		_, wc := s.who.Update(msg)
		return s, tea.Batch(wc, s.ensure())
	case app.FiltersChangedMsg:
		s.clusters.stale, s.compare.stale = true, true
		_, wc := s.who.Update(msg)
		return s, tea.Batch(wc, s.ensure())
	case tea.KeyMsg:
		if s.who.Open() {
			_, cmd := s.who.Update(msg)
			return s, cmd
		}
		return s, s.key(msg)
	}
	if s.who.Open() {
		_, cmd := s.who.Update(msg)
		return s, cmd
	}
	var cmd tea.Cmd
	switch {
	case s.mode == modeEdit && s.expr.Focused():
		s.expr, cmd = s.expr.Update(msg)
	case s.mode == modeEdit && s.name.Focused():
		s.name, cmd = s.name.Update(msg)
	case s.mode == modeList:
		s.filter, cmd, _ = s.filter.Update(msg)
	}
	return s, cmd
}

func (s *Screen) result(msg backend.ResultMsg) tea.Cmd {
	switch msg.Kind {
	case KindWho, KindProfile:
		_, cmd := s.who.Update(msg)
		return cmd
	case KindList:
		s.loading = false
		if msg.Err != nil {
			if msg.Cancelled() {
				s.stale = true
			} else {
				s.listErr = msg.Err
			}
			return nil
		}
		s.listErr = nil
		s.list, _ = msg.Value.([]workspace.SegmentSize)
		s.refilter()
		if s.justSaved != "" {
			for i, r := range s.rows {
				if s.list[r].Name == s.justSaved {
					s.cur = i
				}
			}
			s.justSaved = ""
		}
	case KindCheck:
		s.checking = false
		if c, ok := msg.Value.(*Check); ok && msg.Err == nil {
			s.check = c
		} else if msg.Err != nil && !msg.Cancelled() {
			s.check = &Check{Expr: s.expr.Value(), Err: msg.Err}
		}
	case KindSave:
		s.saving = false
		if msg.Err != nil {
			return nil // the status line shows it
		}
		name := msg.Value.(string)
		s.mode = modeList
		s.expr.Blur()
		s.name.Blur()
		s.justSaved = name
		return tea.Batch(s.refresh(), app.Status("segment "+name+" saved; enter applies it as the global filter"))
	case KindDelete:
		if msg.Err != nil {
			return nil
		}
		name := msg.Value.(string)
		var cmds []tea.Cmd
		cmds = append(cmds, s.refresh(), app.Status("segment "+name+" deleted"))
		if s.c.Filters.Segment == name {
			s.c.Filters.Segment = ""
			cmds = append(cmds, func() tea.Msg { return app.FiltersChangedMsg{} })
		}
		return tea.Batch(cmds...)
	case KindClusters:
		return s.clusters.result(msg)
	case KindCompare:
		return s.compare.result(msg)
	}
	return nil
}

func (s *Screen) refilter() {
	s.rows = s.rows[:0]
	for i, x := range s.list {
		if s.filter.Match(x.Name, x.Expr, x.Description) {
			s.rows = append(s.rows, i)
		}
	}
	s.cur = chart.Clamp(s.cur, 0, max(len(s.rows)-1, 0))
}

func (s *Screen) selected() (workspace.SegmentSize, bool) {
	if s.cur < 0 || s.cur >= len(s.rows) {
		return workspace.SegmentSize{}, false
	}
	return s.list[s.rows[s.cur]], true
}

func (s *Screen) key(msg tea.KeyMsg) tea.Cmd {
	switch s.mode {
	case modeEdit:
		return s.editKey(msg)
	case modeConfirm:
		switch msg.String() {
		case "y", "Y":
			name := s.confirm
			s.mode = modeList
			b := s.c.Backend
			return b.RunLabel(context.Background(), KindDelete, "deleting the segment", func(ctx context.Context) (any, error) {
				return name, b.Workspace().DeleteSegment(ctx, name)
			})
		case "n", "N", "esc":
			s.mode = modeList
			return app.Status("nothing deleted")
		}
		return nil
	case modeClusters:
		if key.Matches(msg, s.km.back) {
			s.mode = modeList
			return nil
		}
		return s.clusters.key(msg)
	case modeCompare:
		if key.Matches(msg, s.km.back) {
			s.mode = modeList
			return nil
		}
		return s.compare.key(msg)
	}
	if s.filter.Focused() {
		var cmd tea.Cmd
		var changed bool
		s.filter, cmd, changed = s.filter.Update(msg)
		if changed {
			s.refilter()
		}
		return cmd
	}
	k := s.km
	if pos, ok := k.List.Move(msg, s.cur, len(s.rows), s.listRows()); ok {
		s.cur = pos
		return nil
	}
	switch {
	case key.Matches(msg, k.filter):
		return s.filter.Focus()
	case key.Matches(msg, k.back):
		if s.filter.Active() {
			s.filter.Clear()
			s.refilter()
		}
	case key.Matches(msg, k.add):
		return s.startEdit("", "")
	case key.Matches(msg, k.edit):
		if x, ok := s.selected(); ok {
			return s.startEdit(x.Name, x.Expr)
		}
	case key.Matches(msg, k.del):
		if x, ok := s.selected(); ok {
			s.mode, s.confirm = modeConfirm, x.Name
		}
	case key.Matches(msg, k.apply):
		if s.loading && s.justSaved != "" {
			return s.Apply(s.justSaved)
		}
		if x, ok := s.selected(); ok {
			return s.Apply(x.Name)
		}
	case key.Matches(msg, k.clear):
		if s.c.Filters.Segment != "" {
			return s.Apply("")
		}
	case key.Matches(msg, k.members):
		if x, ok := s.selected(); ok {
			name := x.Name
			return s.who.Show("segment "+name, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
				return w.WhoSegment(ctx, name, journeys.WhoLimit)
			})
		}
	case key.Matches(msg, k.mark):
		if x, ok := s.selected(); ok {
			s.toggleMark(x.Name)
		}
	case key.Matches(msg, k.compare):
		return s.startCompare()
	case key.Matches(msg, k.clusters):
		s.mode = modeClusters
		return s.clusters.ensure()
	case key.Matches(msg, k.refresh):
		return s.refresh()
	}
	s.cur = chart.Clamp(s.cur, 0, max(len(s.rows)-1, 0))
	return nil
}

func (s *Screen) toggleMark(name string) {
	for i, m := range s.marked {
		if m == name {
			s.marked = append(s.marked[:i], s.marked[i+1:]...)
			return
		}
	}
	s.marked = append(s.marked, name)
	if len(s.marked) > 2 {
		s.marked = s.marked[1:]
	}
}

// startCompare compares the two marked segments, or the marked one with
// the selected one.
func (s *Screen) startCompare() tea.Cmd {
	pair := append([]string(nil), s.marked...)
	if x, ok := s.selected(); ok && len(pair) == 1 && pair[0] != x.Name {
		pair = append(pair, x.Name)
	}
	if len(pair) != 2 {
		return app.Error(errors.New("mark two segments with space (or one, and select the other), then press c"))
	}
	s.mode = modeCompare
	s.compare.set(pair[0], pair[1])
	return s.compare.ensure()
}

// Apply makes name the global segment filter ("" clears it) and tells every
// screen the filters changed.
func (s *Screen) Apply(name string) tea.Cmd {
	s.c.Filters.Segment = name
	text := "segment filter cleared"
	if name != "" {
		text = "every screen now shows segment " + name + " (x clears it)"
	}
	return tea.Batch(func() tea.Msg { return app.FiltersChangedMsg{} }, app.Status(text))
}

func (s *Screen) startEdit(name, expr string) tea.Cmd {
	s.mode = modeEdit
	s.editing = name
	s.name.SetValue(name)
	s.expr.SetValue(expr)
	s.expr.CursorEnd()
	s.check = nil
	s.name.Blur()
	cmd := s.expr.Focus()
	if expr != "" {
		return tea.Batch(cmd, s.runCheck())
	}
	return cmd
}

func (s *Screen) runCheck() tea.Cmd {
	expr := strings.TrimSpace(s.expr.Value())
	if expr == "" {
		s.check, s.checking = nil, false
		s.c.Backend.CancelKind(KindCheck)
		return nil
	}
	s.checking = true
	b := s.c.Backend
	return b.RunLabel(context.Background(), KindCheck, "counting the segment", func(ctx context.Context) (any, error) {
		return CheckExpr(ctx, b.Workspace(), expr), nil
	})
}

// CheckExpr compiles expr and, when it compiles, counts its members.
func CheckExpr(ctx context.Context, w *workspace.Workspace, expr string) *Check {
	c := &Check{Expr: expr}
	if _, err := segment.Compile(expr); err != nil {
		c.Err = err
		return c
	}
	c.Size, c.Err = w.SizeOf(ctx, segment.Definition{Name: "(expression)", Expr: expr})
	return c
}

func (s *Screen) editKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.mode = modeList
		s.expr.Blur()
		s.name.Blur()
		s.c.Backend.CancelKind(KindCheck)
		return nil
	case "tab", "shift+tab", "up", "down":
		if s.expr.Focused() {
			s.expr.Blur()
			return s.name.Focus()
		}
		s.name.Blur()
		return s.expr.Focus()
	case "enter":
		if s.expr.Focused() {
			s.expr.Blur()
			return s.name.Focus()
		}
		return s.save()
	}
	var cmd tea.Cmd
	if s.expr.Focused() {
		before := s.expr.Value()
		s.expr, cmd = s.expr.Update(msg)
		if s.expr.Value() != before {
			s.pending++
			id := s.pending
			cmd = tea.Batch(cmd, tea.Tick(Debounce, func(time.Time) tea.Msg { return checkMsg{id: id} }))
		}
		return cmd
	}
	s.name, cmd = s.name.Update(msg)
	return cmd
}

func (s *Screen) save() tea.Cmd {
	def := segment.Definition{Name: strings.TrimSpace(s.name.Value()), Expr: strings.TrimSpace(s.expr.Value())}
	if err := def.Validate(); err != nil {
		return app.Error(err)
	}
	s.saving = true
	old := s.editing
	b := s.c.Backend
	return b.RunLabel(context.Background(), KindSave, "saving the segment", func(ctx context.Context) (any, error) {
		w := b.Workspace()
		if err := w.SaveSegment(ctx, def); err != nil {
			return nil, err
		}
		if old != "" && old != def.Name {
			if err := w.DeleteSegment(ctx, old); err != nil {
				return nil, err
			}
		}
		return def.Name, nil
	})
}

func (s *Screen) listRows() int {
	n := s.h - 3
	if s.filter.Focused() || s.filter.Active() {
		n--
	}
	return max(n, 0)
}

// View implements app.Screen.
func (s *Screen) View() string {
	if s.w <= 0 || s.h <= 0 {
		return ""
	}
	if s.who.Open() {
		return s.who.View()
	}
	switch s.mode {
	case modeEdit:
		return s.editView()
	case modeClusters:
		return s.clusters.view()
	case modeCompare:
		return s.compare.view()
	}
	return s.listView()
}

func (s *Screen) listView() string {
	st := s.c.Styles
	head := fmt.Sprintf("%d saved segments", len(s.list))
	if g := s.c.Filters.Segment; g != "" {
		head += " · global filter: " + chart.Sanitize(g)
	}
	if len(s.marked) > 0 {
		head += " · marked " + chart.Sanitize(strings.Join(s.marked, ", "))
	}
	if s.loading {
		head += " · counting…"
	}
	lines := []string{st.Render(st.Muted, chart.Truncate(head, s.w))}
	if s.mode == modeConfirm {
		lines[0] = st.Render(st.Error, chart.Truncate("delete segment "+chart.Sanitize(s.confirm)+"? y deletes, n keeps it", s.w))
	}
	if fv := s.filter.View(s.w); fv != "" {
		lines = append(lines, fv)
	}
	const nameW, memW, shW = 20, 10, 7
	exW := max(s.w-2-nameW-memW-shW-3, 4)
	c := ListColumns
	lines = append(lines, "  "+st.Render(st.Header, chart.Truncate(chart.PadRight(c[0], nameW)+" "+chart.PadLeft(c[1], memW)+" "+chart.PadLeft(c[2], shW)+" "+c[3], s.w-2)))
	switch {
	case s.listErr != nil:
		lines = append(lines, st.Render(st.Error, chart.Sanitize(firstLine(s.listErr.Error()))))
	case len(s.list) == 0 && !s.loading:
		lines = append(lines, st.Render(st.Muted, "  no saved segment yet: press n to define one with an expression"))
	case len(s.rows) == 0 && s.filter.Active():
		lines = append(lines, st.Render(st.Muted, "  no segment matches the filter"))
	}
	n := s.listRows()
	s.off = chart.ScrollOffset(s.off, s.cur, n, len(s.rows))
	for i := s.off; i < s.off+n && i < len(s.rows); i++ {
		x := s.list[s.rows[i]]
		mark := " "
		for _, m := range s.marked {
			if m == x.Name {
				mark = "●"
			}
		}
		if s.c.Filters.Segment == x.Name {
			mark = "✓"
		}
		line := chart.PadRight(mark+" "+chart.Sanitize(x.Name), nameW) + " " + chart.PadLeft(chart.FormatCount(float64(x.Members)), memW) + " " +
			chart.PadLeft(chart.FormatPercent(x.Share), shW) + " " + chart.Truncate(chart.Sanitize(x.Expr), exW)
		if i == s.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return chart.Block(lines, s.w, s.h)
}

// Caret returns the line under an expression input that points at the
// column of the first issue of a compile error: prefix cells of padding
// (the input's prompt), then spaces up to the 1-based column, then ^.
func Caret(err error, prefix int) (string, bool) {
	var ce *segment.CompileError
	if !errors.As(err, &ce) || len(ce.Issues) == 0 {
		return "", false
	}
	is := ce.Issues[0]
	if is.Line > 1 {
		return "", false
	}
	return strings.Repeat(" ", prefix+max(is.Column-1, 0)) + "^", true
}

// IssueText is the first issue's message of a compile error (the error
// text otherwise).
func IssueText(err error) string {
	var ce *segment.CompileError
	if errors.As(err, &ce) && len(ce.Issues) > 0 {
		is := ce.Issues[0]
		t := fmt.Sprintf("column %d: %s", is.Column, is.Message)
		if len(ce.Issues) > 1 {
			t += fmt.Sprintf(" (and %d more)", len(ce.Issues)-1)
		}
		return t
	}
	return firstLine(err.Error())
}

func (s *Screen) editView() string {
	st := s.c.Styles
	title := "New segment"
	if s.editing != "" {
		title = "Edit segment " + chart.Sanitize(s.editing)
	}
	lines := []string{st.Render(st.Title, title) + st.Render(st.Muted, " — a CEL expression over each customer's features, traits and consents")}
	lines = append(lines, chart.Truncate(s.expr.View(), s.w))
	exprNow := strings.TrimSpace(s.expr.Value())
	switch {
	case exprNow == "":
		lines = append(lines, st.Render(st.Muted, "type an expression; it is checked and counted as you type"))
	case s.check == nil || s.check.Expr != exprNow:
		lines = append(lines, st.Render(st.Muted, "checking…"))
	case s.check.Err != nil:
		if c, ok := Caret(s.check.Err, len(s.expr.Prompt)); ok && len([]rune(s.expr.Value())) < s.expr.Width {
			lines = append(lines, st.Render(st.Error, chart.Truncate(c, s.w)))
		}
		lines = append(lines, st.Render(st.Error, chart.Truncate("✗ "+chart.Sanitize(IssueText(s.check.Err)), s.w)))
	default:
		z := s.check.Size
		lines = append(lines, st.Render(st.Caption, chart.Truncate(fmt.Sprintf("✓ %s of %s customers (%s)", chart.FormatCount(float64(z.Members)), chart.FormatCount(float64(z.Customers)), chart.FormatPercent(z.Share)), s.w)))
	}
	lines = append(lines, chart.Truncate(s.name.View(), s.w), "")
	hint := "enter: to the name, then save · tab switches field · esc cancels"
	if s.saving {
		hint = "saving…"
	}
	lines = append(lines, st.Render(st.Muted, chart.Truncate(hint, s.w)), st.Render(st.Header, "variables"))
	for _, v := range segment.Variables {
		lines = append(lines, chart.Truncate("  "+st.Render(st.Label, chart.PadRight(v.Name, 16))+" "+st.Render(st.Muted, v.Description), s.w))
	}
	return chart.Block(lines, s.w, s.h)
}

// KeyMap implements app.Screen.
func (s *Screen) KeyMap() help.KeyMap {
	if s.who.Open() {
		return s.who.KeyMap()
	}
	k := s.km
	switch s.mode {
	case modeEdit:
		return keyMap{short: []key.Binding{bind("enter", "enter", "next/save"), bind("tab", "tab", "field"), bind("esc", "esc", "cancel")}}
	case modeConfirm:
		return keyMap{short: []key.Binding{bind("y", "y", "delete"), bind("n", "n", "keep")}}
	case modeClusters:
		sh, fl := s.clusters.keys()
		return keyMap{short: append(sh, k.back), full: append(fl, []key.Binding{k.back})}
	case modeCompare:
		sh, fl := s.compare.keys()
		return keyMap{short: append(sh, k.back), full: append(fl, []key.Binding{k.back})}
	}
	if s.filter.Focused() {
		return keyMap{short: []key.Binding{bind("enter", "enter", "keep filter"), bind("esc", "esc", "clear filter")}}
	}
	return keyMap{
		short: []key.Binding{k.apply, k.add, k.del, k.members, k.mark, k.compare, k.clusters},
		full: [][]key.Binding{append(k.List.Bindings(), k.filter),
			{k.apply, k.clear, k.add, k.edit, k.del, k.members, k.refresh},
			{k.mark, k.compare, k.clusters}},
	}
}

type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
