package attribution

import (
	"math"
	"testing"
)

// The ChannelAttribution vignette's three paths (reference
// ca_vignette_3paths.csv): exact removal effects RE_A = 1, RE_B = 0.5, so
// A 2.0 and B 1.0, with and without collapsing repeats, at every order that
// keeps B removable on its own.
func TestMarkovVignetteReference(t *testing.T) {
	paths, err := ReadPaths(referenceFile(t, "ca_vignette_3paths.csv"), PathFileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, collapse := range []bool{false, true} {
		r, err := Markov(paths, MarkovOptions{Order: 1, CollapseRepeats: collapse})
		if err != nil {
			t.Fatal(err)
		}
		wantRows(t, r.Result, map[string]float64{"A": 2, "B": 1}, 1e-9)
		if math.Abs(r.RemovalEffect[0]-1) > 1e-9 || math.Abs(r.RemovalEffect[1]-0.5) > 1e-9 {
			t.Errorf("collapse=%v: removal effects %v, want [1 0.5] (tolerance 1e-9)", collapse, r.RemovalEffect)
		}
		if math.Abs(r.PConversion-1) > 1e-12 {
			t.Errorf("P(conversion) = %v, want 1 (no nulls)", r.PConversion)
		}
	}
}

// The same three paths typed in, so the check runs even without the
// reference folder; and the Monte Carlo estimate (10,000 simulations) must
// be within 0.05 of the exact attribution, as pychattr's published
// 1.991106 / 1.008894 is.
func TestMarkovVignetteInlineAndMonteCarlo(t *testing.T) {
	paths := []Path{p("A > B > A > B > B > A", 1, 0, 0), p("A > B > B > A > A", 1, 0, 0), p("A > A", 1, 0, 0)}
	for _, collapse := range []bool{false, true} {
		r, err := Markov(paths, MarkovOptions{Order: 1, CollapseRepeats: collapse, MonteCarlo: 10000, Seed: 26})
		if err != nil {
			t.Fatal(err)
		}
		wantRows(t, r.Result, map[string]float64{"A": 2, "B": 1}, 1e-9)
		if r.MonteCarlo == nil {
			t.Fatal("no Monte Carlo result")
		}
		wantRows(t, r.MonteCarlo.Result, map[string]float64{"A": 2, "B": 1}, 0.05)
		if r.MonteCarlo.Simulations != 10000 || r.MonteCarlo.Conversions != 10000 {
			t.Errorf("simulations %d conversions %d, want 10000 each (no nulls)", r.MonteCarlo.Simulations, r.MonteCarlo.Conversions)
		}
		checkSums(t, r.MonteCarlo.Result, 1e-9)
	}
}

// The vignette's published transition counts (repeats kept in the counts,
// self-loops not being part of the chain): start→A 3, A→B 3, A→conv 3,
// B→A 3; probabilities start→A 1, A→B 0.5, A→conv 0.5, B→A 1 (pychattr).
func TestMarkovTransitionsVignette(t *testing.T) {
	paths := []Path{p("A > B > A > B > B > A", 1, 0, 0), p("A > B > B > A > A", 1, 0, 0), p("A > A", 1, 0, 0)}
	tr, err := MarkovTransitions(paths, MarkovOptions{Order: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Transition{
		{"(start)", "A", 3, 1},
		{"A", "(conversion)", 3, 0.5},
		{"A", "B", 3, 0.5},
		{"B", "A", 3, 1},
	}
	if len(tr) != len(want) {
		t.Fatalf("transitions %v, want %v", tr, want)
	}
	for i := range want {
		if tr[i] != want[i] {
			t.Errorf("transition %d = %+v, want %+v", i, tr[i], want[i])
		}
	}
}

// A hand-derived order-2 case.
//
//	A > B > C   2 conversions        start→AB→BC→conv
//	A > B       2 nulls              start→AB→null
//	C > B > C   1 conversion, 1 null start→CB→BC→conv/null
//
// start: AB 4/6, CB 2/6; AB: BC 1/2, null 1/2; CB: BC 1; BC: conv 3/4.
// x_BC = 3/4, x_AB = 3/8, x_CB = 3/4, P = 2/3·3/8 + 1/3·3/4 = 1/2.
// Remove A (AB): P = 1/4, RE 1/2. Remove B or C: every path, RE 1.
// C = 3: A 3·0.5/2.5 = 0.6, B 1.2, C 1.2.
//
// At order 1 the same paths give start: A 4/6, C 2/6; A: B 1; B: C 4/6,
// null 2/6; C: B 2/6, conv 3/6, null 1/6 → x_C = 9/14, x_B = x_A = 3/7,
// P = 1/2; RE_A = 4/7, RE_B = 2/3, RE_C = 1 → A 36/47, B 42/47, C 63/47.
func TestMarkovHandCases(t *testing.T) {
	paths := []Path{p("A > B > C", 2, 20, 0), p("A > B", 0, 0, 2), p("C > B > C", 1, 5, 1)}
	for _, tc := range []struct {
		order int
		want  map[string]float64
		re    []float64
	}{
		{2, map[string]float64{"A": 0.6, "B": 1.2, "C": 1.2}, []float64{0.5, 1, 1}},
		{1, map[string]float64{"A": 36.0 / 47, "B": 42.0 / 47, "C": 63.0 / 47}, []float64{4.0 / 7, 2.0 / 3, 1}},
	} {
		for _, dense := range []int{0, 1} { // default LU, and Gauss-Seidel forced
			r, err := Markov(paths, MarkovOptions{Order: tc.order, DenseLimit: dense})
			if err != nil {
				t.Fatal(err)
			}
			wantRows(t, r.Result, tc.want, 1e-9)
			for i, w := range tc.re {
				if math.Abs(r.RemovalEffect[i]-w) > 1e-9 {
					t.Errorf("order %d %s: RE[%d] = %v, want %v (tolerance 1e-9)", tc.order, r.Solver, i, r.RemovalEffect[i], w)
				}
			}
			if math.Abs(r.PConversion-0.5) > 1e-12 {
				t.Errorf("order %d: P(conversion) = %v, want 0.5", tc.order, r.PConversion)
			}
			checkSums(t, r.Result, 1e-9)
		}
	}
	// At order 2 every conversion leaves from state BC, so value removal
	// effects equal conversion ones and value is split 0.2/0.4/0.4 of 25.
	r, err := Markov(paths, MarkovOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{5, 10, 10} {
		if math.Abs(r.Rows[i].Value-w) > 1e-9 {
			t.Errorf("order 2 value %s = %v, want %v", r.Rows[i].Channel, r.Rows[i].Value, w)
		}
	}
	// E = P(conv)·(25/3): one converting state with mean value 25/3.
	if math.Abs(r.ExpectedValue-0.5*25/3) > 1e-12 {
		t.Errorf("expected value %v, want %v", r.ExpectedValue, 0.5*25/3)
	}
}

// Order 2 on the vignette, hand-derived. Kept repeats: windows
// AB,BA,AB,BB,BA | AB,BB,BA,AA | AA, all converting. Removing A removes
// every state but BB, which no path starts in: RE_A = 1. Removing B leaves
// only start→AA→conv (1 of 3 starts): RE_B = 2/3. Collapsed repeats
// (A>B>A>B>A, A>B>A, A) give start→AB 2/3, start→(A) 1/3 and the same
// removal effects. So A = 3·1/(5/3) = 1.8 and B = 1.2 either way.
func TestMarkovVignetteOrder2(t *testing.T) {
	paths := []Path{p("A > B > A > B > B > A", 1, 0, 0), p("A > B > B > A > A", 1, 0, 0), p("A > A", 1, 0, 0)}
	for _, collapse := range []bool{false, true} {
		r, err := Markov(paths, MarkovOptions{Order: 2, CollapseRepeats: collapse})
		if err != nil {
			t.Fatal(err)
		}
		wantRows(t, r.Result, map[string]float64{"A": 1.8, "B": 1.2}, 1e-9)
		wantStates := map[bool]int{false: 5, true: 4}[collapse] // start + AB,BA,BB,AA | start + AB,BA,(A)
		if r.States != wantStates {
			t.Errorf("collapse=%v: %d states, want %d", collapse, r.States, wantStates)
		}
	}
}

// Orders outside 1..4 and negative simulation counts are refused.
func TestMarkovOrderValidation(t *testing.T) {
	paths := []Path{p("A > B", 1, 0, 0)}
	for _, k := range []int{-1, 5} {
		if _, err := Markov(paths, MarkovOptions{Order: k}); err == nil {
			t.Errorf("order %d accepted", k)
		}
	}
	if _, err := Markov(paths, MarkovOptions{MonteCarlo: -1}); err == nil {
		t.Error("negative Monte Carlo count accepted")
	}
}

// Dense LU and Gauss-Seidel agree on a larger random chain (order 3).
func TestMarkovSolversAgree(t *testing.T) {
	paths := syntheticPaths(3000, 5, 1)
	for _, k := range []int{1, 2, 3} {
		a, err := Markov(paths, MarkovOptions{Order: k})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Markov(paths, MarkovOptions{Order: k, DenseLimit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if a.Solver != "dense-lu" || b.Solver != "gauss-seidel" {
			t.Fatalf("solvers %s, %s", a.Solver, b.Solver)
		}
		for i := range a.Rows {
			if d := math.Abs(a.Rows[i].Conversions - b.Rows[i].Conversions); d > 1e-9 {
				t.Errorf("order %d %s: LU %v vs GS %v", k, a.Rows[i].Channel, a.Rows[i].Conversions, b.Rows[i].Conversions)
			}
			if d := math.Abs(a.RemovalEffect[i] - b.RemovalEffect[i]); d > 1e-11 {
				t.Errorf("order %d %s: RE LU %v vs GS %v", k, a.Rows[i].Channel, a.RemovalEffect[i], b.RemovalEffect[i])
			}
		}
		if math.Abs(a.PConversion-b.PConversion) > 1e-12 {
			t.Errorf("order %d: P LU %v vs GS %v", k, a.PConversion, b.PConversion)
		}
	}
}

// The Monte Carlo estimate tracks the exact solution on a chain with
// nulls, values and order 2.
func TestMarkovMonteCarloOrder2(t *testing.T) {
	paths := syntheticPaths(2000, 4, 7)
	r, err := Markov(paths, MarkovOptions{Order: 2, MonteCarlo: 200000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.Rows {
		if d := math.Abs(r.RemovalEffect[i] - r.MonteCarlo.RemovalEffect[i]); d > 0.01 {
			t.Errorf("%s: RE exact %v, Monte Carlo %v", r.Rows[i].Channel, r.RemovalEffect[i], r.MonteCarlo.RemovalEffect[i])
		}
		if d := math.Abs(r.ValueRemovalEffect[i] - r.MonteCarlo.ValueRemovalEffect[i]); d > 0.02 {
			t.Errorf("%s: value RE exact %v, Monte Carlo %v", r.Rows[i].Channel, r.ValueRemovalEffect[i], r.MonteCarlo.ValueRemovalEffect[i])
		}
	}
	if d := math.Abs(float64(r.MonteCarlo.Conversions)/200000 - r.PConversion); d > 0.005 {
		t.Errorf("simulated conversion rate %v, exact %v", float64(r.MonteCarlo.Conversions)/200000, r.PConversion)
	}
}

// A slowly absorbing chain (long A/B alternations, about one absorption
// per 100 steps) makes Gauss-Seidel contract slowly; its stopping rule must
// still land within 1e-12 of the LU solution (1e-11 for removal effects,
// which divide by P ≈ 0.57).
func TestGaussSeidelSlowChain(t *testing.T) {
	var long, other []string
	for i := 0; i < 100; i++ {
		long = append(long, "A", "B")
		other = append(other, "B", "C", "A")
	}
	paths := []Path{
		{Channels: long, Conversions: 3, Value: 30},
		{Channels: other, Conversions: 1, Value: 50, Nulls: 2},
		p("C > A", 0, 0, 1),
	}
	for _, k := range []int{1, 2} {
		a, err := Markov(paths, MarkovOptions{Order: k})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Markov(paths, MarkovOptions{Order: k, DenseLimit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Rows {
			if math.Abs(a.RemovalEffect[i]-b.RemovalEffect[i]) > 1e-11 || math.Abs(a.ValueRemovalEffect[i]-b.ValueRemovalEffect[i]) > 1e-11 {
				t.Errorf("order %d %s: LU RE %v/%v, GS %v/%v", k, a.Rows[i].Channel, a.RemovalEffect[i], a.ValueRemovalEffect[i], b.RemovalEffect[i], b.ValueRemovalEffect[i])
			}
		}
		t.Logf("order %d: P %v (LU) vs %v (GS), difference %.2g", k, a.PConversion, b.PConversion, a.PConversion-b.PConversion)
		if math.Abs(a.PConversion-b.PConversion) > 1e-12 || math.Abs(a.ExpectedValue-b.ExpectedValue) > 1e-12*math.Max(1, a.ExpectedValue) {
			t.Errorf("order %d: LU P %v E %v, GS P %v E %v", k, a.PConversion, a.ExpectedValue, b.PConversion, b.ExpectedValue)
		}
	}
}
