package sparkline

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

// daily is 365 days of conversions with a weekly cycle and a trend.
func daily() ([]float64, []string) {
	v := make([]float64, 365)
	l := make([]string, 365)
	for i := range v {
		v[i] = math.Round(1000 + 3*float64(i) + 400*math.Sin(2*math.Pi*float64(i)/7))
		l[i] = fmt.Sprintf("day %d", i+1)
	}
	return v, l
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for _, lines := range []int{1, 4} {
			t.Run(fmt.Sprintf("lines%d_%dx%d", lines, size.w, size.h), func(t *testing.T) {
				v, l := daily()
				m := New(WithStyles(styles.Plain()), WithData(v, l), WithMinMax(), WithFocus())
				// A screen gives a sparkline a strip: lines+1 (caption) of the area.
				m.SetSize(size.w, min(lines+1, size.h))
				m, _ = m.Update(press("right"))
				view := m.View()
				charttest.Fit(t, view, size.w, size.h, "golden")
				golden.RequireEqual(t, []byte(ansi.Strip(chart.Block(strings.Split(view, "\n"), size.w, size.h))))
			})
		}
	}
}

func TestResample(t *testing.T) {
	// 10 values into 4 buckets: [0,2) [2,5) [5,7) [7,10).
	v := []float64{1, 3, 5, 7, 9, math.NaN(), 4, 2, 2, 2}
	bs := Buckets(len(v), 4)
	want := [][2]int{{0, 2}, {2, 5}, {5, 7}, {7, 10}}
	for i := range want {
		if bs[i] != want[i] {
			t.Fatalf("buckets %v, want %v", bs, want)
		}
	}
	mean, _ := Resample(v, 4, Mean)
	sum, _ := Resample(v, 4, Sum)
	const tol = 1e-12
	for i, w := range []float64{2, 7, 4, 2} { // NaN skipped in bucket 3
		if math.Abs(mean[i]-w) > tol {
			t.Errorf("mean[%d] = %v, want %v ±%g", i, mean[i], w, tol)
		}
	}
	for i, w := range []float64{4, 21, 4, 6} {
		if math.Abs(sum[i]-w) > tol {
			t.Errorf("sum[%d] = %v, want %v ±%g", i, sum[i], w, tol)
		}
	}
	gap, _ := Resample([]float64{math.NaN(), math.Inf(1)}, 5, Mean)
	if !math.IsNaN(gap[0]) || !math.IsNaN(gap[1]) {
		t.Errorf("non-finite buckets = %v, want NaN gaps", gap)
	}
	if short, _ := Resample([]float64{1, 2}, 10, Mean); len(short) != 2 {
		t.Errorf("short series resampled to %d columns", len(short))
	}
}

func TestGlyphsAndScale(t *testing.T) {
	m := New(WithStyles(styles.Plain()), WithData([]float64{0, 1, 2, 3, 4, 5, 6, 7}, nil))
	m.SetSize(8, 1)
	if got := m.View(); got != "▁▂▃▄▅▆▇█" {
		t.Fatalf("one-line ramp = %q", got)
	}
	m.SetSize(8, 2) // 16 eighths: min → 1, max → 16
	if got := ansi.Strip(m.View()); got != "    ▂▄▆█\n▁▃▅▇████" {
		t.Fatalf("two-line ramp = %q", got)
	}
	m.SetData([]float64{5, 5, 5}, nil)
	m.SetSize(3, 1)
	if got := m.View(); got != "▄▄▄" {
		t.Fatalf("constant series = %q", got)
	}
	m.SetData([]float64{1, math.NaN(), 3}, nil)
	if got := m.View(); got != "▁ █" {
		t.Fatalf("gap = %q", got)
	}
}

func TestNavigationAndSelect(t *testing.T) {
	v, l := daily()
	m := New(WithStyles(styles.Plain()), WithData(v, l), WithAggregate(Sum), WithID("conv"))
	m.SetSize(52, 2) // 365 days into 52 columns of 7 days
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("blurred sparkline emitted")
	}
	m.Focus()
	m, _ = m.Update(press("right"))
	m, _ = m.Update(press("l"))
	m, _ = m.Update(press("h"))
	_, cmd := m.Update(press("enter"))
	got := cmd().(chart.SelectedMsg)
	// Column 1 covers days [7, 14).
	want := 0.0
	for _, x := range v[7:14] {
		want += x
	}
	if got.Component != chart.KindSparkline || got.Col != 1 || got.Index != 7 || got.Value != want || got.Label != "day 8–day 14" || got.ID != "conv" {
		t.Fatalf("msg %+v, want col 1 index 7 value %v", got, want)
	}
	view := ansi.Strip(m.View())
	if !strings.Contains(view, " ▲ day 8–day 14: ") {
		t.Fatalf("caption: %q", view)
	}
	m, _ = m.Update(press("end"))
	view = ansi.Strip(m.View())
	if !strings.Contains(view, "day 358–day 365") || !strings.HasSuffix(view, "▲") {
		t.Fatalf("caption at the right edge: %q", view)
	}
	// Resize narrower: the selection is clamped to the new column count.
	m.SetSize(10, 2)
	charttest.Fit(t, m.View(), 10, 2, "narrow")
	if m.col != 9 {
		t.Fatalf("col after shrink = %d", m.col)
	}
}

func TestEmpty(t *testing.T) {
	m := New(WithStyles(styles.Plain()), WithMinMax(), WithFocus())
	m.SetSize(20, 3)
	if !strings.Contains(m.View(), "no data") {
		t.Fatal("empty series not reported")
	}
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatal("enter on empty series")
	}
}

func TestFitsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n < 400; n++ {
		v := make([]float64, r.IntN(500))
		labels := make([]string, r.IntN(len(v)+1))
		for i := range v {
			v[i] = charttest.Value(r)
		}
		for i := range labels {
			labels[i] = charttest.Label(r)
		}
		opts := []Option{WithStyles(styles.Plain()), WithData(v, labels), WithAggregate(Aggregate(r.IntN(2)))}
		if r.IntN(2) == 0 {
			opts = append(opts, WithMinMax())
		}
		if r.IntN(2) == 0 {
			opts = append(opts, WithFocus())
		}
		m := New(opts...)
		w, h := r.IntN(130), r.IntN(10)
		m.SetSize(w, h)
		for k := r.IntN(20); k > 0; k-- {
			m, _ = m.Update(press([]string{"left", "right", "end", "home"}[r.IntN(4)]))
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
	v, l := daily()
	m := New(WithStyles(charttest.EnvStyles()), WithData(v, l), WithFocus())
	m.SetSize(80, 3)
	if !strings.Contains(m.View(), "\x1b[") {
		t.Fatal("no colour on a colour terminal")
	}
	t.Setenv("NO_COLOR", "1")
	m = New(WithStyles(charttest.EnvStyles()), WithData(v, l), WithFocus())
	m.SetSize(80, 3)
	if strings.Contains(m.View(), "\x1b") {
		t.Fatal("escape sequences under NO_COLOR")
	}
}
