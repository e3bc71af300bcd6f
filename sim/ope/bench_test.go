package ope

import (
	"syscall"

	"gonum.org/v1/gonum/mat"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluate1M runs every default estimator (DM, IPW, SNIPW, DR,
// SNDR, Switch-DR τ=100, and IPW and DR clipped at λ=10) with 1,000
// bootstrap resamples over 1,000,000 logged decisions with K=5 actions.
// Besides wall time it reports cpu-s/op, the CPU seconds spent, which is
// what the two workers share.
func BenchmarkEvaluate1M(b *testing.B) {
	s := worldA().draw(1_000_000, 1)
	opts := Options{Clip: 10, Bootstrap: 1000, Seed: 7}
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		rep, err := Evaluate(s.log, s.actionDist, s.qTrue, opts)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Results[0].Replicates != 1000 {
			b.Fatalf("got %d replicates", rep.Results[0].Replicates)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkFitRewardModel1M fits the reward models, cross-fitted over 3
// folds, on 1,000,000 rounds with K=5 actions: the ridge models on one-hot
// of 4 cells plus one number, the tabular model on the 4 cells (a number
// would make every round its own cell; bin it with EncodeOptions).
func BenchmarkFitRewardModel1M(b *testing.B) {
	s := worldA().draw(1_000_000, 1)
	n, d := s.X.Dims()
	cells := s.X.Slice(0, n, 0, d-1).(*mat.Dense)
	for _, kind := range []RewardModelKind{RidgePerAction, RidgePooled, Tabular} {
		X := s.X
		if kind == Tabular {
			X = cells
		}
		b.Run(kind.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := FitRewardModel(X, s.log.Actions, s.log.Rewards, s.log.K, RewardModelOptions{Kind: kind}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
