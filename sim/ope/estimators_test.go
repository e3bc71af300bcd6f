package ope

import (
	"math"
	"strings"
	"testing"
)

// tinyLog is a four-round, two-action log small enough to compute every
// estimator by hand:
//
//	i  a  r  p     π_b        π_e        q̂          w     q̂(x,π_e)  q̂(x,a)  r−q̂(x,a)
//	0  0  1  1     (1, 0)     (.5, .5)   (.6, .2)   0.5   0.40      0.6     0.4
//	1  1  0  .25   (.75,.25)  (.5, .5)   (.4, .3)   2     0.35      0.3    −0.3
//	2  1  2  .1    (.9, .1)   (0, 1)     (.5, 1)    10    1.00      1.0     1.0
//	3  0  0  .8    (.8, .2)   (0, 1)     (.1, .4)   0     0.40      0.1    −0.1
//
// Σw = 12.5, Σw² = 104.25, Σ q̂(x,π_e) = 2.15, Σ w r = 20.5,
// Σ w (r−q̂(x,a)) = 0.2 − 0.6 + 10 + 0 = 9.6.
func tinyInputs() Inputs {
	return Inputs{
		Log: &Log{
			K:        2,
			Actions:  []int{0, 1, 1, 0},
			Rewards:  []float64{1, 0, 2, 0},
			Pscore:   []float64{1, 0.25, 0.1, 0.8},
			Behavior: []float64{1, 0, 0.75, 0.25, 0.9, 0.1, 0.8, 0.2},
		},
		ActionDist:       []float64{0.5, 0.5, 0.5, 0.5, 0, 1, 0, 1},
		EstimatedRewards: []float64{0.6, 0.2, 0.4, 0.3, 0.5, 1.0, 0.1, 0.4},
	}
}

func TestEstimatorsHandComputed(t *testing.T) {
	const tol = 1e-12
	in := tinyInputs()
	cases := []struct {
		est  Estimator
		want float64
		why  string
	}{
		{Estimator{Kind: DM}, 2.15 / 4, "Σ q̂(x,π_e)/n"},
		{Estimator{Kind: IPW}, 20.5 / 4, "(0.5·1 + 2·0 + 10·2 + 0·0)/4"},
		{Estimator{Kind: IPW, Lambda: 5}, (0.5 + 0 + 5*2 + 0) / 4, "weight 10 clipped to 5"},
		{Estimator{Kind: IPW, Lambda: math.Inf(1)}, 20.5 / 4, "λ=+Inf is no clipping"},
		{Estimator{Kind: SNIPW}, 20.5 / 12.5, "Σ w r / Σ w"},
		{Estimator{Kind: DR}, (2.15 + 9.6) / 4, "(Σ q̂(x,π_e) + Σ w (r−q̂))/n"},
		{Estimator{Kind: DR, Lambda: 5}, (2.15 + 0.2 - 0.6 + 5*1.0) / 4, "weight 10 clipped to 5"},
		{Estimator{Kind: SNDR}, 2.15/4 + 9.6/12.5, "Σ q̂(x,π_e)/n + Σ w (r−q̂)/Σ w"},
		{Estimator{Kind: SwitchDR}, (2.15 + 9.6) / 4, "no threshold: equals DR"},
		{Estimator{Kind: SwitchDR, Lambda: 2}, (2.15 + 0.2 - 0.6 + 0) / 4, "w ≤ 2 keeps rounds 0, 1, 3 (2 ≤ 2 inclusive)"},
		{Estimator{Kind: SwitchDR, Lambda: 1.9}, (2.15 + 0.2 + 0) / 4, "w ≤ 1.9 keeps rounds 0 and 3"},
		{Estimator{Kind: SwitchDR, Lambda: 1e-9}, (2.15 + 0) / 4, "only w=0 kept: equals DM"},
	}
	for _, c := range cases {
		t.Run(c.est.Name(), func(t *testing.T) {
			got, err := c.est.Estimate(in)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-c.want) > tol {
				t.Errorf("%s = %.15g, want %.15g (%s)", c.est.Name(), got, c.want, c.why)
			}
		})
	}
}

func TestTermsReproduceEstimate(t *testing.T) {
	in := tinyInputs()
	for _, e := range DefaultEstimators(5, 2) {
		tm, err := e.Terms(in)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := e.Estimate(in)
		if tm.Value() != v {
			t.Errorf("%s: Terms.Value %v != Estimate %v", e.Name(), tm.Value(), v)
		}
		if (tm.D != nil) != e.SelfNormalized() {
			t.Errorf("%s: self-normalised terms present = %v", e.Name(), tm.D != nil)
		}
	}
}

