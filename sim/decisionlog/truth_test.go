package decisionlog_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/ope"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// examplePolicies is the worked example the README documents.
var examplePolicies = filepath.Join("..", "policy", "testdata", "sample-policies.yaml")

// seedOutcome is one policy's truth and estimates on one generated sample.
type seedOutcome struct {
	truth float64
	est   map[string]ope.Result
}

// truthCustomers is the size of each generated sample in the coverage
// test: about 2,200 logged decisions.
const truthCustomers = 1000

// evalSeed generates the sample of the seed, reads its decision log,
// builds the example policies on it, and returns per policy the true value
// on the logged contexts,
//
//	V(π) = (1/n) Σ_i Σ_a π(a|x_i) E[r | x_i, a],
//
// with E[r|x_i,a] from truth/decisions_truth.csv (the generator's own
// response model), and the OPE estimates.
func evalSeed(t testing.TB, seed int64, bootstrap int) (names []string, out map[string]seedOutcome) {
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: truthCustomers, Seed: seed}, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := sample.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := decisionlog.ReadCSV(filepath.Join(dir, "decisions.csv"), policy.DefaultActions())
	if err != nil {
		t.Fatal(err)
	}
	if l.N() != len(tr.Decisions) || l.Rejected != 0 {
		t.Fatalf("read %d decisions (%d rejected), truth has %d", l.N(), l.Rejected, len(tr.Decisions))
	}
	byID := map[string]*sample.DecisionTruth{}
	for i := range tr.Decisions {
		byID[tr.Decisions[i].ID] = &tr.Decisions[i]
	}
	build := fileBuilder(t, examplePolicies)
	res, _, err := decisionlog.Evaluate(l, build, decisionlog.Options{
		RewardModel: ope.RewardModelOptions{Kind: ope.RidgePerAction, Seed: uint64(seed)},
		Bootstrap:   bootstrap, Seed: uint64(seed)})
	if err != nil {
		t.Fatal(err)
	}
	// The same cross-fitted policies the estimates are of.
	pnames, dists, err := l.CrossFitDists(build, decisionlog.DefaultPolicyFolds, uint64(seed))
	if err != nil {
		t.Fatal(err)
	}
	out = map[string]seedOutcome{}
	actions := policy.DefaultActions()
	K := len(actions.Names)
	for pi, name := range pnames {
		ad := dists[pi]
		v := 0.0
		for i := 0; i < l.N(); i++ {
			d := byID[l.ID[i]]
			if d == nil {
				t.Fatalf("decision %s is not in the truth", l.ID[i])
			}
			for a, an := range actions.Names {
				v += ad[i*K+a] * d.ExpectedReward[an]
			}
		}
		o := seedOutcome{truth: v / float64(l.N()), est: map[string]ope.Result{}}
		for _, r := range res[pi].Report.Results {
			o.est[r.Name] = r
		}
		names = append(names, name)
		out[name] = o
	}
	return names, out
}

// fileBuilder builds the policies of a policy file.
func fileBuilder(t testing.TB, path string) decisionlog.BuildFunc {
	return func(ctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ReadFileWith(path, ctx)
		if err != nil {
			return nil, err
		}
		return f.Policies, nil
	}
}

