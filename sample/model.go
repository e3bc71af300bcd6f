package sample

import (
	"fmt"
	"math"
)

// Segment names (the latent segments of the sample's persons), in the
// order used by every table of the response model.
var Segments = []string{"deal_seeker", "loyal", "app_native", "high_value", "dormant"}

// Action names of the campaign engine, in the order of the decision log's
// documented set. ActionNone is always allowed; every other action needs
// the consent of its channel (ActionChannel).
var Actions = []string{ActionNone, ActionEmail, ActionSMS, ActionPush, ActionCall}

// The actions.
const (
	ActionNone  = "none"
	ActionEmail = "email_offer"
	ActionSMS   = "sms_discount"
	ActionPush  = "push_reminder"
	ActionCall  = "call_back"
)

// Triggers are the decision points of the campaign engine: a cart left for
// one hour, and 30 days without activity.
var Triggers = []string{TriggerCart, TriggerLapse}

// The triggers.
const (
	TriggerCart  = "cart_abandon"
	TriggerLapse = "lapse"
)

// ActionChannel maps an action to the consent it needs (the ctx_consent_*
// column suffix); ActionNone needs none and maps to "".
var ActionChannel = map[string]string{
	ActionNone: "", ActionEmail: "email", ActionSMS: "sms", ActionPush: "push", ActionCall: "call",
}

const (
	segDeal = iota
	segLoyal
	segApp
	segHigh
	segDormant
)

const (
	actNone = iota
	actEmail
	actSMS
	actPush
	actCall
	nActions
)

// ActionCost is the cost of one action: Fixed + DiscountRate × revenue.
type ActionCost struct {
	Fixed        float64 `json:"fixed"`
	DiscountRate float64 `json:"discount_rate"`
}

// SegmentResponse is how one segment responds to the engine's actions.
type SegmentResponse struct {
	// Share is the share of persons in the segment.
	Share float64 `json:"share"`
	// OrderValue is the mean order value in GBP; order values are
	// log-normal with log-sd OrderValueSigma, rounded to pence.
	OrderValue      float64 `json:"order_value"`
	OrderValueSigma float64 `json:"order_value_sigma"`
	// Base is the probability of an order within 7 days of a decision
	// when the engine does nothing, by trigger.
	Base map[string]float64 `json:"base"`
	// Uplift is the additional conversion probability of an action, by
	// action and trigger, before fatigue.
	Uplift map[string]map[string]float64 `json:"uplift"`
	// Fatigue f in (0, 1]: each marketing contact in the FatigueWindowDays
	// before a decision multiplies every uplift by f.
	Fatigue float64 `json:"fatigue"`
	// OptOut is the probability that one contact by the action makes the
	// person withdraw the consent of its channel (an unsubscribe, SMS STOP,
	// push disabled, "do not call").
	OptOut map[string]float64 `json:"opt_out"`
}

// ResponseModel is the true response model of the sample world, the one
// the generator draws every logged outcome from (serialised to
// truth/response_model.json). For a decision with segment s, trigger t,
// action a and k recent contacts:
//
//	P(convert) = p(s,t,a,k) = min(1, Base[s][t] + Uplift[s][a][t] · Fatigue[s]^k)   (Uplift of none = 0)
//	revenue    = V if converted else 0, V ~ the order value (the cart value for cart_abandon)
//	cost       = Fixed[a] + DiscountRate[a] · revenue
//	reward     = revenue − cost
//
// so E[reward | s,t,a,k,V] = p·V·(1 − DiscountRate[a]) − Fixed[a].
type ResponseModel struct {
	Segments []string                   `json:"segments"`
	Actions  []string                   `json:"actions"`
	Triggers []string                   `json:"triggers"`
	Costs    map[string]ActionCost      `json:"costs"`
	Response map[string]SegmentResponse `json:"response"`
	// FatigueWindowDays is the window in which marketing contacts (any
	// email, SMS, push or call sent to the person, broadcast or
	// triggered) count as recent for fatigue.
	FatigueWindowDays int `json:"fatigue_window_days"`
	// LoggingWeights are the weights of the logging policy by trigger and
	// action: it draws among the allowed actions (none plus those whose
	// channel has consent and a known address) with probability
	// weight / Σ allowed weights, and logs that probability as propensity.
	// The weights are integers, so the propensity is the correctly rounded
	// quotient of two integers and is written in its shortest exact form.
	LoggingWeights map[string]map[string]float64 `json:"logging_weights"`
}

