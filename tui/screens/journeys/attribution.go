package journeys

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
)

// AttributionHalfLife is the half-life of the time-decay model, as the
// attribution command's default.
const AttributionHalfLife = 7 * 24 * time.Hour

// ConversionChoice is one choice of conversion event types.
type ConversionChoice struct {
	Name  string
	Types []string
}

// ConversionChoices lists the conversion choices for the data's event
// types: first every order type of segment.DefaultOrderTypes the data has
// (together, the default), then each of those types alone, then every
// other type alone.
func ConversionChoices(types []string) []ConversionChoice {
	var orders []string
	for _, t := range segment.DefaultOrderTypes {
		if slices.Contains(types, t) {
			orders = append(orders, t)
		}
	}
	var out []ConversionChoice
	if len(orders) > 0 {
		out = append(out, ConversionChoice{Name: strings.Join(orders, " or "), Types: orders})
	}
	if len(orders) > 1 {
		for _, t := range orders {
			out = append(out, ConversionChoice{Name: t, Types: []string{t}})
		}
	}
	for _, t := range types {
		if !slices.Contains(orders, t) {
			out = append(out, ConversionChoice{Name: t, Types: []string{t}})
		}
	}
	return out
}

type attrResult struct {
	group   workspace.AttributionGroup
	q       workspace.Query
	opt     workspace.AttributionOptions
	choices []ConversionChoice
	choice  int
}

type attrView struct {
	s *Screen
	state
	res    *attrResult
	choice int // wanted conversion choice
	model  int
	chart  bars.Model
	w, h   int
	k      struct{ prev, next, conv key.Binding }
}

func newAttrView(s *Screen) *attrView {
	v := &attrView{s: s}
	v.stale = true
	v.chart = bars.New(bars.WithStyles(s.c.Styles), bars.WithID("attribution"), bars.WithFocus(), bars.WithMaxLabelWidth(14), bars.WithFormat(func(x float64) string { return fmt.Sprintf("%.1f", x) }))
	v.k.prev = bind("left,h", "←/h", "previous model")
	v.k.next = bind("right,l", "→/l", "next model")
	v.k.conv = bind("T", "T", "conversion type")
	return v
}

func (v *attrView) markStale() { v.stale = true }

func (v *attrView) ensure() tea.Cmd {
	if v.stale && !v.loading {
		return v.run()
	}
	return nil
}

func (v *attrView) run() tea.Cmd {
	v.begin()
	q := v.s.query()
	// Attribution credits channels: the step label is the channel.
	q.Label = journey.LabelSpec{By: journey.ByChannel}
	q.CollapseRepeats = false
	want := v.choice
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindAttribution, "attributing conversions", func(ctx context.Context) (any, error) {
		w := b.Workspace()
		_, types, err := w.Labels(ctx)
		if err != nil {
			return nil, err
		}
		choices := ConversionChoices(types)
		if len(choices) == 0 {
			return nil, fmt.Errorf("no event types loaded: load data on the Data screen first")
		}
		ch := chart.Clamp(want, 0, len(choices)-1)
		opt := workspace.AttributionOptions{ConversionTypes: choices[ch].Types}
		mopt := attribution.Options{TimeDecay: attribution.TimeDecayOptions{HalfLife: AttributionHalfLife}, Markov: attribution.MarkovOptions{Order: 1}}
		groups, err := w.Attribute(ctx, q, opt, attribution.Models(), mopt)
		if err != nil {
			return nil, err
		}
		r := &attrResult{q: q, opt: opt, choices: choices, choice: ch}
		if len(groups) > 0 {
			r.group = groups[0]
		}
		return r, nil
	})
}

func (v *attrView) result(msg backend.ResultMsg) (bool, tea.Cmd) {
	if msg.Kind != KindAttribution {
		return false, nil
	}
	if v.finish(msg) {
		if r, ok := msg.Value.(*attrResult); ok {
			v.res = r
			v.choice = r.choice
			v.fill()
		}
	}
	return true, nil
}

// modelResult is the selected model's result.
func (v *attrView) modelResult() (attribution.Result, bool) {
	if v.res == nil || v.model >= len(v.res.group.Results) {
		return attribution.Result{}, false
	}
	return v.res.group.Results[v.model], true
}

// AttributionItems are the bars of one model's result: a bar per channel,
// by conversions credited (descending), with the share and value as note.
func AttributionItems(r attribution.Result) []bars.Item {
	rows := r.ByConversions()
	items := make([]bars.Item, len(rows))
	for i, row := range rows {
		items[i] = bars.Item{Label: row.Channel, Value: row.Conversions, Note: chart.FormatPercent(row.Share) + " · value " + chart.FormatCompact(row.Value)}
	}
	return items
}

func (v *attrView) fill() {
	r, ok := v.modelResult()
	if !ok {
		v.chart.SetData(nil)
		return
	}
	v.chart.SetData(AttributionItems(r))
}

func (v *attrView) tableRows() int {
	if v.res == nil {
		return 0
	}
	n := len(v.res.group.Results[0].Rows) + 2
	if v.h-3-n < 3 {
		return 0
	}
	return n
}

func (v *attrView) setSize(w, h int) {
	v.w, v.h = w, h
	v.layout()
}

func (v *attrView) layout() {
	v.chart.SetSize(v.w, max(v.h-2-v.tableRows(), 0))
}

