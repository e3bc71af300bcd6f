package compare

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
)

// Row is one policy in the comparison table.
type Row struct {
	Policy string `json:"policy"`
	// Simulation: net value per customer over the horizon and its uplift
	// against the holdout (intervals include the fit's uncertainty), and
	// the other means per customer.
	SimNet      *Estimate `json:"sim_net,omitempty"`
	SimUplift   *Estimate `json:"sim_uplift,omitempty"`
	Conversions float64   `json:"conversions"`
	Revenue     float64   `json:"revenue"`
	Cost        float64   `json:"cost"`
	Contacts    float64   `json:"contacts"`
	OptOuts     float64   `json:"opt_outs"`
	SimRank     int       `json:"sim_rank,omitempty"`
	// OPE: the off-policy estimate of the mean reward per logged decision.
	OPE     *Estimate `json:"ope,omitempty"`
	OPERank int       `json:"ope_rank,omitempty"`
}

// Comparison is the table of all policies under both methods with the
// verdict of each and, optionally, the sensitivity of the simulation's
// ranking.
type Comparison struct {
	Rows        []Row        `json:"rows"`
	SimVerdict  *Verdict     `json:"sim_verdict,omitempty"`
	OPEVerdict  *Verdict     `json:"ope_verdict,omitempty"`
	Sensitivity *Sensitivity `json:"sensitivity,omitempty"`
	Sim         *SimOutcome  `json:"simulation,omitempty"`
	OPE         *OPEOutcome  `json:"ope,omitempty"`
	Notes       []string     `json:"notes"`
}

// Combine builds the comparison from a simulation and/or an off-policy
// evaluation of the same policies (either may be nil).
func Combine(sim *SimOutcome, o *OPEOutcome) *Comparison {
	c := &Comparison{Sim: sim, OPE: o}
	var names []string
	if sim != nil {
		names = sim.Names()
	} else if o != nil {
		names = o.Names
	}
	for _, n := range names {
		c.Rows = append(c.Rows, Row{Policy: n})
	}
	rank := func(ranking []string, set func(r *Row, k int)) {
		for k, n := range ranking {
			for i := range c.Rows {
				if c.Rows[i].Policy == n {
					set(&c.Rows[i], k+1)
				}
			}
		}
	}
	if sim != nil {
		for i, p := range sim.Result.Policies {
			r := &c.Rows[i]
			net, up := sim.Net[i], sim.Uplift[i]
			r.SimNet, r.SimUplift = &net, &up
			r.Conversions = p.Metrics[montecarlo.Conversions].Mean
			r.Revenue = p.Metrics[montecarlo.Revenue].Mean
			r.Cost = p.Metrics[montecarlo.Cost].Mean
			r.Contacts = p.Metrics[montecarlo.Contacts].Mean
			r.OptOuts = p.Metrics[montecarlo.OptOuts].Mean
		}
		v := sim.Verdict()
		c.SimVerdict = &v
		rank(v.Ranking, func(r *Row, k int) { r.SimRank = k })
		c.Notes = append(c.Notes, fmt.Sprintf("simulation: %d customers × %d days, seed %d; net value per customer; intervals are normal 95%% intervals widened by the spread over %d refits of the environment on resampled customers",
			sim.Result.Customers, sim.Result.HorizonDays, sim.Result.Seed, sim.Replicates))
	}
	if o != nil {
		for j, n := range o.Names {
			for i := range c.Rows {
				if c.Rows[i].Policy == n {
					e := o.Value[j]
					c.Rows[i].OPE = &e
				}
			}
		}
		v := o.Verdict()
		c.OPEVerdict = &v
		rank(v.Ranking, func(r *Row, k int) { r.OPERank = k })
		c.Notes = append(c.Notes, fmt.Sprintf("off-policy evaluation: %s on %d logged decisions; mean reward per decision; normal 95%% intervals", o.Estimator, o.N))
	}
	return c
}

