package ope

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// ridgeByHand solves β = (ZᵀZ + αI₀)⁻¹ Zᵀr over the rows of Z whose keep
// entry is true, with gonum's general solver (independent of the package's
// Cholesky path).
func ridgeByHand(t *testing.T, Z *mat.Dense, r []float64, keep []bool, alpha float64) []float64 {
	_, p := Z.Dims()
	A := mat.NewDense(p, p, nil)
	h := mat.NewVecDense(p, nil)
	for i, k := range keep {
		if !k {
			continue
		}
		z := Z.RawRowView(i)
		for a := 0; a < p; a++ {
			h.SetVec(a, h.AtVec(a)+z[a]*r[i])
			for b := 0; b < p; b++ {
				A.Set(a, b, A.At(a, b)+z[a]*z[b])
			}
		}
	}
	for a := 1; a < p; a++ {
		A.Set(a, a, A.At(a, a)+alpha)
	}
	var beta mat.VecDense
	if err := beta.SolveVec(A, h); err != nil {
		t.Fatal(err)
	}
	return beta.RawVector().Data
}

// TestDMTermsAreLeaveOneOutRefits: with one fold (the model fitted on all
// rounds), a per-action ridge's DM influence g_j − ḡ = U_j − q̂(x_j,π)
// equals, to 1e-8, the change of DM's model part when round j is left out
// and the model refitted exactly,
//
//	g_j = Σ_i Σ_a π(a|x_i) (q̂(x_i,a) − q̂_{−j}(x_i,a)),
//
// because a ridge fit without one row differs from the full fit by
// A⁻¹z_j e_j/(1 − h_j) (Sherman–Morrison), which is what DMTerms uses.
func TestDMTermsAreLeaveOneOutRefits(t *testing.T) {
	s := worldA().draw(60, 3)
	n, K := s.log.N(), s.log.K
	const alpha = 0.5
	m, err := FitRewardModelDetail(s.X, s.log.Actions, s.log.Rewards, K, RewardModelOptions{Kind: RidgePerAction, Folds: 1, Alpha: alpha})
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.DMTerms(s.actionDist)
	if err != nil {
		t.Fatal(err)
	}
	_, d := s.X.Dims()
	Z := mat.NewDense(n, d+1, nil)
	for i := 0; i < n; i++ {
		Z.Set(i, 0, 1)
		for j := 0; j < d; j++ {
			Z.Set(i, j+1, s.X.At(i, j))
		}
	}
	// dmModel(keep) = Σ_i Σ_a π(a|x_i) β_a(keep)·z_i.
	dmModel := func(drop int) float64 {
		v := 0.0
		for a := 0; a < K; a++ {
			keep := make([]bool, n)
			for i := range keep {
				keep[i] = s.log.Actions[i] == a && i != drop
			}
			beta := ridgeByHand(t, Z, s.log.Rewards, keep, alpha)
			for i := 0; i < n; i++ {
				v += s.actionDist[i*K+a] * mat.Dot(mat.NewVecDense(d+1, beta), mat.NewVecDense(d+1, Z.RawRowView(i)))
			}
		}
		return v
	}
	full := dmModel(-1)
	want := make([]float64, n)
	got := make([]float64, n)
	for j := 0; j < n; j++ {
		want[j] = full - dmModel(j)
		qpi := 0.0
		for a := 0; a < K; a++ {
			qpi += s.actionDist[j*K+a] * m.Q[j*K+a]
		}
		got[j] = u[j] - qpi
	}
	wbar := sum(want) / float64(n)
	for j := range want {
		if math.Abs(got[j]-(want[j]-wbar)) > 1e-8 {
			t.Fatalf("round %d: g_j − ḡ = %.10f, exact leave-one-out change %.10f", j, got[j], want[j]-wbar)
		}
	}
	if v := sum(u) / float64(n); math.Abs(v-dmValue(s.actionDist, m.Q, K)) > 1e-9 {
		t.Errorf("mean of the DM terms %.10f differs from DM's estimate %.10f", v, dmValue(s.actionDist, m.Q, K))
	}
}

func dmValue(pi, q []float64, K int) float64 {
	v := 0.0
	for j := range pi {
		v += pi[j] * q[j]
	}
	return v / float64(len(pi)/K)
}

