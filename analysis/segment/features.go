package segment

import (
	"math"
	"sort"
	"strings"
	"time"
)

// DayMs is the length of a day in milliseconds. Recency, tenure and active
// days are counted in whole UTC days of this length.
const DayMs int64 = 24 * 60 * 60 * 1000

// Event is one event of a customer as the feature builder needs it. Time is
// UTC milliseconds since the Unix epoch.
type Event struct {
	Time    int64
	Channel string
	Type    string
	Revenue float64
	// Step is the step label the journey scan gives the event (for
	// example "web:Product Viewed"). When empty the builder uses
	// Channel + ":" + Type.
	Step string
}

// label is the step label of ev: ev.Step, or Channel:Type when Step is empty.
func (ev *Event) label() string {
	if ev.Step != "" {
		return ev.Step
	}
	return ev.Channel + ":" + ev.Type
}

// ChannelUse is one channel a customer used: how many of the customer's
// events are on it and what share of all the customer's events that is.
type ChannelUse struct {
	Channel string  `json:"channel"`
	Events  int64   `json:"events"`
	Share   float64 `json:"share"` // Events / Features.Frequency
}

// Features are one customer's behavioural features, computed from the
// customer's time-ordered events by a FeatureBuilder.
type Features struct {
	// Customer is the unified customer id given to Begin.
	Customer int64 `json:"customer"`
	// FirstSeen and LastSeen are the smallest and largest event times,
	// UTC milliseconds.
	FirstSeen int64 `json:"first_seen"`
	LastSeen  int64 `json:"last_seen"`
	// RecencyDays = floor((AsOf − LastSeen) / 1 day): whole days since the
	// last event, relative to Config.AsOf (0 for an event on the as-of
	// day's last 24 hours; negative if the event is after AsOf).
	RecencyDays int64 `json:"recency_days"`
	// TenureDays = floor((AsOf − FirstSeen) / 1 day).
	TenureDays int64 `json:"tenure_days"`
	// Frequency is the number of events.
	Frequency int64 `json:"frequency"`
	// Orders is the number of events whose Type is in Config.OrderTypes.
	Orders int64 `json:"orders"`
	// Sessions is the number of sessions: the first event opens a session
	// and every event whose time exceeds the previous event's time by more
	// than Config.SessionGap opens a new one.
	Sessions int64 `json:"sessions"`
	// Monetary is the sum of Revenue over all events.
	Monetary float64 `json:"monetary"`
	// AOV (average order value) = Monetary / Orders, 0 when Orders = 0.
	AOV float64 `json:"aov"`
	// Channels lists every channel used, sorted by name, with its event
	// count and share of events (Events / Frequency).
	Channels []ChannelUse `json:"channels"`
	// LastStep is the step label of the last event (see Event.Step).
	LastStep string `json:"last_step"`
	// FirstChannel and LastChannel are the channels of the first and the
	// last event (in the order given; ties in time keep that order).
	FirstChannel string `json:"first_channel"`
	LastChannel  string `json:"last_channel"`
	// DaysActive is the number of distinct UTC calendar days
	// (floor(Time / 1 day)) with at least one event.
	DaysActive int64 `json:"days_active"`
	// CartsAbandoned counts sessions in which an event whose Type is in
	// Config.CartTypes is not followed, later in the same session, by an
	// event whose Type is in Config.OrderTypes. A session counts at most
	// once.
	CartsAbandoned int64 `json:"carts_abandoned"`
}

// ChannelEvents returns the number of the customer's events on channel ch
// (0 if the channel was never used).
func (f *Features) ChannelEvents(ch string) int64 {
	for i := range f.Channels {
		if f.Channels[i].Channel == ch {
			return f.Channels[i].Events
		}
	}
	return 0
}

// ChannelShare returns the share of the customer's events on channel ch,
// Events(ch) / Frequency (0 if never used).
func (f *Features) ChannelShare(ch string) float64 {
	for i := range f.Channels {
		if f.Channels[i].Channel == ch {
			return f.Channels[i].Share
		}
	}
	return 0
}

