package journeys

import (
	"context"
	"fmt"
	"strconv"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/screens/customers"
)

// WhoList is the pane listing the customers behind a cell of an analysis
// (a Sankey node or band, a variant, a funnel bar, a transition, an
// attribution bar, a cluster or a segment): the total, the first customers
// by id with the identifier that names them, a `/` filter, and enter to
// open a customer's unified profile. esc closes the profile, then the list.
type WhoList struct {
	c           *app.Common
	kind        string
	w, h        int
	open        bool
	title       string
	res         *workspace.WhoResult
	loading     bool
	err         error
	rows        []int // indexes into res.Customers passing the filter
	cur, off    int
	filter      app.ListFilter
	profile     *customers.ProfileView
	showProfile bool
	keys        whoKeys
}

type whoKeys struct {
	keys.List
	open, filter, back key.Binding
}

// NewWhoList returns a closed list whose queries run under kind and whose
// profiles under profileKind.
func NewWhoList(c *app.Common, kind, profileKind string) *WhoList {
	return &WhoList{
		c: c, kind: kind, filter: app.NewListFilter(),
		profile: customers.NewProfileView(c, profileKind),
		keys: whoKeys{
			List:   keys.DefaultList(),
			open:   bind("enter", "enter", "open profile"),
			filter: bind("/", "/", "filter list"),
			back:   bind("esc", "esc", "back"),
		},
	}
}

// Open reports whether the list is shown.
func (l *WhoList) Open() bool { return l.open }

// Result is the list shown (nil while it loads).
func (l *WhoList) Result() *workspace.WhoResult { return l.res }

// ProfileShown reports whether a customer's profile is shown over the list.
func (l *WhoList) ProfileShown() bool { return l.showProfile }

// Profile is the profile view of the list.
func (l *WhoList) Profile() *customers.ProfileView { return l.profile }

// Capturing reports whether the filter input has focus.
func (l *WhoList) Capturing() bool { return l.open && !l.showProfile && l.filter.Focused() }

// SetSize sets the pane's size.
func (l *WhoList) SetSize(w, h int) {
	l.w, l.h = w, h
	l.profile.SetSize(w, h)
}

// Show opens the list titled title and starts the query q, which names the
// customers behind the cell through the backend's workspace.
func (l *WhoList) Show(title string, q func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error)) tea.Cmd {
	l.open, l.showProfile = true, false
	l.title, l.res, l.err, l.loading = title, nil, nil, true
	l.rows, l.cur, l.off = nil, 0, 0
	l.filter.Clear()
	b := l.c.Backend
	return b.RunLabel(context.Background(), l.kind, "listing the customers", func(ctx context.Context) (any, error) {
		return q(ctx, b.Workspace())
	})
}

// Close hides the list.
func (l *WhoList) Close() {
	l.open, l.showProfile = false, false
	l.c.Backend.CancelKind(l.kind)
	l.c.Backend.CancelKind(l.profile.Kind())
}

func (l *WhoList) refilter() {
	l.rows = l.rows[:0]
	if l.res == nil {
		return
	}
	for i, c := range l.res.Customers {
		if l.filter.Match(strconv.FormatInt(c.ID, 10), c.Identifier) {
			l.rows = append(l.rows, i)
		}
	}
	l.cur = chart.Clamp(l.cur, 0, max(len(l.rows)-1, 0))
}

// Update handles the list's and its profile's results and keys. closed
// reports that the list was closed by this message.
func (l *WhoList) Update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case backend.ResultMsg:
		switch msg.Kind {
		case l.kind:
			l.loading = false
			if msg.Err != nil {
				l.err = msg.Err
				if msg.Cancelled() {
					l.err = fmt.Errorf("cancelled")
				}
				return false, nil
			}
			l.res, _ = msg.Value.(*workspace.WhoResult)
			l.refilter()
		case l.profile.Kind():
			if done, cmd := l.profile.Update(msg); done {
				l.showProfile = false
				return false, cmd
			}
		}
		return false, nil
	case app.DataChangedMsg:
		if l.open {
			l.Close()
			return true, nil
		}
		return false, nil
	case app.FiltersChangedMsg:
		_, cmd := l.profile.Update(msg)
		return false, cmd
	case tea.KeyMsg:
		if !l.open {
			return false, nil
		}
		if l.showProfile {
			if done, cmd := l.profile.Update(msg); done {
				l.showProfile = false
				return false, cmd
			} else {
				return false, cmd
			}
		}
		if l.filter.Focused() {
			var changed bool
			l.filter, cmd, changed = l.filter.Update(msg)
			if changed {
				l.refilter()
			}
			return false, cmd
		}
		return l.key(msg)
	}
	if l.filter.Focused() {
		l.filter, cmd, _ = l.filter.Update(msg)
	}
	return false, cmd
}

