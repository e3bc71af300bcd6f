package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// Contact rules (policy.ContactRules) depend on the customer's consents and
// contact history. To carry them into a decision table they are read from
// state features, which ContactFeatures derives from the history:
//
//	consent_<channel>        boolean, already a state feature
//	contacts_<channel>_<W>d  number of contacts on the channel in (t − W days, t]
//	contacts_<W>d            number of contacts on any channel in (t − W days, t]
//	quiet_period             true when the last contact is less than QuietHours before t
//
// (a window of 7.5 days is written 7_5d). The counts are the ones
// policy.ContactRules.Allowed compares with the caps.

// CapFeature is the name of the feature counting contacts on channel (""
// for any channel) in a window of days.
func CapFeature(channel string, days float64) string {
	w := strings.ReplaceAll(strconv.FormatFloat(days, 'f', -1, 64), ".", "_")
	if channel == "" {
		return "contacts_" + w + "d"
	}
	return "contacts_" + channel + "_" + w + "d"
}

// QuietFeature is the name of the quiet-period feature.
const QuietFeature = "quiet_period"

// ContactFeatures adds to s the derived features the contact rules r need
// (see above), computed from s.Contacts and s.Time. Consent features are
// left as they are.
func ContactFeatures(s *policy.State, r *policy.ContactRules) {
	if r == nil {
		return
	}
	if s.Features == nil {
		s.Features = map[string]policy.Value{}
	}
	for _, ch := range sortedCaps(r) {
		c := r.Caps[ch]
		s.Features[CapFeature(ch, c.WindowDays)] = policy.NumValue(float64(countContacts(s, c.WindowDays, ch)))
	}
	if r.Overall.Max > 0 {
		s.Features[CapFeature("", r.Overall.WindowDays)] = policy.NumValue(float64(countContacts(s, r.Overall.WindowDays, "")))
	}
	if r.QuietHours > 0 {
		q := len(s.Contacts) > 0 && float64(s.Time-s.Contacts[len(s.Contacts)-1].Time) < r.QuietHours*3600*1000
		s.Features[QuietFeature] = policy.BoolValue(q)
	}
}

// countContacts is #{contacts c on channel (any when "") : t − days < c.Time ≤ t}.
func countContacts(s *policy.State, days float64, channel string) int {
	from := s.Time - int64(days*24*3600*1000)
	n := 0
	for i := len(s.Contacts) - 1; i >= 0; i-- {
		c := s.Contacts[i]
		if c.Time <= from {
			break
		}
		if c.Time <= s.Time && (channel == "" || c.Channel == channel) {
			n++
		}
	}
	return n
}

func sortedCaps(r *policy.ContactRules) []string {
	var out []string
	for ch, c := range r.Caps {
		if c.Max > 0 {
			out = append(out, ch)
		}
	}
	sort.Strings(out)
	return out
}

