package journeys

import (
	"context"
	"fmt"
	"math"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/heatmap"
)

// Transition matrix sizes: the labels shown by frequency, the rest grouped
// into OtherLabel.
const (
	DefaultTopLabels = 8
	MaxTopLabels     = 40
)

// Cell is one cell of a grouped transition matrix: the observations of
// the edges it groups, their probability in the row, and their times.
type Cell struct {
	Count int64
	P     float64
	// Mean is the mean time between the steps in seconds (Σ sum / Σ
	// count over the grouped edges); Median is exact only for a single
	// edge (NaN otherwise).
	Mean, Median float64
}

// Grouped is a row-normalised transition matrix over the top labels,
// every other label merged into journey.OtherLabel.
type Grouped struct {
	Rows, Cols []string // Rows: (start), labels, (other); Cols: labels, (other), (end)
	Cells      [][]Cell
}

// GroupTransitions builds the transition matrix over the top n activities
// (by events) of t, merging the others into journey.OtherLabel: for rows
// a and columns b, count(a→b) sums the grouped edges' counts, and
//
//	P[a][b] = count(a→b) / (Σ_c count(a→c) + end(a)),   P[a][(end)] = end(a) / (same),
//
// the row normalisation of journey.TransitionMatrix; the (start) row is
// start(b) / journeys. Without grouping (n ≥ labels) P equals
// t.Matrix.P.
func GroupTransitions(t journey.TransitionsResult, n int) Grouped {
	top := map[string]int{}
	var labels []string
	for _, a := range t.Activities {
		if len(labels) >= n {
			break
		}
		top[a.Label] = len(labels)
		labels = append(labels, a.Label)
	}
	grouped := len(t.Activities) > len(labels)
	g := Grouped{Rows: append([]string{journey.StartLabel}, labels...), Cols: append([]string{}, labels...)}
	if grouped {
		g.Rows = append(g.Rows, journey.OtherLabel)
		g.Cols = append(g.Cols, journey.OtherLabel)
	}
	g.Cols = append(g.Cols, journey.EndLabel)
	endCol := len(g.Cols) - 1
	rowOf := func(l string) int {
		if i, ok := top[l]; ok {
			return i + 1
		}
		return len(g.Rows) - 1
	}
	colOf := func(l string) int {
		if i, ok := top[l]; ok {
			return i
		}
		return endCol - 1
	}
	type acc struct {
		count int64
		sum   float64
		med   float64
		edges int
	}
	cells := make([][]acc, len(g.Rows))
	for i := range cells {
		cells[i] = make([]acc, len(g.Cols))
	}
	for _, e := range t.Edges {
		c := &cells[rowOf(e.From)][colOf(e.To)]
		c.count += e.Count
		c.sum += e.Duration.Sum
		c.med = e.Duration.Median
		c.edges++
	}
	for _, s := range t.Start {
		c := &cells[0][colOf(s.Label)]
		c.count += s.Count
		c.edges++
	}
	for _, e := range t.End {
		c := &cells[rowOf(e.Label)][endCol]
		c.count += e.Count
		c.edges++
	}
	g.Cells = make([][]Cell, len(g.Rows))
	for r := range cells {
		var tot int64
		for _, c := range cells[r] {
			tot += c.count
		}
		if r == 0 {
			tot = t.Journeys
		}
		g.Cells[r] = make([]Cell, len(g.Cols))
		for c, a := range cells[r] {
			cell := Cell{Count: a.count, P: math.NaN(), Mean: math.NaN(), Median: math.NaN()}
			if tot > 0 {
				cell.P = float64(a.count) / float64(tot)
			}
			if a.count > 0 && r > 0 && c != endCol {
				cell.Mean = a.sum / float64(a.count)
				if a.edges == 1 {
					cell.Median = a.med
				}
			}
			g.Cells[r][c] = cell
		}
	}
	return g
}

type transResult struct {
	res journey.TransitionsResult
	q   workspace.Query
}

type transView struct {
	s *Screen
	state
	res   *transResult
	g     Grouped
	top   int
	chart heatmap.Model
	w, h  int
	k     struct{ more, fewer key.Binding }
}

func newTransView(s *Screen) *transView {
	v := &transView{s: s, top: DefaultTopLabels}
	v.stale = true
	v.chart = v.newChart()
	v.k.more = bind("+,=", "+", "more labels")
	v.k.fewer = bind("-", "-", "fewer labels")
	return v
}

func (v *transView) newChart() heatmap.Model {
	return heatmap.New(heatmap.WithStyles(v.s.c.Styles), heatmap.WithID("transitions"), heatmap.WithFocus(),
		heatmap.WithMaxLabelWidth(16), heatmap.WithMaxCellWidth(6), heatmap.WithCaption(v.caption))
}

