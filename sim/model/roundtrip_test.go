package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// roundTripCustomers is the number of customers of the round trip.
const roundTripCustomers = 10000

// TestRoundTrip10000 exports the example's targeted table, with the
// policy file's contact rules folded in (consent per channel, at most 2
// SMS in 14 days), as DMN and as a CEL rule set, and checks that for
// 10,000 customers of a generated sample — each at the state of their
// last logged decision (context, consents and contact history from the
// decision log) — three evaluations decide identically:
//
//	(a) feelin on the DMN file (dmncheck/check.mjs; action and rule);
//	(b) cel-go on the rule-set file loaded by Load, the path `workbench
//	    decide` takes (action and rule);
//	(c) the policy as the simulator uses it: policy.Choose of Probs of
//	    the file's policy wrapped in the contact rules (action).
func TestRoundTrip10000(t *testing.T) {
	dir := t.TempDir()
	// 15,000 persons give more than 10,000 customers with a decision.
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 15000, Seed: 42}, nil); err != nil {
		t.Fatal(err)
	}
	tab, f := targetedTable(t)
	as := fileActions(f)
	l, err := decisionlog.ReadCSV(filepath.Join(dir, "decisions.csv"), as)
	if err != nil {
		t.Fatal(err)
	}
	// The last decision of each customer, the first 10,000 customers by id.
	last := map[string]int{}
	for i := 0; i < l.N(); i++ {
		if j, ok := last[l.Customer[i]]; !ok || l.Time[i] >= l.Time[j] {
			last[l.Customer[i]] = i
		}
	}
	custs := sortedKeys(last)
	if len(custs) < roundTripCustomers {
		t.Fatalf("only %d customers with a decision", len(custs))
	}
	custs = custs[:roundTripCustomers]
	sort.Strings(custs)

	rules := f.ContactRules
	sim := &policy.Constrained{Policy: tab, Rules: rules, Actions: as}
	folded, err := FoldContactRules(tab, rules)
	if err != nil {
		t.Fatal(err)
	}
	m := New(folded, time.Now())
	m.Meta.ContactRules = rules
	m.Meta.Data = &DataInfo{Source: "decisions.csv", Customers: roundTripCustomers, Decisions: l.N()}
	dmnPath, rulesPath := filepath.Join(dir, "model.dmn"), filepath.Join(dir, "model.json")
	for path, write := range map[string]func(*os.File) error{
		dmnPath:   func(w *os.File) error { return WriteDMN(w, m) },
		rulesPath: func(w *os.File) error { return WriteRules(w, m) },
	} {
		w, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(w); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	_, eng, err := Load(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	probs := make([]float64, len(as.Names))
	var cases []checkCase
	counts := map[string]int{}
	blocked := 0
	for k, c := range custs {
		var s policy.State
		l.State(last[c], &s)
		s.Logged = nil // as in a simulation
		sim.Probs(&s, probs)
		want := as.Names[policy.Choose(probs)]
		ContactFeatures(&s, rules)
		d, err := eng.DecideState(&s)
		if err != nil {
			t.Fatal(err)
		}
		if d.Action != want {
			t.Fatalf("customer %s: rule set decides %s (%s), the simulator's policy %s; state %v", c, d.Action, d.RuleID, want, s.Features)
		}
		if a, _ := tab.Decide(&s); as.Names[a] != want {
			blocked++
		}
		counts[want]++
		cc := checkCase{ID: fmt.Sprint(k, " ", c), Values: map[string]any{}}
		for _, in := range folded.Inputs {
			cc.Values[in.Name] = jsonValue(s.Get(in.Name), in.Type)
		}
		cc.Expect.Action, cc.Expect.Rule = d.Action, d.RuleID
		cases = append(cases, cc)
	}
	sum := runDMNCheck(t, dmnPath, cases)
	t.Logf("10,000 customers: identical decisions from feelin (DMN), cel-go (rule set) and the simulator's policy; actions %v; %d diverted by the contact rules; %d folded rules; %d input entries evaluated by feelin",
		counts, blocked, len(folded.Rules), sum.EntriesEvaluated)
	if blocked == 0 || len(counts) < 3 {
		t.Errorf("the sample should exercise the contact rules and several actions: %v, %d blocked", counts, blocked)
	}
}
