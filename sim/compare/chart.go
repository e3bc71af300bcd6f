package compare

import (
	"fmt"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
)

// The measures of a comparison row that PolicyEstimates charts.
const (
	// MeasureNet is the simulated net value per customer over the
	// horizon (Row.SimNet).
	MeasureNet = "net"
	// MeasureUplift is the simulated paired difference per customer with
	// the do-nothing holdout (Row.SimUplift).
	MeasureUplift = "uplift"
	// MeasureOPE is the off-policy estimate of the mean reward per logged
	// decision (Row.OPE).
	MeasureOPE = "ope"
)

// MeasureNames are the chart's names of the measures (its legend).
var MeasureNames = map[string]string{
	MeasureNet:    "Simulated net value",
	MeasureUplift: "Simulated uplift over doing nothing",
	MeasureOPE:    "Off-policy estimate",
}

// measureOf returns the estimate of measure in r (nil when r lacks it).
func measureOf(r Row, measure string) *Estimate {
	switch measure {
	case MeasureNet:
		return r.SimNet
	case MeasureUplift:
		return r.SimUplift
	case MeasureOPE:
		return r.OPE
	}
	return nil
}

// PolicyEstimates lays the comparison out for chart.PolicyComparison: for
// each row of cmp in order and each measure in order, the estimate
// {Policy: the row's policy, Method: MeasureNames[measure], Value, Lo:
// Low, Hi: High} (its 95% interval). A row without a measure (no
// simulation, no off-policy evaluation) gives no estimate for it. The
// error names an unknown measure.
func PolicyEstimates(cmp *Comparison, measures ...string) ([]chart.Estimate, error) {
	for _, x := range measures {
		if _, ok := MeasureNames[x]; !ok {
			return nil, fmt.Errorf("unknown measure %q: use %s, %s or %s", x, MeasureNet, MeasureUplift, MeasureOPE)
		}
	}
	var est []chart.Estimate
	for _, r := range cmp.Rows {
		for _, x := range measures {
			e := measureOf(r, x)
			if e == nil {
				continue
			}
			est = append(est, chart.Estimate{Policy: r.Policy, Method: MeasureNames[x], Value: e.Value, Lo: e.Low, Hi: e.High})
		}
	}
	return est, nil
}

// PolicyChartMeta is the title, value axis and subtitle of the chart of
// PolicyEstimates(cmp, measures...): off-policy per decision with its
// estimator when the first measure is MeasureOPE, else simulated per
// customer. The subtitle names the data (logged decisions, or customers ×
// days, seed and refits), the verdict in a few words and "95% intervals",
// joined by " · ".
func PolicyChartMeta(cmp *Comparison, measures ...string) chart.Meta {
	var m chart.Meta
	var src []string
	if len(measures) > 0 && measures[0] == MeasureOPE {
		m.Title = "Policy comparison: off-policy value per decision"
		m.YLabel = "Mean reward per decision"
		if cmp.OPE != nil {
			m.Title += fmt.Sprintf(" (%s estimator)", strings.ToUpper(cmp.OPE.Estimator))
			src = append(src, chart.Thousands(int64(cmp.OPE.N))+" logged decisions")
		}
		if v := cmp.OPEVerdict; v != nil {
			src = append(src, VerdictText(v))
		}
	} else {
		m.Title = "Policy comparison: simulated net value per customer"
		if len(measures) == 1 && measures[0] == MeasureUplift {
			m.Title = "Policy comparison: simulated uplift per customer over doing nothing"
		}
		m.YLabel = "Per customer over the horizon"
		if cmp.Sim != nil && cmp.Sim.Result != nil {
			r := cmp.Sim.Result
			src = append(src, fmt.Sprintf("%s customers × %d days, seed %d, %d refits", chart.Thousands(int64(r.Customers)), r.HorizonDays, r.Seed, cmp.Sim.Replicates))
		}
		if v := cmp.SimVerdict; v != nil {
			src = append(src, VerdictText(v))
		}
	}
	m.Subtitle = strings.Join(append(src, "95% intervals"), " · ")
	return m
}

// VerdictText is a verdict in a few words: "winner X" when the interval
// of the leader's paired difference with the runner-up excludes zero,
// else "no clear winner".
func VerdictText(v *Verdict) string {
	if v.Declared {
		return "winner " + v.Leader
	}
	return "no clear winner"
}

// LearningSeries lays the learning curves of r out for
// chart.LearningCurves: one series per policy with a curve (only the
// policies that learn when learnersOnly), in r's order, X the first day of
// each bucket and Y its mean net reward per decision (Σ reward / decisions
// over the bucket's days). Buckets without decisions are left out, as they
// have no mean.
func LearningSeries(r *montecarlo.Result, learnersOnly bool) []chart.Series {
	var out []chart.Series
	for _, p := range r.Policies {
		if learnersOnly && !p.Learner {
			continue
		}
		s := chart.Series{Name: p.Name}
		for _, c := range p.Curve {
			if c.Decisions == 0 {
				continue
			}
			s.X = append(s.X, float64(c.Day))
			s.Y = append(s.Y, c.Mean)
		}
		if len(s.X) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// LearningChartMeta is the title and axes of the learning curves of a
// simulation, its subtitle naming customers × days and seed (r may be nil
// when only the title and axes are wanted).
func LearningChartMeta(r *montecarlo.Result) chart.Meta {
	m := chart.Meta{
		Title:  "Learning curves: mean net reward per decision over the simulated days",
		XLabel: "Day of the simulation (start of the period)",
		YLabel: "Mean net reward per decision",
	}
	if r != nil {
		m.Subtitle = fmt.Sprintf("%s customers × %d days, seed %d", chart.Thousands(int64(r.Customers)), r.HorizonDays, r.Seed)
	}
	return m
}
