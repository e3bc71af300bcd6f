// Package heatmap is a matrix chart component: row labels on the left,
// column labels on top, one shaded cell per value, and a caption line naming
// the selected cell and its value. Shading uses the density characters
// " ░▒▓█" always (so it reads without colour, and in the ANSI-stripped view),
// coloured along the styles' ramp when colour is available. Labels stay in
// place while the cells scroll when the matrix is larger than the area.
package heatmap

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Shades are the density glyphs by level: 0 for the lowest value of the
// scale, 4 for the highest.
var Shades = []string{" ", "░", "▒", "▓", "█"}

// Missing is drawn for NaN (no value) cells.
const Missing = "·"

// Option configures a Model in New.
type Option func(*Model)

// WithStyles sets the styles (default styles.Default()).
func WithStyles(s *styles.Styles) Option { return func(m *Model) { m.styles = s } }

// WithKeyMap sets the navigation keys (default keys.DefaultChart()).
func WithKeyMap(k keys.Chart) Option { return func(m *Model) { m.keys = k } }

// WithID sets the ID copied into SelectedMsg.
func WithID(id string) Option { return func(m *Model) { m.id = id } }

// WithFormat sets how values are printed in the caption (default
// chart.FormatCount).
func WithFormat(f func(float64) string) Option {
	return func(m *Model) {
		if f != nil {
			m.format = f
		}
	}
}

// WithCaption sets the caption text for the selected cell (default
// "row → col  value").
func WithCaption(f func(row, col string, value float64) string) Option {
	return func(m *Model) { m.caption = f }
}

// WithMaxLabelWidth caps the row label column (default 18 cells).
func WithMaxLabelWidth(n int) Option { return func(m *Model) { m.maxLabel = n } }

// WithMaxCellWidth caps the cell width (default 8 cells, minimum 4).
func WithMaxCellWidth(n int) Option { return func(m *Model) { m.maxCell = max(n, 4) } }

// WithData sets the initial matrix (see SetData).
func WithData(rows, cols []string, values [][]float64) Option {
	return func(m *Model) { m.rowLabels, m.colLabels, m.values = rows, cols, values }
}

// Scale is how values map to shade intensity.
type Scale int

// Scales. Log suits skewed counts (a few very common transitions): the
// intensity is log(1+v−lo)/log(1+hi−lo) instead of (v−lo)/(hi−lo).
const (
	Linear Scale = iota
	Log
)

// WithScale sets the intensity scale (default Linear).
func WithScale(s Scale) Option { return func(m *Model) { m.scale = s } }

// WithFocus starts the model focused.
func WithFocus() Option { return func(m *Model) { m.focused = true } }

// Model is the heat map. Create it with New.
type Model struct {
	styles   *styles.Styles
	keys     keys.Chart
	id       string
	format   func(float64) string
	caption  func(row, col string, value float64) string
	maxLabel int
	maxCell  int
	scale    Scale

	rowLabels, colLabels []string
	values               [][]float64
	lo, hi               float64 // scale

	row, col       int
	rowOff, colOff int
	width, height  int
	focused        bool
}

// New returns a heat map of size 0×0 (SetSize before viewing).
func New(opts ...Option) Model {
	m := Model{keys: keys.DefaultChart(), format: chart.FormatCount, maxLabel: 18, maxCell: 8}
	for _, o := range opts {
		o(&m)
	}
	if m.styles == nil {
		m.styles = styles.Default()
	}
	if m.caption == nil {
		m.caption = func(r, c string, v float64) string { return r + " → " + c + "  " + m.format(v) }
	}
	m.SetData(m.rowLabels, m.colLabels, m.values)
	return m
}

// SetData replaces the matrix: values[r][c] is the value at row r, column
// c. Missing entries (ragged rows) and NaN are drawn as Missing. The shading
// scale runs from min(0, smallest finite value) to the largest finite value.
// The selection is kept where it still fits.
func (m *Model) SetData(rows, cols []string, values [][]float64) {
	m.rowLabels, m.colLabels, m.values = rows, cols, values
	m.lo, m.hi = 0, math.Inf(-1)
	for r := range rows {
		for c := range cols {
			v := m.Value(r, c)
			if chart.Finite(v) {
				m.lo = math.Min(m.lo, v)
				m.hi = math.Max(m.hi, v)
			}
		}
	}
	m.fix()
}

// Value returns values[r][c], or NaN when absent.
func (m Model) Value(r, c int) float64 {
	if r < 0 || r >= len(m.values) || c < 0 || c >= len(m.values[r]) {
		return math.NaN()
	}
	return m.values[r][c]
}

// SetSize sets the area the view must fit: w cells by h lines.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.fix()
}

// Width and Height return the size set by SetSize.
func (m Model) Width() int  { return m.width }
func (m Model) Height() int { return m.height }

