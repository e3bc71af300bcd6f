package model

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// FromPolicy makes the decision model of policy p as a policy file loads
// it (possibly wrapped in the file's contact rules, policy.Constrained):
//
//   - a decision table is exported as it is, with the contact rules
//     folded in (FoldContactRules);
//   - any other policy is distilled (Distill) on states, to which the
//     contact rules' derived features (ContactFeatures) are added first
//     so the tree can read them.
//
// In both cases Meta.ContactRules records the rules, so that whoever
// applies the model derives the same features (see States).
func FromPolicy(p policy.Policy, actions *policy.Actions, states []policy.State, opt DistillOptions) (*Model, error) {
	var rules *policy.ContactRules
	inner := p
	if c, ok := p.(*policy.Constrained); ok {
		rules, inner = c.Rules, c.Policy
	}
	if t, ok := inner.(*policy.Table); ok {
		if rules != nil {
			var err error
			if t, err = FoldContactRules(t, rules); err != nil {
				return nil, err
			}
		}
		m := New(t, timeNow())
		m.Meta.ContactRules = rules
		return m, nil
	}
	for i := range states {
		ContactFeatures(&states[i], rules)
	}
	m, err := Distill(p, actions, states, opt)
	if err != nil {
		return nil, err
	}
	m.Meta.Name = p.Name()
	m.Table.Label = p.Name()
	m.Meta.ContactRules = rules
	return m, nil
}

// LogStates returns the state of every logged decision as a simulation
// would present it (Logged unset), in log order.
func LogStates(l *decisionlog.Log) []policy.State {
	out := make([]policy.State, l.N())
	for i := range out {
		l.State(i, &out[i])
		out[i].Logged = nil
	}
	return out
}

// LogData describes a decision log for the metadata.
func LogData(l *decisionlog.Log, source, version string) *DataInfo {
	d := &DataInfo{Source: source, Version: version, Decisions: l.N()}
	seen := map[string]bool{}
	var lo, hi int64
	for i := 0; i < l.N(); i++ {
		seen[l.Customer[i]] = true
		if i == 0 || l.Time[i] < lo {
			lo = l.Time[i]
		}
		if i == 0 || l.Time[i] > hi {
			hi = l.Time[i]
		}
	}
	d.Customers = len(seen)
	if l.N() > 0 {
		d.From = time.UnixMilli(lo).UTC().Format(time.RFC3339)
		d.To = time.UnixMilli(hi).UTC().Format(time.RFC3339)
	}
	return d
}

