package ope_test

import (
	"fmt"

	"github.com/journeyworkbench/workbench/sim/ope"
)

// Four logged decisions between two actions; the evaluation policy always
// plays action 1. By hand: w = (0, 4, 2, 0), q̂(x,π_e) = (.2, .3, 1, .4),
// so DM = 1.9/4, IPW = (4·0 + 2·2)/4, SNIPW = 4/6, DR = (1.9 + 4·(0−.3) +
// 2·(2−1))/4, SNDR = 1.9/4 + 0.8/6 and ESS = 6²/20.
func ExampleEvaluate() {
	log := &ope.Log{
		K:       2,
		Actions: []int{0, 1, 1, 0},
		Rewards: []float64{1, 0, 2, 0},
		Pscore:  []float64{0.5, 0.25, 0.5, 0.8},
	}
	always1 := []float64{0, 1, 0, 1, 0, 1, 0, 1}
	qhat := []float64{0.6, 0.2, 0.4, 0.3, 0.5, 1.0, 0.1, 0.4}
	rep, err := ope.Evaluate(log, always1, qhat, ope.Options{Bootstrap: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Printf("%-16s %.4f\n", r.Name, r.Value)
	}
	d := rep.Diagnostics
	fmt.Printf("mean weight %.2f, max %.0f, ESS %.2f, never taken %.0f%%\n", d.MeanWeight, d.MaxWeight, d.ESS, 100*d.NeverTakenShare)
	// Output:
	// dm               0.4750
	// ipw              1.0000
	// snipw            0.6667
	// dr               0.6750
	// sndr             0.6083
	// switch-dr(τ=100) 0.6750
	// mean weight 1.50, max 4, ESS 1.80, never taken 50%
}
