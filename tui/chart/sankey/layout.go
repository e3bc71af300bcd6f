package sankey

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/journeyworkbench/workbench/tui/chart"
)

// Layout constants: node columns and bands never get narrower than these
// unless a single step does not fit.
const (
	minNode = 12
	minBand = 8
	maxBand = 20
)

type geom struct {
	header, caption bool
	plotH           int
	nodeW, bandW    int
	visible         int // number of step columns shown
}

func (m *Model) geom() geom {
	var g geom
	w, h := m.width, m.height
	g.caption = h >= 3
	g.header = h >= 4
	g.plotH = h
	if g.caption {
		g.plotH--
	}
	if g.header {
		g.plotH--
	}
	n := len(m.cols)
	if n == 0 || w <= 0 {
		return g
	}
	want := minNode
	for _, nd := range m.nodes {
		want = max(want, chart.Width(chart.Sanitize(nd.Label))+3)
	}
	want = min(want, 22)
	g.visible = chart.Clamp((w+minBand)/(minNode+minBand), 1, n)
	if g.visible == 1 {
		g.nodeW = min(w, want)
		return g
	}
	g.nodeW = min(want, (w-(g.visible-1)*minBand)/g.visible)
	g.bandW = min(maxBand, (w-g.visible*g.nodeW)/(g.visible-1))
	return g
}

// span is a node's rows in the plot.
type span struct{ y, h int }