func (v *transView) markStale() { v.stale = true }

func (v *transView) ensure() tea.Cmd {
	if v.stale && !v.loading {
		return v.run()
	}
	return nil
}

func (v *transView) run() tea.Cmd {
	v.begin()
	q := v.s.query()
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindTransitions, "computing transitions", func(ctx context.Context) (any, error) {
		res, err := b.Workspace().Transitions(ctx, q)
		if err != nil {
			return nil, err
		}
		return &transResult{res: res, q: q}, nil
	})
}

func (v *transView) result(msg backend.ResultMsg) (bool, tea.Cmd) {
	if msg.Kind != KindTransitions {
		return false, nil
	}
	if v.finish(msg) {
		if r, ok := msg.Value.(*transResult); ok {
			v.res = r
			v.regroup()
		}
	}
	return true, nil
}

func (v *transView) regroup() {
	if v.res == nil {
		return
	}
	v.g = GroupTransitions(v.res.res, v.top)
	vals := make([][]float64, len(v.g.Rows))
	for r := range vals {
		vals[r] = make([]float64, len(v.g.Cols))
		for c := range vals[r] {
			vals[r][c] = v.g.Cells[r][c].P
		}
	}
	v.chart.SetData(v.g.Rows, v.g.Cols, vals)
}

func (v *transView) caption(row, col string, p float64) string {
	r, c, ok := v.chart.Selected()
	if !ok || r >= len(v.g.Cells) || c >= len(v.g.Cells[r]) {
		return row + " → " + col
	}
	cell := v.g.Cells[r][c]
	s := fmt.Sprintf("%s → %s: %s of the row, %s times", chart.Sanitize(row), chart.Sanitize(col), chart.FormatPercent(p), chart.FormatCount(float64(cell.Count)))
	if chart.Finite(cell.Mean) {
		s += ", mean " + Seconds(cell.Mean)
	}
	if chart.Finite(cell.Median) {
		s += ", median " + Seconds(cell.Median)
	}
	return s
}

func (v *transView) setSize(w, h int) {
	v.w, v.h = w, h
	v.chart.SetSize(w, max(h-1, 0))
}

func (v *transView) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.k.more):
		if v.top < MaxTopLabels {
			v.top++
			v.regroup()
		}
		return nil
	case key.Matches(msg, v.k.fewer):
		if v.top > 1 {
			v.top--
			v.regroup()
		}
		return nil
	}
	var cmd tea.Cmd
	v.chart, cmd = v.chart.Update(msg)
	return cmd
}

// who lists the customers behind the transition of cell (r, c).
func (v *transView) who(r, c int) tea.Cmd {
	if v.res == nil || r < 0 || r >= len(v.g.Rows) || c < 0 || c >= len(v.g.Cols) {
		return nil
	}
	from, to := v.g.Rows[r], v.g.Cols[c]
	if from == journey.OtherLabel || to == journey.OtherLabel {
		return statusErr("“(other)” groups several labels: press + to show more labels, then pick a named one")
	}
	q := v.res.q
	title := fmt.Sprintf("the transition %s → %s", from, to)
	return v.s.who.Show(title, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
		return w.WhoEdge(ctx, q, from, to, WhoLimit)
	})
}

func (v *transView) view() string {
	st := v.s.c.Styles
	if v.res == nil || v.err != nil {
		return chart.Block([]string{v.placeholder(v.s, "transitions")}, v.w, v.h)
	}
	r := v.res.res
	sum := fmt.Sprintf("%s journeys · %s events · %d labels, top %d shown · P(row → column), rows sum to 100%%", chart.FormatCount(float64(r.Journeys)), chart.FormatCount(float64(r.Events)), len(r.Activities), min(v.top, len(r.Activities)))
	sum += v.busy()
	lines := []string{st.Render(st.Muted, chart.Truncate(sum, v.w))}
	if len(r.Activities) == 0 {
		lines = append(lines, st.Render(st.Muted, "no events under these filters"))
		return chart.Block(lines, v.w, v.h)
	}
	return chart.Block(append(lines, splitLines(v.chart.View())...), v.w, v.h)
}

func (v *transView) keys() ([]key.Binding, [][]key.Binding) {
	sel := bind("enter", "enter", "customers")
	ck := v.chart.KeyMap()
	return []key.Binding{bind("up,down", "↑↓←→", "move"), sel, v.k.more, v.k.fewer},
		[][]key.Binding{{ck.Up, ck.Down, ck.Left, ck.Right, ck.PageUp, ck.PageDown, ck.Home, ck.End}, {sel, v.k.more, v.k.fewer}}
}
