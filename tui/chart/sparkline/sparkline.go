// Package sparkline is a compact series chart: one column per value drawn
// with the block glyphs ▁▂▃▄▅▆▇█ over one or more lines, with optional
// min/max labels and a caption naming the selected column. A series longer
// than the plot width is resampled into equal buckets, aggregated by mean
// (default) or sum.
package sparkline

import (
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Levels are the glyphs for 1/8 … 8/8 of a line.
var Levels = []string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// Aggregate is how a bucket of values becomes one column.
type Aggregate int

// Aggregates. NaN values are skipped; a bucket with no finite value is a gap.
const (
	Mean Aggregate = iota // arithmetic mean of the bucket
	Sum                   // sum of the bucket (e.g. daily counts into weeks)
)

// Option configures a Model in New.
type Option func(*Model)

// WithStyles sets the styles (default styles.Default()).
func WithStyles(s *styles.Styles) Option { return func(m *Model) { m.styles = s } }

// WithKeyMap sets the keys (default keys.DefaultChart().Horizontal()).
func WithKeyMap(k keys.Chart) Option { return func(m *Model) { m.keys = k } }

// WithID sets the ID copied into SelectedMsg.
func WithID(id string) Option { return func(m *Model) { m.id = id } }

// WithFormat sets how values are printed (default chart.FormatCompact).
func WithFormat(f func(float64) string) Option {
	return func(m *Model) {
		if f != nil {
			m.format = f
		}
	}
}

// WithAggregate sets the bucket aggregate (default Mean).
func WithAggregate(a Aggregate) Option { return func(m *Model) { m.agg = a } }

// WithMinMax shows the series minimum and maximum to the left of the plot.
func WithMinMax() Option { return func(m *Model) { m.minmax = true } }

// WithData sets the initial series and optional per-value labels.
func WithData(values []float64, labels []string) Option {
	return func(m *Model) { m.values, m.labels = values, labels }
}

// WithFocus starts the model focused.
func WithFocus() Option { return func(m *Model) { m.focused = true } }

// Model is the sparkline. Create it with New.
type Model struct {
	styles *styles.Styles
	keys   keys.Chart
	id     string
	format func(float64) string
	agg    Aggregate
	minmax bool

	values []float64
	labels []string
	col    int

	width, height int
	focused       bool
}

// New returns a sparkline of size 0×0 (SetSize before viewing).
func New(opts ...Option) Model {
	m := Model{keys: keys.DefaultChart().Horizontal(), format: chart.FormatCompact}
	for _, o := range opts {
		o(&m)
	}
	if m.styles == nil {
		m.styles = styles.Default()
	}
	return m
}

// SetData replaces the series; labels (optional, e.g. dates) name values in
// the caption and in SelectedMsg.
func (m *Model) SetData(values []float64, labels []string) {
	m.values, m.labels = values, labels
	m.fix()
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

// KeyMap returns the keys, for help views.
func (m Model) KeyMap() keys.Chart { return m.keys }

// Buckets splits n values into k equal buckets: bucket i covers indexes
// [⌊i·n/k⌋, ⌊(i+1)·n/k⌋). With n ≤ k every value is its own bucket.
func Buckets(n, k int) [][2]int {
	if n <= 0 || k <= 0 {
		return nil
	}
	if n <= k {
		out := make([][2]int, n)
		for i := range out {
			out[i] = [2]int{i, i + 1}
		}
		return out
	}
	out := make([][2]int, k)
	for i := range out {
		out[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return out
}

// Resample aggregates values into at most k columns (see Buckets and
// Aggregate). A bucket without finite values yields NaN; infinities are
// skipped like NaN.
func Resample(values []float64, k int, a Aggregate) ([]float64, [][2]int) {
	bs := Buckets(len(values), k)
	out := make([]float64, len(bs))
	for i, b := range bs {
		s, n := 0.0, 0
		for _, v := range values[b[0]:b[1]] {
			if chart.Finite(v) {
				s += v
				n++
			}
		}
		switch {
		case n == 0:
			out[i] = math.NaN()
		case a == Sum:
			out[i] = s
		default:
			out[i] = s / float64(n)
		}
	}
	return out, bs
}

type geom struct {
	labelW, plotW, plotH int
	caption              bool
}

func (m *Model) geom() geom {
	g := geom{plotH: m.height}
	if m.focused && m.height >= 2 {
		g.caption = true
		g.plotH--
	}
	if m.minmax {
		// Labels show the plotted columns' range; size them for the series
		// range and, for sums, the largest possible bucket (the whole sum).
		lo, hi := m.bounds()
		g.labelW = max(chart.Width(m.format(lo)), chart.Width(m.format(hi))) + 1
		if m.agg == Sum {
			pos, neg := 0.0, 0.0
			for _, v := range m.values {
				if chart.Finite(v) && v > 0 {
					pos += v
				} else if chart.Finite(v) {
					neg += v
				}
			}
			g.labelW = max(g.labelW, chart.Width(m.format(pos))+1, chart.Width(m.format(neg))+1)
		}
		// Bucket means can print wider than the series bounds ("2196.4").
		if cols, _ := Resample(m.values, m.width-g.labelW, m.agg); len(cols) > 0 {
			for _, v := range cols {
				if chart.Finite(v) {
					g.labelW = max(g.labelW, chart.Width(m.format(v))+1)
				}
			}
		}
		if g.labelW*3 > m.width {
			g.labelW = 0
		}
	}
	g.plotW = max(m.width-g.labelW, 0)
	return g
}

func (m *Model) bounds() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range m.values {
		if chart.Finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

func (m *Model) fix() {
	n := len(Buckets(len(m.values), m.geom().plotW))
	m.col = chart.Clamp(m.col, 0, n-1)
}

// Update moves the selected column with left/right (home/end to the ends)
// and on enter returns a command emitting chart.SelectedMsg with Col the
// column, Index the first series index of its bucket and Value the bucket
// aggregate. Keys are ignored while blurred.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !m.focused || len(m.values) == 0 {
		return m, nil
	}
	switch {
	case key.Matches(km, m.keys.Left):
		m.col--
	case key.Matches(km, m.keys.Right):
		m.col++
	case key.Matches(km, m.keys.Home):
		m.col = 0
	case key.Matches(km, m.keys.End):
		m.col = len(m.values)
	case key.Matches(km, m.keys.Select):
		cols, bs := Resample(m.values, m.geom().plotW, m.agg)
		if len(cols) == 0 {
			return m, nil
		}
		return m, chart.Select(chart.SelectedMsg{Component: chart.KindSparkline, ID: m.id,
			Index: bs[m.col][0], Row: -1, Col: m.col, Label: m.label(bs[m.col]), Value: cols[m.col]})
	default:
		return m, nil
	}
	m.fix()
	return m, nil
}

func (m Model) label(b [2]int) string {
	name := func(i int) string {
		if i < len(m.labels) {
			return chart.Sanitize(m.labels[i])
		}
		return "#" + chart.FormatCount(float64(i+1))
	}
	if b[1]-b[0] <= 1 {
		return name(b[0])
	}
	return name(b[0]) + "–" + name(b[1]-1)
}

// View draws the sparkline in exactly Width×Height cells; the min/max
// labels give the range of the plotted columns. Each column's
// height in eighths of a line is 1 + round((v−min)/(max−min)·(8·lines−1)),
// so the minimum shows as ▁ and the maximum fills every line; a constant
// series is drawn at half height and gaps (NaN buckets) are blank.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.styles
	g := m.geom()
	cols, bs := Resample(m.values, g.plotW, m.agg)
	if len(cols) == 0 {
		return chart.Block([]string{st.Render(st.Muted, "no data")}, w, h)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range cols {
		if chart.Finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	total := 8 * g.plotH
	eighths := make([]int, len(cols))
	for i, v := range cols {
		switch {
		case !chart.Finite(v):
			eighths[i] = 0
		case hi > lo:
			eighths[i] = 1 + int(math.Round((v-lo)/(hi-lo)*float64(total-1)))
		default:
			eighths[i] = max(total/2, 1)
		}
	}
	slo, shi := lo, hi
	lines := make([]string, 0, h)
	for r := 0; r < g.plotH; r++ {
		base := 8 * (g.plotH - 1 - r) // eighths below this line
		var b strings.Builder
		if g.labelW > 0 {
			lab := ""
			if r == 0 {
				lab = m.format(shi)
			}
			if r == g.plotH-1 && (g.plotH > 1 || lab == "") {
				lab = m.format(slo)
			}
			b.WriteString(st.Render(st.Muted, chart.PadLeft(lab, g.labelW-1)+" "))
		}
		for i, e := range eighths {
			glyph := " "
			if e > base {
				glyph = Levels[min(e-base, 8)-1]
			}
			if m.focused && i == m.col {
				if glyph == " " {
					glyph = "┊"
				}
				b.WriteString(st.Render(st.Cursor, glyph))
			} else {
				b.WriteString(st.Render(st.Spark, glyph))
			}
		}
		lines = append(lines, b.String())
	}
	if g.caption {
		c := chart.Clamp(m.col, 0, len(cols)-1)
		x := g.labelW + c // the ▲ sits under the selected column
		text := m.label(bs[c]) + ": " + m.format(cols[c])
		tw := chart.Width(text)
		switch {
		case x+2+tw <= w:
			lines = append(lines, strings.Repeat(" ", x)+st.Render(st.Cursor, "▲")+" "+st.Render(st.Caption, text))
		case x-1-tw >= 0:
			lines = append(lines, strings.Repeat(" ", x-1-tw)+st.Render(st.Caption, text)+" "+st.Render(st.Cursor, "▲"))
		default:
			lines = append(lines, strings.Repeat(" ", x)+st.Render(st.Cursor, "▲"))
		}
	}
	return chart.Block(lines, w, h)
}
