package attribution

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// allModels runs every model, Markov at every order and with its Monte
// Carlo estimate, on paths.
func allModels(t *testing.T, paths []Path) []Result {
	t.Helper()
	var out []Result
	for _, m := range Models() {
		if m == ModelMarkov {
			continue
		}
		r, err := Run(m, paths, Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	for k := 1; k <= MaxMarkovOrder; k++ {
		r, err := Markov(paths, MarkovOptions{Order: k, MonteCarlo: 2000, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		r.Model = fmt.Sprintf("markov k=%d", k)
		r.MonteCarlo.Model = fmt.Sprintf("markov k=%d monte carlo", k)
		out = append(out, r.Result, r.MonteCarlo.Result)
	}
	s, err := Shapley(paths, ShapleyOptions{Method: ShapleyEnumerate})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, s)
}

// Every model's rows sum to the total conversions and value (tolerance
// 1e-9, relative for value).
func TestAttributionSumsToTotals(t *testing.T) {
	paths := syntheticPaths(3000, 6, 21)
	for _, r := range allModels(t, paths) {
		checkSums(t, r, 1e-9)
		if r.TotalConversions == 0 {
			t.Fatalf("%s: no conversions in the synthetic data", r.Model)
		}
	}
}

// Renaming channels and reordering the paths changes nothing but the
// names: every model credits the renamed channel the same (tolerance
// 1e-9). The Monte Carlo estimate is excluded (its random draws follow the
// state numbering).
func TestInvariantToNamingAndOrder(t *testing.T) {
	paths := syntheticPaths(2000, 5, 8)
	rename := map[string]string{"ch0": "zeta", "ch1": "Email", "ch2": "alpha", "ch3": "ch4", "ch4": "ch0"}
	moved := make([]Path, len(paths))
	perm := rand.New(rand.NewPCG(4, 4)).Perm(len(paths))
	for i, j := range perm {
		q := paths[j]
		q.Channels = make([]string, len(paths[j].Channels))
		for k, c := range paths[j].Channels {
			q.Channels[k] = rename[c]
		}
		moved[i] = q
	}
	a, b := allModels(t, paths), allModels(t, moved)
	for i := range a {
		if len(a[i].Rows) != len(b[i].Rows) {
			t.Fatalf("%s: %d rows vs %d", a[i].Model, len(a[i].Rows), len(b[i].Rows))
		}
		if strings.HasSuffix(a[i].Model, "monte carlo") {
			continue
		}
		for _, row := range a[i].Rows {
			other, ok := b[i].Row(rename[row.Channel])
			if !ok || math.Abs(other.Conversions-row.Conversions) > 1e-9 || math.Abs(other.Value-row.Value) > 1e-9*math.Max(1, math.Abs(row.Value)) {
				t.Errorf("%s: %s %+v but renamed %s %+v", a[i].Model, row.Channel, row, rename[row.Channel], other)
			}
		}
	}
}

// The Monte Carlo estimate is reproducible from its seed and changes with
// it.
func TestMonteCarloSeed(t *testing.T) {
	paths := syntheticPaths(500, 4, 2)
	run := func(seed int64) []float64 {
		r, err := Markov(paths, MarkovOptions{Order: 2, MonteCarlo: 5000, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return r.MonteCarlo.RemovalEffect
	}
	a, b, c := run(9), run(9), run(10)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different estimates: %v vs %v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("different seeds, identical estimates %v", a)
	}
}