// Focus makes the model react to keys and show its selection.
func (m *Model) Focus() { m.focused = true }

// Blur stops key handling and hides the selection.
func (m *Model) Blur() { m.focused = false }

// Focused reports the focus state.
func (m Model) Focused() bool { return m.focused }

// KeyMap returns the navigation keys, for help views.
func (m Model) KeyMap() keys.Chart { return m.keys }

// Selected returns the selected row and column; ok is false for an empty
// matrix.
func (m Model) Selected() (row, col int, ok bool) {
	if len(m.rowLabels) == 0 || len(m.colLabels) == 0 {
		return -1, -1, false
	}
	return m.row, m.col, true
}

// SetSelected moves the selection to (row, col), clamped to the matrix.
func (m *Model) SetSelected(row, col int) {
	m.row, m.col = row, col
	m.fix()
}

// Intensity maps v onto [0, 1] on the scale [lo, hi]: (v−lo)/(hi−lo) for
// Linear, log(1+v−lo)/log(1+hi−lo) for Log, clamped; 1 for any v > lo when
// hi ≤ lo; NaN for NaN.
func Intensity(v, lo, hi float64, s Scale) float64 {
	switch {
	case math.IsNaN(v):
		return math.NaN()
	case v <= lo:
		return 0
	case !(hi > lo) || v >= hi:
		return 1
	}
	if s == Log {
		return math.Log1p(v-lo) / math.Log1p(hi-lo)
	}
	return (v - lo) / (hi - lo)
}

// Level maps an intensity t to a shade level: 0 for t ≤ 0, otherwise
// ⌈4·t⌉ clamped to 1–4, so any value above the bottom of the scale is
// visible; -1 for NaN.
func Level(t float64) int {
	if math.IsNaN(t) {
		return -1
	}
	if t <= 0 {
		return 0
	}
	return chart.Clamp(int(math.Ceil(4*t)), 1, 4)
}

type geom struct {
	header, caption, legend bool
	gridH                   int
	labelW                  int // row label width (excluding the marker column)
	cellW                   int
	visCols                 int
	numbers                 bool // column labels too long for the cells: show column numbers
}

func (m *Model) geom() geom {
	var g geom
	h, w := m.height, m.width
	g.header = h >= 2
	g.caption = h >= 3
	g.legend = h >= 8
	g.gridH = h
	for _, b := range []bool{g.header, g.caption, g.legend} {
		if b {
			g.gridH--
		}
	}
	lw := 0
	for _, l := range m.rowLabels {
		lw = max(lw, chart.Width(chart.Sanitize(l)))
	}
	g.labelW = min(lw, m.maxLabel, max(w/3, 3))
	avail := w - 2 - g.labelW // marker, labels, one space
	cl := 0
	for _, l := range m.colLabels {
		cl = max(cl, chart.Width(chart.Sanitize(l)))
	}
	want := chart.Clamp(cl+1, 4, max(m.maxCell, 4))
	n := max(len(m.colLabels), 1)
	g.cellW = chart.Clamp(avail/n, 4, want)
	g.numbers = g.cellW-1 < cl && g.cellW-1 < 4
	if avail < g.cellW {
		g.cellW = max(avail, 0)
	}
	if g.cellW > 0 {
		g.visCols = avail / g.cellW
	}
	return g
}

func (m *Model) fix() {
	nr, nc := len(m.rowLabels), len(m.colLabels)
	m.row = chart.Clamp(m.row, 0, nr-1)
	m.col = chart.Clamp(m.col, 0, nc-1)
	g := m.geom()
	m.rowOff = chart.ScrollOffset(m.rowOff, m.row, g.gridH, nr)
	m.colOff = chart.ScrollOffset(m.colOff, m.col, g.visCols, nc)
}

// Update moves the selected cell (arrows/hjkl, pgup/pgdown by a screen of
// rows, home/end to the first/last cell) and on enter returns a command
// emitting chart.SelectedMsg with Row, Col and Index = Row·cols + Col.
// Keys are ignored while blurred.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	nr, nc := len(m.rowLabels), len(m.colLabels)
	if !ok || !m.focused || nr == 0 || nc == 0 {
		return m, nil
	}
	page := max(m.geom().gridH, 1)
	switch {
	case key.Matches(km, m.keys.Up):
		m.row--
	case key.Matches(km, m.keys.Down):
		m.row++
	case key.Matches(km, m.keys.Left):
		m.col--
	case key.Matches(km, m.keys.Right):
		m.col++
	case key.Matches(km, m.keys.PageUp):
		m.row -= page
	case key.Matches(km, m.keys.PageDown):
		m.row += page
	case key.Matches(km, m.keys.Home):
		m.row, m.col = 0, 0
	case key.Matches(km, m.keys.End):
		m.row, m.col = nr-1, nc-1
	case key.Matches(km, m.keys.Select):
		return m, chart.Select(chart.SelectedMsg{Component: chart.KindHeatMap, ID: m.id,
			Index: m.row*nc + m.col, Row: m.row, Col: m.col,
			Label: m.rowLabels[m.row] + " → " + m.colLabels[m.col], Value: m.Value(m.row, m.col)})
	default:
		return m, nil
	}
	m.fix()
	return m, nil
}

