// Package journeys is the Journeys screen of the workbench: the customers'
// paths drawn as a Sankey diagram (start and end anchors, step limit, top-K
// per step with "other" and drop-off nodes), the table of path variants, a
// funnel builder, the directly-follows transitions as a heat map and the
// channel attribution of conversions by every model. Every cell, bar, node
// or band lists the customers behind it, and each of them opens on their
// unified profile.
//
// Every analysis reads the global filters (time range, channels, segment)
// and runs off the UI thread through the backend's workspace; a change of
// the filters or of the data marks the results stale and re-runs the one
// on screen.
package journeys

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
)

// Backend kinds of the screen's queries.
const (
	KindPaths        = "journeys.paths"
	KindVariants     = "journeys.variants"
	KindFunnelLabels = "journeys.funnel-labels"
	KindFunnel       = "journeys.funnel"
	KindTransitions  = "journeys.transitions"
	KindAttribution  = "journeys.attribution"
	KindWho          = "journeys.who"
	KindProfile      = "journeys.profile"
)

// WhoLimit is how many customers a cell's list names (the total is always
// counted).
const WhoLimit = 500

// Labels are the step label choices the screen cycles through (L), as
// journey.ParseLabelBy reads them.
var Labels = []string{"type", "channel", "channel:type"}

// Sub-views of the screen.
const (
	ViewPaths = iota
	ViewVariants
	ViewFunnel
	ViewTransitions
	ViewAttribution
	numViews
)

var viewNames = [numViews]string{"Paths", "Variants", "Funnel", "Transitions", "Attribution"}
var viewKeys = [numViews]string{"p", "v", "u", "t", "a"}

// FunnelStepsMsg is sent whenever the funnel builder's steps, mode or
// window change, so that other screens (the Segments comparison) can use
// the same funnel.
type FunnelStepsMsg struct {
	Steps  []string
	Mode   journey.FunnelMode
	Window string // as shown, e.g. "14d"
	Label  string // the step label choice the steps are written in
}

// Query turns the global filters into a workspace query with the given
// step label choice (one of Labels) and collapsing of repeats.
func Query(f *app.Filters, label string, collapse bool) workspace.Query {
	var q workspace.Query
	if f != nil {
		q.Filter = workspace.Filter{From: f.From, To: f.To, Segment: f.Segment}
		if len(f.Channels) > 0 {
			q.Filter.Channels = append([]string(nil), f.Channels...)
		}
	}
	spec, err := journey.ParseLabelBy(label)
	if err != nil {
		spec = journey.LabelSpec{By: journey.ByType}
	}
	q.Label = spec
	q.CollapseRepeats = collapse
	return q
}

// Screen is the Journeys screen. Create it with New.
type Screen struct {
	c    *app.Common
	w, h int

	sub       int
	label     int
	collapse  bool
	activated bool

	paths *pathsView
	vars  *variantsView
	fun   *funnelView
	trans *transView
	attr  *attrView

	who *WhoList
	km  screenKeys
}

type screenKeys struct {
	views    [numViews]key.Binding
	label    key.Binding
	collapse key.Binding
	refresh  key.Binding
	sel      key.Binding
	move     key.Binding
}

func newScreenKeys() screenKeys {
	k := screenKeys{
		label:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "label: type/channel/channel:type")),
		collapse: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "collapse repeats on/off")),
		refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		sel:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "customers behind it")),
		move:     key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓←→", "move")),
	}
	for i := range k.views {
		k.views[i] = key.NewBinding(key.WithKeys(viewKeys[i]), key.WithHelp(viewKeys[i], strings.ToLower(viewNames[i])))
	}
	return k
}

// New returns the Journeys screen.
func New(c *app.Common) app.Screen {
	s := &Screen{c: c, collapse: true, km: newScreenKeys()}
	s.paths = newPathsView(s)
	s.vars = newVariantsView(s)
	s.fun = newFunnelView(s)
	s.trans = newTransView(s)
	s.attr = newAttrView(s)
	s.who = NewWhoList(c, KindWho, KindProfile)
	return s
}

func init() { app.Register(app.SlotJourneys, New) }

// Title implements app.Screen.
func (s *Screen) Title() string { return "Journeys" }

// Sub returns the sub-view shown (ViewPaths …).
func (s *Screen) Sub() int { return s.sub }

// Who is the list of customers behind the last selected cell.
func (s *Screen) Who() *WhoList { return s.who }

