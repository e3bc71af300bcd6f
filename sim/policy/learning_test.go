package policy

import (
	"math"
	"testing"
)

var allConsent = []any{"consent_email", true, "consent_sms", true, "consent_push", true, "consent_call", true}

func full(kv ...any) *State { return st(append(kv, allConsent...)...) }

// TestEpsilonGreedyProbs: π(a|s) = ε/K + (1−ε) on the greedy action, per
// cell, exploring only among allowed actions.
func TestEpsilonGreedyProbs(t *testing.T) {
	e := NewEpsilonGreedy("eg", testActions, DefaultContactRules(), 0.2, []string{"trigger"})
	cart, lapse := full("trigger", "cart_abandon"), full("trigger", "lapse")
	e.Update(cart, 2, 10)
	e.Update(cart, 2, 0) // mean 5
	e.Update(cart, 1, 4)
	e.Update(lapse, 3, 1)
	p := make([]float64, 5)
	e.Probs(cart, p)
	want := []float64{0.04, 0.04, 0.84, 0.04, 0.04}
	for a := range p {
		if math.Abs(p[a]-want[a]) > 1e-12 {
			t.Fatalf("cart probs %v, want %v", p, want)
		}
	}
	e.Probs(lapse, p)
	if math.Abs(p[3]-0.84) > 1e-12 {
		t.Errorf("lapse probs %v, want push 0.84", p)
	}
	// Only none and email allowed: ε/2 each, greedy email (4 > 0).
	e.Probs(st("trigger", "cart_abandon", "consent_email", true), p)
	if math.Abs(p[0]-0.1) > 1e-12 || math.Abs(p[1]-0.9) > 1e-12 {
		t.Errorf("restricted probs %v, want none 0.1, email 0.9", p)
	}
}

// TestThompsonPosterior checks the Normal-Inverse-Gamma update against a
// hand computation and that Probs is deterministic and favours the
// clearly better action.
func TestThompsonPosterior(t *testing.T) {
	th := NewThompson("ts", testActions, DefaultContactRules(), nil, DefaultNIGPrior(), 4000, 3)
	s := full()
	for _, r := range []float64{1, 3} {
		th.Update(s, 1, r)
	}
	// κ=1+2=3, μ=(0+4)/3, α=1+1=2, β = 1 + ½·2 + 1·2·(2−0)²/(2·3) = 2+4/3.
	d := th.Posterior(s, 1)
	beta := 2 + 4.0/3
	if math.Abs(d.Mu-4.0/3) > 1e-12 || math.Abs(d.Nu-4) > 1e-12 || math.Abs(d.Sigma-math.Sqrt(beta/(2*3))) > 1e-12 {
		t.Errorf("posterior %+v, want μ=4/3, ν=4, σ=%v", d, math.Sqrt(beta/6))
	}
	for i := 0; i < 50; i++ {
		th.Update(s, 3, 20)
	}
	p, q := make([]float64, 5), make([]float64, 5)
	th.Probs(s, p)
	th2 := NewThompson("ts", testActions, DefaultContactRules(), nil, DefaultNIGPrior(), 4000, 3)
	th2.Update(s, 1, 1)
	th2.Update(s, 1, 3)
	for i := 0; i < 50; i++ {
		th2.Update(s, 3, 20)
	}
	th2.Probs(s, q)
	for a := range p {
		if p[a] != q[a] {
			t.Fatalf("same seed and history gave %v and %v", p, q)
		}
	}
	if p[3] < 0.9 {
		t.Errorf("push (mean 20 over 50) has probability %v, want > 0.9", p[3])
	}
}

// TestLinUCB: with α = 0 and one numeric feature LinUCB is ridge
// regression per action; A⁻¹ kept by Sherman–Morrison matches the
// closed form on a 2×2 case.
func TestLinUCB(t *testing.T) {
	l := NewLinUCB("lu", testActions, DefaultContactRules(), 0, 1, []string{"x"}, []float64{1}, nil, nil)
	for _, x := range []float64{1, 2, 3} {
		l.Update(full("x", x), 1, 2*x) // email: reward 2x
		l.Update(full("x", x), 2, 7-x) // sms: reward 7−x
	}
	// Ridge with λ=1 on z=[1,x]: A = I + Σ zzᵀ = [[4,6],[6,15]], b = Σ r z.
	// Email: b = [12, 28]; θ = A⁻¹b = [12·15−6·28, 4·28−6·12]/(60−36) = [0.5, 5/3].
	m, bonus := l.Score(l.Features(full("x", 0.0)), 1)
	if math.Abs(m-0.5) > 1e-9 || bonus != 0 {
		t.Errorf("email score at x=0: %v (+%v), want 0.5", m, bonus)
	}
	p := make([]float64, 5)
	l.Probs(full("x", 3.0), p)
	if p[1] != 1 {
		t.Errorf("at x=3 chose %v, want email", p)
	}
	l.Probs(full("x", 0.0), p)
	if p[2] != 1 {
		t.Errorf("at x=0 chose %v, want sms", p)
	}
	// Exploration bonus: α√(zᵀA⁻¹z) for an untried action with A = I.
	l.Alpha = 2
	_, bonus = l.Score(l.Features(full("x", 1.0)), 4)
	if math.Abs(bonus-2*math.Sqrt(2)) > 1e-12 {
		t.Errorf("bonus of an untried action %v, want 2√2", bonus)
	}
}

// TestWarmStartIPW: the IPW warm start weights decision i by
// (1/p_i)/mean(1/p) over its action, so the learnt mean is the
// self-normalised IPW mean.
func TestWarmStartIPW(t *testing.T) {
	ctx := logCtx([]Logged{
		{State: full(), Action: 1, Propensity: 0.5, Reward: 10},
		{State: full(), Action: 1, Propensity: 0.25, Reward: 4},
	})
	e := NewEpsilonGreedy("eg", testActions, DefaultContactRules(), 0, nil)
	if err := WarmStart(e, ctx, true); err != nil {
		t.Fatal(err)
	}
	want := (10/0.5 + 4/0.25) / (1/0.5 + 1/0.25)
	if got := e.Mean(full(), 1); math.Abs(got-want) > 1e-12 {
		t.Errorf("IPW mean %v, want %v", got, want)
	}
	e2 := NewEpsilonGreedy("eg", testActions, DefaultContactRules(), 0, nil)
	if err := WarmStart(e2, ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := e2.Mean(full(), 1); math.Abs(got-7) > 1e-12 {
		t.Errorf("plain mean %v, want 7", got)
	}
}
