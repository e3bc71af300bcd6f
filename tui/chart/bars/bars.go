// Package bars is a horizontal bar chart component: one line per item with a
// label, a bar whose length is proportional to the value (eighth-block
// precision), the formatted value and an optional note. An item may carry a
// remainder drawn as a lighter segment after the solid one — a funnel step
// shows the customers who reached it as the solid bar and those who dropped
// off since the previous step as the remainder.
package bars

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Item is one bar.
type Item struct {
	Label string
	// Value is the length of the solid segment. Negative, NaN and infinite
	// values draw no bar; their formatted value is still shown.
	Value float64
	// Remainder is drawn after the solid segment with a lighter glyph (░);
	// zero for none. The scale is the largest Value+Remainder.
	Remainder float64
	// Note is secondary text after the value (e.g. "62.5% · −1,200");
	// dropped first when the width is short.
	Note string
}

// Order is the display order of the bars.
type Order int

// Orders. Sorting is stable and puts NaN values last.
const (
	Given Order = iota
	Descending
	Ascending
)

// Option configures a Model in New.
type Option func(*Model)

// WithStyles sets the styles (default styles.Default()).
func WithStyles(s *styles.Styles) Option { return func(m *Model) { m.styles = s } }

// WithKeyMap sets the navigation keys (default keys.DefaultChart().Vertical()).
func WithKeyMap(k keys.Chart) Option { return func(m *Model) { m.keys = k } }

// WithID sets the ID copied into SelectedMsg.
func WithID(id string) Option { return func(m *Model) { m.id = id } }

// WithFormat sets how values are printed (default chart.FormatCount).
func WithFormat(f func(float64) string) Option {
	return func(m *Model) {
		if f != nil {
			m.format = f
		}
	}
}

// WithOrder sets the display order (default Given).
func WithOrder(o Order) Option { return func(m *Model) { m.order = o } }

// WithMaxLabelWidth caps the label column (default 24 cells).
func WithMaxLabelWidth(n int) Option { return func(m *Model) { m.maxLabel = n } }

// WithItems sets the initial data.
func WithItems(items []Item) Option { return func(m *Model) { m.items = items } }

// WithFocus starts the model focused.
func WithFocus() Option { return func(m *Model) { m.focused = true } }

// Model is the bar chart. The zero value is not usable; call New.
type Model struct {
	styles   *styles.Styles
	keys     keys.Chart
	id       string
	format   func(float64) string
	order    Order
	maxLabel int

	items   []Item
	perm    []int // display position → index in items
	sel     int   // display position
	offset  int   // first visible display position
	width   int
	height  int
	focused bool
}

// New returns a bar chart of size 0×0 (SetSize before viewing).
func New(opts ...Option) Model {
	m := Model{keys: keys.DefaultChart().Vertical(), format: chart.FormatCount, maxLabel: 24}
	for _, o := range opts {
		o(&m)
	}
	if m.styles == nil {
		m.styles = styles.Default()
	}
	m.SetData(m.items)
	return m
}

// SetSize sets the area the view must fit: w cells by h lines.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.fix()
}

// Width and Height return the size set by SetSize.
func (m Model) Width() int  { return m.width }
func (m Model) Height() int { return m.height }

// SetData replaces the items. The selection is kept on the same item index
// when it still exists.
func (m *Model) SetData(items []Item) {
	prev := -1
	if m.sel < len(m.perm) {
		prev = m.perm[m.sel]
	}
	m.items = items
	m.perm = make([]int, len(items))
	for i := range m.perm {
		m.perm[i] = i
	}
	key := func(i int) float64 {
		v := items[m.perm[i]].Value
		if math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	switch m.order {
	case Descending:
		sort.SliceStable(m.perm, func(a, b int) bool { return key(a) > key(b) })
	case Ascending:
		sort.SliceStable(m.perm, func(a, b int) bool {
			ka, kb := key(a), key(b)
			if math.IsInf(ka, -1) != math.IsInf(kb, -1) {
				return !math.IsInf(ka, -1)
			}
			return ka < kb
		})
	}
	m.sel = 0
	for i, p := range m.perm {
		if p == prev {
			m.sel = i
		}
	}
	m.fix()
}

// Items returns the data as given.
func (m Model) Items() []Item { return m.items }

// Focus makes the model react to keys and show its selection.
func (m *Model) Focus() { m.focused = true }

// Blur stops key handling and hides the selection marker.
func (m *Model) Blur() { m.focused = false }

// Focused reports the focus state.
func (m Model) Focused() bool { return m.focused }

// KeyMap returns the navigation keys, for help views.
func (m Model) KeyMap() keys.Chart { return m.keys }

// Selected returns the selected item's index in the data as given; ok is
// false when there is no data.
func (m Model) Selected() (index int, ok bool) {
	if len(m.perm) == 0 {
		return -1, false
	}
	return m.perm[m.sel], true
}

// SetSelected selects the item with the given data index (ignored when out
// of range).
func (m *Model) SetSelected(index int) {
	for i, p := range m.perm {
		if p == index {
			m.sel = i
			m.fix()
			return
		}
	}
}

func (m *Model) rows() int {
	n := len(m.perm)
	if n > m.height && m.height >= 2 {
		return m.height - 1 // the last line tells the scroll position
	}
	return m.height
}

func (m *Model) fix() {
	n := len(m.perm)
	m.sel = chart.Clamp(m.sel, 0, n-1)
	m.offset = chart.ScrollOffset(m.offset, m.sel, m.rows(), n)
}

// Update moves the selection (up/down, paging, home/end) and on enter returns
// a command emitting chart.SelectedMsg. Keys are ignored while blurred.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !m.focused || len(m.perm) == 0 {
		return m, nil
	}
	page := max(m.rows(), 1)
	switch {
	case key.Matches(km, m.keys.Up):
		m.sel--
	case key.Matches(km, m.keys.Down):
		m.sel++
	case key.Matches(km, m.keys.PageUp):
		m.sel -= page
	case key.Matches(km, m.keys.PageDown):
		m.sel += page
	case key.Matches(km, m.keys.Home):
		m.sel = 0
	case key.Matches(km, m.keys.End):
		m.sel = len(m.perm) - 1
	case key.Matches(km, m.keys.Select):
		i := m.perm[m.sel]
		it := m.items[i]
		return m, chart.Select(chart.SelectedMsg{Component: chart.KindBars, ID: m.id,
			Index: i, Row: i, Col: -1, Label: it.Label, Value: it.Value})
	default:
		return m, nil
	}
	m.fix()
	return m, nil
}

