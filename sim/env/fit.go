package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
)

// FitOptions control Fit. The zero value means the defaults below.
type FitOptions struct {
	// Shrinkage m: a cell's conversion rate for an action is pulled
	// towards the trigger-level rate of the action as if m more decisions
	// had that rate (default 30).
	Shrinkage float64
	// RecencyEdges and CartEdges cut recency_days and cart_value into the
	// bands of the response cells (defaults: 90 days; 80 and 250 GBP).
	RecencyEdges, CartEdges []float64
	// FatigueWindowDays (default 14) and OutcomeDays (default 7).
	FatigueWindowDays, OutcomeDays float64
	// DefaultFatigue is the fatigue factor used when the log has too few
	// decisions shortly after a contact to estimate it (default 0.85);
	// FatigueMin bounds the estimate from below (default 0.5).
	DefaultFatigue, FatigueMin float64
	// RatePrior is the pseudo-exposure in days pulling each customer's
	// arrival rates towards the population's (default 60).
	RatePrior float64
	// Costs, when set (one per action), replace the costs fitted from the
	// log's rewards.
	Costs []Cost

	// priorDraw, when set (by Bootstrap), draws the conversions of the
	// shrinkage's m pseudo-decisions of every cell and action from the
	// prior rate instead of fixing them at m·rate (see Bootstrap).
	priorDraw *rand.Rand
}

func (o *FitOptions) defaults() {
	if o.Shrinkage <= 0 {
		o.Shrinkage = 30
	}
	if o.RecencyEdges == nil {
		o.RecencyEdges = []float64{90}
	}
	if o.CartEdges == nil {
		o.CartEdges = []float64{80, 250}
	}
	if o.FatigueWindowDays <= 0 {
		o.FatigueWindowDays = 14
	}
	if o.OutcomeDays <= 0 {
		o.OutcomeDays = 7
	}
	if o.DefaultFatigue <= 0 {
		o.DefaultFatigue = 0.85
	}
	if o.FatigueMin <= 0 {
		o.FatigueMin = 0.5
	}
	if o.RatePrior <= 0 {
		o.RatePrior = 60
	}
}

// Customer groups of a fitted environment: loyalty membership (silver or
// gold, versus bronze or none) × last channel (app, store, other).
const fitGroups = 6

// GroupOf is the group of a fitted environment: 3·member + channel with
// member = 1 for a silver or gold tier and channel 0 app, 1 store, 2 any
// other last channel.
func GroupOf(tier, lastChannel string) int {
	m := 0
	if tier == "silver" || tier == "gold" {
		m = 1
	}
	c := 2
	switch lastChannel {
	case "app":
		c = 0
	case "store":
		c = 1
	}
	return 3*m + c
}

// decision is one logged decision as the fit uses it.
type decision struct {
	cust       int
	t          float64 // days since the log's first decision
	trig       int
	action     int
	prop       float64
	converted  bool
	revenue    float64
	reward     float64
	cart       float64
	recency    float64
	orders     float64
	tier       string
	region     string
	lastCh     string
	consent    [4]bool
	consentSet [4]bool
	group      int
	kEngine    int // engine contacts in the fatigue window before
}

