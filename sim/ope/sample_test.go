package ope_test

import (
	"context"
	"math"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/ope"
)

// TestSampleDecisionLogAgainstTruth evaluates policies on the built-in
// sample's decision log and compares each estimate with the sample's
// ground truth: the mean over logged decisions of the true expected reward
// of the action the policy picks (truth/decisions_truth.csv). IPW, SNIPW,
// DR, SNDR and Switch-DR must lie within 3 bootstrap standard errors of it.
func TestSampleDecisionLogAgainstTruth(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 3000, Seed: 42}, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := sample.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	K := len(sample.Actions)
	index := map[string]int{}
	for a, name := range sample.Actions {
		index[name] = a
	}
	n := len(tr.Decisions)
	log := &ope.Log{K: K, Actions: make([]int, n), Rewards: make([]float64, n), Pscore: make([]float64, n)}
	rows := make([]map[string]string, n)
	for i := range tr.Decisions {
		d := &tr.Decisions[i]
		log.Actions[i] = index[d.Action]
		log.Rewards[i] = d.Reward
		log.Pscore[i] = d.Propensity
		rows[i] = map[string]string{"trigger": d.Trigger}
		for k, v := range d.Context {
			rows[i]["ctx_"+k] = v
		}
	}
	enc, err := ope.FitEncoding(rows, ope.EncodeOptions{NumericBins: 4})
	if err != nil {
		t.Fatal(err)
	}
	X, err := enc.Transform(rows)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ope.FitRewardModel(X, log.Actions, log.Rewards, K, ope.RewardModelOptions{Kind: ope.RidgePerAction, Alpha: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}

	policies := map[string]func(d *sample.DecisionTruth) string{
		"always email_offer when consented": func(d *sample.DecisionTruth) string {
			if d.Allowed(sample.ActionEmail) {
				return sample.ActionEmail
			}
			return sample.ActionNone
		},
		"push, else sms, else none": func(d *sample.DecisionTruth) string {
			for _, a := range []string{sample.ActionPush, sample.ActionSMS} {
				if d.Allowed(a) {
					return a
				}
			}
			return sample.ActionNone
		},
	}
	for name, pick := range policies {
		ad := make([]float64, n*K)
		for i := range tr.Decisions {
			ad[i*K+index[pick(&tr.Decisions[i])]] = 1
		}
		truth := tr.PolicyValue(func(d *sample.DecisionTruth) map[string]float64 { return map[string]float64{pick(d): 1} })
		rep, err := ope.Evaluate(log, ad, q, ope.Options{Bootstrap: 300, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: truth %.3f over %d decisions; ESS %.0f, never taken %.0f%%, warnings %q",
			name, truth, n, rep.Diagnostics.ESS, 100*rep.Diagnostics.NeverTakenShare, rep.Diagnostics.Warnings)
		for _, r := range rep.Results {
			t.Logf("  %-16s %8.3f [%8.3f, %8.3f] se %.3f", r.Name, r.Value, r.Low, r.High, r.StdErr)
			if r.Estimator.Kind == ope.DM {
				continue // holds the ridge model fixed; its error is not in the se
			}
			if d := math.Abs(r.Value - truth); d > 3*r.StdErr {
				t.Errorf("%s, %s = %.3f is %.3f from the truth %.3f, more than 3 se (%.3f)", name, r.Name, r.Value, d, truth, 3*r.StdErr)
			}
		}
	}
}
