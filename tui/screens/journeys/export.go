package journeys

import (
	"context"
	"fmt"
	"strings"

	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/tui/app"
	"gonum.org/v1/plot"
)

// Columns of the tables the screen draws and exports (the same names on
// screen and in the CSV and JSON files).
var (
	// VariantColumns are the variants table's columns.
	VariantColumns = []string{"rank", "journeys", "share", "cumul.", "sequence"}
	// PathNodeColumns and PathLinkColumns are the Sankey's nodes and
	// bands.
	PathNodeColumns = []string{"step", "label", "kind", "journeys"}
	PathLinkColumns = []string{"from step", "from", "to step", "to", "journeys"}
	// FunnelColumns are the funnel's steps: customers reaching each step,
	// conversion from the first and the previous step, customers dropped
	// since the previous step and the median time from it in seconds.
	FunnelColumns = []string{"step", "name", "customers", "from first", "from previous", "dropped", "median seconds from previous"}
	// TransitionColumns are the cells of the heat map, one row per pair:
	// the transitions counted and P(row → column).
	TransitionColumns = []string{"from", "to", "transitions", "probability"}
)

// Export implements app.Exporter: the sub-view on screen (the list of
// customers behind a cell when it is open).
func (s *Screen) Export() (app.Export, bool) {
	if s.who.Open() {
		return s.who.Export()
	}
	switch s.sub {
	case ViewPaths:
		return s.paths.export()
	case ViewVariants:
		return s.vars.export()
	case ViewFunnel:
		return s.fun.export()
	case ViewTransitions:
		return s.trans.export()
	case ViewAttribution:
		return s.attr.export()
	}
	return app.Export{}, false
}

// steps names the step labels and the collapsing of repeats for titles.
func (s *Screen) stepsText() string {
	t := "by " + s.labelName()
	if s.collapse {
		t += ", repeats collapsed"
	}
	return t
}

func (v *pathsView) export() (app.Export, bool) {
	if v.res == nil || len(v.res.res.Nodes) == 0 {
		return app.Export{}, false
	}
	r := v.res
	nodes := report.New(PathNodeColumns...)
	for _, n := range r.res.Nodes {
		nodes.Add(n.Step, n.Label, n.Kind, n.Journeys)
	}
	links := report.New(PathLinkColumns...)
	for _, l := range r.res.Links {
		a, b := r.res.Nodes[l.Source], r.res.Nodes[l.Target]
		links.Add(a.Step, a.Label, b.Step, b.Label, l.Journeys)
	}
	title := fmt.Sprintf("User paths: first %d steps", r.opts.Steps)
	if r.opts.Start != "" {
		title += " from " + r.opts.Start
	}
	if r.opts.End != "" {
		title += " up to " + r.opts.End
	}
	res := r.res
	counts := achart.Plural(res.Journeys, "journey")
	if res.Excluded > 0 {
		counts += fmt.Sprintf(" (%s without the anchor left out)", achart.Thousands(res.Excluded))
	}
	return app.Export{
		Name:   "journeys-paths",
		Meta:   achart.Meta{Title: title + " " + v.s.stepsText()},
		Counts: counts,
		Chart: func(_ context.Context, m achart.Meta) (*plot.Plot, error) {
			return achart.Sankey(res, m)
		},
		Tables: []app.Table{{Name: "nodes", Table: nodes}, {Name: "links", Table: links}},
	}, true
}

func (v *variantsView) export() (app.Export, bool) {
	if v.res == nil {
		return app.Export{}, false
	}
	t := report.New(VariantColumns...)
	for _, i := range v.rows {
		x := v.res.res.Variants[i]
		t.Add(x.Rank, x.Journeys, x.Coverage, x.Cumulative, strings.Join(x.Steps, " > "))
	}
	return app.Export{Name: "journeys-variants", Tables: []app.Table{{Table: t}}}, true
}

