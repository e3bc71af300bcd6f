package attribution

import (
	"fmt"
	"sync"
	"testing"
)

var (
	benchOnce  sync.Once
	benchPaths []Path
)

// benchData is 100,000 single-journey synthetic paths over 7 channels.
func benchData() []Path {
	benchOnce.Do(func() { benchPaths = syntheticPaths(100000, 7, 99) })
	return benchPaths
}

func BenchmarkMarkov(b *testing.B) {
	paths := benchData()
	for k := 1; k <= MaxMarkovOrder; k++ {
		b.Run(fmt.Sprintf("order=%d", k), func(b *testing.B) {
			var r MarkovResult
			var err error
			for b.Loop() {
				if r, err = Markov(paths, MarkovOptions{Order: k}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.States), "states")
		})
	}
}

func BenchmarkMarkovAggregated(b *testing.B) {
	paths := Aggregate(benchData())
	b.ReportMetric(float64(len(paths)), "paths")
	for k := 1; k <= MaxMarkovOrder; k++ {
		b.Run(fmt.Sprintf("order=%d", k), func(b *testing.B) {
			for b.Loop() {
				if _, err := Markov(paths, MarkovOptions{Order: k}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMarkovMonteCarlo(b *testing.B) {
	paths := benchData()
	for b.Loop() {
		if _, err := Markov(paths, MarkovOptions{Order: 1, MonteCarlo: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkShapley(b *testing.B) {
	paths := benchData()
	for _, m := range []struct {
		name   string
		method ShapleyMethod
	}{{"dividends", ShapleyDividends}, {"enumerate", ShapleyEnumerate}} {
		b.Run(m.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Shapley(paths, ShapleyOptions{Method: m.method}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHeuristics(b *testing.B) {
	paths := benchData()
	for _, m := range []string{ModelFirstTouch, ModelLinear, ModelPositionBased, ModelTimeDecay} {
		b.Run(m, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(m, paths, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
