package journeys

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/sankey"
)

// Path view limits: the step limit and the labels kept per step.
const (
	MinPathSteps   = 2
	MaxPathSteps   = 10
	DefaultSteps   = 5
	DefaultTopK    = 6
	MaxTopK        = 20
	pathsChartName = "paths"
)

// pathsResult is a paths query's answer with what produced it, so that a
// node's customers are listed under the same query and options.
type pathsResult struct {
	res  journey.PathsResult
	q    workspace.Query
	opts journey.PathOptions
}

type pathsView struct {
	s *Screen
	state
	opts  journey.PathOptions
	res   *pathsResult
	chart sankey.Model
	w, h  int
	k     struct{ start, end, clear, steps, fewer, topk, lessK key.Binding }
}

func newPathsView(s *Screen) *pathsView {
	v := &pathsView{s: s, opts: journey.PathOptions{Steps: DefaultSteps, TopK: DefaultTopK}}
	v.stale = true
	v.chart = sankey.New(sankey.WithStyles(s.c.Styles), sankey.WithID(pathsChartName), sankey.WithFocus())
	v.k.start = bind("s", "s", "start anchor: selected node")
	v.k.end = bind("E", "E", "end anchor: selected node")
	v.k.clear = bind("x", "x", "clear anchors")
	v.k.steps = bind("+,=", "+", "one more step")
	v.k.fewer = bind("-", "-", "one step fewer")
	v.k.topk = bind("]", "]", "more labels per step")
	v.k.lessK = bind("[", "[", "fewer labels per step")
	return v
}

func (v *pathsView) markStale() { v.stale = true }

func (v *pathsView) ensure() tea.Cmd {
	if v.stale && !v.loading {
		return v.run()
	}
	return nil
}

func (v *pathsView) run() tea.Cmd {
	v.begin()
	q, opts := v.s.query(), v.opts
	opts.CollapseRepeats = q.CollapseRepeats
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindPaths, "computing paths", func(ctx context.Context) (any, error) {
		res, err := b.Workspace().Paths(ctx, q, opts)
		if err != nil {
			return nil, err
		}
		return &pathsResult{res: res, q: q, opts: opts}, nil
	})
}

func (v *pathsView) result(msg backend.ResultMsg) (bool, tea.Cmd) {
	if msg.Kind != KindPaths {
		return false, nil
	}
	if v.finish(msg) {
		if r, ok := msg.Value.(*pathsResult); ok {
			v.res = r
			v.fill()
		}
	}
	return true, nil
}

// SankeyData converts a paths result into the Sankey component's nodes and
// links: node i is PathsResult node i (its column is Step−1, its value the
// journeys through it), link i is PathsResult link i.
func SankeyData(res journey.PathsResult) ([]sankey.Node, []sankey.Link) {
	nodes := make([]sankey.Node, len(res.Nodes))
	for i, n := range res.Nodes {
		k := sankey.Step
		switch n.Kind {
		case "other":
			k = sankey.Other
		case "drop-off":
			k = sankey.DropOff
		}
		nodes[i] = sankey.Node{Step: max(n.Step-1, 0), Label: n.Label, Value: float64(n.Journeys), Kind: k}
	}
	links := make([]sankey.Link, len(res.Links))
	for i, l := range res.Links {
		links[i] = sankey.Link{From: l.Source, To: l.Target, Value: float64(l.Journeys)}
	}
	return nodes, links
}

func (v *pathsView) fill() {
	nodes, links := SankeyData(v.res.res)
	titles := make([]string, v.res.opts.Steps)
	for i := range titles {
		titles[i] = fmt.Sprintf("step %d", i+1)
	}
	if v.res.opts.Start != "" && len(titles) > 0 {
		titles[0] = "start"
	}
	if v.res.opts.End != "" && v.res.opts.Start == "" && len(titles) > 0 {
		titles[len(titles)-1] = "end"
	}
	v.chart = sankey.New(sankey.WithStyles(v.s.c.Styles), sankey.WithID(pathsChartName), sankey.WithFocus(),
		sankey.WithStepTitles(titles), sankey.WithData(nodes, links))
	v.chart.SetSize(v.w, max(v.h-1, 0))
}

func (v *pathsView) setSize(w, h int) {
	v.w, v.h = w, h
	v.chart.SetSize(w, max(h-1, 0))
}

// selectedNode returns the selected path node, if a node is selected.
func (v *pathsView) selectedNode() (journey.PathNode, bool) {
	if v.res == nil {
		return journey.PathNode{}, false
	}
	i, link, ok := v.chart.Selected()
	if !ok || link || i < 0 || i >= len(v.res.res.Nodes) {
		return journey.PathNode{}, false
	}
	return v.res.res.Nodes[i], true
}

