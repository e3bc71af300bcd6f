package decisionlog

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/journeyworkbench/workbench/sim/ope"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// OPELog returns the log in the estimators' array form (actions indexed in
// l.Actions; the logging distribution over the other actions is not known
// from a log, so Behavior is nil).
func (l *Log) OPELog() *ope.Log {
	return &ope.Log{K: len(l.Actions.Names), Actions: l.Action, Rewards: l.Reward, Pscore: l.Propensity}
}

// BuildFunc builds the policies to evaluate from a build context (for a
// policy file: policy.ParseWith on the file with ctx).
type BuildFunc func(ctx *policy.Context) ([]policy.Policy, error)

// DefaultPolicyFolds is the default number of folds policies that learn
// from the log are cross-fitted over.
const DefaultPolicyFolds = 5

// CrossFitDists builds the policies k times, the j-th time from the
// decisions outside fold j (Folds(k, seed)), and returns each policy's
// action distribution where decision i's row comes from the build that
// did not see i's fold:
//
//	π(a|x_i) = π_{−fold(i)}(a|x_i).
//
// A policy that learns from the log (an arbitration with fitted
// propensities, a warm-started learner, the logged policy's frequencies)
// is thereby never scored on a decision it learnt from, so its estimate
// is not flattered by its own overfitting: it estimates the value of the
// policy learnt from (k−1)/k of the log. Policies that read nothing from
// the log are the same in every build. k = 1 builds once from the whole
// log (scored in-sample).
//
// The folds are built and scored concurrently on up to GOMAXPROCS
// goroutines, so build must be safe to call from several goroutines at
// once (a builder that parses a policy file afresh on each call is); the
// result does not depend on the number of goroutines.
func (l *Log) CrossFitDists(build BuildFunc, k int, seed uint64) (names []string, dists [][]float64, err error) {
	names, dists, _, err = l.crossFit(build, k, seed, nil)
	return names, dists, err
}

// crossFit is CrossFitDists also reporting, per policy, whether it learns
// from the log (policy.LearnsFromLog). When onFirst is not nil it is
// called with that report as soon as the first build is made, before the
// policies are scored.
func (l *Log) crossFit(build BuildFunc, k int, seed uint64, onFirst func(learns []bool)) (names []string, dists [][]float64, learns []bool, err error) {
	if k < 1 {
		k = 1
	}
	K := len(l.Actions.Names)
	n := l.N()
	// foldT[t] is the fold of the decision of time rank t.
	var fold []int
	foldT := make([]int8, n)
	if k > 1 {
		fold = l.Folds(k, seed)
		for t, i := range l.order {
			foldT[t] = int8(fold[i])
		}
	}
	var mu sync.Mutex
	errs := make([]error, k)
	// setup records the policies of the first build and checks that the
	// others match it.
	setup := func(pols []policy.Policy) error {
		mu.Lock()
		defer mu.Unlock()
		if dists == nil {
			dists = make([][]float64, len(pols))
			for j, p := range pols {
				names = append(names, p.Name())
				learns = append(learns, policy.LearnsFromLog(p))
				dists[j] = make([]float64, n*K)
			}
			if onFirst != nil {
				onFirst(slices.Clone(learns))
			}
			return nil
		}
		if len(pols) != len(dists) {
			return fmt.Errorf("the policies built differ between folds")
		}
		return nil
	}
	runFold := func(f int) error {
		ctx := l.Context()
		if k > 1 {
			ctx = l.contextExceptT(foldT, int8(f))
		}
		pols, err := build(ctx)
		if err != nil {
			return err
		}
		if err := setup(pols); err != nil {
			return err
		}
		var s policy.State
		for t, i := range l.order {
			if foldT[t] != int8(f) {
				continue
			}
			l.stateAt(t, &s)
			for j, p := range pols {
				p.Probs(&s, dists[j][int(i)*K:(int(i)+1)*K])
			}
		}
		return nil
	}
	// Each worker takes the next fold when it is done with one, so a
	// worker slowed down (its processor shared) builds fewer.
	workers := min(runtime.GOMAXPROCS(0), k)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := int(next.Add(1) - 1); f < k; f = int(next.Add(1) - 1) {
				errs[f] = runFold(f)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, nil, err
		}
	}
	return names, dists, learns, nil
}