// Fit builds an environment from a decision log randomised with known
// propensities. It estimates:
//
//   - costs per action from the rewards: Fixed[a] = mean(−r_i) over the
//     unconverted decisions with action a, Rate[a] = mean(1 − (r_i +
//     Fixed[a])/cart_i) over converted cart_abandon decisions (whose revenue
//     is the cart value); revenue_i = (r_i + Fixed[a])/(1 − Rate[a]);
//   - conversion per response cell (customer group × trigger × the
//     customer's recency band × cart band; the group and recency band are
//     fixed per customer, see customerGroups) and action by the
//     self-normalised IPW mean over the cell's decisions that took the
//     action, value-weighted at cart_abandon (weight cart/propensity, so
//     that p̂·cart predicts the cell's revenue without bias when who
//     converts correlates with the cart's value), shrunk in two levels,
//     cell → trigger × value band → trigger:
//     p̂(τ,b,a) = (n_τb·p̄_IPW(τ,b,a) + m·p̄_IPW(τ,a)) / (n_τb + m) and
//     p̂(c,a) = (n·p̄_IPW(c,a) + m·p̂(τ,b,a)) / (n + m), so that a sparse
//     cell of high-value customers borrows from other high-value
//     decisions rather than from the whole trigger;
//     Base = p̂(c, none), Uplift = (p̂(c,a) − Base)/E_log[f^k];
//   - fatigue f: the ratio of the contact uplift (contact versus none,
//     IPW) at decisions with an engine contact in the window to that at
//     decisions without, bounded to [FatigueMin, 1]; DefaultFatigue when
//     fewer than 200 contacted decisions follow a contact;
//   - opt-out per action: the share of the customer's next decision at
//     which the channel's consent has been withdrawn after the action
//     contacted on it, minus that share after any action that did not
//     (randomisation makes the difference the effect of the contact), at
//     least 0;
//   - order values: carts are log-normal per customer with the
//     hierarchical model of cartModel (each customer's posterior
//     predictive); a lapse order's log-mean is the customer's cart
//     log-mean plus the group's (lapse − cart) difference of log-means, its
//     log-sd the group's, shrunk to all lapse orders (5 pseudo-orders);
//     lapse decisions fall in the cart band of the customer's typical
//     cart; and a lapse conversion after action a is valued at the cell's
//     mean converted revenue after a (IPW, shrunk to the trigger's with 3
//     pseudo-conversions) times the customer's mean-one log-normal noise,
//     so that who converts after which action — high-value customers
//     answer a call — keeps its value even when the cell mixes them;
//   - the population: one customer per customer of the log, in the state
//     of its latest decision (recency advanced to the log's end), with an
//     own-order rate of mean(orders_90d)/90 over its decisions, and
//     arrival rates per day n/(exposure) shrunk towards the population's
//     rate by RatePrior days, exposure = the log's span less OutcomeDays
//     per decision.
//
// Background contacts (broadcasts) are not seen in a decision log; the
// fitted rates average over them, and Background is 0.
func Fit(l *decisionlog.Log, opt FitOptions) (*Env, error) {
	opt.defaults()
	if l.N() == 0 {
		return nil, fmt.Errorf("the decision log is empty: load one with `workbench load decisions.csv`")
	}
	chans, err := ActionChannels(l.Actions)
	if err != nil {
		return nil, err
	}
	K := len(l.Actions.Names)
	fb := l.Actions.Fallback()
	ds, custIDs, err := extract(l)
	if err != nil {
		return nil, err
	}
	nr, nc := len(opt.RecencyEdges)+1, len(opt.CartEdges)+1
	e := &Env{Actions: l.Actions, Channel: chans, Groups: fitGroups * nr, RecencyEdges: []float64{}, CartEdges: opt.CartEdges,
		FatigueWindowDays: opt.FatigueWindowDays, OutcomeDays: opt.OutcomeDays}
	// Costs.
	e.Costs = opt.Costs
	if e.Costs == nil {
		e.Costs = fitCosts(ds, K)
	} else if len(e.Costs) != K {
		return nil, fmt.Errorf("costs: %d given for %d actions", len(e.Costs), K)
	}
	for i := range ds {
		d := &ds[i]
		if d.converted {
			c := e.Costs[d.action]
			d.revenue = (d.reward + c.Fixed) / (1 - c.Rate)
		}
	}
	// Engine contacts in the fatigue window (ds is by customer, time).
	for i := range ds {
		for j := i - 1; j >= 0 && ds[j].cust == ds[i].cust && ds[i].t-ds[j].t < opt.FatigueWindowDays; j-- {
			if chans[ds[j].action] >= 0 {
				ds[i].kEngine++
			}
		}
	}
	fat, fatNote := fitFatigue(ds, chans, fb, opt)
	// Conversion per cell and action. A cell is (customer group, trigger,
	// customer recency band, cart band); the environment's group is
	// recency band × fitGroups + customer group, so its class table maps
	// (group, trigger, cart band) to the cell.
	cg := customerGroups(ds, len(custIDs), opt.RecencyEdges)
	nCells := fitGroups * 2 * nr * nc
	e.ClassTable = make([]int, nCells)
	for G := 0; G < fitGroups*nr; G++ {
		g, r := G%fitGroups, G/fitGroups
		for t := 0; t < 2; t++ {
			for b := 0; b < nc; b++ {
				e.ClassTable[(G*2+t)*nc+b] = ((g*2+t)*nr+r)*nc + b
			}
		}
	}
	type acc struct{ sw, swc, swr, n float64 }
	cell := make([][]acc, nCells)
	trig := [2][]acc{make([]acc, K), make([]acc, K)}
	// tb[τ][b] accumulates the trigger's decisions in value band b: the
	// middle level of the shrinkage (cell → trigger × value band → trigger).
	tb := make([][2][]acc, nc)
	for b := range tb {
		tb[b] = [2][]acc{make([]acc, K), make([]acc, K)}
	}
	fk := make([]float64, nCells) // Σ f^k over the cell's contacted decisions
	fn := make([]float64, nCells)
	fkT := [2]float64{}
	fnT := [2]float64{}
	for i := range cell {
		cell[i] = make([]acc, K)
	}
	cartMu, cartSd, cartW, cartB := cartModel(ds, len(custIDs))
	typical := make([]float64, len(cartMu))
	for c, m := range cartMu {
		typical[c] = math.Exp(m)
	}
	for i := range ds {
		d := &ds[i]
		cv0 := classValue(d, typical)
		c := e.Class(cg[d.cust], d.trig, d.recency, cv0)
		vb := band(opt.CartEdges, cv0)
		w := 1 / d.prop
		cv := 0.0
		if d.converted {
			cv = 1
		}
		// At cart_abandon the rate is value-weighted (see Fit).
		vw := 1.0
		if d.trig == TrigCart && d.cart > 0 {
			vw = d.cart
		}
		cell[c][d.action].sw += w * vw
		cell[c][d.action].swc += w * vw * cv
		cell[c][d.action].swr += w * d.revenue
		cell[c][d.action].n++
		trig[d.trig][d.action].sw += w * vw
		trig[d.trig][d.action].swc += w * vw * cv
		trig[d.trig][d.action].swr += w * d.revenue
		trig[d.trig][d.action].n++
		tb[vb][d.trig][d.action].sw += w * vw
		tb[vb][d.trig][d.action].swc += w * vw * cv
		tb[vb][d.trig][d.action].swr += w * d.revenue
		tb[vb][d.trig][d.action].n++
		if chans[d.action] >= 0 {
			f := math.Pow(fat, float64(d.kEngine))
			fk[c] += f
			fn[c]++
			fkT[d.trig] += f
			fnT[d.trig]++
		}
	}
	optOut := fitOptOut(ds, chans, K)
	e.Classes = make([]Response, nCells)
	for g := 0; g < fitGroups; g++ {
		for t := 0; t < 2; t++ {
			for r := 0; r < nr; r++ {
				for b := 0; b < nc; b++ {
					c := ((g*2+t)*nr+r)*nc + b
					rate := func(a int) float64 {
						prior := 0.0
						if x := trig[t][a]; x.sw > 0 {
							prior = x.swc / x.sw
						}
						if x := tb[b][t][a]; x.sw > 0 {
							prior = (x.n*(x.swc/x.sw) + opt.Shrinkage*prior) / (x.n + opt.Shrinkage)
						}
						if opt.priorDraw != nil {
							prior = binomialShare(opt.priorDraw, opt.Shrinkage, prior)
						}
						x := cell[c][a]
						if x.sw == 0 {
							return prior
						}
						return (x.n*(x.swc/x.sw) + opt.Shrinkage*prior) / (x.n + opt.Shrinkage)
					}
					meanF := 1.0
					if fnT[t] > 0 {
						meanF = fkT[t] / fnT[t]
					}
					if fn[c] > 0 {
						meanF = (fk[c] + opt.Shrinkage*meanF) / (fn[c] + opt.Shrinkage)
					}
					resp := Response{Label: cellLabel(g, t, r, b, opt), Fatigue: fat, OptOut: optOut}
					resp.Uplift[0], resp.Uplift[1] = make([]float64, K), make([]float64, K)
					for tt := 0; tt < 2; tt++ {
						// A class belongs to one trigger; the other row mirrors it.
						base := rate(fb)
						resp.Base[tt] = base
						for a := 0; a < K; a++ {
							if a != fb {
								resp.Uplift[tt][a] = (rate(a) - base) / meanF
							}
						}
					}
					if t == TrigLapse {
						// Mean order value of the conversions after each
						// action: Σ w·rev / Σ w·conv, shrunk to the
						// trigger's for the action with 3 pseudo-conversions
						// (the trigger's over all actions when the action
						// has no conversion).
						resp.LapseValue = make([]float64, K)
						all := [2]float64{}
						for a := 0; a < K; a++ {
							all[0] += trig[t][a].swr
							all[1] += trig[t][a].swc
						}
						for a := 0; a < K; a++ {
							prior := 60.0
							if all[1] > 0 {
								prior = all[0] / all[1]
							}
							if x := trig[t][a]; x.swc > 0 {
								// Not shrunk to the other actions' value:
								// which customers an action converts
								// decides its order value (a call converts
								// high-value customers), so pooling across
								// actions biases it; its noise is in the
								// refit spread.
								prior = x.swr / x.swc
							}
							x := cell[c][a]
							v := prior
							if x.swc > 0 {
								// conversions in weight units: swc/sw·n
								nc := x.swc / x.sw * x.n
								v = (nc*(x.swr/x.swc) + 3*prior) / (nc + 3)
							}
							resp.LapseValue[a] = v
						}
					}
					n := 0.0
					for a := 0; a < K; a++ {
						n += cell[c][a].n
					}
					resp.Decisions = int(n)
					e.Classes[c] = resp
				}
			}
		}
	}
	fitPopulation(e, ds, custIDs, cg, cartMu, cartSd, opt)
	cr, lr, _ := e.Summary()
	e.Notes = append(e.Notes,
		fmt.Sprintf("fitted from %d logged decisions of %d customers", len(ds), len(custIDs)),
		fmt.Sprintf("response cells: loyalty member × last channel (app, store, other) × trigger × recency bands %v × cart bands %v; IPW rates shrunk to the trigger's rate with m = %g", opt.RecencyEdges, opt.CartEdges, opt.Shrinkage),
		fatNote,
		fmt.Sprintf("cart values: log-normal per customer, within-customer log-sd %.3f, between-customer log-sd %.3f (empirical Bayes; carts drawn from each customer's posterior predictive)", cartW, cartB),
		fmt.Sprintf("decision points per customer-day: cart_abandon %.4f, lapse %.4f (outside %g-day outcome windows)", cr, lr, opt.OutcomeDays),
		"not visible in the log and therefore not modelled: latent segments beyond the cells, broadcasts (their fatigue is averaged into the rates), opt-outs that differ by customer within an action")
	return e, e.Validate()
}