// TestCoverageOnSampleTruth is the ground-truth test of off-policy
// evaluation: on 20 generated samples (seeds 1…20, 1,000 customers,
// about 2,200 logged decisions each) every policy of the example policy
// file is scored, and its 95% bootstrap interval is compared with the true
// value computed from the generator's response model.
//
// Policies are cross-fitted over 5 folds of customers (the default), and
// the truth is that of the same cross-fitted policies.
//
// Claim: for each estimator — DM, IPW, SNIPW, DR, SNDR and Switch-DR —
// pooled over the policies, the interval contains the truth in at least
// 85% of the (policy, sample) pairs — 17 of 20 per policy on average — and
// for every single policy in at least 15 of 20 (a floor against one policy
// failing badly; 16 of 20 happens by chance for one of a dozen policies).
// DM is held to the same claim because its interval includes the reward
// model's estimation error (ope.RewardModel.DMTerms) and learners' DM uses
// a model fitted within their own policy fold (see Evaluate); with the
// model held fixed it covered in 18% of the pairs.
func TestCoverageOnSampleTruth(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 4
	}
	type cell struct {
		covered, n int
		truth, est float64
	}
	var mu sync.Mutex
	cells := map[string]*cell{}
	var order []string
	estNames := []string{"dm", "ipw", "snipw", "dr", "sndr", "switch-dr(τ=100)"}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for s := 1; s <= seeds; s++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(seed int64) {
			defer wg.Done()
			defer func() { <-sem }()
			names, out := evalSeed(t, seed, 300)
			mu.Lock()
			defer mu.Unlock()
			if order == nil {
				order = names
			}
			for _, p := range names {
				o := out[p]
				for _, e := range estNames {
					r, ok := o.est[e]
					if !ok {
						t.Errorf("seed %d, %s: estimator %s missing", seed, p, e)
						continue
					}
					k := p + "\x00" + e
					c := cells[k]
					if c == nil {
						c = &cell{}
						cells[k] = c
					}
					c.n++
					c.truth += o.truth
					c.est += r.Value
					if r.Low <= o.truth && o.truth <= r.High {
						c.covered++
					}
				}
			}
		}(int64(s))
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d samples of %d customers; mean truth, mean estimate and 95%% interval coverage\n", seeds, truthCustomers)
	fmt.Fprintf(&b, "%-18s %-17s %9s %9s %8s\n", "policy", "estimator", "truth", "estimate", "covered")
	floor := int(math.Ceil(0.75 * float64(seeds)))
	pooled, pooledN := map[string]int{}, map[string]int{}
	for _, p := range order {
		for _, e := range estNames {
			c := cells[p+"\x00"+e]
			fmt.Fprintf(&b, "%-18s %-17s %9.3f %9.3f %5d/%d\n", p, e, c.truth/float64(c.n), c.est/float64(c.n), c.covered, c.n)
			pooled[e] += c.covered
			pooledN[e] += c.n
			if c.covered < floor {
				t.Errorf("%s, %s: the 95%% interval covered the truth in %d of %d samples, want ≥ %d", p, e, c.covered, c.n, floor)
			}
		}
	}
	for _, e := range estNames {
		share := float64(pooled[e]) / float64(pooledN[e])
		fmt.Fprintf(&b, "pooled over policies: %-17s %d/%d = %.1f%%\n", e, pooled[e], pooledN[e], 100*share)
		if share < 0.85 {
			t.Errorf("%s: pooled coverage %.1f%%, want ≥ 85%%", e, 100*share)
		}
	}
	t.Log("\n" + b.String())
}

// TestLoggedPolicyIsOnPolicyMean: the logged policy's importance weights
// are exactly 1 on the log, so IPW and SNIPW equal the mean logged reward
// (to 1e-9), and its action distribution on every logged decision puts
// the logged propensity on the logged action.
func TestLoggedPolicyIsOnPolicyMean(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 400, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	l, err := decisionlog.ReadCSV(filepath.Join(dir, "decisions.csv"), policy.DefaultActions())
	if err != nil {
		t.Fatal(err)
	}
	const file = "policies:\n  - {name: logged, type: logged, ignore_contact_rules: true}\n"
	pf, err := policy.ParseWith(strings.NewReader(file), l.Context())
	if err != nil {
		t.Fatal(err)
	}
	build := func(ctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ParseWith(strings.NewReader(file), ctx)
		if err != nil {
			return nil, err
		}
		return f.Policies, nil
	}
	res, _, err := decisionlog.Evaluate(l, build, decisionlog.Options{
		Estimators: []ope.Estimator{{Kind: ope.IPW}, {Kind: ope.SNIPW}}, Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, r := range l.Reward {
		mean += r
	}
	mean /= float64(l.N())
	for _, r := range res[0].Report.Results {
		if math.Abs(r.Value-mean) > 1e-9 {
			t.Errorf("%s of the logged policy = %.12f, want the on-policy mean %.12f", r.Name, r.Value, mean)
		}
	}
	d := res[0].Report.Diagnostics
	if math.Abs(d.MeanWeight-1) > 1e-12 || math.Abs(d.MaxWeight-1) > 1e-12 || d.NeverTakenShare != 0 {
		t.Errorf("weights of the logged policy: mean %v max %v never-taken %v, want 1, 1, 0", d.MeanWeight, d.MaxWeight, d.NeverTakenShare)
	}
	ad := l.ActionDist(pf.Policies[0])
	K := len(pf.Actions.Names)
	for i := 0; i < l.N(); i++ {
		if ad[i*K+l.Action[i]] != l.Propensity[i] {
			t.Fatalf("decision %d: π(logged action) = %v, want the propensity %v", i, ad[i*K+l.Action[i]], l.Propensity[i])
		}
	}
	// Off the log (no Logged field) it is the empirical frequency of its
	// cell; the sample's logging policy depends only on the cell, so the
	// frequencies are close to the propensities (within 0.1 on ≥ 30
	// decisions of a cell).
	var s policy.State
	l.State(0, &s)
	s.Logged = nil
	p := make([]float64, K)
	pf.Policies[0].Probs(&s, p)
	sum := 0.0
	for _, x := range p {
		sum += x
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("off-log probabilities sum to %v", sum)
	}
	keys := map[string]bool{}
	for i := 0; i < l.N(); i++ {
		var si policy.State
		l.State(i, &si)
		keys[string(policy.CellKey(nil, &si))] = true
	}
	ks := make([]string, 0, len(keys))
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) < 2 {
		t.Errorf("only %d logging cells: %v", len(ks), ks)
	}
}
