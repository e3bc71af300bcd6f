package compare

import (
	"fmt"
	"math"

	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/ope"
)

// OPEOptions control EvaluateOPE.
type OPEOptions struct {
	// Estimator is the estimator's name (dm, ipw, snipw, dr, sndr,
	// switch-dr; default dr). Self-normalised estimators use their
	// linearisation for the intervals (see OPEOutcome).
	Estimator string
	// RewardModel is the reward model of DM/DR (default: the ope
	// package's default, cross-fitted).
	RewardModel ope.RewardModelOptions
	// Bins cuts numeric context into quantile bins for the reward model
	// (0: decisionlog.DefaultBins).
	Bins int
	// Folds is the number of customer folds policies that learn from the
	// log are cross-fitted over (0: decisionlog.DefaultPolicyFolds).
	Folds int
	Seed  uint64
}

// OPEOutcome is every policy's off-policy estimate of the mean reward per
// logged decision, with paired differences.
//
// With the estimator's per-decision terms U_i(π) (and V_i, D_i for a
// self-normalised one, linearised as U_i + (V_i − V̂·D_i)/D̄), the value is
// the mean of the terms and the 95% interval is the normal approximation
// mean ± 1.96·sd/√n; the paired difference of π and π' uses the
// per-decision differences of their terms on the same decisions.
type OPEOutcome struct {
	Estimator string       `json:"estimator"`
	N         int          `json:"decisions"`
	Names     []string     `json:"names"`
	Value     []Estimate   `json:"value"`
	Paired    [][]Estimate `json:"paired"`
	// Dists are the cross-fitted action distributions π(a|x_i) (n×K).
	Dists [][]float64 `json:"-"`
}

// EvaluateOPE scores the policies of build on l (see OPEOutcome).
func EvaluateOPE(l *decisionlog.Log, build decisionlog.BuildFunc, opt OPEOptions) (*OPEOutcome, error) {
	name := opt.Estimator
	if name == "" {
		name = "dr"
	}
	kind, err := ope.ParseKind(name)
	if err != nil {
		return nil, err
	}
	est := ope.Estimator{Kind: kind}
	if kind == ope.SwitchDR {
		est.Lambda = ope.DefaultSwitchTau
	}
	lg := l.OPELog()
	var q []float64
	if est.NeedsRewardModel() {
		bins := opt.Bins
		if bins == 0 {
			bins = decisionlog.DefaultBins
		}
		// The ridge models see each binned number beside its bins, as
		// decisionlog.Evaluate's reward model does.
		keep := bins > 0 && opt.RewardModel.Kind != ope.Tabular
		X, _, err := l.EncodeWith(ope.EncodeOptions{NumericBins: bins, KeepNumbers: keep})
		if err != nil {
			return nil, err
		}
		if q, err = ope.FitRewardModel(X, lg.Actions, lg.Rewards, lg.K, opt.RewardModel); err != nil {
			return nil, err
		}
	}
	folds := opt.Folds
	if folds == 0 {
		folds = decisionlog.DefaultPolicyFolds
	}
	names, dists, err := l.CrossFitDists(build, folds, opt.Seed)
	if err != nil {
		return nil, err
	}
	n := l.N()
	out := &OPEOutcome{Estimator: est.Name(), N: n, Names: names, Dists: dists}
	terms := make([][]float64, len(names))
	for j := range names {
		t, err := est.Terms(ope.Inputs{Log: lg, ActionDist: dists[j], EstimatedRewards: q})
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", names[j], err)
		}
		terms[j] = linearise(t)
		out.Value = append(out.Value, meanEstimate(terms[j], nil))
	}
	out.Paired = make([][]Estimate, len(names))
	for i := range names {
		out.Paired[i] = make([]Estimate, len(names))
		for j := range names {
			if i != j {
				out.Paired[i][j] = meanEstimate(terms[i], terms[j])
			}
		}
	}
	return out, nil
}

// linearise returns per-decision terms whose mean is the estimate:
// U_i, plus (V_i − V̂_sn·D_i)/D̄ + V̂_sn for a self-normalised part.
func linearise(t ope.Terms) []float64 {
	out := append([]float64(nil), t.U...)
	if t.D == nil {
		return out
	}
	n := float64(len(t.D))
	sv, sd := 0.0, 0.0
	for i := range t.D {
		sv += t.V[i]
		sd += t.D[i]
	}
	if sd == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	vsn, dbar := sv/sd, sd/n
	for i := range out {
		out[i] += vsn + (t.V[i]-vsn*t.D[i])/dbar
	}
	return out
}

// meanEstimate is the mean of x_i − y_i (y nil: of x_i) with its normal
// 95% interval.
func meanEstimate(x, y []float64) Estimate {
	var w struct{ n, mean, m2 float64 }
	for i, v := range x {
		if y != nil {
			v -= y[i]
		}
		w.n++
		d := v - w.mean
		w.mean += d / w.n
		w.m2 += d * (v - w.mean)
	}
	se := 0.0
	if w.n > 1 {
		se = math.Sqrt(w.m2 / (w.n - 1) / w.n)
	}
	return normalEstimate(w.mean, se)
}

// Verdict is Decide on the off-policy estimates.
func (o *OPEOutcome) Verdict() Verdict {
	return Decide("off-policy evaluation ("+o.Estimator+")", o.Names, o.Value, o.Paired)
}