func TestDiagnosticsHandComputed(t *testing.T) {
	const tol = 1e-12
	in := tinyInputs()
	rep, err := Evaluate(in.Log, in.ActionDist, in.EstimatedRewards, Options{Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Diagnostics
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mean weight", d.MeanWeight, 12.5 / 4},
		{"max weight", d.MaxWeight, 10},
		{"ESS", d.ESS, 12.5 * 12.5 / 104.25},
		{"ESS share", d.ESSShare, 12.5 * 12.5 / 104.25 / 4},
		{"never-taken share", d.NeverTakenShare, 0.25},     // round 3: π_e(0)=0
		{"unsupported mass", d.UnsupportedMass, 0.5 / 4},   // round 0: π_e(1)=.5, π_b(1)=0
		{"unsupported share", d.UnsupportedShare, 1.0 / 4}, // round 0 only
		{"n", float64(d.N), 4},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	// 3 matched decisions, ESS 1.5 and 12.5% unsupported mass each warn;
	// the mean weight 3.125 is within 3 standard errors (≈7) of 1, and the
	// max weight 10 is below 100, so those do not.
	wantWarn := []string{"only 3 of 4 logged decisions", "effective sample size is 1.5", "12.5% of the policy's choices"}
	if len(d.Warnings) != len(wantWarn) {
		t.Fatalf("warnings = %q, want %d", d.Warnings, len(wantWarn))
	}
	for i, w := range wantWarn {
		if !strings.Contains(d.Warnings[i], w) {
			t.Errorf("warning %d = %q, want it to mention %q", i, d.Warnings[i], w)
		}
	}
	for _, r := range rep.Results {
		if !math.IsNaN(r.Low) || r.Replicates != 0 {
			t.Errorf("%s: interval without bootstrap: %v %v", r.Name, r.Low, r.Replicates)
		}
	}
}

func TestNoWarningsOnWellSupportedLog(t *testing.T) {
	s := worldA().draw(20000, 3)
	rep, err := Evaluate(s.log, s.actionDist, s.qTrue, Options{Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diagnostics.Warnings) != 0 {
		t.Errorf("warnings on a well-supported log: %q", rep.Diagnostics.Warnings)
	}
	if rep.Diagnostics.UnsupportedMass != 0 {
		t.Errorf("unsupported mass %v, want 0 (π_b > 0 everywhere)", rep.Diagnostics.UnsupportedMass)
	}
	if m := rep.Diagnostics.MeanWeight; math.Abs(m-1) > 0.05 {
		t.Errorf("mean weight %v, want ≈1 (±0.05)", m)
	}
}

func TestInvalidInputs(t *testing.T) {
	good := tinyInputs()
	mod := func(f func(in *Inputs)) Inputs {
		in := tinyInputs()
		l := *in.Log
		in.Log = &l
		f(&in)
		return in
	}
	cases := []struct {
		name string
		in   Inputs
		est  Estimator
		want string
	}{
		{"ok", good, Estimator{Kind: DR}, ""},
		{"zero propensity", mod(func(in *Inputs) { in.Log.Pscore = []float64{0, 0.25, 0.1, 0.8} }), Estimator{Kind: IPW}, "propensities must lie in (0,1]"},
		{"action out of range", mod(func(in *Inputs) { in.Log.Actions = []int{0, 2, 1, 0} }), Estimator{Kind: IPW}, "outside 0..1"},
		{"short rewards", mod(func(in *Inputs) { in.Log.Rewards = []float64{1} }), Estimator{Kind: IPW}, "every round needs all three"},
		{"policy row not summing to 1", mod(func(in *Inputs) { in.ActionDist = []float64{0.5, 0.6, 0.5, 0.5, 0, 1, 0, 1} }), Estimator{Kind: IPW}, "sums to 1.1"},
		{"no reward model", mod(func(in *Inputs) { in.EstimatedRewards = nil }), Estimator{Kind: DR}, "fit one with FitRewardModel"},
		{"no reward model ok for snipw", mod(func(in *Inputs) { in.EstimatedRewards = nil }), Estimator{Kind: SNIPW}, ""},
		{"NaN reward model", mod(func(in *Inputs) { in.EstimatedRewards = []float64{math.NaN(), 0, 0, 0, 0, 0, 0, 0} }), Estimator{Kind: DM}, "finite values"},
		{"lambda on snipw", good, Estimator{Kind: SNIPW, Lambda: 3}, "takes no threshold"},
		{"negative lambda", good, Estimator{Kind: IPW, Lambda: -1}, "invalid"},
		{"empty log", Inputs{Log: &Log{K: 2}}, Estimator{Kind: IPW}, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.est.Estimate(c.in)
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestNamesAndParse(t *testing.T) {
	for _, c := range []struct {
		e    Estimator
		name string
	}{
		{Estimator{Kind: DM}, "dm"},
		{Estimator{Kind: IPW, Lambda: 10}, "ipw(λ=10)"},
		{Estimator{Kind: SwitchDR, Lambda: 100}, "switch-dr(τ=100)"},
		{Estimator{Kind: SNDR}, "sndr"},
	} {
		if got := c.e.Name(); got != c.name {
			t.Errorf("Name = %q, want %q", got, c.name)
		}
		k, err := ParseKind(c.e.Kind.String())
		if err != nil || k != c.e.Kind {
			t.Errorf("ParseKind(%q) = %v, %v", c.e.Kind, k, err)
		}
	}
	if _, err := ParseKind("ips"); err == nil {
		t.Error("ParseKind accepted an unknown name")
	}
}
