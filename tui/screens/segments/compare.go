package segments

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
)

// CompareVariants is how many top variants each side lists.
const CompareVariants = 5

// Side is one segment of a comparison: its size, its funnel (when the
// funnel builder has steps), its channel mix (events per channel) and its
// top channel variants, all under the global time and channel filters.
type Side struct {
	Name     string
	Size     workspace.SegmentSize
	Funnel   *journey.FunnelResult
	Channels []journey.ActivityCount
	Events   int64
	Variants []journey.Variant
}

// Comparison is two segments side by side.
type Comparison struct {
	A, B   Side
	Funnel journeys.FunnelStepsMsg
}

// CompareSegments computes both sides of a comparison of segments a and b
// under the filters f (whose own segment is replaced by each side's).
func CompareSegments(ctx context.Context, w *workspace.Workspace, f app.Filters, a, b string, fun journeys.FunnelStepsMsg) (*Comparison, error) {
	out := &Comparison{Funnel: fun}
	for i, name := range []string{a, b} {
		side := Side{Name: name}
		def, err := w.ResolveSegment(ctx, name)
		if err != nil {
			return nil, err
		}
		if side.Size, err = w.SizeOf(ctx, def); err != nil {
			return nil, err
		}
		ff := f
		ff.Segment = name
		if len(fun.Steps) > 0 {
			q := journeys.Query(&ff, fun.Label, false)
			win := journeys.Windows[2].D
			for _, x := range journeys.Windows {
				if x.Name == fun.Window {
					win = x.D
				}
			}
			r, err := w.Funnel(ctx, q, journeys.FunnelOptions(fun.Steps, fun.Mode, win))
			if err != nil {
				return nil, err
			}
			side.Funnel = &r
		}
		q := journeys.Query(&ff, "channel", true)
		t, err := w.Transitions(ctx, q)
		if err != nil {
			return nil, err
		}
		side.Channels, side.Events = t.Activities, t.Events
		v, err := w.Variants(ctx, q, CompareVariants)
		if err != nil {
			return nil, err
		}
		side.Variants = v.Variants
		if i == 0 {
			out.A = side
		} else {
			out.B = side
		}
	}
	return out, nil
}

type compareView struct {
	s       *Screen
	a, b    string
	res     *Comparison
	loading bool
	stale   bool
	err     error
	w, h    int
}

func newCompareView(s *Screen) *compareView { return &compareView{s: s, stale: true} }

func (v *compareView) setSize(w, h int) { v.w, v.h = w, h }

func (v *compareView) set(a, b string) {
	if a != v.a || b != v.b {
		v.a, v.b, v.res, v.stale = a, b, nil, true
	}
}

func (v *compareView) ensure() tea.Cmd {
	if v.stale && !v.loading && v.a != "" {
		return v.run()
	}
	return nil
}

func (v *compareView) run() tea.Cmd {
	v.loading, v.stale, v.err = true, false, nil
	f := *v.s.c.Filters
	f.Channels = append([]string(nil), f.Channels...)
	a, b, fun := v.a, v.b, v.s.funnel
	bk := v.s.c.Backend
	return bk.RunLabel(context.Background(), KindCompare, "comparing segments", func(ctx context.Context) (any, error) {
		return CompareSegments(ctx, bk.Workspace(), f, a, b, fun)
	})
}

func (v *compareView) result(msg backend.ResultMsg) tea.Cmd {
	v.loading = false
	switch {
	case msg.Cancelled():
		v.stale = true
		return nil
	case msg.Err != nil:
		v.err = msg.Err
		return nil
	}
	v.res, _ = msg.Value.(*Comparison)
	return nil
}

func (v *compareView) key(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, v.s.km.refresh) {
		return v.run()
	}
	return nil
}