// ActionDist returns π(a|x_i) for every decision i and action a (n×K,
// row-major) by calling p.Probs on each decision's state in time order (a
// learner is scored as it stands: it is not updated here).
func (l *Log) ActionDist(p policy.Policy) []float64 {
	k := len(l.Actions.Names)
	out := make([]float64, l.N()*k)
	var s policy.State
	for t, i := range l.order {
		l.stateAt(t, &s)
		p.Probs(&s, out[int(i)*k:(int(i)+1)*k])
	}
	return out
}

// maxFitRows is the largest number of decisions the context encoding is
// fitted on (evenly spaced over the log); the rest are only transformed.
const maxFitRows = 200_000

// Encode returns the decisions' context (trigger and ctx_* features) as a
// numeric matrix for the reward model: ope.FitEncoding with NumericBins
// bins, i.e. numbers cut into up to bins quantile bins (bins = 0 keeps
// them as numbers), strings and booleans one-hot. On logs above 200,000
// decisions the encoding is fitted on 200,000 evenly spaced decisions
// (plus the first decision with a text value in each column that also has
// numbers), so a category seen only elsewhere encodes as all zeros.
func (l *Log) Encode(bins int) (*mat.Dense, []string, error) {
	return l.EncodeWith(ope.EncodeOptions{NumericBins: bins})
}

// EncodeWith is Encode with the encoding options given in full (for
// instance KeepNumbers, which Evaluate sets for the ridge reward models).
func (l *Log) EncodeWith(opts ope.EncodeOptions) (*mat.Dense, []string, error) {
	enc, err := l.fitEncoding(opts)
	if err != nil {
		return nil, nil, err
	}
	X, err := enc.TransformColumns(l.N(), l.columnFunc)
	if err != nil {
		return nil, nil, err
	}
	return X, enc.Names(), nil
}

// EncodeRows is EncodeWith returning the matrix as ope.Rows, its non-zero
// entries (for ope.FitRewardModelRows), without the dense matrix.
func (l *Log) EncodeRows(opts ope.EncodeOptions) (*ope.Rows, []string, error) {
	enc, err := l.fitEncoding(opts)
	if err != nil {
		return nil, nil, err
	}
	X, err := enc.TransformColumnsRows(l.N(), l.columnFunc)
	if err != nil {
		return nil, nil, err
	}
	return X, enc.Names(), nil
}

// fitEncoding fits the encoding of EncodeWith.
func (l *Log) fitEncoding(opts ope.EncodeOptions) (*ope.Encoding, error) {
	n := l.N()
	// The decisions the encoding is fitted on, read column-wise (the
	// encoding FitEncoding gives on them as maps of every column's Text).
	var fit []int
	if n <= maxFitRows {
		fit = make([]int, n)
		for i := range fit {
			fit[i] = i
		}
	} else {
		fit = make([]int, maxFitRows)
		for j := range fit {
			fit[j] = j * n / maxFitRows
		}
		for j := range l.cols {
			hasNum, firstStr := false, -1
			for i := 0; i < n; i++ {
				k, _ := l.cellD(i, j)
				hasNum = hasNum || k == kNum || k == kBool
				if k == kStr && firstStr < 0 {
					firstStr = i
				}
			}
			if hasNum && firstStr >= 0 {
				fit = append(fit, firstStr)
			}
		}
	}
	return ope.FitEncodingColumns(len(fit), l.Features(), func(name string) func(r int) string {
		j := l.index[name]
		return func(r int) string { return l.textD(fit[r], j) }
	}, opts)
}

// columnFunc is the encoder's accessor of the named feature: the same
// values as Text gives, numbers passed as numbers (nil when the log has
// no such feature).
func (l *Log) columnFunc(name string) ope.ColumnFunc {
	j, ok := l.index[name]
	if !ok {
		return nil
	}
	return func(i int) (string, float64, bool) {
		switch k, x := l.cellD(i, j); k {
		case kNum:
			return "", x, true
		case kMissing:
			return "", 0, false
		}
		return l.textD(i, j), 0, false
	}
}

