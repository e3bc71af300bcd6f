// Package chart holds what the terminal chart components share: the message
// a chart emits when the user picks an element, number formatting, and the
// width-safe text helpers every View uses so that it never draws wider than
// the space it was given.
//
// The components live in sub-packages: bars, sparkline, heatmap, sankey and
// table. Each takes plain data (labels and values), is sized with SetSize,
// moves its selection on arrow/hjkl keys when focused, and on enter returns a
// command producing a SelectedMsg.
package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Kind names the component that sent a SelectedMsg.
type Kind string

// Component kinds.
const (
	KindBars      Kind = "bars"
	KindSparkline Kind = "sparkline"
	KindHeatMap   Kind = "heatmap"
	KindSankey    Kind = "sankey"
	KindTable     Kind = "table"
)

// SelectedMsg is sent when the user presses enter on a chart element, so the
// screen can list the customers behind it.
//
//   - Bars, Table: Index is the item index in the data as given (before any
//     sorting); Row equals Index; Col is -1.
//   - Sparkline: Index is the first series index of the selected column's
//     bucket; Row is -1; Col is the column.
//   - HeatMap: Row and Col index the matrix; Index = Row*cols + Col.
//   - Sankey: a node gives Index = node index, Row = its step, Col = -1; a
//     link gives Index = link index, Row = source node, Col = target node
//     and Link = true.
type SelectedMsg struct {
	Component Kind
	ID        string // the component's ID option, to tell charts on one screen apart
	Index     int
	Row, Col  int
	Link      bool // Sankey: a link (band) rather than a node was selected
	Label     string
	Value     float64
}

// Select returns a command that emits m.
func Select(m SelectedMsg) tea.Cmd {
	return func() tea.Msg { return m }
}

// FormatCount formats v with thousands separators: integers exactly
// ("1,234,567"), other finite values with one decimal ("1,234.5"). NaN is
// "n/a", infinities "∞" and "-∞".
func FormatCount(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var s string
	if v == math.Trunc(v) && v < 1e18 {
		s = group(strconv.FormatUint(uint64(v), 10))
	} else if v >= 1e18 {
		s = strconv.FormatFloat(v, 'g', 4, 64)
	} else {
		t := strconv.FormatFloat(v, 'f', 1, 64)
		i := strings.IndexByte(t, '.')
		s = group(t[:i]) + t[i:]
	}
	if neg && s != "0" && s != "0.0" {
		s = "-" + s
	}
	return s
}

func group(d string) string {
	if len(d) <= 3 {
		return d
	}
	var b strings.Builder
	head := len(d) % 3
	if head > 0 {
		b.WriteString(d[:head])
	}
	for i := head; i < len(d); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d[i : i+3])
	}
	return b.String()
}

// FormatCompact formats v in at most about 6 cells: below 10,000 as
// FormatCount, then with k, M, B, T suffixes and 3 significant digits
// ("12.3k", "4.57M"). NaN and infinities as FormatCount.
func FormatCompact(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) < 10000 {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && v != math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return FormatCount(v)
	}
	a := math.Abs(v)
	units := []struct {
		div float64
		suf string
	}{{1e3, "k"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}}
	u := 0
	for u+1 < len(units) && a >= units[u+1].div {
		u++
	}
	for ; u < len(units); u++ {
		x := v / units[u].div
		prec := 2
		if math.Abs(x) >= 100 {
			prec = 0
		} else if math.Abs(x) >= 10 {
			prec = 1
		}
		s := strconv.FormatFloat(x, 'f', prec, 64)
		if strings.HasPrefix(strings.TrimPrefix(s, "-"), "1000") && u+1 < len(units) {
			continue // rounds up into the next unit
		}
		if math.Abs(x) >= 1000 {
			return strconv.FormatFloat(v, 'e', 1, 64)
		}
		return s + units[u].suf
	}
	return FormatCount(v)
}

// FormatPercent formats the ratio r as a percentage with one decimal
// ("42.5%"); NaN and infinities give "n/a".
func FormatPercent(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*r)
}

// Finite reports whether v is neither NaN nor infinite.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Sanitize makes a data label safe to draw on one line: escape sequences are
// removed, and tabs, newlines and other control characters become spaces.
func Sanitize(s string) string {
	if s == "" {
		return s
	}
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\uFFFD' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		if r == '\uFFFD' {
			return '?'
		}
		return r
	}, s)
}

// Width is the number of terminal cells s occupies (escape sequences ignored,
// wide runes counted as 2).
func Width(s string) int { return ansi.StringWidth(s) }

// Truncate shortens s to at most w cells, ending in "…" when it had to cut.
// Escape sequences in s are preserved.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// PadRight truncates s to w cells and pads it with spaces to exactly w.
func PadRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = Truncate(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// PadLeft truncates s to w cells and right-aligns it in exactly w cells.
func PadLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = Truncate(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s = strings.Repeat(" ", n) + s
	}
	return s
}

// Center truncates s to w cells and centres it in exactly w cells.
func Center(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = Truncate(s, w)
	n := w - ansi.StringWidth(s)
	if n <= 0 {
		return s
	}
	return strings.Repeat(" ", n/2) + s + strings.Repeat(" ", n-n/2)
}

// Block joins lines into a w×h block: every line is truncated and padded to
// exactly w cells, extra lines are dropped and missing ones are blank. A
// non-positive w or h gives "".
func Block(lines []string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		var l string
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(PadRight(l, w))
	}
	return b.String()
}

// CheckFit returns an error when view has more than h lines or any line wider
// than w cells. Tests and screens use it to verify a layout.
func CheckFit(view string, w, h int) error {
	if view == "" {
		return nil
	}
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		return fmt.Errorf("view has %d lines, height is %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			return fmt.Errorf("line %d is %d cells wide, width is %d: %q", i, lw, w, ansi.Strip(l))
		}
	}
	return nil
}

// Clamp limits v to [lo, hi]; when hi < lo it returns lo.
func Clamp(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}

// ScrollOffset returns the first visible index of a window of n visible items
// out of total so that sel stays visible, moving the previous offset off as
// little as possible.
func ScrollOffset(off, sel, n, total int) int {
	if n <= 0 || total <= n {
		return 0
	}
	if sel < off {
		off = sel
	}
	if sel >= off+n {
		off = sel - n + 1
	}
	return Clamp(off, 0, total-n)
}