// TestDMTermsTabularLeaveOneOut: a tabular model without shrinkage whose
// every (cell, action) has data: dropping round j moves only its own
// cell's mean, by (r_j − q̂)/(N − 1), so g_j = M(c_j,a_j)(r_j − q̂)/(N − 1)
// with M the policy's mass on (c_j, a_j); checked on a hand-made log of
// two cells and two actions to 1e-12.
func TestDMTermsTabularLeaveOneOut(t *testing.T) {
	X := mat.NewDense(8, 1, []float64{0, 0, 0, 0, 1, 1, 1, 1})
	actions := []int{0, 0, 1, 1, 0, 0, 1, 1}
	rewards := []float64{1, 3, 2, 6, 0, 4, 5, 7}
	m, err := FitRewardModelDetail(X, actions, rewards, 2, RewardModelOptions{Kind: Tabular, Folds: 1, Shrinkage: -1})
	if err != nil {
		t.Fatal(err)
	}
	// π: cell 0 plays action 1 w.p. 0.25, cell 1 w.p. 0.5.
	pi := make([]float64, 16)
	for i := 0; i < 8; i++ {
		p1 := 0.25
		if i >= 4 {
			p1 = 0.5
		}
		pi[2*i], pi[2*i+1] = 1-p1, p1
	}
	u, err := m.DMTerms(pi)
	if err != nil {
		t.Fatal(err)
	}
	// Cell means: (0,0) 2, (0,1) 4, (1,0) 2, (1,1) 6; masses M(c,a): cell
	// 0 has 4 rounds: M(0,0) = 3, M(0,1) = 1; cell 1: M(1,0) = M(1,1) = 2.
	mean := map[[2]int]float64{{0, 0}: 2, {0, 1}: 4, {1, 0}: 2, {1, 1}: 6}
	mass := map[[2]int]float64{{0, 0}: 3, {0, 1}: 1, {1, 0}: 2, {1, 1}: 2}
	g := make([]float64, 8)
	for j := range g {
		ca := [2]int{j / 4, actions[j]}
		g[j] = mass[ca] * (rewards[j] - mean[ca]) / (2 - 1) // N = 2 per cell and action
	}
	gbar := sum(g) / 8
	for j := range g {
		qpi := pi[2*j]*m.Q[2*j] + pi[2*j+1]*m.Q[2*j+1]
		if d := u[j] - qpi - (g[j] - gbar); math.Abs(d) > 1e-12 {
			t.Errorf("round %d: DM term %.12f, want q̂(x,π) %.12f + g − ḡ %.12f", j, u[j], qpi, g[j]-gbar)
		}
	}
}

// TestEvaluateAllMatchesEvaluate: scoring several policies together gives
// every policy exactly (bit for bit) the report Evaluate gives it alone,
// the DM model included, even when the policies are split over several
// passes of the bootstrap.
func TestEvaluateAllMatchesEvaluate(t *testing.T) {
	s := worldA().draw(3000, 5)
	K := s.log.K
	m, err := FitRewardModelDetail(s.X, s.log.Actions, s.log.Rewards, K, RewardModelOptions{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Seven policies: π_e, the logging policy, and five one-action ones.
	dists := [][]float64{s.actionDist, s.log.Behavior}
	for a := 0; a < K; a++ {
		d := make([]float64, len(s.actionDist))
		for i := 0; i < s.log.N(); i++ {
			d[i*K+a] = 1
		}
		dists = append(dists, d)
	}
	opts := Options{Clip: 5, Bootstrap: 200, Seed: 3, DMModel: m}
	all, err := EvaluateAll(s.log, dists, m.Q, opts)
	if err != nil {
		t.Fatal(err)
	}
	for p, d := range dists {
		one, err := Evaluate(s.log, d, m.Q, opts)
		if err != nil {
			t.Fatal(err)
		}
		for k, r := range one.Results {
			a := all[p].Results[k]
			if a.Value != r.Value || a.Low != r.Low || a.High != r.High || a.StdErr != r.StdErr || a.Replicates != r.Replicates {
				t.Errorf("policy %d %s: together %+v, alone %+v", p, r.Name, a, r)
			}
		}
	}
}

// TestGroupsFitWithinGroup: with Groups, the predictions for a group's
// rounds depend only on that group's rounds: changing every reward of
// group 1 leaves group 0's predictions bit for bit unchanged (and does
// change group 1's), for each kind of model.
func TestGroupsFitWithinGroup(t *testing.T) {
	s := worldA().draw(600, 8)
	n, K := s.log.N(), s.log.K
	groups := make([]int, n)
	for i := range groups {
		groups[i] = i % 2
	}
	changed := append([]float64(nil), s.log.Rewards...)
	for i := 1; i < n; i += 2 {
		changed[i] += 3
	}
	for _, kind := range []RewardModelKind{RidgePerAction, RidgePooled, Tabular} {
		X := s.X
		if kind == Tabular {
			X = mat.DenseCopyOf(s.X.Slice(0, n, 0, 4))
		}
		opts := RewardModelOptions{Kind: kind, Seed: 1, Groups: groups}
		q0, err := FitRewardModel(X, s.log.Actions, s.log.Rewards, K, opts)
		if err != nil {
			t.Fatal(err)
		}
		q1, err := FitRewardModel(X, s.log.Actions, changed, K, opts)
		if err != nil {
			t.Fatal(err)
		}
		moved := false
		for i := 0; i < n; i++ {
			for a := 0; a < K; a++ {
				if groups[i] == 0 && q0[i*K+a] != q1[i*K+a] {
					t.Fatalf("%s: round %d (group 0) moved from %v to %v when only group 1 changed", kind, i, q0[i*K+a], q1[i*K+a])
				}
				moved = moved || q0[i*K+a] != q1[i*K+a]
			}
		}
		if !moved {
			t.Errorf("%s: group 1's predictions did not move with its rewards", kind)
		}
	}
}
