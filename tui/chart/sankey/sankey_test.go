package sankey

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/styles"
)

var press = charttest.Key

// flow is a realistic path analysis: 5 steps of 6 nodes (4 top values,
// "other", and from step 2 on a drop-off node). Every customer at a
// non-drop node either moves to a node of the next step or drops off, so
// node values equal the sum of their incoming links.
func flow() ([]Node, []Link) {
	names := [][]string{
		{"home", "search", "email click", "app open", "sms click", "other"},
		{"product page", "category", "search", "cart", "other", "drop-off"},
		{"product page", "cart", "reviews", "wishlist", "other", "drop-off"},
		{"cart", "checkout", "product page", "store locator", "other", "drop-off"},
		{"checkout", "purchase", "cart", "call centre", "other", "drop-off"},
	}
	first := []float64{52000, 21000, 14500, 9800, 1700, 1000}
	var nodes []Node
	var links []Link
	prev := []int{}
	for s, col := range names {
		start := len(nodes)
		for j, n := range col {
			k := Step
			if n == "other" {
				k = Other
			}
			if n == "drop-off" {
				k = DropOff
			}
			v := 0.0
			if s == 0 {
				v = first[j]
			}
			nodes = append(nodes, Node{Step: s, Label: n, Value: v, Kind: k})
		}
		for pi, p := range prev {
			if nodes[p].Kind == DropOff {
				continue
			}
			// 12–27% drop off, the rest split by fixed weights.
			drop := math.Round(nodes[p].Value * (0.12 + 0.03*float64(pi)))
			rest := nodes[p].Value - drop
			weights := []float64{5, 3, 2, 1, 0.5}
			for j := range weights {
				weights[j] += float64((pi + j) % 3)
			}
			tot := 0.0
			for _, x := range weights {
				tot += x
			}
			given := 0.0
			for j, x := range weights {
				v := math.Floor(rest * x / tot)
				if j == len(weights)-1 {
					v = rest - given
				}
				given += v
				links = append(links, Link{From: p, To: start + j, Value: v})
				nodes[start+j].Value += v
			}
			links = append(links, Link{From: p, To: start + 5, Value: drop})
			nodes[start+5].Value += drop
		}
		prev = prev[:0]
		for j := range col {
			prev = append(prev, start+j)
		}
	}
	return nodes, links
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for _, sel := range []string{"node", "link"} {
			t.Run(fmt.Sprintf("%s_%dx%d", sel, size.w, size.h), func(t *testing.T) {
				nodes, links := flow()
				m := New(WithStyles(styles.Plain()), WithData(nodes, links), WithFocus())
				m.SetSize(size.w, size.h)
				keys := []string{"right", "right", "down"} // a step-2 node
				if sel == "link" {
					keys = []string{"right", "right", "right", "down"} // a step-2 → step-3 link
				}
				for _, k := range keys {
					m, _ = m.Update(press(k))
				}
				v := m.View()
				charttest.Fit(t, v, size.w, size.h, "golden")
				golden.RequireEqual(t, []byte(ansi.Strip(v)))
			})
		}
	}
}

