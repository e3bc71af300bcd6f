package ope

import (
	"fmt"
	"math"
	"runtime"
	"slices"
)

// Defaults of Options.
const (
	// DefaultBootstrap is the number of bootstrap resamples when
	// Options.Bootstrap is zero.
	DefaultBootstrap = 1000
	// DefaultAlpha gives 95% intervals.
	DefaultAlpha = 0.05
	// DefaultSwitchTau is Switch-DR's threshold τ when Options.SwitchTau
	// is zero: rounds whose importance weight exceeds 100 fall back to DM.
	DefaultSwitchTau = 100
)

// Warning thresholds of Diagnostics. A warning is raised when:
const (
	// the effective sample size is below MinESS decisions …
	MinESS = 100
	// … or below MinESSShare of the log;
	MinESSShare = 0.01
	// the largest importance weight exceeds MaxWeightWarn;
	MaxWeightWarn = 100
	// fewer than MinMatched logged decisions (or fewer than MinMatchedShare
	// of them) are ones the evaluation policy could have taken;
	MinMatched      = 100
	MinMatchedShare = 0.01
	// the evaluation policy puts more than MaxUnsupportedMass of its
	// probability on actions the logging policy never takes (only when
	// Log.Behavior is known);
	MaxUnsupportedMass = 0.01
	// the mean importance weight is further than MeanWeightTolerance (and
	// three standard errors) from 1, its expectation under full support.
	MeanWeightTolerance = 0.1
)

// Options controls Evaluate. The zero value runs DefaultEstimators(0,
// DefaultSwitchTau) with DefaultBootstrap resamples at 95%, seed 0, on
// GOMAXPROCS workers.
type Options struct {
	// Estimators to run; nil means DefaultEstimators(Clip, SwitchTau).
	Estimators []Estimator
	// Clip adds IPW and DR with weights clipped at Clip (when Estimators
	// is nil). Zero means no clipped variants.
	Clip float64
	// SwitchTau is Switch-DR's threshold τ (when Estimators is nil); zero
	// means DefaultSwitchTau, +Inf means never switch (Switch-DR = DR).
	SwitchTau float64
	// Bootstrap is the number of resamples; zero means DefaultBootstrap,
	// negative means no confidence intervals.
	Bootstrap int
	// Alpha is the interval's significance level: the interval covers
	// 1−Alpha. Zero means DefaultAlpha.
	Alpha float64
	// Seed fixes the bootstrap; results depend only on Seed, never on
	// Workers.
	Seed uint64
	// Workers is the number of goroutines for the bootstrap; zero means
	// runtime.GOMAXPROCS(0).
	Workers int
	// DMModel, when set, is the fitted reward model DM is computed from:
	// DM's per-round terms are DMModel.DMTerms(actionDist), so its
	// interval includes the model's estimation error (see DMTerms). Nil
	// keeps obp's DM: the terms q̂(x_i,π) of EstimatedRewards with the
	// model held fixed. The doubly robust estimators always use
	// EstimatedRewards.
	DMModel *RewardModel
	// DMModels, for EvaluateAll, gives policy j its own DM model
	// DMModels[j] (nil entries fall back to DMModel); its length must be
	// the number of policies when set.
	DMModels []*RewardModel
}

// Result is one estimator's estimate with its bootstrap interval.
type Result struct {
	Estimator Estimator
	// Name is Estimator.Name().
	Name string
	// Value is the estimate V̂ on the full log.
	Value float64
	// Low and High bound the percentile bootstrap interval at level
	// 1−Alpha; NaN when no bootstrap was run.
	Low, High float64
	// StdErr is the standard deviation of the bootstrap replicates.
	StdErr float64
	// Replicates is the number of bootstrap replicates that were defined
	// (a self-normalised replicate with Σ w = 0 is not).
	Replicates int
}

// Diagnostics describe the importance weights w_i = π_e(a_i|x_i)/p_i.
type Diagnostics struct {
	N int
	// MeanWeight = (1/n) Σ w_i (expected 1 when π_e's support lies within
	// π_b's and the propensities are right) and MaxWeight = max_i w_i.
	MeanWeight, MaxWeight float64
	// ESS is the effective sample size (Σ w_i)² / Σ w_i², and ESSShare
	// is ESS/n.
	ESS, ESSShare float64
	// NeverTakenShare is the share of logged decisions the evaluation
	// policy would never have taken: #{i : π_e(a_i|x_i) = 0} / n.
	NeverTakenShare float64
	// BehaviorKnown is true when Log.Behavior was given; only then are
	// the next two defined (NaN otherwise).
	BehaviorKnown bool
	// UnsupportedMass is the evaluation policy's mean probability on
	// actions the logging policy never takes in that context:
	// (1/n) Σ_i Σ_a π_e(a|x_i) 1{π_b(a|x_i) = 0}. Importance weighting
	// cannot see that part of the policy.
	UnsupportedMass float64
	// UnsupportedShare is the share of rounds with positive unsupported
	// mass.
	UnsupportedShare float64
	// Warnings are plain-language notes on why the estimates may not be
	// trusted; empty when none of the thresholds above is crossed.
	Warnings []string
}

