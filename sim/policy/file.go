package policy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a policy file: the action set, the contact rules that apply to
// every policy, and the policies to compare. It is written in YAML (JSON
// is valid YAML, so a JSON file loads too). See the README for a worked
// example.
type File struct {
	// Actions maps each action to the channel it contacts ("" for none).
	// When absent, the decision log's documented set is used.
	Actions      map[string]string `yaml:"actions"`
	ActionOrder  []string          `yaml:"action_order"`
	ContactRules *ContactRules     `yaml:"contact_rules"`
	Policies     []Spec            `yaml:"policies"`
}

// Spec is one policy as written in a policy file. Type selects the kind;
// the other fields are read by that kind.
type Spec struct {
	Name string `yaml:"name"`
	// Type is decision_table, static, nothing, uniform, single, logged,
	// or a kind registered with RegisterKind (arbitration, learners).
	Type string `yaml:"type"`

	// decision_table
	HitPolicy string     `yaml:"hit_policy"`
	Inputs    []InputDef `yaml:"inputs"`
	Rules     []RuleDef  `yaml:"rules"`
	Default   string     `yaml:"default"`

	// single
	Action string `yaml:"action"`

	// static: probabilities by value of By, and a default row.
	By            string                        `yaml:"by"`
	Probs         map[string]map[string]float64 `yaml:"probs"`
	DefaultProbs  map[string]float64            `yaml:"default_probs"`
	IgnoreContact bool                          `yaml:"ignore_contact_rules"`

	// Raw keeps the whole node so registered kinds can decode their own
	// fields.
	Raw yaml.Node `yaml:"-"`
}

// UnmarshalYAML decodes a spec and keeps its raw node.
func (s *Spec) UnmarshalYAML(n *yaml.Node) error {
	type plain Spec
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Raw = *n
	if _, registered := kinds[s.Type]; !registered {
		if err := checkFields(n, specFields); err != nil {
			return err
		}
	}
	return nil
}

// specFields are the keys a built-in policy kind may use.
var specFields = yamlKeys(reflect.TypeOf(Spec{}))

func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			keys[tag] = true
		}
	}
	return keys
}

// checkFields reports a key of mapping node n that is not in allowed, with
// its line, so a misspelt field is an error rather than silently ignored.
func checkFields(n *yaml.Node, allowed map[string]bool) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !allowed[k.Value] {
			return fmt.Errorf("line %d: field %q is not known for this policy type", k.Line, k.Value)
		}
	}
	return nil
}

// InputDef declares a decision-table input.
type InputDef struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

// RuleDef is a decision-table rule as written: a unary test per input
// name (inputs not named match anything), and the outputs.
type RuleDef struct {
	When       map[string]string `yaml:"when"`
	Action     string            `yaml:"action"`
	Channel    string            `yaml:"channel"`
	Priority   int               `yaml:"priority"`
	Annotation string            `yaml:"annotation"`
}

// Builder makes a policy of a registered kind from its spec.
type Builder func(spec *Spec, actions *Actions) (Policy, error)

// ContextBuilder makes a policy of a registered kind from its spec and the
// build context (the file's contact rules and, when one is supplied, the
// decision log). ctx is never nil.
type ContextBuilder func(spec *Spec, actions *Actions, ctx *Context) (Policy, error)

var kinds = map[string]ContextBuilder{}

// RegisterKind adds a policy kind that policy files can name in `type`.
func RegisterKind(name string, b Builder) {
	kinds[name] = func(s *Spec, a *Actions, _ *Context) (Policy, error) { return b(s, a) }
}

// RegisterContextKind adds a policy kind whose builder reads the build
// context (see Context).
func RegisterContextKind(name string, b ContextBuilder) { kinds[name] = b }

// DefaultActions is the decision log's documented action set.
func DefaultActions() *Actions {
	return &Actions{
		Names:   []string{"none", "email_offer", "sms_discount", "push_reminder", "call_back"},
		Channel: map[string]string{"none": "", "email_offer": "email", "sms_discount": "sms", "push_reminder": "push", "call_back": "call"},
	}
}

// Loaded is a parsed policy file: the actions, the contact rules and the
// policies, each already wrapped in the contact rules.
type Loaded struct {
	Actions  *Actions
	Rules    *ContactRules
	Policies []Policy
	Specs    []Spec
}

// ReadFile reads a policy file from disk.
func ReadFile(path string) (*Loaded, error) { return ReadFileWith(path, nil) }

