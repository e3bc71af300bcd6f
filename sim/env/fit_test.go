package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// synthLog builds a decision log with known rates: n customers, all in
// one group (no loyalty tier, last channel web, recency 10 days), each
// with decisions every 20 days over 180 days (so no contact falls in
// another decision's 14-day fatigue window), alternately cart_abandon and
// lapse. The logging policy picks none or email_offer with probability ½
// each. P(convert) is 0.10 (none) and 0.25 (email) at cart_abandon, 0.04
// and 0.10 at lapse; email costs 0.10 per contact. A customer's log cart
// values are N(μ_c, 0.3²) with μ_c ~ N(log 60, 0.4²).
func synthLog(t testing.TB, n int) *decisionlog.Log {
	t.Helper()
	acts := policy.DefaultActions()
	l := decisionlog.New(acts)
	rng := rand.New(rand.NewPCG(7, 11))
	p := [2][2]float64{{0.10, 0.25}, {0.04, 0.10}}
	for c := 0; c < n; c++ {
		mu := math.Log(60) + 0.4*rng.NormFloat64()
		for j := 0; j < 9; j++ {
			trig := j % 2
			cart := math.Round(math.Exp(mu+0.3*rng.NormFloat64())*100) / 100
			a := rng.IntN(2)
			conv := rng.Float64() < p[trig][a]
			value := cart
			if trig == 1 {
				value = math.Round(math.Exp(math.Log(80)+0.5*rng.NormFloat64())*100) / 100
			}
			rev := 0.0
			if conv {
				rev = value
			}
			cost := 0.0
			if a == 1 {
				cost = 0.10
			}
			ctx := map[string]string{"recency_days": "10", "orders_90d": "1", "loyalty_tier": "", "region": "North",
				"last_channel": "web", "consent_email": "true", "consent_sms": "false", "consent_push": "false", "consent_call": "false"}
			if trig == 0 {
				ctx["cart_value"] = fmt.Sprint(cart)
			} else {
				ctx["cart_value"] = "0"
			}
			tr := [2]string{"cart_abandon", "lapse"}[trig]
			ms := int64(1767225600000) + int64(j)*20*86400000 + int64(c)*1000
			if err := l.Add(fmt.Sprintf("d%d-%d", c, j), fmt.Sprintf("C%d", c), ms, tr, ctx, acts.Names[a], 0.5, rev-cost, conv); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestFitRecoversKnownRates fits a synthetic log whose rates are known and
// checks each fitted component against them.
func TestFitRecoversKnownRates(t *testing.T) {
	const n = 4000
	l := synthLog(t, n)
	e, err := Fit(l, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Customers) != n {
		t.Fatalf("population %d, want %d", len(e.Customers), n)
	}
	// Costs are exact: the unconverted rewards are −0.10 for email.
	if c := e.Costs[1]; math.Abs(c.Fixed-0.10) > 1e-9 || c.Rate != 0 {
		t.Errorf("email cost %+v, want fixed 0.10, rate 0", c)
	}
	c0 := &e.Customers[0]
	// Conversion by trigger at k = 0. Each rate rests on about n·9/4 = 9,000
	// decisions per (trigger, action), so its standard error is at most
	// √(0.25·0.75/9000) ≈ 0.0046; the tolerance is 4 standard errors.
	// (At cart_abandon the rate is value-weighted, which for carts drawn
	// independently of conversion has the same expectation.)
	want := [2][2]float64{{0.10, 0.25}, {0.04, 0.10}}
	for trig := 0; trig < 2; trig++ {
		cls := e.Class(c0.Group, trig, c0.RecencyDays, 60)
		for a := 0; a < 2; a++ {
			got := e.ConvProb(cls, trig, a, 0)
			if math.Abs(got-want[trig][a]) > 0.02 {
				t.Errorf("%s action %d: P(convert) %.4f, want %.2f ± 0.02", TriggerNames[trig], a, got, want[trig][a])
			}
		}
	}
	// Cart values: the hierarchical model recovers the within- and
	// between-customer log-sds (0.3 and 0.4; ±0.03 for 4,000 customers
	// with 5 carts each) and the population's mean cart.
	_, sd, within, between := cartModel(mustExtract(t, l), n)
	if math.Abs(within-0.3) > 0.03 || math.Abs(between-0.4) > 0.03 {
		t.Errorf("cart log-sds within %.3f, between %.3f; want 0.3 and 0.4 ± 0.03", within, between)
	}
	mean := 0.0
	for i := range e.Customers {
		c := &e.Customers[i]
		mean += math.Exp(c.CartMu+c.CartSigma*c.CartSigma/2) / n
		if c.CartSigma != sd[i] {
			t.Fatalf("customer %d cart sigma %v, want the predictive %v", i, c.CartSigma, sd[i])
		}
	}
	// E[cart] = 60·exp((0.4² + 0.3²)/2) = 67.99; ±3%.
	if wantMean := 60 * math.Exp((0.16+0.09)/2); math.Abs(mean/wantMean-1) > 0.03 {
		t.Errorf("mean simulated cart %.2f, want %.2f ± 3%%", mean, wantMean)
	}
	// Arrival rates: 5 cart and 4 lapse decisions over a 160-day span
	// less 7 outcome days each (97 days of exposure): 5/97 and 4/97 per
	// day, the same for every customer, so the shrinkage to the
	// population's rate leaves them unchanged (within 0.1%: the log's span
	// runs to the last customer's decision, 4,000 seconds past 160 days).
	cr, lr, consent := e.Summary()
	if math.Abs(cr/(5.0/97)-1) > 1e-3 || math.Abs(lr/(4.0/97)-1) > 1e-3 {
		t.Errorf("rates cart %.6f lapse %.6f, want %.6f and %.6f", cr, lr, 5.0/97, 4.0/97)
	}
	if consent[0] != 1 || consent[1] != 0 {
		t.Errorf("consent shares %v, want email 1, sms 0", consent)
	}
	// Opt-outs: nobody withdraws consent in this log.
	for cl := range e.Classes {
		if e.Classes[cl].OptOut[1] != 0 {
			t.Fatalf("class %s: email opt-out %v, want 0", e.Classes[cl].Label, e.Classes[cl].OptOut[1])
		}
	}
}

func mustExtract(t testing.TB, l *decisionlog.Log) []decision {
	ds, _, err := extract(l)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestBinomialShare checks the pseudo-decision draw of Bootstrap: B/m
// with B ~ Binomial(m, p) has mean p and variance p(1−p)/m. Over 20,000
// draws the sample mean is within 0.002 of p (about 4 standard errors)
// and the sample variance within 5% of p(1−p)/m; p = 0 and p = 1 give
// exactly 0 and 1.
func TestBinomialShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, tc := range []struct{ m, p float64 }{{30, 0.1}, {30, 0.035}, {10, 0.5}} {
		const n = 20000
		s, q := 0.0, 0.0
		for i := 0; i < n; i++ {
			x := binomialShare(rng, tc.m, tc.p)
			s += x
			q += x * x
		}
		mean := s / n
		v := q/n - mean*mean
		want := tc.p * (1 - tc.p) / tc.m
		if math.Abs(mean-tc.p) > 0.002 || math.Abs(v/want-1) > 0.05 {
			t.Errorf("m=%g p=%g: mean %.4f variance %.5f, want %.4f and %.5f", tc.m, tc.p, mean, v, tc.p, want)
		}
	}
	if x := binomialShare(rng, 30, 0); x != 0 {
		t.Errorf("p=0 gave %g", x)
	}
	if x := binomialShare(rng, 30, 1); x != 1 {
		t.Errorf("p=1 gave %g", x)
	}
}
