package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"

	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/tui/app"
	"gonum.org/v1/plot"
)

// TableColumns are the columns of the comparison table, as drawn (the
// narrowest columns are dropped on a small terminal; the export has them
// all). value is the estimate (simulation: net value per customer over the
// horizon; ope: mean reward per logged decision) and "95% interval" its
// interval [lo, hi]; "uplift vs nothing" is the paired difference with
// doing nothing and "uplift interval" its interval; contacts and opt-outs
// are per customer over the horizon (simulation rows only).
var TableColumns = []string{"policy", "method", "value", "95% interval", "uplift vs nothing", "uplift interval", "contacts", "opt-outs"}

// PolicyColumns are the columns of the setup view's policy list: run is
// true for a ticked policy (one the next run compares), type its type in
// the policy file.
var PolicyColumns = []string{"run", "policy", "type"}

// LearningColumns are the columns of the learning curves' data written
// beside the comparison (STEM-learning.csv and .json): each learning
// policy's decisions and mean net reward per decision in the bucket of
// days starting at day.
var LearningColumns = []string{"policy", "day", "decisions", "mean_reward"}

// Export implements app.Exporter. On the results view: the comparison
// table (Rows, the columns TableColumns), the chart of each policy's
// value with its 95% interval (PolicyChart) and, when a policy learns,
// the learning curves as an extra chart named learning (LearningChart,
// STEM-learning.EXT) and their data as a second table named learning
// (STEM-learning.csv and .json). On the setup view:
// the policy list (PolicyColumns). ok is false while there is nothing to
// export (no policy file read).
func (s *Screen) Export() (app.Export, bool) {
	if s.mode == modeResults && s.result != nil && !s.running {
		e := app.Export{Name: "simulate-results", Tables: []app.Table{{Table: s.ComparisonTable()}}}
		if lt := s.LearningTable(); lt != nil {
			e.Tables = append(e.Tables, app.Table{Name: "learning", Table: lt})
		}
		est, meta, err := s.PolicyChart()
		if err == nil {
			e.Meta = meta
			e.Chart = func(_ context.Context, m achart.Meta) (*plot.Plot, error) {
				return achart.PolicyComparison(est, m)
			}
		}
		if series, lm, err := s.LearningChart(); err == nil {
			e.Extra = append(e.Extra, app.NamedChart{Name: "learning", Meta: lm, Chart: func(_ context.Context, m achart.Meta) (*plot.Plot, error) {
				return achart.LearningCurves(series, m)
			}})
		}
		return e, true
	}
	if s.file == nil {
		return app.Export{}, false
	}
	t := report.New(PolicyColumns...)
	for i, n := range s.file.Names {
		t.Add(s.selected[n], n, s.file.Types[i])
	}
	return app.Export{Name: "simulate-policies", Tables: []app.Table{{Table: t}}}, true
}

// ComparisonTable is the comparison table on screen with every column
// (TableColumns), one row per TableRow: numbers as numbers, intervals as
// "[lo, hi]", a missing uplift, contacts or opt-outs empty.
func (s *Screen) ComparisonTable() *report.Table {
	t := report.New(TableColumns...)
	for _, r := range s.Rows() {
		var up, upi any
		if r.Uplift != nil {
			up, upi = r.Uplift.Value, interval(*r.Uplift)
		}
		var contacts, opt any
		if !math.IsNaN(r.Contacts) {
			contacts, opt = r.Contacts, r.OptOut
		}
		t.Add(r.Policy, r.Method, r.Value.Value, interval(r.Value), up, upi, contacts, opt)
	}
	return t
}

// interval writes an estimate's 95% interval as "[lo, hi]" with the
// numbers in the shortest form that reads back exactly.
func interval(e compare.Estimate) string {
	return "[" + report.Text(e.Low) + ", " + report.Text(e.High) + "]"
}

// LearningTable is the data of the learning curves on screen
// (LearningColumns): every bucket of every policy that learns, in the
// run's order; nil when no policy learns.
func (s *Screen) LearningTable() *report.Table {
	if s.result == nil || s.result.Comparison.Sim == nil || s.result.Comparison.Sim.Result == nil {
		return nil
	}
	t := report.New(LearningColumns...)
	for _, p := range s.result.Comparison.Sim.Result.Policies {
		if !p.Learner {
			continue
		}
		for _, c := range p.Curve {
			t.Add(p.Name, c.Day, c.Decisions, c.Mean)
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// chartMeasure is the measure the exported chart draws: the simulated net
// value per customer when the run simulated, else the off-policy value per
// decision (the two are in different units, so they are not mixed).
func (s *Screen) chartMeasure() string {
	if s.result != nil && s.result.Comparison.Sim != nil {
		return compare.MeasureNet
	}
	return compare.MeasureOPE
}

// PolicyChart is the chart input of the last run (compare.PolicyEstimates
// of the measure on screen first: simulated net value, or the off-policy
// estimate without a simulation) and its title and subtitle: the policy
// file, the method, the population × horizon, seed and refits (or the
// logged decisions), the verdict and "95% intervals".
func (s *Screen) PolicyChart() ([]achart.Estimate, achart.Meta, error) {
	if s.result == nil {
		return nil, achart.Meta{}, errors.New("no results yet: press r to run")
	}
	cmp := s.result.Comparison
	measure := s.chartMeasure()
	est, err := compare.PolicyEstimates(cmp, measure)
	if err != nil {
		return nil, achart.Meta{}, err
	}
	if len(est) == 0 {
		return nil, achart.Meta{}, errors.New("the run has no estimates to chart")
	}
	m := compare.PolicyChartMeta(cmp, measure)
	m.Subtitle = s.runText() + " · " + m.Subtitle
	return est, m, nil
}

// runText names the run: the policy file, the method, the population,
// the horizon and the seed ("policies.yaml · method both · customers as in
// the log · 90 days · seed 1").
func (s *Screen) runText() string {
	file := s.pathLabel()
	if file != Builtin {
		file = filepath.Base(file)
	}
	set := s.resSet
	return fmt.Sprintf("%s · method %s · customers %s · %d days · seed %d", file, set.Method, customersText(set.Customers), set.HorizonDays, set.Seed)
}

// LearningChart is the chart input of the learning curves on screen
// (compare.LearningSeries of the policies that learn) with its title and a
// subtitle naming the policy file, the method, the population, the
// horizon and the seed. The error says when no policy learns.
func (s *Screen) LearningChart() ([]achart.Series, achart.Meta, error) {
	if s.result == nil || s.result.Comparison.Sim == nil || s.result.Comparison.Sim.Result == nil {
		return nil, achart.Meta{}, errors.New("no simulation to draw learning curves from: run with method both or simulation")
	}
	r := s.result.Comparison.Sim.Result
	series := compare.LearningSeries(r, true)
	if len(series) == 0 {
		return nil, achart.Meta{}, errors.New("no policy of the run learns, so there are no learning curves")
	}
	m := compare.LearningChartMeta(r)
	m.Subtitle = s.runText() + " · " + m.Subtitle
	return series, m, nil
}