func tw(cart, lapse float64) map[string]float64 {
	return map[string]float64{TriggerCart: cart, TriggerLapse: lapse}
}

// TrueModel returns the response model the generator uses (a fresh copy
// each call, so callers may modify it).
func TrueModel() *ResponseModel {
	up := func(email, sms, push, call [2]float64) map[string]map[string]float64 {
		return map[string]map[string]float64{
			ActionNone:  tw(0, 0),
			ActionEmail: tw(email[0], email[1]),
			ActionSMS:   tw(sms[0], sms[1]),
			ActionPush:  tw(push[0], push[1]),
			ActionCall:  tw(call[0], call[1]),
		}
	}
	oo := func(email, sms, push, call float64) map[string]float64 {
		return map[string]float64{ActionNone: 0, ActionEmail: email, ActionSMS: sms, ActionPush: push, ActionCall: call}
	}
	return &ResponseModel{
		Segments: append([]string(nil), Segments...),
		Actions:  append([]string(nil), Actions...),
		Triggers: append([]string(nil), Triggers...),
		Costs: map[string]ActionCost{
			ActionNone:  {0, 0},
			ActionEmail: {0.10, 0},
			ActionSMS:   {0.40, 0.10},
			ActionPush:  {0.02, 0},
			ActionCall:  {4.00, 0},
		},
		Response: map[string]SegmentResponse{
			"deal_seeker": {Share: 0.30, OrderValue: 45, OrderValueSigma: 0.5, Base: tw(0.06, 0.02),
				Uplift:  up([2]float64{0.03, 0.015}, [2]float64{0.16, 0.08}, [2]float64{0.01, 0.005}, [2]float64{0.02, 0.01}),
				Fatigue: 0.85, OptOut: oo(0.005, 0.01, 0.01, 0.03)},
			"loyal": {Share: 0.25, OrderValue: 85, OrderValueSigma: 0.5, Base: tw(0.12, 0.05),
				Uplift:  up([2]float64{0.11, 0.07}, [2]float64{0.02, 0.01}, [2]float64{0.05, 0.03}, [2]float64{0.03, 0.02}),
				Fatigue: 0.9, OptOut: oo(0.002, 0.01, 0.005, 0.02)},
			"app_native": {Share: 0.20, OrderValue: 60, OrderValueSigma: 0.5, Base: tw(0.08, 0.03),
				Uplift:  up([2]float64{0.01, 0.005}, [2]float64{0.01, 0.005}, [2]float64{0.13, 0.07}, [2]float64{0, 0}),
				Fatigue: 0.8, OptOut: oo(0.01, 0.02, 0.003, 0.04)},
			"high_value": {Share: 0.10, OrderValue: 420, OrderValueSigma: 0.5, Base: tw(0.05, 0.02),
				Uplift:  up([2]float64{0.01, 0.005}, [2]float64{0, 0}, [2]float64{0, 0}, [2]float64{0.11, 0.06}),
				Fatigue: 0.7, OptOut: oo(0.005, 0.01, 0.01, 0.005)},
			"dormant": {Share: 0.15, OrderValue: 70, OrderValueSigma: 0.5, Base: tw(0.02, 0.005),
				Uplift:  up([2]float64{0.001, 0.001}, [2]float64{0.002, 0.001}, [2]float64{0, 0}, [2]float64{0.005, 0.003}),
				Fatigue: 0.5, OptOut: oo(0.05, 0.08, 0.05, 0.10)},
		},
		FatigueWindowDays: 14,
		LoggingWeights: map[string]map[string]float64{
			TriggerCart:  {ActionNone: 15, ActionEmail: 30, ActionSMS: 25, ActionPush: 20, ActionCall: 10},
			TriggerLapse: {ActionNone: 25, ActionEmail: 35, ActionSMS: 15, ActionPush: 15, ActionCall: 10},
		},
	}
}

func (m *ResponseModel) seg(segment string) SegmentResponse {
	r, ok := m.Response[segment]
	if !ok {
		panic(fmt.Sprintf("sample: unknown segment %q (known: %v)", segment, m.Segments))
	}
	return r
}

// ConversionProb is p(s,t,a,k) = min(1, Base[s][t] + Uplift[s][a][t]·Fatigue[s]^k),
// the probability that a person of segment s orders within 7 days of a
// decision at trigger t when the engine takes action a after k recent
// marketing contacts. It panics on an unknown segment.
func (m *ResponseModel) ConversionProb(segment, trigger, action string, recentContacts int) float64 {
	r := m.seg(segment)
	p := r.Base[trigger]
	if action != ActionNone {
		p += r.Uplift[action][trigger] * math.Pow(r.Fatigue, float64(recentContacts))
	}
	return math.Min(1, p)
}

