package model

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// DMN namespaces.
const (
	// DMNNamespace is the DMN 1.3 model namespace.
	DMNNamespace = "https://www.omg.org/spec/DMN/20191111/MODEL/"
	// MetaNamespace is the namespace of the workbench's metadata element
	// inside extensionElements.
	MetaNamespace = "https://journeyworkbench.dev/schema/decision-model/1"
	// modelNamespace prefixes the namespace attribute of an exported model.
	modelNamespace = "https://journeyworkbench.dev/decision-models/"
)

// Output names of an exported decision table.
const (
	OutRank     = "rank"
	OutAction   = "action"
	OutChannel  = "channel"
	OutPriority = "priority"
)

// WriteDMN writes m as a DMN 1.3 definitions document with one decision
// holding one decision table:
//
//   - one input per table input, typeRef number|string|boolean, whose
//     input expression is the feature's name;
//   - outputs action (string; outputValues = the action set;
//     defaultOutputEntry = the table's default), channel (string) and
//     priority (number);
//   - one rule per table rule, id r1, r2 …, with the FEEL unary test of
//     every input (a negated list is written not(null, …) so that a
//     missing value — FEEL null — fails it, as it fails in the table; a
//     number is written without an exponent), the outputs, and the
//     annotation;
//   - the hit policy as the table has it. DMN's PRIORITY picks the
//     matching rule whose output comes first in the outputValues lists,
//     while the table's picks the highest Priority, earlier rule on ties.
//     So a PRIORITY table gets a first output `rank` (number) with
//     outputValues 1,2,…,n and rank k on the rule that is k-th in
//     (Priority descending, table order): every rule has its own rank,
//     so DMN's choice is exactly the table's;
//   - the metadata as JSON in <jw:metadata> under extensionElements, and
//     a plain-text summary in <description>.
func WriteDMN(w io.Writer, m *Model) error {
	if err := m.Check(); err != nil {
		return err
	}
	t := m.Table
	slug := ncName(m.Meta.Name)
	meta, err := json.MarshalIndent(m.Meta, "    ", "  ")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<definitions xmlns="%s" xmlns:jw="%s" id="definitions_%s" name="%s" namespace="%s%s" exporter="Journey Workbench" exporterVersion="1">`+"\n",
		DMNNamespace, MetaNamespace, slug, escAttr(m.Meta.Name), modelNamespace, slug)
	fmt.Fprintf(&b, "  <description>%s</description>\n", esc(Summary(m)))
	fmt.Fprintf(&b, "  <extensionElements>\n    <jw:metadata>%s</jw:metadata>\n  </extensionElements>\n", esc(string(meta)))
	fmt.Fprintf(&b, `  <decision id="decision_%s" name="%s">`+"\n", slug, escAttr(m.Meta.Name))
	fmt.Fprintf(&b, "    <description>%s</description>\n", esc(hitPolicyNote(t)))
	fmt.Fprintf(&b, `    <decisionTable id="table_%s" hitPolicy="%s" outputLabel="next best action">`+"\n", slug, t.HitPolicy)
	for j, in := range t.Inputs {
		fmt.Fprintf(&b, `      <input id="input_%d" label="%s">`+"\n", j+1, escAttr(in.Name))
		fmt.Fprintf(&b, `        <inputExpression id="input_%d_expression" typeRef="%s">`+"\n", j+1, in.Type)
		fmt.Fprintf(&b, "          <text>%s</text>\n        </inputExpression>\n      </input>\n", esc(in.Name))
	}
	rank := ranks(t)
	if t.HitPolicy == policy.Priority {
		vals := make([]string, len(t.Rules))
		for i := range vals {
			vals[i] = strconv.Itoa(i + 1)
		}
		fmt.Fprintf(&b, `      <output id="output_rank" label="rank (1 wins)" name="%s" typeRef="number">`+"\n", OutRank)
		fmt.Fprintf(&b, `        <outputValues id="output_rank_values">`+"\n          <text>%s</text>\n        </outputValues>\n      </output>\n", strings.Join(vals, ","))
	}
	names := make([]string, len(t.Actions.Names))
	for i, n := range t.Actions.Names {
		names[i] = strconv.Quote(n)
	}
	fmt.Fprintf(&b, `      <output id="output_action" label="action" name="%s" typeRef="string">`+"\n", OutAction)
	fmt.Fprintf(&b, `        <outputValues id="output_action_values">`+"\n          <text>%s</text>\n        </outputValues>\n", esc(strings.Join(names, ",")))
	fmt.Fprintf(&b, `        <defaultOutputEntry id="output_action_default">`+"\n          <text>%s</text>\n        </defaultOutputEntry>\n      </output>\n", esc(strconv.Quote(t.Default)))
	fmt.Fprintf(&b, `      <output id="output_channel" label="channel" name="%s" typeRef="string">`+"\n", OutChannel)
	fmt.Fprintf(&b, `        <defaultOutputEntry id="output_channel_default">`+"\n          <text>%s</text>\n        </defaultOutputEntry>\n      </output>\n", esc(strconv.Quote(t.Actions.Channel[t.Default])))
	fmt.Fprintf(&b, `      <output id="output_priority" label="priority" name="%s" typeRef="number"/>`+"\n", OutPriority)
	b.WriteString(`      <annotation name="annotation"/>` + "\n")
	for i, r := range t.Rules {
		id := ruleID(i)
		fmt.Fprintf(&b, `      <rule id="%s">`+"\n", id)
		for j, tst := range r.Tests {
			fmt.Fprintf(&b, `        <inputEntry id="%s_input_%d">`+"\n          <text>%s</text>\n        </inputEntry>\n", id, j+1, esc(feelTest(tst, t.Inputs[j].Type)))
		}
		if t.HitPolicy == policy.Priority {
			fmt.Fprintf(&b, `        <outputEntry id="%s_rank">`+"\n          <text>%d</text>\n        </outputEntry>\n", id, rank[i])
		}
		fmt.Fprintf(&b, `        <outputEntry id="%s_action">`+"\n          <text>%s</text>\n        </outputEntry>\n", id, esc(strconv.Quote(r.Action)))
		fmt.Fprintf(&b, `        <outputEntry id="%s_channel">`+"\n          <text>%s</text>\n        </outputEntry>\n", id, esc(strconv.Quote(r.Channel)))
		fmt.Fprintf(&b, `        <outputEntry id="%s_priority">`+"\n          <text>%d</text>\n        </outputEntry>\n", id, r.Priority)
		fmt.Fprintf(&b, "        <annotationEntry>\n          <text>%s</text>\n        </annotationEntry>\n", esc(r.Annotation))
		b.WriteString("      </rule>\n")
	}
	b.WriteString("    </decisionTable>\n  </decision>\n</definitions>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// ranks returns, per rule, its 1-based position in decisionOrder.
func ranks(t *policy.Table) []int {
	r := make([]int, len(t.Rules))
	for k, i := range decisionOrder(t) {
		r[i] = k + 1
	}
	return r
}

func hitPolicyNote(t *policy.Table) string {
	if t.HitPolicy == policy.Priority {
		return "Hit policy PRIORITY: of the matching rules, the one with the highest priority decides, the earlier rule on ties; " +
			"the output rank (1 = first) encodes that order for DMN engines. No match: the default action."
	}
	return "Hit policy FIRST: the first matching rule in table order decides. No match: the default action."
}

// Summary is a plain-text account of the model's metadata.
func Summary(m *Model) string {
	var s []string
	s = append(s, fmt.Sprintf("Decision model %q, %d rules over %d inputs, exported %s by Journey Workbench.",
		m.Meta.Name, len(m.Table.Rules), len(m.Table.Inputs), m.Meta.Exported))
	if d := m.Meta.Data; d != nil {
		s = append(s, fmt.Sprintf("Data: %s (version %s): %d customers, %d decisions, %s to %s.", d.Source, orDash(d.Version), d.Customers, d.Decisions, orDash(d.From), orDash(d.To)))
	}
	if x := m.Meta.Simulation; x != nil {
		lv := x.Level
		if lv == 0 {
			lv = 0.95
		}
		sim := fmt.Sprintf("Simulation: %s won", x.Policy)
		if x.Method != "" {
			sim += " (" + x.Method + ")"
		}
		sim += fmt.Sprintf(" with estimated value %.4g, %g%% interval [%.4g, %.4g]", x.Value, lv*100, x.Lo, x.Hi)
		if x.Seed != 0 {
			sim += fmt.Sprintf(", seed %d", x.Seed)
		}
		if x.Horizon != "" {
			sim += ", horizon " + x.Horizon
		}
		if x.Note != "" {
			sim += "; " + x.Note
		}
		s = append(s, sim+".")
	}
	if d := m.Meta.Distilled; d != nil {
		s = append(s, fmt.Sprintf("Distilled from policy %q by a classification tree (depth ≤ %d, ≥ %d states per leaf, %d leaves) on %s: fidelity %.2f%% on %d states, %.2f%% on %d held-out states.",
			d.Policy, d.MaxDepth, d.MinLeaf, d.Leaves, d.States, 100*d.Fidelity, d.TrainStates, 100*d.HeldOutFidelity, d.HeldOutStates))
	}
	switch {
	case m.Meta.ContactRules != nil && m.Meta.Distilled != nil:
		s = append(s, "The policy obeyed the policy file's contact rules; the tree may read their features (consent_<channel>, contacts_<channel>_<W>d, contacts_<W>d, quiet_period).")
	case m.Meta.ContactRules != nil:
		s = append(s, "The policy file's contact rules are folded into the rules (consent_<channel>, contacts_<channel>_<W>d, contacts_<W>d, quiet_period).")
	}
	return strings.Join(s, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// esc escapes XML character data (& < >); other characters, quotes and
// newlines included, are kept so the file stays readable.
func esc(s string) string { return textEscaper.Replace(s) }

// escAttr escapes an attribute value (double quotes too).
func escAttr(s string) string { return attrEscaper.Replace(s) }

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

var notNCName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// ncName turns s into a valid NCName fragment: runs of other characters
// become "_", and a name not starting with a letter or "_" gets "m_".
func ncName(s string) string {
	n := strings.Trim(notNCName.ReplaceAllString(s, "_"), "_")
	if n == "" {
		return "model"
	}
	if c := n[0]; !(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
		n = "m_" + n
	}
	return n
}

var expNumber = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?[eE][-+]?[0-9]+`)