func r3(x float64) float64 { return math.Round(x*1000) / 1000 }
func r4(x float64) float64 { return math.Round(x*10000) / 10000 }

func interval(e *Estimate) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf("[%.3f, %.3f]", e.Low, e.High)
}

// Table returns the comparison as a report table: one row per policy.
func (c *Comparison) Table() *report.Table {
	t := report.New("policy", "sim_rank", "sim_net", "sim_interval", "sim_uplift", "uplift_interval",
		"conversions", "revenue", "cost", "contacts", "opt_outs", "ope_rank", "ope_value", "ope_interval")
	for _, r := range c.Rows {
		cells := []any{r.Policy}
		if r.SimNet != nil {
			cells = append(cells, r.SimRank, r3(r.SimNet.Value), interval(r.SimNet), r3(r.SimUplift.Value), interval(r.SimUplift),
				r4(r.Conversions), r3(r.Revenue), r3(r.Cost), r4(r.Contacts), r4(r.OptOuts))
		} else {
			cells = append(cells, "", "", "", "", "", "", "", "", "", "")
		}
		if r.OPE != nil {
			cells = append(cells, r.OPERank, r3(r.OPE.Value), interval(r.OPE))
		} else {
			cells = append(cells, "", "", "")
		}
		t.Add(cells...)
	}
	return t
}

// Summary returns the verdicts and the sensitivity in plain sentences.
func (c *Comparison) Summary() []string {
	var out []string
	if c.SimVerdict != nil {
		out = append(out, c.SimVerdict.Text)
	}
	if c.OPEVerdict != nil {
		out = append(out, c.OPEVerdict.Text)
	}
	if c.Sensitivity != nil {
		out = append(out, c.Sensitivity.Text)
	}
	return out
}

// Scenario is one perturbed environment of the sensitivity analysis.
type Scenario struct {
	Name         string    `json:"name"`
	CostFactor   float64   `json:"cost_factor"`
	UpliftFactor float64   `json:"uplift_factor"`
	Names        []string  `json:"names"`
	Net          []float64 `json:"net"`
	Verdict      Verdict   `json:"verdict"`
}

// Sensitivity is how the simulation's ranking moves under perturbations.
type Sensitivity struct {
	Scenarios []Scenario `json:"scenarios"`
	// RankingStable is true when every scenario ranks the policies as the
	// unperturbed one does; LeaderStable when every scenario has the same
	// leader.
	RankingStable bool   `json:"ranking_stable"`
	LeaderStable  bool   `json:"leader_stable"`
	Text          string `json:"text"`
}

// SensitivityBounds are the perturbations: each cost factor with the
// fitted uplifts, and each uplift factor with the fitted costs.
type SensitivityBounds struct {
	CostFactors, UpliftFactors []float64
}

// DefaultBounds are costs ×0.5 and ×1.5 and fitted uplifts −20% and +20%.
func DefaultBounds() SensitivityBounds {
	return SensitivityBounds{CostFactors: []float64{0.5, 1.5}, UpliftFactors: []float64{0.8, 1.2}}
}

