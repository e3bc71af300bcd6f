// Package env is the journey environment the Monte Carlo runner simulates:
// a population of customers, the process of decision points each meets
// over the horizon, and how a customer responds to each action.
//
// The model, per decision of customer c at time t with trigger τ (0
// cart_abandon, 1 lapse), action a and k marketing contacts in the
// FatigueWindowDays before t:
//
//	class    = ClassTable[group(c)][τ][band(recency)][band(value)]   (value: the cart's, or at a lapse the customer's typical cart exp(CartMu))
//	P(conv)  = clamp(Base[class][τ] + Uplift[class][τ][a] · Fatigue[class]^k, 0, 1)   (Uplift of the fallback action = 0)
//	revenue  = V if converted else 0; V = the cart value (cart_abandon) or a log-normal order value (lapse; its mean LapseValue[class][a] when the class has one)
//	cost     = Fixed[a] + Rate[a] · revenue
//	net      = revenue − cost
//	opt-out  = after a contact by a, the channel's consent is withdrawn with probability OptOut[class][a]
//
// Here group(c) is fixed per customer: in a fitted environment loyalty
// membership × last channel × the band of the customer's median
// recency_days over the log (its RecencyEdges are empty, so the drifting
// recency of the simulation moves no customer between classes), in the
// ground truth the latent segment. A fitted customer's class therefore
// changes only with the trigger and the value band.
//
// Decision points arrive as two Poisson processes per customer (rates
// CartRate and LapseRate per day), and the customer's own orders as a
// third (OrderRate), each resetting recency_days as a conversion does; a point that falls within OutcomeDays
// of the customer's previous decision is dropped, as the campaign engine
// logs no decision while an outcome window is open. The arrivals do not
// depend on what the policy does, so every policy meets the same decision
// points (common random numbers, see package montecarlo).
//
// An Env comes either from data (Fit, on a decision log) or, for tests,
// from the sample's true response model (package truthenv).
package env