func (v *funnelView) export() (app.Export, bool) {
	if v.res == nil || len(v.res.res.Overall.Steps) == 0 {
		return app.Export{}, false
	}
	res := v.res.res
	t := report.New(FunnelColumns...)
	for _, st := range res.Overall.Steps {
		var med any
		if st.Step > 1 && st.TimeFromPrevious.Count > 0 {
			med = st.TimeFromPrevious.Median
		}
		t.Add(st.Step, st.Name, st.Customers, st.FromFirst, st.FromPrevious, st.DropOff, med)
	}
	o := res.Overall
	entered := o.Steps[0].Customers
	title := fmt.Sprintf("%s funnel, %s window: %.1f%% of %s customers converted",
		upperFirst(res.Mode), Windows[v.window].Name, 100*o.Conversion, achart.Thousands(entered))
	return app.Export{
		Name:   "journeys-funnel",
		Meta:   achart.Meta{Title: title},
		Counts: "steps " + v.s.stepsText(),
		Chart: func(_ context.Context, m achart.Meta) (*plot.Plot, error) {
			return achart.Funnel(res, m)
		},
		Tables: []app.Table{{Table: t}},
	}, true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (v *transView) export() (app.Export, bool) {
	if v.res == nil || len(v.res.res.Activities) == 0 || len(v.g.Rows) == 0 {
		return app.Export{}, false
	}
	g := v.g
	t := report.New(TransitionColumns...)
	m := journey.TransitionMatrix{Rows: g.Rows, Cols: g.Cols, P: make([][]float64, len(g.Rows))}
	for i, row := range g.Cells {
		m.P[i] = make([]float64, len(row))
		for j, c := range row {
			m.P[i][j] = c.P
			if c.Count > 0 {
				t.Add(g.Rows[i], g.Cols[j], c.Count, c.P)
			}
		}
	}
	r := v.res.res
	return app.Export{
		Name:   "journeys-transitions",
		Meta:   achart.Meta{Title: fmt.Sprintf("Next-step probabilities, top %d steps %s", min(v.top, len(r.Activities)), v.s.stepsText())},
		Counts: achart.Plural(r.Journeys, "journey") + ", " + achart.Plural(r.Events, "event"),
		Chart: func(_ context.Context, meta achart.Meta) (*plot.Plot, error) {
			return achart.Transitions(m, meta)
		},
		Tables: []app.Table{{Table: t}},
	}, true
}

// AttributionColumns are the side-by-side table's columns: the channel,
// then each model's share of the conversions.
func AttributionColumns(models []string) []string {
	cols := []string{"channel"}
	for _, m := range models {
		cols = append(cols, short(m))
	}
	return cols
}

func (v *attrView) export() (app.Export, bool) {
	if v.res == nil || len(v.res.group.Results) == 0 || len(v.res.group.Results[0].Rows) == 0 {
		return app.Export{}, false
	}
	g := v.res.group
	var models []string
	for _, r := range g.Results {
		models = append(models, r.Model)
	}
	t := report.New(AttributionColumns(models)...)
	for _, row := range g.Results[0].Rows {
		cells := []any{row.Channel}
		for _, m := range g.Results {
			x, _ := m.Row(row.Channel)
			cells = append(cells, x.Share)
		}
		t.Add(cells...)
	}
	results := g.Results
	return app.Export{
		Name: "journeys-attribution",
		Meta: achart.Meta{Title: fmt.Sprintf("Conversions (%s) credited to each channel by %d attribution models",
			v.res.choices[v.res.choice].Name, len(results))},
		Counts: achart.Plural(g.Journeys, "journey") + ", " + achart.Plural(g.Conversions, "conversion"),
		Chart: func(_ context.Context, m achart.Meta) (*plot.Plot, error) {
			return achart.Attribution(results, m)
		},
		Tables: []app.Table{{Table: t}},
	}, true
}

// WhoColumns are the columns of the list of customers behind a cell.
var WhoColumns = []string{"customer", "identifier"}

// Export is the list on screen (the customers passing its filter), or the
// open profile's timeline.
func (l *WhoList) Export() (app.Export, bool) {
	if !l.open {
		return app.Export{}, false
	}
	if l.showProfile {
		return l.profile.Export()
	}
	if l.res == nil {
		return app.Export{}, false
	}
	t := report.New(WhoColumns...)
	for _, i := range l.rows {
		c := l.res.Customers[i]
		t.Add(c.ID, c.Identifier)
	}
	return app.Export{Name: strings.ReplaceAll(l.kind, ".", "-"), Tables: []app.Table{{Table: t}}}, true
}
