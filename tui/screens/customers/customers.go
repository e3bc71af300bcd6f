// Package customers is the Customers screen of the workbench: a search by any
// identifier or trait, a list of the customers found with their key facts,
// and the unified profile of one customer — identifiers and where each was
// first seen, the rows that merged them, consents, merged traits with their
// survivorship rule and the cross-channel timeline, which scrolls.
package customers

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
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
)

// Backend kinds of the screen's queries.
const (
	KindSearch  = "customers.search"
	KindProfile = "customers.profile"
)

// SearchLimit is how many customers one search lists.
const SearchLimit = 50

// TimelineLimit bounds the events read for one profile.
const TimelineLimit = 5000

// Debounce is how long the search waits after the last keystroke.
const Debounce = 200 * time.Millisecond

type mode int

const (
	modeList mode = iota
	modeProfile
)

// KeyMap is the Customers screen's keys.
type KeyMap struct {
	keys.List
	Search, Open, Timeline, Back key.Binding
	mode                         mode
	typing                       bool
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	if k.typing {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "to the list")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing")),
		}
	}
	if k.mode == modeProfile {
		return []key.Binding{moveHelp, k.Timeline, k.Back}
	}
	return []key.Binding{k.Search, moveHelp, k.Open}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	if k.mode == modeProfile {
		return [][]key.Binding{k.List.Bindings(), {k.Timeline, k.Back}}
	}
	return [][]key.Binding{{k.Search, k.Open}, k.List.Bindings()}
}

func defaultKeys() KeyMap {
	return KeyMap{
		List:     keys.DefaultList(),
		Search:   key.NewBinding(key.WithKeys("/", "s"), key.WithHelp("/", "search")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "profile")),
		Timeline: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// moveHelp stands for up and down in the short help.
var moveHelp = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move"))

type debounceMsg struct{ id int }

// Screen is the Customers screen. Create it with New.
type Screen struct {
	c    *app.Common
	w, h int
	keys KeyMap
	mode mode

	input     textinput.Model
	pending   int // id of the last keystroke's debounce
	query     string
	searching bool
	searched  bool
	rows      []backend.CustomerRow
	cur, off  int

	profile     *store.Profile
	profileRow  backend.CustomerRow
	profLoading bool
	lines       []string // the rendered profile
	timelineAt  int      // line of the timeline heading
	scroll      int
}

// New returns the Customers screen.
func New(c *app.Common) app.Screen {
	in := textinput.New()
	in.Prompt = "search: "
	in.Placeholder = "email, phone, CRM id, cookie, device, loyalty card, name, region…"
	in.CharLimit = 256
	return &Screen{c: c, keys: defaultKeys(), input: in}
}

func init() { app.Register(app.SlotCustomers, New) }

// Title implements app.Screen.
func (s *Screen) Title() string { return "Customers" }

// KeyMap implements app.Screen.
func (s *Screen) KeyMap() help.KeyMap {
	k := s.keys
	k.mode, k.typing = s.mode, s.input.Focused()
	return k
}

// Capturing implements app.Screen: true while the search box has focus.
func (s *Screen) Capturing() bool { return s.input.Focused() }

// CanGoBack implements app.Backer: esc leaves a profile (or clears the
// search) before it cancels running queries.
func (s *Screen) CanGoBack() bool { return s.mode == modeProfile || s.input.Value() != "" }

// Init implements app.Screen.
func (s *Screen) Init() tea.Cmd { return nil }

// SetSize implements app.Screen.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.input.Width = max(w-len(s.input.Prompt)-2, 1)
	if s.profile != nil {
		s.render()
	}
}

// Search sets the search text and runs the search at once (used by tests
// and by other screens that open a customer).
func (s *Screen) Search(q string) tea.Cmd {
	s.input.SetValue(q)
	return s.runSearch()
}

func (s *Screen) runSearch() tea.Cmd {
	q := strings.TrimSpace(s.input.Value())
	s.query = q
	if q == "" {
		s.c.Backend.CancelKind(KindSearch)
		s.rows, s.searching, s.searched = nil, false, false
		return nil
	}
	s.searching = true
	b := s.c.Backend
	return b.RunLabel(context.Background(), KindSearch, "searching customers", func(ctx context.Context) (any, error) {
		return b.SearchCustomers(ctx, q, SearchLimit)
	})
}