// FoldContactRules returns a table that decides, on states carrying the
// features of ContactFeatures, what policy.Constrained{t, r} decides: the
// table's action when the contact rules allow its channel, the fallback
// action otherwise.
//
// Each rule R (tests T, action a on channel c ≠ "") becomes two rules, in
// R's place and with R's priority:
//
//	R₁: T ∧ consent_c = true ∧ contacts_c_Wd < max_c ∧ contacts_Wd < max ∧ quiet_period = false → a
//	R₂: T → fallback
//
// (only the conditions the rules set). Whenever R would match, R₁ or R₂
// does, and R₁ precedes R₂, so under FIRST and under PRIORITY (same
// priority, earlier rule wins) the pair decides as R followed by the
// contact check. A default action with a channel becomes a last rule
// (guarded as R₁; priority below every other rule) and the default
// becomes the fallback. Rules whose action contacts no one are kept as
// they are. Annotations of R₂ say which rule they guard.
func FoldContactRules(t *policy.Table, r *policy.ContactRules) (*policy.Table, error) {
	as := t.Actions
	fb := as.Names[as.Fallback()]
	inputs := append([]policy.Input(nil), t.Inputs...)
	index := map[string]int{}
	for i, in := range inputs {
		index[in.Name] = i
	}
	need := func(name string, typ policy.Type) (int, error) {
		if j, ok := index[name]; ok {
			if inputs[j].Type != typ {
				return 0, fmt.Errorf("input %q is a %s, the contact rules need a %s", name, inputs[j].Type, typ)
			}
			return j, nil
		}
		inputs = append(inputs, policy.Input{Name: name, Type: typ})
		index[name] = len(inputs) - 1
		return len(inputs) - 1, nil
	}
	type guard struct {
		j    int
		test policy.Test
	}
	guards := func(channel string) ([]guard, error) {
		var gs []guard
		add := func(name string, typ policy.Type, src string) error {
			j, err := need(name, typ)
			if err != nil {
				return err
			}
			gs = append(gs, guard{j, policy.MustTest(src, typ)})
			return nil
		}
		if r.RequireConsent {
			if err := add("consent_"+channel, policy.Bool, "true"); err != nil {
				return nil, err
			}
		}
		if c, ok := r.Caps[channel]; ok && c.Max > 0 {
			if err := add(CapFeature(channel, c.WindowDays), policy.Number, "< "+strconv.Itoa(c.Max)); err != nil {
				return nil, err
			}
		}
		if r.Overall.Max > 0 {
			if err := add(CapFeature("", r.Overall.WindowDays), policy.Number, "< "+strconv.Itoa(r.Overall.Max)); err != nil {
				return nil, err
			}
		}
		if r.QuietHours > 0 {
			if err := add(QuietFeature, policy.Bool, "false"); err != nil {
				return nil, err
			}
		}
		return gs, nil
	}
	// First pass: collect every guard so the input list is final.
	chans := map[string]bool{}
	for _, rule := range t.Rules {
		if ch := as.Channel[rule.Action]; ch != "" {
			chans[ch] = true
		}
	}
	if ch := as.Channel[t.Default]; ch != "" {
		chans[ch] = true
	}
	gmap := map[string][]guard{}
	for _, ch := range sortedKeys(chans) {
		gs, err := guards(ch)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", t.Label, err)
		}
		gmap[ch] = gs
	}
	widen := func(tests []policy.Test) []policy.Test {
		out := make([]policy.Test, len(inputs))
		copy(out, tests)
		for j := len(tests); j < len(inputs); j++ {
			out[j] = policy.MustTest("-", inputs[j].Type)
		}
		return out
	}
	var rules []policy.Rule
	minPri := 0
	for i, rule := range t.Rules {
		if i == 0 || rule.Priority < minPri {
			minPri = rule.Priority
		}
	}
	for i, rule := range t.Rules {
		ch := as.Channel[rule.Action]
		tests := widen(rule.Tests)
		if ch == "" {
			rule.Tests = tests
			rules = append(rules, rule)
			continue
		}
		r1 := rule
		r1.Tests = append([]policy.Test(nil), tests...)
		ok := true
		for _, g := range gmap[ch] {
			var sat bool
			var err error
			if r1.Tests[g.j], sat, err = conjoin(r1.Tests[g.j], g.test, inputs[g.j].Type); err != nil {
				return nil, fmt.Errorf("table %q rule %d, input %q: %w", t.Label, i+1, inputs[g.j].Name, err)
			}
			ok = ok && sat
		}
		if ok {
			rules = append(rules, r1)
		}
		r2 := policy.Rule{Tests: tests, Action: fb, Channel: as.Channel[fb], Priority: rule.Priority,
			Annotation: fmt.Sprintf("rule %d (%s) blocked by the contact rules", i+1, rule.Action)}
		rules = append(rules, r2)
	}
	def := t.Default
	if ch := as.Channel[def]; ch != "" {
		r1 := policy.Rule{Tests: widen(nil), Action: def, Channel: ch, Priority: minPri - 1,
			Annotation: "default action, where the contact rules allow it"}
		for _, g := range gmap[ch] {
			r1.Tests[g.j] = g.test
		}
		rules = append(rules, r1)
		def = fb
	}
	return policy.NewTable(t.Label, t.HitPolicy, inputs, rules, def, as)
}

// conjoin returns a test equivalent to a ∧ g, where g is a guard (a
// boolean equality or a numeric upper bound on a derived count), and
// whether the conjunction can hold: "-" ∧ g = g; for booleans the values
// both allow among {true, false}; a numeric test other than "-" or g
// itself is an error (the table already tests a feature the contact
// rules derive).
func conjoin(a, g policy.Test, typ policy.Type) (policy.Test, bool, error) {
	if a.Any() {
		return g, true, nil
	}
	if typ == policy.Bool {
		ta, fa := a.Match(policy.BoolValue(true)), a.Match(policy.BoolValue(false))
		tg, fg := g.Match(policy.BoolValue(true)), g.Match(policy.BoolValue(false))
		t, f := ta && tg, fa && fg
		switch {
		case t && f:
			return a, true, nil
		case t:
			return policy.MustTest("true", typ), true, nil
		case f:
			return policy.MustTest("false", typ), true, nil
		}
		return a, false, nil
	}
	if a.FEEL() == g.FEEL() {
		return a, true, nil
	}
	return a, false, fmt.Errorf("the table tests %s, a feature the contact rules derive; drop the test or set ignore_contact_rules", a.FEEL())
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
