package heatmap

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

var activities = []string{"home", "search", "product page", "cart", "checkout", "purchase", "email open", "sms click", "store visit", "call centre"}

// transitions is a directly-follows count matrix: values[a][b] counts a
// followed directly by b.
func transitions() ([]string, []string, [][]float64) {
	n := len(activities)
	v := make([][]float64, n)
	for a := range v {
		v[a] = make([]float64, n)
		for b := range v[a] {
			if a != b {
				v[a][b] = float64(((a+1)*(b+3)*7919)%5000) * float64(1+(a+b)%3)
			}
		}
	}
	v[3][4] = 48210 // cart → checkout dominates
	return activities, activities, v
}

func big() ([]string, []string, [][]float64) {
	rows := make([]string, 40)
	cols := make([]string, 30)
	v := make([][]float64, len(rows))
	for r := range rows {
		rows[r] = fmt.Sprintf("segment %02d", r+1)
		v[r] = make([]float64, len(cols))
		for c := range cols {
			v[r][c] = float64((r * c * 31) % 97)
		}
	}
	for c := range cols {
		cols[c] = fmt.Sprintf("w%02d", c+1)
	}
	return rows, cols, v
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for name, data := range map[string]func() ([]string, []string, [][]float64){"transitions": transitions, "big": big} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, size.w, size.h), func(t *testing.T) {
				r, c, v := data()
				m := New(WithStyles(styles.Plain()), WithData(r, c, v), WithFocus())
				m.SetSize(size.w, size.h)
				m, _ = m.Update(press("down"))
				m, _ = m.Update(press("right"))
				m, _ = m.Update(press("right"))
				view := m.View()
				charttest.Fit(t, view, size.w, size.h, "golden")
				golden.RequireEqual(t, []byte(ansi.Strip(view)))
			})
		}
	}
}

func TestIntensityAndLevel(t *testing.T) {
	cases := []struct {
		v, lo, hi float64
		s         Scale
		want      int
	}{
		{0, 0, 100, Linear, 0}, {1, 0, 100, Linear, 1}, {25, 0, 100, Linear, 1}, {25.1, 0, 100, Linear, 2},
		{50, 0, 100, Linear, 2}, {75, 0, 100, Linear, 3}, {99, 0, 100, Linear, 4}, {100, 0, 100, Linear, 4},
		{200, 0, 100, Linear, 4}, {math.NaN(), 0, 100, Linear, -1}, {math.Inf(1), 0, 100, Linear, 4},
		{math.Inf(-1), 0, 100, Linear, 0}, {5, 0, 0, Linear, 4}, {-10, -10, 10, Linear, 0}, {0, -10, 10, Linear, 2},
		// log(1+9)/log(1+9999) = 0.25 exactly: level 1; 99 → log(100)/log(10000) = 0.5: level 2.
		{9, 0, 9999, Log, 1}, {99, 0, 9999, Log, 2}, {100, 0, 9999, Log, 3}, {9999, 0, 9999, Log, 4},
	}
	for _, c := range cases {
		if got := Level(Intensity(c.v, c.lo, c.hi, c.s)); got != c.want {
			t.Errorf("Level(Intensity(%v,%v,%v,%d)) = %d, want %d", c.v, c.lo, c.hi, c.s, got, c.want)
		}
	}
	const tol = 1e-12
	if got := Intensity(99, 0, 9999, Log); math.Abs(got-0.5) > tol {
		t.Errorf("log intensity of 99 on [0,9999] = %v, want 0.5 ±%g", got, tol)
	}
}

func TestNavigationSelectAndCaption(t *testing.T) {
	r, c, v := transitions()
	m := New(WithStyles(styles.Plain()), WithData(r, c, v), WithID("dfg"))
	m.SetSize(80, 24)
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("blurred heat map emitted a selection")
	}
	m.Focus()
	for _, k := range []string{"j", "j", "j", "l", "l", "l", "l", "h", "down", "up", "right"} {
		m, _ = m.Update(press(k))
	}
	if row, col, _ := m.Selected(); row != 3 || col != 4 {
		t.Fatalf("selected (%d,%d), want (3,4)", row, col)
	}
	view := ansi.Strip(m.View())
	if !strings.Contains(view, "cart → checkout  48,210") {
		t.Fatalf("caption missing:\n%s", view)
	}
	if !strings.Contains(view, "[███]") && !strings.Contains(view, "[██████]") && !strings.Contains(view, "[█") {
		t.Fatalf("selected cell not bracketed:\n%s", view)
	}
	_, cmd := m.Update(press("enter"))
	got := cmd().(chart.SelectedMsg)
	want := chart.SelectedMsg{Component: chart.KindHeatMap, ID: "dfg", Index: 3*10 + 4, Row: 3, Col: 4, Label: "cart → checkout", Value: 48210}
	if got != want {
		t.Fatalf("msg %+v, want %+v", got, want)
	}
	// Clamped at the edges.
	for i := 0; i < 20; i++ {
		m, _ = m.Update(press("left"))
		m, _ = m.Update(press("up"))
	}
	if row, col, _ := m.Selected(); row != 0 || col != 0 {
		t.Fatalf("not clamped at top-left: (%d,%d)", row, col)
	}
	m, _ = m.Update(press("G"))
	if row, col, _ := m.Selected(); row != 9 || col != 9 {
		t.Fatalf("end went to (%d,%d)", row, col)
	}
}

