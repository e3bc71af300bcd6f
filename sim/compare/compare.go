// Package compare puts the policies side by side under both methods —
// off-policy evaluation on the logged decisions and Monte Carlo
// simulation on the fitted environment — and gives the verdict: a winner
// only when the interval of its paired difference with the runner-up
// excludes zero, otherwise "cannot tell apart with this data". It also
// measures how the ranking moves when costs or the fitted response
// change within stated bounds.
package compare

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
)

// Estimate is a point estimate with its 95% interval.
type Estimate struct {
	Value  float64 `json:"value"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	StdErr float64 `json:"std_err"`
}

// Excludes0 reports whether the interval lies wholly above or below 0.
func (e Estimate) Excludes0() bool { return e.Low > 0 || e.High < 0 }

// Contains reports whether Low ≤ x ≤ High.
func (e Estimate) Contains(x float64) bool { return e.Low <= x && x <= e.High }

func normalEstimate(v, se float64) Estimate {
	return Estimate{Value: v, StdErr: se, Low: v - montecarlo.Z95*se, High: v + montecarlo.Z95*se}
}

// Progress reports a long comparison: the stage ("simulate", "fit
// uncertainty 3/20", "sensitivity costs ×0.5" …), its position among the
// stages, and the Monte Carlo progress within it.
type Progress struct {
	Stage        string
	Step, Steps  int
	Customers    int
	CustomersOf  int
	StageElapsed float64 // seconds
}

// SimOutcome is a simulation whose intervals include the uncertainty of
// the fitted environment.
type SimOutcome struct {
	// Result is the run on the environment fitted to the whole log.
	Result *montecarlo.Result `json:"result"`
	// Net[i] is policy i's net value per customer over the horizon,
	// Uplift[i] its paired difference with the holdout, Paired[i][j] the
	// paired difference of net value i − j; each interval is
	// value ± t·√(SE²_MC + Var_fit), Var_fit the variance of the same
	// quantity across the R replicate environments (0 without replicates)
	// and t the 97.5% quantile of Student's t with the Welch–Satterthwaite
	// degrees of freedom (SE²_MC + Var_fit)²·(R−1)/Var_fit² (1.96 without
	// replicates).
	Net    []Estimate   `json:"net"`
	Uplift []Estimate   `json:"uplift"`
	Paired [][]Estimate `json:"paired"`
	// Replicates is the number of replicate environments run.
	Replicates int `json:"replicates"`
}

// Names returns the policy names.
func (s *SimOutcome) Names() []string {
	out := make([]string, len(s.Result.Policies))
	for i, p := range s.Result.Policies {
		out[i] = p.Name
	}
	return out
}

// SimulateEnv runs build on base with opt, then on each replicate
// environment (env.Bootstrap) with the same seed and repCustomers
// customers (common random numbers, so replicates differ only by their
// parameters), and widens every interval by the variance across
// replicates (see SimOutcome).
func SimulateEnv(ctx context.Context, base *env.Env, reps []*env.Env, build montecarlo.Build, opt montecarlo.Options, repCustomers int, progress func(Progress)) (*SimOutcome, error) {
	steps := 1 + len(reps)
	stage := func(name string, step int) func(montecarlo.Progress) {
		if progress == nil {
			return nil
		}
		return func(p montecarlo.Progress) {
			progress(Progress{Stage: name, Step: step, Steps: steps, Customers: p.Done, CustomersOf: p.Total, StageElapsed: p.Elapsed.Seconds()})
		}
	}
	o := opt
	o.Progress = stage("simulate", 1)
	res, err := montecarlo.Run(ctx, base, build, o)
	if err != nil {
		return nil, err
	}
	P := len(res.Policies)
	out := &SimOutcome{Result: res, Replicates: len(reps)}
	netW := make([]montecarlo.Welford, P)
	upW := make([]montecarlo.Welford, P)
	pairW := make([]montecarlo.Welford, P*P)
	for r, rep := range reps {
		o := opt
		if repCustomers > 0 {
			o.Customers = repCustomers
		}
		o.Progress = stage(fmt.Sprintf("fit uncertainty %d/%d", r+1, len(reps)), r+2)
		rr, err := montecarlo.Run(ctx, rep, build, o)
		if err != nil {
			return nil, err
		}
		for i := 0; i < P; i++ {
			netW[i].Add(rr.Policies[i].Metrics[montecarlo.Net].Mean)
			upW[i].Add(rr.Policies[i].Uplift[montecarlo.Net].Mean)
			for j := 0; j < P; j++ {
				pairW[i*P+j].Add(rr.Paired[i][j].Mean)
			}
		}
	}
	v := func(w montecarlo.Welford) float64 {
		if w.N < 2 {
			return 0
		}
		return w.M2 / (w.N - 1)
	}
	R := float64(len(reps))
	widen := func(s montecarlo.Stat, fitVar float64) Estimate {
		vm := s.StdErr * s.StdErr
		se := math.Sqrt(vm + fitVar)
		if fitVar == 0 || R < 2 {
			return normalEstimate(s.Mean, se)
		}
		// Welch–Satterthwaite degrees of freedom: the fit variance is
		// estimated from R replicates (R−1 df), the Monte Carlo one from
		// many customers (treated as exact).
		df := (vm + fitVar) * (vm + fitVar) / (fitVar * fitVar / (R - 1))
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
		return Estimate{Value: s.Mean, StdErr: se, Low: s.Mean - q*se, High: s.Mean + q*se}
	}
	out.Paired = make([][]Estimate, P)
	for i := 0; i < P; i++ {
		out.Net = append(out.Net, widen(res.Policies[i].Metrics[montecarlo.Net], v(netW[i])))
		out.Uplift = append(out.Uplift, widen(res.Policies[i].Uplift[montecarlo.Net], v(upW[i])))
		out.Paired[i] = make([]Estimate, P)
		for j := 0; j < P; j++ {
			if i == j {
				continue
			}
			out.Paired[i][j] = widen(res.Paired[i][j], v(pairW[i*P+j]))
		}
	}
	return out, nil
}

// Verdict is the outcome of a comparison by one method.
type Verdict struct {
	Method string `json:"method"`
	// Ranking lists the policies from the highest value to the lowest.
	Ranking []string `json:"ranking"`
	// Leader is the policy with the highest value, RunnerUp the next;
	// Diff is their paired difference.
	Leader   string   `json:"leader"`
	RunnerUp string   `json:"runner_up"`
	Diff     Estimate `json:"diff"`
	// Declared is true when Diff's interval excludes zero: Leader is then
	// the winner. Otherwise Tied lists the leader and every policy whose
	// paired difference with it has an interval containing zero.
	Declared bool     `json:"declared"`
	Winner   string   `json:"winner,omitempty"`
	Tied     []string `json:"tied,omitempty"`
	Text     string   `json:"text"`
}

// CannotTell is the verdict's wording when no winner is declared.
const CannotTell = "cannot tell apart with this data"

// Decide ranks the policies by value and declares the leader the winner
// only when the interval of paired[leader][runner-up] excludes zero.
func Decide(method string, names []string, value []Estimate, paired [][]Estimate) Verdict {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return value[idx[a]].Value > value[idx[b]].Value })
	v := Verdict{Method: method}
	for _, i := range idx {
		v.Ranking = append(v.Ranking, names[i])
	}
	if len(idx) == 0 {
		v.Text = "no policies"
		return v
	}
	top := idx[0]
	v.Leader = names[top]
	if len(idx) == 1 {
		v.Declared, v.Winner = true, v.Leader
		v.Text = fmt.Sprintf("%s: only one policy (%s)", method, v.Leader)
		return v
	}
	v.RunnerUp = names[idx[1]]
	v.Diff = paired[top][idx[1]]
	if v.Diff.Low > 0 {
		v.Declared, v.Winner = true, v.Leader
		v.Text = fmt.Sprintf("%s: %s wins; it beats the runner-up %s by %.3f (95%% interval %.3f to %.3f)",
			method, v.Leader, v.RunnerUp, v.Diff.Value, v.Diff.Low, v.Diff.High)
		return v
	}
	v.Tied = []string{v.Leader}
	for _, j := range idx[1:] {
		if !paired[top][j].Excludes0() {
			v.Tied = append(v.Tied, names[j])
		}
	}
	v.Text = fmt.Sprintf("%s: %s — %s (leader %s ahead of %s by %.3f, 95%% interval %.3f to %.3f)",
		method, strings.Join(v.Tied, ", "), CannotTell, v.Leader, v.RunnerUp, v.Diff.Value, v.Diff.Low, v.Diff.High)
	return v
}

// SimVerdict is Decide on a simulation's net values.
func (s *SimOutcome) Verdict() Verdict {
	return Decide("simulation", s.Names(), s.Net, s.Paired)
}
