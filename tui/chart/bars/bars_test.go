package bars

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

// funnel is a 5-step funnel: the solid bar is the customers reaching the
// step, the remainder those lost since the previous step.
func funnel() []Item {
	steps := []string{"Visited site", "Viewed product", "Added to cart", "Started checkout", "Purchased"}
	counts := []float64{120000, 84500, 30211, 18004, 12950}
	items := make([]Item, len(steps))
	for i, s := range steps {
		prev := counts[0]
		if i > 0 {
			prev = counts[i-1]
		}
		items[i] = Item{Label: s, Value: counts[i], Remainder: prev - counts[i],
			Note: fmt.Sprintf("%s of first · -%s", chart.FormatPercent(counts[i]/counts[0]), chart.FormatCount(prev-counts[i]))}
	}
	return items
}

func channels() []Item {
	names := []string{"email", "web", "app", "sms", "push", "call centre", "store", "paid search",
		"social", "affiliate", "display", "direct mail", "referral", "organic", "partner",
		"podcast", "tv", "radio", "print", "events", "chat", "kiosk", "qr code", "loyalty", "outbound", "other"}
	items := make([]Item, len(names))
	for i, n := range names {
		items[i] = Item{Label: n, Value: float64((i*7919)%1000) * 13.5}
	}
	return items
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for name, data := range map[string][]Item{"funnel": funnel(), "channels": channels()} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, size.w, size.h), func(t *testing.T) {
				m := New(WithStyles(styles.Plain()), WithItems(data), WithOrder(Given))
				m.Focus()
				m.SetSize(size.w, size.h)
				m, _ = m.Update(press("down"))
				v := m.View()
				charttest.Fit(t, v, size.w, size.h, "golden")
				golden.RequireEqual(t, []byte(ansi.Strip(v)))
			})
		}
	}
}

func TestBarGeometry(t *testing.T) {
	cases := []struct {
		v, r, top  float64
		w          int
		solid, rem string
	}{
		{10, 0, 10, 4, "████", ""},
		{5, 0, 10, 4, "██", ""},
		{1, 0, 8, 1, "▏", ""},          // 1/8 of one cell
		{3, 0, 8, 1, "▍", ""},          // 3/8
		{0.001, 0, 10, 4, "▏", ""},     // non-zero always visible
		{5, 5, 10, 4, "██", "██"[:0]},  // remainder drawn below
		{math.NaN(), 0, 10, 4, "", ""}, // NaN draws nothing
		{-3, 0, 10, 4, "", ""},
	}
	cases[5].rem = "░░"
	for _, c := range cases {
		s, r, p := Bar(c.v, c.r, c.top, c.w)
		if s != c.solid || r != c.rem {
			t.Errorf("Bar(%v,%v,%v,%d) = %q,%q want %q,%q", c.v, c.r, c.top, c.w, s, r, c.solid, c.rem)
		}
		if got := chart.Width(s + r + p); got != c.w {
			t.Errorf("Bar(%v,%v,%v,%d) width %d", c.v, c.r, c.top, c.w, got)
		}
	}
}

func TestNavigationAndSelect(t *testing.T) {
	m := New(WithStyles(styles.Plain()), WithItems(channels()), WithOrder(Descending), WithID("attr"))
	m.SetSize(60, 6)
	// Blurred: keys do nothing.
	m2, cmd := m.Update(press("down"))
	if cmd != nil || m2.sel != 0 {
		t.Fatal("blurred model reacted to a key")
	}
	m.Focus()
	m, _ = m.Update(press("j"))
	m, _ = m.Update(press("j"))
	m, _ = m.Update(press("k"))
	idx, _ := m.Selected()
	// Descending order: the second largest value.
	vals := channels()
	best, second := -1.0, -1.0
	bi, si := -1, -1
	for i, it := range vals {
		if it.Value > best {
			second, si = best, bi
			best, bi = it.Value, i
		} else if it.Value > second {
			second, si = it.Value, i
		}
	}
	if idx != si {
		t.Fatalf("selected %d (%v), want second largest %d", idx, vals[idx].Value, si)
	}
	m, cmd = m.Update(press("enter"))
	msg, ok := cmd().(chart.SelectedMsg)
	if !ok {
		t.Fatalf("enter gave %T", cmd())
	}
	want := chart.SelectedMsg{Component: chart.KindBars, ID: "attr", Index: si, Row: si, Col: -1, Label: vals[si].Label, Value: vals[si].Value}
	if msg != want {
		t.Fatalf("msg = %+v, want %+v", msg, want)
	}
	// End scrolls: the last item is visible and the footer names the range.
	m, _ = m.Update(press("end"))
	v := ansi.Strip(m.View())
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "  22–26 of 26") {
		t.Fatalf("footer = %q", lines[len(lines)-1])
	}
	if !strings.HasPrefix(lines[len(lines)-2], "▸ ") {
		t.Fatalf("selected last row not marked:\n%s", v)
	}
	// Page down from the top moves by the visible rows (5).
	m, _ = m.Update(press("g"))
	m, _ = m.Update(press("pgdown"))
	if m.sel != 5 {
		t.Fatalf("pgdown moved to %d, want 5", m.sel)
	}
}

