package ope

import (
	"math"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestEstimatorsRecoverClosedFormTruth: on a synthetic log whose policy
// value is known in closed form, every importance-weighted estimator (with
// a cross-fitted, correctly specified ridge reward model) lands within 3
// bootstrap standard errors of the truth. DM is checked against the
// reward model's own error instead: its bootstrap resamples rounds with q̂
// held fixed, so its standard error (context sampling only, ≈0.0005 here)
// leaves out the model's estimation error (≈0.007 here: the best action of
// cell 2 is logged only 4% of the time).
func TestEstimatorsRecoverClosedFormTruth(t *testing.T) {
	w := worldA()
	truth := w.truth()
	s := w.draw(30000, 11)
	q, err := FitRewardModel(s.X, s.log.Actions, s.log.Rewards, s.log.K, RewardModelOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(s.log, s.actionDist, q, Options{Clip: 10, SwitchTau: 10, Bootstrap: 300, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		t.Logf("%-16s %.4f  [%.4f, %.4f]  se %.4f  truth %.4f", r.Name, r.Value, r.Low, r.High, r.StdErr, truth)
		if r.Estimator.Kind == DM || r.Estimator.hasLambda() && r.Estimator.Kind != SwitchDR {
			continue // DM below; clipping at 10 < max weight 20 is biased by design
		}
		if d := math.Abs(r.Value - truth); d > 3*r.StdErr {
			t.Errorf("%s = %.4f is %.4f from the truth %.4f, more than 3 se (%.4f)", r.Name, r.Value, d, truth, 3*r.StdErr)
		}
	}
	dm, _ := rep.Result("dm")
	if d := math.Abs(dm.Value - truth); d > 0.02 {
		t.Errorf("DM with a correctly specified model is %.4f off the truth, want ≤ 0.02", d)
	}
	// With the true reward function DM is exact up to context sampling.
	oracle, err := Estimator{Kind: DM}.Estimate(Inputs{Log: s.log, ActionDist: s.actionDist, EstimatedRewards: s.qTrue})
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(oracle - truth); d > 3*dm.StdErr {
		t.Errorf("DM with the true q is %.5f off the truth, more than 3 se (%.5f)", d, 3*dm.StdErr)
	}
}

// TestIntervalsCoverTruth: over 20 independent logs, each importance-
// weighted estimator's 95% interval contains the closed-form truth at
// least 16 times (for a 95% interval, fewer than 16 of 20 has probability
// below 0.3%). DM is left out: its interval holds the reward model fixed
// (see TestEstimatorsRecoverClosedFormTruth), so it covers only when the
// model's error is negligible.
func TestIntervalsCoverTruth(t *testing.T) {
	w := worldA()
	truth := w.truth()
	covered := map[string]int{}
	const seeds = 20
	for seed := uint64(100); seed < 100+seeds; seed++ {
		s := w.draw(3000, seed)
		q, err := FitRewardModel(s.X, s.log.Actions, s.log.Rewards, s.log.K, RewardModelOptions{Kind: RidgePerAction, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Evaluate(s.log, s.actionDist, q, Options{Bootstrap: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Low <= truth && truth <= r.High {
				covered[r.Name]++
			}
		}
	}
	for _, e := range DefaultEstimators(0, DefaultSwitchTau)[1:] {
		c := covered[e.Name()]
		t.Logf("%s covers the truth in %d of %d logs", e.Name(), c, seeds)
		if c < 16 {
			t.Errorf("%s covered the truth in only %d of %d logs, want ≥ 16", e.Name(), c, seeds)
		}
	}
}

// TestMisspecifiedModelBiasesDMNotDR: a reward model that ignores the
// context (one cell: action means only) is confounded by a logging policy
// that depends on the context, so DM misses the truth by many standard
// errors, while DR, whose importance-weighted correction is unbiased
// whatever the model, stays within 3.
func TestMisspecifiedModelBiasesDMNotDR(t *testing.T) {
	w := worldA()
	truth := w.truth()
	s := w.draw(40000, 21)
	constant := mat.NewDense(s.log.N(), 1, nil) // every round in one cell
	q, err := FitRewardModel(constant, s.log.Actions, s.log.Rewards, s.log.K, RewardModelOptions{Kind: Tabular, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(s.log, s.actionDist, q, Options{Bootstrap: 300, Seed: 9,
		Estimators: []Estimator{{Kind: DM}, {Kind: DR}, {Kind: SNDR}}})
	if err != nil {
		t.Fatal(err)
	}
	dm, _ := rep.Result("dm")
	t.Logf("truth %.4f, DM %.4f (se %.4f)", truth, dm.Value, dm.StdErr)
	if d := math.Abs(dm.Value - truth); d < 10*dm.StdErr {
		t.Errorf("misspecified DM is only %.4f (%.1f se) from the truth; the test world should bias it", d, d/dm.StdErr)
	}
	for _, name := range []string{"dr", "sndr"} {
		r, _ := rep.Result(name)
		t.Logf("%s %.4f (se %.4f)", name, r.Value, r.StdErr)
		if d := math.Abs(r.Value - truth); d > 3*r.StdErr {
			t.Errorf("%s with a misspecified model is %.4f from the truth, more than 3 se (%.4f)", name, d, 3*r.StdErr)
		}
	}
}

// extremeLog: ten rounds; eight took action 0 (p = 0.995), two took the rare
// action 1 (p = 0.005, weight 200) with rewards 1 and 0.5. The evaluation
// policy always plays action 1.
func extremeLog() Inputs {
	l := &Log{K: 2}
	for i := 0; i < 8; i++ {
		l.Actions = append(l.Actions, 0)
		l.Pscore = append(l.Pscore, 0.995)
		l.Rewards = append(l.Rewards, 0.2+0.1*float64(i))
	}
	l.Actions = append(l.Actions, 1, 1)
	l.Pscore = append(l.Pscore, 0.005, 0.005)
	l.Rewards = append(l.Rewards, 1, 0.5)
	ad := make([]float64, 20)
	q := make([]float64, 20)
	for i := 0; i < 10; i++ {
		ad[2*i+1] = 1
		q[2*i], q[2*i+1] = 0.5, 0.5
	}
	return Inputs{Log: l, ActionDist: ad, EstimatedRewards: q}
}

// TestClippingAndSelfNormalisationOnExtremeWeights: with weights of 200,
// IPW leaves the reward range [0, 1] (it is (200·1 + 200·0.5)/10 = 30),
// SNIPW stays inside it (300/400 = 0.75), and clipping bounds IPW by
// λ·max r and DR by DM + λ·max|r − q̂|, growing with λ up to the unclipped
// value.
func TestClippingAndSelfNormalisationOnExtremeWeights(t *testing.T) {
	const tol = 1e-12
	in := extremeLog()
	est := func(e Estimator) float64 {
		v, err := e.Estimate(in)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ipw, snipw := est(Estimator{Kind: IPW}), est(Estimator{Kind: SNIPW})
	if math.Abs(ipw-30) > tol || math.Abs(snipw-0.75) > tol {
		t.Fatalf("IPW = %v (want 30), SNIPW = %v (want 0.75)", ipw, snipw)
	}
	if ipw <= 1 {
		t.Errorf("IPW %v should leave the reward range [0,1] on these weights", ipw)
	}
	dm := est(Estimator{Kind: DM})
	prev := math.Inf(-1)
	for _, lam := range []float64{0.5, 1, 2, 10, 100, 200, 1000} {
		v := est(Estimator{Kind: IPW, Lambda: lam})
		// Hand value: only rounds 8 and 9 have weight, min(200, λ)·(1 + 0.5)/10.
		if want := math.Min(200, lam) * 1.5 / 10; math.Abs(v-want) > tol {
			t.Errorf("IPW(λ=%v) = %v, want %v", lam, v, want)
		}
		if v > lam*1 {
			t.Errorf("IPW(λ=%v) = %v exceeds λ·max r = %v", lam, v, lam)
		}
		if v < prev {
			t.Errorf("IPW(λ=%v) = %v decreased from %v", lam, v, prev)
		}
		prev = v
		dr := est(Estimator{Kind: DR, Lambda: lam})
		if math.Abs(dr-dm) > lam*0.5+tol {
			t.Errorf("DR(λ=%v) = %v is further than λ·max|r−q̂| = %v from DM %v", lam, dr, lam*0.5, dm)
		}
	}
	if est(Estimator{Kind: IPW, Lambda: 1000}) != ipw {
		t.Error("clipping above the largest weight should change nothing")
	}
	rep, err := Evaluate(in.Log, in.ActionDist, in.EstimatedRewards, Options{Bootstrap: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := rep.Diagnostics; d.MaxWeight != 200 || len(d.Warnings) == 0 {
		t.Errorf("max weight %v with warnings %q; want 200 and a warning", d.MaxWeight, d.Warnings)
	}
	// Every SNIPW bootstrap replicate is a weighted mean of rewards, so the
	// interval stays within [0, 1] too.
	sn, _ := rep.Result("snipw")
	if sn.Low < 0 || sn.High > 1 {
		t.Errorf("SNIPW interval [%v, %v] leaves [0,1]", sn.Low, sn.High)
	}
}

// TestSNIPWWithinRewardRange: on 50 random logs with weights up to 1000,
// SNIPW always lies within [min r, max r] and clipped IPW within λ·max|r|.
func TestSNIPWWithinRewardRange(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		w := synth{
			pc:    []float64{0.5, 0.5},
			base:  [][]float64{{0.2, 0.9}, {0.6, 0.1}},
			slope: []float64{0.1, 0},
			pb:    [][]float64{{0.999, 0.001}, {0.5, 0.5}},
			pe:    [][]float64{{0, 1}, {0, 1}},
		}
		s := w.draw(500, seed)
		in := Inputs{Log: s.log, ActionDist: s.actionDist}
		sn, err := Estimator{Kind: SNIPW}.Estimate(in)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range s.log.Rewards {
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		if sn < lo || sn > hi {
			t.Errorf("seed %d: SNIPW %v outside [%v, %v]", seed, sn, lo, hi)
		}
		c, _ := Estimator{Kind: IPW, Lambda: 5}.Estimate(in)
		if math.Abs(c) > 5*math.Max(math.Abs(lo), math.Abs(hi)) {
			t.Errorf("seed %d: clipped IPW %v beyond λ·max|r|", seed, c)
		}
	}
}

// TestBootstrapDeterministicAcrossWorkers: the same seed gives identical
// reports with 1, 2 or 3 workers; another seed gives other intervals.
func TestBootstrapDeterministicAcrossWorkers(t *testing.T) {
	s := worldA().draw(9000, 4) // 5 chunks of the bootstrap
	run := func(workers int, seed uint64) Report {
		rep, err := Evaluate(s.log, s.actionDist, s.qTrue, Options{Bootstrap: 101, Seed: seed, Workers: workers, Clip: 5})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	one := run(1, 3)
	for _, w := range []int{2, 3} {
		if got := run(w, 3); !reflect.DeepEqual(got, one) {
			t.Errorf("%d workers gave a different report than 1 worker", w)
		}
	}
	if other := run(2, 4); other.Results[1].Low == one.Results[1].Low {
		t.Error("a different seed gave the same interval")
	}
}

// TestBootstrapSpread: the bootstrap standard error of IPW (a mean of
// per-round terms) matches the analytic sd(terms)/√n within 10% (the
// standard error of a 1,000-replicate standard deviation is about 2.2%),
// which checks that the chunked resampling draws n rounds uniformly.
func TestBootstrapSpread(t *testing.T) {
	s := worldA().draw(10000, 8)
	in := Inputs{Log: s.log, ActionDist: s.actionDist, EstimatedRewards: s.qTrue}
	for _, e := range []Estimator{{Kind: IPW}, {Kind: DR}} {
		tm, err := e.Terms(in)
		if err != nil {
			t.Fatal(err)
		}
		want := stdErrOfMean(tm.U)
		rep, err := Evaluate(s.log, s.actionDist, s.qTrue, Options{Estimators: []Estimator{e}, Bootstrap: 1000, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Results[0]
		if math.Abs(r.StdErr/want-1) > 0.10 {
			t.Errorf("%s bootstrap se %.5f vs analytic %.5f: off by more than 10%%", e.Name(), r.StdErr, want)
		}
		// The percentile interval of a mean is close to ±1.96 se.
		if half := (r.High - r.Low) / 2; math.Abs(half/(1.96*want)-1) > 0.15 {
			t.Errorf("%s interval half-width %.5f vs 1.96 se %.5f: off by more than 15%%", e.Name(), half, 1.96*want)
		}
	}
}

func TestPercentileMatchesNumpyLinear(t *testing.T) {
	// numpy.percentile([5,1,4,2,3], [2.5, 97.5]) = [1.1, 4.9]
	lo, hi := percentileInterval([]float64{5, 1, 4, 2, 3}, 0.05)
	if math.Abs(lo-1.1) > 1e-12 || math.Abs(hi-4.9) > 1e-12 {
		t.Errorf("percentiles = %v, %v; want 1.1, 4.9", lo, hi)
	}
	// numpy.percentile([0, 10], [5, 95]) = [0.5, 9.5]
	lo, hi = percentileInterval([]float64{10, 0}, 0.1)
	if math.Abs(lo-0.5) > 1e-12 || math.Abs(hi-9.5) > 1e-12 {
		t.Errorf("percentiles = %v, %v; want 0.5, 9.5", lo, hi)
	}
}
