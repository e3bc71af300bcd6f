package chart

import (
	"fmt"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"gonum.org/v1/plot"
)

// Kind is one chart the workbench exports: its name on the command line
// (workbench chart KIND), a one-line description for help texts, and the
// Go type Render expects as its data.
type Kind struct {
	Name        string
	Description string
	Input       string
}

// Kinds lists the charts in presentation order.
func Kinds() []Kind {
	return []Kind{
		{"sankey", "Sankey flow of user paths: a column per step, bands of journeys between steps, other and drop-off nodes", "journey.PathsResult"},
		{"funnel", "Funnel bars: customers reaching each step with the drop-off stacked lighter, side by side per breakdown group", "journey.FunnelResult"},
		{"transitions", "Heat map of the row-normalised transition matrix P(next step | current step), with (start) and (end)", "journey.TransitionMatrix or journey.TransitionsResult"},
		{"attribution", "Conversions credited to each channel by several attribution models, grouped bars", "[]attribution.Result"},
		{"policies", "Estimated value of each policy with 95% intervals, one colour per evaluation method", "[]chart.Estimate"},
		{"learning", "Learning curves: a line per policy over time with an optional 95% band", "[]chart.Series"},
		{"volume", "Daily volume by channel as stacked areas over a date axis", "chart.DailyVolume"},
	}
}

// KindNames lists the chart names.
func KindNames() []string {
	ks := Kinds()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name
	}
	return out
}

// Render builds the chart of the named kind from data, which must have
// the kind's input type (see Kinds; pointers to it are accepted too).
func Render(kind string, data any, m Meta) (*plot.Plot, error) {
	bad := func(want string) error {
		return fmt.Errorf("chart: a %s chart is drawn from %s, not %T", kind, want, data)
	}
	switch strings.ToLower(kind) {
	case "sankey":
		switch d := data.(type) {
		case journey.PathsResult:
			return Sankey(d, m)
		case *journey.PathsResult:
			return Sankey(*d, m)
		}
		return nil, bad("journey.PathsResult")
	case "funnel":
		switch d := data.(type) {
		case journey.FunnelResult:
			return Funnel(d, m)
		case *journey.FunnelResult:
			return Funnel(*d, m)
		}
		return nil, bad("journey.FunnelResult")
	case "transitions":
		switch d := data.(type) {
		case journey.TransitionMatrix:
			return Transitions(d, m)
		case *journey.TransitionMatrix:
			return Transitions(*d, m)
		case journey.TransitionsResult:
			return Transitions(d.Matrix, m)
		case *journey.TransitionsResult:
			return Transitions(d.Matrix, m)
		}
		return nil, bad("journey.TransitionMatrix")
	case "attribution":
		switch d := data.(type) {
		case []attribution.Result:
			return Attribution(d, m)
		case attribution.Result:
			return Attribution([]attribution.Result{d}, m)
		}
		return nil, bad("[]attribution.Result")
	case "policies":
		if d, ok := data.([]Estimate); ok {
			return PolicyComparison(d, m)
		}
		return nil, bad("[]chart.Estimate")
	case "learning":
		if d, ok := data.([]Series); ok {
			return LearningCurves(d, m)
		}
		return nil, bad("[]chart.Series")
	case "volume":
		switch d := data.(type) {
		case DailyVolume:
			return Volume(d, m)
		case *DailyVolume:
			return Volume(*d, m)
		}
		return nil, bad("chart.DailyVolume")
	}
	return nil, fmt.Errorf("chart: unknown chart kind %q; choose one of %s", kind, strings.Join(KindNames(), ", "))
}