func cellLabel(g, t, r, b int, opt FitOptions) string {
	mem := []string{"non-member", "member"}[g/3]
	ch := []string{"app", "store", "other"}[g%3]
	s := fmt.Sprintf("%s/%s/%s/recency band %d", TriggerNames[t], mem, ch, r)
	if t == TrigCart {
		s += fmt.Sprintf("/cart band %d", b)
	}
	return s
}

// extract reads the decisions of l, ordered by customer and time.
func extract(l *decisionlog.Log) ([]decision, []string, error) {
	col := map[string]int{}
	for j, n := range l.Features() {
		col[n] = j
	}
	tj, ok := col["trigger"]
	if !ok {
		return nil, nil, fmt.Errorf("the decision log has no trigger column; the simulation needs it to tell cart_abandon from lapse")
	}
	num := func(i int, name string) float64 {
		if j, ok := col[name]; ok {
			if v := l.Value(i, j); !v.Missing {
				return v.Num
			}
		}
		return 0
	}
	str := func(i int, name string) string {
		if j, ok := col[name]; ok {
			return l.Text(i, j)
		}
		return ""
	}
	t0 := l.Time[0]
	for _, t := range l.Time {
		t0 = min(t0, t)
	}
	idx := map[string]int{}
	var ids []string
	ds := make([]decision, l.N())
	for i := range ds {
		c, ok := idx[l.Customer[i]]
		if !ok {
			c = len(ids)
			idx[l.Customer[i]] = c
			ids = append(ids, l.Customer[i])
		}
		d := decision{cust: c, t: float64(l.Time[i]-t0) / 86400000, action: l.Action[i], prop: l.Propensity[i],
			converted: l.Converted[i], reward: l.Reward[i], cart: num(i, "cart_value"), recency: num(i, "recency_days"),
			orders: num(i, "orders_90d"), tier: str(i, "loyalty_tier"), region: str(i, "region"), lastCh: str(i, "last_channel")}
		switch l.Text(i, tj) {
		case "cart_abandon":
			d.trig = TrigCart
		case "lapse":
			d.trig = TrigLapse
		default:
			return nil, nil, fmt.Errorf("decision %d: trigger %q is neither cart_abandon nor lapse", i+1, l.Text(i, tj))
		}
		for ch, name := range ChannelNames {
			if j, ok := col["consent_"+name]; ok {
				if v := l.Value(i, j); !v.Missing {
					d.consent[ch], d.consentSet[ch] = v.Bool, true
				}
			}
		}
		d.group = GroupOf(d.tier, d.lastCh)
		ds[i] = d
	}
	sort.SliceStable(ds, func(a, b int) bool {
		if ds[a].cust != ds[b].cust {
			return ds[a].cust < ds[b].cust
		}
		return ds[a].t < ds[b].t
	})
	return ds, ids, nil
}

