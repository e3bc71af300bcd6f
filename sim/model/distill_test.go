package model

import (
	"math/rand/v2"
	"testing"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// statesOf makes n states over benchInputs with random values.
func statesOf(n int, rng *rand.Rand) []policy.State {
	out := make([]policy.State, n)
	for i := range out {
		v := randomValues(rng)
		out[i].Features = map[string]policy.Value{}
		for j, in := range benchInputs {
			out[i].Features[in.Name] = v[j]
		}
	}
	return out
}

// TestDistillRecoversTable distils a policy that is itself a small tree
// (a FIRST table on cart_value, trigger and consent_sms). A depth-4 tree (trigger, cart value twice, consent)
// can represent it exactly, so the distilled table must agree with it on
// every held-out state; at depth 1 it cannot, and fidelity must fall
// below 1 but stay at least the majority share.
func TestDistillRecoversTable(t *testing.T) {
	as := policy.DefaultActions()
	in := []policy.Input{{Name: "cart_value", Type: policy.Number}, {Name: "trigger", Type: policy.String}, {Name: "consent_sms", Type: policy.Bool}}
	tests := func(s ...string) []policy.Test {
		out := make([]policy.Test, len(in))
		for j := range in {
			out[j] = policy.MustTest(s[j], in[j].Type)
		}
		return out
	}
	truth, err := policy.NewTable("truth", policy.First, in, []policy.Rule{
		{Tests: tests(">= 200", `"cart_abandon"`, "-"), Action: "call_back"},
		{Tests: tests("< 80", "-", "true"), Action: "sms_discount"},
		{Tests: tests("-", `"lapse"`, "-"), Action: "email_offer"},
	}, "push_reminder", as)
	if err != nil {
		t.Fatal(err)
	}
	states := statesOf(5000, rand.New(rand.NewPCG(9, 10)))
	m, err := Distill(truth, as, states, DistillOptions{MaxDepth: 4, MinLeaf: 5, StatesNote: "random"})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Meta.Distilled
	if d.Fidelity != 1 || d.HeldOutFidelity != 1 {
		for _, r := range m.Table.Rules {
			var ts []string
			for j, x := range r.Tests {
				ts = append(ts, m.Table.Inputs[j].Name+" "+x.FEEL())
			}
			t.Log(ts, r.Action, r.Annotation)
		}
		t.Fatalf("depth 4: fidelity %.4f / held out %.4f, want 1 / 1", d.Fidelity, d.HeldOutFidelity)
	}
	if d.TrainStates+d.HeldOutStates != 5000 || d.HeldOutStates != 1000 {
		t.Errorf("split %d + %d", d.TrainStates, d.HeldOutStates)
	}
	m1, err := Distill(truth, as, states, DistillOptions{MaxDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Majority share of the truth's actions: the fidelity floor.
	counts := map[int]int{}
	for i := range states {
		a, _ := truth.Decide(&states[i])
		counts[a]++
	}
	maj := 0
	for _, c := range counts {
		maj = max(maj, c)
	}
	f1 := m1.Meta.Distilled.Fidelity
	if f1 >= 1 || f1 < float64(maj)/5000-0.02 || len(m1.Table.Rules) != 2 {
		t.Errorf("depth 1: fidelity %.4f (majority %.4f), %d rules", f1, float64(maj)/5000, len(m1.Table.Rules))
	}
}

func TestRoundBetween(t *testing.T) {
	for _, c := range []struct{ lo, hi, want float64 }{
		{79.5, 80.2, 80}, {0, 1, 1}, {1, 2, 2}, {12.34, 12.36, 12.35}, {150, 400, 200}, {-3.2, -1.5, -3}, {0.0021, 0.0029, 0.0022},
	} {
		if got := roundBetween(c.lo, c.hi); got != c.want {
			t.Errorf("roundBetween(%g, %g) = %g, want %g", c.lo, c.hi, got, c.want)
		}
	}
}