// Update implements app.Screen.
func (s *Screen) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case debounceMsg:
		if msg.id == s.pending && strings.TrimSpace(s.input.Value()) != s.query {
			return s, s.runSearch()
		}
		return s, nil
	case backend.ResultMsg:
		return s, s.result(msg)
	case app.FiltersChangedMsg:
		if s.profile != nil {
			s.render()
		}
		return s, nil
	case app.DataChangedMsg:
		if s.query != "" {
			return s, s.runSearch()
		}
		return s, nil
	case tea.KeyMsg:
		return s, s.key(msg)
	}
	if s.input.Focused() {
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *Screen) result(msg backend.ResultMsg) tea.Cmd {
	switch msg.Kind {
	case KindSearch:
		s.searching = false
		if msg.Err != nil {
			return nil
		}
		s.searched = true
		s.rows, _ = msg.Value.([]backend.CustomerRow)
		s.cur, s.off = 0, 0
	case KindProfile:
		s.profLoading = false
		if msg.Err != nil {
			if !msg.Cancelled() {
				s.mode = modeList
				if errors.Is(msg.Err, store.ErrNotFound) {
					return app.Error(fmt.Errorf("customer %d has no identifier left to open (erased?)", s.profileRow.Customer))
				}
			} else {
				s.mode = modeList
			}
			return nil
		}
		s.profile = msg.Value.(*store.Profile)
		s.scroll = 0
		s.render()
	}
	return nil
}

func (s *Screen) key(msg tea.KeyMsg) tea.Cmd {
	k := s.keys
	if s.input.Focused() {
		switch msg.String() {
		case "esc":
			s.input.Blur()
			return nil
		case "enter":
			s.input.Blur()
			if strings.TrimSpace(s.input.Value()) != s.query {
				return s.runSearch()
			}
			return nil
		case "down":
			s.input.Blur()
			return nil
		}
		before := s.input.Value()
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		if s.input.Value() != before {
			s.pending++
			id := s.pending
			cmd = tea.Batch(cmd, tea.Tick(Debounce, func(time.Time) tea.Msg { return debounceMsg{id: id} }))
		}
		return cmd
	}
	if s.mode == modeProfile {
		page := max(s.h-2, 1)
		if pos, ok := k.List.Move(msg, s.scroll, len(s.lines)+1, page); ok {
			s.scroll = pos
			s.clampScroll()
			return nil
		}
		switch {
		case key.Matches(msg, k.Back):
			s.mode = modeList
			s.c.Backend.CancelKind(KindProfile)
		case key.Matches(msg, k.Timeline):
			s.scroll = s.timelineAt
		}
		s.clampScroll()
		return nil
	}
	if pos, ok := k.List.Move(msg, s.cur, len(s.rows), s.listRows()); ok {
		s.cur = pos
		return nil
	}
	switch {
	case key.Matches(msg, k.Search):
		return s.input.Focus()
	case key.Matches(msg, k.Back):
		if s.input.Value() != "" {
			s.input.SetValue("")
			return s.runSearch()
		}
	case key.Matches(msg, k.Open):
		if s.cur < len(s.rows) {
			return s.open(s.rows[s.cur])
		}
	}
	s.cur = chart.Clamp(s.cur, 0, max(len(s.rows)-1, 0))
	return nil
}

func (s *Screen) open(row backend.CustomerRow) tea.Cmd {
	if row.Primary == "" {
		return app.Error(fmt.Errorf("customer %d has no identifier to open", row.Customer))
	}
	s.mode = modeProfile
	s.profileRow = row
	s.profile = nil
	s.lines = nil
	s.profLoading = true
	b := s.c.Backend
	id := row.Primary
	return b.RunLabel(context.Background(), KindProfile, "reading the profile", func(ctx context.Context) (any, error) {
		return b.Profile(ctx, id, TimelineLimit)
	})
}