// Options control Evaluate.
type Options struct {
	// Estimators to run; nil means ope.DefaultEstimators(Clip, Tau).
	Estimators []ope.Estimator
	// Clip and Tau as in ope.Options (Clip adds clipped IPW and DR; Tau
	// is Switch-DR's threshold, 0 meaning ope.DefaultSwitchTau).
	Clip, Tau float64
	// RewardModel is the reward model of DM, DR, SNDR and Switch-DR,
	// cross-fitted (ope.FitRewardModel).
	RewardModel ope.RewardModelOptions
	// Bins is the number of quantile bins numeric context features are
	// cut into for the reward model (ope.EncodeOptions.NumericBins);
	// negative keeps them as numbers, zero means DefaultBins. For the
	// ridge models each binned feature's number is kept beside its bins
	// (ope.EncodeOptions.KeepNumbers: a step per bin plus a slope) unless
	// StepsOnly is set; the Tabular model always gets the bins alone.
	Bins int
	// StepsOnly encodes binned numbers by their bins alone for the ridge
	// models too. On two generated samples of 225,000 decisions the
	// steps-only ridge put DM below DR (and the truth) by 0.08–0.20 per
	// decision for the targeted decision table and 0.12–0.34 for the
	// arbitration (the truth grows with the cart value within its top
	// bin); with bins plus slope DM is within 0.03 of DR for both.
	StepsOnly bool
	// PolicyFolds is the number of folds of customers policies are
	// cross-fitted over (see CrossFitDists); zero means
	// DefaultPolicyFolds, 1 means in-sample.
	PolicyFolds int
	// Bootstrap, Alpha and Seed as in ope.Options (Seed also fixes the
	// policy folds).
	Bootstrap int
	Alpha     float64
	Seed      uint64
}

// DefaultBins is the default number of quantile bins of numeric context
// features in the reward model.
const DefaultBins = 4

// SupportWarnShare is the share of logged decisions the policy would take
// below which Evaluate adds a plain warning that the estimate rests on few
// decisions.
const SupportWarnShare = 0.10

// Result is the evaluation of one policy.
type Result struct {
	Policy string
	Report ope.Report
	// Matched is the number of logged decisions the policy could have
	// taken (π(a_i|x_i) > 0).
	Matched int
}

// Timing splits the time of an evaluation.
type Timing struct {
	RewardModel time.Duration // encoding the context and fitting q̂
	Policies    time.Duration // computing π(a|x_i) of every policy
	Estimators  time.Duration // estimators, bootstrap and diagnostics
	// The reward model is fitted while the policies are computed, so
	// RewardModel and Policies overlap in time.
}

