package compare_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
)

// smallComparison is two policies, both methods; b has no off-policy row.
func smallComparison() *compare.Comparison {
	return &compare.Comparison{
		Rows: []compare.Row{
			{Policy: "a", SimNet: &compare.Estimate{Value: 2, Low: 1, High: 3}, SimUplift: &compare.Estimate{Value: 0.5, Low: 0.25, High: 0.75}, OPE: &compare.Estimate{Value: 0.1, Low: 0.05, High: 0.15}},
			{Policy: "b", SimNet: &compare.Estimate{Value: 1, Low: 0, High: 2}, SimUplift: &compare.Estimate{Value: -0.5, Low: -1, High: 0}},
		},
		Sim:        &compare.SimOutcome{Result: &montecarlo.Result{Customers: 12000, HorizonDays: 30, Seed: 7}, Replicates: 5},
		OPE:        &compare.OPEOutcome{Estimator: "dr", N: 4321},
		SimVerdict: &compare.Verdict{Leader: "a", Declared: true},
		OPEVerdict: &compare.Verdict{Leader: "a"},
	}
}

func TestPolicyEstimates(t *testing.T) {
	cmp := smallComparison()
	for _, tc := range []struct {
		measures []string
		want     []chart.Estimate
	}{
		{[]string{"net"}, []chart.Estimate{
			{Policy: "a", Method: "Simulated net value", Value: 2, Lo: 1, Hi: 3},
			{Policy: "b", Method: "Simulated net value", Value: 1, Lo: 0, Hi: 2}}},
		{[]string{"net", "uplift"}, []chart.Estimate{
			{Policy: "a", Method: "Simulated net value", Value: 2, Lo: 1, Hi: 3},
			{Policy: "a", Method: "Simulated uplift over doing nothing", Value: 0.5, Lo: 0.25, Hi: 0.75},
			{Policy: "b", Method: "Simulated net value", Value: 1, Lo: 0, Hi: 2},
			{Policy: "b", Method: "Simulated uplift over doing nothing", Value: -0.5, Lo: -1, Hi: 0}}},
		// b has no off-policy estimate, so it is left out.
		{[]string{"ope"}, []chart.Estimate{{Policy: "a", Method: "Off-policy estimate", Value: 0.1, Lo: 0.05, Hi: 0.15}}},
	} {
		got, err := compare.PolicyEstimates(cmp, tc.measures...)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %+v, want %+v", tc.measures, got, tc.want)
		}
	}
	if _, err := compare.PolicyEstimates(cmp, "revenue"); err == nil {
		t.Error("an unknown measure should be refused")
	}
}

func TestPolicyChartMeta(t *testing.T) {
	cmp := smallComparison()
	for _, tc := range []struct {
		measures                []string
		title, ylabel, subtitle string
	}{
		{[]string{"net"}, "Policy comparison: simulated net value per customer", "Per customer over the horizon",
			"12,000 customers × 30 days, seed 7, 5 refits · winner a · 95% intervals"},
		{[]string{"uplift"}, "Policy comparison: simulated uplift per customer over doing nothing", "Per customer over the horizon",
			"12,000 customers × 30 days, seed 7, 5 refits · winner a · 95% intervals"},
		{[]string{"ope"}, "Policy comparison: off-policy value per decision (DR estimator)", "Mean reward per decision",
			"4,321 logged decisions · no clear winner · 95% intervals"},
	} {
		m := compare.PolicyChartMeta(cmp, tc.measures...)
		if m.Title != tc.title || m.YLabel != tc.ylabel || m.Subtitle != tc.subtitle {
			t.Errorf("%v: got %q / %q / %q, want %q / %q / %q", tc.measures, m.Title, m.YLabel, m.Subtitle, tc.title, tc.ylabel, tc.subtitle)
		}
	}
}

func TestLearningSeries(t *testing.T) {
	r := &montecarlo.Result{Policies: []montecarlo.PolicyResult{
		{Name: "fixed", Curve: []montecarlo.CurvePoint{{Day: 0, Decisions: 10, Mean: 1}}},
		{Name: "bandit", Learner: true, Curve: []montecarlo.CurvePoint{
			{Day: 0, Decisions: 4, Mean: 0.5}, {Day: 7, Decisions: 0, Mean: math.NaN()}, {Day: 14, Decisions: 8, Mean: 0.75}}},
		{Name: "idle learner", Learner: true},
	}}
	got := compare.LearningSeries(r, true)
	if len(got) != 1 || got[0].Name != "bandit" || !slices.Equal(got[0].X, []float64{0, 14}) || !slices.Equal(got[0].Y, []float64{0.5, 0.75}) {
		t.Errorf("learners: %+v, want bandit at days 0 and 14 (the empty week left out)", got)
	}
	if all := compare.LearningSeries(r, false); len(all) != 2 || all[0].Name != "fixed" {
		t.Errorf("all policies: %+v, want fixed then bandit", all)
	}
	if _, err := chart.LearningCurves(got, compare.LearningChartMeta(r)); err != nil {
		t.Errorf("the series do not draw: %v", err)
	}
}

func ExamplePolicyEstimates() {
	cmp := &compare.Comparison{Rows: []compare.Row{
		{Policy: "weekly email", SimNet: &compare.Estimate{Value: 1.5, Low: 1.25, High: 1.75}},
		{Policy: "do nothing", SimNet: &compare.Estimate{Value: 0, Low: 0, High: 0}},
	}}
	est, _ := compare.PolicyEstimates(cmp, compare.MeasureNet)
	for _, e := range est {
		fmt.Printf("%s: %s %.2f [%.2f, %.2f]\n", e.Policy, e.Method, e.Value, e.Lo, e.Hi)
	}
	// Output:
	// weekly email: Simulated net value 1.50 [1.25, 1.75]
	// do nothing: Simulated net value 0.00 [0.00, 0.00]
}
