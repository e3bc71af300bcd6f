package journeys

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/keys"
)

// TopVariants is how many variants the table lists.
const TopVariants = 500

type variantsResult struct {
	res journey.VariantsResult
	q   workspace.Query
}

type variantsView struct {
	s *Screen
	state
	res      *variantsResult
	rows     []int // indexes of the variants passing the filter
	cur, off int
	filter   app.ListFilter
	w, h     int
	k        struct {
		keys.List
		filter key.Binding
	}
}

func newVariantsView(s *Screen) *variantsView {
	v := &variantsView{s: s, filter: app.NewListFilter()}
	v.stale = true
	v.k.List = keys.DefaultList()
	v.k.filter = bind("/", "/", "filter variants")
	return v
}

func (v *variantsView) markStale() { v.stale = true }

func (v *variantsView) ensure() tea.Cmd {
	if v.stale && !v.loading {
		return v.run()
	}
	return nil
}

func (v *variantsView) run() tea.Cmd {
	v.begin()
	q := v.s.query()
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindVariants, "computing variants", func(ctx context.Context) (any, error) {
		res, err := b.Workspace().Variants(ctx, q, TopVariants)
		if err != nil {
			return nil, err
		}
		return &variantsResult{res: res, q: q}, nil
	})
}

func (v *variantsView) result(msg backend.ResultMsg) (bool, tea.Cmd) {
	if msg.Kind != KindVariants {
		return false, nil
	}
	if v.finish(msg) {
		if r, ok := msg.Value.(*variantsResult); ok {
			v.res = r
			v.refilter()
		}
	}
	return true, nil
}

func (v *variantsView) refilter() {
	v.rows = v.rows[:0]
	if v.res == nil {
		return
	}
	for i, x := range v.res.res.Variants {
		if v.filter.Match(strings.Join(x.Steps, " > ")) {
			v.rows = append(v.rows, i)
		}
	}
	v.cur = chart.Clamp(v.cur, 0, max(len(v.rows)-1, 0))
}

func (v *variantsView) setSize(w, h int) { v.w, v.h = w, h }

func (v *variantsView) passthrough(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	v.filter, cmd, _ = v.filter.Update(msg)
	return cmd
}

func (v *variantsView) listRows() int {
	n := v.h - 2
	if v.filter.Focused() || v.filter.Active() {
		n--
	}
	return max(n, 0)
}

func (v *variantsView) key(msg tea.KeyMsg) tea.Cmd {
	if v.filter.Focused() {
		var cmd tea.Cmd
		var changed bool
		v.filter, cmd, changed = v.filter.Update(msg)
		if changed {
			v.refilter()
		}
		return cmd
	}
	if pos, ok := v.k.List.Move(msg, v.cur, len(v.rows), v.listRows()); ok {
		v.cur = pos
		return nil
	}
	switch {
	case key.Matches(msg, v.k.filter):
		return v.filter.Focus()
	case msg.String() == "esc" && v.filter.Active():
		v.filter.Clear()
		v.refilter()
	case msg.String() == "enter":
		return v.who()
	}
	v.cur = chart.Clamp(v.cur, 0, max(len(v.rows)-1, 0))
	return nil
}

// who lists the customers with a journey of the selected variant.
func (v *variantsView) who() tea.Cmd {
	if v.res == nil || v.cur < 0 || v.cur >= len(v.rows) {
		return nil
	}
	x := v.res.res.Variants[v.rows[v.cur]]
	q, rank := v.res.q, x.Rank
	title := fmt.Sprintf("variant #%d: %s", x.Rank, strings.Join(x.Steps, " > "))
	return v.s.who.Show(title, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
		return w.WhoVariant(ctx, q, rank, WhoLimit)
	})
}

// Sequence writes a variant's steps joined by " › ", truncated to w cells
// with an ellipsis.
func Sequence(steps []string, w int) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = chart.Sanitize(s)
	}
	return chart.Truncate(strings.Join(parts, " › "), w)
}

func (v *variantsView) view() string {
	st := v.s.c.Styles
	if v.res == nil || v.err != nil {
		return chart.Block([]string{v.placeholder(v.s, "variants")}, v.w, v.h)
	}
	r := v.res.res
	sum := fmt.Sprintf("%s journeys of %s customers · %s distinct variants", chart.FormatCount(float64(r.Journeys)), chart.FormatCount(float64(r.Customers)), chart.FormatCount(float64(r.Distinct)))
	if !r.Exact {
		sum += " (counts bounded)"
	}
	if len(r.Variants) < r.Distinct {
		sum += fmt.Sprintf(" · top %d listed", len(r.Variants))
	}
	if v.filter.Active() {
		sum += fmt.Sprintf(" · %d match", len(v.rows))
	}
	sum += v.busy()
	lines := []string{st.Render(st.Muted, chart.Truncate(sum, v.w))}
	if fv := v.filter.View(v.w); fv != "" {
		lines = append(lines, fv)
	}
	const rankW, cntW, pctW, cumW = 5, 9, 7, 7
	seqW := max(v.w-2-rankW-cntW-pctW-cumW-4, 4)
	c := VariantColumns
	head := chart.PadLeft(c[0], rankW) + " " + chart.PadLeft(c[1], cntW) + " " + chart.PadLeft(c[2], pctW) + " " + chart.PadLeft(c[3], cumW) + " " + c[4]
	lines = append(lines, "  "+st.Render(st.Header, chart.Truncate(head, v.w-2)))
	if len(v.rows) == 0 {
		msg := "no journey under these filters"
		if v.filter.Active() {
			msg = "no variant contains " + chart.Sanitize(v.filter.Value())
		}
		lines = append(lines, st.Render(st.Muted, "  "+msg))
	}
	n := v.listRows()
	v.off = chart.ScrollOffset(v.off, v.cur, n, len(v.rows))
	for i := v.off; i < v.off+n && i < len(v.rows); i++ {
		x := r.Variants[v.rows[i]]
		line := chart.PadLeft(strconv.Itoa(x.Rank), rankW) + " " + chart.PadLeft(chart.FormatCount(float64(x.Journeys)), cntW) + " " +
			chart.PadLeft(chart.FormatPercent(x.Coverage), pctW) + " " + chart.PadLeft(chart.FormatPercent(x.Cumulative), cumW) + " " + Sequence(x.Steps, seqW)
		if i == v.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return chart.Block(lines, v.w, v.h)
}

func (v *variantsView) keys() ([]key.Binding, [][]key.Binding) {
	if v.filter.Focused() {
		return []key.Binding{bind("enter", "enter", "keep filter"), bind("esc", "esc", "clear filter")}, nil
	}
	sel := bind("enter", "enter", "customers")
	return []key.Binding{bind("up,down", "↑/↓", "move"), sel, v.k.filter},
		[][]key.Binding{v.k.List.Bindings(), {sel, v.k.filter}}
}