func TestNavigationWalksTheGraph(t *testing.T) {
	nodes, links := flow()
	m := New(WithStyles(styles.Plain()), WithData(nodes, links), WithID("paths"))
	m.SetSize(80, 24)
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("blurred Sankey emitted a selection")
	}
	m.Focus()
	sel := func() (int, bool) { i, l, _ := m.Selected(); return i, l }
	if i, l := sel(); l || i != 0 {
		t.Fatalf("initial selection %d link=%v, want node 0", i, l)
	}
	// right: largest out-link of "home" (to product page, weight 5+0).
	m, _ = m.Update(press("l"))
	i, l := sel()
	if !l || links[i].From != 0 {
		t.Fatalf("right from node 0 selected %d link=%v", i, l)
	}
	for _, o := range m.outs[0] {
		if links[o].Value > links[i].Value {
			t.Fatalf("link %d (%v) is not the largest out-link (%d has %v)", i, links[i].Value, o, links[o].Value)
		}
	}
	// down on a link moves to the next sibling leaving the same node.
	m, _ = m.Update(press("j"))
	j, _ := sel()
	if links[j].From != 0 || m.posOf[links[j].To] != m.posOf[links[i].To]+1 {
		t.Fatalf("down on link went to %+v", links[j])
	}
	_, cmd := m.Update(press("enter"))
	got := cmd().(chart.SelectedMsg)
	want := chart.SelectedMsg{Component: chart.KindSankey, ID: "paths", Index: j, Row: links[j].From, Col: links[j].To,
		Link: true, Label: "home → " + nodes[links[j].To].Label, Value: links[j].Value}
	if got != want {
		t.Fatalf("link msg %+v, want %+v", got, want)
	}
	// right again: the link's target node; left: back to the link's source via largest in-link.
	m, _ = m.Update(press("right"))
	k, l := sel()
	if l || k != links[j].To {
		t.Fatalf("right from link selected %d link=%v, want node %d", k, l, links[j].To)
	}
	_, cmd = m.Update(press("enter"))
	got = cmd().(chart.SelectedMsg)
	if got.Link || got.Index != k || got.Row != 1 || got.Col != -1 || got.Value != nodes[k].Value {
		t.Fatalf("node msg %+v", got)
	}
	// down within the column, clamped at the drop-off node at the bottom.
	for n := 0; n < 10; n++ {
		m, _ = m.Update(press("down"))
	}
	if k, _ := sel(); nodes[k].Kind != DropOff || nodes[k].Step != 1 {
		t.Fatalf("bottom of step 2 is %+v, want the drop-off node", nodes[k])
	}
	// A drop-off node has no out-links: right moves to the next step.
	m, _ = m.Update(press("right"))
	if k, l := sel(); l || nodes[k].Step != 2 {
		t.Fatalf("right from drop-off: node %d link=%v", k, l)
	}
	// End scrolls to the last step in compact mode; header shows the hidden steps on the left.
	m, _ = m.Update(press("G"))
	v := ansi.Strip(m.View())
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[0], "◂ step 2") || !strings.Contains(lines[0], "step 5") {
		t.Fatalf("header after end: %q", lines[0])
	}
	m, _ = m.Update(press("g"))
	if !strings.HasPrefix(ansi.Strip(m.View()), "step 1") {
		t.Fatal("home did not scroll back")
	}
}

func TestLayoutProportions(t *testing.T) {
	nodes := []Node{{0, "a", 300, Step}, {0, "b", 100, Step}, {1, "c", 200, Step}, {1, "gone", 200, DropOff}}
	links := []Link{{0, 2, 150}, {0, 3, 150}, {1, 2, 50}, {1, 3, 50}}
	m := New(WithStyles(styles.Plain()), WithData(nodes, links))
	sp := m.spans(21)
	// One scale for all columns: 20 usable rows (one gap) for 400 customers.
	if sp[0].h != 15 || sp[1].h != 5 || sp[2].h != 10 || sp[3].h != 10 {
		t.Fatalf("heights %+v, want 15,5,10,10", sp)
	}
	if sp[1].y != 16 || sp[3].y != 11 {
		t.Fatalf("positions %+v", sp)
	}
	off, th := m.ends(m.outs[0], 0, sp[0])
	if off[0] != 0 || th[0] != 8 || off[1] != 8 || th[1] != 7 {
		t.Fatalf("out-link rows of a: off %v thick %v", off, th)
	}
	// Tiny nodes still get a line; tiny links still a row.
	if hs := heights([]float64{1000, 1, math.NaN()}, 0.01, 20); hs[0] != 10 || hs[1] != 1 || hs[2] != 1 {
		t.Fatalf("heights %v", hs)
	}
	if hs := heights([]float64{1000, 10}, 1, 5); hs[0] != 4 || hs[1] != 1 {
		t.Fatalf("trimmed heights %v", hs)
	}
}