func fitCosts(ds []decision, K int) []Cost {
	costs := make([]Cost, K)
	var sf, nf, sr, nrt [16]float64
	if K > 16 {
		K = 16
	}
	for i := range ds {
		d := &ds[i]
		if d.action >= K {
			continue
		}
		if !d.converted {
			sf[d.action] += -d.reward
			nf[d.action]++
		}
	}
	for a := 0; a < K; a++ {
		if nf[a] > 0 {
			costs[a].Fixed = math.Round(sf[a]/nf[a]*1e6) / 1e6
		}
	}
	for i := range ds {
		d := &ds[i]
		if d.action < K && d.converted && d.trig == TrigCart && d.cart > 0 {
			sr[d.action] += 1 - (d.reward+costs[d.action].Fixed)/d.cart
			nrt[d.action]++
		}
	}
	for a := 0; a < K; a++ {
		if nrt[a] > 0 {
			r := math.Round(sr[a]/nrt[a]*1e4) / 1e4
			costs[a].Rate = math.Min(0.99, math.Max(0, r))
		}
	}
	return costs
}

// fitFatigue estimates f (see Fit).
func fitFatigue(ds []decision, chans []int, fb int, opt FitOptions) (float64, string) {
	// SNIPW conversion of "contact" and "none" at k = 0 and k ≥ 1, per trigger.
	var sw, swc [2][2][2]float64 // [k≥1][trig][contact]
	n1 := 0
	for i := range ds {
		d := &ds[i]
		k := 0
		if d.kEngine > 0 {
			k = 1
		}
		c := 0
		if chans[d.action] >= 0 {
			c = 1
			if k == 1 {
				n1++
			}
		} else if d.action != fb {
			continue
		}
		w := 1 / d.prop
		sw[k][d.trig][c] += w
		if d.converted {
			swc[k][d.trig][c] += w
		}
	}
	if n1 < 200 {
		return opt.DefaultFatigue, fmt.Sprintf("fatigue %.2f per recent contact (default: only %d contacted decisions follow a contact)", opt.DefaultFatigue, n1)
	}
	up := func(k int) float64 {
		tot, wt := 0.0, 0.0
		for t := 0; t < 2; t++ {
			if sw[k][t][0] == 0 || sw[k][t][1] == 0 {
				continue
			}
			u := swc[k][t][1]/sw[k][t][1] - swc[k][t][0]/sw[k][t][0]
			w := sw[k][t][1]
			tot += w * u
			wt += w
		}
		if wt == 0 {
			return math.NaN()
		}
		return tot / wt
	}
	u0, u1 := up(0), up(1)
	f := opt.DefaultFatigue
	if u0 > 0 && !math.IsNaN(u1) {
		f = math.Max(opt.FatigueMin, math.Min(1, u1/u0))
	}
	return f, fmt.Sprintf("fatigue %.2f per recent contact (uplift %.4f after a contact / %.4f without, bounded to [%g, 1])", f, u1, u0, opt.FatigueMin)
}

