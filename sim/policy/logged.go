package policy

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Context is what a policy builder may use besides its spec: the policy
// file's contact rules and, when the policies are built for evaluation on
// a decision log, that log. Builders that need the log (an arbitration's
// `propensity: fitted`, a learner's warm start, the logged policy) say so
// in their error when Each is nil.
type Context struct {
	// Rules are the policy file's contact rules (set by ParseWith).
	Rules *ContactRules
	// N is the number of logged decisions (0 without a log).
	N int
	// Each calls fn for every logged decision in time order (ties in log
	// order) and stops at fn's first error. The Logged value and its
	// State are reused between calls: a builder must not keep them. Nil
	// when no decision log was supplied.
	Each func(fn func(d *Logged) error) error
	// EachOutcome, when set, visits the same decisions in the same order
	// as Each but gives only what was done and observed, without building
	// each decision's state: a cheaper pass for builders that read no
	// feature (WarmStart's normalising pass). Nil means use Each.
	EachOutcome func(fn func(action int, propensity, reward float64, converted bool) error) error
	// EachCell, when set, visits the same decisions in the same order as
	// Each but gives only each decision's logging cell — CellKey of its
	// state (fn must not keep the slice) — and logged action: a cheaper
	// pass for the logged policy, which reads nothing else. Nil means
	// use Each.
	EachCell func(fn func(cell []byte, action int) error) error
}

// eachOutcome calls fn for every logged decision through EachOutcome when
// set, otherwise through Each.
func (c *Context) eachOutcome(fn func(action int, propensity, reward float64, converted bool) error) error {
	if c.EachOutcome != nil {
		return c.EachOutcome(fn)
	}
	return c.Each(func(d *Logged) error { return fn(d.Action, d.Propensity, d.Reward, d.Converted) })
}

// HasLog reports whether a decision log was supplied.
func (c *Context) HasLog() bool { return c != nil && c.Each != nil }

// Logged is one logged decision, as builders see it.
type Logged struct {
	// State is the customer's state at the decision; its Logged field is
	// set.
	State *State
	// Action is the index (in the file's Actions) of the logged action,
	// taken with probability Propensity.
	Action     int
	Propensity float64
	// Reward is the observed reward; Converted the observed conversion.
	Reward    float64
	Converted bool
}

func init() {
	RegisterContextKind("logged", buildLogged)
}

// LoggedPolicy is the logging policy itself, as far as the log shows it.
//
// On a logged decision (State.Logged set) it takes the logged action a_i
// with the logged propensity p_i, so its importance weight is exactly 1
// and every importance-weighted estimate of it is the on-policy mean
// reward (1/n) Σ r_i. The rest of its mass, 1 − p_i, is spread over the
// other actions in proportion to their empirical frequency in the
// decision's cell. On any other state it is the empirical frequency of
// each action in the state's cell:
//
//	π(a|s) = #{i : cell(x_i) = cell(s), a_i = a} / #{i : cell(x_i) = cell(s)}
//
// where the cell is the trigger and the consent pattern (the values of
// every boolean consent_* feature), the inputs the documented logging
// engine randomises on. A cell never seen in the log gets the empirical
// frequency over the whole log.
type LoggedPolicy struct {
	Label   string
	Actions *Actions
	cells   map[string][]float64
	overall []float64
}

// NewLoggedPolicy estimates the logging policy's action frequencies per
// cell from the decision log of ctx.
func NewLoggedPolicy(label string, actions *Actions, ctx *Context) (*LoggedPolicy, error) {
	if !ctx.HasLog() {
		return nil, fmt.Errorf("the logged policy is estimated from a decision log: evaluate it with `workbench ope` (which reads the log)")
	}
	k := len(actions.Names)
	lp := &LoggedPolicy{Label: label, Actions: actions, cells: map[string][]float64{}, overall: make([]float64, k)}
	count := func(key []byte, action int) error {
		c, ok := lp.cells[string(key)]
		if !ok {
			c = make([]float64, k)
			lp.cells[string(key)] = c
		}
		c[action]++
		lp.overall[action]++
		return nil
	}
	var err error
	if ctx.EachCell != nil {
		err = ctx.EachCell(count)
	} else {
		var key []byte
		err = ctx.Each(func(d *Logged) error {
			key = CellKey(key[:0], d.State)
			return count(key, d.Action)
		})
	}
	if err != nil {
		return nil, err
	}
	if err := normalise(lp.overall); err != nil {
		return nil, fmt.Errorf("the decision log is empty: %w", err)
	}
	for _, c := range lp.cells {
		_ = normalise(c) // every cell has at least one decision
	}
	return lp, nil
}