// sideView draws one side in w×h.
func (v *compareView) sideView(sd Side, w, h int) string {
	st := v.s.c.Styles
	lines := []string{st.Render(st.Title, chart.Truncate(chart.Sanitize(sd.Name), w)),
		st.Render(st.Muted, chart.Truncate(fmt.Sprintf("%s members (%s)", chart.FormatCount(float64(sd.Size.Members)), chart.FormatPercent(sd.Size.Share)), w))}
	rest := h - len(lines)
	draw := func(title string, items []bars.Item, n int) {
		if n < 2 || len(items) == 0 {
			return
		}
		lines = append(lines, st.Render(st.Header, chart.Truncate(title, w)))
		m := bars.New(bars.WithStyles(st), bars.WithItems(items), bars.WithMaxLabelWidth(12))
		m.SetSize(w, min(n-1, len(items)))
		lines = append(lines, strings.Split(m.View(), "\n")...)
	}
	if sd.Funnel != nil {
		items := journeys.FunnelItems(sd.Funnel.Overall)
		for i := range items {
			items[i].Note = chart.FormatPercent(sd.Funnel.Overall.Steps[i].FromFirst)
		}
		n := min(len(items)+1, rest/2)
		draw(fmt.Sprintf("funnel · converted %s", chart.FormatPercent(sd.Funnel.Overall.Conversion)), items, n)
		rest = h - len(lines)
	}
	var mix []bars.Item
	for _, a := range sd.Channels {
		share := 0.0
		if sd.Events > 0 {
			share = float64(a.Events) / float64(sd.Events)
		}
		mix = append(mix, bars.Item{Label: a.Label, Value: share * 100, Note: chart.FormatPercent(share)})
	}
	draw("channel mix (share of events)", mix, min(len(mix)+1, rest-min(CompareVariants+1, rest/2)))
	rest = h - len(lines)
	if rest >= 2 && len(sd.Variants) > 0 {
		lines = append(lines, st.Render(st.Header, chart.Truncate("top channel variants", w)))
		for _, x := range sd.Variants {
			if len(lines) >= h {
				break
			}
			lines = append(lines, chart.PadLeft(chart.FormatPercent(x.Coverage), 6)+" "+journeys.Sequence(x.Steps, max(w-7, 1)))
		}
	}
	return chart.Block(lines, w, h)
}

func (v *compareView) view() string {
	st := v.s.c.Styles
	title := fmt.Sprintf("Compare %s and %s", chart.Sanitize(v.a), chart.Sanitize(v.b))
	lines := []string{st.Render(st.Title, chart.Truncate(title, v.w))}
	switch {
	case v.loading && v.res == nil:
		lines = append(lines, st.Render(st.Muted, "computing both segments' journeys…  esc cancels"))
		return chart.Block(lines, v.w, v.h)
	case v.err != nil:
		lines = append(lines, st.Render(st.Error, chart.Sanitize(firstLine(v.err.Error()))))
		return chart.Block(lines, v.w, v.h)
	case v.res == nil:
		lines = append(lines, st.Render(st.Muted, "press r to compare"))
		return chart.Block(lines, v.w, v.h)
	}
	fun := "no funnel yet: build one on Journeys (3, u) to compare it here"
	if f := v.res.Funnel; len(f.Steps) > 0 {
		fun = fmt.Sprintf("funnel %s (%s, %s window, labels by %s)", strings.Join(f.Steps, " → "), f.Mode, f.Window, f.Label)
	}
	lines = append(lines, st.Render(st.Muted, chart.Truncate(fun, v.w)))
	cw := max((v.w-3)/2, 1)
	bh := max(v.h-len(lines), 0)
	left := strings.Split(v.sideView(v.res.A, cw, bh), "\n")
	right := strings.Split(v.sideView(v.res.B, cw, bh), "\n")
	for i := 0; i < bh; i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		lines = append(lines, chart.PadRight(l, cw)+st.Render(st.Muted, " │ ")+r)
	}
	return chart.Block(lines, v.w, v.h)
}

func (v *compareView) keys() ([]key.Binding, [][]key.Binding) {
	return []key.Binding{v.s.km.refresh}, [][]key.Binding{{v.s.km.refresh}}
}
