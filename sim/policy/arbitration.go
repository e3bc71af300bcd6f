package policy

import (
	"fmt"
	"math"
	"strings"
)

func init() {
	RegisterContextKind("arbitration", buildArbitration)
}

// Candidate is one action an arbitration may offer, with the conditions
// and the factors of its priority.
type Candidate struct {
	// Action is the index of the candidate's action in Actions.Names.
	Action int
	// Eligible and Suitable must both hold for the candidate to compete:
	// eligibility says whether the action may be offered at all (business
	// rules), suitability whether it fits this customer now.
	Eligible, Suitable Condition
	// Propensity is the estimated probability that the customer responds
	// to the action, as a function of the state.
	Propensity func(s *State) float64
	// Weights are context weights: each whose condition holds multiplies
	// the priority by its Weight.
	Weights []ContextWeight
	// Value is the value of a response (a number, or a function of the
	// state such as the cart value).
	Value func(s *State) float64
	// Lever is the business lever, a constant multiplier (1 = neutral).
	Lever float64
}

// ContextWeight multiplies a candidate's priority by Weight in the states
// where When holds.
type ContextWeight struct {
	When   Condition
	Weight float64
}

// Arbitration is next-best-action arbitration. For each candidate c whose
// eligibility and suitability conditions hold in state s, and whose
// channel the contact rules allow,
//
//	priority(c, s) = propensity_c(s) × Π_{w ∈ weights_c, w.when(s)} w.weight × value_c(s) × lever_c
//
// and the candidate with the highest priority wins (ties go to the
// earlier candidate in the file). When no candidate qualifies the policy
// takes Fallback. The policy is deterministic: Probs puts all its mass on
// the winner.
//
// Contact rules are checked per candidate before the priority is
// compared, so a blocked top candidate gives way to the next best one
// rather than to doing nothing.
type Arbitration struct {
	Label      string
	Actions    *Actions
	Candidates []Candidate
	Fallback   int
	// Rules are the contact rules checked per candidate (nil: none).
	Rules *ContactRules

	fitted bool // some propensity was fitted on the decision log
}

// LearnsFromLog reports whether some candidate's propensity was fitted on
// the decision log (`propensity: fitted`).
func (a *Arbitration) LearnsFromLog() bool { return a.fitted }

func (a *Arbitration) Name() string { return a.Label }

// Decide returns the winning action and its priority (NaN when the
// fallback applied because no candidate qualified).
func (a *Arbitration) Decide(s *State) (action int, priority float64) {
	best, bestP := -1, math.Inf(-1)
	for i := range a.Candidates {
		c := &a.Candidates[i]
		if !c.Eligible.Match(s) || !c.Suitable.Match(s) {
			continue
		}
		if !a.Rules.Allowed(s, a.Actions.Channel[a.Actions.Names[c.Action]]) {
			continue
		}
		p := c.Priority(s)
		if best < 0 || p > bestP {
			best, bestP = i, p
		}
	}
	if best < 0 {
		return a.Fallback, math.NaN()
	}
	return a.Candidates[best].Action, bestP
}

// Priority is propensity × context weight × value × lever in state s.
func (c *Candidate) Priority(s *State) float64 {
	w := 1.0
	for j := range c.Weights {
		if c.Weights[j].When.Match(s) {
			w *= c.Weights[j].Weight
		}
	}
	return c.Propensity(s) * w * c.Value(s) * c.Lever
}

// Probs puts probability 1 on the action Decide returns.
func (a *Arbitration) Probs(s *State, out []float64) {
	clear(out)
	act, _ := a.Decide(s)
	out[act] = 1
}

// arbitrationSpec is the policy-file form of an arbitration.
type arbitrationSpec struct {
	Fallback   string          `yaml:"fallback"`
	Candidates []candidateSpec `yaml:"candidates"`
}

type candidateSpec struct {
	Action     string            `yaml:"action"`
	Eligible   map[string]string `yaml:"eligible"`
	Suitable   map[string]string `yaml:"suitable"`
	Propensity numberOrTable     `yaml:"propensity"`
	Weights    []struct {
		When   map[string]string `yaml:"when"`
		Weight float64           `yaml:"weight"`
	} `yaml:"weights"`
	Value numberOrTable `yaml:"value"`
	Lever *float64      `yaml:"lever"`
}

