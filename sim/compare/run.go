package compare

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// RunOptions control RunAll.
type RunOptions struct {
	// Simulate and OPE select the methods; at least one must be set.
	Simulate, OPE bool
	// Only keeps the policies of the file with these names (in the
	// file's order); empty keeps every policy.
	Only []string
	// PolicyData, when set, is the content of the policy file (the path
	// then only names it in messages).
	PolicyData []byte
	// Log, when set, is the decision log to fit and evaluate on; else
	// LogPath names a decision-log CSV; else the store's decisions are read.
	Log     *decisionlog.Log
	LogPath string
	// Customers, HorizonDays, Seed and Workers are the Monte Carlo options
	// (montecarlo.Options; Customers 0 means every customer of the log).
	Customers   int
	HorizonDays int
	Seed        uint64
	Workers     int
	// Refits is the number of environments refitted on resampled customers
	// for the fit uncertainty (env.Bootstrap); 0 gives simulation noise only.
	Refits int
	// RepCustomers is the population of each refit's run (default
	// min(Customers, 20,000)).
	RepCustomers int
	// Sensitivity reruns the simulation under Bounds (default
	// DefaultBounds) and reports how the ranking moves.
	Sensitivity bool
	Bounds      SensitivityBounds
	// Info, when set, receives one-line messages about the run (rows of the
	// log skipped, the simulation's speed).
	Info func(string)
}

// RunResult is the outcome of RunAll: the comparison, the decision log it
// was computed on and the environment fitted to it (nil without the
// simulation).
type RunResult struct {
	Comparison *Comparison
	Log        *decisionlog.Log
	Env        *env.Env
}

// PolicyFile is a policy file read for RunAll: its content and the names
// and types of its policies, in file order.
type PolicyFile struct {
	Path    string
	Data    []byte
	Actions *policy.Actions
	Names   []string
	Types   []string
}

// ReadPolicyFile reads the policy file at path (or data, when not nil)
// and lists its policies without building them: the YAML must decode into
// policy.File with no unknown field and name at least one policy. Building
// the policies (which may need the decision log) is left to CheckPolicies.
func ReadPolicyFile(path string, data []byte) (*PolicyFile, error) {
	if data == nil {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		data = b
	}
	var f policy.File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: policy file: %w", path, err)
	}
	if len(f.Policies) == 0 {
		return nil, fmt.Errorf("%s: policy file has no policies: add a list under `policies:`", path)
	}
	pf := &PolicyFile{Path: path, Data: data, Actions: policy.DefaultActions()}
	if len(f.Actions) > 0 {
		names := f.ActionOrder
		if len(names) == 0 {
			for n := range f.Actions {
				names = append(names, n)
			}
			sort.Strings(names)
		}
		for _, n := range names {
			if _, ok := f.Actions[n]; !ok {
				return nil, fmt.Errorf("%s: action_order names %q, which is not under actions", path, n)
			}
		}
		pf.Actions = &policy.Actions{Names: names, Channel: f.Actions}
	}
	for _, s := range f.Policies {
		pf.Names = append(pf.Names, s.Name)
		pf.Types = append(pf.Types, s.Type)
	}
	return pf, nil
}

// CheckPolicies builds every policy of the file with the decision log's
// build context (as RunAll does) and returns the first error, with the
// file's path and the policy's line.
func (pf *PolicyFile) CheckPolicies(l *decisionlog.Log) error {
	var ctx *policy.Context
	if l != nil {
		ctx = l.Context()
	}
	_, err := policy.ParseWith(bytes.NewReader(pf.Data), ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", pf.Path, err)
	}
	return nil
}

