package decisionlog_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/ope"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// writeSyntheticLog writes n decisions in the documented decision-log
// format, shaped like the sample's (two triggers, ten ctx_* columns, the
// logging policy randomising over the consented actions with the
// sample's weights).
func writeSyntheticLog(tb testing.TB, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "decision_id,customer_id,timestamp,trigger,ctx_recency_days,ctx_orders_90d,ctx_cart_value,ctx_loyalty_tier,ctx_region,ctx_last_channel,ctx_consent_email,ctx_consent_sms,ctx_consent_push,ctx_consent_call,action,propensity,converted,revenue,cost,reward")
	r := rand.New(rand.NewPCG(1, 2))
	actions := []string{"none", "email_offer", "sms_discount", "push_reminder", "call_back"}
	weights := map[string][]float64{"cart_abandon": {15, 30, 25, 20, 10}, "lapse": {25, 35, 15, 15, 10}}
	tiers := []string{"", "bronze", "silver", "gold"}
	regions := []string{"North", "Midlands", "London", "South East", "South West", "Wales", "Scotland"}
	chans := []string{"web", "app", "store", "call_centre", "sms"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		trig := "cart_abandon"
		cart := 20 + r.Float64()*400
		if r.IntN(2) == 0 {
			trig, cart = "lapse", 0
		}
		consent := [4]bool{r.Float64() < 0.8, r.Float64() < 0.6, r.Float64() < 0.4, r.Float64() < 0.7}
		wts := weights[trig]
		tot := wts[0]
		for a := 1; a < 5; a++ {
			if consent[a-1] {
				tot += wts[a]
			}
		}
		u := r.Float64() * tot
		a := 0
		for ; a < 4; a++ {
			if a == 0 || consent[a-1] {
				if u < wts[a] {
					break
				}
				u -= wts[a]
			}
		}
		if a > 0 && !consent[a-1] {
			a = 0
		}
		p := wts[a] / tot
		conv := r.Float64() < 0.08+0.04*float64(a%3)
		rev, cost := 0.0, []float64{0, 0.1, 0.4, 0.02, 4}[a]
		if conv {
			rev = 60
			if cart > 0 {
				rev = cart
			}
		}
		if a == 2 {
			cost += 0.1 * rev
		}
		ts := base.Add(time.Duration(r.Int64N(170*24*3600)) * time.Second).Format(time.RFC3339)
		fmt.Fprintf(w, "D%016x,C%07d,%s,%s,%d,%d,%.2f,%s,%s,%s,%t,%t,%t,%t,%s,%s,%d,%.2f,%.3f,%.3f\n",
			i, r.IntN(n/2+1), ts, trig, r.IntN(200), r.IntN(6), cart, tiers[r.IntN(4)], regions[r.IntN(7)], chans[r.IntN(5)],
			consent[0], consent[1], consent[2], consent[3], actions[a], strconv.FormatFloat(p, 'g', -1, 64),
			map[bool]int{false: 0, true: 1}[conv], rev, cost, rev-cost)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// benchPolicies: a targeted decision table, an arbitration with fitted
// propensities and a warm-started epsilon-greedy learner.
const benchPolicies = `
policies:
  - name: targeted table
    type: decision_table
    inputs: [{name: trigger, type: string}, {name: cart_value, type: number}, {name: last_channel, type: string}]
    rules:
      - {when: {trigger: '"cart_abandon"', cart_value: ">= 200"}, action: call_back}
      - {when: {last_channel: '"app"'}, action: push_reminder}
    default: email_offer
  - name: next best action
    type: arbitration
    candidates:
      - {action: call_back, eligible: {trigger: '"cart_abandon"'}, propensity: fitted, value: {feature: cart_value}}
      - {action: email_offer, propensity: fitted, value: 85}
      - {action: sms_discount, propensity: fitted, value: 45}
  - name: epsilon-greedy
    type: epsilon_greedy
    cells: [trigger, loyalty_tier]
    warm_start: true
`

// BenchmarkOPE1M runs `workbench ope` end to end on a 1,000,000-decision
// CSV: read the log, fit the cross-fitted ridge reward model, compute the
// three policies' action distributions (cross-fitted over 5 folds), and
// run DM, IPW, SNIPW, DR, SNDR and Switch-DR with 1,000 bootstrap
// resamples for each policy. It reports the seconds of each stage;
// est-s/policy is the estimators and bootstrap per policy.
func BenchmarkOPE1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "decisions.csv")
	writeSyntheticLog(b, path, 1_000_000)
	build := func(ctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ParseWith(strings.NewReader(benchPolicies), ctx)
		if err != nil {
			return nil, err
		}
		return f.Policies, nil
	}
	b.ResetTimer()
	var read, model, pols, est time.Duration
	for b.Loop() {
		t0 := time.Now()
		l, err := decisionlog.ReadCSV(path, policy.DefaultActions())
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(t0)
		res, tm, err := decisionlog.Evaluate(l, build, decisionlog.Options{Bootstrap: 1000, Seed: 1,
			RewardModel: ope.RewardModelOptions{Kind: ope.RidgePerAction}})
		if err != nil {
			b.Fatal(err)
		}
		if len(res) != 3 || res[0].Report.Results[0].Replicates != 1000 {
			b.Fatalf("unexpected result %+v", res)
		}
		model += tm.RewardModel
		pols += tm.Policies
		est += tm.Estimators
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()/n, "read-s")
	b.ReportMetric(model.Seconds()/n, "model-s")
	b.ReportMetric(pols.Seconds()/n, "policies-s")
	b.ReportMetric(est.Seconds()/n/3, "est-s/policy")
	b.ReportMetric((read+model+pols+est).Seconds()/n, "total-s")
}

// BenchmarkOPE1MSamplePolicies is `workbench ope --policies
// sim/policy/testdata/sample-policies.yaml` end to end on the same
// 1,000,000-decision CSV: its eleven policies (baselines, the logged
// policy, a table, an arbitration with fitted propensities and three
// warm-started learners), the six default estimators and 1,000 bootstrap
// resamples. total-s is read + reward model + policies + estimators.
func BenchmarkOPE1MSamplePolicies(b *testing.B) {
	path := filepath.Join(b.TempDir(), "decisions.csv")
	writeSyntheticLog(b, path, 1_000_000)
	build := fileBuilder(b, examplePolicies)
	actions, err := policy.ReadActions(examplePolicies)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var read, model, pols, est time.Duration
	for b.Loop() {
		t0 := time.Now()
		l, err := decisionlog.ReadCSV(path, actions)
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(t0)
		res, tm, err := decisionlog.Evaluate(l, build, decisionlog.Options{Bootstrap: 1000, Seed: 1,
			RewardModel: ope.RewardModelOptions{Kind: ope.RidgePerAction, Seed: 1}})
		if err != nil {
			b.Fatal(err)
		}
		if len(res) != 11 || res[0].Report.Results[0].Replicates != 1000 {
			b.Fatalf("unexpected result %+v", res)
		}
		model += tm.RewardModel
		pols += tm.Policies
		est += tm.Estimators
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()/n, "read-s")
	b.ReportMetric(model.Seconds()/n, "model-s")
	b.ReportMetric(pols.Seconds()/n, "policies-s")
	b.ReportMetric(est.Seconds()/n, "est-s")
	b.ReportMetric((read+model+pols+est).Seconds()/n, "total-s")
}
