package compare_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/env"
	"github.com/journeyworkbench/workbench/sim/env/truthenv"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
	"github.com/journeyworkbench/workbench/sim/policy"
)

const candidates = "testdata/candidates.yaml"

// world is one generated sample with everything the ground-truth test
// derives from it.
type world struct {
	seed   int64
	truth  *sample.Truth
	log    *decisionlog.Log
	fitted *env.Env
	true_  *env.Env
	build  montecarlo.Build
	opeB   decisionlog.BuildFunc
}

func readPolicies(t testing.TB) []byte {
	b, err := os.ReadFile(candidates)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newWorld(t testing.TB, seed int64, customers int) *world {
	t.Helper()
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: customers, Seed: seed}, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := sample.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := readPolicies(t)
	l, err := decisionlog.ReadCSV(filepath.Join(dir, "decisions.csv"), policy.DefaultActions())
	if err != nil {
		t.Fatal(err)
	}
	fitted, err := env.Fit(l, env.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	te, err := truthenv.New(fitted, tr)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{seed: seed, truth: tr, log: l, fitted: fitted, true_: te}
	w.opeB = func(ctx *policy.Context) ([]policy.Policy, error) {
		lp, err := policy.ParseWith(strings.NewReader(string(src)), ctx)
		if err != nil {
			return nil, err
		}
		return lp.Policies, nil
	}
	w.build = func() ([]policy.Policy, error) { return w.opeB(l.Context()) }
	return w
}

// trueValues simulates the ground-truth environment with copies × the
// population (a seed unrelated to the fitted runs): the true net value
// per customer of each policy, to Monte Carlo precision.
func (w *world) trueValues(t testing.TB, copies int) *montecarlo.Result {
	r, err := montecarlo.Run(context.Background(), w.true_, w.build, montecarlo.Options{
		Customers: copies * len(w.true_.Customers), Seed: uint64(w.seed)*7919 + 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGroundTruthExperiment(t *testing.T) {
	if os.Getenv("SIM_EXPERIMENT") == "" {
		t.Skip("set SIM_EXPERIMENT=1")
	}
	var mu sync.Mutex
	for seed := int64(1); seed <= 3; seed++ {
		w := newWorld(t, seed, 2000)
		tv := w.trueValues(t, 30)
		reps, err := env.Bootstrap(w.log, w.fitted, env.FitOptions{}, 10, uint64(seed))
		if err != nil {
			t.Fatal(err)
		}
		so, err := compare.SimulateEnv(context.Background(), w.fitted, reps, w.build,
			montecarlo.Options{Customers: 4 * len(w.fitted.Customers), Seed: uint64(seed)}, len(w.fitted.Customers), nil)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		fmt.Printf("seed %d: %d customers, %d decisions; truth steps/s %.0f (%v)\n", seed, len(w.fitted.Customers), w.log.N(), tv.StepsPerSecond(), tv.Elapsed)
		for i, p := range so.Result.Policies {
			tval := tv.Policies[i].Metrics[montecarlo.Net]
			in := so.Net[i].Contains(tval.Mean)
			fmt.Printf("  %-22s true %8.3f ±%.3f  sim %8.3f [%8.3f, %8.3f] %v  contacts %.2f/%.2f optouts %.3f/%.3f conv %.3f/%.3f\n", p.Name, tval.Mean, tval.StdErr*1.96,
				so.Net[i].Value, so.Net[i].Low, so.Net[i].High, in,
				p.Metrics[montecarlo.Contacts].Mean, tv.Policies[i].Metrics[montecarlo.Contacts].Mean,
				p.Metrics[montecarlo.OptOuts].Mean, tv.Policies[i].Metrics[montecarlo.OptOuts].Mean,
				p.Metrics[montecarlo.Conversions].Mean, tv.Policies[i].Metrics[montecarlo.Conversions].Mean)
		}
		v := so.Verdict()
		fmt.Println("  ", v.Text, math.NaN() == 0)
		for _, n := range w.fitted.Notes {
			fmt.Println("   note:", n)
		}
		mu.Unlock()
	}
}