// OpenProfile opens the profile of the customer an identifier names (for
// other screens that list customers).
func (s *Screen) OpenProfile(identifier string) tea.Cmd {
	return s.open(backend.CustomerRow{Primary: identifier})
}

func (s *Screen) clampScroll() {
	s.scroll = chart.Clamp(s.scroll, 0, max(len(s.lines)-(s.h-1), 0))
}

func (s *Screen) listRows() int { return max(s.h-3, 0) }

// View implements app.Screen.
func (s *Screen) View() string {
	if s.w <= 0 || s.h <= 0 {
		return ""
	}
	if s.mode == modeProfile {
		return s.profileView()
	}
	return s.listView()
}

type col struct {
	title string
	w     int
	right bool
}

func (s *Screen) listCols() []col {
	c := ListColumns
	cols := []col{{c[0], 8, true}, {c[1], 0, false}, {c[2], 18, false}, {c[3], 10, false}, {c[4], 6, false}, {c[5], 4, true}, {c[6], 7, true}, {c[7], 10, false}}
	if s.w >= 120 {
		cols = append(cols, col{c[8], 28, false})
	}
	if s.w < 96 {
		cols = append(cols[:3], cols[4:]...) // drop region
	}
	if s.w < 72 {
		cols = append(cols[:3], cols[5:]...) // drop tier and ids
	}
	fixed := 2
	for i, c := range cols {
		if i != 1 {
			fixed += c.w + 1
		}
	}
	cols[1].w = max(s.w-fixed, 6)
	return cols
}

func renderRow(cols []col, cells map[string]string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := chart.Sanitize(cells[c.title])
		if c.right {
			b.WriteString(chart.PadLeft(v, c.w))
		} else {
			b.WriteString(chart.PadRight(v, c.w))
		}
	}
	return b.String()
}

func day(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02")
}

