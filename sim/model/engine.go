package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// Engine decides with a rule set's CEL conditions, evaluated by cel-go.
//
// Every condition is compiled once against typed variables (number →
// double, string → string, boolean → bool) and must have type bool. The
// rules are tried in decision order — table order under FIRST; under
// PRIORITY by priority descending, ties in table order — and the first
// whose condition is true decides; none true means the default action.
// This is the table's hit policy: under PRIORITY the first match in that
// order is the highest-priority match.
//
// When every input is present, the conditions are evaluated as one
// compiled CEL program, the chain
//
//	c₁ ? 0 : (c₂ ? 1 : (… : -1))
//
// over the rules in decision order, which cel-go evaluates lazily (a
// condition after the first true one is not evaluated). When an input is
// missing it is left out of the activation, and the rules' own programs
// are evaluated one by one: a condition that reads a missing input
// evaluates to an error (or to false when && short-circuits past it),
// and only true counts as a match.
//
// An Engine reuses its activation: it is not safe for concurrent use
// (make one per goroutine with Clone).
type Engine struct {
	Model *Model
	// Conditions are the CEL conditions, in table order.
	Conditions []string

	inputs []policy.Input
	index  map[string]int
	order  []int // rule indices in decision order
	progs  []cel.Program
	chain  cel.Program
	act    *activation
}

// Decision is the outcome of one decision.
type Decision struct {
	// Rule is the index of the deciding rule in table order, −1 when the
	// default applied; RuleID its id (r1 …, "default").
	Rule     int    `json:"-"`
	RuleID   string `json:"rule"`
	Action   string `json:"action"`
	Channel  string `json:"channel"`
	Priority int    `json:"priority"`
}

// NewEngine compiles the conditions of m: those of rs when given (a rule
// set read from JSON, whose conditions are what it states), else
// Condition of every table rule.
func NewEngine(m *Model, rs *RuleSet) (*Engine, error) {
	t := m.Table
	e := &Engine{Model: m, inputs: t.Inputs, index: map[string]int{}, order: decisionOrder(t)}
	var opts []cel.EnvOption
	for j, in := range t.Inputs {
		e.index[in.Name] = j
		var typ *cel.Type
		switch in.Type {
		case policy.Number:
			typ = cel.DoubleType
		case policy.String:
			typ = cel.StringType
		case policy.Bool:
			typ = cel.BoolType
		default:
			return nil, fmt.Errorf("input %q has no type", in.Name)
		}
		opts = append(opts, cel.Variable(in.Name, typ))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	e.Conditions = make([]string, len(t.Rules))
	for i := range t.Rules {
		if rs != nil {
			e.Conditions[i] = rs.Rules[i].Condition
		} else {
			e.Conditions[i] = Condition(t, &t.Rules[i])
		}
	}
	compile := func(src, what string) (cel.Program, error) {
		ast, iss := env.Compile(src)
		if iss != nil && iss.Err() != nil {
			return nil, fmt.Errorf("%s: %v", what, iss.Err())
		}
		if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.IntType {
			return nil, fmt.Errorf("%s: the condition has type %v, not bool", what, ast.OutputType())
		}
		return env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	}
	e.progs = make([]cel.Program, len(t.Rules))
	for i, c := range e.Conditions {
		if e.progs[i], err = compile(c, "rule "+ruleID(i)); err != nil {
			return nil, err
		}
		if strings.TrimSpace(c) == "" {
			return nil, fmt.Errorf("rule %s has an empty condition", ruleID(i))
		}
	}
	var b strings.Builder
	for _, i := range e.order {
		b.WriteString("(")
		b.WriteString(e.Conditions[i])
		b.WriteString(") ? ")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(" : (")
	}
	b.WriteString("-1")
	b.WriteString(strings.Repeat(")", len(e.order)))
	if e.chain, err = compile(b.String(), "rule chain"); err != nil {
		return nil, err
	}
	e.act = newActivation(e.inputs, e.index)
	// One decision on zero values pays cel-go's first-use costs now, not
	// on the first real decision.
	if _, err := e.Decide(make([]policy.Value, len(e.inputs))); err != nil {
		return nil, err
	}
	return e, nil
}

// Clone returns an engine sharing the compiled programs with its own
// activation, for use on another goroutine.
func (e *Engine) Clone() *Engine {
	c := *e
	c.act = newActivation(e.inputs, e.index)
	return &c
}

// Inputs returns the engine's inputs in order.
func (e *Engine) Inputs() []policy.Input { return e.inputs }

// DecideState decides for state s, reading each input from its features.
func (e *Engine) DecideState(s *policy.State) (Decision, error) {
	a := e.act
	for j, in := range e.inputs {
		a.set(j, s.Get(in.Name))
	}
	return e.decide()
}

// Decide decides for the input values v, given in input order.
func (e *Engine) Decide(v []policy.Value) (Decision, error) {
	if len(v) != len(e.inputs) {
		return Decision{}, fmt.Errorf("%d values for %d inputs", len(v), len(e.inputs))
	}
	for j := range v {
		e.act.set(j, v[j])
	}
	return e.decide()
}

func (e *Engine) decide() (Decision, error) {
	a := e.act
	rule := -1
	if a.missing == 0 {
		out, _, err := e.chain.Eval(a)
		if err != nil {
			return Decision{}, fmt.Errorf("evaluating the rules: %w", err)
		}
		n, ok := out.(types.Int)
		if !ok {
			return Decision{}, fmt.Errorf("evaluating the rules: %v", out)
		}
		rule = int(n)
	} else {
		for _, i := range e.order {
			out, _, _ := e.progs[i].Eval(a)
			if out == types.True {
				rule = i
				break
			}
		}
	}
	return e.outcome(rule), nil
}

func (e *Engine) outcome(rule int) Decision {
	t := e.Model.Table
	if rule < 0 {
		return Decision{Rule: -1, RuleID: "default", Action: t.Default, Channel: t.Actions.Channel[t.Default]}
	}
	r := &t.Rules[rule]
	return Decision{Rule: rule, RuleID: ruleID(rule), Action: r.Action, Channel: r.Channel, Priority: r.Priority}
}

// activation resolves the inputs' variables to the current values; a
// missing input is not resolved. missing counts the absent inputs.
type activation struct {
	index   map[string]int
	kinds   []policy.Type
	vals    []ref.Val
	present []bool
	missing int
}

func newActivation(inputs []policy.Input, index map[string]int) *activation {
	a := &activation{index: index, vals: make([]ref.Val, len(inputs)), present: make([]bool, len(inputs)), missing: len(inputs)}
	for _, in := range inputs {
		a.kinds = append(a.kinds, in.Type)
	}
	return a
}

func (a *activation) set(j int, v policy.Value) {
	if v.Missing {
		if a.present[j] {
			a.present[j], a.vals[j] = false, nil
			a.missing++
		}
		return
	}
	switch a.kinds[j] {
	case policy.Number:
		a.vals[j] = types.Double(v.Num)
	case policy.String:
		a.vals[j] = types.String(v.Str)
	default:
		a.vals[j] = types.Bool(v.Bool)
	}
	if !a.present[j] {
		a.present[j] = true
		a.missing--
	}
}

func (a *activation) ResolveName(name string) (any, bool) {
	j, ok := a.index[name]
	if !ok || !a.present[j] {
		return nil, false
	}
	return a.vals[j], true
}

func (a *activation) Parent() interpreter.Activation { return nil }
