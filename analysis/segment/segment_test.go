package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name, expr string
		line, col  int
		contains   []string
	}{
		{"syntax", "orders >= 2 &&", 1, 15, []string{"line 1, column 15", "Syntax error"}},
		{"syntax mid", "orders >= = 2", 1, 11, []string{"column 11"}},
		{"unknown variable", "recency_days > 30 && orderz >= 2", 1, 22, []string{"undeclared reference to 'orderz'", "known variables:", "orders"}},
		{"non-boolean int", "orders + 1", 1, 1, []string{"type int", "needs a boolean"}},
		{"non-boolean string", "last_channel", 1, 1, []string{"type string", "needs a boolean"}},
		{"type mismatch", "last_channel > 3", 1, 14, []string{"no matching overload"}},
		{"second line", "orders >= 2 &&\n  traits.tier == 3", 2, 15, []string{"line 2"}},
		{"empty", "   ", 1, 1, []string{"empty expression"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Compile(c.expr)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", c.expr, s)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *CompileError: %v", err, err)
			}
			if len(ce.Issues) == 0 || ce.Issues[0].Line != c.line || ce.Issues[0].Column != c.col {
				t.Errorf("issues %+v, want first at line %d column %d", ce.Issues, c.line, c.col)
			}
			msg := err.Error()
			for _, s := range c.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
			if !strings.Contains(msg, "^") {
				t.Errorf("message lacks a caret: %q", msg)
			}
		})
	}
}

func TestDefinitionCompileNamesSegment(t *testing.T) {
	_, err := Definition{Name: "lapsed", Expr: "recency_days >"}.Compile()
	if err == nil || !strings.Contains(err.Error(), `segment "lapsed"`) {
		t.Errorf("error %v does not name the segment", err)
	}
}

func TestDefinitionValidate(t *testing.T) {
	cases := []struct {
		d    Definition
		want string // "" for valid
	}{
		{Definition{Name: "lapsed buyers", Expr: "recency_days > 60 && orders >= 1"}, ""},
		{Definition{Name: "", Expr: "orders > 0"}, "needs a name"},
		{Definition{Name: " x", Expr: "orders > 0"}, "leading or trailing spaces"},
		{Definition{Name: strings.Repeat("n", 65), Expr: "orders > 0"}, "longer than 64"},
		{Definition{Name: "a\tb", Expr: "orders > 0"}, "control characters"},
		{Definition{Name: "bad", Expr: "orders"}, "needs a boolean"},
	}
	for _, c := range cases {
		err := c.d.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", c.d, err, c.want)
		}
	}
}

func handFeatures() (a, b, c Features) {
	a = Features{Customer: 1, RecencyDays: 45, Orders: 3, Frequency: 20, Monetary: 150, AOV: 50,
		Channels:    []ChannelUse{{"email", 5, 0.25}, {"sms", 3, 0.15}, {"web", 12, 0.6}},
		LastChannel: "web", LastStep: "web:Order Completed", CartsAbandoned: 1, Sessions: 6, DaysActive: 5}
	b = Features{Customer: 2, RecencyDays: 3, Orders: 1, Frequency: 4, Monetary: 99.5, AOV: 99.5,
		Channels:    []ChannelUse{{"app", 3, 0.75}, {"sms", 1, 0.25}},
		LastChannel: "app", LastStep: "app:Cart", Sessions: 2, DaysActive: 2}
	c = Features{Customer: 3, RecencyDays: 90, Orders: 0, Frequency: 1,
		Channels:    []ChannelUse{{"email", 1, 1}},
		LastChannel: "email", LastStep: "email:open", Sessions: 1, DaysActive: 1}
	return
}

