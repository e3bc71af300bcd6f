// Package truthenv builds the ground-truth environment of a generated
// sample, for tests: the environment the fitted one tries to recover.
// Production code does not use it.
//
// It keeps what a fitted environment takes from the log as it is — the
// population (each customer's state and arrival rates of decision
// points) — and replaces everything the log shows only through noise or
// not at all by the generator's truth: each customer's latent segment
// decides its response class, with the true base rates, uplifts,
// fatigue, opt-out probabilities, order values (log-normal with the
// segment's mean and log-sd) and costs; broadcasts add background
// contacts at the rate measured per segment in the truth of the logged
// decisions. The true value of a policy over a horizon is then its
// expected value in this environment: a run with montecarlo.Options
// Expected integrates each decision's conversion, order-value and opt-out
// noise out of the metrics, leaving only the Monte Carlo error of the
// customers' paths (decision points, states and learning), which the
// run's standard error states.
package truthenv

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/env"
)

// New returns the ground-truth environment of the sample whose truth is t,
// over the population of fitted (an environment Fit on the sample's
// decision log, whose customer ids are CRM ids).
func New(fitted *env.Env, t *sample.Truth) (*env.Env, error) {
	m := t.Model
	acts := fitted.Actions
	K := len(acts.Names)
	e := &env.Env{Actions: acts, Channel: fitted.Channel, Groups: len(m.Segments),
		FatigueWindowDays: float64(m.FatigueWindowDays), OutcomeDays: fitted.OutcomeDays}
	e.Costs = make([]env.Cost, K)
	for a, n := range acts.Names {
		c, ok := m.Costs[n]
		if !ok {
			return nil, fmt.Errorf("truthenv: action %q is not in the true model", n)
		}
		e.Costs[a] = env.Cost{Fixed: c.Fixed, Rate: c.DiscountRate}
	}
	segIdx := map[string]int{}
	for s, name := range m.Segments {
		segIdx[name] = s
		r := m.Response[name]
		cl := env.Response{Label: name, Fatigue: r.Fatigue, OptOut: make([]float64, K)}
		for ti, tn := range env.TriggerNames {
			cl.Base[ti] = r.Base[tn]
			cl.Uplift[ti] = make([]float64, K)
			for a, an := range acts.Names {
				if an != sample.ActionNone {
					cl.Uplift[ti][a] = r.Uplift[an][tn]
				}
			}
		}
		for a, an := range acts.Names {
			cl.OptOut[a] = r.OptOut[an]
		}
		e.Classes = append(e.Classes, cl)
		e.ClassTable = append(e.ClassTable, s, s) // (group s, trigger 0/1) → class s
	}
	bg := background(t, segIdx)
	e.Customers = make([]env.Customer, len(fitted.Customers))
	for i, c := range fitted.Customers {
		id := c.ID[strings.LastIndexByte(c.ID, ':')+1:]
		pid := "P" + strings.TrimPrefix(id, "C")
		p, ok := t.Person(pid)
		if !ok {
			return nil, fmt.Errorf("truthenv: customer %s has no person %s in the truth", c.ID, pid)
		}
		s := segIdx[p.Segment]
		r := m.Response[p.Segment]
		mu := math.Log(r.OrderValue) - r.OrderValueSigma*r.OrderValueSigma/2
		c.Group = s
		c.CartMu, c.CartSigma = mu, r.OrderValueSigma
		c.LapseMu, c.LapseSigma = mu, r.OrderValueSigma
		c.Background = bg[s]
		e.Customers[i] = c
	}
	e.Notes = []string{"ground truth: the sample's true response model by latent segment, over the fitted population and arrivals",
		fmt.Sprintf("background contacts per day by segment %v: %.3f", m.Segments, bg)}
	return e, e.Validate()
}

// background returns per segment the mean number of non-engine marketing
// contacts per day: mean over logged decisions of (recent contacts − the
// engine's own contacts in the window) / window.
func background(t *sample.Truth, segIdx map[string]int) []float64 {
	w := float64(t.Model.FatigueWindowDays)
	idx := make([]int, len(t.Decisions))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		da, db := &t.Decisions[idx[a]], &t.Decisions[idx[b]]
		if da.CustomerID != db.CustomerID {
			return da.CustomerID < db.CustomerID
		}
		return da.Time.Before(db.Time)
	})
	sum := make([]float64, len(segIdx))
	n := make([]float64, len(segIdx))
	for k, i := range idx {
		d := &t.Decisions[i]
		eng := 0
		for j := k - 1; j >= 0; j-- {
			p := &t.Decisions[idx[j]]
			if p.CustomerID != d.CustomerID || d.Time.Sub(p.Time).Hours() >= w*24 {
				break
			}
			if p.Action != sample.ActionNone {
				eng++
			}
		}
		s := segIdx[d.Segment]
		sum[s] += math.Max(0, float64(d.RecentContacts-eng))
		n[s]++
	}
	out := make([]float64, len(sum))
	for s := range out {
		if n[s] > 0 {
			out[s] = sum[s] / n[s] / w
		}
	}
	return out
}
