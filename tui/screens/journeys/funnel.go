package journeys

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
)

// Windows are the conversion windows the funnel builder cycles through (w).
var Windows = []struct {
	Name string
	D    time.Duration
}{{"1d", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"14d", 14 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour}}

// Modes are the funnel modes the builder cycles through (m).
var Modes = []journey.FunnelMode{journey.Ordered, journey.Strict, journey.AnyOrder}

// FunnelOptions returns the funnel of the given steps (one label each), in
// mode, with the conversion window d.
func FunnelOptions(steps []string, mode journey.FunnelMode, d time.Duration) journey.FunnelOptions {
	o := journey.FunnelOptions{Mode: mode, Window: d}
	for _, s := range steps {
		o.Steps = append(o.Steps, journey.FunnelStep{Name: s, Labels: []string{s}})
	}
	return o
}

// FunnelItems turns a funnel group into bars: step i's solid bar is the
// customers who reached it, its remainder those who dropped off since the
// previous step; the note gives the conversion from the first and the
// previous step and the drop-off.
func FunnelItems(g journey.FunnelGroup) []bars.Item {
	items := make([]bars.Item, len(g.Steps))
	for i, st := range g.Steps {
		note := chart.FormatPercent(st.FromFirst) + " of step 1"
		if i > 0 {
			note += " · " + chart.FormatPercent(st.FromPrevious) + " of prev · −" + chart.FormatCount(float64(st.DropOff))
		}
		items[i] = bars.Item{Label: fmt.Sprintf("%d %s", i+1, st.Name), Value: float64(st.Customers), Remainder: float64(st.DropOff), Note: note}
	}
	return items
}

type funnelResult struct {
	res  journey.FunnelResult
	q    workspace.Query
	opts journey.FunnelOptions
}

type funnelView struct {
	s *Screen
	state
	// the label list
	labels      []journey.ActivityCount
	labelsFor   string // label choice the labels were read for
	labelsStale bool
	labelsBusy  bool
	rows        []int
	cur, off    int
	filter      app.ListFilter

	steps      []string
	stepsLabel string
	mode       int
	window     int
	focusBars  bool

	res   *funnelResult
	chart bars.Model
	w, h  int
	k     struct{ toggle, later, earlier, mode, window, list, bars, reached, filter, clear key.Binding }
}

func newFunnelView(s *Screen) *funnelView {
	v := &funnelView{s: s, filter: app.NewListFilter(), window: 2, labelsStale: true}
	v.chart = bars.New(bars.WithStyles(s.c.Styles), bars.WithID("funnel"), bars.WithMaxLabelWidth(22))
	v.k.toggle = bind(" ", "space", "add/remove step")
	v.k.later = bind("J", "J", "move step later")
	v.k.earlier = bind("K", "K", "move step earlier")
	v.k.mode = bind("m", "m", "mode: ordered/strict/any-order")
	v.k.window = bind("w", "w", "window: 1d/7d/14d/30d/90d")
	v.k.list = bind("left,h", "←/h", "labels")
	v.k.bars = bind("right,l", "→/l", "bars")
	v.k.reached = bind("y", "y", "customers who reached the step")
	v.k.filter = bind("/", "/", "filter labels")
	v.k.clear = bind("X", "X", "remove every step")
	return v
}

// Steps returns the funnel's steps in order.
func (v *funnelView) Steps() []string { return append([]string(nil), v.steps...) }

func (v *funnelView) markStale() { v.stale, v.labelsStale = true, true }

func (v *funnelView) ensure() tea.Cmd {
	var cmds []tea.Cmd
	if lab := v.s.labelName(); v.stepsLabel != lab {
		if len(v.steps) > 0 {
			cmds = append(cmds, app.Status("the funnel's steps were cleared: steps are now labelled by "+lab))
		}
		v.steps, v.stepsLabel, v.res = nil, lab, nil
		cmds = append(cmds, v.announce())
	}
	if v.labelsStale && !v.labelsBusy {
		cmds = append(cmds, v.runLabels())
	}
	if v.stale && !v.loading {
		cmds = append(cmds, v.run())
	}
	return tea.Batch(cmds...)
}