// Evaluate scores every policy build makes on the log by off-policy
// evaluation: the estimators of opts with bootstrap intervals and weight
// diagnostics (ope.EvaluateAll: one draw of resamples shared by all
// policies and estimators), the reward model fitted once and shared by
// all policies. Policies are cross-fitted over opts.PolicyFolds folds of
// customers (see CrossFitDists); a learner is scored as it stands after
// its warm start, it is not updated during the evaluation.
//
// DM's interval includes the reward model's estimation error
// (ope.RewardModel.DMTerms). For a policy that learns from the log
// (policy.LearnsFromLog) DM also uses a second reward model, fitted for
// each decision only on the decisions of its own policy fold
// (ope.RewardModelOptions.Groups): the policy scored at decision i learnt
// from the other folds, and a model fitted on them too would share their
// noise — the policy picks the actions whose logged rewards happened to be
// high, and the model predicts those same high rewards, so DM would
// overstate the policy's value. The doubly robust estimators keep the
// model fitted on all folds: their importance-weighted correction removes
// that bias.
func Evaluate(l *Log, build BuildFunc, opts Options) ([]Result, Timing, error) {
	var tm Timing
	log := l.OPELog()
	ests := opts.Estimators
	if ests == nil {
		tau := opts.Tau
		if tau == 0 {
			tau = ope.DefaultSwitchTau
		}
		ests = ope.DefaultEstimators(opts.Clip, tau)
	}
	needModel, needDM := false, false
	for _, e := range ests {
		needModel = needModel || e.NeedsRewardModel()
		needDM = needDM || e.Kind == ope.DM
	}
	folds := opts.PolicyFolds
	if folds == 0 {
		folds = DefaultPolicyFolds
	}
	// The reward model is fitted (and prepared for DM's terms) on one
	// goroutine while the policies are computed on the others; so is
	// the model fitted within policy folds, once the first build of the
	// policies shows that one learns from the log (firstLearns, set
	// before built is closed).
	var X *ope.Rows
	var model, grouped *ope.RewardModel
	var modelErr error
	modelDone := make(chan struct{})
	built := make(chan struct{})
	var firstLearns []bool
	var builtOnce sync.Once
	onFirst := func(learns []bool) { builtOnce.Do(func() { firstLearns = learns; close(built) }) }
	go func() {
		defer close(modelDone)
		if !needModel {
			return
		}
		t0 := time.Now()
		bins := opts.Bins
		if bins == 0 {
			bins = DefaultBins
		}
		if bins < 0 {
			bins = 0
		}
		keep := bins > 0 && !opts.StepsOnly && opts.RewardModel.Kind != ope.Tabular
		if X, _, modelErr = l.EncodeRows(ope.EncodeOptions{NumericBins: bins, KeepNumbers: keep}); modelErr != nil {
			return
		}
		if model, modelErr = ope.FitRewardModelRows(X, log.Actions, log.Rewards, log.K, opts.RewardModel); modelErr != nil {
			return
		}
		if needDM {
			if modelErr = model.Prepare(); modelErr != nil {
				return
			}
		}
		if needDM && folds > 1 {
			<-built
			if slices.Contains(firstLearns, true) {
				mo := opts.RewardModel
				mo.Groups = l.Folds(folds, opts.Seed)
				if grouped, modelErr = ope.FitRewardModelRows(X, log.Actions, log.Rewards, log.K, mo); modelErr != nil {
					return
				}
				modelErr = grouped.Prepare()
			}
		}
		tm.RewardModel = time.Since(t0)
	}()
	t0 := time.Now()
	names, dists, learns, err := l.crossFit(build, folds, opts.Seed, onFirst)
	onFirst(nil) // no build was made: the model goroutine need not wait
	tm.Policies = time.Since(t0)
	<-modelDone
	if err != nil {
		return nil, tm, err
	}
	if modelErr != nil {
		return nil, tm, modelErr
	}
	eo := ope.Options{Estimators: ests, Bootstrap: opts.Bootstrap, Alpha: opts.Alpha, Seed: opts.Seed}
	var q []float64
	if model != nil {
		q = model.Q
	}
	if needDM && model != nil {
		eo.DMModel = model
		if folds > 1 && slices.Contains(learns, true) {
			eo.DMModels = make([]*ope.RewardModel, len(names))
			for j, lf := range learns {
				if lf {
					eo.DMModels[j] = grouped
				}
			}
		}
	}
	t0 = time.Now()
	reps, err := ope.EvaluateAll(log, dists, q, eo)
	if err != nil {
		return nil, tm, err
	}
	tm.Estimators = time.Since(t0)
	var out []Result
	for j, name := range names {
		ad := dists[j]
		r := Result{Policy: name, Report: reps[j]}
		k := log.K
		for i, a := range log.Actions {
			if ad[i*k+a] > 0 {
				r.Matched++
			}
		}
		n := log.N()
		if share := float64(r.Matched) / float64(n); share < SupportWarnShare {
			r.Report.Diagnostics.Warnings = append([]string{fmt.Sprintf(
				"only %.1f%% of logged decisions are ones this policy would take: the estimate rests on %d decisions; treat it as indicative",
				100*share, r.Matched)}, r.Report.Diagnostics.Warnings...)
		}
		out = append(out, r)
	}
	return out, tm, nil
}
