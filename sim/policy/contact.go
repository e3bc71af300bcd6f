package policy

// Cap limits contacts: at most Max contacts in any window of WindowDays
// days ending at the decision. Max ≤ 0 means no cap.
type Cap struct {
	Max        int     `yaml:"max" json:"max"`
	WindowDays float64 `yaml:"window_days" json:"window_days"`
}

// ContactRules apply to every policy: an action that would contact the
// customer on a channel is allowed only if
//
//   - the customer consents to the channel (feature consent_<channel> is
//     true), when RequireConsent is set;
//   - fewer than Caps[channel].Max contacts on that channel fall in the
//     cap's window before the decision;
//   - fewer than Overall.Max contacts on any channel fall in its window;
//   - no contact on any channel is more recent than QuietHours.
//
// An action that contacts no one is always allowed.
type ContactRules struct {
	RequireConsent bool           `yaml:"require_consent" json:"require_consent"`
	Caps           map[string]Cap `yaml:"caps" json:"caps"`
	Overall        Cap            `yaml:"overall" json:"overall"`
	QuietHours     float64        `yaml:"quiet_hours" json:"quiet_hours"`
}

const msPerDay = 24 * 3600 * 1000

// DefaultContactRules requires consent and sets no caps or quiet period.
func DefaultContactRules() *ContactRules { return &ContactRules{RequireConsent: true} }

// Allowed reports whether the rules allow contacting the customer in state
// s on channel ("" is always allowed).
func (r *ContactRules) Allowed(s *State, channel string) bool {
	if channel == "" || r == nil {
		return true
	}
	if r.RequireConsent {
		v := s.Get("consent_" + channel)
		if v.Missing || !v.Bool {
			return false
		}
	}
	cap := r.Caps[channel]
	if !within(s, cap, channel) || !within(s, r.Overall, "") {
		return false
	}
	if r.QuietHours > 0 && len(s.Contacts) > 0 {
		last := s.Contacts[len(s.Contacts)-1].Time
		if float64(s.Time-last) < r.QuietHours*3600*1000 {
			return false
		}
	}
	return true
}

// within reports whether fewer than cap.Max contacts (on channel, or on
// any channel when channel is "") fall in (s.Time − window, s.Time].
func within(s *State, cap Cap, channel string) bool {
	if cap.Max <= 0 {
		return true
	}
	from := s.Time - int64(cap.WindowDays*msPerDay)
	n := 0
	for i := len(s.Contacts) - 1; i >= 0; i-- {
		c := s.Contacts[i]
		if c.Time <= from {
			break
		}
		if c.Time <= s.Time && (channel == "" || c.Channel == channel) {
			n++
		}
	}
	return n < cap.Max
}

// Constrained applies contact rules to a policy: the probability of every
// action the rules block in a state moves to the problem's fallback action
// (the one that contacts no one).
type Constrained struct {
	Policy
	Rules   *ContactRules
	Actions *Actions
}

// Probs is the wrapped policy's distribution with blocked actions' mass
// moved to the fallback action.
func (c *Constrained) Probs(s *State, out []float64) {
	c.Policy.Probs(s, out)
	fb := c.Actions.Fallback()
	for i, name := range c.Actions.Names {
		if i == fb || out[i] == 0 {
			continue
		}
		if !c.Rules.Allowed(s, c.Actions.Channel[name]) {
			out[fb] += out[i]
			out[i] = 0
		}
	}
}

// Update passes the outcome to the wrapped policy when it learns.
func (c *Constrained) Update(s *State, a int, reward float64) {
	if l, ok := c.Policy.(Learner); ok {
		l.Update(s, a, reward)
	}
}