func (v *funnelView) runLabels() tea.Cmd {
	v.labelsBusy, v.labelsStale = true, false
	q := v.s.query()
	lab := v.s.labelName()
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindFunnelLabels, "reading step labels", func(ctx context.Context) (any, error) {
		t, err := b.Workspace().Transitions(ctx, q)
		if err != nil {
			return nil, err
		}
		return labelsResult{label: lab, acts: t.Activities}, nil
	})
}

type labelsResult struct {
	label string
	acts  []journey.ActivityCount
}

func (v *funnelView) run() tea.Cmd {
	v.stale = false
	if len(v.steps) == 0 {
		v.res = nil
		v.loading = false
		return nil
	}
	v.begin()
	q := v.s.query()
	opts := FunnelOptions(v.steps, Modes[v.mode], Windows[v.window].D)
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindFunnel, "computing the funnel", func(ctx context.Context) (any, error) {
		res, err := b.Workspace().Funnel(ctx, q, opts)
		if err != nil {
			return nil, err
		}
		return &funnelResult{res: res, q: q, opts: opts}, nil
	})
}

// announce tells other screens the funnel's definition.
func (v *funnelView) announce() tea.Cmd {
	m := FunnelStepsMsg{Steps: v.Steps(), Mode: Modes[v.mode], Window: Windows[v.window].Name, Label: v.s.labelName()}
	return func() tea.Msg { return m }
}

func (v *funnelView) result(msg backend.ResultMsg) (bool, tea.Cmd) {
	switch msg.Kind {
	case KindFunnelLabels:
		v.labelsBusy = false
		if msg.Err != nil {
			if msg.Cancelled() {
				v.labelsStale = true
			}
			return true, nil
		}
		if r, ok := msg.Value.(labelsResult); ok {
			v.labels, v.labelsFor = r.acts, r.label
			v.refilter()
		}
		return true, nil
	case KindFunnel:
		if v.finish(msg) {
			if r, ok := msg.Value.(*funnelResult); ok {
				v.res = r
				v.chart.SetData(FunnelItems(r.res.Overall))
			}
		}
		return true, nil
	}
	return false, nil
}

func (v *funnelView) refilter() {
	v.rows = v.rows[:0]
	for i, a := range v.labels {
		if v.filter.Match(a.Label) {
			v.rows = append(v.rows, i)
		}
	}
	v.cur = chart.Clamp(v.cur, 0, max(len(v.rows)-1, 0))
}

func (v *funnelView) listW() int { return chart.Clamp(v.w/3, 16, 30) }

func (v *funnelView) setSize(w, h int) {
	v.w, v.h = w, h
	v.chart.SetSize(max(w-v.listW()-1, 0), max(h-2, 0))
}

func (v *funnelView) passthrough(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	v.filter, cmd, _ = v.filter.Update(msg)
	return cmd
}

func (v *funnelView) stepIndex(label string) int {
	for i, s := range v.steps {
		if s == label {
			return i
		}
	}
	return -1
}

// Toggle adds label as the last step, or removes it when it is a step.
func (v *funnelView) Toggle(label string) tea.Cmd {
	if i := v.stepIndex(label); i >= 0 {
		v.steps = append(v.steps[:i], v.steps[i+1:]...)
	} else {
		v.steps = append(v.steps, label)
	}
	v.stepsLabel = v.s.labelName()
	return v.changed()
}

func (v *funnelView) changed() tea.Cmd {
	return tea.Batch(v.run(), v.announce())
}

// move moves step i by d places.
func (v *funnelView) move(i, d int) tea.Cmd {
	j := i + d
	if i < 0 || i >= len(v.steps) || j < 0 || j >= len(v.steps) {
		return nil
	}
	v.steps[i], v.steps[j] = v.steps[j], v.steps[i]
	if v.focusBars {
		v.chart.SetSelected(j)
	}
	return v.changed()
}

func (v *funnelView) listRows() int {
	n := v.h - 2
	if v.filter.Focused() || v.filter.Active() {
		n--
	}
	return max(n, 0)
}