func TestDropOffAndOtherGlyphs(t *testing.T) {
	nodes, links := flow()
	m := New(WithStyles(styles.Plain()), WithData(nodes, links))
	m.SetSize(120, 40)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "✕ drop-off") || !strings.Contains(v, "▒ other") {
		t.Fatalf("drop-off or other node not marked:\n%s", v)
	}
	if strings.Contains(v, "▶") {
		t.Fatal("blurred view shows a selection")
	}
}

func TestEmptyOddAndResize(t *testing.T) {
	m := New(WithStyles(styles.Plain()))
	m.SetSize(30, 5)
	if !strings.Contains(m.View(), "no data") {
		t.Fatal("empty flow not reported")
	}
	m.Focus()
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("enter on empty flow")
	}
	// Single node, NaN and negative values, links out of range or skipping steps.
	nodes := []Node{{0, "solo 👩‍👩‍👧", math.NaN(), Step}, {1, "neg", -4, Step}, {3, "far", 5, Other}}
	links := []Link{{0, 1, math.NaN()}, {0, 2, 5}, {7, 1, 3}, {1, -1, 2}}
	m.SetData(nodes, links)
	for _, sz := range [][2]int{{80, 24}, {12, 3}, {1, 1}, {200, 2}, {40, 60}} {
		m.SetSize(sz[0], sz[1])
		charttest.Fit(t, m.View(), sz[0], sz[1], "odd")
	}
	m.SetSize(80, 24)
	if m.drawn[1] || m.drawn[2] || m.drawn[3] || !m.drawn[0] {
		t.Fatalf("drawable links %v, want only link 0", m.drawn)
	}
	m, _ = m.Update(press("right"))
	if i, l, _ := m.Selected(); !l || i != 0 {
		t.Fatalf("right selected %d link=%v", i, l)
	}
	_, cmd := m.Update(press("enter"))
	if msg := cmd().(chart.SelectedMsg); !math.IsNaN(msg.Value) {
		t.Fatalf("NaN link value became %v", msg.Value)
	}
}

func TestFitsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 300; n++ {
		var nodes []Node
		var links []Link
		steps := r.IntN(8)
		for s := 0; s < steps; s++ {
			for k := r.IntN(9); k >= 0; k-- {
				nodes = append(nodes, Node{Step: s, Label: charttest.Label(r), Value: charttest.Value(r), Kind: NodeKind(r.IntN(3))})
			}
		}
		for k := r.IntN(60); k > 0 && len(nodes) > 0; k-- {
			links = append(links, Link{From: r.IntN(len(nodes)+2) - 1, To: r.IntN(len(nodes)+2) - 1, Value: charttest.Value(r)})
		}
		m := New(WithStyles(styles.Plain()), WithData(nodes, links), WithFocus())
		w, h := r.IntN(160), r.IntN(50)
		m.SetSize(w, h)
		for k := r.IntN(30); k > 0; k-- {
			m, _ = m.Update(press([]string{"up", "down", "left", "right", "G", "g"}[r.IntN(6)]))
		}
		v := m.View()
		charttest.Fit(t, v, w, h, fmt.Sprintf("case %d", n))
		if w > 0 && h > 0 && strings.Count(v, "\n")+1 != h {
			t.Fatalf("case %d: not exactly %d lines", n, h)
		}
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("CLICOLOR", "")
	t.Setenv("NO_COLOR", "")
	nodes, links := flow()
	m := New(WithStyles(charttest.EnvStyles()), WithData(nodes, links), WithFocus())
	m.SetSize(80, 24)
	if !strings.Contains(m.View(), "\x1b[") {
		t.Fatal("no colour on a colour terminal")
	}
	t.Setenv("NO_COLOR", "1")
	m = New(WithStyles(charttest.EnvStyles()), WithData(nodes, links), WithFocus())
	m.SetSize(80, 24)
	v := m.View()
	if strings.Contains(v, "\x1b") {
		t.Fatal("escape sequences under NO_COLOR")
	}
	if !strings.Contains(v, "▶") || !strings.Contains(v, "▒") {
		t.Fatal("selection not visible without colour")
	}
}
