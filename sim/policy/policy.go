// Package policy defines orchestration policies: decision tables,
// next-best-action arbitration, baselines and the contact rules that apply
// to all of them. Every policy states, for a customer's state at a decision
// point, the probability of each action, so it can be scored by off-policy
// estimators as well as simulated.
package policy

import (
	"fmt"
	"sort"
)

// State is a customer's state at a decision point: named features (the
// trigger, segment, traits, recency, consents …) and the recent contact
// history that contact rules need.
type State struct {
	// Time of the decision, UTC milliseconds.
	Time int64
	// Features by name. A feature a policy names but the state lacks is
	// treated as missing.
	Features map[string]Value
	// Contacts are earlier marketing contacts, oldest first.
	Contacts []Contact
	// Logged is set when the state is that of a logged decision: what the
	// logging policy did there. Nil otherwise (e.g. in a simulation).
	Logged *LoggedChoice
}

// LoggedChoice is the logging policy's choice at a logged decision: the
// index of the action it took and the probability it took it with.
type LoggedChoice struct {
	Action     int
	Propensity float64
}

// Contact is one marketing contact: when and on which channel.
type Contact struct {
	Time    int64
	Channel string
}

// Get returns the named feature, or a missing value.
func (s *State) Get(name string) Value {
	if v, ok := s.Features[name]; ok {
		return v
	}
	return MissingValue()
}

// Actions is the action set of a decision problem, with the channel each
// action contacts the customer on ("" for an action that contacts no one,
// such as doing nothing). The first action with no channel is the
// fallback that contact rules divert blocked actions to.
type Actions struct {
	Names   []string
	Channel map[string]string
}

// Index returns the position of action a in Names, or -1.
func (as *Actions) Index(a string) int {
	for i, n := range as.Names {
		if n == a {
			return i
		}
	}
	return -1
}

// Fallback returns the index of the action that contacts no one.
func (as *Actions) Fallback() int {
	for i, n := range as.Names {
		if as.Channel[n] == "" {
			return i
		}
	}
	return 0
}

// Policy maps a state to a probability distribution over actions.
type Policy interface {
	// Name identifies the policy in reports.
	Name() string
	// Probs writes π(a|s) for every action a (in the order of the
	// problem's Actions.Names) into out, which has that length; the
	// probabilities sum to 1.
	Probs(s *State, out []float64)
}

// Learner is a policy that learns from the outcomes of its own choices
// during a simulation.
type Learner interface {
	Policy
	// Update tells the policy the reward observed after action a in s.
	Update(s *State, a int, reward float64)
}

// Choose returns the action with the largest probability in p (the
// first on ties): the decision of a deterministic policy.
func Choose(p []float64) int {
	best := 0
	for i := 1; i < len(p); i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// Nothing is the do-nothing baseline: all mass on the fallback action.
type Nothing struct{ Actions *Actions }

func (Nothing) Name() string { return "do nothing" }

// Probs puts probability 1 on the action that contacts no one.
func (n Nothing) Probs(_ *State, out []float64) {
	clear(out)
	out[n.Actions.Fallback()] = 1
}

// Uniform is the uniform random baseline: π(a|s) = 1/K for K actions.
type Uniform struct{ Actions *Actions }

func (Uniform) Name() string { return "uniform random" }

// Probs writes 1/K for each of the K actions.
func (u Uniform) Probs(_ *State, out []float64) {
	for i := range out {
		out[i] = 1 / float64(len(out))
	}
}

// Single always takes one action (a single-action baseline: "always
// email", "always SMS" …).
type Single struct {
	Actions *Actions
	Action  int
}

func (s Single) Name() string { return "always " + s.Actions.Names[s.Action] }

// Probs puts probability 1 on the policy's action.
func (s Single) Probs(_ *State, out []float64) {
	clear(out)
	out[s.Action] = 1
}

// Static is a fixed table of action probabilities, optionally one row per
// value of a context feature (By): π(a|s) = P[s[By]][a], falling back to
// the Default row for values without a row of their own.
type Static struct {
	Label   string
	Actions *Actions
	By      string
	Rows    map[string][]float64
	Default []float64
}

func (s *Static) Name() string { return s.Label }

// Probs copies the row of the state's value of By (or Default).
func (s *Static) Probs(st *State, out []float64) {
	row := s.Default
	if s.By != "" {
		if r, ok := s.Rows[st.Get(s.By).Str]; ok {
			row = r
		}
	}
	copy(out, row)
}

// normalise scales p to sum 1; it reports an error when every entry is
// zero or any is negative.
func normalise(p []float64) error {
	sum := 0.0
	for _, x := range p {
		if x < 0 {
			return fmt.Errorf("negative probability %g", x)
		}
		sum += x
	}
	if sum <= 0 {
		return fmt.Errorf("probabilities sum to zero")
	}
	for i := range p {
		p[i] /= sum
	}
	return nil
}

// sortedKeys returns the keys of m in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// LearnsFromLog reports whether p's choices depend on the decision log it
// was built with (Context.Each): an arbitration with a `fitted`
// propensity, a warm-started learner, the logged policy, or a policy of a
// registered kind that says so through a LearnsFromLog() bool method.
// Decision tables, static, single, uniform and do-nothing policies and
// learners without a warm start do not. A policy of an unknown type is
// taken to learn from the log (the cautious answer). Contact rules
// (Constrained) and renaming are looked through.
func LearnsFromLog(p Policy) bool {
	for {
		switch q := p.(type) {
		case *Constrained:
			p = q.Policy
			continue
		case named:
			p = q.Policy
			continue
		case interface{ LearnsFromLog() bool }:
			return q.LearnsFromLog()
		case *Table, Nothing, Uniform, Single, *Static, *Nothing, *Uniform, *Single:
			return false
		}
		return true
	}
}