func TestMatch(t *testing.T) {
	a, b, c := handFeatures()
	traits := map[int64]map[string]string{1: {"loyalty_tier": "gold", "region": "London"}, 2: {"loyalty_tier": "silver"}, 3: nil}
	consents := map[int64]map[string]bool{1: {"sms": true, "email": true}, 2: {"sms": false}, 3: nil}
	cases := []struct {
		expr string
		want [3]bool
	}{
		{"recency_days > 30 && orders >= 2", [3]bool{true, false, false}},
		{"'sms' in channels && monetary > 100", [3]bool{true, false, false}},
		{"'sms' in channels && monetary > 99", [3]bool{true, true, false}},
		{"traits.loyalty_tier == 'gold'", [3]bool{true, false, false}},
		// a missing key does not match, whichever way it is compared
		{"traits.loyalty_tier != 'gold'", [3]bool{false, true, false}},
		{"traits.?loyalty_tier.orValue('') != 'gold'", [3]bool{false, true, true}},
		{"has(consents.sms) && consents.sms", [3]bool{true, false, false}},
		{"channel_count.web >= 10", [3]bool{true, false, false}},
		{"channel_share.?app.orValue(0.0) >= 0.5", [3]bool{false, true, false}},
		{"size(channels) >= 2 && last_channel != 'email'", [3]bool{true, true, false}},
		{"last_step.startsWith('app:')", [3]bool{false, true, false}},
		{"aov >= 50.0 && carts_abandoned == 0", [3]bool{false, true, false}},
		{"double(orders) / double(sessions) > 0.4", [3]bool{true, true, false}},
		{"frequency > 0 && days_active <= sessions && first_channel == ''", [3]bool{true, true, true}},
		{"channels.exists(ch, ch == 'app') || recency_days >= 90", [3]bool{false, true, true}},
		{"channels[0] == 'email'", [3]bool{true, false, true}},
		{"channels + ['x'] == ['app', 'sms', 'x']", [3]bool{false, true, false}},
		{"channels == ['email']", [3]bool{false, false, true}},
		{"dyn(1) in channels", [3]bool{false, false, false}},
	}
	for _, cs := range cases {
		s, err := Compile(cs.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", cs.expr, err)
		}
		for i, f := range []*Features{&a, &b, &c} {
			got, err := s.Match(f, traits[f.Customer], consents[f.Customer])
			if err != nil {
				t.Errorf("%q customer %d: %v", cs.expr, f.Customer, err)
				continue
			}
			if got != cs.want[i] {
				t.Errorf("%q customer %d = %v, want %v", cs.expr, f.Customer, got, cs.want[i])
			}
		}
	}
}

func TestMatchRuntimeError(t *testing.T) {
	s, err := Compile("frequency / orders > 2")
	if err != nil {
		t.Fatal(err)
	}
	_, _, c := handFeatures()
	if _, err := s.Match(&c, nil, nil); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("error %v, want division by zero", err)
	}
}

func TestMatchConcurrent(t *testing.T) {
	s, err := Compile("'sms' in channels && channel_count.sms >= 1")
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := handFeatures()
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 2000; i++ {
				for _, x := range []struct {
					f    *Features
					want bool
				}{{&a, true}, {&b, true}, {&c, false}} {
					got, err := s.Match(x.f, nil, nil)
					if err != nil || got != x.want {
						done <- fmt.Errorf("customer %d: %v %v", x.f.Customer, got, err)
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func ExampleCompile() {
	b := NewFeatureBuilder(Config{AsOf: ms(2026, 3, 1, 0, 0)})
	b.Begin(42)
	b.Add(Event{Time: ms(2026, 1, 5, 10, 0), Channel: "sms", Type: "clicked"})
	b.Add(Event{Time: ms(2026, 1, 5, 10, 2), Channel: "web", Type: "Order Completed", Revenue: 70})
	b.Add(Event{Time: ms(2026, 1, 20, 18, 0), Channel: "store", Type: "purchase", Revenue: 45.5})
	f := b.Finish()
	traits := map[string]string{"loyalty_tier": "gold"}

	for _, expr := range []string{
		"recency_days > 30 && orders >= 2",
		"'sms' in channels && monetary > 100",
		"traits.loyalty_tier == 'gold'",
		"carts_abandoned > 0",
	} {
		s, err := Compile(expr)
		if err != nil {
			fmt.Println(err)
			continue
		}
		in, _ := s.Match(&f, traits, nil)
		fmt.Printf("%-38s %v\n", expr, in)
	}
	_, err := Compile("orders >= 2 && recency > 30")
	fmt.Println(err)
	// Output:
	// recency_days > 30 && orders >= 2       true
	// 'sms' in channels && monetary > 100    true
	// traits.loyalty_tier == 'gold'          true
	// carts_abandoned > 0                    false
	// segment: invalid expression
	//   line 1, column 16: undeclared reference to 'recency' (in container '') (known variables: aov, carts_abandoned, channel_count, channel_share, channels, consents, days_active, first_channel, frequency, last_channel, last_step, monetary, orders, recency_days, sessions, tenure_days, traits)
	//     orders >= 2 && recency > 30
	//                    ^
	//   fix the expression and compile again; the variables are listed by segment.Variables
}