// Capturing implements app.Screen: true while a text input has focus.
func (s *Screen) Capturing() bool {
	if s.who.Open() {
		return s.who.Capturing()
	}
	switch s.sub {
	case ViewVariants:
		return s.vars.filter.Focused()
	case ViewFunnel:
		return s.fun.filter.Focused()
	}
	return false
}

// Init implements app.Screen. Nothing runs until the screen is shown.
// CanGoBack implements app.Backer: esc closes a profile, then the list of
// customers behind a cell, before it cancels running queries.
func (s *Screen) CanGoBack() bool { return s.who.Open() }

func (s *Screen) Init() tea.Cmd { return nil }

// Activated implements app.Activator: the first showing runs the current
// analysis, later ones re-run it when the filters or data changed since.
func (s *Screen) Activated() tea.Cmd {
	s.activated = true
	return s.ensure()
}

// query is the screen's query under the global filters.
func (s *Screen) query() workspace.Query {
	return Query(s.c.Filters, Labels[s.label], s.collapse)
}

func (s *Screen) labelName() string { return Labels[s.label] }

type subView interface {
	ensure() tea.Cmd
	run() tea.Cmd
	markStale()
	result(msg backend.ResultMsg) (bool, tea.Cmd)
	key(msg tea.KeyMsg) tea.Cmd
	setSize(w, h int)
	view() string
	keys() ([]key.Binding, [][]key.Binding)
}

func (s *Screen) views() [numViews]subView {
	return [numViews]subView{s.paths, s.vars, s.fun, s.trans, s.attr}
}

func (s *Screen) current() subView { return s.views()[s.sub] }

func (s *Screen) ensure() tea.Cmd {
	if !s.activated || s.c.Backend == nil {
		return nil
	}
	return s.current().ensure()
}

func (s *Screen) markStale() {
	for _, v := range s.views() {
		v.markStale()
	}
}

// SetSize implements app.Screen.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	bh := max(h-1, 0)
	for _, v := range s.views() {
		v.setSize(w, bh)
	}
	s.who.SetSize(w, h)
}

// Switch shows sub-view i (ViewPaths …) and runs it when stale.
func (s *Screen) Switch(i int) tea.Cmd {
	if i < 0 || i >= numViews {
		return nil
	}
	s.sub = i
	return s.ensure()
}

// Update implements app.Screen.
func (s *Screen) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case backend.ResultMsg:
		switch {
		case msg.Kind == KindWho || msg.Kind == KindProfile:
			_, cmd := s.who.Update(msg)
			return s, cmd
		case strings.HasPrefix(msg.Kind, "journeys."):
			for _, v := range s.views() {
				if ok, cmd := v.result(msg); ok {
					return s, cmd
				}
			}
		}
		return s, nil
	case chart.SelectedMsg:
		return s, s.selected(msg)
	case app.FiltersChangedMsg, app.DataChangedMsg:
		s.markStale()
		_, wcmd := s.who.Update(msg)
		return s, tea.Batch(wcmd, s.ensure())
	case tea.KeyMsg:
		if s.who.Open() {
			_, cmd := s.who.Update(msg)
			return s, cmd
		}
		return s, s.key(msg)
	}
	// Other messages (cursor blinks) reach the focused input.
	if s.who.Open() {
		_, cmd := s.who.Update(msg)
		return s, cmd
	}
	switch s.sub {
	case ViewVariants:
		return s, s.vars.passthrough(msg)
	case ViewFunnel:
		return s, s.fun.passthrough(msg)
	}
	return s, nil
}

func (s *Screen) key(msg tea.KeyMsg) tea.Cmd {
	if !s.Capturing() {
		for i, b := range s.km.views {
			if key.Matches(msg, b) {
				return s.Switch(i)
			}
		}
		switch {
		case key.Matches(msg, s.km.label):
			s.label = (s.label + 1) % len(Labels)
			s.markStale()
			return tea.Batch(s.ensure(), app.Status("steps labelled by "+s.labelName()))
		case key.Matches(msg, s.km.collapse):
			s.collapse = !s.collapse
			s.markStale()
			st := "repeats kept"
			if s.collapse {
				st = "consecutive repeats collapsed"
			}
			return tea.Batch(s.ensure(), app.Status(st))
		case key.Matches(msg, s.km.refresh):
			return s.current().run()
		}
	}
	return s.current().key(msg)
}

