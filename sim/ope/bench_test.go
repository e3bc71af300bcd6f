package ope

import (
	"syscall"
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
