package policy

import (
	"math"
	"strings"
	"testing"
)

// logCtx is a build context over a hand-made log.
func logCtx(rows []Logged) *Context {
	return &Context{Rules: DefaultContactRules(), N: len(rows), Each: func(fn func(d *Logged) error) error {
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	}}
}

func st(kv ...any) *State {
	s := &State{Features: map[string]Value{}}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			s.Features[kv[i].(string)] = StrValue(v)
		case float64:
			s.Features[kv[i].(string)] = NumValue(v)
		case bool:
			s.Features[kv[i].(string)] = BoolValue(v)
		}
	}
	return s
}

const arbFile = `
policies:
  - name: nba
    type: arbitration
    fallback: none
    candidates:
      - action: call_back
        eligible: {trigger: '"cart_abandon"'}
        suitable: {cart_value: ">= 100"}
        propensity: 0.1
        value: {feature: cart_value}
      - action: email_offer
        propensity: {by: loyalty_tier, table: {gold: 0.3}, default: 0.1}
        weights:
          - {when: {trigger: '"lapse"'}, weight: 2}
          - {when: {loyalty_tier: '"gold"'}, weight: 1.5}
        value: 50
        lever: 0.5
      - action: sms_discount
        propensity: fitted
        value: 40
`

// TestArbitrationPriority checks priority = propensity × context weight ×
// value × lever on hand-computed cases, with the fitted SMS propensity
// r̂ = Σ c/p / Σ 1/p over the logged SMS decisions of the trigger.
func TestArbitrationPriority(t *testing.T) {
	ctx := logCtx([]Logged{
		{State: st("trigger", "cart_abandon"), Action: 2, Propensity: 0.5, Converted: true},
		{State: st("trigger", "cart_abandon"), Action: 2, Propensity: 0.25, Converted: false},
		{State: st("trigger", "lapse"), Action: 2, Propensity: 0.5, Converted: false},
	})
	l, err := ParseWith(strings.NewReader(arbFile), ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := l.Policies[0].(*Constrained).Policy.(*Arbitration)
	// cart_abandon: r̂(sms) = (1/0.5) / (1/0.5 + 1/0.25) = 2/6.
	sms := 2.0 / 6 * 40
	cases := []struct {
		name     string
		s        *State
		action   string
		priority float64
	}{
		// call 0.1×250 = 25; email 0.1×50×0.5 = 2.5; sms 13.33.
		{"big cart", st("trigger", "cart_abandon", "cart_value", 250.0, "consent_call", true, "consent_email", true, "consent_sms", true), "call_back", 25},
		// call not suitable (cart < 100): sms 13.33 beats email 2.5.
		{"small cart", st("trigger", "cart_abandon", "cart_value", 50.0, "consent_call", true, "consent_email", true, "consent_sms", true), "sms_discount", sms},
		// gold lapse: email 0.3×2×1.5×50×0.5 = 22.5; sms r̂(lapse) = 0.
		{"gold lapse", st("trigger", "lapse", "loyalty_tier", "gold", "consent_email", true, "consent_sms", true), "email_offer", 22.5},
		// the call is blocked by consent: the next best (sms) wins.
		{"no call consent", st("trigger", "cart_abandon", "cart_value", 250.0, "consent_email", true, "consent_sms", true), "sms_discount", sms},
		// nothing allowed: fallback.
		{"no consent", st("trigger", "lapse"), "none", math.NaN()},
	}
	p := make([]float64, 5)
	for _, c := range cases {
		act, pr := a.Decide(c.s)
		if a.Actions.Names[act] != c.action || !(math.Abs(pr-c.priority) < 1e-12 || math.IsNaN(pr) && math.IsNaN(c.priority)) {
			t.Errorf("%s: chose %s with priority %v, want %s with %v", c.name, a.Actions.Names[act], pr, c.action, c.priority)
		}
		l.Policies[0].Probs(c.s, p)
		if p[a.Actions.Index(c.action)] != 1 {
			t.Errorf("%s: Probs %v not one-hot on %s", c.name, p, c.action)
		}
	}
}

func TestArbitrationErrors(t *testing.T) {
	bad := map[string]string{
		"fitted without log": "policies:\n  - {name: a, type: arbitration, candidates: [{action: email_offer, propensity: fitted}]}",
		"no propensity":      "policies:\n  - {name: a, type: arbitration, candidates: [{action: email_offer}]}",
		"unknown field":      "policies:\n  - {name: a, type: arbitration, colour: red, candidates: [{action: email_offer, propensity: 1}]}",
		"unknown action":     "policies:\n  - {name: a, type: arbitration, candidates: [{action: fax, propensity: 1}]}",
		"no candidates":      "policies:\n  - {name: a, type: arbitration}",
		"bad test":           "policies:\n  - {name: a, type: arbitration, candidates: [{action: email_offer, propensity: 1, eligible: {x: '>> 3'}}]}",
		"logged without log": "policies:\n  - {name: l, type: logged}",
		"warm without log":   "policies:\n  - {name: e, type: epsilon_greedy, warm_start: true}",
		"bad epsilon":        "policies:\n  - {name: e, type: epsilon_greedy, epsilon: 2}",
		"linucb no features": "policies:\n  - {name: e, type: linucb}",
		"learner typo":       "policies:\n  - {name: e, type: thompson, draw: 10}",
	}
	for what, src := range bad {
		if _, err := Parse(strings.NewReader(src)); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}

// TestSamplePoliciesParse: the worked example parses with a log and
// every policy gives a distribution.
func TestSamplePoliciesParse(t *testing.T) {
	rows := []Logged{
		{State: st("trigger", "cart_abandon", "cart_value", 120.0, "consent_email", true), Action: 1, Propensity: 0.5, Reward: 10, Converted: true},
		{State: st("trigger", "lapse", "consent_email", true), Action: 0, Propensity: 0.4},
	}
	for i := range rows {
		rows[i].State.Logged = &LoggedChoice{Action: rows[i].Action, Propensity: rows[i].Propensity}
	}
	l, err := ReadFileWith("testdata/sample-policies.yaml", logCtx(rows))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Policies) != 11 {
		t.Fatalf("%d policies, want 11", len(l.Policies))
	}
	p := make([]float64, 5)
	for _, pol := range l.Policies {
		pol.Probs(rows[0].State, p)
		sum := 0.0
		for _, x := range p {
			sum += x
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: probabilities %v sum to %v", pol.Name(), p, sum)
		}
	}
}
