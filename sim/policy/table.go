package policy

import (
	"fmt"
	"strings"
)

// HitPolicy says which rule of a decision table decides when several match.
type HitPolicy string

// Hit policies, as DMN names them.
const (
	// First: the first matching rule in table order decides.
	First HitPolicy = "FIRST"
	// Priority: among the matching rules, the one with the highest
	// Priority decides; ties go to the earlier rule.
	Priority HitPolicy = "PRIORITY"
)

// Input is a named, typed state feature that a decision table reads.
type Input struct {
	Name string
	Type Type
}

// Rule is one row of a decision table: a unary test per input (absent or
// "-" means any value) and the outputs it decides.
type Rule struct {
	// Tests holds one test per input, in the order of Table.Inputs.
	Tests    []Test
	Action   string
	Channel  string
	Priority int
	// Annotation explains the rule to a reader.
	Annotation string
}

// Table is an ordered decision table: inputs, rules and a hit policy.
// When no rule matches, the table takes its Default action.
type Table struct {
	Label     string
	HitPolicy HitPolicy
	Inputs    []Input
	Rules     []Rule
	Default   string
	Actions   *Actions

	actionIdx []int // per rule, index into Actions.Names
	defIdx    int
}

// NewTable checks and compiles a table: every rule has one test per input
// and an action of the problem's action set.
func NewTable(label string, hp HitPolicy, inputs []Input, rules []Rule, def string, actions *Actions) (*Table, error) {
	t := &Table{Label: label, HitPolicy: hp, Inputs: inputs, Rules: rules, Default: def, Actions: actions}
	if hp != First && hp != Priority {
		return nil, fmt.Errorf("table %q: hit policy %q: use FIRST or PRIORITY", label, hp)
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		if in.Name == "" || seen[in.Name] {
			return nil, fmt.Errorf("table %q: input names must be unique and non-empty (%q)", label, in.Name)
		}
		seen[in.Name] = true
	}
	if def == "" {
		def = actions.Names[actions.Fallback()]
		t.Default = def
	}
	if t.defIdx = actions.Index(def); t.defIdx < 0 {
		return nil, fmt.Errorf("table %q: default action %q is not one of %s", label, def, strings.Join(actions.Names, ", "))
	}
	t.actionIdx = make([]int, len(rules))
	for i, r := range rules {
		if len(r.Tests) != len(inputs) {
			return nil, fmt.Errorf("table %q rule %d: %d tests for %d inputs", label, i+1, len(r.Tests), len(inputs))
		}
		if t.actionIdx[i] = actions.Index(r.Action); t.actionIdx[i] < 0 {
			return nil, fmt.Errorf("table %q rule %d: action %q is not one of %s", label, i+1, r.Action, strings.Join(actions.Names, ", "))
		}
		if t.Rules[i].Channel == "" {
			t.Rules[i].Channel = actions.Channel[r.Action]
		}
	}
	return t, nil
}

func (t *Table) Name() string { return t.Label }

// Match returns the index of the rule that decides for s under the hit
// policy, or -1 when no rule matches.
func (t *Table) Match(s *State) int {
	var vals [16]Value
	v := vals[:0]
	for _, in := range t.Inputs {
		v = append(v, s.Get(in.Name))
	}
	return t.MatchValues(v)
}

// MatchValues is Match with the input values given in input order.
func (t *Table) MatchValues(v []Value) int {
	best := -1
rules:
	for i := range t.Rules {
		r := &t.Rules[i]
		for j := range r.Tests {
			if !r.Tests[j].Match(v[j]) {
				continue rules
			}
		}
		if t.HitPolicy == First {
			return i
		}
		if best < 0 || r.Priority > t.Rules[best].Priority {
			best = i
		}
	}
	return best
}

// Decide returns the index of the chosen action and the deciding rule
// (-1 when the default applied).
func (t *Table) Decide(s *State) (action, rule int) {
	r := t.Match(s)
	if r < 0 {
		return t.defIdx, -1
	}
	return t.actionIdx[r], r
}

// Probs puts probability 1 on the action the table decides.
func (t *Table) Probs(s *State, out []float64) {
	clear(out)
	a, _ := t.Decide(s)
	out[a] = 1
}
