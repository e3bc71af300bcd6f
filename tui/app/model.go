package app

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
)

// StartupKind is the backend kind of the job the app runs before its
// screens (the first-run sample load, or the files of `workbench open`).
const StartupKind = "app.startup"

// chromeLines is the number of lines around the screen area: header,
// filter line, status line and footer.
const chromeLines = 4

// Model is the root model. Create it with New; it implements tea.Model.
type Model struct {
	c       *Common
	entries []Entry
	active  int
	width   int
	height  int

	spin     spinner.Model
	spinning bool

	status    string
	statusErr bool

	showHelp bool
	filters  *filterEditor
	export   *exportPrompt
	fatal    error

	// startup job
	startTitle string
	startJob   tea.Cmd
	starting   bool
	progress   *backend.Progress
	quitAfter  bool

	inited bool
	keys   rootKeys
}

type rootKeys struct {
	filters key.Binding
}

// New returns the root model over the screens given (see Registered), in
// slot order as given. The first screen is active.
func New(c *Common, entries ...Entry) *Model {
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	sp.Style = c.Styles.Muted
	if c.Styles.Plain {
		sp.Style = c.Styles.Base
	}
	return &Model{
		// A copy: the model replaces its entries' screens as they update,
		// which must not write into the caller's slice (a test may read it
		// while the program runs).
		c: c, entries: append([]Entry(nil), entries...), spin: sp,
		keys: rootKeys{filters: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filters"))},
	}
}

// WithStartup makes the app run job (started with kind StartupKind, e.g.
// Backend.PrepareSample or Backend.LoadFiles) before it starts the
// screens, showing its progress under title. esc or ctrl+c cancel it: the
// file being loaded is rolled back and the screens open on what is loaded.
func (m *Model) WithStartup(title string, job tea.Cmd) *Model {
	m.startTitle, m.startJob, m.starting = title, job, job != nil
	return m
}

// Common returns the shared context.
func (m *Model) Common() *Common { return m.c }

// Active returns the active screen and its slot (nil, 0 without screens).
func (m *Model) Active() (Screen, int) {
	if len(m.entries) == 0 {
		return nil, 0
	}
	return m.entries[m.active].Screen, m.entries[m.active].Slot
}

// Status returns the status line text and whether it is an error.
func (m *Model) Status() (string, bool) { return m.status, m.statusErr }

// Err returns the error shown on the error screen, if any.
func (m *Model) Err() error { return m.fatal }

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	if m.starting {
		return tea.Batch(m.startJob, m.tick())
	}
	return m.initScreens()
}

func (m *Model) tick() tea.Cmd {
	m.spinning = true
	return m.spin.Tick
}

func (m *Model) initScreens() tea.Cmd {
	if m.inited {
		return nil
	}
	m.inited = true
	var cmds []tea.Cmd
	for i := range m.entries {
		cmds = append(cmds, m.guard(i, func(s Screen) tea.Cmd { return s.Init() }))
	}
	if s, _ := m.Active(); s != nil {
		if a, ok := s.(Activator); ok {
			cmds = append(cmds, m.guard(m.active, func(Screen) tea.Cmd { return a.Activated() }))
		}
	}
	return tea.Batch(cmds...)
}

// guard runs f on screen i, turning a panic into the error screen.
func (m *Model) guard(i int, f func(Screen) tea.Cmd) (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.fatal = fmt.Errorf("the %s screen failed: %v\n\n%s", m.entries[i].Screen.Title(), r, firstFrames(debug.Stack(), 12))
			cmd = nil
		}
	}()
	return f(m.entries[i].Screen)
}

func firstFrames(stack []byte, n int) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func (m *Model) updateScreen(i int, msg tea.Msg) tea.Cmd {
	return m.guard(i, func(s Screen) tea.Cmd {
		ns, cmd := s.Update(msg)
		m.entries[i].Screen = ns
		return cmd
	})
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.entries {
		cmds = append(cmds, m.updateScreen(i, msg))
	}
	return tea.Batch(cmds...)
}