func TestResizeKeepsSelectionVisible(t *testing.T) {
	m := New(WithStyles(styles.Plain()), WithItems(channels()), WithFocus())
	m.SetSize(80, 30)
	for i := 0; i < 20; i++ {
		m, _ = m.Update(press("down"))
	}
	m.SetSize(40, 5)
	v := ansi.Strip(m.View())
	charttest.Fit(t, v, 40, 5, "after resize")
	if !strings.Contains(v, "▸ "+channels()[20].Label) {
		t.Fatalf("selected item not visible after shrinking:\n%s", v)
	}
}

func TestEmptyAndOddData(t *testing.T) {
	m := New(WithStyles(styles.Plain()))
	m.SetSize(30, 3)
	if v := ansi.Strip(m.View()); !strings.Contains(v, "no data") {
		t.Fatalf("empty view = %q", v)
	}
	m.Focus()
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("enter on empty data emitted a command")
	}
	odd := []Item{{Label: "nan", Value: math.NaN()}, {Label: "neg", Value: -5}, {Label: "inf", Value: math.Inf(1)},
		{Label: "zero"}, {Label: "一二三四五六七八九十", Value: 1234567890123}}
	m.SetData(odd)
	m.SetSize(50, 5)
	v := ansi.Strip(m.View())
	charttest.Fit(t, v, 50, 5, "odd")
	for _, want := range []string{"n/a", "-5", "∞", "1,234,567,890,123", "一二"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Only the huge finite value draws a full bar.
	if strings.Count(v, "█") == 0 {
		t.Errorf("no bar drawn:\n%s", v)
	}
	// A single item fills the bar area.
	m.SetData([]Item{{Label: "only", Value: 3}})
	v = ansi.Strip(m.View())
	if !strings.Contains(v, strings.Repeat("█", 20)) {
		t.Errorf("single item not full length:\n%s", v)
	}
}

func TestSetDataKeepsSelectedItem(t *testing.T) {
	m := New(WithStyles(styles.Plain()), WithItems(channels()), WithFocus())
	m.SetSize(40, 10)
	m.SetSelected(7)
	data := channels()
	data[7].Value = 0
	m.SetData(data)
	if i, _ := m.Selected(); i != 7 {
		t.Fatalf("selection moved to %d", i)
	}
}

func TestFitsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 400; n++ {
		items := make([]Item, r.IntN(40))
		for i := range items {
			items[i] = Item{Label: charttest.Label(r), Value: charttest.Value(r), Remainder: charttest.Value(r)}
			if r.IntN(2) == 0 {
				items[i].Note = charttest.Label(r)
			}
		}
		m := New(WithStyles(styles.Plain()), WithItems(items), WithOrder(Order(r.IntN(3))), WithFocus())
		w, h := r.IntN(130), r.IntN(45)
		m.SetSize(w, h)
		for k := r.IntN(30); k > 0; k-- {
			m, _ = m.Update(press([]string{"up", "down", "pgdown", "end", "g"}[r.IntN(5)]))
		}
		v := m.View()
		charttest.Fit(t, v, w, h, fmt.Sprintf("case %d", n))
		if w > 0 && h > 0 && len(strings.Split(v, "\n")) != h {
			t.Fatalf("case %d: %d lines, want exactly %d", n, len(strings.Split(v, "\n")), h)
		}
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("CLICOLOR", "")
	t.Setenv("NO_COLOR", "")
	m := New(WithStyles(charttest.EnvStyles()), WithItems(funnel()), WithFocus())
	m.SetSize(80, 10)
	if !strings.Contains(m.View(), "\x1b[") {
		t.Fatal("a true-colour terminal got no colour")
	}
	t.Setenv("NO_COLOR", "1")
	m = New(WithStyles(charttest.EnvStyles()), WithItems(funnel()), WithFocus())
	m.SetSize(80, 10)
	v := m.View()
	if strings.Contains(v, "\x1b") {
		t.Fatalf("NO_COLOR output has escape sequences: %q", v)
	}
	if !strings.Contains(v, "▸ ") {
		t.Fatal("selection invisible without colour")
	}
}
