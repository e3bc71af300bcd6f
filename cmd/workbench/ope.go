package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/ope"
	"github.com/journeyworkbench/workbench/sim/policy"
)

func init() {
	c := &command{
		name:    "ope",
		summary: "estimate the value of policies from the logged decisions (off-policy evaluation)",
		usage:   "--policies FILE [--log decisions.csv | --db FILE] [--estimators dm,ipw,...] [--clip λ] [--tau τ] [--reward-model tabular|ridge|ridge-pooled] [--folds 3] [--bootstrap 1000] [--seed S] [--format table|csv|json]",
	}
	c.run = func(args []string, stdout, stderr io.Writer) error { return runOPE(c, args, stdout, stderr) }
	register(c)
}

const opeHelp = `
Scores every policy of a policy file on decisions the current engine logged,
without running the policies: off-policy evaluation. The value of a policy π
is the mean reward per decision it would have earned on the logged contexts.

Notation: decision i saw context x_i, the engine took a_i with propensity
p_i and observed reward r_i; w_i = π(a_i|x_i)/p_i is its importance weight,
ŵ_i = min(w_i, λ) the clipped weight, q̂(x,a) the reward model's prediction
(cross-fitted over --folds folds) and q̂(x,π) = Σ_a π(a|x) q̂(x,a). The
estimators, as Open Bandit Pipeline defines them:

  dm         V̂ = (1/n) Σ q̂(x_i,π)
  ipw        V̂ = (1/n) Σ ŵ_i r_i                        (λ = --clip; none by default)
  snipw      V̂ = Σ w_i r_i / Σ w_i
  dr         V̂ = (1/n) Σ [q̂(x_i,π) + ŵ_i (r_i − q̂(x_i,a_i))]
  sndr       V̂ = (1/n) Σ q̂(x_i,π) + Σ w_i (r_i − q̂(x_i,a_i)) / Σ w_i
  switch-dr  V̂ = (1/n) Σ [q̂(x_i,π) + w_i (r_i − q̂(x_i,a_i)) 1{w_i ≤ τ}]

Intervals are percentile bootstrap intervals (95%) over --bootstrap
resamples of the decisions (one draw of resamples shared by every policy
and estimator); std err is the bootstrap standard deviation. DM's interval
includes the reward model's own estimation error (each resample refits the
model, to first order, with leave-one-out residuals), and for a policy that
learns from the log DM's model is fitted only on the policy fold it is
scored on, so the policy cannot pick actions by the model's own noise.
Diagnostics per policy: the mean importance weight
(1 when the policy only takes actions the engine could take), the largest
weight, the effective sample size (Σw)²/Σw², and the share of logged
decisions the policy would never have taken (π(a_i|x_i) = 0). A warning in
plain words says when the support is too thin to trust an estimate.

Policies that learn from the log — an arbitration with 'propensity: fitted',
a learner with 'warm_start: true', the logged policy — are cross-fitted over
--policy-folds folds of customers: each decision is scored with the policy
learnt from the other folds, so a policy is never scored on decisions it
learnt from. A learning policy (epsilon-greedy, Thompson sampling, LinUCB)
is scored as it stands after its warm start: frozen, not learning during
the evaluation. Its OPE value is the value of what it has learnt, not of
the learning process.

The decision log (--log FILE, or the decisions loaded into the database
with 'workbench load') is a CSV with a header: required columns customer_id,
timestamp (ISO-8601), action, propensity (the probability, in (0,1], with
which the engine chose the logged action) and reward; every ctx_* column is
context the engine saw, a feature named without the prefix (ctx_cart_value
→ cart_value; numbers are numbers, true/false booleans, empty missing,
anything else text); optional decision_id, trigger (a feature too),
converted, revenue, cost. For example:

  decision_id,customer_id,timestamp,trigger,ctx_cart_value,ctx_consent_sms,action,propensity,converted,revenue,cost,reward
  D1,C0000001,2026-01-05T10:00:00Z,cart_abandon,54.20,true,sms_discount,0.2777777777777778,1,54.20,5.82,48.38

The policy file (YAML or JSON) lists the actions with their channels, the
contact rules and the policies: decision_table, arbitration, epsilon_greedy,
thompson, linucb, static, single, nothing, uniform, logged. See the README
and sim/policy/testdata/sample-policies.yaml.`