func (v *attrView) key(msg tea.KeyMsg) tea.Cmd {
	n := len(attribution.Models())
	switch {
	case key.Matches(msg, v.k.prev):
		v.model = (v.model + n - 1) % n
		v.fill()
		return nil
	case key.Matches(msg, v.k.next):
		v.model = (v.model + 1) % n
		v.fill()
		return nil
	case key.Matches(msg, v.k.conv):
		if v.res != nil && len(v.res.choices) > 0 {
			v.choice = (v.res.choice + 1) % len(v.res.choices)
		}
		return v.run()
	}
	var cmd tea.Cmd
	v.chart, cmd = v.chart.Update(msg)
	return cmd
}

// who lists the customers with a converting journey in which the channel
// of bar i was touched before the conversion.
func (v *attrView) who(i int) tea.Cmd {
	r, ok := v.modelResult()
	if !ok {
		return nil
	}
	rows := r.ByConversions()
	if i < 0 || i >= len(rows) {
		return nil
	}
	ch := rows[i].Channel
	q := v.res.q
	lookback := v.res.opt.Lookback
	if lookback == 0 {
		lookback = workspace.DefaultLookback
	}
	q.Split = journey.Split{Mode: journey.BeforeConversion, ConversionTypes: v.res.opt.ConversionTypes, Lookback: lookback}
	title := fmt.Sprintf("conversions (%s) touched by %s within %s", v.res.choices[v.res.choice].Name, ch, Seconds(lookback.Seconds()))
	return v.s.who.Show(title, func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
		keep := func(c *journey.Customer) bool {
			for _, j := range c.Journeys {
				if !j.Converted {
					continue
				}
				for k := 0; k+1 < len(j.Events); k++ {
					if c.EventChannel(j.Events[k]) == ch {
						return true
					}
				}
			}
			return false
		}
		return w.Who(ctx, q, "touch:"+ch, journey.WhoFunc(WhoLimit, keep))
	})
}

// modelNames are short model names for the compact table.
var modelNames = map[string]string{
	attribution.ModelFirstTouch: "first", attribution.ModelLastTouch: "last", attribution.ModelLinear: "linear",
	attribution.ModelPositionBased: "position", attribution.ModelTimeDecay: "decay", attribution.ModelMarkov: "markov", attribution.ModelShapley: "shapley",
}

func short(model string) string {
	if s, ok := modelNames[model]; ok {
		return s
	}
	return model
}

func (v *attrView) view() string {
	st := v.s.c.Styles
	if v.res == nil || v.err != nil {
		return chart.Block([]string{v.placeholder(v.s, "attribution")}, v.w, v.h)
	}
	g := v.res.group
	sum := fmt.Sprintf("conversion %s (T changes) · %s conversions · value %s · %s paths, %s nulls", v.res.choices[v.res.choice].Name,
		chart.FormatCount(float64(g.Conversions)), chart.FormatCompact(g.Value), chart.FormatCount(float64(g.Distinct)), chart.FormatCount(float64(g.Nulls)))
	sum += v.busy()
	lines := []string{st.Render(st.Muted, chart.Truncate(sum, v.w))}
	models := attribution.Models()
	var tabs strings.Builder
	for i, m := range models {
		if i == v.model {
			tabs.WriteString(st.Render(st.Selected, "["+short(m)+"]"))
		} else {
			tabs.WriteString(st.Render(st.Muted, " "+short(m)+" "))
		}
	}
	lines = append(lines, chart.Truncate(st.Render(st.Header, "model ")+tabs.String(), v.w))
	r, ok := v.modelResult()
	if !ok || len(r.Rows) == 0 {
		lines = append(lines, st.Render(st.Muted, "no conversion of this type under these filters (T picks another type)"))
		return chart.Block(lines, v.w, v.h)
	}
	v.layout()
	lines = append(lines, splitLines(v.chart.View())...)
	if v.tableRows() > 0 {
		lines = append(lines, v.table()...)
	}
	return chart.Block(lines, v.w, v.h)
}

// table is the compact comparison: each channel's share of the
// conversions under every model, side by side.
func (v *attrView) table() []string {
	st := v.s.c.Styles
	models := v.res.group.Results
	cw := 9
	lw := max(min(14, v.w-cw*len(models)-2), 6)
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Model
	}
	cols := AttributionColumns(names)
	head := chart.PadRight(cols[0], lw)
	for i := range models {
		h := chart.PadLeft(cols[i+1], cw)
		if i == v.model {
			h = st.Render(st.Selected, h)
		}
		head += h
	}
	out := []string{st.Render(st.Header, chart.Truncate("all models side by side", v.w)), chart.Truncate(st.Render(st.Header, head), v.w)}
	for _, row := range models[0].Rows {
		line := chart.PadRight(chart.Sanitize(row.Channel), lw)
		for _, m := range models {
			x, _ := m.Row(row.Channel)
			line += chart.PadLeft(chart.FormatPercent(x.Share), cw)
		}
		out = append(out, chart.Truncate(line, v.w))
	}
	return out
}

func (v *attrView) keys() ([]key.Binding, [][]key.Binding) {
	sel := bind("enter", "enter", "customers")
	ck := v.chart.KeyMap()
	return []key.Binding{v.k.prev, v.k.next, v.k.conv, sel},
		[][]key.Binding{{ck.Up, ck.Down, ck.Home, ck.End, sel}, {v.k.prev, v.k.next, v.k.conv}}
}