// heights allocates plot rows to the nodes of one column: height =
// max(1, round(value·s)) with s rows per customer. When that overflows the
// usable rows, each node gets 1 row and the rest, usable−n, is split in
// proportion to value by largest remainder.
func heights(vals []float64, s float64, usable int) []int {
	hs := make([]int, len(vals))
	total, sum := 0, 0.0
	for i, v := range vals {
		hs[i] = max(1, int(math.Round(weight(v)*s)))
		total += hs[i]
		sum += weight(v)
	}
	if total <= usable || usable <= len(vals) || sum <= 0 {
		if total > usable {
			for i := range hs {
				hs[i] = 1
			}
		}
		return hs
	}
	rest := usable - len(vals)
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(vals))
	given := 0
	for i, v := range vals {
		x := weight(v) / sum * float64(rest)
		hs[i] = 1 + int(x)
		given += int(x)
		rems[i] = rem{i, x - math.Floor(x)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < rest; k++ {
		hs[rems[k].i]++
		given++
	}
	return hs
}

// spans lays out every column: one gap row between nodes when the fullest
// column allows it, and one scale (rows per customer) for all columns,
// s = min over columns of usable rows / column total, so heights compare
// across steps.
func (m *Model) spans(plotH int) []span {
	out := make([]span, len(m.nodes))
	if plotH <= 0 {
		return out
	}
	maxN := 0
	for _, col := range m.cols {
		maxN = max(maxN, len(col))
	}
	gap := 0
	if 2*maxN-1 <= plotH {
		gap = 1
	}
	s := math.Inf(1)
	for c, col := range m.cols {
		usable := plotH - gap*(len(col)-1)
		if m.colSums[c] > 0 {
			s = math.Min(s, float64(usable)/m.colSums[c])
		}
	}
	if math.IsInf(s, 1) {
		s = 0
	}
	for _, col := range m.cols {
		vals := make([]float64, len(col))
		for p, i := range col {
			vals[p] = m.nodes[i].Value
		}
		hs := heights(vals, s, plotH-gap*(len(col)-1))
		y := 0
		for p, i := range col {
			out[i] = span{y, hs[p]}
			y += hs[p] + gap
		}
	}
	return out
}

// ends allocates each link's rows at one end: the links ls (in draw order)
// share the node's height in proportion to value/denominator, where the
// denominator is the larger of the node's value and the links' total; a
// link always gets at least one row. It returns offsets within the node
// (clamped to its last row) and thicknesses.
func (m *Model) ends(ls []int, node int, sp span) (off, thick []int) {
	off, thick = make([]int, len(ls)), make([]int, len(ls))
	sum := 0.0
	for _, l := range ls {
		sum += weight(m.links[l].Value)
	}
	den := math.Max(sum, weight(m.nodes[node].Value))
	acc := 0.0
	for k, l := range ls {
		y0 := 0
		if den > 0 {
			y0 = int(math.Round(acc / den * float64(sp.h)))
		}
		acc += weight(m.links[l].Value)
		y1 := y0
		if den > 0 {
			y1 = int(math.Round(acc / den * float64(sp.h)))
		}
		off[k] = min(y0, sp.h-1)
		thick[k] = max(1, y1-y0)
	}
	return off, thick
}

// band classes, in drawing order (later ones are drawn over earlier ones).
const (
	bandNormal = iota
	bandDrop
	bandLit
	bandSelected
)

var bandGlyph = []string{"░", "·", "▒", "▓"}

type cell struct {
	cls  int
	link int
	set  bool
}

// View draws the diagram in exactly Width×Height cells.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.styles
	if len(m.nodes) == 0 {
		return chart.Block([]string{st.Render(st.Muted, "  no data")}, w, h)
	}
	g := m.geom()
	off := m.stepOff
	last := min(off+g.visible, len(m.cols))
	var lines []string

	if g.header {
		var b strings.Builder
		for c := off; c < last; c++ {
			t := m.title(c)
			if c == off && off > 0 {
				t = "◂ " + t
			}
			if c == last-1 && last < len(m.cols) {
				more := fmt.Sprintf(" ▸ %d more", len(m.cols)-last)
				if chart.Width(t+more) > w-(c-off)*(g.nodeW+g.bandW) {
					more = " ▸"
				}
				t += more
			}
			if c > off {
				b.WriteString(strings.Repeat(" ", g.bandW))
			}
			if c == last-1 {
				b.WriteString(st.Render(st.Header, chart.Truncate(t, w-chart.Width(b.String()))))
			} else {
				b.WriteString(st.Render(st.Header, chart.PadRight(t, g.nodeW)))
			}
		}
		lines = append(lines, b.String())
	}

	plot := make([][]string, g.plotH) // per row, segments
	if g.plotH > 0 {
		sp := m.spans(g.plotH)
		rows := make([][]string, g.plotH)
		for c := off; c < last; c++ {
			// node column
			nodeCol := make([]string, g.plotH)
			for r := range nodeCol {
				nodeCol[r] = strings.Repeat(" ", g.nodeW)
			}
			for _, i := range m.cols[c] {
				for r, s := range m.nodeLines(i, sp[i].h, g.nodeW) {
					if y := sp[i].y + r; y < g.plotH {
						nodeCol[y] = s
					}
				}
			}
			for r := range rows {
				if c > off {
					rows[r] = append(rows[r], "")
				}
				rows[r] = append(rows[r], nodeCol[r])
			}
			if c > off {
				band := m.bands(c-1, sp, g.plotH, g.bandW)
				for r := range rows {
					rows[r][len(rows[r])-2] = band[r]
				}
			}
		}
		plot = rows
	}
	for _, segs := range plot {
		lines = append(lines, strings.Join(segs, ""))
	}
	if g.caption {
		capt := m.caption()
		lines = append(lines, st.Render(st.Caption, chart.Truncate(capt, w)))
	}
	return chart.Block(lines, w, h)
}