func TestScrollKeepsLabels(t *testing.T) {
	r, c, v := big()
	m := New(WithStyles(styles.Plain()), WithData(r, c, v), WithFocus())
	m.SetSize(50, 12)
	m, _ = m.Update(press("G"))
	view := ansi.Strip(m.View())
	charttest.Fit(t, view, 50, 12, "scrolled")
	lines := strings.Split(view, "\n")
	if !strings.Contains(lines[0], "w30") {
		t.Fatalf("last column header not visible:\n%s", view)
	}
	if !strings.Contains(view, "▸segment 40") {
		t.Fatalf("last row label not visible:\n%s", view)
	}
	if !strings.Contains(view, "rows ") || !strings.Contains(view, "/40") || !strings.Contains(view, "/30") {
		t.Fatalf("scroll position not shown:\n%s", view)
	}
	// Resize larger: more columns visible, selection still shown.
	m.SetSize(120, 40)
	view = ansi.Strip(m.View())
	charttest.Fit(t, view, 120, 40, "grown")
	if !strings.Contains(view, "▸segment 40") {
		t.Fatalf("selection lost after resize:\n%s", view)
	}
}

func TestEmptyAndOdd(t *testing.T) {
	m := New(WithStyles(styles.Plain()))
	m.SetSize(20, 4)
	if !strings.Contains(m.View(), "no data") {
		t.Fatal("empty matrix not reported")
	}
	// Ragged rows, NaN, negative and a single cell.
	m.SetData([]string{"a", "b"}, []string{"x", "y"}, [][]float64{{math.NaN(), -3}, {7}})
	m.SetSize(30, 8)
	m.Focus()
	view := ansi.Strip(m.View())
	charttest.Fit(t, view, 30, 8, "odd")
	if strings.Count(view, Missing) < 3 { // NaN, the missing b/y cell, legend
		t.Fatalf("missing cells not marked:\n%s", view)
	}
	if !strings.Contains(view, "a → x  n/a") {
		t.Fatalf("NaN caption wrong:\n%s", view)
	}
	m.SetData([]string{"only"}, []string{"one"}, [][]float64{{1e12}})
	view = ansi.Strip(m.View())
	if !strings.Contains(view, "1,000,000,000,000") || !strings.Contains(view, "[█") {
		t.Fatalf("single cell:\n%s", view)
	}
}

func TestFitsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 300; n++ {
		nr, nc := rng.IntN(25), rng.IntN(25)
		rows := make([]string, nr)
		cols := make([]string, nc)
		for i := range rows {
			rows[i] = charttest.Label(rng)
		}
		for i := range cols {
			cols[i] = charttest.Label(rng)
		}
		vals := make([][]float64, nr)
		for r := range vals {
			vals[r] = make([]float64, rng.IntN(nc+1))
			for c := range vals[r] {
				vals[r][c] = charttest.Value(rng)
			}
		}
		m := New(WithStyles(styles.Plain()), WithData(rows, cols, vals), WithFocus())
		w, h := rng.IntN(130), rng.IntN(45)
		m.SetSize(w, h)
		for k := rng.IntN(40); k > 0; k-- {
			m, _ = m.Update(press([]string{"up", "down", "left", "right", "pgdown", "G", "g"}[rng.IntN(7)]))
		}
		view := m.View()
		charttest.Fit(t, view, w, h, fmt.Sprintf("case %d", n))
		if w > 0 && h > 0 && strings.Count(view, "\n")+1 != h {
			t.Fatalf("case %d: not exactly %d lines", n, h)
		}
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("CLICOLOR", "")
	t.Setenv("NO_COLOR", "")
	r, c, v := transitions()
	m := New(WithStyles(charttest.EnvStyles()), WithData(r, c, v), WithFocus())
	m.SetSize(80, 24)
	if !strings.Contains(m.View(), "\x1b[") {
		t.Fatal("no colour on a colour terminal")
	}
	t.Setenv("NO_COLOR", "1")
	m = New(WithStyles(charttest.EnvStyles()), WithData(r, c, v), WithFocus())
	m.SetSize(80, 24)
	view := m.View()
	if strings.Contains(view, "\x1b") {
		t.Fatal("escape sequences under NO_COLOR")
	}
	for _, s := range Shades[1:] {
		if !strings.Contains(view, s) {
			t.Errorf("density glyph %q absent under NO_COLOR", s)
		}
	}
}