// Report is the outcome of Evaluate.
type Report struct {
	Results     []Result
	Diagnostics Diagnostics
	// Alpha, Bootstrap and Seed are the settings actually used.
	Alpha     float64
	Bootstrap int
	Seed      uint64
}

// Result returns the result of the estimator with the given name (see
// Estimator.Name) and whether it was run.
func (r Report) Result(name string) (Result, bool) {
	for _, x := range r.Results {
		if x.Name == name {
			return x, true
		}
	}
	return Result{}, false
}

// Evaluate runs the estimators of opts on the log with evaluation policy
// actionDist (π_e(a|x_i), n×K row-major) and reward model estimatedRewards
// (q̂(x_i,a), n×K row-major; may be nil when only IPW and SNIPW are
// asked for), and returns their estimates, percentile bootstrap intervals
// and the weight diagnostics.
//
// The bootstrap follows obp's estimate_confidence_interval_by_bootstrap:
// B resamples of n rounds drawn with replacement; the interval is the
// (α/2, 1−α/2) percentiles of the replicates with linear interpolation
// (numpy.percentile's default). It differs from obp in one respect: a
// self-normalised estimator's denominator Σ w_i is recomputed on every
// resample (obp resamples round terms already divided by the full-sample
// mean weight), so the interval reflects the ratio's whole variability.
// All estimators share the same resamples.
//
// As in obp, the reward model q̂ is held fixed across resamples (it is not
// refitted), so DM's interval reflects only which rounds were logged, not
// the model's own estimation error — unless Options.DMModel gives the
// fitted model, whose DMTerms add that error (linearised refit). The
// doubly robust intervals are much less affected, because their
// importance-weighted correction term carries the model's error.
func Evaluate(log *Log, actionDist, estimatedRewards []float64, opts Options) (Report, error) {
	reps, err := EvaluateAll(log, [][]float64{actionDist}, estimatedRewards, opts)
	if err != nil {
		return Report{}, err
	}
	return reps[0], nil
}

// maxPassCols is the largest number of term columns bootstrapped in one
// pass of EvaluateAll (4 groups of bootWidth: 256 MB of interleaved terms
// at 1,000,000 rounds).
const maxPassCols = 4 * bootWidth