// feelTest renders t as a DMN input entry: Test.FEEL, with numbers in
// exponent form written out in full (FEEL has no exponent syntax) and a
// negated test written not(null, …) so that null fails it.
func feelTest(t policy.Test, typ policy.Type) string {
	s := t.FEEL()
	if typ == policy.Number {
		s = expNumber.ReplaceAllStringFunc(s, func(x string) string {
			f, _ := strconv.ParseFloat(x, 64)
			return strconv.FormatFloat(f, 'f', -1, 64)
		})
	}
	if strings.HasPrefix(s, "not(") {
		s = "not(null," + s[4:]
	}
	return s
}

// parseFEELTest is the inverse of feelTest: it accepts exactly what
// policy.ParseTest accepts, plus the not(null, …) form.
func parseFEELTest(src string, typ policy.Type) (policy.Test, error) {
	s := strings.TrimSpace(src)
	if strings.HasPrefix(s, "not(") {
		inner := strings.TrimSpace(s[4:])
		if strings.HasPrefix(inner, "null") {
			rest := strings.TrimSpace(inner[4:])
			if strings.HasPrefix(rest, ",") {
				s = "not(" + strings.TrimSpace(rest[1:])
			}
		}
	}
	return policy.ParseTest(s, typ)
}

// The DMN document as ReadDMN reads it.
type dmnDefinitions struct {
	XMLName     xml.Name      `xml:"definitions"`
	Name        string        `xml:"name,attr"`
	Description string        `xml:"description"`
	Extension   dmnExtension  `xml:"extensionElements"`
	Decisions   []dmnDecision `xml:"decision"`
}

