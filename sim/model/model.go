// Package model turns policies into decision models that other systems can
// run, and runs them: an ordered decision table (inputs, rules, outputs
// action / channel / priority, hit policy FIRST or PRIORITY) exported as
// DMN 1.3 XML (WriteDMN, read back by ReadDMN) and as a rule set whose
// conditions are CEL expressions (WriteRules / ReadRules), evaluated with
// cel-go (Engine). A policy that is not a decision table — arbitration, a
// learner, the logged policy — is distilled into one (Distill): a
// classification tree fitted to what the policy does, one rule per leaf.
//
// Both formats carry the same metadata: the data the model was fitted on,
// the simulation it won with its estimated value and interval, the
// distillation's fidelity and the export date.
package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// Model is a decision table with what is known about where it came from.
type Model struct {
	Table *policy.Table
	Meta  Metadata
}

// Metadata describes a decision model: its provenance and its quality.
type Metadata struct {
	// Name of the model (the policy's name).
	Name string `json:"name"`
	// Exported is the export time (UTC, RFC 3339).
	Exported string `json:"exported"`
	// Description is free text for a reader.
	Description string `json:"description,omitempty"`
	// Actions is the action set with each action's channel ("" none), in
	// the problem's order.
	Actions []ActionInfo `json:"actions"`
	// Data is the data the model (or the policy it was distilled from)
	// was fitted on.
	Data *DataInfo `json:"data,omitempty"`
	// Simulation is the simulation the model's policy won.
	Simulation *SimInfo `json:"simulation,omitempty"`
	// Distilled is set when the table was distilled from another policy.
	Distilled *Distillation `json:"distilled,omitempty"`
	// ContactRules are the contact rules folded into the table (nil when
	// none were): see FoldContactRules.
	ContactRules *policy.ContactRules `json:"contact_rules,omitempty"`
}

// ActionInfo is one action and the channel it contacts.
type ActionInfo struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
}

// DataInfo is the data a model was fitted on.
type DataInfo struct {
	// Source is the database path or the decision-log file.
	Source string `json:"source"`
	// Version is the store's data version (empty for a file).
	Version   string `json:"version,omitempty"`
	Customers int    `json:"customers,omitempty"`
	Decisions int    `json:"decisions,omitempty"`
	// From and To bound the decisions' times (UTC, RFC 3339).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// SimInfo is the simulation a model's policy won: its estimated value
// (mean net reward per decision, or whatever the simulation measured) and
// the interval [Lo, Hi] at Level (e.g. 0.95).
type SimInfo struct {
	Policy  string  `json:"policy"`
	Method  string  `json:"method,omitempty"`
	Metric  string  `json:"metric,omitempty"`
	Value   float64 `json:"value"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Level   float64 `json:"level,omitempty"`
	Seed    int64   `json:"seed,omitempty"`
	Horizon string  `json:"horizon,omitempty"`
	Runs    int     `json:"runs,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// Distillation says how a table was distilled from a policy and how
// faithful it is: Fidelity is the share of states in which table and
// policy choose the same action, on the states the tree was fitted on and
// on held-out states.
type Distillation struct {
	Policy          string  `json:"policy"`
	Method          string  `json:"method"`
	MaxDepth        int     `json:"max_depth"`
	MinLeaf         int     `json:"min_leaf"`
	Leaves          int     `json:"leaves"`
	States          string  `json:"states"`
	TrainStates     int     `json:"train_states"`
	HeldOutStates   int     `json:"held_out_states"`
	Fidelity        float64 `json:"fidelity"`
	HeldOutFidelity float64 `json:"held_out_fidelity"`
}

// New makes a model of table t, stamping the export time now and the
// table's action set.
func New(t *policy.Table, now time.Time) *Model {
	m := &Model{Table: t}
	m.Meta.Name = t.Label
	m.Meta.Exported = now.UTC().Format(time.RFC3339)
	m.Meta.Actions = actionInfo(t.Actions)
	return m
}

func actionInfo(as *policy.Actions) []ActionInfo {
	out := make([]ActionInfo, len(as.Names))
	for i, n := range as.Names {
		out[i] = ActionInfo{Name: n, Channel: as.Channel[n]}
	}
	return out
}

// actionsOf rebuilds an action set from metadata.
func actionsOf(infos []ActionInfo) *policy.Actions {
	as := &policy.Actions{Channel: map[string]string{}}
	for _, a := range infos {
		as.Names = append(as.Names, a.Name)
		as.Channel[a.Name] = a.Channel
	}
	return as
}

// timeNow stamps exports; tests replace it.
var timeNow = time.Now

// ruleID is the identifier of rule i (0-based) in both formats: r1, r2 …
func ruleID(i int) string { return fmt.Sprintf("r%d", i+1) }

// decisionOrder returns the rule indices in the order a FIRST evaluation
// must try them to reproduce the table's hit policy: table order for
// FIRST; for PRIORITY, by Priority descending, ties in table order (the
// first matching rule in this order is the highest-priority match).
func decisionOrder(t *policy.Table) []int {
	idx := make([]int, len(t.Rules))
	for i := range idx {
		idx[i] = i
	}
	if t.HitPolicy == policy.Priority {
		sortStable(idx, func(a, b int) bool { return t.Rules[a].Priority > t.Rules[b].Priority })
	}
	return idx
}

func sortStable(idx []int, less func(a, b int) bool) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && less(idx[j], idx[j-1]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// checkIdent reports an input name that is not usable as a CEL variable
// and FEEL name: letters, digits and underscores, not starting with a
// digit, not a reserved word.
func checkIdent(name string) error {
	if name == "" {
		return fmt.Errorf("an input has an empty name")
	}
	for i, r := range name {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("input %q: names of inputs may hold only letters, digits and underscores (rename the feature)", name)
		}
	}
	switch strings.ToLower(name) {
	case "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
		"import", "let", "loop", "package", "namespace", "return", "var", "void", "while", "not", "and", "or",
		"between", "instance", "of", "some", "every", "satisfies", "then":
		return fmt.Errorf("input %q: the name is a reserved word in FEEL or CEL (rename the feature)", name)
	}
	return nil
}

// Check reports whether the model's table can be exported: input names
// usable as variables, at least one rule or a default.
func (m *Model) Check() error {
	for _, in := range m.Table.Inputs {
		if err := checkIdent(in.Name); err != nil {
			return fmt.Errorf("table %q: %w", m.Table.Label, err)
		}
	}
	return nil
}
