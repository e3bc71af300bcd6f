package compare_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// TestRunAll runs the simulate command's wiring on a generated
// 300-customer sample's decision log: a subset of the example policies by
// both methods, the subset's rows only, the same numbers from the file on
// disk and from its bytes, and the errors a user can trigger.
func TestRunAll(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 300, Seed: 42}, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("..", "policy", "testdata", "sample-policies.yaml")
	opt := compare.RunOptions{Simulate: true, OPE: true, Only: []string{"always email", "do nothing"},
		LogPath: filepath.Join(dir, "decisions.csv"), HorizonDays: 30, Seed: 3}
	var stages []string
	r, err := compare.RunAll(context.Background(), nil, file, opt, func(p compare.Progress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	c := r.Comparison
	if len(c.Rows) != 2 || c.Rows[0].Policy != "do nothing" || c.Rows[1].Policy != "always email" {
		t.Fatalf("rows %+v, want do nothing and always email in file order", c.Rows)
	}
	if c.Sim == nil || c.OPE == nil || r.Env == nil || r.Log.N() == 0 {
		t.Fatal("both methods should have run")
	}
	if c.Sim.Result.HorizonDays != 30 || c.Sim.Result.Seed != 3 || c.Sim.Result.Customers != len(r.Env.Customers) {
		t.Errorf("options not applied: %+v", c.Sim.Result)
	}
	for _, want := range []string{"reading the decision log", "fitting the environment", "simulate", "off-policy evaluation"} {
		if !strings.Contains(strings.Join(stages, "|"), want) {
			t.Errorf("no stage %q in %v", want, stages)
		}
	}
	// The same policies from the file's bytes give the same numbers.
	opt2 := opt
	opt2.PolicyData = policy.ExamplePolicies
	r2, err := compare.RunAll(context.Background(), nil, "example", opt2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Rows {
		if *c.Rows[i].SimNet != *r2.Comparison.Rows[i].SimNet || *c.Rows[i].OPE != *r2.Comparison.Rows[i].OPE {
			t.Errorf("row %d differs between the file and its bytes", i)
		}
	}
	bad := []struct {
		name string
		mod  func(*compare.RunOptions)
		want string
	}{
		{"no method", func(o *compare.RunOptions) { o.Simulate, o.OPE = false, false }, "choose a method"},
		{"unknown policy", func(o *compare.RunOptions) { o.Only = []string{"fax everyone"} }, `no policy named "fax everyone"`},
		{"bad file", func(o *compare.RunOptions) {
			o.Only, o.PolicyData = nil, []byte("policies: [{name: a, type: single, action: fax}]")
		}, `action "fax"`},
	}
	for _, b := range bad {
		o := opt
		b.mod(&o)
		if _, err := compare.RunAll(context.Background(), nil, file, o, nil); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
	// A cancelled context stops the run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := compare.RunAll(ctx, nil, file, opt, nil); err == nil {
		t.Error("a cancelled run should fail")
	}
}
