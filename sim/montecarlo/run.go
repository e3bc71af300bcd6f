// Package montecarlo runs policies through a journey environment (package
// env) by Monte Carlo simulation, with common random numbers.
//
// # Common random numbers
//
// Customer i draws from its own random streams, seeded from (seed, i) and
// the same under every policy: one stream for the decision points
// (arrival times, triggers, cart values, background contacts), and, per
// decision point j, one fixed draw each from the response, order-value,
// opt-out and policy streams. Decision j of customer i therefore meets
// the same uniform u under every policy: it converts under action a when
// u < P(convert | a), so two policies that act alike get the same outcome
// and their difference is paired. The result is a function of the seed
// and the options only: it does not depend on the number of workers.
//
// # Learning policies
//
// Customers are cut into shards of ShardSize consecutive indices. Each
// shard builds fresh policies and plays its customers' decisions in time
// order (ties by customer index): a learning policy learns from the
// shard's customers as the days pass, each reward reaching it
// OutcomeDays after its decision (when the outcome window closes).
// Shards are the unit of parallel work; since the shards do not depend
// on the worker count, neither does the learning.
package montecarlo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// Metrics per customer over the horizon.
const (
	Conversions = iota
	Revenue
	Cost
	Net
	Contacts
	OptOuts
	Decisions
	Blocked
	NMetrics
)

// MetricNames name the metrics in reports.
var MetricNames = [NMetrics]string{"conversions", "revenue", "cost", "net", "contacts", "opt_outs", "decisions", "blocked"}

// Build returns fresh instances of the policies to simulate (in the same
// order every call); it is called once per shard, so policies need not be
// safe for concurrent use.
type Build func() ([]policy.Policy, error)

// Options control Run.
type Options struct {
	// Customers is the population size N; 0 means one per customer type
	// of the environment. Customer i < len(types) is type i; beyond, the
	// type is drawn uniformly from the seed (a bootstrap of the types).
	Customers int
	// HorizonDays is the simulated horizon (default 90).
	HorizonDays int
	// Seed fixes every random draw.
	Seed uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	// ShardSize is the number of customers per shard (default 20,000).
	ShardSize int
	// Start is the time of day 0 in UTC milliseconds (State.Time of a
	// decision is Start + its day); default 2026-07-01.
	Start int64
	// Progress, when set, is called after each shard with the customers
	// done so far; calls do not overlap.
	Progress func(Progress)
	// CurveDays is the width of a learning-curve bucket (default 7).
	CurveDays int
	// Expected, when true, makes the metrics of each decision their
	// expectations given the state at the decision instead of the drawn
	// outcome: conversions p, revenue p·E[V], cost Fixed + Rate·p·E[V],
	// opt-outs OptOut[a] after a contact (p = ConvProb, E[V] the cart
	// value at cart_abandon, LapseValue[a] or exp(LapseMu + LapseSigma²/2)
	// at lapse). The run itself is unchanged — states, learning and every
	// later decision follow the drawn outcomes — so each metric keeps its
	// expectation (by the tower rule) with less variance: the Bernoulli
	// and order-value noise of every decision is integrated out. Use it
	// where the mean matters more than the spread of outcomes, e.g. a
	// reference value computed to high precision.
	Expected bool
}

// Progress reports how far a run is.
type Progress struct {
	Done, Total int // customers simulated under every policy
	Elapsed     time.Duration
}

// CurvePoint is one bucket of a learning curve: the decisions in days
// [Day, Day+width) and their mean net reward.
type CurvePoint struct {
	Day       int     `json:"day"`
	Decisions int     `json:"decisions"`
	Mean      float64 `json:"mean_reward"`
}