func buildArbitration(s *Spec, actions *Actions, ctx *Context) (Policy, error) {
	var sp arbitrationSpec
	if err := decodeKind(s, &sp); err != nil {
		return nil, err
	}
	if len(sp.Candidates) == 0 {
		return nil, fmt.Errorf("an arbitration needs `candidates:` (each with an action, conditions and priority factors)")
	}
	a := &Arbitration{Label: s.Name, Actions: actions, Fallback: actions.Fallback(), Rules: ctx.Rules}
	if sp.Fallback != "" {
		if a.Fallback = actions.Index(sp.Fallback); a.Fallback < 0 {
			return nil, fmt.Errorf("fallback %q is not one of %s", sp.Fallback, strings.Join(actions.Names, ", "))
		}
	}
	var fitted map[string]float64
	for i, cs := range sp.Candidates {
		c := Candidate{Lever: 1}
		if c.Action = actions.Index(cs.Action); c.Action < 0 {
			return nil, fmt.Errorf("candidate %d: action %q is not one of %s", i+1, cs.Action, strings.Join(actions.Names, ", "))
		}
		var err error
		if c.Eligible, err = ParseCondition(cs.Eligible); err != nil {
			return nil, fmt.Errorf("candidate %d (%s) eligible: %w", i+1, cs.Action, err)
		}
		if c.Suitable, err = ParseCondition(cs.Suitable); err != nil {
			return nil, fmt.Errorf("candidate %d (%s) suitable: %w", i+1, cs.Action, err)
		}
		for j, w := range cs.Weights {
			cond, err := ParseCondition(w.When)
			if err != nil {
				return nil, fmt.Errorf("candidate %d (%s) weight %d: %w", i+1, cs.Action, j+1, err)
			}
			if w.Weight < 0 || math.IsNaN(w.Weight) {
				return nil, fmt.Errorf("candidate %d (%s) weight %d: %v must be zero or positive", i+1, cs.Action, j+1, w.Weight)
			}
			c.Weights = append(c.Weights, ContextWeight{When: cond, Weight: w.Weight})
		}
		if cs.Lever != nil {
			c.Lever = *cs.Lever
		}
		if cs.Value.Fitted {
			return nil, fmt.Errorf("candidate %d (%s): value cannot be fitted; give a number or a table", i+1, cs.Action)
		}
		if !cs.Value.set {
			cs.Value.Const = 1
		}
		val := cs.Value
		c.Value = val.eval
		prop := cs.Propensity
		switch {
		case !prop.set:
			return nil, fmt.Errorf("candidate %d (%s) has no propensity: give a number, a table by a feature, or `fitted`", i+1, cs.Action)
		case prop.Fitted:
			a.fitted = true
			if fitted == nil {
				if fitted, err = FitConversion(actions, ctx); err != nil {
					return nil, fmt.Errorf("candidate %d (%s) propensity: %w", i+1, cs.Action, err)
				}
			}
			name := actions.Names[c.Action]
			c.Propensity = func(s *State) float64 {
				if r, ok := fitted[s.Get("trigger").Str+"\x00"+name]; ok {
					return r
				}
				return fitted["\x00"+name]
			}
		default:
			c.Propensity = prop.eval
		}
		a.Candidates = append(a.Candidates, c)
	}
	return a, nil
}

// FitConversion estimates from the decision log of ctx the conversion
// rate of every action in every trigger, by self-normalised inverse
// propensity weighting over the decisions that took it:
//
//	r̂(a, t) = Σ_{i: t_i=t, a_i=a} c_i/p_i / Σ_{i: t_i=t, a_i=a} 1/p_i
//
// (c_i the logged conversion, p_i the propensity): the rate the action
// would have over the trigger's decisions in which the logging policy
// could take it. Keys are trigger + "\x00" + action; the key "\x00" +
// action holds the rate over all triggers, used for a trigger the log has
// no such decision in.
func FitConversion(actions *Actions, ctx *Context) (map[string]float64, error) {
	if !ctx.HasLog() {
		return nil, fmt.Errorf("`fitted` is estimated from a decision log: evaluate with `workbench ope` (which reads the log), or give a number")
	}
	// Sums per (trigger, action) and per action (all triggers), keyed
	// without building a string per decision.
	type key struct {
		trigger string
		action  int
	}
	num, den := map[key]float64{}, map[key]float64{}
	k := len(actions.Names)
	allNum, allDen := make([]float64, k), make([]float64, k)
	seen := make([]bool, k)
	err := ctx.Each(func(d *Logged) error {
		w := 1 / d.Propensity
		c := 0.0
		if d.Converted {
			c = w
		}
		kk := key{d.State.Get("trigger").Str, d.Action}
		num[kk] += c
		den[kk] += w
		allNum[d.Action] += c
		allDen[d.Action] += w
		seen[d.Action] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(num)+k)
	for kk, d := range den {
		out[kk.trigger+"\x00"+actions.Names[kk.action]] = num[kk] / d
	}
	for a, name := range actions.Names {
		if seen[a] {
			out["\x00"+name] = allNum[a] / allDen[a]
		}
	}
	return out, nil
}
