package decisionlog_test

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// smallLog: five decisions added out of time order for two customers.
func smallLog(t *testing.T) *decisionlog.Log {
	l := decisionlog.New(policy.DefaultActions())
	add := func(id, cust string, tm int64, trig string, ctx map[string]string, action string) {
		if err := l.Add(id, cust, tm, trig, ctx, action, 0.5, float64(tm), false); err != nil {
			t.Fatal(err)
		}
	}
	add("d1", "C1", 3000, "lapse", map[string]string{"tier": "gold", "cart": "12.5"}, "email_offer")
	add("d2", "C1", 1000, "cart_abandon", map[string]string{"tier": "silver", "cart": "80"}, "sms_discount")
	add("d3", "C2", 2000, "lapse", map[string]string{"tier": "", "cart": "true"}, "push_reminder")
	add("d4", "C1", 2000, "lapse", map[string]string{"tier": "gold"}, "none")
	add("d5", "C2", 500, "lapse", map[string]string{"tier": "gold", "cart": "1"}, "call_back")
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestStateOrderAndContacts: decisions keep their index after Finish
// (which stores them in time order), features read back as added, and
// each state's contacts are the customer's earlier contacting decisions,
// oldest first.
func TestStateOrderAndContacts(t *testing.T) {
	l := smallLog(t)
	feats := l.Features()
	if !slices.Equal(feats, []string{"trigger", "cart", "tier"}) {
		t.Fatalf("features %v", feats)
	}
	texts := [][]string{{"lapse", "12.5", "gold"}, {"cart_abandon", "80", "silver"}, {"lapse", "true", ""}, {"lapse", "", "gold"}, {"lapse", "1", "gold"}}
	for i, want := range texts {
		for j := range feats {
			if got := l.Text(i, j); got != want[j] {
				t.Errorf("decision %d feature %s: %q, want %q", i, feats[j], got, want[j])
			}
		}
	}
	var s policy.State
	l.State(0, &s) // d1: C1 at 3000; C1 had sms at 1000 and none at 2000
	if len(s.Contacts) != 1 || s.Contacts[0] != (policy.Contact{Time: 1000, Channel: "sms"}) {
		t.Errorf("contacts of d1: %+v, want sms at 1000", s.Contacts)
	}
	if v := s.Get("cart"); v.Num != 12.5 || s.Get("tier").Str != "gold" || s.Logged.Action != 1 {
		t.Errorf("state of d1: %+v", s)
	}
	l.State(2, &s) // d3: C2 at 2000; C2 had a call at 500
	if len(s.Contacts) != 1 || s.Contacts[0].Channel != "call" || !s.Get("cart").Bool || !s.Get("tier").Missing {
		t.Errorf("state of d3: %+v", s)
	}
	// The build context visits decisions in time order (ties in log order).
	var times []int64
	var rewards []float64
	if err := l.Context().Each(func(d *policy.Logged) error {
		times = append(times, d.State.Time)
		rewards = append(rewards, d.Reward)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(times, []int64{500, 1000, 2000, 2000, 3000}) || !slices.Equal(rewards, []float64{500, 1000, 2000, 2000, 3000}) {
		t.Errorf("Each visited times %v rewards %v", times, rewards)
	}
	var acts []int
	if err := l.Context().EachOutcome(func(a int, _, _ float64, _ bool) error { acts = append(acts, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(acts, []int{4, 2, 3, 0, 1}) {
		t.Errorf("EachOutcome visited actions %v, want 4 2 3 0 1", acts)
	}
}

// TestCrossFitDistsWorkers: the cross-fitted distributions do not depend
// on how many goroutines build the folds.
func TestCrossFitDistsWorkers(t *testing.T) {
	l := smallLog(t)
	const file = "policies:\n  - {name: eg, type: epsilon_greedy, cells: [trigger], warm_start: true, warm_weights: plain}\n  - {name: logged, type: logged}\n"
	build := func(ctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ParseWith(strings.NewReader(file), ctx)
		if err != nil {
			return nil, err
		}
		return f.Policies, nil
	}
	prev := runtime.GOMAXPROCS(1)
	_, one, err := l.CrossFitDists(build, 3, 7)
	runtime.GOMAXPROCS(2)
	_, two, err2 := l.CrossFitDists(build, 3, 7)
	runtime.GOMAXPROCS(prev)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	for j := range one {
		if !slices.Equal(one[j], two[j]) {
			t.Errorf("policy %d: 1 worker %v, 2 workers %v", j, one[j], two[j])
		}
	}
}

// TestEachCell: the build context's EachCell visits the decisions Each
// visits, in the same order, with the logged action and the CellKey of
// each decision's state — on a log whose consent columns are true, false,
// missing and not boolean, and over the decisions outside a fold.
func TestEachCell(t *testing.T) {
	l := decisionlog.New(policy.DefaultActions())
	consent := []string{"true", "false", "", "yes"}
	for i := 0; i < 200; i++ {
		ctx := map[string]string{"consent_email": consent[i%4], "consent_sms": consent[i/4%4], "region": []string{"N", "S"}[i%2]}
		trig := []string{"lapse", "cart_abandon", ""}[i%3]
		if err := l.Add("", []string{"C1", "C2", "C3"}[i%3], int64(1000-i%17), trig, ctx, policy.DefaultActions().Names[i%5], 0.5, 1, false); err != nil {
			t.Fatal(err)
		}
	}
	// Before Finish, EachCell visits nothing, as Each does.
	if err := l.Context().EachCell(func([]byte, int) error { t.Fatal("a decision visited before Finish"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	_, dists, err := l.CrossFitDists(func(ctx *policy.Context) ([]policy.Policy, error) {
		var want, got []string
		if err := ctx.Each(func(d *policy.Logged) error {
			want = append(want, string(policy.CellKey(nil, d.State))+"/"+policy.DefaultActions().Names[d.Action])
			return nil
		}); err != nil {
			return nil, err
		}
		if err := ctx.EachCell(func(cell []byte, a int) error {
			got = append(got, string(cell)+"/"+policy.DefaultActions().Names[a])
			return nil
		}); err != nil {
			return nil, err
		}
		if len(want) != ctx.N || !slices.Equal(got, want) {
			t.Errorf("EachCell visited %d decisions, Each %d (N %d); they differ: %v", len(got), len(want), ctx.N, !slices.Equal(got, want))
		}
		p, err := policy.NewLoggedPolicy("logged", policy.DefaultActions(), ctx)
		return []policy.Policy{p}, err
	}, 3, 1)
	if err != nil || len(dists) != 1 {
		t.Fatal(err)
	}
}
