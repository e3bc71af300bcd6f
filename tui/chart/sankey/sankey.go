// Package sankey draws a path/flow analysis as a Sankey diagram in the
// terminal: one column per step, node boxes whose heights are proportional
// to the customers at that node (at least one line), and bands between
// adjacent columns whose thickness is proportional to the customers moving
// along each link. "Other" bucket nodes are drawn with ▒ and drop-off nodes
// with ✕ so the stripped view still tells them apart.
//
// When the steps do not fit the width, the view shows as many whole steps as
// fit (at least 12 cells per node column and 8 per band) and scrolls across
// steps as the selection moves left and right.
//
// Navigation walks the graph: up/down move between the nodes of a step;
// right from a node selects its largest outgoing link, right again its
// target node; left goes back the same way; on a link, up/down move between
// the links leaving the same node. Enter emits chart.SelectedMsg for the
// node or link.
package sankey

import (
	"fmt"
	"sort"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// NodeKind distinguishes ordinary step values from the buckets a flow
// analysis adds.
type NodeKind int

// Node kinds.
const (
	Step    NodeKind = iota // an ordinary step value (an event or channel)
	Other                   // the "other" bucket of values outside the top K
	DropOff                 // customers whose journey ended before this step
)

// Node is one box: the customers at Step (0-based column) with Label.
type Node struct {
	Step  int
	Label string
	Value float64
	Kind  NodeKind
}

// Link is a band carrying Value customers from node From to node To (indexes
// into the node slice). Only links between adjacent steps are drawn and
// navigable; others are ignored.
type Link struct {
	From, To int
	Value    float64
}

// Option configures a Model in New.
type Option func(*Model)

// WithStyles sets the styles (default styles.Default()).
func WithStyles(s *styles.Styles) Option { return func(m *Model) { m.styles = s } }

// WithKeyMap sets the navigation keys (default keys.DefaultChart()).
func WithKeyMap(k keys.Chart) Option { return func(m *Model) { m.keys = k } }

// WithID sets the ID copied into SelectedMsg.
func WithID(id string) Option { return func(m *Model) { m.id = id } }

// WithFormat sets how counts are printed (default chart.FormatCount; nodes
// one line high use chart.FormatCompact).
func WithFormat(f func(float64) string) Option {
	return func(m *Model) {
		if f != nil {
			m.format = f
		}
	}
}

// WithStepTitles names the step columns (default "step 1", "step 2", …).
func WithStepTitles(titles []string) Option { return func(m *Model) { m.titles = titles } }

// WithData sets the initial flow (see SetData).
func WithData(nodes []Node, links []Link) Option {
	return func(m *Model) { m.nodes, m.links = nodes, links }
}

// WithFocus starts the model focused.
func WithFocus() Option { return func(m *Model) { m.focused = true } }

// Model is the Sankey diagram. Create it with New.
type Model struct {
	styles *styles.Styles
	keys   keys.Chart
	id     string
	format func(float64) string
	titles []string

	nodes []Node
	links []Link

	// derived by SetData
	steps   []int   // distinct Step values, ascending
	cols    [][]int // column → node indexes in display order
	colOf   []int   // node → column (-1 when invalid)
	posOf   []int   // node → position in its column
	outs    [][]int // node → drawable out-link indexes, by target position
	ins     [][]int // node → drawable in-link indexes, by source position
	drawn   []bool  // link → drawable (adjacent columns)
	colSums []float64

	selLink bool
	sel     int // node or link index
	stepOff int

	width, height int
	focused       bool
}

// New returns a Sankey of size 0×0 (SetSize before viewing).
func New(opts ...Option) Model {
	m := Model{keys: keys.DefaultChart(), format: chart.FormatCount}
	for _, o := range opts {
		o(&m)
	}
	if m.styles == nil {
		m.styles = styles.Default()
	}
	m.SetData(m.nodes, m.links)
	return m
}

func weight(v float64) float64 {
	if !chart.Finite(v) || v < 0 {
		return 0
	}
	return v
}

// SetData replaces the flow. Within a step, nodes keep their given order
// except that Other nodes go below ordinary ones and DropOff nodes last.
// The selection returns to the first node of the first step unless the
// selected node or link index still exists.
func (m *Model) SetData(nodes []Node, links []Link) {
	m.nodes, m.links = nodes, links
	stepSet := map[int]bool{}
	for _, n := range nodes {
		stepSet[n.Step] = true
	}
	m.steps = m.steps[:0]
	for s := range stepSet {
		m.steps = append(m.steps, s)
	}
	sort.Ints(m.steps)
	colIdx := map[int]int{}
	for i, s := range m.steps {
		colIdx[s] = i
	}
	m.cols = make([][]int, len(m.steps))
	m.colOf = make([]int, len(nodes))
	m.posOf = make([]int, len(nodes))
	for i, n := range nodes {
		c := colIdx[n.Step]
		m.colOf[i] = c
		m.cols[c] = append(m.cols[c], i)
	}
	m.colSums = make([]float64, len(m.cols))
	for c, col := range m.cols {
		sort.SliceStable(col, func(a, b int) bool { return nodes[col[a]].Kind < nodes[col[b]].Kind })
		for p, i := range col {
			m.posOf[i] = p
			m.colSums[c] += weight(nodes[i].Value)
		}
	}
	m.outs = make([][]int, len(nodes))
	m.ins = make([][]int, len(nodes))
	m.drawn = make([]bool, len(links))
	for li, l := range links {
		if l.From < 0 || l.From >= len(nodes) || l.To < 0 || l.To >= len(nodes) {
			continue
		}
		if m.colOf[l.To] != m.colOf[l.From]+1 {
			continue
		}
		m.drawn[li] = true
		m.outs[l.From] = append(m.outs[l.From], li)
		m.ins[l.To] = append(m.ins[l.To], li)
	}
	for i := range nodes {
		sort.SliceStable(m.outs[i], func(a, b int) bool { return m.posOf[links[m.outs[i][a]].To] < m.posOf[links[m.outs[i][b]].To] })
		sort.SliceStable(m.ins[i], func(a, b int) bool { return m.posOf[links[m.ins[i][a]].From] < m.posOf[links[m.ins[i][b]].From] })
	}
	if m.selLink && (m.sel >= len(links) || !m.drawn[m.sel]) || !m.selLink && m.sel >= len(nodes) {
		m.selLink, m.sel = false, 0
		if len(m.cols) > 0 {
			m.sel = m.cols[0][0]
		}
	}
	m.fix()
}

// Nodes and Links return the data as given.
func (m Model) Nodes() []Node { return m.nodes }
func (m Model) Links() []Link { return m.links }

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

// Selected returns the selected node or link index (link reports which);
// ok is false when there are no nodes.
func (m Model) Selected() (index int, link bool, ok bool) {
	if len(m.nodes) == 0 {
		return -1, false, false
	}
	return m.sel, m.selLink, true
}

// SelectNode selects node i (ignored when out of range).
func (m *Model) SelectNode(i int) {
	if i >= 0 && i < len(m.nodes) {
		m.selLink, m.sel = false, i
		m.fix()
	}
}

// SelectLink selects link i (ignored unless it is drawn).
func (m *Model) SelectLink(i int) {
	if i >= 0 && i < len(m.links) && m.drawn[i] {
		m.selLink, m.sel = true, i
		m.fix()
	}
}

// selCol is the column the selection sits in (a link's source column).
func (m *Model) selCol() int {
	if len(m.nodes) == 0 {
		return 0
	}
	if m.selLink {
		return m.colOf[m.links[m.sel].From]
	}
	return m.colOf[m.sel]
}

// fix keeps the selected column (and a link's target column) visible.
func (m *Model) fix() {
	g := m.geom()
	n := len(m.cols)
	if g.visible <= 0 || n == 0 {
		m.stepOff = 0
		return
	}
	c := m.selCol()
	if m.selLink && g.visible >= 2 {
		m.stepOff = chart.ScrollOffset(m.stepOff, c+1, g.visible, n)
	}
	m.stepOff = chart.ScrollOffset(m.stepOff, c, g.visible, n)
}

// largest returns the link among ls with the largest value (first on ties).
func (m *Model) largest(ls []int) int {
	best := ls[0]
	for _, l := range ls[1:] {
		if weight(m.links[l].Value) > weight(m.links[best].Value) {
			best = l
		}
	}
	return best
}

// Update walks the selection over nodes and links (see the package
// documentation) and on enter returns a command emitting chart.SelectedMsg:
// for a node Index is the node, Row its step and Col -1; for a link Index
// is the link, Row/Col its source/target nodes and Link is true. Keys are
// ignored while blurred.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !m.focused || len(m.nodes) == 0 {
		return m, nil
	}
	switch {
	case key.Matches(km, m.keys.Select):
		return m, chart.Select(m.selectedMsg())
	case key.Matches(km, m.keys.Up), key.Matches(km, m.keys.Down):
		d := 1
		if key.Matches(km, m.keys.Up) {
			d = -1
		}
		if m.selLink {
			sib := m.outs[m.links[m.sel].From]
			for p, l := range sib {
				if l == m.sel {
					m.sel = sib[chart.Clamp(p+d, 0, len(sib)-1)]
					break
				}
			}
		} else {
			col := m.cols[m.colOf[m.sel]]
			m.sel = col[chart.Clamp(m.posOf[m.sel]+d, 0, len(col)-1)]
		}
	case key.Matches(km, m.keys.Right):
		switch {
		case m.selLink:
			m.selLink, m.sel = false, m.links[m.sel].To
		case len(m.outs[m.sel]) > 0:
			m.selLink, m.sel = true, m.largest(m.outs[m.sel])
		case m.colOf[m.sel]+1 < len(m.cols):
			next := m.cols[m.colOf[m.sel]+1]
			m.sel = next[min(m.posOf[m.sel], len(next)-1)]
		}
	case key.Matches(km, m.keys.Left):
		switch {
		case m.selLink:
			m.selLink, m.sel = false, m.links[m.sel].From
		case len(m.ins[m.sel]) > 0:
			m.selLink, m.sel = true, m.largest(m.ins[m.sel])
		case m.colOf[m.sel] > 0:
			prev := m.cols[m.colOf[m.sel]-1]
			m.sel = prev[min(m.posOf[m.sel], len(prev)-1)]
		}
	case key.Matches(km, m.keys.Home):
		m.selLink, m.sel = false, m.cols[0][0]
	case key.Matches(km, m.keys.End):
		m.selLink, m.sel = false, m.cols[len(m.cols)-1][0]
	default:
		return m, nil
	}
	m.fix()
	return m, nil
}