func (m *Model) layout() {
	bw, bh := m.width, m.height-chromeLines
	if bh < 0 {
		bh = 0
	}
	m.c.Width, m.c.Height = bw, bh
	for i := range m.entries {
		m.guard(i, func(s Screen) tea.Cmd { s.SetSize(bw, bh); return nil })
	}
	if m.filters != nil {
		m.filters.setSize(bw, bh)
	}
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if m.c.Backend != nil && m.c.Backend.Running() > 0 && !m.spinning {
		cmd = tea.Batch(cmd, m.tick())
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case spinner.TickMsg:
		if m.c.Backend == nil || m.c.Backend.Running() == 0 {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case backend.ProgressMsg:
		if msg.Kind == StartupKind {
			p := msg.Progress
			m.progress = &p
			return msg.Next()
		}
		return tea.Batch(m.broadcast(msg), msg.Next())
	case backend.ResultMsg:
		return m.result(msg)
	case exportDoneMsg:
		m.exportDone(msg.files, msg.err)
		return nil
	case StatusMsg:
		m.status, m.statusErr = msg.Text, msg.Err
		return nil
	case FatalMsg:
		m.fatal = msg.Err
		return nil
	case FiltersChangedMsg, DataChangedMsg:
		return m.broadcast(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.filters != nil {
		if cmd, ok := m.filters.update(msg); ok {
			return cmd
		}
	}
	if m.export != nil {
		// Cursor blinks of the prompt.
		var cmd tea.Cmd
		m.export.input, cmd = m.export.input.Update(msg)
		return tea.Batch(cmd, m.broadcast(msg))
	}
	return m.broadcast(msg)
}

func (m *Model) result(msg backend.ResultMsg) tea.Cmd {
	if msg.Kind == StartupKind {
		m.starting = false
		m.progress = nil
		var cmds []tea.Cmd
		switch {
		case msg.Cancelled():
			m.status, m.statusErr = "first load cancelled: the file being loaded was rolled back, files loaded before it are kept; start the workbench again to finish", true
		case msg.Err != nil:
			m.status, m.statusErr = msg.Err.Error(), true
		}
		if m.quitAfter {
			return tea.Quit
		}
		cmds = append(cmds, m.initScreens(), m.broadcast(DataChangedMsg{}))
		return tea.Batch(cmds...)
	}
	if m.c.Backend != nil && !m.c.Backend.Current(msg) {
		return nil // overtaken by a newer query of the same kind
	}
	if msg.Kind == ExportKind {
		files, _ := msg.Value.([]string)
		m.exportDone(files, msg.Err)
		return nil
	}
	if m.filters != nil && msg.Kind == filterKind {
		m.filters.result(msg)
		return nil
	}
	switch {
	case msg.Cancelled():
		m.status, m.statusErr = "cancelled", false
	case msg.Err != nil:
		m.status, m.statusErr = msg.Err.Error(), true
	}
	return m.broadcast(msg)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if msg.String() == "ctrl+c" {
		if m.starting {
			m.quitAfter = true
			m.c.Backend.Cancel()
			return nil
		}
		return tea.Quit
	}
	if m.fatal != nil {
		if key.Matches(msg, k.Quit) || key.Matches(msg, k.Back) || msg.String() == "enter" {
			return tea.Quit
		}
		return nil
	}
	if m.starting {
		if key.Matches(msg, k.Back) {
			m.c.Backend.Cancel()
			m.status = "cancelling…"
		}
		return nil
	}
	if m.showHelp {
		if key.Matches(msg, k.Help) || key.Matches(msg, k.Back) || key.Matches(msg, k.Quit) {
			m.showHelp = false
		}
		return nil
	}
	if m.export != nil {
		return m.exportKey(msg)
	}
	if m.filters != nil {
		done, apply, cmd := m.filters.key(msg)
		if done {
			if apply {
				*m.c.Filters = m.filters.result2()
				m.filters = nil
				return tea.Batch(cmd, m.broadcast(FiltersChangedMsg{}), Status("filters: "+m.c.Filters.Describe()))
			}
			m.filters = nil
		}
		return cmd
	}
	scr, _ := m.Active()
	if scr != nil && scr.Capturing() {
		return m.updateScreen(m.active, msg)
	}
	switch {
	case key.Matches(msg, k.Back) && canGoBack(scr):
		return m.updateScreen(m.active, msg)
	case key.Matches(msg, k.Back) && m.c.Backend != nil && m.c.Backend.Running() > 0:
		m.c.Backend.Cancel()
		m.status, m.statusErr = "cancelling…", false
		return nil
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Export) && isExporter(scr):
		return m.openExport(scr.(Exporter))
	case key.Matches(msg, m.keys.filters):
		m.filters = newFilterEditor(m.c)
		m.filters.setSize(m.c.Width, m.c.Height)
		return m.filters.init()
	case key.Matches(msg, k.NextScreen):
		return m.switchTo((m.active + 1) % max(1, len(m.entries)))
	case key.Matches(msg, k.PrevScreen):
		return m.switchTo((m.active + len(m.entries) - 1) % max(1, len(m.entries)))
	}
	if n := k.ScreenIndex(msg); n >= 0 {
		for i, e := range m.entries {
			if e.Slot == n+1 {
				return m.switchTo(i)
			}
		}
		m.status, m.statusErr = fmt.Sprintf("no screen %d", n+1), false
		return nil
	}
	if scr == nil {
		return nil
	}
	return m.updateScreen(m.active, msg)
}

// isExporter reports whether scr can export what it shows (Exporter).
func isExporter(scr Screen) bool {
	_, ok := scr.(Exporter)
	return ok
}

// canGoBack reports whether scr has a view to step back from (Backer).
func canGoBack(scr Screen) bool {
	b, ok := scr.(Backer)
	return ok && b.CanGoBack()
}

func (m *Model) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(m.entries) || i == m.active {
		return nil
	}
	m.active = i
	m.status, m.statusErr = "", false
	if a, ok := m.entries[i].Screen.(Activator); ok {
		return m.guard(i, func(Screen) tea.Cmd { return a.Activated() })
	}
	return nil
}

// View implements tea.Model: exactly the terminal's width × height.
func (m *Model) View() (out string) {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			m.fatal = fmt.Errorf("drawing failed: %v", r)
			out = m.errorView(w, h)
		}
	}()
	if m.fatal != nil {
		return m.errorView(w, h)
	}
	st := m.c.Styles
	bh := h - chromeLines
	var body string
	switch {
	case m.starting:
		body = ProgressView(st, m.startTitle, m.progress, w, max(bh, 0))
	case m.showHelp:
		body = m.helpView(w, max(bh, 0))
	case m.filters != nil:
		body = m.filters.view()
	default:
		if scr, _ := m.Active(); scr != nil && bh > 0 {
			body = scr.View()
		} else if bh > 0 {
			body = "no screens"
		}
		if m.export != nil && bh > 0 {
			body = m.exportView(body, w, bh)
		}
	}
	lines := []string{m.headerLine(w), m.filterLine(w)}
	if bh > 0 {
		bl := strings.Split(body, "\n")
		for i := 0; i < bh; i++ {
			if i < len(bl) {
				lines = append(lines, bl[i])
			} else {
				lines = append(lines, "")
			}
		}
	}
	lines = append(lines, m.statusLine(w), m.footerLine(w))
	if h < len(lines) {
		// Too small for everything: keep the header and the body.
		lines = lines[:h]
	}
	return chart.Block(lines, w, h)
}