func buildLogged(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	if err := checkFields(&s.Raw, baseFields); err != nil {
		return nil, err
	}
	return NewLoggedPolicy(s.Name, actions, ctx)
}

func (p *LoggedPolicy) Name() string { return p.Label }

// LearnsFromLog is true: the logged policy is estimated from the log.
func (p *LoggedPolicy) LearnsFromLog() bool { return true }

// Probs writes the logging policy's distribution (see LoggedPolicy).
func (p *LoggedPolicy) Probs(s *State, out []float64) {
	var buf [128]byte
	row, ok := p.cells[string(CellKey(buf[:0], s))]
	if !ok {
		row = p.overall
	}
	if s.Logged == nil {
		copy(out, row)
		return
	}
	a, pa := s.Logged.Action, s.Logged.Propensity
	rest := 0.0
	for j, x := range row {
		if j != a {
			rest += x
		}
	}
	for j := range out {
		switch {
		case j == a:
			out[j] = pa
		case rest > 0:
			out[j] = (1 - pa) * row[j] / rest
		default:
			out[j] = 0
		}
	}
	if rest == 0 && pa < 1 {
		// No other action seen in the cell: spread the rest evenly.
		for j := range out {
			if j != a {
				out[j] = (1 - pa) / float64(len(out)-1)
			}
		}
	}
}

// CellFeature reports whether the feature named name enters CellKey: the
// key of a state depends only on its features for which CellFeature is
// true (the trigger and the consent_* features).
func CellFeature(name string) bool { return name == "trigger" || strings.HasPrefix(name, "consent_") }

// CellKey appends the logging cell of s to dst: the trigger and the value
// of every boolean consent_* feature, in name order.
func CellKey(dst []byte, s *State) []byte {
	dst = append(dst, s.Get("trigger").Str...)
	// The consent features with their values, gathered in one pass over
	// the map and put in name order by insertion (there are a handful).
	type kv struct {
		name string
		on   bool
	}
	var buf [16]kv
	ns := buf[:0]
	for n, v := range s.Features {
		if strings.HasPrefix(n, "consent_") && !v.Missing {
			ns = append(ns, kv{n, v.Bool})
			for j := len(ns) - 1; j > 0 && ns[j].name < ns[j-1].name; j-- {
				ns[j], ns[j-1] = ns[j-1], ns[j]
			}
		}
	}
	for _, c := range ns {
		dst = append(dst, '|')
		dst = append(dst, c.name[len("consent_"):]...)
		if c.on {
			dst = append(dst, "=1"...)
		} else {
			dst = append(dst, "=0"...)
		}
	}
	return dst
}

// baseFields are the spec keys every kind accepts.
var baseFields = map[string]bool{"name": true, "type": true, "ignore_contact_rules": true}

// decodeKind decodes the raw spec of a registered kind into v (a pointer
// to a struct with yaml tags), rejecting keys that neither v nor
// baseFields know, with their line.
func decodeKind(s *Spec, v any) error {
	allowed := yamlKeys(reflect.TypeOf(v).Elem())
	for k := range baseFields {
		allowed[k] = true
	}
	if err := checkFields(&s.Raw, allowed); err != nil {
		return err
	}
	return s.Raw.Decode(v)
}

// inferType guesses the type of a unary test from its text: quoted
// literals are strings, true/false booleans, anything else numbers.
func inferType(src string) Type {
	t := strings.TrimSpace(src)
	if strings.Contains(t, `"`) {
		return String
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(t, "not("), ")")
	switch strings.TrimSpace(inner) {
	case "true", "false":
		return Bool
	}
	return Number
}

// Condition is a conjunction of unary tests on named features: it holds
// when every test matches the feature's value.
type Condition struct {
	Names []string
	Tests []Test
}