// fitOptOut estimates the opt-out probability per contact of each action
// (see Fit).
func fitOptOut(ds []decision, chans []int, K int) []float64 {
	// For each channel: flips after a contact on it, and after none on it.
	var onN, onF, offN, offF [4]float64
	for i := 0; i+1 < len(ds); i++ {
		d, n := &ds[i], &ds[i+1]
		if n.cust != d.cust {
			continue
		}
		for ch := 0; ch < 4; ch++ {
			if !d.consentSet[ch] || !d.consent[ch] || !n.consentSet[ch] {
				continue
			}
			flip := 0.0
			if !n.consent[ch] {
				flip = 1
			}
			if chans[d.action] == ch {
				onN[ch]++
				onF[ch] += flip
			} else {
				offN[ch]++
				offF[ch] += flip
			}
		}
	}
	out := make([]float64, K)
	for a := 0; a < K; a++ {
		ch := chans[a]
		if ch < 0 || onN[ch] == 0 {
			continue
		}
		base := 0.0
		if offN[ch] > 0 {
			base = offF[ch] / offN[ch]
		}
		out[a] = math.Max(0, onF[ch]/onN[ch]-base)
	}
	return out
}

// cartModel is the hierarchical (normal–normal, empirical Bayes) model of
// the customers' cart values: the log value of a cart of customer c is
// μ_c + ε with ε ~ N(0, σ²) and μ_c ~ N(μ_g, τ²) across the customers of
// group g (the group of the customer's latest decision). It estimates
//
//	σ² = Σ_c Σ_i (x_ci − x̄_c)² / Σ_c (n_c − 1)               (pooled within-customer variance)
//	μ_g = mean of x̄_c over the group's customers with a cart   (all customers' when the group has none)
//	τ² = max(0, mean_c [(x̄_c − μ_g)² − σ²/n_c])               (method of moments)
//
// A customer with no cart in the log has only the prior, and customers
// who rarely leave carts need not order like those who do (on the sample
// they are mostly high-value and dormant customers, who browse little).
// Their prior mean is therefore shifted by what their lapse orders show:
//
//	μ_g⁰ = μ_g + (mean log lapse order value of the customers without a cart
//	              − that of the customers with one)          (0 when either has no lapse order)
//
// and returns per customer the posterior mean and variance of μ_c,
//
//	m_c = (n_c·x̄_c/σ² + μ_g/τ²) / (n_c/σ² + 1/τ²),  v_c = 1 / (n_c/σ² + 1/τ²),
//
// and the posterior predictive log-sd of a new cart √(σ² + v_c). Drawing
// new carts from the predictive (not around m_c with σ alone) keeps the
// spread of values across customers: shrinking every customer to its
// posterior mean and ignoring v_c lowers the population's mean cart value
// E[exp(μ_c + σ²/2)] (by Jensen's inequality; by about a fifth on the
// sample, whose high-value customers rarely leave carts).
func cartModel(ds []decision, n int) (mu, sd []float64, within, between float64) {
	type acc struct{ n, s, q float64 }
	cust := make([]acc, n)
	grp := make([]int, n)
	for i := range ds {
		d := &ds[i]
		grp[d.cust] = d.group
		if d.trig == TrigCart && d.cart > 0 {
			x := math.Log(d.cart)
			cust[d.cust].n++
			cust[d.cust].s += x
			cust[d.cust].q += x * x
		}
	}
	w, wn := 0.0, 0.0
	var gs, gn [fitGroups]float64
	tot, cnt := 0.0, 0.0
	for c, a := range cust {
		if a.n == 0 {
			continue
		}
		if a.n > 1 {
			w += a.q - a.s*a.s/a.n
			wn += a.n - 1
		}
		gs[grp[c]] += a.s / a.n
		gn[grp[c]]++
		tot += a.s / a.n
		cnt++
	}
	s2 := 0.25 // log-sd 0.5 when no customer has two carts
	if wn > 0 {
		s2 = math.Max(w/wn, 1e-6)
	}
	mu0 := math.Log(60.0)
	if cnt > 0 {
		mu0 = tot / cnt
	}
	var mg [fitGroups]float64
	for g := range mg {
		mg[g] = mu0
		if gn[g] > 0 {
			mg[g] = gs[g] / gn[g]
		}
	}
	t2, tn := 0.0, 0.0
	for c, a := range cust {
		if a.n > 0 {
			dx := a.s/a.n - mg[grp[c]]
			t2 += dx*dx - s2/a.n
			tn++
		}
	}
	if tn > 0 {
		t2 /= tn
	}
	t2 = math.Max(t2, 1e-6)
	// Shift of the prior for customers without a cart, from lapse orders.
	var ls, ln [2]float64 // [has a cart]
	for i := range ds {
		d := &ds[i]
		if d.trig == TrigLapse && d.converted && d.revenue > 0 {
			h := 0
			if cust[d.cust].n > 0 {
				h = 1
			}
			ls[h] += math.Log(d.revenue)
			ln[h]++
		}
	}
	shift := 0.0
	if ln[0] > 0 && ln[1] > 0 {
		shift = ls[0]/ln[0] - ls[1]/ln[1]
	}
	mu, sd = make([]float64, n), make([]float64, n)
	for c, a := range cust {
		prec := a.n/s2 + 1/t2
		m0 := mg[grp[c]]
		if a.n == 0 {
			m0 += shift
		}
		mu[c] = (a.s/s2 + m0/t2) / prec
		sd[c] = math.Sqrt(s2 + 1/prec)
	}
	return mu, sd, math.Sqrt(s2), math.Sqrt(t2)
}

