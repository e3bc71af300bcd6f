package montecarlo

import (
	"context"
	"reflect"
	"testing"

	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// toyEnv is a hand-made environment: one class with base 0.05 and an
// email uplift of 0.10, SMS 0.05, opt-out optOut per contact.
func toyEnv(n int, optOut float64) *env.Env {
	acts := policy.DefaultActions()
	ch, _ := env.ActionChannels(acts)
	up := []float64{0, 0.10, 0.05, 0.02, 0.08}
	e := &env.Env{Actions: acts, Channel: ch, Groups: 1, ClassTable: []int{0, 0},
		Costs:             []env.Cost{{}, {Fixed: 0.1}, {Fixed: 0.4, Rate: 0.1}, {Fixed: 0.02}, {Fixed: 4}},
		FatigueWindowDays: 14, OutcomeDays: 7,
		Classes: []env.Response{{Label: "all", Base: [2]float64{0.05, 0.02}, Uplift: [2][]float64{up, up}, Fatigue: 0.8,
			OptOut: []float64{0, optOut, optOut, optOut, optOut}}}}
	for i := 0; i < n; i++ {
		e.Customers = append(e.Customers, env.Customer{ID: "c", Consent: [4]bool{true, true, i%2 == 0, false},
			CartRate: 0.02, LapseRate: 0.03, CartMu: 4, CartSigma: 0.5, LapseMu: 4, LapseSigma: 0.5, RecencyDays: 10})
	}
	return e
}

func builder(t testing.TB, learner bool) Build {
	acts := policy.DefaultActions()
	rules := policy.DefaultContactRules()
	return func() ([]policy.Policy, error) {
		ps := []policy.Policy{
			policy.Nothing{Actions: acts},
			&policy.Constrained{Policy: policy.Single{Actions: acts, Action: 1}, Rules: rules, Actions: acts},
			&policy.Constrained{Policy: policy.Single{Actions: acts, Action: 1}, Rules: rules, Actions: acts},
			&policy.Constrained{Policy: policy.Uniform{Actions: acts}, Rules: rules, Actions: acts},
		}
		if learner {
			ps = append(ps, policy.NewEpsilonGreedy("eg", acts, rules, 0.2, []string{"trigger"}))
		}
		return ps, nil
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	e := toyEnv(3000, 0.01)
	var first *Result
	for _, w := range []int{1, 2, 4} {
		r, err := Run(context.Background(), e, builder(t, true), Options{Customers: 6000, Seed: 9, Workers: w, ShardSize: 700})
		if err != nil {
			t.Fatal(err)
		}
		r.Elapsed, r.Workers = 0, 0
		if first == nil {
			first = r
			continue
		}
		if !reflect.DeepEqual(first, r) {
			t.Fatalf("result with %d workers differs from 1 worker", w)
		}
	}
}

func TestCommonRandomNumbers(t *testing.T) {
	r, err := Run(context.Background(), toyEnv(2000, 0.02), builder(t, false), Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Policies 1 and 2 are identical: every paired difference is exactly 0.
	if d := r.Paired[1][2]; d.Mean != 0 || d.SD != 0 {
		t.Errorf("identical policies: paired difference %+v, want exactly 0", d)
	}
	// The do-nothing policy equals the holdout customer by customer.
	for m := 0; m < NMetrics; m++ {
		if u := r.Policies[0].Uplift[m]; u.Mean != 0 || u.SD != 0 {
			t.Errorf("do nothing vs holdout, %s: %+v, want exactly 0", MetricNames[m], u)
		}
	}
	nothing := r.Policies[0].Metrics
	if nothing[Contacts].Mean != 0 || nothing[Cost].Mean != 0 || nothing[OptOuts].Mean != 0 {
		t.Errorf("do nothing: contacts %v cost %v opt-outs %v, want 0", nothing[Contacts].Mean, nothing[Cost].Mean, nothing[OptOuts].Mean)
	}
	// Pairing narrows the interval: the paired SD of email − uniform is
	// below the SD of either.
	if r.Paired[1][3].SD >= r.Policies[1].Metrics[Net].SD {
		t.Errorf("paired SD %.3f not below the unpaired %.3f", r.Paired[1][3].SD, r.Policies[1].Metrics[Net].SD)
	}
}

// TestOptOutStopsContacts: with opt-out certain, each customer is emailed
// at most once; the next decisions are blocked by the consent rule.
func TestOptOutStopsContacts(t *testing.T) {
	e := toyEnv(2000, 1)
	r, err := Run(context.Background(), e, builder(t, false), Options{Seed: 5, HorizonDays: 180})
	if err != nil {
		t.Fatal(err)
	}
	email := r.Policies[1].Metrics
	if email[Contacts].Mean != email[OptOuts].Mean {
		t.Errorf("contacts %.4f ≠ opt-outs %.4f: a customer was contacted after opting out", email[Contacts].Mean, email[OptOuts].Mean)
	}
	if email[Contacts].Mean > 1 || email[Contacts].Mean < 0.9 {
		t.Errorf("contacts per customer %.4f, want in [0.9, 1] (everyone decides at least once in 180 days with high probability)", email[Contacts].Mean)
	}
	if email[Decisions].Mean <= email[Contacts].Mean {
		t.Errorf("decisions %.3f should exceed contacts %.3f", email[Decisions].Mean, email[Contacts].Mean)
	}
}

// TestConversionRate checks the simulated conversion rate against the
// model: with no contacts (do nothing) conversions per decision are the
// base rates weighted by trigger shares, within 4 standard errors.
func TestConversionRate(t *testing.T) {
	e := toyEnv(20000, 0)
	r, err := Run(context.Background(), e, builder(t, false), Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Policies[0].Metrics
	// Share of cart decisions = 0.02/(0.02+0.03).
	want := m[Decisions].Mean * (0.4*0.05 + 0.6*0.02)
	if d := m[Conversions].Mean - want; d*d > 16*m[Conversions].StdErr*m[Conversions].StdErr {
		t.Errorf("conversions per customer %.4f, want %.4f ± 4·%.4f", m[Conversions].Mean, want, m[Conversions].StdErr)
	}
}

func TestWelfordMerge(t *testing.T) {
	xs := []float64{1, 4, 2, 8, 5, 7}
	var all, a, b Welford
	for i, x := range xs {
		all.Add(x)
		if i < 2 {
			a.Add(x)
		} else {
			b.Add(x)
		}
	}
	a.Merge(b)
	// mean 4.5, sample variance 7.5 by hand; tolerance 1e-12.
	if d := a.Mean - 4.5; d*d > 1e-24 || (a.M2/5-7.5)*(a.M2/5-7.5) > 1e-24 || all.Mean != 4.5 {
		t.Errorf("merged mean %v var %v, want 4.5 and 7.5", a.Mean, a.M2/5)
	}
}