// selected opens the customers behind a chart element.
func (s *Screen) selected(m chart.SelectedMsg) tea.Cmd {
	switch m.ID {
	case "paths":
		return s.paths.who(m)
	case "funnel":
		return s.fun.who(m.Index, journey.DroppedAt)
	case "transitions":
		return s.trans.who(m.Row, m.Col)
	case "attribution":
		return s.attr.who(m.Index)
	}
	return nil
}

// View implements app.Screen.
func (s *Screen) View() string {
	if s.w <= 0 || s.h <= 0 {
		return ""
	}
	if s.who.Open() {
		return s.who.View()
	}
	lines := []string{s.tabLine()}
	body := s.current().view()
	lines = append(lines, strings.Split(body, "\n")...)
	return chart.Block(lines, s.w, s.h)
}

func (s *Screen) tabLine() string {
	st := s.c.Styles
	var b strings.Builder
	for i := range viewNames {
		t := viewKeys[i] + " " + viewNames[i]
		if i == s.sub {
			b.WriteString(st.Render(st.Selected, "["+t+"]"))
		} else {
			b.WriteString(st.Render(st.Muted, " "+t+" "))
		}
	}
	left := b.String()
	coll := ""
	if s.collapse {
		coll = " · repeats collapsed"
	}
	for _, opts := range []string{"label " + s.labelName() + coll, s.labelName() + strings.Replace(coll, "repeats ", "", 1), s.labelName()} {
		right := st.Render(st.Muted, opts)
		if chart.Width(left)+1+chart.Width(right) <= s.w {
			return chart.PadRight(left, s.w-chart.Width(right)) + right
		}
	}
	return chart.Truncate(left, s.w)
}

// KeyMap implements app.Screen.
func (s *Screen) KeyMap() help.KeyMap {
	if s.who.Open() {
		return s.who.KeyMap()
	}
	short, full := s.current().keys()
	if s.Capturing() {
		return keyMap{short: short, full: full}
	}
	views := key.NewBinding(key.WithKeys("p", "v", "u", "t", "a"), key.WithHelp("p/v/u/t/a", "views"))
	sh := append([]key.Binding{views}, short...)
	fl := [][]key.Binding{s.km.views[:], {s.km.label, s.km.collapse, s.km.refresh}}
	fl = append(fl, full...)
	return keyMap{short: sh, full: fl}
}

// keyMap is a help.KeyMap of fixed bindings.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

func bind(keys, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(strings.Split(keys, ",")...), key.WithHelp(k, desc))
}

// state is what each sub-view shares: whether its result is stale, a query
// is running, and the last error.
type state struct {
	stale   bool
	loading bool
	err     error
	note    string
}

func (st *state) begin() { st.loading, st.err, st.note, st.stale = true, nil, "", false }

// finish records a result's outcome; ok is true when it carries a value.
func (st *state) finish(msg backend.ResultMsg) bool {
	st.loading = false
	switch {
	case msg.Cancelled():
		st.stale = true
		st.note = "cancelled — press r to run it again"
		return false
	case msg.Err != nil:
		st.err = msg.Err
		return false
	}
	return true
}

// placeholder is the body shown while there is no result.
func (st *state) placeholder(s *Screen, what string) string {
	sty := s.c.Styles
	switch {
	case st.loading:
		return sty.Render(sty.Muted, "computing the "+what+"…  (esc cancels)")
	case st.err != nil:
		return sty.Render(sty.Error, chart.Sanitize(firstLine(st.err.Error())))
	case st.note != "":
		return sty.Render(sty.Muted, st.note)
	}
	return sty.Render(sty.Muted, "press r to compute the "+what)
}

// busy is a suffix for a summary line while a result is being replaced.
func (st *state) busy() string {
	if st.loading {
		return " · updating…"
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// FunnelSteps returns the funnel builder's steps in order.
func (s *Screen) FunnelSteps() []string { return s.fun.Steps() }

// LabelChoice is the step label choice in use (one of Labels).
func (s *Screen) LabelChoice() string { return s.labelName() }

// Collapse reports whether consecutive repeats are collapsed.
func (s *Screen) Collapse() bool { return s.collapse }

// PathAnchors returns the start and end anchors of the paths view.
func (s *Screen) PathAnchors() (start, end string) { return s.paths.opts.Start, s.paths.opts.End }
