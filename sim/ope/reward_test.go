package ope

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestRidgeHandComputed: one action, x = 0, 1, 2, r = 2, 5, 8, α = 1 on
// the slope only. ZᵀZ + αI₀ = [[3,3],[3,6]], Zᵀr = [15,21], so β = (3, 2)
// and q̂ = 3 + 2x = 3, 5, 7.
func TestRidgeHandComputed(t *testing.T) {
	const tol = 1e-12
	X := mat.NewDense(3, 1, []float64{0, 1, 2})
	q, err := FitRewardModel(X, []int{0, 0, 0}, []float64{2, 5, 8}, 1, RewardModelOptions{Folds: 1, Alpha: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{3, 5, 7} {
		if math.Abs(q[i]-want) > tol {
			t.Errorf("q̂[%d] = %v, want %v", i, q[i], want)
		}
	}
}

// TestRidgePooledHandComputed: two actions, a context that is always 0; the pooled
// model is r = β₀ + γ·1{a=1}. Rewards 1, 3 for action 0 and 6 for action 1,
// α = 1 on γ: [[3,1],[1,2]] (β₀,γ) = (10, 6) gives β₀ = 14/5, γ = 8/5, so
// q̂(·,0) = 2.8 and q̂(·,1) = 4.4 for every round.
func TestRidgePooledHandComputed(t *testing.T) {
	const tol = 1e-12
	X := mat.NewDense(3, 1, nil) // a feature that is always 0: its coefficient is 0
	q, err := FitRewardModel(X, []int{0, 0, 1}, []float64{1, 3, 6}, 2, RewardModelOptions{Kind: RidgePooled, Folds: 1, Alpha: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if math.Abs(q[2*i]-2.8) > tol || math.Abs(q[2*i+1]-4.4) > tol {
			t.Errorf("round %d: q̂ = %v, want [2.8 4.4]", i, q[2*i:2*i+2])
		}
	}
}

// TestTabularHandComputed: cells A (x=0) and B (x=1), two actions, m = 2.
// Action means μ₀ = (1+0+1)/3 = 2/3, μ₁ = (0+1)/2 = 1/2.
// q̂(A,0) = (1+0 + 2·2/3)/(2+2) = 7/12; q̂(A,1) = (0 + 2·1/2)/(0+2) = 1/2;
// q̂(B,0) = (1 + 2·2/3)/(1+2) = 7/9;   q̂(B,1) = (0+1 + 2·1/2)/(2+2) = 1/2.
func TestTabularHandComputed(t *testing.T) {
	const tol = 1e-12
	X := mat.NewDense(5, 1, []float64{0, 0, 1, 1, 1})
	actions := []int{0, 0, 0, 1, 1}
	rewards := []float64{1, 0, 1, 0, 1}
	q, err := FitRewardModel(X, actions, rewards, 2, RewardModelOptions{Kind: Tabular, Folds: 1, Shrinkage: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[float64][2]float64{0: {7.0 / 12, 0.5}, 1: {7.0 / 9, 0.5}}
	for i := 0; i < 5; i++ {
		w := want[X.At(i, 0)]
		if math.Abs(q[2*i]-w[0]) > tol || math.Abs(q[2*i+1]-w[1]) > tol {
			t.Errorf("round %d: q̂ = %v, want %v", i, q[2*i:2*i+2], w)
		}
	}
}

// TestCrossFittingExcludesOwnReward: with cross-fitting, changing round i's
// reward leaves round i's predictions unchanged (its model never saw it),
// and changes other folds' predictions.
func TestCrossFittingExcludesOwnReward(t *testing.T) {
	s := worldA().draw(600, 2)
	for _, kind := range []RewardModelKind{RidgePerAction, RidgePooled, Tabular} {
		opts := RewardModelOptions{Kind: kind, Folds: 3, Seed: 4}
		q1, err := FitRewardModel(s.X, s.log.Actions, s.log.Rewards, 5, opts)
		if err != nil {
			t.Fatal(err)
		}
		r := append([]float64(nil), s.log.Rewards...)
		r[17] += 100
		q2, err := FitRewardModel(s.X, s.log.Actions, r, 5, opts)
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		for i := 0; i < 600; i++ {
			for a := 0; a < 5; a++ {
				if q1[i*5+a] != q2[i*5+a] {
					if i == 17 {
						t.Fatalf("%s: round 17's own reward changed its prediction", kind)
					}
					changed++
				}
			}
		}
		if changed == 0 {
			t.Errorf("%s: changing a reward changed no other fold's prediction", kind)
		}
	}
}

// TestRidgeRecoversLinearTruth: on a world whose expected reward is linear
// in the features per action, with Gaussian noise of sd 0.1, the
// cross-fitted per-action ridge is within 0.01 of the true q on average.
func TestRidgeRecoversLinearTruth(t *testing.T) {
	w := worldA()
	w.sigma = 0.1
	s := w.draw(20000, 6)
	q, err := FitRewardModel(s.X, s.log.Actions, s.log.Rewards, 5, RewardModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mae := 0.0
	for j := range q {
		mae += math.Abs(q[j] - s.qTrue[j])
	}
	mae /= float64(len(q))
	if mae > 0.01 {
		t.Errorf("mean absolute error of q̂ = %.4f, want ≤ 0.01", mae)
	}
}

func TestRewardModelErrors(t *testing.T) {
	X := mat.NewDense(3, 1, []float64{0, 1, 2})
	cases := []struct {
		name    string
		x       *mat.Dense
		actions []int
		rewards []float64
		opts    RewardModelOptions
		want    string
	}{
		{"rows", mat.NewDense(2, 1, nil), []int{0, 0, 0}, []float64{1, 2, 3}, RewardModelOptions{}, "one row per round"},
		{"action", X, []int{0, 3, 0}, []float64{1, 2, 3}, RewardModelOptions{}, "outside 0..1"},
		{"folds", X, []int{0, 1, 0}, []float64{1, 2, 3}, RewardModelOptions{Folds: 5}, "folds for 3 rounds"},
		{"nil", nil, []int{0}, []float64{1}, RewardModelOptions{}, "encode the ctx_* columns"},
		{"kind", X, []int{0, 1, 0}, []float64{1, 2, 3}, RewardModelOptions{Kind: 9}, "choose ridge"},
	}
	for _, c := range cases {
		_, err := FitRewardModel(c.x, c.actions, c.rewards, 2, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestEncode(t *testing.T) {
	rows := []map[string]string{
		{"ctx_region": "London", "ctx_orders_90d": "2", "ctx_tier": "gold", "ctx_cart_value": "10.5"},
		{"ctx_region": "Wales", "ctx_orders_90d": "0", "ctx_tier": "", "ctx_cart_value": ""},
		{"ctx_region": "London", "ctx_orders_90d": "4", "ctx_tier": "bronze", "ctx_cart_value": "20.5"},
	}
	X, names, err := Encode(rows)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{
		"ctx_cart_value", "ctx_cart_value=(missing)",
		"ctx_orders_90d",
		"ctx_region=London", "ctx_region=Wales",
		"ctx_tier=(missing)", "ctx_tier=bronze", "ctx_tier=gold",
	}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Fatalf("names = %q\nwant    %q", names, wantNames)
	}
	want := [][]float64{
		{10.5, 0, 2, 1, 0, 0, 0, 1},
		{15.5, 1, 0, 0, 1, 1, 0, 0}, // missing cart value → mean 15.5
		{20.5, 0, 4, 1, 0, 0, 1, 0},
	}
	for i, row := range want {
		for j, v := range row {
			if X.At(i, j) != v {
				t.Errorf("X[%d][%s] = %v, want %v", i, names[j], X.At(i, j), v)
			}
		}
	}
}

func TestEncodeBinned(t *testing.T) {
	var rows []map[string]string
	for _, v := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
		rows = append(rows, map[string]string{"ctx_recency_days": v})
	}
	e, err := FitEncoding(rows, EncodeOptions{NumericBins: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Quartile edges at ranks 2, 4, 6 of 1…8: 3, 5, 7.
	wantNames := []string{"ctx_recency_days<3", "ctx_recency_days∈[3,5)", "ctx_recency_days∈[5,7)", "ctx_recency_days>=7"}
	if got := e.Names(); strings.Join(got, "|") != strings.Join(wantNames, "|") {
		t.Fatalf("names = %q, want %q", got, wantNames)
	}
	X, err := e.Transform([]map[string]string{{"ctx_recency_days": "2"}, {"ctx_recency_days": "5"}, {"ctx_recency_days": "99"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, bin := range []int{0, 2, 3} {
		for j := 0; j < 4; j++ {
			want := 0.0
			if j == bin {
				want = 1
			}
			if X.At(i, j) != want {
				t.Errorf("row %d bin %d = %v, want %v", i, j, X.At(i, j), want)
			}
		}
	}
	if _, err := e.Transform([]map[string]string{{"ctx_recency_days": "soon"}}); err == nil {
		t.Error("a word in a numeric column was accepted")
	}
}

// TestEncodeKeepNumbers: with KeepNumbers the number follows its one-hot
// bins (missing values get the mean of the present ones, 4.5 here, and the
// missing indicator), and TransformColumns gives exactly what Transform
// gives.
func TestEncodeKeepNumbers(t *testing.T) {
	var rows []map[string]string
	for _, v := range []string{"1", "2", "3", "4", "5", "6", "7", "8", ""} {
		rows = append(rows, map[string]string{"x": v})
	}
	e, err := FitEncoding(rows, EncodeOptions{NumericBins: 4, KeepNumbers: true})
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"x<3", "x∈[3,5)", "x∈[5,7)", "x>=7", "x", "x=(missing)"}
	if got := e.Names(); strings.Join(got, "|") != strings.Join(wantNames, "|") {
		t.Fatalf("names = %q, want %q", got, wantNames)
	}
	in := []string{"2", "5", "99", ""}
	want := [][]float64{
		{1, 0, 0, 0, 2, 0},
		{0, 0, 1, 0, 5, 0},
		{0, 0, 0, 1, 99, 0},
		{0, 1, 0, 0, 4.5, 1},
	}
	var trows []map[string]string
	for _, v := range in {
		trows = append(trows, map[string]string{"x": v})
	}
	X, err := e.Transform(trows)
	if err != nil {
		t.Fatal(err)
	}
	Y, err := e.TransformColumns(len(in), func(string) ColumnFunc {
		return func(i int) (string, float64, bool) { return in[i], 0, false }
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		for j, v := range w {
			if X.At(i, j) != v || Y.At(i, j) != v {
				t.Errorf("row %q feature %s: Transform %v, TransformColumns %v, want %v", in[i], wantNames[j], X.At(i, j), Y.At(i, j), v)
			}
		}
	}
}