// EvaluateAll is Evaluate for several evaluation policies on one log
// (actionDists[j] is policy j's π_e(a|x_i), n×K): every policy gets the
// report Evaluate would give it with the same options, and all policies
// and estimators share the same bootstrap resamples. The resample indices
// are drawn once per pass over a batch of policies (as many as fit in
// maxPassCols term columns), not once per policy.
func EvaluateAll(log *Log, actionDists [][]float64, estimatedRewards []float64, opts Options) ([]Report, error) {
	ests := opts.Estimators
	if ests == nil {
		tau := opts.SwitchTau
		if tau == 0 {
			tau = DefaultSwitchTau
		}
		ests = DefaultEstimators(opts.Clip, tau)
	}
	if len(ests) == 0 {
		return nil, fmt.Errorf("ope: no estimators asked for; leave Options.Estimators nil for the default set")
	}
	if len(actionDists) == 0 {
		return nil, fmt.Errorf("ope: no evaluation policy given; pass one action distribution per policy")
	}
	needModel := false
	for _, e := range ests {
		if err := e.check(); err != nil {
			return nil, err
		}
		needModel = needModel || e.NeedsRewardModel()
	}
	alpha := opts.Alpha
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("ope: Alpha %v must lie in (0,1); 0.05 gives 95%% intervals", alpha)
	}
	nBoot := opts.Bootstrap
	if nBoot == 0 {
		nBoot = DefaultBootstrap
	}
	if nBoot < 0 {
		nBoot = 0
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.DMModels != nil && len(opts.DMModels) != len(actionDists) {
		return nil, fmt.Errorf("ope: %d DM models for %d policies; give one per policy", len(opts.DMModels), len(actionDists))
	}
	dmModel := func(p int) *RewardModel {
		if opts.DMModels != nil && opts.DMModels[p] != nil {
			return opts.DMModels[p]
		}
		return opts.DMModel
	}
	for p := range actionDists {
		if m := dmModel(p); m != nil && (m.K != log.K || len(m.actions) != log.N()) {
			return nil, fmt.Errorf("ope: the DM model was fitted on %d rounds with K=%d, the log has %d with K=%d; fit it on this log", len(m.actions), m.K, log.N(), log.K)
		}
	}

	// Policies are taken in batches of at most maxPassCols distinct term
	// columns: each batch's terms are computed, bootstrapped in one pass
	// over the resample indices, and dropped, which bounds the memory of
	// many policies. Resample b's indices depend only on (Seed, b), so
	// every batch sees the same resamples and the results do not depend
	// on the batching. Within a policy a column equal to another is kept
	// once, and one equal to the sum of two others (DR's U_i is SNDR's
	// U_i + V_i when DR is not clipped) is not kept at all: its resample
	// sum is the sum of theirs.
	type layout struct {
		u    [2]int // U is the sum of columns u[0] and u[1] (−1: none)
		v, d int
	}
	out := make([]Report, len(actionDists))
	var cols [][]float64
	var batch []int
	lays := make([][]layout, len(actionDists))
	flush := func() {
		if nBoot > 0 && len(batch) > 0 {
			n := log.N()
			nc := len(cols)
			sums := bootstrapSums(cols, n, nBoot, opts.Seed, workers)
			reps := make([]float64, 0, nBoot)
			for _, p := range batch {
				for k := range ests {
					reps = reps[:0]
					L := lays[p][k]
					for b := 0; b < nBoot; b++ {
						s := sums[b*nc : (b+1)*nc]
						su := s[L.u[0]]
						if L.u[1] >= 0 {
							su += s[L.u[1]]
						}
						v := su / float64(n)
						if L.d >= 0 {
							if s[L.d] == 0 {
								continue
							}
							v += s[L.v] / s[L.d]
						}
						reps = append(reps, v)
					}
					r := &out[p].Results[k]
					r.Replicates = len(reps)
					if len(reps) > 0 {
						r.Low, r.High, r.StdErr = bootstrapInterval(reps, alpha)
					}
				}
			}
		}
		cols, batch = nil, batch[:0]
	}
	// DM's per-round terms (a pass over the log per policy through the
	// reward model) are computed for all policies first, concurrently;
	// an error is reported where the policy's DM would have been.
	// They run while the other estimators' terms are computed below;
	// dmDone[p] is closed when policy p's are ready.
	dmTerms := make([][]float64, len(actionDists))
	dmErrs := make([]error, len(actionDists))
	dmDone := make([]chan struct{}, len(actionDists))
	for p := range dmDone {
		dmDone[p] = make(chan struct{})
	}
	if slices.ContainsFunc(ests, func(e Estimator) bool { return e.Kind == DM }) {
		go func() {
			sem := make(chan struct{}, workers)
			for p, ad := range actionDists {
				m := dmModel(p)
				if m == nil {
					close(dmDone[p])
					continue
				}
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; close(dmDone[p]) }()
					dmTerms[p], dmErrs[p] = m.DMTerms(ad)
				}()
			}
		}()
	} else {
		for _, c := range dmDone {
			close(c)
		}
	}
	for p, ad := range actionDists {
		in := Inputs{Log: log, ActionDist: ad, EstimatedRewards: estimatedRewards}
		if err := in.Validate(needModel); err != nil {
			if len(actionDists) > 1 {
				return nil, fmt.Errorf("policy %d: %w", p+1, err)
			}
			return nil, err
		}
		// The policy's own columns pc, indexed locally.
		var pc [][]float64
		colOf := func(x []float64) int {
			if x == nil {
				return -1
			}
			for j := range pc {
				if equalSlices(pc[j], x) {
					return j
				}
			}
			pc = append(pc, x)
			return len(pc) - 1
		}
		type pending struct {
			u    []float64
			v, d int
		}
		terms := make([]pending, len(ests))
		rep := Report{Alpha: alpha, Bootstrap: nBoot, Seed: opts.Seed}
		// DM's terms last (they come from the goroutines above); DM
		// adds no V or D column, so the columns keep their order.
		rep.Results = make([]Result, len(ests))
		for pass := 0; pass < 2; pass++ {
			for k, e := range ests {
				isDM := e.Kind == DM && dmModel(p) != nil
				if isDM != (pass == 1) {
					continue
				}
				var t Terms
				if isDM {
					<-dmDone[p]
					if dmErrs[p] != nil {
						return nil, dmErrs[p]
					}
					t = Terms{U: dmTerms[p]}
				} else {
					t = e.terms(in)
				}
				terms[k] = pending{t.U, colOf(t.V), colOf(t.D)}
				rep.Results[k] = Result{Estimator: e, Name: e.Name(), Value: t.Value(),
					Low: math.NaN(), High: math.NaN(), StdErr: math.NaN()}
			}
		}
		// U columns after V and D, so that a U can be a sum of them.
		lay := make([]layout, len(ests))
		for k, t := range terms {
			lay[k] = layout{u: [2]int{-1, -1}, v: t.v, d: t.d}
			for j := range pc {
				if equalSlices(pc[j], t.u) {
					lay[k].u[0] = j
					break
				}
			}
			if lay[k].u[0] < 0 {
				if a, b, ok := sumOf(pc, t.u); ok {
					lay[k].u = [2]int{a, b}
				} else {
					lay[k].u[0] = colOf(t.u)
				}
			}
		}
		if len(cols)+len(pc) > maxPassCols {
			flush()
		}
		off := len(cols)
		for k := range lay {
			L := &lay[k]
			for _, x := range []*int{&L.u[0], &L.u[1], &L.v, &L.d} {
				if *x >= 0 {
					*x += off
				}
			}
		}
		cols = append(cols, pc...)
		rep.Diagnostics = diagnose(in)
		lays[p], out[p] = lay, rep
		batch = append(batch, p)
	}
	flush()
	return out, nil
}