// SimFromComparison reads the simulation result of policy name (the
// declared winner when name is "") from a comparison written by
// `workbench simulate --out DIR` (comparison.json: rows with sim_net
// {value, low, high}, and sim_verdict).
func SimFromComparison(b []byte, name string) (*SimInfo, error) {
	var c struct {
		Rows []struct {
			Policy string `json:"policy"`
			Net    *struct {
				Value float64 `json:"value"`
				Low   float64 `json:"low"`
				High  float64 `json:"high"`
			} `json:"sim_net"`
		} `json:"rows"`
		Verdict *struct {
			Method   string `json:"method"`
			Winner   string `json:"winner"`
			Leader   string `json:"leader"`
			Declared bool   `json:"declared"`
			Text     string `json:"text"`
		} `json:"sim_verdict"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("simulation result: %w", err)
	}
	if c.Verdict == nil {
		return nil, fmt.Errorf("simulation result has no sim_verdict: give the comparison JSON of `workbench simulate --out DIR`, or --value/--lo/--hi")
	}
	if name == "" {
		name = c.Verdict.Winner
		if name == "" {
			return nil, fmt.Errorf("the simulation declared no winner (%s): name the policy with --policy", c.Verdict.Text)
		}
	}
	for _, r := range c.Rows {
		if r.Policy == name && r.Net != nil {
			s := &SimInfo{Policy: name, Method: c.Verdict.Method, Metric: "net value per customer", Value: r.Net.Value, Lo: r.Net.Low, Hi: r.Net.High, Level: 0.95}
			switch {
			case c.Verdict.Declared && c.Verdict.Winner == name:
				s.Note = "declared winner: " + c.Verdict.Text
			default:
				s.Note = "not the declared winner: " + c.Verdict.Text
			}
			return s, nil
		}
	}
	return nil, fmt.Errorf("the simulation result has no simulated value for policy %q", name)
}

// StateSource builds decision states for customers from the store, as
// `workbench decide` uses them:
//
//   - a customer with logged decisions gets the state of the latest one:
//     trigger and the ctx_* context (see package decisionlog), time and
//     contact history from the decision log;
//   - a customer without gets a state from their profile: every trait as
//     a feature (numbers when they parse, true/false booleans, else
//     text) and consent_<channel> from the current consents; there is no
//     trigger, cart or recency, so those features are missing and match
//     only "-" tests.
//
// The contact rules' derived features (ContactFeatures) are added when
// Rules is not nil.
type StateSource struct {
	WS       *workspace.Workspace
	Rules    *policy.ContactRules
	log      *decisionlog.Log
	latest   map[string]int
	traits   map[int64]map[string]string
	consents map[int64]map[string]bool
}

// NewStateSource reads the store's decision log and profiles once.
func NewStateSource(ctx context.Context, ws *workspace.Workspace, actions *policy.Actions, rules *policy.ContactRules) (*StateSource, error) {
	src := &StateSource{WS: ws, Rules: rules, latest: map[string]int{}}
	n := 0
	if err := ws.Store().ScanDecisions(ctx, func(*store.DecisionRow) error { n++; return nil }); err != nil {
		return nil, err
	}
	if n > 0 {
		l, err := decisionlog.ReadStore(ctx, ws.Store(), actions)
		if err != nil {
			return nil, err
		}
		src.log = l
		for i := 0; i < l.N(); i++ {
			if j, ok := src.latest[l.Customer[i]]; !ok || l.Time[i] >= l.Time[j] {
				src.latest[l.Customer[i]] = i
			}
		}
	}
	var err error
	if src.traits, src.consents, err = ws.Profiles(ctx); err != nil {
		return nil, err
	}
	return src, nil
}

// State fills s with the state of customer id and says where it came
// from: "decision" or "profile".
func (src *StateSource) State(id int64, s *policy.State) string {
	from := "profile"
	if i, ok := src.latest[strconv.FormatInt(id, 10)]; ok {
		src.log.State(i, s)
		s.Logged = nil
		from = "decision"
	} else {
		s.Features = map[string]policy.Value{}
		s.Contacts = nil
		for n, v := range src.traits[id] {
			s.Features[n] = ParseValue(v)
		}
		for ch, ok := range src.consents[id] {
			s.Features["consent_"+ch] = policy.BoolValue(ok)
		}
		s.Time = time.Now().UnixMilli()
	}
	ContactFeatures(s, src.Rules)
	return from
}

// Customer resolves an identifier (crm:C0000001, an email …) to the
// stitched customer number.
func (src *StateSource) Customer(ctx context.Context, raw string) (int64, error) {
	ids, err := src.WS.Store().FindIdentities(ctx, raw)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return n, nil
		}
		return 0, fmt.Errorf("no customer has the identifier %q (try type:value, e.g. crm:C0000001, or `workbench profile`)", raw)
	}
	return ids[0].Customer, nil
}

// ParseValue types a text value as the decision log does: a number when
// it parses, true/false a boolean, "" missing, else text.
func ParseValue(s string) policy.Value {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return policy.MissingValue()
	case "true":
		return policy.BoolValue(true)
	case "false":
		return policy.BoolValue(false)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return policy.NumValue(f)
	}
	return policy.StrValue(s)
}

// JSONValue converts a decoded JSON value to a feature value: numbers,
// strings and booleans as they are, null missing; a string holding a
// number stays a string unless the input is numeric (typ Number).
func JSONValue(v any, typ policy.Type) (policy.Value, error) {
	switch x := v.(type) {
	case nil:
		return policy.MissingValue(), nil
	case float64:
		return policy.NumValue(x), nil
	case json.Number:
		f, err := x.Float64()
		return policy.NumValue(f), err
	case bool:
		return policy.BoolValue(x), nil
	case string:
		if typ == policy.Number || typ == policy.Bool {
			v := ParseValue(x)
			if (typ == policy.Number && v.Str == "" && !v.Missing && !isBool(x)) || (typ == policy.Bool && isBool(x)) || v.Missing {
				return v, nil
			}
			return policy.Value{}, fmt.Errorf("%q is not a %s", x, typ)
		}
		return policy.StrValue(x), nil
	}
	return policy.Value{}, fmt.Errorf("%v is not a number, string or boolean", v)
}

func isBool(s string) bool { s = strings.TrimSpace(s); return s == "true" || s == "false" }