func (m *Model) headerLine(w int) string {
	st := m.c.Styles
	name := "Journey Workbench"
	db := ""
	if m.c.Backend != nil && m.c.Backend.Path() != "" {
		db = filepath.Base(m.c.Backend.Path())
	}
	var tabs []string
	for i, e := range m.entries {
		t := fmt.Sprintf("%d %s", e.Slot, e.Screen.Title())
		if i == m.active && !m.starting {
			tabs = append(tabs, st.Render(st.Selected, "["+t+"]"))
		} else {
			tabs = append(tabs, st.Render(st.Muted, " "+t+" "))
		}
	}
	left := st.Render(st.Title, name)
	line := left + "  " + strings.Join(tabs, "")
	if db != "" {
		// The database's name goes first when the tabs would not fit.
		withDB := st.Render(st.Title, name) + st.Render(st.Muted, " · "+chart.Sanitize(db)) + "  " + strings.Join(tabs, "")
		if chart.Width(withDB) <= w || chart.Width(line) > w {
			line = withDB
		}
	}
	return chart.Truncate(line, w)
}

func (m *Model) filterLine(w int) string {
	st := m.c.Styles
	left := st.Render(st.Muted, "filters: ") + st.Render(st.Label, chart.Sanitize(m.c.Filters.Describe()))
	right := ""
	if m.c.Backend != nil && m.c.Backend.Running() > 0 {
		labels := m.c.Backend.Labels()
		right = m.spin.View() + " " + strings.Join(labels, ", ") + " · esc cancels"
		right = st.Render(st.Muted, chart.Truncate(right, max(w/2, 10)))
	}
	lw := w - chart.Width(right) - 1
	if lw < 0 {
		lw = 0
	}
	return chart.PadRight(left, lw) + " " + right
}