func (v *funnelView) key(msg tea.KeyMsg) tea.Cmd {
	if v.filter.Focused() {
		var cmd tea.Cmd
		var changed bool
		v.filter, cmd, changed = v.filter.Update(msg)
		if changed {
			v.refilter()
		}
		return cmd
	}
	// The step the reorder keys act on: the selected bar, or the
	// selected label when it is a step.
	sel := -1
	if v.focusBars {
		if i, ok := v.chart.Selected(); ok {
			sel = i
		}
	} else if v.cur < len(v.rows) {
		sel = v.stepIndex(v.labels[v.rows[v.cur]].Label)
	}
	switch {
	case key.Matches(msg, v.k.mode):
		v.mode = (v.mode + 1) % len(Modes)
		return v.changed()
	case key.Matches(msg, v.k.window):
		v.window = (v.window + 1) % len(Windows)
		return v.changed()
	case key.Matches(msg, v.k.later):
		return v.move(sel, 1)
	case key.Matches(msg, v.k.earlier):
		return v.move(sel, -1)
	case key.Matches(msg, v.k.clear):
		if len(v.steps) == 0 {
			return nil
		}
		v.steps = nil
		return v.changed()
	case key.Matches(msg, v.k.list):
		v.focusBars = false
		v.chart.Blur()
		return nil
	case key.Matches(msg, v.k.bars):
		if v.res != nil && len(v.steps) > 0 {
			v.focusBars = true
			v.chart.Focus()
		}
		return nil
	}
	if v.focusBars {
		if key.Matches(msg, v.k.reached) {
			if i, ok := v.chart.Selected(); ok {
				return v.who(i, journey.Reached)
			}
			return nil
		}
		if key.Matches(msg, v.k.toggle) {
			if i, ok := v.chart.Selected(); ok && i < len(v.steps) {
				return v.Toggle(v.steps[i])
			}
			return nil
		}
		var cmd tea.Cmd
		v.chart, cmd = v.chart.Update(msg)
		return cmd
	}
	page := max(v.listRows(), 1)
	switch {
	case key.Matches(msg, v.k.filter):
		return v.filter.Focus()
	case msg.String() == "esc" && v.filter.Active():
		v.filter.Clear()
		v.refilter()
	case key.Matches(msg, v.k.toggle), msg.String() == "enter":
		if v.cur < len(v.rows) {
			return v.Toggle(v.labels[v.rows[v.cur]].Label)
		}
	case msg.String() == "up" || msg.String() == "k":
		v.cur--
	case msg.String() == "down" || msg.String() == "j":
		v.cur++
	case msg.String() == "pgup":
		v.cur -= page
	case msg.String() == "pgdown":
		v.cur += page
	case msg.String() == "home" || msg.String() == "g":
		v.cur = 0
	case msg.String() == "end" || msg.String() == "G":
		v.cur = len(v.rows) - 1
	}
	v.cur = chart.Clamp(v.cur, 0, max(len(v.rows)-1, 0))
	return nil
}

// who lists the customers who dropped off before step i+1 (for the first
// step: who reached it) or who reached it.
func (v *funnelView) who(i int, outcome journey.FunnelOutcome) tea.Cmd {
	if v.res == nil || i < 0 || i >= len(v.res.opts.Steps) {
		return nil
	}
	if i == 0 {
		outcome = journey.Reached
	}
	r := v.res
	step := i + 1
	title := fmt.Sprintf("funnel step %d %s: reached it", step, r.opts.Steps[i].Name)
	if outcome == journey.DroppedAt {
		title = fmt.Sprintf("funnel step %d %s: reached step %d but not this one", step, r.opts.Steps[i].Name, step-1)
	}
	return v.s.who.Show(title, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
		return w.WhoFunnel(ctx, r.q, r.opts, step, outcome, "", WhoLimit)
	})
}

