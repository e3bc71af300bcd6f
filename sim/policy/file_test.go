package policy

import (
	"strings"
	"testing"
)

const exampleFile = `
contact_rules:
  require_consent: true
  caps:
    sms: {max: 1, window_days: 7}
  quiet_hours: 24
policies:
  - name: targeted
    type: decision_table
    hit_policy: FIRST
    inputs:
      - {name: trigger, type: string}
      - {name: cart_value, type: number}
      - {name: loyalty_tier, type: string}
    rules:
      - when: {trigger: '"cart_abandon"', cart_value: ">= 200"}
        action: call_back
        annotation: big carts get a call
      - when: {trigger: '"cart_abandon"'}
        action: sms_discount
      - when: {loyalty_tier: '"gold","silver"'}
        action: email_offer
    default: none
  - {name: nothing, type: nothing}
  - {name: always sms, type: single, action: sms_discount}
  - name: mix
    type: static
    by: trigger
    probs:
      lapse: {email_offer: 1, none: 1}
    default_probs: {none: 1}
`

func TestParseFile(t *testing.T) {
	l, err := Parse(strings.NewReader(exampleFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Policies) != 4 {
		t.Fatalf("%d policies, want 4", len(l.Policies))
	}
	names := []string{"targeted", "nothing", "always sms", "mix"}
	for i, p := range l.Policies {
		if p.Name() != names[i] {
			t.Errorf("policy %d named %q, want %q", i, p.Name(), names[i])
		}
	}
	p := make([]float64, 5)
	s := &State{Time: 10 * msPerDay, Features: map[string]Value{
		"trigger": StrValue("cart_abandon"), "cart_value": NumValue(250),
		"consent_call": BoolValue(true), "consent_sms": BoolValue(true),
	}}
	l.Policies[0].Probs(s, p)
	if Choose(p) != 4 {
		t.Errorf("targeted chose %v, want call_back", p)
	}
	// Without call consent the contact rules divert the call to none.
	s.Features["consent_call"] = BoolValue(false)
	l.Policies[0].Probs(s, p)
	if Choose(p) != 0 {
		t.Errorf("targeted without call consent chose %v, want none", p)
	}
	l.Policies[3].Probs(&State{Features: map[string]Value{"trigger": StrValue("lapse"), "consent_email": BoolValue(true)}}, p)
	if p[0] != 0.5 || p[1] != 0.5 {
		t.Errorf("static lapse row = %v, want none 0.5, email 0.5", p)
	}
}

func TestParseFileErrors(t *testing.T) {
	bad := map[string]string{
		"no policies":     `contact_rules: {require_consent: true}`,
		"unknown type":    "policies:\n  - {name: x, type: magic}",
		"undeclared":      "policies:\n  - name: t\n    type: decision_table\n    inputs: [{name: a, type: number}]\n    rules: [{when: {b: '< 3'}, action: none}]",
		"bad test":        "policies:\n  - name: t\n    type: decision_table\n    inputs: [{name: a, type: string}]\n    rules: [{when: {a: gold}, action: none}]",
		"unknown field":   "policies:\n  - {name: x, type: nothing, colour: red}",
		"duplicate names": "policies:\n  - {name: x, type: nothing}\n  - {name: x, type: uniform}",
		"static no rows":  "policies:\n  - {name: x, type: static}",
	}
	for what, src := range bad {
		if _, err := Parse(strings.NewReader(src)); err == nil {
			t.Errorf("%s: accepted", what)
		} else if err.Error() == "" {
			t.Errorf("%s: empty error", what)
		}
	}
}
