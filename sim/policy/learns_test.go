package policy

import (
	"strings"
	"testing"
)

// TestLearnsFromLog: which policies of a file read the decision log they
// are built with — through contact rules and renaming — and that
// WarmStart gives the same learner with and without Context.EachOutcome.
func TestLearnsFromLog(t *testing.T) {
	ctx := logCtx([]Logged{
		{State: full("trigger", "cart_abandon"), Action: 1, Propensity: 0.5, Reward: 10, Converted: true},
		{State: full("trigger", "lapse"), Action: 2, Propensity: 0.25, Reward: 4},
	})
	const file = `
policies:
  - {name: nothing, type: nothing}
  - {name: single, type: single, action: email_offer}
  - {name: uniform, type: uniform}
  - {name: static, type: static, default_probs: {none: 1}}
  - name: table
    type: decision_table
    inputs: [{name: trigger, type: string}]
    rules: [{when: {trigger: '"lapse"'}, action: email_offer}]
  - name: fixed arbitration
    type: arbitration
    candidates: [{action: email_offer, propensity: 0.1, value: 10}]
  - name: fitted arbitration
    type: arbitration
    candidates: [{action: email_offer, propensity: fitted, value: 10}]
  - {name: cold eg, type: epsilon_greedy}
  - {name: warm eg, type: epsilon_greedy, warm_start: true}
  - {name: warm thompson, type: thompson, warm_start: true}
  - {name: warm linucb, type: linucb, features: [cart_value], warm_start: true}
  - {name: logged, type: logged, ignore_contact_rules: true}
`
	f, err := ParseWith(strings.NewReader(file), ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"nothing": false, "single": false, "uniform": false, "static": false, "table": false,
		"fixed arbitration": false, "fitted arbitration": true, "cold eg": false, "warm eg": true,
		"warm thompson": true, "warm linucb": true, "logged": true}
	for _, p := range f.Policies {
		if got := LearnsFromLog(p); got != want[p.Name()] {
			t.Errorf("LearnsFromLog(%s) = %v, want %v", p.Name(), got, want[p.Name()])
		}
	}
	// EachOutcome serves WarmStart's normalising pass: the learnt means
	// agree exactly with the pass through Each.
	fast := *ctx
	fast.EachOutcome = func(fn func(int, float64, float64, bool) error) error {
		return ctx.Each(func(d *Logged) error { return fn(d.Action, d.Propensity, d.Reward, d.Converted) })
	}
	a := NewEpsilonGreedy("a", testActions, nil, 0, []string{"trigger"})
	b := NewEpsilonGreedy("b", testActions, nil, 0, []string{"trigger"})
	if err := WarmStart(a, ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := WarmStart(b, &fast, true); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*State{full("trigger", "cart_abandon"), full("trigger", "lapse")} {
		for act := range testActions.Names {
			if a.Mean(s, act) != b.Mean(s, act) {
				t.Errorf("action %d: mean %v through Each, %v through EachOutcome", act, a.Mean(s, act), b.Mean(s, act))
			}
		}
	}
}

// TestThompsonProbsDependOnlyOnState: Probs in a state does not depend on
// the states asked before it (the per-cell cache is keyed by the allowed
// actions): after a state where every action is allowed, a state without
// SMS consent gets exactly what a fresh learner gives it, with no mass on
// sms_discount.
func TestThompsonProbsDependOnlyOnState(t *testing.T) {
	noSMS := st("consent_email", true, "consent_sms", false, "consent_push", true, "consent_call", true)
	a := NewThompson("ts", testActions, DefaultContactRules(), nil, DefaultNIGPrior(), 500, 3)
	b := NewThompson("ts", testActions, DefaultContactRules(), nil, DefaultNIGPrior(), 500, 3)
	k := len(testActions.Names)
	pa, pb := make([]float64, k), make([]float64, k)
	a.Probs(full(), pa)
	a.Probs(noSMS, pa)
	b.Probs(noSMS, pb)
	for i := range pa {
		if pa[i] != pb[i] {
			t.Fatalf("after a fully allowed state %v, fresh %v", pa, pb)
		}
	}
	if sms := testActions.Index("sms_discount"); pa[sms] != 0 {
		t.Errorf("sms_discount has mass %v without consent", pa[sms])
	}
}

// The logged policy built through Context.EachCell — fed, as a log would
// feed it, the CellKey of each state cut down to its CellFeature features
// — is the one built through Each: the same distribution in every state.
func TestLoggedPolicyEachCell(t *testing.T) {
	states := []*State{
		full("trigger", "cart_abandon", "cart_value", 40.0),
		st("trigger", "lapse", "consent_email", true, "consent_sms", false, "region", "North"),
		st("trigger", "lapse", "consent_email", true, "consent_sms", false, "region", "Wales"),
		st("trigger", "lapse", "consent_sms", true),
		full("trigger", "lapse", "orders_90d", 2.0),
	}
	var logs []Logged
	for i, s := range states {
		logs = append(logs, Logged{State: s, Action: i % len(testActions.Names), Propensity: 0.5})
	}
	ctx := logCtx(logs)
	fast := *ctx
	fast.EachCell = func(fn func(cell []byte, action int) error) error {
		return ctx.Each(func(d *Logged) error {
			cut := &State{Features: map[string]Value{}}
			for name, v := range d.State.Features {
				if CellFeature(name) {
					cut.Features[name] = v
				}
			}
			return fn(CellKey(nil, cut), d.Action)
		})
	}
	fast.Each = func(func(d *Logged) error) error { t.Fatal("Each used although EachCell is set"); return nil }
	a, err := NewLoggedPolicy("a", testActions, ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewLoggedPolicy("b", testActions, &fast)
	if err != nil {
		t.Fatal(err)
	}
	k := len(testActions.Names)
	pa, pb := make([]float64, k), make([]float64, k)
	for _, s := range append(states, st("trigger", "browse")) {
		a.Probs(s, pa)
		b.Probs(s, pb)
		for j := range pa {
			if pa[j] != pb[j] {
				t.Fatalf("state %v: %v through Each, %v through EachCell", s.Features, pa, pb)
			}
		}
	}
	if len(a.cells) != 4 || len(b.cells) != 4 {
		t.Errorf("%d and %d cells, want 4 (the region is not part of the cell)", len(a.cells), len(b.cells))
	}
}