func (v *funnelView) view() string {
	st := v.s.c.Styles
	sum := fmt.Sprintf("mode %s · window %s · %d steps", Modes[v.mode], Windows[v.window].Name, len(v.steps))
	if v.res != nil {
		o := v.res.res.Overall
		sum += fmt.Sprintf(" · converted %s (%s)", chart.FormatCount(float64(o.Converted)), chart.FormatPercent(o.Conversion))
		if o.TimeToConvert.Count > 0 {
			sum += " · median time " + Seconds(o.TimeToConvert.Median)
		}
	}
	sum += v.busy()
	top := []string{st.Render(st.Muted, chart.Truncate(sum, v.w))}

	// left: the labels
	lw := v.listW()
	left := []string{st.Render(st.Header, chart.Truncate("labels (space adds)", lw))}
	if fv := v.filter.View(lw); fv != "" {
		left = append(left, fv)
	}
	switch {
	case v.labelsBusy && len(v.labels) == 0:
		left = append(left, st.Render(st.Muted, "reading labels…"))
	case len(v.rows) == 0:
		left = append(left, st.Render(st.Muted, "no labels"))
	}
	n := v.listRows()
	v.off = chart.ScrollOffset(v.off, v.cur, n, len(v.rows))
	for i := v.off; i < v.off+n && i < len(v.rows); i++ {
		a := v.labels[v.rows[i]]
		mark := "[ ]"
		if j := v.stepIndex(a.Label); j >= 0 {
			mark = "[" + strconv.Itoa(j+1) + "]"
			if j >= 9 {
				mark = "[*]"
			}
		}
		line := chart.PadRight(mark+" "+chart.Sanitize(a.Label), lw-2)
		if i == v.cur && !v.focusBars {
			left = append(left, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			left = append(left, "  "+line)
		}
	}

	// right: the bars
	rw := max(v.w-lw-1, 0)
	var right []string
	switch {
	case len(v.steps) == 0:
		right = []string{st.Render(st.Muted, "Pick the funnel's steps from the labels on the left:"),
			st.Render(st.Muted, "space adds a label as the next step (again removes it),"),
			st.Render(st.Muted, "J/K reorder, m mode, w window, → the bars, enter on a bar"),
			st.Render(st.Muted, "lists who dropped off there.")}
	case v.res == nil || v.err != nil:
		right = []string{v.placeholder(v.s, "funnel")}
	default:
		right = []string{st.Render(st.Header, chart.Truncate("customers reaching each step (░ dropped since previous)", rw))}
		right = append(right, splitLines(v.chart.View())...)
	}
	body := chart.Block(left, lw, max(v.h-1, 0))
	rb := chart.Block(right, rw, max(v.h-1, 0))
	bl, rl := splitLines(body), splitLines(rb)
	for i := range bl {
		r := ""
		if i < len(rl) {
			r = rl[i]
		}
		top = append(top, bl[i]+" "+r)
	}
	return chart.Block(top, v.w, v.h)
}

func (v *funnelView) keys() ([]key.Binding, [][]key.Binding) {
	if v.filter.Focused() {
		return []key.Binding{bind("enter", "enter", "keep filter"), bind("esc", "esc", "clear filter")}, nil
	}
	sel := bind("enter", "enter", "who dropped here")
	if !v.focusBars {
		return []key.Binding{v.k.toggle, v.k.later, v.k.earlier, v.k.mode, v.k.window, v.k.bars},
			[][]key.Binding{{v.k.toggle, v.k.later, v.k.earlier, v.k.clear, v.k.filter}, {v.k.mode, v.k.window, v.k.list, v.k.bars, sel, v.k.reached}}
	}
	return []key.Binding{sel, v.k.reached, v.k.later, v.k.earlier, v.k.mode, v.k.window, v.k.list},
		[][]key.Binding{{v.k.toggle, v.k.later, v.k.earlier, v.k.clear, v.k.filter}, {v.k.mode, v.k.window, v.k.list, v.k.bars, sel, v.k.reached}}
}

// Seconds writes a duration in seconds in the largest fitting unit ("45s",
// "12m", "3.5h", "2.1d").
func Seconds(s float64) string {
	switch {
	case !chart.Finite(s):
		return "n/a"
	case s < 60:
		return fmt.Sprintf("%.0fs", s)
	case s < 3600:
		return fmt.Sprintf("%.0fm", s/60)
	case s < 86400:
		return fmt.Sprintf("%.1fh", s/3600)
	}
	return fmt.Sprintf("%.1fd", s/86400)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