// customerGroups returns per customer its group in the fitted environment:
// b·fitGroups + GroupOf(tier, last channel) of its latest logged decision,
// with b the recency band (edges) of the median recency_days over its
// logged decisions. The group is a fixed attribute of the customer, as a
// latent segment is: recency drifts over a simulated horizon (it grows
// until the next order) differently from how the log sampled it, and a
// response class that followed the drifting recency would move customers
// between classes for no change in how they respond.
func customerGroups(ds []decision, n int, edges []float64) []int {
	out := make([]int, n)
	rec := make([][]float64, n)
	for i := range ds {
		d := &ds[i]
		rec[d.cust] = append(rec[d.cust], d.recency)
		out[d.cust] = d.group // ds is by customer and time: the latest wins
	}
	for c := range out {
		r := rec[c]
		sort.Float64s(r)
		med := 0.0
		if m := len(r); m > 0 {
			med = (r[(m-1)/2] + r[m/2]) / 2
		}
		out[c] += fitGroups * band(edges, med)
	}
	return out
}

// classValue is the value that places a decision in a cart band: the
// cart's value at cart_abandon, the customer's typical cart at lapse.
func classValue(d *decision, typical []float64) float64 {
	if d.trig == TrigCart {
		return d.cart
	}
	return typical[d.cust]
}