// only returns the file's content with the policies not named in keep
// removed from its `policies:` list (keep empty: the content unchanged).
func (pf *PolicyFile) only(keep []string) ([]byte, error) {
	if len(keep) == 0 {
		return pf.Data, nil
	}
	want := map[string]bool{}
	for _, n := range keep {
		want[n] = true
	}
	for _, n := range keep {
		found := false
		for _, m := range pf.Names {
			found = found || m == n
		}
		if !found {
			return nil, fmt.Errorf("%s has no policy named %q", pf.Path, n)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(pf.Data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the policy file is not a mapping", pf.Path)
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "policies" {
			continue
		}
		seq := m.Content[i+1]
		var kept []*yaml.Node
		for _, item := range seq.Content {
			var s struct {
				Name string `yaml:"name"`
			}
			if err := item.Decode(&s); err == nil && want[s.Name] {
				kept = append(kept, item)
			}
		}
		seq.Content = kept
	}
	return yaml.Marshal(&doc)
}

// ReadLog reads the decision log RunAll fits on: opt.Log when set, the CSV
// at opt.LogPath, or every decision of st, indexed in actions.
func ReadLog(ctx context.Context, st *store.Store, actions *policy.Actions, opt RunOptions) (*decisionlog.Log, error) {
	switch {
	case opt.Log != nil:
		return opt.Log, nil
	case opt.LogPath != "":
		return decisionlog.ReadCSV(opt.LogPath, actions)
	case st == nil:
		return nil, fmt.Errorf("no decision log: open a database with decisions or name a decision-log CSV")
	}
	return decisionlog.ReadStore(ctx, st, actions)
}

// RunAll compares the policies of a policy file as `workbench simulate`
// does: it reads the decision log (ReadLog), and then
//
//   - with opt.Simulate, fits the environment (env.Fit) and opt.Refits
//     replicates on resampled customers (env.Bootstrap), and runs the
//     policies on them (SimulateEnv: net value per customer with
//     intervals value ± t·√(SE²_MC + Var_fit));
//   - with opt.OPE, scores the policies on the logged decisions
//     (EvaluateOPE, doubly robust, mean reward per decision);
//   - with opt.Sensitivity, reruns the simulation with perturbed costs
//     and uplifts (Sensitize);
//
// and combines them (Combine) with the verdict of each method. progress,
// when set, hears every stage; ctx cancels the simulation between shards
// (the off-policy evaluation, once started, runs to its end).
func RunAll(ctx context.Context, st *store.Store, policyFile string, opt RunOptions, progress func(Progress)) (*RunResult, error) {
	if !opt.Simulate && !opt.OPE {
		return nil, fmt.Errorf("choose a method: simulation, off-policy evaluation or both")
	}
	if opt.HorizonDays <= 0 {
		opt.HorizonDays = 90
	}
	info := opt.Info
	if info == nil {
		info = func(string) {}
	}
	stage := func(name string) {
		if progress != nil {
			progress(Progress{Stage: name})
		}
	}
	pf, err := ReadPolicyFile(policyFile, opt.PolicyData)
	if err != nil {
		return nil, err
	}
	data, err := pf.only(opt.Only)
	if err != nil {
		return nil, err
	}
	stage("reading the decision log")
	l, err := ReadLog(ctx, st, pf.Actions, opt)
	if err != nil {
		return nil, err
	}
	if l.N() == 0 {
		return nil, fmt.Errorf("the decision log is empty: load a decisions file (the sample's decisions.csv) with `workbench load`")
	}
	if l.Rejected > 0 && len(l.FirstRejects) > 0 {
		info(fmt.Sprintf("%d malformed rows of the log skipped, e.g. %s", l.Rejected, l.FirstRejects[0]))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Build once with the whole log so that errors name the file's lines.
	if err := pf.CheckPolicies(l); err != nil {
		return nil, err
	}
	buildWith := func(pctx *policy.Context) ([]policy.Policy, error) {
		f, err := policy.ParseWith(bytes.NewReader(data), pctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", policyFile, err)
		}
		return f.Policies, nil
	}
	build := func() ([]policy.Policy, error) { return buildWith(l.Context()) }
	res := &RunResult{Log: l}
	mopt := montecarlo.Options{Customers: opt.Customers, HorizonDays: opt.HorizonDays, Seed: opt.Seed, Workers: opt.Workers}
	var so *SimOutcome
	if opt.Simulate {
		stage("fitting the environment")
		if res.Env, err = env.Fit(l, env.FitOptions{}); err != nil {
			return nil, err
		}
		var reps []*env.Env
		if opt.Refits > 0 {
			stage(fmt.Sprintf("fitting %d replicate environments", opt.Refits))
			if reps, err = env.Bootstrap(l, res.Env, env.FitOptions{}, opt.Refits, opt.Seed); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := opt.Customers
		if n <= 0 {
			n = len(res.Env.Customers)
		}
		rc := opt.RepCustomers
		if rc <= 0 {
			rc = min(n, 20000)
		}
		if so, err = SimulateEnv(ctx, res.Env, reps, build, mopt, rc, progress); err != nil {
			return nil, err
		}
		info(fmt.Sprintf("simulated %d customers × %d days × %d runs in %.1fs (%.0f customer-days/s on %d workers)",
			so.Result.Customers, opt.HorizonDays, len(so.Result.Policies)+1, so.Result.Elapsed.Seconds(), so.Result.StepsPerSecond(), so.Result.Workers))
	}
	var oo *OPEOutcome
	if opt.OPE {
		stage("off-policy evaluation")
		if oo, err = evaluateOPE(ctx, l, buildWith, OPEOptions{Seed: opt.Seed}); err != nil {
			return nil, err
		}
	}
	res.Comparison = Combine(so, oo)
	if opt.Sensitivity && opt.Simulate {
		sopt := mopt
		sopt.Customers = min(max(opt.Customers, len(res.Env.Customers)), 20000)
		b := opt.Bounds
		if len(b.CostFactors) == 0 && len(b.UpliftFactors) == 0 {
			b = DefaultBounds()
		}
		if res.Comparison.Sensitivity, err = Sensitize(ctx, res.Env, build, sopt, b, progress); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// evaluateOPE runs EvaluateOPE and returns early with ctx's error when ctx
// is cancelled first (the evaluation then finishes in the background and
// its result is dropped).
func evaluateOPE(ctx context.Context, l *decisionlog.Log, build decisionlog.BuildFunc, opt OPEOptions) (*OPEOutcome, error) {
	type out struct {
		o   *OPEOutcome
		err error
	}
	ch := make(chan out, 1)
	go func() {
		o, err := EvaluateOPE(l, build, opt)
		ch <- out{o, err}
	}()
	select {
	case r := <-ch:
		return r.o, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
