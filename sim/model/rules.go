package model

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// RuleSet is the JSON form of a decision model whose conditions are CEL
// expressions over the inputs (typed variables: number → double, string,
// boolean → bool). A rule's condition is the conjunction (&&) of the CEL
// form of its unary test on every input it tests ("true" when it tests
// none). Tests keeps each input's FEEL unary test so the exact table can
// be rebuilt; the CEL condition is what an engine evaluates.
type RuleSet struct {
	Name      string      `json:"name"`
	HitPolicy string      `json:"hit_policy"`
	Inputs    []RuleInput `json:"inputs"`
	Rules     []RuleJSON  `json:"rules"`
	Default   string      `json:"default"`
	// Missing states how a missing input is treated.
	Missing  string   `json:"missing"`
	Metadata Metadata `json:"metadata"`
}

// RuleInput is one input variable.
type RuleInput struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// RuleJSON is one rule.
type RuleJSON struct {
	ID         string            `json:"id"`
	Condition  string            `json:"condition"`
	Tests      map[string]string `json:"tests,omitempty"`
	Action     string            `json:"action"`
	Channel    string            `json:"channel"`
	Priority   int               `json:"priority"`
	Annotation string            `json:"annotation,omitempty"`
}

// missingNote is the rule set's statement of missing-input semantics.
const missingNote = "a missing input is left out of the activation; a condition that reads it evaluates to an error, which counts as no match, so a missing value matches no test but the absent one"

// Condition returns the CEL condition of rule r of table t: the
// conjunction of Test.CEL over the inputs it tests, "true" when none.
func Condition(t *policy.Table, r *policy.Rule) string {
	var parts []string
	for j, tst := range r.Tests {
		if tst.Any() {
			continue
		}
		parts = append(parts, tst.CEL(t.Inputs[j].Name))
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, " && ")
}

// ToRuleSet converts m to its rule-set form.
func ToRuleSet(m *Model) (*RuleSet, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	t := m.Table
	rs := &RuleSet{Name: m.Meta.Name, HitPolicy: string(t.HitPolicy), Default: t.Default, Missing: missingNote, Metadata: m.Meta}
	for _, in := range t.Inputs {
		rs.Inputs = append(rs.Inputs, RuleInput{Name: in.Name, Type: in.Type.String()})
	}
	for i := range t.Rules {
		r := &t.Rules[i]
		rj := RuleJSON{ID: ruleID(i), Condition: Condition(t, r), Action: r.Action, Channel: r.Channel, Priority: r.Priority, Annotation: r.Annotation}
		for j, tst := range r.Tests {
			if !tst.Any() {
				if rj.Tests == nil {
					rj.Tests = map[string]string{}
				}
				rj.Tests[t.Inputs[j].Name] = tst.FEEL()
			}
		}
		rs.Rules = append(rs.Rules, rj)
	}
	return rs, nil
}

// WriteRules writes m as an indented JSON rule set.
func WriteRules(w io.Writer, m *Model) error {
	rs, err := ToRuleSet(m)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rs)
}

// ReadRules reads a JSON rule set. The table is rebuilt from each rule's
// tests; a rule without tests (a hand-written rule set) is kept with "-"
// tests, and its condition is what the Engine runs. Every condition is
// compiled and type-checked by NewEngine, not here.
func ReadRules(r io.Reader) (*Model, *RuleSet, error) {
	var rs RuleSet
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return nil, nil, fmt.Errorf("rule set: %w", err)
	}
	m := &Model{Meta: rs.Metadata}
	if m.Meta.Name == "" {
		m.Meta.Name = rs.Name
	}
	inputs := make([]policy.Input, len(rs.Inputs))
	index := map[string]int{}
	for j, in := range rs.Inputs {
		typ, err := policy.ParseType(in.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("rule set: input %q: %w", in.Name, err)
		}
		if err := checkIdent(in.Name); err != nil {
			return nil, nil, fmt.Errorf("rule set: %w", err)
		}
		inputs[j] = policy.Input{Name: in.Name, Type: typ}
		index[in.Name] = j
	}
	rules := make([]policy.Rule, len(rs.Rules))
	for i, rj := range rs.Rules {
		id := firstNonEmpty(rj.ID, ruleID(i))
		rule := policy.Rule{Tests: make([]policy.Test, len(inputs)), Action: rj.Action, Channel: rj.Channel, Priority: rj.Priority, Annotation: rj.Annotation}
		for j, in := range inputs {
			rule.Tests[j] = policy.MustTest("-", in.Type)
		}
		for name, src := range rj.Tests {
			j, ok := index[name]
			if !ok {
				return nil, nil, fmt.Errorf("rule set: rule %s tests %q, which is not an input", id, name)
			}
			t, err := policy.ParseTest(src, inputs[j].Type)
			if err != nil {
				return nil, nil, fmt.Errorf("rule set: rule %s, input %s: %w", id, name, err)
			}
			rule.Tests[j] = t
		}
		rules[i] = rule
	}
	actions := &policy.Actions{Channel: map[string]string{}}
	if len(m.Meta.Actions) > 0 {
		actions = actionsOf(m.Meta.Actions)
	} else {
		for _, r := range rules {
			if actions.Index(r.Action) < 0 {
				actions.Names = append(actions.Names, r.Action)
				actions.Channel[r.Action] = r.Channel
			}
		}
		if rs.Default != "" && actions.Index(rs.Default) < 0 {
			actions.Names = append([]string{rs.Default}, actions.Names...)
		}
		m.Meta.Actions = actionInfo(actions)
	}
	hp := policy.HitPolicy(strings.ToUpper(rs.HitPolicy))
	t, err := policy.NewTable(m.Meta.Name, hp, inputs, rules, rs.Default, actions)
	if err != nil {
		return nil, nil, fmt.Errorf("rule set: %w", err)
	}
	m.Table = t
	return m, &rs, nil
}