// Config says how features are computed.
type Config struct {
	// AsOf is the time (UTC ms) recency and tenure are measured from,
	// typically the end of the data or "now".
	AsOf int64
	// SessionGap is the inactivity gap that ends a session; 0 means 30
	// minutes (the convention of Google Analytics and Mixpanel).
	SessionGap time.Duration
	// OrderTypes are the event types counted as orders; nil means
	// DefaultOrderTypes.
	OrderTypes []string
	// CartTypes are the event types that put something in a cart; nil means
	// DefaultCartTypes.
	CartTypes []string
	// SkipTypes are event types the builder ignores entirely, for example
	// DefaultOutboundTypes, so that features describe what the customer
	// did rather than what was sent to them. nil skips nothing.
	SkipTypes []string
}

// DefaultOutboundTypes are the message-provider event types that record
// what was sent to a customer rather than anything the customer did:
// sends, deliveries, bounces and failures of email, SMS and push.
var DefaultOutboundTypes = []string{"sent", "delivered", "bounce", "failed"}

// DefaultOrderTypes are the event types counted as orders when
// Config.OrderTypes is nil: the Segment spec's "Order Completed", a till
// "purchase", and the snake-case spellings some exports use.
var DefaultOrderTypes = []string{"Order Completed", "order_completed", "purchase", "order"}

// DefaultCartTypes are the event types that add to a cart when
// Config.CartTypes is nil: the Segment spec's "Product Added" and common
// snake-case spellings.
var DefaultCartTypes = []string{"Product Added", "product_added", "add_to_cart"}

// FeatureBuilder computes Features from one customer's events at a time:
// call Begin, then Add for each event in time order, then Finish. The
// builder is reused across customers and allocates only the Channels slice
// of each result (and the last step label when Event.Step is empty). It is not safe for concurrent use; use one per goroutine.
type FeatureBuilder struct {
	asOf       int64
	gapMs      int64
	orderTypes map[string]struct{}
	cartTypes  map[string]struct{}
	skipTypes  map[string]struct{}

	f        Features
	started  bool
	prevTime int64
	lastDay  int64
	// cartOpen is true while the current session has a cart event not yet
	// followed by an order.
	cartOpen bool
	lastEv   Event
	chans    []ChannelUse
}

// NewFeatureBuilder returns a builder for cfg.
func NewFeatureBuilder(cfg Config) *FeatureBuilder {
	gap := cfg.SessionGap
	if gap <= 0 {
		gap = 30 * time.Minute
	}
	ot, ct := cfg.OrderTypes, cfg.CartTypes
	if ot == nil {
		ot = DefaultOrderTypes
	}
	if ct == nil {
		ct = DefaultCartTypes
	}
	b := &FeatureBuilder{
		asOf:       cfg.AsOf,
		gapMs:      gap.Milliseconds(),
		orderTypes: make(map[string]struct{}, len(ot)),
		cartTypes:  make(map[string]struct{}, len(ct)),
		skipTypes:  make(map[string]struct{}, len(cfg.SkipTypes)),
	}
	for _, t := range cfg.SkipTypes {
		b.skipTypes[t] = struct{}{}
	}
	for _, t := range ot {
		b.orderTypes[t] = struct{}{}
	}
	for _, t := range ct {
		b.cartTypes[t] = struct{}{}
	}
	return b
}

// Begin starts a new customer, discarding any unfinished one.
func (b *FeatureBuilder) Begin(customer int64) {
	b.f = Features{Customer: customer}
	b.started = false
	b.cartOpen = false
	b.chans = b.chans[:0]
	b.lastEv = Event{}
}

// floorDiv is floor(a / b) for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