func (l *WhoList) key(msg tea.KeyMsg) (bool, tea.Cmd) {
	k := l.keys
	if pos, ok := k.List.Move(msg, l.cur, len(l.rows), l.listRows()); ok {
		l.cur = pos
		return false, nil
	}
	switch {
	case key.Matches(msg, k.back):
		if l.filter.Active() {
			l.filter.Clear()
			l.refilter()
			return false, nil
		}
		l.Close()
		return true, nil
	case key.Matches(msg, k.filter):
		return false, l.filter.Focus()
	case key.Matches(msg, k.open):
		if l.cur >= 0 && l.cur < len(l.rows) {
			c := l.res.Customers[l.rows[l.cur]]
			l.showProfile = true
			return false, l.profile.Open(c.ID, c.Identifier)
		}
	}
	l.cur = chart.Clamp(l.cur, 0, max(len(l.rows)-1, 0))
	return false, nil
}

// OpenSelected opens the profile of the selected customer (as enter does).
func (l *WhoList) OpenSelected() tea.Cmd {
	_, cmd := l.key(tea.KeyMsg{Type: tea.KeyEnter})
	return cmd
}

func (l *WhoList) listRows() int {
	n := l.h - 3
	if l.filter.Focused() || l.filter.Active() {
		n--
	}
	return max(n, 0)
}

// View draws the list (or the profile over it) in exactly the size set.
func (l *WhoList) View() string {
	if l.w <= 0 || l.h <= 0 {
		return ""
	}
	if l.showProfile {
		return l.profile.View()
	}
	st := l.c.Styles
	lines := []string{st.Render(st.Title, chart.Truncate("Customers behind "+chart.Sanitize(l.title), l.w))}
	switch {
	case l.loading:
		lines = append(lines, st.Render(st.Muted, "listing the customers…  (esc cancels)"))
		return chart.Block(lines, l.w, l.h)
	case l.err != nil:
		lines = append(lines, st.Render(st.Error, chart.Sanitize(firstLine(l.err.Error()))), st.Render(st.Muted, "esc goes back"))
		return chart.Block(lines, l.w, l.h)
	case l.res == nil:
		return chart.Block(lines, l.w, l.h)
	}
	note := fmt.Sprintf("%s customers", chart.FormatCount(float64(l.res.Total)))
	if int64(len(l.res.Customers)) < l.res.Total {
		note += fmt.Sprintf(", the first %d by id", len(l.res.Customers))
	}
	if l.filter.Active() {
		note += fmt.Sprintf(" · %d match the filter", len(l.rows))
	}
	note += " · enter opens the profile · esc back"
	lines = append(lines, st.Render(st.Muted, chart.Truncate(note, l.w)))
	if fv := l.filter.View(l.w); fv != "" {
		lines = append(lines, fv)
	}
	idW := 10
	lines = append(lines, "  "+st.Render(st.Header, chart.PadLeft(WhoColumns[0], idW)+"  "+chart.PadRight(WhoColumns[1], max(l.w-idW-4, 1))))
	n := l.listRows()
	if len(l.rows) == 0 {
		msg := "nobody"
		if l.filter.Active() {
			msg = "no customer matches the filter"
		}
		lines = append(lines, st.Render(st.Muted, "  "+msg))
	}
	l.off = chart.ScrollOffset(l.off, l.cur, n, len(l.rows))
	for r := 0; r < n && l.off+r < len(l.rows); r++ {
		i := l.off + r
		c := l.res.Customers[l.rows[i]]
		line := chart.PadLeft(strconv.FormatInt(c.ID, 10), idW) + "  " + chart.Sanitize(c.Identifier)
		if i == l.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, chart.Truncate(line, l.w-2)))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return chart.Block(lines, l.w, l.h)
}

// KeyMap lists the list's keys, or the profile's while it is shown.
func (l *WhoList) KeyMap() help.KeyMap {
	if l.showProfile {
		return l.profile.KeyMap()
	}
	k := l.keys
	if l.filter.Focused() {
		return keyMap{short: []key.Binding{bind("enter", "enter", "keep filter"), bind("esc", "esc", "clear filter")}}
	}
	move := bind("up,down", "↑/↓", "move")
	return keyMap{
		short: []key.Binding{move, k.open, k.filter, k.back},
		full:  [][]key.Binding{k.List.Bindings(), {k.open, k.filter, k.back}},
	}
}