// PolicyResult is the outcome of one policy.
type PolicyResult struct {
	Name string `json:"name"`
	// Learner is true for a policy that learns during the run.
	Learner bool `json:"learner"`
	// Metrics are means per customer with 95% intervals.
	Metrics [NMetrics]Stat `json:"metrics"`
	// Uplift is the paired difference per customer against the holdout
	// (the same customers with nothing done): mean of x_i(π) − x_i(holdout).
	Uplift [NMetrics]Stat `json:"uplift"`
	// Curve is the mean net reward per decision by bucket of CurveDays.
	Curve []CurvePoint `json:"curve"`
}

// Result is the outcome of Run.
type Result struct {
	Policies []PolicyResult `json:"policies"`
	// Holdout is the do-nothing run every uplift is measured against.
	Holdout PolicyResult `json:"holdout"`
	// Paired[i][j] is the paired difference of net value per customer,
	// policy i minus policy j.
	Paired      [][]Stat `json:"paired"`
	Customers   int      `json:"customers"`
	HorizonDays int      `json:"horizon_days"`
	Seed        uint64   `json:"seed"`
	Workers     int      `json:"workers"`
	Shards      int      `json:"shards"`
	// Steps is the number of customer-days simulated: customers × horizon
	// × (policies + the holdout).
	Steps   int64         `json:"steps"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// StepsPerSecond is Steps / Elapsed.
func (r *Result) StepsPerSecond() float64 { return float64(r.Steps) / r.Elapsed.Seconds() }

// Index returns the position of the named policy, or −1.
func (r *Result) Index(name string) int {
	for i, p := range r.Policies {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func (o *Options) defaults(e *env.Env) {
	if o.Customers <= 0 {
		o.Customers = len(e.Customers)
	}
	if o.HorizonDays <= 0 {
		o.HorizonDays = 90
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ShardSize <= 0 {
		o.ShardSize = 20000
	}
	if o.Start == 0 {
		o.Start = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	if o.CurveDays <= 0 {
		o.CurveDays = 7
	}
}

// Run simulates every policy of build (plus a do-nothing holdout) over
// opt.Customers customers and opt.HorizonDays days of e.
func Run(ctx context.Context, e *env.Env, build Build, opt Options) (*Result, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	opt.defaults(e)
	probe, err := build()
	if err != nil {
		return nil, err
	}
	if len(probe) == 0 {
		return nil, fmt.Errorf("no policies to simulate: list them under `policies:` in the policy file")
	}
	P := len(probe)
	nShards := (opt.Customers + opt.ShardSize - 1) / opt.ShardSize
	start := time.Now()
	results := make([]*shardResult, nShards)
	var next, done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	workers := min(opt.Workers, nShards)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sim := newSimulator(e, &opt, P)
			for {
				s := int(next.Add(1) - 1)
				if s >= nShards || ctx.Err() != nil {
					return
				}
				lo := s * opt.ShardSize
				hi := min(lo+opt.ShardSize, opt.Customers)
				pols, err := build()
				if err == nil && len(pols) != P {
					err = fmt.Errorf("the policy builder returned %d policies, then %d", P, len(pols))
				}
				if err == nil {
					results[s], err = sim.shard(ctx, pols, lo, hi)
				}
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					cancel()
				} else if opt.Progress != nil {
					d := done.Add(int64(hi - lo))
					opt.Progress(Progress{Done: int(d), Total: opt.Customers, Elapsed: time.Since(start)})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := newShardResult(P, opt.HorizonDays, opt.CurveDays)
	for _, r := range results {
		total.merge(r)
	}
	res := &Result{Customers: opt.Customers, HorizonDays: opt.HorizonDays, Seed: opt.Seed, Workers: workers, Shards: nShards,
		Steps: int64(opt.Customers) * int64(opt.HorizonDays) * int64(P+1), Elapsed: time.Since(start)}
	for p := 0; p <= P; p++ {
		pr := PolicyResult{Name: "holdout (do nothing)"}
		if p < P {
			pr.Name = probe[p].Name()
			pr.Learner = isLearner(probe[p])
		}
		for m := 0; m < NMetrics; m++ {
			pr.Metrics[m] = total.metric[p][m].Stat()
			pr.Uplift[m] = total.uplift[p][m].Stat()
		}
		for b := range total.curveN[p] {
			if total.curveN[p][b] > 0 {
				pr.Curve = append(pr.Curve, CurvePoint{Day: b * opt.CurveDays, Decisions: int(total.curveN[p][b]), Mean: total.curveS[p][b] / total.curveN[p][b]})
			}
		}
		if p < P {
			res.Policies = append(res.Policies, pr)
		} else {
			res.Holdout = pr
		}
	}
	res.Paired = make([][]Stat, P)
	for i := range res.Paired {
		res.Paired[i] = make([]Stat, P)
		for j := range res.Paired[i] {
			res.Paired[i][j] = total.paired[i*P+j].Stat()
		}
	}
	return res, nil
}

func isLearner(p policy.Policy) bool {
	if c, ok := p.(*policy.Constrained); ok {
		p = c.Policy
	}
	_, ok := p.(policy.Learner)
	return ok
}

// shardResult holds the accumulators of one shard (merged in shard order).
type shardResult struct {
	P              int
	metric, uplift [][NMetrics]Welford // [policy incl. holdout]
	paired         []Welford           // net, [i*P+j]
	curveN, curveS [][]float64
}

func newShardResult(P, horizon, width int) *shardResult {
	r := &shardResult{P: P, metric: make([][NMetrics]Welford, P+1), uplift: make([][NMetrics]Welford, P+1), paired: make([]Welford, P*P)}
	nb := (horizon + width - 1) / width
	for p := 0; p <= P; p++ {
		r.curveN = append(r.curveN, make([]float64, nb))
		r.curveS = append(r.curveS, make([]float64, nb))
	}
	return r
}

func (r *shardResult) merge(o *shardResult) {
	for p := range r.metric {
		for m := 0; m < NMetrics; m++ {
			r.metric[p][m].Merge(o.metric[p][m])
			r.uplift[p][m].Merge(o.uplift[p][m])
		}
		for b := range r.curveN[p] {
			r.curveN[p][b] += o.curveN[p][b]
			r.curveS[p][b] += o.curveS[p][b]
		}
	}
	for i := range r.paired {
		r.paired[i].Merge(o.paired[i])
	}
}

// point is one decision point of a customer, with its common random
// numbers.
type point struct {
	t      float64 // day (fractional)
	cust   int32   // index within the shard
	trig   uint8
	kbg    int16 // background contacts in the fatigue window
	cart   float64
	lapseV float64
	// lapseNoise = exp(σz − σ²/2), the same z as lapseV: mean one.
	lapseNoise float64
	uConv      float64
	uOpt       float64
	uPol       float64
	customerT  int32   // customer type
	organic    float64 // day of the customer's last own order before t (−Inf: none)
}

// custState is a customer's state under one policy.
type custState struct {
	consent   [4]bool
	lastOrder float64 // day of the last conversion in the run (−Inf: none)
	orders    float64
	contacts  []policy.Contact
}

type pending struct {
	due   float64
	pt    int32 // index into points
	a     int
	rew   float64
	state snapshot
}

type snapshot struct {
	recency, orders float64
	consent         [4]bool
	nContacts       int
}

type simulator struct {
	e      *env.Env
	opt    *Options
	P      int
	K      int
	fb     int
	points []point
	cs     []custState
	m      [][NMetrics]float64 // [cust*(P+1)+p]
	state  policy.State
	probs  []float64
	queue  []pending
	inited []bool
}

func newSimulator(e *env.Env, opt *Options, P int) *simulator {
	return &simulator{e: e, opt: opt, P: P, K: len(e.Actions.Names), fb: e.Actions.Fallback(),
		state: policy.State{Features: make(map[string]policy.Value, 16)}, probs: make([]float64, len(e.Actions.Names))}
}

// splitmix64 is the SplitMix64 finaliser, used to derive stream seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Streams of a customer.
const (
	streamArrivals = iota
	streamResponse
	streamValue
	streamOptOut
	streamPolicy
	streamType
	nStreams
)

func stream(seed uint64, cust int, s int) rand.PCG {
	return *rand.NewPCG(splitmix64(seed^splitmix64(uint64(cust))), uint64(s))
}

func unif(r *rand.PCG) float64 { return float64(r.Uint64()>>11) * 0x1p-53 }

func expo(r *rand.PCG) float64 { return -math.Log(1 - unif(r)) }

// normal draws N(0,1) by Box–Muller (two uniforms per draw, so the
// stream's position depends only on the number of draws).
func normal(r *rand.PCG) float64 {
	u1, u2 := unif(r), unif(r)
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

// TypeOf returns the customer type of customer i in a population of n
// drawn from types (see Options.Customers).
func TypeOf(seed uint64, i, types int) int {
	if i < types {
		return i
	}
	r := stream(seed, i, streamType)
	return int(r.Uint64() % uint64(types))
}

// schedule appends customer i's decision points over the horizon.
func (s *simulator) schedule(i int, local int32) {
	e, H := s.e, float64(s.opt.HorizonDays)
	ti := TypeOf(s.opt.Seed, i, len(e.Customers))
	c := &e.Customers[ti]
	ra := stream(s.opt.Seed, i, streamArrivals)
	rr := stream(s.opt.Seed, i, streamResponse)
	rv := stream(s.opt.Seed, i, streamValue)
	ro := stream(s.opt.Seed, i, streamOptOut)
	rp := stream(s.opt.Seed, i, streamPolicy)
	// Background contacts over (−window, H).
	w := e.FatigueWindowDays
	var bg [64]float64
	nbg := 0
	if c.Background > 0 {
		for t := -w + expo(&ra)/c.Background; t < H && nbg < len(bg); t += expo(&ra) / c.Background {
			bg[nbg] = t
			nbg++
		}
	}
	// Own orders over (0, H).
	var orders [64]float64
	nord := 0
	if c.OrderRate > 0 {
		for t := expo(&ra) / c.OrderRate; t < H && nord < len(orders); t += expo(&ra) / c.OrderRate {
			orders[nord] = t
			nord++
		}
	}
	// Two Poisson processes, merged.
	nextC, nextL := math.Inf(1), math.Inf(1)
	if c.CartRate > 0 {
		nextC = expo(&ra) / c.CartRate
	}
	if c.LapseRate > 0 {
		nextL = expo(&ra) / c.LapseRate
	}
	open := math.Inf(-1)
	for {
		t, trig := nextC, uint8(env.TrigCart)
		if nextL < t {
			t, trig = nextL, env.TrigLapse
		}
		if t >= H {
			return
		}
		if trig == env.TrigCart {
			nextC = t + expo(&ra)/c.CartRate
		} else {
			nextL = t + expo(&ra)/c.LapseRate
		}
		cart := math.Exp(c.CartMu + c.CartSigma*normal(&ra))
		if t < open {
			continue
		}
		open = t + e.OutcomeDays
		p := point{t: t, cust: local, trig: trig, customerT: int32(ti), organic: math.Inf(-1)}
		for b := 0; b < nord && orders[b] < t; b++ {
			p.organic = orders[b]
		}
		if trig == env.TrigCart {
			p.cart = math.Round(cart*100) / 100
		}
		for b := 0; b < nbg; b++ {
			if bg[b] <= t && bg[b] > t-w {
				p.kbg++
			}
		}
		p.uConv = unif(&rr)
		z := normal(&rv)
		p.lapseV = math.Round(math.Exp(c.LapseMu+c.LapseSigma*z)*100) / 100
		p.lapseNoise = math.Exp(c.LapseSigma*z - c.LapseSigma*c.LapseSigma/2)
		p.uOpt = unif(&ro)
		p.uPol = unif(&rp)
		s.points = append(s.points, p)
	}
}

// shard simulates customers [lo, hi) under every policy and the holdout.
func (s *simulator) shard(ctx context.Context, pols []policy.Policy, lo, hi int) (*shardResult, error) {
	n := hi - lo
	P := s.P
	s.points = s.points[:0]
	for i := lo; i < hi; i++ {
		s.schedule(i, int32(i-lo))
	}
	sort.Slice(s.points, func(a, b int) bool {
		pa, pb := &s.points[a], &s.points[b]
		return pa.t < pb.t || pa.t == pb.t && pa.cust < pb.cust
	})
	if cap(s.cs) < n {
		s.cs = make([]custState, n)
	}
	s.cs = s.cs[:n]
	if cap(s.m) < n*(P+1) {
		s.m = make([][NMetrics]float64, n*(P+1))
	}
	s.m = s.m[:n*(P+1)]
	clear(s.m)
	res := newShardResult(P, s.opt.HorizonDays, s.opt.CurveDays)
	for p := 0; p <= P; p++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var pol policy.Policy
		if p < P {
			pol = pols[p]
		}
		s.run(pol, p, res)
	}
	// Per customer, in order.
	for c := 0; c < n; c++ {
		row := s.m[c*(P+1) : (c+1)*(P+1)]
		hold := &row[P]
		for p := 0; p <= P; p++ {
			for m := 0; m < NMetrics; m++ {
				res.metric[p][m].Add(row[p][m])
				res.uplift[p][m].Add(row[p][m] - hold[m])
			}
		}
		for i := 0; i < P; i++ {
			for j := 0; j < P; j++ {
				res.paired[i*P+j].Add(row[i][Net] - row[j][Net])
			}
		}
	}
	return res, nil
}

// fill sets the state's features for decision point pt of a customer.
func (s *simulator) fill(pt *point, sn snapshot, contacts []policy.Contact) {
	e := s.e
	c := &e.Customers[pt.customerT]
	f := s.state.Features
	clear(f)
	f["trigger"] = policy.StrValue(env.TriggerNames[pt.trig])
	f["recency_days"] = policy.NumValue(sn.recency)
	f["orders_90d"] = policy.NumValue(sn.orders)
	f["cart_value"] = policy.NumValue(pt.cart)
	if c.Tier != "" {
		f["loyalty_tier"] = policy.StrValue(c.Tier)
	}
	if c.Region != "" {
		f["region"] = policy.StrValue(c.Region)
	}
	if c.LastChannel != "" {
		f["last_channel"] = policy.StrValue(c.LastChannel)
	}
	for ch, key := range consentKeys {
		f[key] = policy.BoolValue(sn.consent[ch])
	}
	s.state.Time = s.opt.Start + int64(pt.t*86400000)
	s.state.Contacts = contacts[:sn.nContacts]
	s.state.Logged = nil
}

var consentKeys = [4]string{"consent_email", "consent_sms", "consent_push", "consent_call"}

// run plays the shard's decision points under one policy (nil = holdout).
func (s *simulator) run(pol policy.Policy, p int, res *shardResult) {
	e := s.e
	P := s.P
	for i := range s.cs {
		cs := &s.cs[i]
		cs.lastOrder = math.Inf(-1)
		cs.orders = 0
		cs.contacts = cs.contacts[:0]
	}
	if cap(s.inited) < len(s.cs) {
		s.inited = make([]bool, len(s.cs))
	}
	inited := s.inited[:len(s.cs)]
	clear(inited)
	var learner policy.Learner
	if pol != nil {
		if l, ok := pol.(policy.Learner); ok && isLearner(pol) {
			learner = l
		}
	}
	s.queue = s.queue[:0]
	qh := 0
	W := e.FatigueWindowDays
	width := float64(s.opt.CurveDays)
	for i := range s.points {
		pt := &s.points[i]
		cs := &s.cs[pt.cust]
		if !inited[pt.cust] {
			inited[pt.cust] = true
			cs.consent = e.Customers[pt.customerT].Consent
		}
		for learner != nil && qh < len(s.queue) && s.queue[qh].due <= pt.t {
			q := &s.queue[qh]
			qp := &s.points[q.pt]
			s.fill(qp, q.state, s.cs[qp.cust].contacts)
			learner.Update(&s.state, q.a, q.rew)
			qh++
		}
		c := &e.Customers[pt.customerT]
		recency := c.RecencyDays + pt.t
		if last := math.Max(cs.lastOrder, pt.organic); last > math.Inf(-1) {
			recency = pt.t - last
		}
		sn := snapshot{recency: math.Floor(recency), orders: c.Orders90 + cs.orders, consent: cs.consent, nContacts: len(cs.contacts)}
		a := s.fb
		if pol != nil {
			s.fill(pt, sn, cs.contacts)
			pol.Probs(&s.state, s.probs)
			a = pick(s.probs, pt.uPol)
		}
		row := &s.m[int(pt.cust)*(P+1)+p]
		ch := e.Channel[a]
		if ch >= 0 && !cs.consent[ch] {
			row[Blocked]++
			a, ch = s.fb, -1
		}
		k := int(pt.kbg)
		tn := s.opt.Start + int64(pt.t*86400000)
		from := tn - int64(W*86400000)
		for j := len(cs.contacts) - 1; j >= 0 && cs.contacts[j].Time > from; j-- {
			k++
		}
		val := pt.cart
		if pt.trig == env.TrigLapse {
			val = math.Exp(c.CartMu)
		}
		class := e.Class(c.Group, int(pt.trig), recency, val)
		pc := e.ConvProb(class, int(pt.trig), a, k)
		if s.opt.Expected {
			ev := pt.cart
			if pt.trig == env.TrigLapse {
				if lv := e.Classes[class].LapseValue; lv != nil {
					ev = lv[a]
				} else {
					ev = math.Exp(c.LapseMu + c.LapseSigma*c.LapseSigma/2)
				}
			}
			er := pc * ev
			ec := e.Cost(a, er)
			row[Conversions] += pc
			row[Revenue] += er
			row[Cost] += ec
			row[Net] += er - ec
			if ch >= 0 {
				row[OptOuts] += e.Classes[class].OptOut[a]
			}
		}
		rev := 0.0
		if pt.uConv < pc {
			rev = pt.cart
			if pt.trig == env.TrigLapse {
				rev = pt.lapseV
				if lv := e.Classes[class].LapseValue; lv != nil {
					rev = math.Round(lv[a]*pt.lapseNoise*100) / 100
				}
			}
			if !s.opt.Expected {
				row[Conversions]++
			}
			cs.lastOrder = pt.t
			cs.orders++
		}
		cost := e.Cost(a, rev)
		net := rev - cost
		if !s.opt.Expected {
			row[Revenue] += rev
			row[Cost] += cost
			row[Net] += net
		}
		row[Decisions]++
		if ch >= 0 {
			row[Contacts]++
			cs.contacts = append(cs.contacts, policy.Contact{Time: tn, Channel: env.ChannelNames[ch]})
			if pt.uOpt < e.Classes[class].OptOut[a] {
				cs.consent[ch] = false
				if !s.opt.Expected {
					row[OptOuts]++
				}
			}
		}
		b := int(pt.t / width)
		res.curveN[p][b]++
		res.curveS[p][b] += net
		if learner != nil {
			s.queue = append(s.queue, pending{due: pt.t + e.OutcomeDays, pt: int32(i), a: a, rew: net, state: sn})
		}
	}
}

// pick returns the action whose cumulative probability first exceeds u
// (a deterministic policy's only action whatever u).
func pick(p []float64, u float64) int {
	acc := 0.0
	last := 0
	for a, x := range p {
		if x <= 0 {
			continue
		}
		last = a
		acc += x
		if u < acc {
			return a
		}
	}
	return last
}