func (s *Screen) listView() string {
	st := s.c.Styles
	lines := []string{chart.Truncate(s.input.View(), s.w)}
	switch {
	case s.query == "" && !s.searching:
		lines = append(lines, "",
			st.Render(st.Muted, "Press / and type any identifier (email, phone in any format, CRM id, cookie,"),
			st.Render(st.Muted, "device id, loyalty card) or a trait (a name, a region): matches appear as you type."))
		return chart.Block(lines, s.w, s.h)
	case s.searching && len(s.rows) == 0:
		lines = append(lines, st.Render(st.Muted, "searching…"))
		return chart.Block(lines, s.w, s.h)
	case s.searched && len(s.rows) == 0:
		lines = append(lines, st.Render(st.Muted, "no customer has an identifier starting with, or a trait containing, "+chart.Sanitize(s.query)))
		return chart.Block(lines, s.w, s.h)
	}
	note := fmt.Sprintf("%d customers", len(s.rows))
	if len(s.rows) == SearchLimit {
		note = fmt.Sprintf("first %d customers: type more to narrow", SearchLimit)
	}
	lines = append(lines, st.Render(st.Muted, chart.Truncate(note+" · enter opens the profile", s.w)))
	cols := s.listCols()
	head := map[string]string{}
	for _, c := range cols {
		head[c.title] = c.title
	}
	lines = append(lines, "  "+st.Render(st.Header, renderRow(cols, head)))
	n := s.listRows()
	s.off = chart.ScrollOffset(s.off, s.cur, n, len(s.rows))
	for r := 0; r < n && s.off+r < len(s.rows); r++ {
		i := s.off + r
		row := s.rows[i]
		cells := map[string]string{
			"customer": fmt.Sprint(row.Customer), "identifier": row.Primary, "name": row.Name,
			"region": row.Region, "tier": row.Tier, "ids": fmt.Sprint(row.Identifiers),
			"events": chart.FormatCount(float64(row.Events)), "last seen": day(row.LastSeen), "matched": row.Matched,
		}
		line := renderRow(cols, cells)
		if i == s.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return chart.Block(lines, s.w, s.h)
}

func (s *Screen) profileView() string {
	st := s.c.Styles
	if s.profile == nil {
		msg := "reading the profile…"
		if !s.profLoading {
			msg = "no profile"
		}
		return chart.Block([]string{st.Render(st.Title, "Customer "+chart.Sanitize(s.profileRow.Primary)), st.Render(st.Muted, msg)}, s.w, s.h)
	}
	s.clampScroll()
	body := s.h - 1
	out := make([]string, 0, s.h)
	for i := 0; i < body; i++ {
		j := s.scroll + i
		if j < len(s.lines) {
			out = append(out, s.lines[j])
		}
	}
	for len(out) < body {
		out = append(out, "")
	}
	pos := fmt.Sprintf("lines %d–%d of %d · t timeline · esc back", s.scroll+1, min(s.scroll+body, len(s.lines)), len(s.lines))
	out = append(out, st.Render(st.Muted, chart.PadLeft(pos, s.w)))
	return chart.Block(out, s.w, s.h)
}

// channelGlyphs gives each channel of the sample a glyph of its own, so the
// timeline reads the same without colour.
var channelGlyphs = map[string]string{
	"web": "◆", "app": "▲", "email": "✉", "sms": "✆", "push": "●", "call_centre": "☎", "call": "☎", "store": "■",
}

var channelOrder = []string{"web", "app", "email", "sms", "push", "call_centre", "store"}

func (s *Screen) glyph(ch string) string {
	st := s.c.Styles
	g, ok := channelGlyphs[ch]
	if !ok {
		g = "·"
	}
	idx := len(channelOrder)
	for i, c := range channelOrder {
		if c == ch {
			idx = i
		}
	}
	if idx == len(channelOrder) {
		for _, r := range ch {
			idx += int(r)
		}
	}
	return st.Render(st.PaletteAt(idx), g)
}

// render lays the profile out as lines of exactly the screen width.
func (s *Screen) render() {
	st := s.c.Styles
	p := s.profile
	w := s.w
	var L []string
	add := func(line string) { L = append(L, chart.Truncate(line, w)) }
	traits := map[string]string{}
	for _, t := range p.Traits {
		traits[t.Key] = t.Value
	}
	name := strings.TrimSpace(traits["first_name"] + " " + traits["last_name"])
	head := fmt.Sprintf("Customer %d", p.Customer)
	if name != "" {
		head += " · " + name
	}
	add(st.Render(st.Title, chart.Sanitize(head)) + st.Render(st.Muted, " · matched "+chart.Sanitize(p.Matched.String())))
	for _, o := range p.OtherMatches {
		add(st.Render(st.Muted, fmt.Sprintf("  also matched %s of customer %d", chart.Sanitize(o.String()), o.Customer)))
	}
	add("")
	add(st.Render(st.Header, fmt.Sprintf("Identifiers (%d)", len(p.Identities))))
	for _, x := range p.Identities {
		shared := ""
		if x.Shared {
			shared = st.Render(st.Error, " shared: not used to merge")
		}
		var seen []string
		for _, sn := range x.Seen {
			seen = append(seen, fmt.Sprintf("%s (%d)", sn.Source, sn.Rows))
		}
		add(fmt.Sprintf("  %s %s%s", chart.PadRight(chart.Sanitize(x.Type), 13), chart.Sanitize(x.Value), shared))
		add(st.Render(st.Muted, fmt.Sprintf("      first seen %s in %s line %d; seen in %s", fmtTime(x.FirstSeen), chart.Sanitize(x.FirstSource), x.FirstLine, chart.Sanitize(strings.Join(seen, ", ")))))
	}
	add("")
	add(st.Render(st.Header, "Why they are one customer") + st.Render(st.Muted, " (the first row that showed each pair together)"))
	if len(p.Links) == 0 {
		add(st.Render(st.Muted, "  one identifier only: nothing was merged"))
	}
	for _, l := range p.Links {
		note := ""
		if l.Guarded {
			note = st.Render(st.Error, " not merged: shared identifier")
		}
		add(fmt.Sprintf("  %s ↔ %s%s", chart.Sanitize(l.A.String()), chart.Sanitize(l.B.String()), note))
		add(st.Render(st.Muted, fmt.Sprintf("      %s — %s line %d", chart.Sanitize(l.Reason), chart.Sanitize(l.Source), l.Line)))
	}
	add("")
	add(st.Render(st.Header, "Consents") + st.Render(st.Muted, " (most recent statement per channel)"))
	if len(p.Consents) == 0 {
		add(st.Render(st.Muted, "  no consent statements"))
	}
	for _, c := range p.Consents {
		g := "✗ withheld"
		if c.Granted {
			g = "✓ granted "
		}
		add(fmt.Sprintf("  %s %s %s %s", s.glyph(c.Channel), chart.PadRight(chart.Sanitize(c.Channel), 12), g,
			st.Render(st.Muted, fmt.Sprintf("as of %s (%s line %d)", fmtTime(c.Time), chart.Sanitize(c.Source), c.Line))))
	}
	add("")
	add(st.Render(st.Header, "Traits") + st.Render(st.Muted, " (merged value, survivorship rule, source)"))
	for _, t := range p.Traits {
		add(fmt.Sprintf("  %s %s %s", chart.PadRight(chart.Sanitize(t.Key), 16), chart.PadRight(chart.Sanitize(t.Value), 22),
			st.Render(st.Muted, fmt.Sprintf("%s · %s line %d · %d candidate(s)", chart.Sanitize(t.Rule), chart.Sanitize(t.Source), t.Line, t.Candidates))))
	}
	add("")
	f := s.c.Filters
	shown := 0
	var tl []string
	for _, e := range p.Timeline {
		if !f.Keep(e.Time, e.Channel) {
			continue
		}
		shown++
		rev := ""
		if e.HasRevenue {
			rev = fmt.Sprintf("£%.2f", e.Revenue)
		}
		line := fmt.Sprintf("  %s %s %s %s %s %s", fmtTime(e.Time), s.glyph(e.Channel), chart.PadRight(chart.Sanitize(e.Channel), 11),
			chart.PadRight(chart.Sanitize(e.Type), 18), chart.PadLeft(rev, 9), st.Render(st.Muted, chart.Sanitize(e.Campaign)))
		if w >= 110 {
			line = chart.PadRight(line, 90) + st.Render(st.Muted, chart.Sanitize(e.Identity))
		}
		tl = append(tl, line)
	}
	s.timelineAt = len(L)
	th := fmt.Sprintf("Timeline (%d events", p.Events)
	if int64(len(p.Timeline)) < p.Events {
		th += fmt.Sprintf(", first %d read", len(p.Timeline))
	}
	if f.Active() && shown != len(p.Timeline) {
		th += fmt.Sprintf("; %d in the filters", shown)
	}
	scope := " by time, every channel"
	if f.Active() {
		scope = " by time, under the filters " + chart.Sanitize(f.Describe())
	}
	add(st.Render(st.Header, th+")") + st.Render(st.Muted, scope))
	if len(tl) > 0 {
		tc := TimelineColumns
		head := fmt.Sprintf("  %s %s %s %s %s", chart.PadRight(tc[0], 18), chart.PadRight(tc[1], 11), chart.PadRight(tc[2], 18), chart.PadLeft(tc[3], 9), tc[4])
		if w >= 110 {
			head = chart.PadRight(head, 90) + tc[5]
		}
		add(st.Render(st.Muted, head))
	}
	if len(tl) == 0 {
		add(st.Render(st.Muted, "  no events"))
	}
	for _, l := range tl {
		add(l)
	}
	if len(p.Decisions) > 0 {
		add("")
		add(st.Render(st.Header, fmt.Sprintf("Decisions of the campaign engine (%d)", len(p.Decisions))))
		for _, d := range p.Decisions {
			conv := ""
			if d.Converted {
				conv = "converted"
			}
			add(fmt.Sprintf("  %s %s %s p=%.3f %s", fmtTime(d.Time), chart.PadRight(chart.Sanitize(d.Trigger), 13), chart.PadRight(chart.Sanitize(d.Action), 14), d.Propensity, conv))
		}
	}
	s.lines = L
	s.clampScroll()
}

func fmtTime(ms int64) string {
	if ms == 0 {
		return "                "
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04")
}