// fitPopulation sets e.Customers from the decisions (see Fit).
func fitPopulation(e *Env, ds []decision, ids []string, cg []int, cartMu, cartSd []float64, opt FitOptions) {
	span := 0.0
	for i := range ds {
		span = math.Max(span, ds[i].t)
	}
	span = math.Max(span, 1)
	// Lapse order values per group; cart log-values per customer.
	var lg [fitGroups][3]float64 // n, Σ log v, Σ log² v
	var all [3]float64
	for i := range ds {
		d := &ds[i]
		if d.converted && d.trig == TrigLapse && d.revenue > 0 {
			x := math.Log(d.revenue)
			lg[d.group][0]++
			lg[d.group][1] += x
			lg[d.group][2] += x * x
			all[0]++
			all[1] += x
			all[2] += x * x
		}
	}
	msd := func(a [3]float64, mu0, sd0, m float64) (float64, float64) {
		if a[0] == 0 {
			return mu0, sd0
		}
		mu := (a[1] + m*mu0) / (a[0] + m)
		v := (a[2] - a[1]*a[1]/a[0] + m*sd0*sd0) / (a[0] + m)
		return mu, math.Sqrt(math.Max(v, 1e-6))
	}
	mu0, sd0 := math.Log(60.0), 0.6
	if all[0] > 1 {
		mu0 = all[1] / all[0]
		sd0 = math.Sqrt(math.Max((all[2]-all[1]*all[1]/all[0])/(all[0]-1), 1e-6))
	}
	var lapseMu, lapseSd [fitGroups]float64
	for g := range lg {
		lapseMu[g], lapseSd[g] = msd(lg[g], mu0, sd0, 5)
	}
	// Cart log-values per group (for the lapse − cart shift).
	type cs struct{ n, s float64 }
	var gc [fitGroups]cs
	for i := range ds {
		d := &ds[i]
		if d.trig == TrigCart && d.cart > 0 {
			gc[d.group].n++
			gc[d.group].s += math.Log(d.cart)
		}
	}
	var cartG [fitGroups]float64
	for g := range gc {
		cartG[g] = mu0
		if gc[g].n > 0 {
			cartG[g] = gc[g].s / gc[g].n
		}
	}
	// Rates.
	ordSum := make([]float64, len(ids))
	nCart := make([]float64, len(ids))
	nLapse := make([]float64, len(ids))
	last := make([]int, len(ids))
	totC, totL, totE := 0.0, 0.0, 0.0
	for i := range ds {
		d := &ds[i]
		ordSum[d.cust] += d.orders
		if d.trig == TrigCart {
			nCart[d.cust]++
			totC++
		} else {
			nLapse[d.cust]++
			totL++
		}
		last[d.cust] = i
	}
	exposure := func(c int) float64 {
		return math.Max(1, span-opt.OutcomeDays*(nCart[c]+nLapse[c]))
	}
	for c := range ids {
		totE += exposure(c)
	}
	rc, rl := totC/totE, totL/totE
	e.Customers = make([]Customer, len(ids))
	for c, id := range ids {
		d := &ds[last[c]]
		x := Customer{ID: id, Tier: d.tier, Region: d.region, LastChannel: d.lastCh,
			RecencyDays: d.recency + (span - d.t), Orders90: d.orders, Consent: d.consent, Group: cg[c],
			LapseSigma: lapseSd[d.group], CartSigma: cartSd[c]}
		ex := exposure(c)
		x.OrderRate = ordSum[c] / (nCart[c] + nLapse[c]) / 90
		x.CartRate = (nCart[c] + opt.RatePrior*rc) / (ex + opt.RatePrior)
		x.LapseRate = (nLapse[c] + opt.RatePrior*rl) / (ex + opt.RatePrior)
		x.CartMu = cartMu[c]
		// A lapse order is valued like the customer's carts, shifted by
		// the group's difference between lapse orders and carts.
		x.LapseMu = x.CartMu + lapseMu[d.group] - cartG[d.group]
		e.Customers[c] = x
	}
}

