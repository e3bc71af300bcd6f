package policy

import (
	"math"
	"testing"
)

func TestUnaryTests(t *testing.T) {
	cases := []struct {
		src   string
		typ   Type
		v     Value
		match bool
		feel  string
		cel   string
	}{
		{"-", Number, NumValue(3), true, "-", "true"},
		{"", String, MissingValue(), true, "-", "true"},
		{"< 30", Number, NumValue(29.9), true, "< 30", "x < 30.0"},
		{"< 30", Number, NumValue(30), false, "< 30", "x < 30.0"},
		{"<= 30", Number, NumValue(30), true, "<= 30", "x <= 30.0"},
		{">5", Number, NumValue(5), false, "> 5", "x > 5.0"},
		{">= 5", Number, NumValue(5), true, ">= 5", "x >= 5.0"},
		{"[10..20]", Number, NumValue(10), true, "[10..20]", "(x >= 10.0 && x <= 20.0)"},
		{"[10..20]", Number, NumValue(20), true, "[10..20]", "(x >= 10.0 && x <= 20.0)"},
		{"(10..20]", Number, NumValue(10), false, "(10..20]", "(x > 10.0 && x <= 20.0)"},
		{"[10..20)", Number, NumValue(20), false, "[10..20)", "(x >= 10.0 && x < 20.0)"},
		{"]10..20[", Number, NumValue(15), true, "(10..20)", "(x > 10.0 && x < 20.0)"},
		{"7", Number, NumValue(7), true, "7", "x == 7.0"},
		{"1, 2.5", Number, NumValue(2.5), true, "1,2.5", "(x == 1.0 || x == 2.5)"},
		{`"gold"`, String, StrValue("gold"), true, `"gold"`, `x == "gold"`},
		{`"gold","silver"`, String, StrValue("bronze"), false, `"gold","silver"`, `(x == "gold" || x == "silver")`},
		{`not("gold","silver")`, String, StrValue("bronze"), true, `not("gold","silver")`, `!(x == "gold" || x == "silver")`},
		{`not("gold")`, String, StrValue("gold"), false, `not("gold")`, `!(x == "gold")`},
		{"true", Bool, BoolValue(true), true, "true", "x == true"},
		{"false", Bool, BoolValue(true), false, "false", "x == false"},
		{"< 30", Number, MissingValue(), false, "< 30", "x < 30.0"},
		{`not("a")`, String, MissingValue(), false, `not("a")`, `!(x == "a")`},
	}
	for _, c := range cases {
		tt, err := ParseTest(c.src, c.typ)
		if err != nil {
			t.Errorf("ParseTest(%q): %v", c.src, err)
			continue
		}
		if got := tt.Match(c.v); got != c.match {
			t.Errorf("%q.Match(%+v) = %v, want %v", c.src, c.v, got, c.match)
		}
		if got := tt.FEEL(); got != c.feel {
			t.Errorf("%q.FEEL() = %q, want %q", c.src, got, c.feel)
		}
		if got := tt.CEL("x"); got != c.cel {
			t.Errorf("%q.CEL() = %q, want %q", c.src, got, c.cel)
		}
		// The FEEL text parses back to the same test.
		back, err := ParseTest(tt.FEEL(), c.typ)
		if err != nil || back.FEEL() != tt.FEEL() || back.Match(c.v) != c.match {
			t.Errorf("%q: FEEL round trip %q failed (%v)", c.src, tt.FEEL(), err)
		}
	}
}

func TestUnaryTestErrors(t *testing.T) {
	bad := []struct {
		src string
		typ Type
	}{
		{"gold", String}, {`"gold`, String}, {"< x", Number}, {"[20..10]", Number},
		{"[1..]", Number}, {"yes", Bool}, {"not()", String}, {"1,,2", Number}, {"NaN", Number},
	}
	for _, b := range bad {
		if _, err := ParseTest(b.src, b.typ); err == nil {
			t.Errorf("ParseTest(%q, %v) accepted a malformed test", b.src, b.typ)
		}
	}
}

var testActions = &Actions{
	Names:   []string{"none", "email_offer", "sms_discount", "push_reminder", "call_back"},
	Channel: map[string]string{"none": "", "email_offer": "email", "sms_discount": "sms", "push_reminder": "push", "call_back": "call"},
}

func state(f map[string]Value) *State { return &State{Time: 100 * msPerDay, Features: f} }