type dmnExtension struct {
	Metadata []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:"metadata"`
}

type dmnDecision struct {
	ID    string    `xml:"id,attr"`
	Name  string    `xml:"name,attr"`
	Table *dmnTable `xml:"decisionTable"`
}

type dmnTable struct {
	HitPolicy string      `xml:"hitPolicy,attr"`
	Inputs    []dmnInput  `xml:"input"`
	Outputs   []dmnOutput `xml:"output"`
	Rules     []dmnRule   `xml:"rule"`
}

type dmnInput struct {
	Label string `xml:"label,attr"`
	Expr  struct {
		TypeRef string `xml:"typeRef,attr"`
		Text    string `xml:"text"`
	} `xml:"inputExpression"`
}

type dmnOutput struct {
	Name    string `xml:"name,attr"`
	TypeRef string `xml:"typeRef,attr"`
	Values  string `xml:"outputValues>text"`
	Default string `xml:"defaultOutputEntry>text"`
}

type dmnRule struct {
	ID          string   `xml:"id,attr"`
	Inputs      []string `xml:"inputEntry>text"`
	Outputs     []string `xml:"outputEntry>text"`
	Annotations []string `xml:"annotationEntry>text"`
}

// ReadDMN reads a decision model written by WriteDMN (or one written
// elsewhere in the same shape: one decision table, inputs whose
// expressions are feature names, an output named action and optionally
// channel and priority, FEEL unary tests of the subset policy.ParseTest
// accepts). Anything outside that subset is an error naming the rule and
// the input.
func ReadDMN(r io.Reader) (*Model, error) {
	var d dmnDefinitions
	dec := xml.NewDecoder(r)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("DMN: %w", err)
	}
	if d.XMLName.Space != DMNNamespace {
		return nil, fmt.Errorf("DMN: the definitions namespace is %q, expected DMN 1.3 (%s)", d.XMLName.Space, DMNNamespace)
	}
	var dt *dmnTable
	var dname string
	for _, x := range d.Decisions {
		if x.Table != nil {
			if dt != nil {
				return nil, fmt.Errorf("DMN: more than one decision table; export one decision per file")
			}
			dt, dname = x.Table, x.Name
		}
	}
	if dt == nil {
		return nil, fmt.Errorf("DMN: no decision holds a decision table")
	}
	m := &Model{}
	for _, x := range d.Extension.Metadata {
		if x.XMLName.Space == MetaNamespace {
			if err := json.Unmarshal([]byte(strings.TrimSpace(x.Text)), &m.Meta); err != nil {
				return nil, fmt.Errorf("DMN: metadata: %w", err)
			}
		}
	}
	if m.Meta.Name == "" {
		m.Meta.Name = firstNonEmpty(dname, d.Name)
	}
	hp := policy.HitPolicy(strings.ToUpper(strings.TrimSpace(dt.HitPolicy)))
	if hp == "" {
		hp = "UNIQUE" // the DMN default, which the workbench does not run
	}
	if hp != policy.First && hp != policy.Priority {
		return nil, fmt.Errorf("DMN: hit policy %s: the workbench runs FIRST and PRIORITY tables", hp)
	}
	inputs := make([]policy.Input, len(dt.Inputs))
	for j, in := range dt.Inputs {
		typ, err := policy.ParseType(in.Expr.TypeRef)
		if err != nil {
			return nil, fmt.Errorf("DMN: input %d (%s): %w", j+1, in.Label, err)
		}
		name := strings.TrimSpace(in.Expr.Text)
		if err := checkIdent(name); err != nil {
			return nil, fmt.Errorf("DMN: input %d: the input expression must be a feature name: %w", j+1, err)
		}
		inputs[j] = policy.Input{Name: name, Type: typ}
	}
	out := map[string]int{}
	for k, o := range dt.Outputs {
		out[o.Name] = k
	}
	ai, ok := out[OutAction]
	if !ok {
		return nil, fmt.Errorf("DMN: the decision table has no output named %q", OutAction)
	}
	actionOut := dt.Outputs[ai]
	def := ""
	if s := strings.TrimSpace(actionOut.Default); s != "" {
		var err error
		if def, err = feelString(s); err != nil {
			return nil, fmt.Errorf("DMN: default action: %w", err)
		}
	}
	rules := make([]policy.Rule, len(dt.Rules))
	rankOf := make([]int, len(dt.Rules))
	for i, dr := range dt.Rules {
		id := firstNonEmpty(dr.ID, ruleID(i))
		if len(dr.Inputs) != len(inputs) {
			return nil, fmt.Errorf("DMN: rule %s has %d input entries for %d inputs", id, len(dr.Inputs), len(inputs))
		}
		if len(dr.Outputs) != len(dt.Outputs) {
			return nil, fmt.Errorf("DMN: rule %s has %d output entries for %d outputs", id, len(dr.Outputs), len(dt.Outputs))
		}
		rule := policy.Rule{Tests: make([]policy.Test, len(inputs))}
		for j, e := range dr.Inputs {
			t, err := parseFEELTest(e, inputs[j].Type)
			if err != nil {
				return nil, fmt.Errorf("DMN: rule %s, input %s: %w", id, inputs[j].Name, err)
			}
			rule.Tests[j] = t
		}
		var err error
		if rule.Action, err = feelString(dr.Outputs[ai]); err != nil {
			return nil, fmt.Errorf("DMN: rule %s, output action: %w", id, err)
		}
		if k, ok := out[OutChannel]; ok {
			if rule.Channel, err = feelString(dr.Outputs[k]); err != nil {
				return nil, fmt.Errorf("DMN: rule %s, output channel: %w", id, err)
			}
		}
		if k, ok := out[OutPriority]; ok {
			if rule.Priority, err = strconv.Atoi(strings.TrimSpace(dr.Outputs[k])); err != nil {
				return nil, fmt.Errorf("DMN: rule %s, output priority %q is not a whole number", id, dr.Outputs[k])
			}
		}
		if k, ok := out[OutRank]; ok {
			if rankOf[i], err = strconv.Atoi(strings.TrimSpace(dr.Outputs[k])); err != nil {
				return nil, fmt.Errorf("DMN: rule %s, output rank %q is not a whole number", id, dr.Outputs[k])
			}
		}
		if len(dr.Annotations) > 0 {
			rule.Annotation = strings.TrimSpace(dr.Annotations[0])
		}
		rules[i] = rule
	}
	var actions *policy.Actions
	if len(m.Meta.Actions) > 0 {
		actions = actionsOf(m.Meta.Actions)
	} else {
		actions = &policy.Actions{Channel: map[string]string{}}
		for _, v := range strings.Split(actionOut.Values, ",") {
			if s, err := feelString(v); err == nil && s != "" {
				actions.Names = append(actions.Names, s)
				actions.Channel[s] = ""
			}
		}
		for _, r := range rules {
			if actions.Index(r.Action) < 0 {
				actions.Names = append(actions.Names, r.Action)
			}
			if r.Channel != "" {
				actions.Channel[r.Action] = r.Channel
			}
		}
		m.Meta.Actions = actionInfo(actions)
	}
	t, err := policy.NewTable(m.Meta.Name, hp, inputs, rules, def, actions)
	if err != nil {
		return nil, fmt.Errorf("DMN: %w", err)
	}
	if _, ok := out[OutRank]; ok && hp == policy.Priority {
		want := ranks(t)
		for i := range rules {
			if rankOf[i] != want[i] {
				return nil, fmt.Errorf("DMN: rule %s has rank %d but its priority %d puts it at rank %d; keep rank in the order of priority (highest first, earlier rule on ties)", ruleID(i), rankOf[i], rules[i].Priority, want[i])
			}
		}
	}
	m.Table = t
	return m, nil
}

// feelString reads a FEEL string literal "…" (an empty entry is "").
func feelString(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := strconv.Unquote(s)
	if err != nil || s[0] != '"' {
		return "", fmt.Errorf("%s is not a string literal in double quotes", s)
	}
	return u, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