// ReadFileWith reads a policy file from disk, building its policies with
// ctx (see ParseWith).
func ReadFileWith(path string, ctx *Context) (*Loaded, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := ParseWith(bytes.NewReader(b), ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Parse reads a policy file.
func Parse(r io.Reader) (*Loaded, error) { return ParseWith(r, nil) }

// ParseWith reads a policy file and builds its policies with ctx: the
// decision log that fitted quantities (an arbitration's `propensity:
// fitted`, a learner's warm start, the logged policy) are estimated from.
// ctx may be nil (no log); its Rules are set to the file's contact rules.
func ParseWith(r io.Reader, ctx *Context) (*Loaded, error) {
	var f File
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	actions := DefaultActions()
	if len(f.Actions) > 0 {
		names := f.ActionOrder
		if len(names) == 0 {
			for n := range f.Actions {
				names = append(names, n)
			}
			sort.Strings(names)
		}
		actions = &Actions{Names: names, Channel: f.Actions}
		for _, n := range names {
			if _, ok := f.Actions[n]; !ok {
				return nil, fmt.Errorf("action_order names %q, which is not under actions", n)
			}
		}
	}
	rules := f.ContactRules
	if rules == nil {
		rules = DefaultContactRules()
	}
	if len(f.Policies) == 0 {
		return nil, fmt.Errorf("policy file has no policies: add a list under `policies:`")
	}
	bc := &Context{}
	if ctx != nil {
		*bc = *ctx
	}
	bc.Rules = rules
	l := &Loaded{Actions: actions, Rules: rules, Specs: f.Policies}
	seen := map[string]bool{}
	for i := range f.Policies {
		s := &f.Policies[i]
		if s.Name == "" {
			return nil, fmt.Errorf("policy %d has no name", i+1)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("two policies are named %q", s.Name)
		}
		seen[s.Name] = true
		p, err := BuildWith(s, actions, bc)
		if err != nil {
			return nil, fmt.Errorf("policy %q (line %d): %w", s.Name, s.Raw.Line, err)
		}
		if !s.IgnoreContact {
			p = &Constrained{Policy: p, Rules: rules, Actions: actions}
		}
		l.Policies = append(l.Policies, p)
	}
	return l, nil
}

// Build makes the policy a spec describes (without contact rules).
func Build(s *Spec, actions *Actions) (Policy, error) { return BuildWith(s, actions, nil) }

// BuildWith is Build with a build context (nil means none).
func BuildWith(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	if ctx == nil {
		ctx = &Context{}
	}
	switch s.Type {
	case "decision_table", "table":
		return buildTable(s, actions)
	case "nothing", "do_nothing":
		return named{Nothing{actions}, s.Name}, nil
	case "uniform", "random":
		return named{Uniform{actions}, s.Name}, nil
	case "single":
		i := actions.Index(s.Action)
		if i < 0 {
			return nil, fmt.Errorf("action %q is not one of %s", s.Action, strings.Join(actions.Names, ", "))
		}
		return named{Single{actions, i}, s.Name}, nil
	case "static":
		return buildStatic(s, actions)
	}
	if b, ok := kinds[s.Type]; ok {
		return b(s, actions, ctx)
	}
	known := []string{"decision_table", "static", "nothing", "uniform", "single"}
	for k := range kinds {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("unknown policy type %q: use one of %s", s.Type, strings.Join(known, ", "))
}

// named renames a built-in policy to the name given in the file.
type named struct {
	Policy
	label string
}

func (n named) Name() string { return n.label }

func buildTable(s *Spec, actions *Actions) (*Table, error) {
	hp := HitPolicy(strings.ToUpper(s.HitPolicy))
	if hp == "" {
		hp = First
	}
	inputs := make([]Input, len(s.Inputs))
	index := map[string]int{}
	for i, d := range s.Inputs {
		typ, err := ParseType(d.Type)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", d.Name, err)
		}
		inputs[i] = Input{Name: d.Name, Type: typ}
		index[d.Name] = i
	}
	rules := make([]Rule, len(s.Rules))
	for i, rd := range s.Rules {
		r := Rule{Action: rd.Action, Channel: rd.Channel, Priority: rd.Priority, Annotation: rd.Annotation, Tests: make([]Test, len(inputs))}
		for j, in := range inputs {
			r.Tests[j] = MustTest("-", in.Type)
		}
		for name, src := range rd.When {
			j, ok := index[name]
			if !ok {
				return nil, fmt.Errorf("rule %d tests %q, which is not a declared input (declare it under inputs)", i+1, name)
			}
			t, err := ParseTest(src, inputs[j].Type)
			if err != nil {
				return nil, fmt.Errorf("rule %d, input %q: %w", i+1, name, err)
			}
			r.Tests[j] = t
		}
		rules[i] = r
	}
	return NewTable(s.Name, hp, inputs, rules, s.Default, actions)
}

func buildStatic(s *Spec, actions *Actions) (*Static, error) {
	row := func(m map[string]float64) ([]float64, error) {
		p := make([]float64, len(actions.Names))
		for a, x := range m {
			i := actions.Index(a)
			if i < 0 {
				return nil, fmt.Errorf("action %q is not one of %s", a, strings.Join(actions.Names, ", "))
			}
			p[i] = x
		}
		return p, normalise(p)
	}
	st := &Static{Label: s.Name, Actions: actions, By: s.By, Rows: map[string][]float64{}}
	if len(s.DefaultProbs) == 0 {
		return nil, fmt.Errorf("a static policy needs default_probs (action: probability)")
	}
	var err error
	if st.Default, err = row(s.DefaultProbs); err != nil {
		return nil, fmt.Errorf("default_probs: %w", err)
	}
	if len(s.Probs) > 0 && s.By == "" {
		return nil, fmt.Errorf("probs per value need `by:` naming the context feature")
	}
	for _, v := range sortedKeys(s.Probs) {
		if st.Rows[v], err = row(s.Probs[v]); err != nil {
			return nil, fmt.Errorf("probs for %s=%q: %w", s.By, v, err)
		}
	}
	return st, nil
}