// View draws the heat map in exactly Width×Height cells.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.styles
	nr, nc := len(m.rowLabels), len(m.colLabels)
	if nr == 0 || nc == 0 {
		return chart.Block([]string{st.Render(st.Muted, "  no data")}, w, h)
	}
	g := m.geom()
	rowOff := chart.ScrollOffset(m.rowOff, m.row, g.gridH, nr)
	colOff := chart.ScrollOffset(m.colOff, m.col, g.visCols, nc)
	lastCol := min(colOff+g.visCols, nc)
	var lines []string

	if g.header {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", 2+g.labelW))
		for c := colOff; c < lastCol; c++ {
			mark := " "
			if m.focused && c == m.col {
				mark = st.Render(st.Cursor, "▾")
			}
			lab := chart.PadRight(chart.Sanitize(m.colLabels[c]), g.cellW-1)
			if g.numbers {
				lab = chart.PadLeft(fmt.Sprint(c+1), g.cellW-1)
			}
			if m.focused && c == m.col {
				lab = st.Render(st.Selected, lab)
			} else {
				lab = st.Render(st.Header, lab)
			}
			b.WriteString(mark + lab)
		}
		lines = append(lines, b.String())
	}
	for r := rowOff; r < nr && r < rowOff+g.gridH; r++ {
		var b strings.Builder
		selRow := m.focused && r == m.row
		if selRow {
			b.WriteString(st.Render(st.Cursor, "▸"))
		} else {
			b.WriteString(" ")
		}
		lab := chart.PadRight(chart.Sanitize(m.rowLabels[r]), g.labelW) + " "
		if selRow {
			b.WriteString(st.Render(st.Selected, lab))
		} else {
			b.WriteString(st.Render(st.Label, lab))
		}
		for c := colOff; c < lastCol; c++ {
			b.WriteString(m.cell(r, c, g.cellW))
		}
		lines = append(lines, b.String())
	}
	if g.caption {
		capt := chart.Sanitize(m.caption(m.rowLabels[m.row], m.colLabels[m.col], m.Value(m.row, m.col)))
		var scroll string
		if nr > g.gridH || nc > g.visCols {
			scroll = fmt.Sprintf(" rows %d–%d/%d cols %d–%d/%d", rowOff+1, min(rowOff+g.gridH, nr), nr, colOff+1, lastCol, nc)
		}
		capt = chart.PadRight(" "+capt, max(w-chart.Width(scroll), 1))
		lines = append(lines, st.Render(st.Caption, capt)+st.Render(st.Muted, scroll))
	}
	if g.legend {
		var b strings.Builder
		b.WriteString(" scale ")
		for l := 1; l <= 4; l++ {
			b.WriteString(m.shade(l, float64(l)/4) + " ")
		}
		hi := m.hi
		if math.IsInf(hi, -1) {
			hi = math.NaN()
		}
		scale := ""
		if m.scale == Log {
			scale = " (log)"
		}
		b.WriteString(st.Render(st.Muted, fmt.Sprintf("%s to %s%s  %s no value", m.format(m.lo), m.format(hi), scale, Missing)))
		lines = append(lines, b.String())
	}
	return chart.Block(lines, w, h)
}

func (m Model) shade(level int, t float64) string {
	if level < 0 {
		return m.styles.Render(m.styles.Muted, Missing)
	}
	return m.styles.Render(m.styles.RampAt(t), Shades[level])
}

// cell draws one cell of width cw: a gap then cw−1 shade glyphs; the
// selected cell is bracketed "[▓▓]".
func (m Model) cell(r, c, cw int) string {
	if cw <= 0 {
		return ""
	}
	t := Intensity(m.Value(r, c), m.lo, m.hi, m.scale)
	lvl := Level(t)
	glyph := Missing
	if lvl >= 0 {
		glyph = Shades[lvl]
	}
	st := m.styles
	paint := func(n int) string {
		if n <= 0 {
			return ""
		}
		if lvl < 0 {
			return st.Render(st.Muted, glyph) + strings.Repeat(" ", n-1)
		}
		return st.Render(st.RampAt(t), strings.Repeat(glyph, n))
	}
	if m.focused && r == m.row && c == m.col {
		if cw < 3 {
			return st.Render(st.Cursor, "[") + paint(cw-1)
		}
		return st.Render(st.Cursor, "[") + paint(cw-2) + st.Render(st.Cursor, "]")
	}
	return " " + paint(cw-1)
}