func (m Model) selectedMsg() chart.SelectedMsg {
	if m.selLink {
		l := m.links[m.sel]
		return chart.SelectedMsg{Component: chart.KindSankey, ID: m.id, Index: m.sel, Row: l.From, Col: l.To,
			Link: true, Label: m.nodes[l.From].Label + " → " + m.nodes[l.To].Label, Value: l.Value}
	}
	n := m.nodes[m.sel]
	return chart.SelectedMsg{Component: chart.KindSankey, ID: m.id, Index: m.sel, Row: n.Step, Col: -1,
		Label: n.Label, Value: n.Value}
}

func (m Model) title(c int) string {
	if c < len(m.titles) && m.titles[c] != "" {
		return chart.Sanitize(m.titles[c])
	}
	return fmt.Sprintf("step %d", m.steps[c]+1)
}

// caption describes the selection: a node's count, share of its step and
// flows in and out; a link's count and share of its source node.
func (m Model) caption() string {
	if len(m.nodes) == 0 {
		return ""
	}
	if m.selLink {
		l := m.links[m.sel]
		from, to := m.nodes[l.From], m.nodes[l.To]
		return fmt.Sprintf("%s → %s: %s (%s of %s)", chart.Sanitize(from.Label), chart.Sanitize(to.Label),
			m.format(l.Value), chart.FormatPercent(l.Value/from.Value), chart.Sanitize(from.Label))
	}
	n := m.nodes[m.sel]
	c := m.colOf[m.sel]
	s := fmt.Sprintf("%s · %s%s: %s (%s of step)", m.title(c), kindMark(n.Kind), chart.Sanitize(n.Label),
		m.format(n.Value), chart.FormatPercent(weight(n.Value)/m.colSums[c]))
	if len(m.ins[m.sel]) > 0 {
		in := 0.0
		for _, l := range m.ins[m.sel] {
			in += weight(m.links[l].Value)
		}
		s += " · in " + m.format(in)
	}
	if len(m.outs[m.sel]) > 0 {
		out := 0.0
		for _, l := range m.outs[m.sel] {
			out += weight(m.links[l].Value)
		}
		s += " · out " + m.format(out)
	}
	return s
}

func kindMark(k NodeKind) string {
	if k == DropOff {
		return "✕ "
	}
	return ""
}