// sumOf finds columns a < b of cols with x_i = cols[a][i] + cols[b][i]
// exactly for every i.
func sumOf(cols [][]float64, x []float64) (int, int, bool) {
	for a := range cols {
	pairs:
		for b := a + 1; b < len(cols); b++ {
			ca, cb := cols[a], cols[b]
			for i, v := range x {
				if v != ca[i]+cb[i] {
					continue pairs
				}
			}
			return a, b, true
		}
	}
	return 0, 0, false
}

func equalSlices(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diagnose computes the weight diagnostics and warnings of validated inputs.
func diagnose(in Inputs) Diagnostics {
	l := in.Log
	n, k := l.N(), l.K
	d := Diagnostics{N: n, UnsupportedMass: math.NaN(), UnsupportedShare: math.NaN()}
	var sw, sw2 float64
	never := 0
	for i := 0; i < n; i++ {
		pe := in.ActionDist[i*k+l.Actions[i]]
		w := pe / l.Pscore[i]
		sw += w
		sw2 += w * w
		if w > d.MaxWeight {
			d.MaxWeight = w
		}
		if pe == 0 {
			never++
		}
	}
	d.MeanWeight = sw / float64(n)
	if sw2 > 0 {
		d.ESS = sw * sw / sw2
	}
	d.ESSShare = d.ESS / float64(n)
	d.NeverTakenShare = float64(never) / float64(n)
	if l.Behavior != nil {
		d.BehaviorKnown = true
		mass, rounds := 0.0, 0
		for i := 0; i < n; i++ {
			m := 0.0
			for a := 0; a < k; a++ {
				if l.Behavior[i*k+a] == 0 {
					m += in.ActionDist[i*k+a]
				}
			}
			mass += m
			if m > 0 {
				rounds++
			}
		}
		d.UnsupportedMass = mass / float64(n)
		d.UnsupportedShare = float64(rounds) / float64(n)
	}

	matched := n - never
	if matched < MinMatched || float64(matched) < MinMatchedShare*float64(n) {
		d.Warnings = append(d.Warnings, fmt.Sprintf(
			"only %d of %d logged decisions (%.2f%%) are ones the policy could have taken; the importance-weighted estimates (IPW, SNIPW, DR, SNDR, Switch-DR) rest on too few decisions to trust",
			matched, n, 100*float64(matched)/float64(n)))
	}
	if d.ESS < MinESS || d.ESSShare < MinESSShare {
		d.Warnings = append(d.Warnings, fmt.Sprintf(
			"effective sample size is %.1f (%.2f%% of %d decisions): a few heavily weighted decisions drive the estimate; treat the intervals as optimistic",
			d.ESS, 100*d.ESSShare, n))
	}
	if d.MaxWeight > MaxWeightWarn {
		d.Warnings = append(d.Warnings, fmt.Sprintf(
			"the largest importance weight is %.1f (above %d): the policy favours actions the logging policy rarely took; compare with the clipped and self-normalised estimates",
			d.MaxWeight, MaxWeightWarn))
	}
	if d.BehaviorKnown && d.UnsupportedMass > MaxUnsupportedMass {
		d.Warnings = append(d.Warnings, fmt.Sprintf(
			"%.1f%% of the policy's choices are actions the logging policy never takes in that context (in %.1f%% of decisions): no estimator based on weights can see their outcome, so IPW-type estimates are biased there and DM/DR rely on the reward model alone",
			100*d.UnsupportedMass, 100*d.UnsupportedShare))
	}
	if n > 1 {
		varW := (sw2 - sw*sw/float64(n)) / float64(n-1)
		se := math.Sqrt(math.Max(varW, 0) / float64(n))
		if dev := math.Abs(d.MeanWeight - 1); dev > MeanWeightTolerance && dev > 3*se {
			d.Warnings = append(d.Warnings, fmt.Sprintf(
				"the mean importance weight is %.3f, not 1: either the logged propensities are wrong or the policy chooses actions the logging policy could not take",
				d.MeanWeight))
		}
	}
	return d
}