// OptOutProb is the probability that one contact by action withdraws the
// consent of the action's channel for a person of the segment (0 for none).
func (m *ResponseModel) OptOutProb(segment, action string) float64 {
	return m.seg(segment).OptOut[action]
}

// OrderValue is the segment's mean order value V (GBP).
func (m *ResponseModel) OrderValue(segment string) float64 { return m.seg(segment).OrderValue }

// Cost is Fixed[a] + DiscountRate[a]·revenue: what action a costs when the
// decision brings in revenue (0 when it did not convert).
func (m *ResponseModel) Cost(action string, revenue float64) float64 {
	c := m.Costs[action]
	return c.Fixed + c.DiscountRate*revenue
}

// ExpectedReward is E[revenue − cost] = p(s,t,a,k)·V_s·(1 − DiscountRate[a]) − Fixed[a]
// with V_s the segment's mean order value: the expected reward of the action
// averaged over the order values of the segment.
func (m *ResponseModel) ExpectedReward(segment, trigger, action string, recentContacts int) float64 {
	return m.ExpectedRewardAt(segment, trigger, action, recentContacts, m.OrderValue(segment))
}

// ExpectedRewardAt is p(s,t,a,k)·value·(1 − DiscountRate[a]) − Fixed[a], the
// expected reward when the order value is known (a cart_abandon decision
// converts at the value of the cart it saw).
func (m *ResponseModel) ExpectedRewardAt(segment, trigger, action string, recentContacts int, value float64) float64 {
	p := m.ConversionProb(segment, trigger, action, recentContacts)
	c := m.Costs[action]
	return p*value*(1-c.DiscountRate) - c.Fixed
}

// LoggingPropensity is the probability with which the logging policy chose
// action given the trigger and the set of allowed actions (allowed[a] for
// each name in Actions; none is always allowed):
// w[t][a] / Σ_{b allowed} w[t][b], or 0 when a is not allowed.
func (m *ResponseModel) LoggingPropensity(trigger, action string, allowed map[string]bool) float64 {
	if action != ActionNone && !allowed[action] {
		return 0
	}
	w := m.LoggingWeights[trigger]
	total := 0.0
	for _, a := range m.Actions {
		if a == ActionNone || allowed[a] {
			total += w[a]
		}
	}
	return w[action] / total
}

// compiled is the response model as flat arrays for the generator's hot
// loop; it computes exactly what the exported methods compute.
type compiled struct {
	base      [5][2]float64
	uplift    [5][nActions][2]float64
	fatigue   [5]float64
	optOut    [5][nActions]float64
	value     [5]float64
	sigma     [5]float64
	share     [5]float64
	fixed     [nActions]float64
	disc      [nActions]float64
	logW      [2][nActions]float64
	windowDay int
}

func (m *ResponseModel) compile() *compiled {
	c := &compiled{windowDay: m.FatigueWindowDays}
	for s, sn := range Segments {
		r := m.seg(sn)
		c.fatigue[s], c.value[s], c.sigma[s], c.share[s] = r.Fatigue, r.OrderValue, r.OrderValueSigma, r.Share
		for t, tn := range Triggers {
			c.base[s][t] = r.Base[tn]
			for a, an := range Actions {
				if a != actNone {
					c.uplift[s][a][t] = r.Uplift[an][tn]
				}
			}
		}
		for a, an := range Actions {
			c.optOut[s][a] = r.OptOut[an]
		}
	}
	for a, an := range Actions {
		c.fixed[a], c.disc[a] = m.Costs[an].Fixed, m.Costs[an].DiscountRate
		for t, tn := range Triggers {
			c.logW[t][a] = m.LoggingWeights[tn][an]
		}
	}
	return c
}

// conv mirrors ResponseModel.ConversionProb.
func (c *compiled) conv(s, t, a, k int) float64 {
	p := c.base[s][t]
	if a != actNone {
		p += c.uplift[s][a][t] * math.Pow(c.fatigue[s], float64(k))
	}
	return math.Min(1, p)
}

// expReward mirrors ResponseModel.ExpectedRewardAt.
func (c *compiled) expReward(s, t, a, k int, value float64) float64 {
	return c.conv(s, t, a, k)*value*(1-c.disc[a]) - c.fixed[a]
}