// Sensitize reruns the policies on base (as fitted) and on each perturbed
// environment (env.Perturb) with opt (use a smaller population than the
// main run: the scenarios share its seed, so their differences are paired)
// and reports each scenario's ranking and verdict (intervals: Monte Carlo
// only) and whether the ranking is stable.
func Sensitize(ctx context.Context, base *env.Env, build montecarlo.Build, opt montecarlo.Options, b SensitivityBounds, progress func(Progress)) (*Sensitivity, error) {
	type sc struct {
		name       string
		cost, lift float64
	}
	scs := []sc{{"as fitted", 1, 1}}
	for _, f := range b.CostFactors {
		scs = append(scs, sc{fmt.Sprintf("costs ×%g", f), f, 1})
	}
	for _, f := range b.UpliftFactors {
		scs = append(scs, sc{fmt.Sprintf("uplifts %+g%%", math.Round((f-1)*100)), 1, f})
	}
	s := &Sensitivity{RankingStable: true, LeaderStable: true}
	for k, x := range scs {
		o := opt
		if progress != nil {
			o.Progress = func(p montecarlo.Progress) {
				progress(Progress{Stage: "sensitivity: " + x.name, Step: k + 1, Steps: len(scs), Customers: p.Done, CustomersOf: p.Total, StageElapsed: p.Elapsed.Seconds()})
			}
		}
		e := base
		if x.cost != 1 || x.lift != 1 {
			e = base.Perturb(x.cost, x.lift)
		}
		r, err := montecarlo.Run(ctx, e, build, o)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(r.Policies))
		vals := make([]Estimate, len(r.Policies))
		net := make([]float64, len(r.Policies))
		pairs := make([][]Estimate, len(r.Policies))
		for i, p := range r.Policies {
			st := p.Metrics[montecarlo.Net]
			names[i], net[i] = p.Name, st.Mean
			vals[i] = Estimate{Value: st.Mean, Low: st.Low, High: st.High, StdErr: st.StdErr}
			pairs[i] = make([]Estimate, len(r.Policies))
			for j := range pairs[i] {
				q := r.Paired[i][j]
				pairs[i][j] = Estimate{Value: q.Mean, Low: q.Low, High: q.High, StdErr: q.StdErr}
			}
		}
		v := Decide(x.name, names, vals, pairs)
		s.Scenarios = append(s.Scenarios, Scenario{Name: x.name, CostFactor: x.cost, UpliftFactor: x.lift, Names: names, Net: net, Verdict: v})
		if k > 0 {
			if !slices.Equal(v.Ranking, s.Scenarios[0].Verdict.Ranking) {
				s.RankingStable = false
			}
			if v.Leader != s.Scenarios[0].Verdict.Leader {
				s.LeaderStable = false
			}
		}
	}
	var moved []string
	for _, x := range s.Scenarios[1:] {
		if x.Verdict.Leader != s.Scenarios[0].Verdict.Leader {
			moved = append(moved, fmt.Sprintf("%s → %s leads", x.Name, x.Verdict.Leader))
		}
	}
	bounds := fmt.Sprintf("costs ×%v, uplifts ×%v", b.CostFactors, b.UpliftFactors)
	switch {
	case s.RankingStable:
		s.Text = fmt.Sprintf("sensitivity (%s): the ranking does not change", bounds)
	case s.LeaderStable:
		s.Text = fmt.Sprintf("sensitivity (%s): %s leads in every scenario; lower places move", bounds, s.Scenarios[0].Verdict.Leader)
	default:
		s.Text = fmt.Sprintf("sensitivity (%s): the leader changes: %s", bounds, strings.Join(moved, "; "))
	}
	return s, nil
}

// Table returns one row per scenario and policy, in ranking order.
func (s *Sensitivity) Table() *report.Table {
	t := report.New("scenario", "policy", "rank", "net", "leader", "winner_declared")
	for _, x := range s.Scenarios {
		net := map[string]float64{}
		for i, n := range x.Names {
			net[n] = x.Net[i]
		}
		for k, n := range x.Verdict.Ranking {
			t.Add(x.Name, n, k+1, r3(net[n]), x.Verdict.Leader, x.Verdict.Declared)
		}
	}
	return t
}

// CurvesTable returns the learning curves of the simulation: mean net
// reward per decision by bucket of days, one row per policy and bucket.
func CurvesTable(r *montecarlo.Result) *report.Table {
	t := report.New("policy", "learner", "day", "decisions", "mean_reward")
	for _, p := range r.Policies {
		for _, c := range p.Curve {
			t.Add(p.Name, p.Learner, c.Day, c.Decisions, r4(c.Mean))
		}
	}
	return t
}