// ParseCondition compiles a map of feature → DMN unary test; the type of
// each test is told from its text (see inferType): `"gold"` is a string
// test, `true` a boolean one, `>= 100` a numeric one.
func ParseCondition(m map[string]string) (Condition, error) {
	var c Condition
	for _, name := range sortedKeys(m) {
		t, err := ParseTest(m[name], inferType(m[name]))
		if err != nil {
			return Condition{}, fmt.Errorf("test on %q: %w", name, err)
		}
		c.Names = append(c.Names, name)
		c.Tests = append(c.Tests, t)
	}
	return c, nil
}

// Match reports whether every test holds on s (an empty condition holds).
func (c *Condition) Match(s *State) bool {
	for i, n := range c.Names {
		if !c.Tests[i].Match(s.Get(n)) {
			return false
		}
	}
	return true
}

// numberOrTable is a policy-file quantity: a number, or a table by a
// feature's value ({by: F, table: {value: x}, default: x}), or a numeric
// feature's own value times a scale ({feature: F, scale: s, default: x}),
// or (where allowed) the word `fitted`.
type numberOrTable struct {
	Const   float64
	Fitted  bool
	By      string
	Table   map[string]float64
	Feature string
	Scale   float64
	Default float64
	set     bool
}

func (q *numberOrTable) UnmarshalYAML(n *yaml.Node) error {
	q.set = true
	if n.Kind == yaml.ScalarNode {
		if n.Value == "fitted" {
			q.Fitted = true
			return nil
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return fmt.Errorf("line %d: %q is not a number (write a number, a table {by: FEATURE, table: {VALUE: NUMBER}, default: NUMBER}, or {feature: FEATURE, scale: NUMBER})", n.Line, n.Value)
		}
		q.Const = f
		return nil
	}
	var raw struct {
		By      string             `yaml:"by"`
		Table   map[string]float64 `yaml:"table"`
		Feature string             `yaml:"feature"`
		Scale   *float64           `yaml:"scale"`
		Default float64            `yaml:"default"`
	}
	if err := checkFields(n, yamlKeys(reflect.TypeOf(raw))); err != nil {
		return err
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	if (raw.By == "") == (raw.Feature == "") {
		return fmt.Errorf("line %d: give either `by:` (a table by a feature's value) or `feature:` (a numeric feature's value)", n.Line)
	}
	q.By, q.Table, q.Feature, q.Default = raw.By, raw.Table, raw.Feature, raw.Default
	q.Scale = 1
	if raw.Scale != nil {
		q.Scale = *raw.Scale
	}
	return nil
}

// eval returns the quantity in state s (a fitted quantity is resolved by
// the caller).
func (q *numberOrTable) eval(s *State) float64 {
	switch {
	case q.By != "":
		if x, ok := lookup(q.Table, s.Get(q.By)); ok {
			return x
		}
		return q.Default
	case q.Feature != "":
		v := s.Get(q.Feature)
		if v.Missing {
			return q.Default
		}
		return v.Num * q.Scale
	}
	return q.Const
}

// lookup finds v in a policy-file table keyed by text: a string value by
// itself, otherwise by the number in shortest form ("0", "2.5") or by
// true/false.
func lookup(t map[string]float64, v Value) (float64, bool) {
	if v.Missing {
		return 0, false
	}
	if v.Str != "" {
		x, ok := t[v.Str]
		return x, ok
	}
	if x, ok := t[strconv.FormatFloat(v.Num, 'g', -1, 64)]; ok {
		return x, true
	}
	x, ok := t[strconv.FormatBool(v.Bool)]
	return x, ok
}

// ReadActions reads only the action set of a policy file (its `actions`
// and `action_order`, or DefaultActions when absent), without building
// the policies: a decision log is read with it before the policies that
// learn from the log can be built.
func ReadActions(path string) (*Actions, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Actions     map[string]string `yaml:"actions"`
		ActionOrder []string          `yaml:"action_order"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: policy file: %w", path, err)
	}
	if len(f.Actions) == 0 {
		return DefaultActions(), nil
	}
	names := f.ActionOrder
	if len(names) == 0 {
		names = sortedKeys(f.Actions)
	}
	for _, n := range names {
		if _, ok := f.Actions[n]; !ok {
			return nil, fmt.Errorf("%s: action_order names %q, which is not under actions", path, n)
		}
	}
	return &Actions{Names: names, Channel: f.Actions}, nil
}