import (
	"fmt"
	"math"
	"sort"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// Trigger indices.
const (
	TrigCart  = 0
	TrigLapse = 1
)

// TriggerNames are the decision-log names of the triggers, by index.
var TriggerNames = [2]string{"cart_abandon", "lapse"}

// ChannelNames are the channels a customer consents to, by index (the
// ctx_consent_<channel> suffixes).
var ChannelNames = [4]string{"email", "sms", "push", "call"}

// Cost is the cost of one action: Fixed + Rate × revenue.
type Cost struct {
	Fixed float64 `json:"fixed"`
	Rate  float64 `json:"rate"`
}

// Response is one response class: its conversion model and opt-outs.
type Response struct {
	Label string `json:"label"`
	// Base[τ] is P(convert) under the fallback action (no contact).
	Base [2]float64 `json:"base"`
	// Uplift[τ][a] is the additional conversion probability of action a
	// with no recent contact (0 for the fallback action).
	Uplift [2][]float64 `json:"uplift"`
	// Fatigue f in (0,1]: each recent contact multiplies the uplift by f.
	Fatigue float64 `json:"fatigue"`
	// OptOut[a] is the probability that one contact by a withdraws the
	// consent of a's channel.
	OptOut []float64 `json:"opt_out"`
	// LapseValue[a], when set, is the mean order value of a conversion
	// after action a at a lapse in this class; the customer's log-normal
	// noise multiplies it (mean-preserving). Nil means the customer's own
	// lapse order value distribution.
	LapseValue []float64 `json:"lapse_value,omitempty"`
	// Decisions is the number of logged decisions the class was fitted on
	// (0 for a class not fitted from data).
	Decisions int `json:"decisions"`
}

// Customer is one customer type of the population: the initial state the
// policies see, the rates of its decision points and its order values.
type Customer struct {
	ID          string  `json:"id"`
	Tier        string  `json:"loyalty_tier"`
	Region      string  `json:"region"`
	LastChannel string  `json:"last_channel"`
	RecencyDays float64 `json:"recency_days"`
	Orders90    float64 `json:"orders_90d"`
	// Consent for email, sms, push, call (ChannelNames order).
	Consent [4]bool `json:"consent"`
	// Group is the first index of Env.ClassTable.
	Group int `json:"group"`
	// CartRate and LapseRate are decision points per day.
	CartRate  float64 `json:"cart_rate"`
	LapseRate float64 `json:"lapse_rate"`
	// log(cart value) ~ N(CartMu, CartSigma²); log(lapse order value) ~
	// N(LapseMu, LapseSigma²).
	CartMu     float64 `json:"cart_mu"`
	CartSigma  float64 `json:"cart_sigma"`
	LapseMu    float64 `json:"lapse_mu"`
	LapseSigma float64 `json:"lapse_sigma"`
	// OrderRate is the rate per day of orders the customer places on its
	// own (not after a decision); each resets recency_days.
	OrderRate float64 `json:"order_rate"`
	// Background is the rate per day of marketing contacts the engine does
	// not make (broadcasts); they count towards fatigue only.
	Background float64 `json:"background"`
}

// Env is a journey environment (see the package comment).
type Env struct {
	Actions *policy.Actions `json:"-"`
	// Channel[a] is the ChannelNames index action a contacts on, −1 for
	// none.
	Channel []int `json:"channel"`
	// Costs per action.
	Costs []Cost `json:"costs"`
	// Classes are the response classes.
	Classes []Response `json:"classes"`
	// Groups is the number of customer groups; RecencyEdges and CartEdges
	// cut recency (days) and cart value into bands: band = #{edges ≤ x}.
	Groups       int       `json:"groups"`
	RecencyEdges []float64 `json:"recency_edges"`
	CartEdges    []float64 `json:"cart_edges"`
	// ClassTable maps (group, trigger, recency band, cart band) to a class,
	// flattened in that order.
	ClassTable []int `json:"class_table"`
	// Customers is the population.
	Customers []Customer `json:"-"`
	// FatigueWindowDays is the window of recent contacts; OutcomeDays the
	// outcome window after a decision in which no other decision arrives.
	FatigueWindowDays float64 `json:"fatigue_window_days"`
	OutcomeDays       float64 `json:"outcome_days"`
	// Notes say how the environment was built and what it assumes.
	Notes []string `json:"notes"`
}

// band returns #{e ∈ edges : e ≤ x}.
func band(edges []float64, x float64) int {
	b := 0
	for _, e := range edges {
		if x >= e {
			b++
		}
	}
	return b
}

// Class returns the response class of a decision of a customer in group
// at trigger trig, recency (days) and value: the cart value at
// cart_abandon, the customer's typical cart value exp(CartMu) at lapse.
func (e *Env) Class(group, trig int, recency, cart float64) int {
	nr, nc := len(e.RecencyEdges)+1, len(e.CartEdges)+1
	return e.ClassTable[((group*2+trig)*nr+band(e.RecencyEdges, recency))*nc+band(e.CartEdges, cart)]
}

// ConvProb is clamp(Base[class][trig] + Uplift[class][trig][a]·Fatigue^k, 0, 1).
func (e *Env) ConvProb(class, trig, a, k int) float64 {
	r := &e.Classes[class]
	p := r.Base[trig]
	if u := r.Uplift[trig][a]; u != 0 {
		p += u * math.Pow(r.Fatigue, float64(k))
	}
	return math.Min(1, math.Max(0, p))
}

// Cost returns Fixed[a] + Rate[a]·revenue.
func (e *Env) Cost(a int, revenue float64) float64 {
	c := e.Costs[a]
	return c.Fixed + c.Rate*revenue
}

// Validate checks that the environment is complete and consistent.
func (e *Env) Validate() error {
	if e.Actions == nil || len(e.Actions.Names) == 0 {
		return fmt.Errorf("environment has no actions")
	}
	k := len(e.Actions.Names)
	if len(e.Channel) != k || len(e.Costs) != k {
		return fmt.Errorf("environment: channels and costs must have one entry per action (%d)", k)
	}
	if len(e.Customers) == 0 {
		return fmt.Errorf("environment has no customers: load a decision log first (`workbench load decisions.csv`)")
	}
	want := e.Groups * 2 * (len(e.RecencyEdges) + 1) * (len(e.CartEdges) + 1)
	if len(e.ClassTable) != want {
		return fmt.Errorf("environment: class table has %d entries, want %d", len(e.ClassTable), want)
	}
	for _, c := range e.ClassTable {
		if c < 0 || c >= len(e.Classes) {
			return fmt.Errorf("environment: class table names class %d of %d", c, len(e.Classes))
		}
	}
	for i := range e.Classes {
		r := &e.Classes[i]
		if len(r.Uplift[0]) != k || len(r.Uplift[1]) != k || len(r.OptOut) != k {
			return fmt.Errorf("environment: class %q needs one uplift and opt-out per action", r.Label)
		}
		if !(r.Fatigue > 0 && r.Fatigue <= 1) {
			return fmt.Errorf("environment: class %q fatigue %v is outside (0,1]", r.Label, r.Fatigue)
		}
	}
	for i := range e.Customers {
		c := &e.Customers[i]
		if c.Group < 0 || c.Group >= e.Groups {
			return fmt.Errorf("environment: customer %s is in group %d of %d", c.ID, c.Group, e.Groups)
		}
		if c.CartRate < 0 || c.LapseRate < 0 || c.Background < 0 || c.OrderRate < 0 {
			return fmt.Errorf("environment: customer %s has a negative rate", c.ID)
		}
	}
	return nil
}

// Perturb returns a copy of e (sharing the population) with every cost
// multiplied by costFactor and every uplift by upliftFactor: the
// environments of the sensitivity analysis.
func (e *Env) Perturb(costFactor, upliftFactor float64) *Env {
	c := *e
	c.Costs = make([]Cost, len(e.Costs))
	for a, x := range e.Costs {
		c.Costs[a] = Cost{Fixed: x.Fixed * costFactor, Rate: math.Min(1, x.Rate*costFactor)}
	}
	c.Classes = make([]Response, len(e.Classes))
	for i, r := range e.Classes {
		n := r
		for t := 0; t < 2; t++ {
			n.Uplift[t] = make([]float64, len(r.Uplift[t]))
			for a, u := range r.Uplift[t] {
				n.Uplift[t][a] = u * upliftFactor
			}
		}
		c.Classes[i] = n
	}
	c.Notes = append(append([]string(nil), e.Notes...), fmt.Sprintf("costs ×%g, uplifts ×%g", costFactor, upliftFactor))
	return &c
}

// ChannelIndex returns the ChannelNames index of a channel name, or −1.
func ChannelIndex(name string) int {
	for i, n := range ChannelNames {
		if n == name {
			return i
		}
	}
	return -1
}

// ActionChannels returns, per action of actions, the ChannelNames index
// of its channel (−1 for an action that contacts no one). A channel
// outside ChannelNames is an error.
func ActionChannels(actions *policy.Actions) ([]int, error) {
	out := make([]int, len(actions.Names))
	for a, n := range actions.Names {
		ch := actions.Channel[n]
		if ch == "" {
			out[a] = -1
			continue
		}
		if out[a] = ChannelIndex(ch); out[a] < 0 {
			return nil, fmt.Errorf("action %q contacts on channel %q; the simulation knows the channels %v", n, ch, ChannelNames)
		}
	}
	return out, nil
}

// Summary returns the mean rates of the population: decision points per
// customer-day by trigger, and the share consenting per channel.
func (e *Env) Summary() (cartRate, lapseRate float64, consent [4]float64) {
	for i := range e.Customers {
		c := &e.Customers[i]
		cartRate += c.CartRate
		lapseRate += c.LapseRate
		for ch, ok := range c.Consent {
			if ok {
				consent[ch]++
			}
		}
	}
	n := float64(len(e.Customers))
	for ch := range consent {
		consent[ch] /= n
	}
	return cartRate / n, lapseRate / n, consent
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
