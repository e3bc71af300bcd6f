package simulate_test

import (
	"context"
	"testing"

	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/policy"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
)

// runToEnd runs the command of backend.Simulate as the runtime would,
// following the progress messages, and returns the result.
func runToEnd(b *testing.B, msg any) *compare.RunResult {
	for {
		switch m := msg.(type) {
		case backend.SimProgressMsg:
			msg = m.Next()()
		case backend.ResultMsg:
			if m.Err != nil {
				b.Fatal(m.Err)
			}
			return m.Value.(*compare.RunResult)
		default:
			b.Fatalf("unexpected %T", msg)
		}
	}
}

// BenchmarkResults measures the Simulate screen on the 300-customer
// fixture with the built-in example's 11 policies: "query+render" is a run
// (both methods, 90 days, one simulated customer per customer of the log,
// 5 refits; the decision log cached) and the results view at 120×40;
// "render" is the results view alone.
func BenchmarkResults(b *testing.B) {
	bk := openDB(b)
	s, _, _ := open(b, bk, 120, 40)
	set := simulate.DefaultSettings()
	opt := compare.RunOptions{Simulate: true, OPE: true, PolicyData: policy.ExamplePolicies,
		HorizonDays: set.HorizonDays, Seed: set.Seed, Refits: set.Refits}
	b.Run("query+render", func(b *testing.B) {
		for b.Loop() {
			r := runToEnd(b, bk.Simulate(context.Background(), simulate.KindRun, "bench", simulate.Builtin, opt)())
			s.ShowResult(r, set)
			_ = s.View()
		}
	})
	r := runToEnd(b, bk.Simulate(context.Background(), simulate.KindRun, "bench", simulate.Builtin, opt)())
	s.ShowResult(r, set)
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			_ = s.View()
		}
	})
}