// Bootstrap returns b environments fitted as Fit does on logs resampled
// by customer with replacement (the customers of each replicate log are
// drawn from l's customers), each keeping the population and arrival
// rates of base, the fit on the whole log: the spread of their responses,
// fatigue, opt-outs and costs is the estimation uncertainty of the
// fitted response.
//
// Resampling alone cannot show the uncertainty of a response the log
// shows only a few times: a cell in which no customer converted after an
// action (on the sample, high-value customers called at a lapse: about
// 30 decisions and 2.4 expected conversions, none in some logs) has a
// rate of 0 in every replicate, and the interval collapses exactly when
// the estimate is lowest. Each replicate therefore also redraws the m
// pseudo-decisions of the shrinkage: their conversions are
// Binomial(m, p̂(τ,b,a)) instead of m·p̂(τ,b,a), so a replicate's cell
// rate is (n·p̄*(c,a) + B) / (n + m), B ~ Binomial(m, p̂*(τ,b,a)), with *
// the resampled log — the spread a prior worth m decisions carries.
func Bootstrap(l *decisionlog.Log, base *Env, opt FitOptions, b int, seed uint64) ([]*Env, error) {
	byCust := map[string][]int{}
	var ids []string
	for i, c := range l.Customer {
		if _, ok := byCust[c]; !ok {
			ids = append(ids, c)
		}
		byCust[c] = append(byCust[c], i)
	}
	feats := l.Features()
	ctx := map[string]string{}
	out := make([]*Env, 0, b)
	for r := 0; r < b; r++ {
		rng := rand.New(rand.NewPCG(seed, uint64(r)+1))
		rl := decisionlog.New(l.Actions)
		for k := range ids {
			src := ids[rng.IntN(len(ids))]
			name := fmt.Sprintf("%s#%d", src, k)
			for _, i := range byCust[src] {
				clear(ctx)
				trigger := ""
				for j, f := range feats {
					if f == "trigger" {
						trigger = l.Text(i, j)
						continue
					}
					ctx[f] = l.Text(i, j)
				}
				if err := rl.Add("", name, l.Time[i], trigger, ctx, l.Actions.Names[l.Action[i]], l.Propensity[i], l.Reward[i], l.Converted[i]); err != nil {
					return nil, err
				}
			}
		}
		if err := rl.Finish(); err != nil {
			return nil, err
		}
		o := opt
		o.priorDraw = rng
		e, err := Fit(rl, o)
		if err != nil {
			return nil, err
		}
		e.Customers = base.Customers
		e.Notes = append(e.Notes, fmt.Sprintf("bootstrap replicate %d of the response (population as fitted on the whole log)", r+1))
		out = append(out, e)
	}
	return out, nil
}

// binomialShare returns B/m with B ~ Binomial(round(m), p): the share of
// m pseudo-decisions at rate p that convert.
func binomialShare(rng *rand.Rand, m, p float64) float64 {
	n := int(math.Round(m))
	if n <= 0 {
		return p
	}
	k := 0
	for i := 0; i < n; i++ {
		if rng.Float64() < p {
			k++
		}
	}
	return float64(k) / float64(n)
}