var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar draws value v followed by remainder r in exactly w cells, on the
// scale where top fills all w cells. The solid part has eighth-cell
// precision, length round(8·w·v/top) eighths (at least one eighth when
// v > 0); the remainder fills whole cells up to round(w·(v+r)/top).
// It returns the solid and remainder strings and the trailing padding.
func Bar(v, r, top float64, w int) (solid, rest, pad string) {
	if w <= 0 {
		return "", "", ""
	}
	if !(top > 0) || math.IsInf(top, 0) {
		return "", "", strings.Repeat(" ", w)
	}
	if !chart.Finite(v) || v < 0 {
		v = 0
	}
	if !chart.Finite(r) || r < 0 {
		r = 0
	}
	e := int(math.Round(v / top * float64(w*8)))
	if e == 0 && v > 0 {
		e = 1
	}
	e = chart.Clamp(e, 0, w*8)
	full, part := e/8, e%8
	solid = strings.Repeat("█", full) + eighths[part]
	used := full
	if part > 0 {
		used++
	}
	total := int(math.Round((v + r) / top * float64(w)))
	n := chart.Clamp(total-used, 0, w-used)
	rest = strings.Repeat("░", n)
	return solid, rest, strings.Repeat(" ", w-used-n)
}

type layout struct{ label, bar, value, note int }

// plan splits avail cells between label, bar, value and note columns (with
// one space between columns): the bar gets at least minBar cells when
// possible; labels shrink first, then the note is dropped, then labels
// shrink further, then the bar goes.
func plan(avail, lw, vw, nw int) layout {
	const minBar = 10
	l := layout{label: lw, value: vw, note: nw}
	rest := func() int {
		r := avail - l.label - 1 - l.value
		if l.note > 0 {
			r -= l.note + 1
		}
		return r - 1
	}
	if b := rest(); b < minBar {
		l.label = max(min(lw, 8), l.label-(minBar-b))
	}
	if b := rest(); b < minBar && l.note > 0 {
		l.note = 0
	}
	if b := rest(); b < minBar {
		l.label = max(min(lw, 3), l.label-(minBar-b))
	}
	l.bar = rest()
	if l.bar < 1 {
		l.bar = 0
	}
	return l
}

// View draws the chart in exactly Width×Height cells.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.styles
	if len(m.perm) == 0 {
		return chart.Block([]string{st.Render(st.Muted, "  no data")}, w, h)
	}
	labels := make([]string, len(m.items))
	values := make([]string, len(m.items))
	notes := make([]string, len(m.items))
	lw, vw, nw := 0, 0, 0
	top := 0.0
	for i, it := range m.items {
		labels[i] = chart.Sanitize(it.Label)
		values[i] = chart.Sanitize(m.format(it.Value))
		notes[i] = chart.Sanitize(it.Note)
		lw = max(lw, chart.Width(labels[i]))
		vw = max(vw, chart.Width(values[i]))
		nw = max(nw, chart.Width(notes[i]))
		s := 0.0
		if chart.Finite(it.Value) && it.Value > 0 {
			s += it.Value
		}
		if chart.Finite(it.Remainder) && it.Remainder > 0 {
			s += it.Remainder
		}
		top = math.Max(top, s)
	}
	lw = min(lw, max(m.maxLabel, 1))
	const marker = 2
	l := plan(w-marker, lw, vw, nw)

	rows := m.rows()
	off := chart.ScrollOffset(m.offset, m.sel, rows, len(m.perm))
	lines := make([]string, 0, h)
	for p := off; p < len(m.perm) && p < off+rows; p++ {
		i := m.perm[p]
		it := m.items[i]
		selected := m.focused && p == m.sel
		var b strings.Builder
		if selected {
			b.WriteString(st.Render(st.Cursor, "▸ "))
		} else {
			b.WriteString("  ")
		}
		lab := chart.PadRight(labels[i], l.label)
		if selected {
			lab = st.Render(st.Selected, lab)
		} else {
			lab = st.Render(st.Label, lab)
		}
		b.WriteString(lab)
		if l.bar > 0 {
			solid, rest, pad := Bar(it.Value, it.Remainder, top, l.bar)
			b.WriteString(" ")
			b.WriteString(st.Render(st.Bar, solid))
			b.WriteString(st.Render(st.BarRemainder, rest))
			b.WriteString(pad)
		}
		b.WriteString(" ")
		b.WriteString(st.Render(st.Value, chart.PadLeft(values[i], l.value)))
		if l.note > 0 {
			b.WriteString(" ")
			b.WriteString(st.Render(st.Muted, chart.PadRight(notes[i], l.note)))
		}
		lines = append(lines, b.String())
	}
	if rows < h {
		last := min(off+rows, len(m.perm))
		lines = append(lines, st.Render(st.Muted, fmt.Sprintf("  %d–%d of %d", off+1, last, len(m.perm))))
	}
	return chart.Block(lines, w, h)
}