func (m *Model) statusLine(w int) string {
	st := m.c.Styles
	if m.status == "" {
		return ""
	}
	text := chart.Sanitize(m.status)
	if m.statusErr {
		return st.Render(st.Error, chart.Truncate("! "+text, w))
	}
	return st.Render(st.Caption, chart.Truncate(text, w))
}

func (m *Model) footerLine(w int) string {
	hm := help.New()
	hm.Width = w
	st := m.c.Styles
	hm.Styles.ShortKey = st.Label
	hm.Styles.ShortDesc = st.Muted
	hm.Styles.ShortSeparator = st.Muted
	hm.Styles.Ellipsis = st.Muted
	if st.Plain {
		hm.Styles = help.Styles{}
	}
	var b []key.Binding
	switch {
	case m.starting:
		b = []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel and quit"))}
	case m.showHelp:
		b = []key.Binding{key.NewBinding(key.WithKeys("?"), key.WithHelp("?/esc", "close help"))}
	case m.filters != nil:
		b = m.filters.shortHelp()
	case m.export != nil:
		b = exportKeys
	default:
		if scr, _ := m.Active(); scr != nil {
			b = append(b, scr.KeyMap().ShortHelp()...)
			if scr.Capturing() {
				break
			}
		}
		b = append(b, m.globalShort()...)
	}
	return chart.Truncate(hm.ShortHelpView(b), w)
}

func (m *Model) globalShort() []key.Binding {
	k := m.c.Keys
	b := []key.Binding{k.NextScreen, m.keys.filters, k.Help}
	if scr, _ := m.Active(); isExporter(scr) {
		b = append(b, k.Export)
	}
	return append(b, k.Quit)
}

func (m *Model) globalFull() [][]key.Binding {
	k := m.c.Keys
	mid := []key.Binding{m.keys.filters, k.Filter, k.Back}
	if scr, _ := m.Active(); isExporter(scr) {
		mid = append(mid, k.Export)
	}
	return [][]key.Binding{
		{k.NextScreen, k.PrevScreen, k.ScreenKeys()},
		mid,
		{k.Help, k.Quit},
	}
}

func (m *Model) helpView(w, h int) string {
	st := m.c.Styles
	var lines []string
	section := func(title string, groups [][]key.Binding) {
		lines = append(lines, st.Render(st.Title, title))
		for _, g := range groups {
			for _, b := range g {
				if !b.Enabled() || b.Help().Key == "" {
					continue
				}
				lines = append(lines, "  "+st.Render(st.Label, chart.PadRight(b.Help().Key, 12))+" "+b.Help().Desc)
			}
		}
		lines = append(lines, "")
	}
	if scr, _ := m.Active(); scr != nil {
		section(scr.Title()+" screen", scr.KeyMap().FullHelp())
	}
	section("Everywhere", m.globalFull())
	// Flow into columns when the lines do not fit.
	cols := 1
	for cols < 4 && (len(lines)+cols-1)/cols > h {
		cols++
	}
	per := (len(lines) + cols - 1) / cols
	cw := w / cols
	out := make([]string, 0, h)
	for r := 0; r < min(per, h); r++ {
		var b strings.Builder
		for c := 0; c < cols; c++ {
			i := c*per + r
			s := ""
			if i < len(lines) {
				s = lines[i]
			}
			b.WriteString(chart.PadRight(s, cw))
		}
		out = append(out, b.String())
	}
	return chart.Block(out, w, h)
}

func (m *Model) errorView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Render(st.Error, "Journey Workbench stopped on an error"), ""}
	for _, l := range strings.Split(m.fatal.Error(), "\n") {
		lines = append(lines, wrap(chart.Sanitize(l), w)...)
	}
	lines = append(lines, "", st.Render(st.Muted, "press q, esc or enter to quit; the database is unchanged"))
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1], lines[len(lines)-1])
	}
	return chart.Block(lines, w, h)
}

// wrap splits s into lines of at most w cells (by runes; s is sanitized).
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for chart.Width(s) > w {
		cut := 0
		width := 0
		for i, r := range s {
			rw := chart.Width(string(r))
			if width+rw > w {
				cut = i
				break
			}
			width += rw
		}
		if cut == 0 {
			break
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}