func TestTableHitPolicies(t *testing.T) {
	inputs := []Input{{"trigger", String}, {"cart_value", Number}}
	rules := []Rule{
		{Tests: []Test{MustTest(`"cart_abandon"`, String), MustTest(">= 200", Number)}, Action: "call_back", Priority: 5},
		{Tests: []Test{MustTest(`"cart_abandon"`, String), MustTest("-", Number)}, Action: "sms_discount", Priority: 9},
		{Tests: []Test{MustTest(`"lapse"`, String), MustTest("-", Number)}, Action: "email_offer", Priority: 1},
	}
	first, err := NewTable("t", First, inputs, rules, "", testActions)
	if err != nil {
		t.Fatal(err)
	}
	prio, err := NewTable("t", Priority, inputs, rules, "", testActions)
	if err != nil {
		t.Fatal(err)
	}
	big := state(map[string]Value{"trigger": StrValue("cart_abandon"), "cart_value": NumValue(250)})
	if a, r := first.Decide(big); testActions.Names[a] != "call_back" || r != 0 {
		t.Errorf("FIRST chose %s by rule %d, want call_back by rule 0", testActions.Names[a], r)
	}
	if a, r := prio.Decide(big); testActions.Names[a] != "sms_discount" || r != 1 {
		t.Errorf("PRIORITY chose %s by rule %d, want sms_discount by rule 1", testActions.Names[a], r)
	}
	other := state(map[string]Value{"trigger": StrValue("browse")})
	if a, r := first.Decide(other); testActions.Names[a] != "none" || r != -1 {
		t.Errorf("no match chose %s by rule %d, want the default none", testActions.Names[a], r)
	}
	p := make([]float64, 5)
	first.Probs(big, p)
	if p[4] != 1 || sum(p) != 1 {
		t.Errorf("Probs = %v, want all mass on call_back", p)
	}
	if _, err := NewTable("t", "ANY", inputs, rules, "", testActions); err == nil {
		t.Error("hit policy ANY accepted")
	}
	if _, err := NewTable("t", First, inputs, []Rule{{Tests: rules[0].Tests, Action: "fax"}}, "", testActions); err == nil {
		t.Error("unknown action accepted")
	}
}

func sum(p []float64) float64 {
	s := 0.0
	for _, x := range p {
		s += x
	}
	return s
}

func TestContactRules(t *testing.T) {
	rules := &ContactRules{
		RequireConsent: true,
		Caps:           map[string]Cap{"sms": {Max: 1, WindowDays: 7}},
		Overall:        Cap{Max: 3, WindowDays: 30},
		QuietHours:     24,
	}
	now := int64(100 * msPerDay)
	base := map[string]Value{"consent_sms": BoolValue(true), "consent_email": BoolValue(true), "consent_push": BoolValue(false)}
	s := &State{Time: now, Features: base}
	if !rules.Allowed(s, "sms") || !rules.Allowed(s, "email") {
		t.Error("consented channel with no history blocked")
	}
	if rules.Allowed(s, "push") || rules.Allowed(s, "call") {
		t.Error("channel without consent (false or missing) allowed")
	}
	if !rules.Allowed(s, "") {
		t.Error("doing nothing blocked")
	}
	// An SMS 6 days ago hits the SMS cap of 1 per 7 days, not email.
	s.Contacts = []Contact{{now - 6*msPerDay, "sms"}}
	if rules.Allowed(s, "sms") || !rules.Allowed(s, "email") {
		t.Error("per-channel cap not applied to its channel only")
	}
	// 8 days ago falls outside the window.
	s.Contacts = []Contact{{now - 8*msPerDay, "sms"}}
	if !rules.Allowed(s, "sms") {
		t.Error("contact outside the cap window counted")
	}
	// Quiet period: any contact in the last 24 hours blocks every channel.
	s.Contacts = []Contact{{now - 23*3600*1000, "email"}}
	if rules.Allowed(s, "sms") {
		t.Error("quiet period not applied")
	}
	// Overall cap: 3 contacts in 30 days.
	s.Contacts = []Contact{{now - 20*msPerDay, "email"}, {now - 15*msPerDay, "email"}, {now - 10*msPerDay, "email"}}
	if rules.Allowed(s, "sms") {
		t.Error("overall cap not applied")
	}

	c := &Constrained{Policy: Uniform{testActions}, Rules: rules, Actions: testActions}
	p := make([]float64, 5)
	c.Probs(&State{Time: now, Features: base}, p)
	// push and call are blocked: their 0.4 moves to none.
	want := []float64{0.6, 0.2, 0.2, 0, 0}
	for i := range want {
		if math.Abs(p[i]-want[i]) > 1e-12 {
			t.Fatalf("constrained uniform = %v, want %v (tolerance 1e-12)", p, want)
		}
	}
}

func TestStaticAndBaselines(t *testing.T) {
	st := &Static{Label: "logged", Actions: testActions, By: "trigger",
		Rows:    map[string][]float64{"lapse": {0.5, 0.5, 0, 0, 0}},
		Default: []float64{1, 0, 0, 0, 0}}
	p := make([]float64, 5)
	st.Probs(state(map[string]Value{"trigger": StrValue("lapse")}), p)
	if p[1] != 0.5 {
		t.Errorf("static row not used: %v", p)
	}
	st.Probs(state(nil), p)
	if p[0] != 1 {
		t.Errorf("static default not used: %v", p)
	}
	Nothing{testActions}.Probs(nil, p)
	if p[0] != 1 || sum(p) != 1 {
		t.Errorf("nothing = %v", p)
	}
	Single{testActions, 2}.Probs(nil, p)
	if Choose(p) != 2 {
		t.Errorf("single = %v", p)
	}
}