// Add consumes the customer's next event, or ignores it if its type is in
// Config.SkipTypes (every feature is then computed without it). Events
// must come in time order (ties in load order); FirstSeen and LastSeen are
// the minimum and maximum whatever the order, but sessions, active days
// and abandoned carts assume it.
func (b *FeatureBuilder) Add(ev Event) {
	if len(b.skipTypes) > 0 {
		if _, skip := b.skipTypes[ev.Type]; skip {
			return
		}
	}
	f := &b.f
	day := floorDiv(ev.Time, DayMs)
	if !b.started {
		b.started = true
		f.FirstSeen, f.LastSeen = ev.Time, ev.Time
		f.FirstChannel = ev.Channel
		f.Sessions = 1
		f.DaysActive = 1
		b.lastDay = day
	} else {
		if ev.Time-b.prevTime > b.gapMs {
			if b.cartOpen {
				f.CartsAbandoned++
				b.cartOpen = false
			}
			f.Sessions++
		}
		if day != b.lastDay {
			f.DaysActive++
			b.lastDay = day
		}
		if ev.Time < f.FirstSeen {
			f.FirstSeen = ev.Time
		}
		if ev.Time > f.LastSeen {
			f.LastSeen = ev.Time
		}
	}
	b.prevTime = ev.Time
	f.Frequency++
	f.Monetary += ev.Revenue
	if _, ok := b.orderTypes[ev.Type]; ok {
		f.Orders++
		b.cartOpen = false
	} else if _, ok := b.cartTypes[ev.Type]; ok {
		b.cartOpen = true
	}
	found := false
	for i := range b.chans {
		if b.chans[i].Channel == ev.Channel {
			b.chans[i].Events++
			found = true
			break
		}
	}
	if !found {
		b.chans = append(b.chans, ChannelUse{Channel: ev.Channel, Events: 1})
	}
	b.lastEv = ev
}

// Finish returns the features of the customer begun last and resets the
// builder for the next Begin. A customer without events has zero features
// and recency and tenure measured from time 0.
func (b *FeatureBuilder) Finish() Features {
	f := b.f
	if b.cartOpen {
		f.CartsAbandoned++
	}
	if f.Frequency > 0 {
		f.LastChannel = b.lastEv.Channel
		f.LastStep = b.lastEv.label()
	}
	if f.Orders > 0 {
		f.AOV = f.Monetary / float64(f.Orders)
	}
	f.RecencyDays = floorDiv(b.asOf-f.LastSeen, DayMs)
	f.TenureDays = floorDiv(b.asOf-f.FirstSeen, DayMs)
	if len(b.chans) > 0 {
		f.Channels = make([]ChannelUse, len(b.chans))
		copy(f.Channels, b.chans)
		sort.Slice(f.Channels, func(i, j int) bool { return f.Channels[i].Channel < f.Channels[j].Channel })
		for i := range f.Channels {
			f.Channels[i].Share = float64(f.Channels[i].Events) / float64(f.Frequency)
		}
	}
	b.Begin(0)
	return f
}

// Value returns the numeric feature named col, for clustering and tables.
// Names: recency_days, tenure_days, frequency, orders, sessions, monetary,
// aov, days_active, carts_abandoned, channels_used (number of distinct
// channels), events:<channel> (events on a channel), share:<channel>
// (share of events on a channel), the 0/1 indicators uses:<channel>,
// first_channel:<channel> and last_channel:<channel>, and
// log1p(<any of these>) for
// ln(1 + max(x, 0)), which tames the long tails of counts and money. ok is false
// for an unknown name.
func (f *Features) Value(col string) (v float64, ok bool) {
	if len(col) > 7 && col[:6] == "log1p(" && col[len(col)-1] == ')' {
		v, ok = f.Value(col[6 : len(col)-1])
		return math.Log1p(max(v, 0)), ok
	}
	switch col {
	case "recency_days":
		return float64(f.RecencyDays), true
	case "tenure_days":
		return float64(f.TenureDays), true
	case "frequency":
		return float64(f.Frequency), true
	case "orders":
		return float64(f.Orders), true
	case "sessions":
		return float64(f.Sessions), true
	case "monetary":
		return f.Monetary, true
	case "aov":
		return f.AOV, true
	case "days_active":
		return float64(f.DaysActive), true
	case "carts_abandoned":
		return float64(f.CartsAbandoned), true
	case "channels_used":
		return float64(len(f.Channels)), true
	}
	if len(col) > 7 && col[:7] == "events:" {
		return float64(f.ChannelEvents(col[7:])), true
	}
	if len(col) > 6 && col[:6] == "share:" {
		return f.ChannelShare(col[6:]), true
	}
	if ch, ok := strings.CutPrefix(col, "uses:"); ok && ch != "" {
		return indicator(f.ChannelEvents(ch) > 0), true
	}
	if ch, ok := strings.CutPrefix(col, "first_channel:"); ok && ch != "" {
		return indicator(f.FirstChannel == ch), true
	}
	if ch, ok := strings.CutPrefix(col, "last_channel:"); ok && ch != "" {
		return indicator(f.LastChannel == ch), true
	}
	return 0, false
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