func runOPE(c *command, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(c, opeHelp, stdout)
	db := dbFlag(fs)
	format := formatFlag(fs)
	policies := fs.String("policies", "", "policy file (YAML or JSON) (required)")
	logPath := fs.String("log", "", "decision-log CSV to evaluate on (default: the decisions in the database)")
	estimators := fs.String("estimators", "dm,ipw,snipw,dr,sndr,switch-dr", "comma-separated estimators")
	clip := fs.Float64("clip", 0, "clip IPW and DR weights at λ (0: no clipping)")
	tau := fs.Float64("tau", ope.DefaultSwitchTau, "Switch-DR threshold τ: decisions with weight above τ use the reward model only")
	model := fs.String("reward-model", "ridge", "reward model of DM/DR: ridge (one ridge regression per action), ridge-pooled or tabular (shrunk cell means)")
	folds := fs.Int("folds", ope.DefaultFolds, "cross-fitting folds of the reward model")
	bins := fs.Int("bins", decisionlog.DefaultBins, "quantile bins numeric context is cut into for the reward model (0 keeps numbers)")
	policyFolds := fs.Int("policy-folds", decisionlog.DefaultPolicyFolds, "folds of customers policies that learn from the log are cross-fitted over (1: learn from and score on the whole log)")
	boot := fs.Int("bootstrap", ope.DefaultBootstrap, "bootstrap resamples for the intervals (0: no intervals)")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap, folds and policies")
	timing := fs.Bool("timing", false, "print the time spent in each stage to stderr")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the evaluation to FILE (for go tool pprof)")
	memprofile := fs.String("memprofile", "", "write a profile of the memory allocated by the evaluation to FILE (for go tool pprof -sample_index=alloc_space)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *policies == "" {
		return fmt.Errorf("%w: --policies FILE is required (see sim/policy/testdata/sample-policies.yaml for an example)", errUsage)
	}
	var ests []ope.Estimator
	for _, name := range strings.Split(*estimators, ",") {
		k, err := ope.ParseKind(strings.TrimSpace(name))
		if err != nil {
			return fmt.Errorf("%w: --estimators: %v", errUsage, err)
		}
		e := ope.Estimator{Kind: k}
		switch k {
		case ope.IPW, ope.DR:
			e.Lambda = *clip
		case ope.SwitchDR:
			e.Lambda = *tau
		}
		ests = append(ests, e)
	}
	kind, err := ope.ParseRewardModelKind(*model)
	if err != nil {
		return fmt.Errorf("%w: --reward-model: %v", errUsage, err)
	}
	if *bins == 0 {
		*bins = -1 // Options: negative keeps numbers
	}
	actions, err := policy.ReadActions(*policies)
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}

	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			return fmt.Errorf("--memprofile: %v", err)
		}
		defer func() {
			runtime.GC() // the profile counts allocations up to the last collection
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintf(stderr, "workbench: --memprofile: %v\n", err)
			}
			f.Close()
		}()
	}

	t0 := time.Now()
	var l *decisionlog.Log
	if *logPath != "" {
		l, err = decisionlog.ReadCSV(*logPath, actions)
	} else {
		st, oerr := openExistingDB(*db)
		if oerr != nil {
			return oerr
		}
		defer st.Close()
		l, err = decisionlog.ReadStore(context.Background(), st, actions)
	}
	if err != nil {
		return err
	}
	readTime := time.Since(t0)
	if l.Rejected > 0 {
		fmt.Fprintf(stderr, "workbench: %d malformed rows of the log skipped, e.g. %s\n", l.Rejected, l.FirstRejects[0])
	}
	build := func(ctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ReadFileWith(*policies, ctx)
		if err != nil {
			return nil, err
		}
		return f.Policies, nil
	}
	res, tm, err := decisionlog.Evaluate(l, build, decisionlog.Options{
		Estimators:  ests,
		RewardModel: ope.RewardModelOptions{Kind: kind, Folds: *folds, Seed: *seed},
		Bins:        *bins,
		PolicyFolds: *policyFolds,
		Bootstrap:   bootFlag(*boot),
		Seed:        *seed,
	})
	if err != nil {
		return err
	}
	if *timing {
		fmt.Fprintf(stderr, "read %d decisions %.2fs, reward model %.2fs, policies %.2fs, estimators+bootstrap %.2fs\n",
			l.N(), readTime.Seconds(), tm.RewardModel.Seconds(), tm.Policies.Seconds(), tm.Estimators.Seconds())
	}
	return printOPE(stdout, res, l.N(), *format)
}

// bootFlag maps --bootstrap 0 (no intervals) to the estimators' negative.
func bootFlag(b int) int {
	if b <= 0 {
		return -1
	}
	return b
}

// num turns NaN into an empty cell.
func num(x float64) any {
	if math.IsNaN(x) {
		return nil
	}
	return math.Round(x*10000) / 10000
}

func printOPE(w io.Writer, res []decisionlog.Result, n int, format string) error {
	if format != "table" {
		t := report.New("policy", "estimator", "value", "ci_low", "ci_high", "std_err",
			"mean_weight", "max_weight", "ess", "never_taken_share", "warnings")
		for _, r := range res {
			d := r.Report.Diagnostics
			for _, e := range r.Report.Results {
				t.Add(r.Policy, e.Name, num(e.Value), num(e.Low), num(e.High), num(e.StdErr),
					num(d.MeanWeight), num(d.MaxWeight), num(d.ESS), num(d.NeverTakenShare), strings.Join(d.Warnings, " | "))
			}
		}
		return printTable(w, t, format)
	}
	fmt.Fprintf(w, "Estimated value per decision on %d logged decisions (95%% bootstrap intervals)\n\n", n)
	t := report.New("policy", "estimator", "value", "95% CI", "std err")
	for _, r := range res {
		for _, e := range r.Report.Results {
			ci := ""
			if !math.IsNaN(e.Low) {
				ci = fmt.Sprintf("[%.3f, %.3f]", e.Low, e.High)
			}
			t.Add(r.Policy, e.Name, fmt.Sprintf("%.3f", e.Value), ci, fmtNaN(e.StdErr))
		}
	}
	if err := printTable(w, t, format); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nImportance weights")
	d := report.New("policy", "mean weight", "max weight", "ESS", "ESS %", "never taken %")
	for _, r := range res {
		x := r.Report.Diagnostics
		d.Add(r.Policy, fmt.Sprintf("%.3f", x.MeanWeight), fmt.Sprintf("%.2f", x.MaxWeight), fmt.Sprintf("%.0f", x.ESS),
			fmt.Sprintf("%.1f", 100*x.ESSShare), fmt.Sprintf("%.1f", 100*x.NeverTakenShare))
	}
	if err := printTable(w, d, format); err != nil {
		return err
	}
	first := true
	for _, r := range res {
		for _, msg := range r.Report.Diagnostics.Warnings {
			if first {
				fmt.Fprintln(w, "\nWarnings")
				first = false
			}
			fmt.Fprintf(w, "  %s: %s\n", r.Policy, msg)
		}
	}
	return nil
}

func fmtNaN(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return fmt.Sprintf("%.3f", x)
}