// nodeLines renders node i as hgt lines of exactly w cells: a kind glyph
// column (█ step, ▒ other, ✕ drop-off, ▶ selected), then the label on the
// first line and the count on the second; a one-line node shows both,
// the count compacted.
func (m Model) nodeLines(i, hgt, w int) []string {
	st := m.styles
	n := m.nodes[i]
	selected := m.focused && !m.selLink && m.sel == i
	glyph, style := "█", st.Node
	switch n.Kind {
	case Other:
		glyph, style = "▒", st.NodeOther
	case DropOff:
		glyph, style = "✕", st.NodeDrop
	}
	if selected {
		glyph, style = "▶", st.Cursor
	}
	text := max(w-3, 0) // glyph, space, text, one space before the bands
	label := chart.Sanitize(n.Label)
	var first, second string
	if hgt == 1 {
		cnt := chart.FormatCompact(n.Value)
		lw := max(text-chart.Width(cnt)-1, min(text, 3))
		first = chart.PadRight(label, lw)
		if rest := text - lw - 1; rest > 0 {
			first += " " + chart.PadLeft(cnt, rest)
		}
	} else {
		first = label
		second = m.format(n.Value)
	}
	lines := make([]string, hgt)
	for r := range lines {
		t := ""
		switch r {
		case 0:
			t = first
		case 1:
			t = second
		}
		t = chart.PadRight(t, text)
		pad := ""
		if w >= 3 {
			pad = " "
		}
		if selected {
			t = st.Render(st.Selected, t)
		} else if r == 0 {
			t = st.Render(st.Label, t)
		} else {
			t = st.Render(st.Value, t)
		}
		if w == 1 {
			lines[r] = st.Render(style, glyph)
		} else if w >= 2 {
			lines[r] = chart.PadRight(st.Render(style, glyph)+" "+t+pad, w)
		}
	}
	return lines
}

// bands draws the links from column c to c+1 in a plot of plotH rows and
// bw columns. A band's top edge runs from its source rows to its target
// rows along a smoothstep curve 3f²−2f³, and its thickness moves likewise
// from the source-side to the target-side thickness.
func (m Model) bands(c int, sp []span, plotH, bw int) []string {
	grid := make([][]cell, plotH)
	for r := range grid {
		grid[r] = make([]cell, bw)
	}
	type end struct{ off, thick int }
	src := map[int]end{}
	dst := map[int]end{}
	for _, i := range m.cols[c] {
		o, t := m.ends(m.outs[i], i, sp[i])
		for k, l := range m.outs[i] {
			src[l] = end{sp[i].y + o[k], t[k]}
		}
	}
	var ls []int
	for _, i := range m.cols[c+1] {
		o, t := m.ends(m.ins[i], i, sp[i])
		for k, l := range m.ins[i] {
			dst[l] = end{sp[i].y + o[k], t[k]}
			ls = append(ls, l)
		}
	}
	class := func(l int) int {
		lk := m.links[l]
		switch {
		case m.focused && m.selLink && m.sel == l:
			return bandSelected
		case m.focused && !m.selLink && (m.sel == lk.From || m.sel == lk.To):
			return bandLit
		case m.nodes[lk.To].Kind == DropOff:
			return bandDrop
		}
		return bandNormal
	}
	sort.SliceStable(ls, func(a, b int) bool { return class(ls[a]) < class(ls[b]) })
	for _, l := range ls {
		s, d := src[l], dst[l]
		cls := class(l)
		for x := 0; x < bw; x++ {
			f := (float64(x) + 0.5) / float64(bw)
			k := f * f * (3 - 2*f)
			top := float64(s.off) + (float64(d.off)-float64(s.off))*k
			th := float64(s.thick) + (float64(d.thick)-float64(s.thick))*k
			r0 := int(math.Round(top))
			r1 := max(int(math.Round(top+th)), r0+1)
			for r := max(r0, 0); r < r1 && r < plotH; r++ {
				grid[r][x] = cell{cls: cls, link: l, set: true}
			}
		}
	}
	st := m.styles
	out := make([]string, plotH)
	for r := range grid {
		var b strings.Builder
		for x := 0; x < bw; {
			cl := grid[r][x]
			run := 1
			for x+run < bw && grid[r][x+run] == cl {
				run++
			}
			if !cl.set {
				b.WriteString(strings.Repeat(" ", run))
			} else {
				style := st.Band
				switch cl.cls {
				case bandNormal:
					style = st.PaletteAt(m.posOf[m.links[cl.link].From])
				case bandDrop:
					style = st.BandDrop
				case bandLit:
					style = st.BandLit
				case bandSelected:
					style = st.Cursor
				}
				b.WriteString(st.Render(style, strings.Repeat(bandGlyph[cl.cls], run)))
			}
			x += run
		}
		out[r] = b.String()
	}
	return out
}