func (v *pathsView) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.k.start), key.Matches(msg, v.k.end):
		n, ok := v.selectedNode()
		if !ok || n.Kind != "step" {
			return statusErr("select a step node (not a band, “other” or drop-off) to anchor the paths on its label")
		}
		if key.Matches(msg, v.k.start) {
			v.opts.Start = n.Label
		} else {
			v.opts.End = n.Label
		}
		return v.run()
	case key.Matches(msg, v.k.clear):
		if v.opts.Start == "" && v.opts.End == "" {
			return nil
		}
		v.opts.Start, v.opts.End = "", ""
		return v.run()
	case key.Matches(msg, v.k.steps):
		if v.opts.Steps < MaxPathSteps {
			v.opts.Steps++
			return v.run()
		}
		return nil
	case key.Matches(msg, v.k.fewer):
		if v.opts.Steps > MinPathSteps {
			v.opts.Steps--
			return v.run()
		}
		return nil
	case key.Matches(msg, v.k.topk):
		if v.opts.TopK < MaxTopK {
			v.opts.TopK++
			return v.run()
		}
		return nil
	case key.Matches(msg, v.k.lessK):
		if v.opts.TopK > 1 {
			v.opts.TopK--
			return v.run()
		}
		return nil
	}
	var cmd tea.Cmd
	v.chart, cmd = v.chart.Update(msg)
	return cmd
}

// who lists the customers behind the selected node or band.
func (v *pathsView) who(m chart.SelectedMsg) tea.Cmd {
	if v.res == nil {
		return nil
	}
	r := v.res
	var title string
	if m.Link {
		if m.Index < 0 || m.Index >= len(r.res.Links) {
			return nil
		}
		l := r.res.Links[m.Index]
		a, b := r.res.Nodes[l.Source], r.res.Nodes[l.Target]
		title = fmt.Sprintf("the band %s (step %d) → %s (step %d)", a.Label, a.Step, b.Label, b.Step)
	} else {
		if m.Index < 0 || m.Index >= len(r.res.Nodes) {
			return nil
		}
		n := r.res.Nodes[m.Index]
		title = fmt.Sprintf("%s at step %d", n.Label, n.Step)
	}
	link, id := m.Link, m.Index
	return v.s.who.Show(title, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
		return w.WhoPath(ctx, r.q, r.opts, link, id, WhoLimit)
	})
}

func (v *pathsView) view() string {
	st := v.s.c.Styles
	if v.res == nil || v.err != nil {
		return chart.Block([]string{v.placeholder(v.s, "paths")}, v.w, v.h)
	}
	r := v.res
	anchors := "from the first step"
	switch {
	case r.opts.Start != "" && r.opts.End != "":
		anchors = fmt.Sprintf("from %s to %s", r.opts.Start, r.opts.End)
	case r.opts.Start != "":
		anchors = "from the first " + r.opts.Start
	case r.opts.End != "":
		anchors = "up to the first " + r.opts.End
	}
	sum := fmt.Sprintf("%s journeys · %d steps · top %d per step · %s", chart.FormatCount(float64(r.res.Journeys)), r.opts.Steps, r.opts.TopK, chart.Sanitize(anchors))
	if r.res.Excluded > 0 {
		sum += fmt.Sprintf(" · %s without the anchor", chart.FormatCount(float64(r.res.Excluded)))
	}
	sum += v.busy()
	lines := []string{st.Render(st.Muted, chart.Truncate(sum, v.w))}
	if len(r.res.Nodes) == 0 {
		lines = append(lines, st.Render(st.Muted, "no journey under these filters and anchors (x clears the anchors, f changes the filters)"))
		return chart.Block(lines, v.w, v.h)
	}
	return chart.Block(append(lines, splitLines(v.chart.View())...), v.w, v.h)
}

func (v *pathsView) keys() ([]key.Binding, [][]key.Binding) {
	sel := bind("enter", "enter", "customers")
	short := []key.Binding{sel, v.k.start, v.k.end, v.k.clear, v.k.steps, v.k.topk}
	ck := v.chart.KeyMap()
	full := [][]key.Binding{{ck.Up, ck.Down, ck.Left, ck.Right, ck.Home, ck.End, sel}, {v.k.start, v.k.end, v.k.clear, v.k.steps, v.k.fewer, v.k.topk, v.k.lessK}}
	return short, full
}

func statusErr(text string) tea.Cmd {
	return func() tea.Msg { return app.StatusMsg{Text: text, Err: true} }
}
