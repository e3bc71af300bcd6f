package ope

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// rowsEqual reports whether a and b hold the same entries, values
// compared bit for bit.
func rowsEqual(a, b *Rows) bool {
	if a.N != b.N || a.D != b.D || !slices.Equal(a.Ptr, b.Ptr) || !slices.Equal(a.Col, b.Col) || len(a.Val) != len(b.Val) {
		return false
	}
	for k := range a.Val {
		if math.Float64bits(a.Val[k]) != math.Float64bits(b.Val[k]) {
			return false
		}
	}
	return true
}

// mixedColumns returns n rows of five columns — numbers with zeros, −0
// and gaps, a category with gaps, numbers given as numbers, a category
// given partly as numbers — as ColumnFuncs and as texts.
func mixedColumns(n int, seed uint64) (map[string]ColumnFunc, []map[string]string) {
	r := rand.New(rand.NewPCG(seed, 3))
	type cell struct {
		s     string
		x     float64
		isNum bool
	}
	cols := map[string][]cell{}
	texts := make([]map[string]string, n)
	for i := 0; i < n; i++ {
		texts[i] = map[string]string{}
		add := func(name string, c cell) {
			cols[name] = append(cols[name], c)
			if c.isNum {
				texts[i][name] = strconv.FormatFloat(c.x, 'g', -1, 64)
			} else {
				texts[i][name] = c.s
			}
		}
		switch r.IntN(5) {
		case 0:
			add("amount", cell{s: "0"})
		case 1:
			add("amount", cell{s: "-0"})
		case 2:
			add("amount", cell{})
		default:
			add("amount", cell{s: strconv.FormatFloat(math.Round(r.NormFloat64()*1000)/100, 'g', -1, 64)})
		}
		add("tier", cell{s: []string{"", "gold", "silver", "bronze"}[r.IntN(4)]})
		add("days", cell{x: float64(r.IntN(30)), isNum: true})
		if r.IntN(2) == 0 {
			add("channel", cell{x: float64(r.IntN(3)), isNum: true})
		} else {
			add("channel", cell{s: []string{"web", "app"}[r.IntN(2)]})
		}
		add("flag", cell{s: []string{"true", "false"}[r.IntN(2)]})
	}
	out := map[string]ColumnFunc{}
	for name, cs := range cols {
		out[name] = func(i int) (string, float64, bool) { return cs[i].s, cs[i].x, cs[i].isNum }
	}
	return out, texts
}

// TransformColumnsRows gives the non-zero entries of TransformColumns's
// matrix, exactly, whatever the options, on rows transformed in several
// ranges; a category not seen in fitting encodes as no entry, and a
// column the rows lack as missing.
func TestTransformColumnsRowsMatchesDense(t *testing.T) {
	n := 20000
	cols, texts := mixedColumns(n, 1)
	for _, opts := range []EncodeOptions{{}, {NumericBins: 4}, {NumericBins: 4, KeepNumbers: true}} {
		// Fitted on the first half only: some levels of the second are unseen.
		enc, err := FitEncoding(texts[:200], opts)
		if err != nil {
			t.Fatal(err)
		}
		get := func(name string) ColumnFunc { return cols[name] }
		want, err := enc.TransformColumns(n, get)
		if err != nil {
			t.Fatal(err)
		}
		got, err := enc.TransformColumnsRows(n, get)
		if err != nil {
			t.Fatal(err)
		}
		if !rowsEqual(got, SparseRows(want)) {
			t.Errorf("%+v: the sparse rows differ from the dense matrix's non-zero entries", opts)
		}
		if !mat.Equal(got.Dense(), want) {
			t.Errorf("%+v: Dense() differs from the dense matrix", opts)
		}
		// A column the rows lack is missing throughout.
		lacking := func(name string) ColumnFunc {
			if name == "amount" {
				return nil
			}
			return cols[name]
		}
		want, err1 := enc.TransformColumns(n, lacking)
		got, err2 := enc.TransformColumnsRows(n, lacking)
		if err1 != nil || err2 != nil || !rowsEqual(got, SparseRows(want)) {
			t.Errorf("%+v, a column lacking: sparse rows differ (%v, %v)", opts, err1, err2)
		}
	}
}

// The error TransformColumnsRows reports is TransformColumns's: the first
// bad value in column order, then row order, wherever the ranges cut.
func TestTransformColumnsRowsError(t *testing.T) {
	n := 20000
	cols, texts := mixedColumns(n, 2)
	enc, err := FitEncoding(texts, EncodeOptions{NumericBins: 4})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]map[int]string{"amount": {15000: "x1", 19000: "x2"}, "days": {100: "y"}}
	get := func(name string) ColumnFunc {
		c := cols[name]
		return func(i int) (string, float64, bool) {
			if s, ok := bad[name][i]; ok {
				return s, 0, false
			}
			return c(i)
		}
	}
	_, want := enc.TransformColumns(n, get)
	_, got := enc.TransformColumnsRows(n, get)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Fatalf("error %v, want %v", got, want)
	}
}

// A reward model fitted on the rows TransformColumnsRows gives
// (FitRewardModelRows, as decisionlog.Evaluate fits it) is the one
// FitRewardModelDetail fits on TransformColumns's dense matrix, bit for
// bit: predictions and DM terms, for every kind, with and without groups.
// (The other tests of the reward model check FitRewardModelDetail against
// hand-computed fits and known truths.)
func TestFitRewardModelRowsMatchesDense(t *testing.T) {
	n := 30000
	cols, texts := mixedColumns(n, 4)
	enc, err := FitEncoding(texts[:500], EncodeOptions{NumericBins: 4, KeepNumbers: true})
	if err != nil {
		t.Fatal(err)
	}
	X, err := enc.TransformColumns(n, func(name string) ColumnFunc { return cols[name] })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := enc.TransformColumnsRows(n, func(name string) ColumnFunc { return cols[name] })
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	K := 4
	actions, rewards := make([]int, n), make([]float64, n)
	groups := make([]int, n)
	pi := make([]float64, n*K)
	for i := range actions {
		actions[i] = r.IntN(K)
		rewards[i] = math.Round(r.NormFloat64()*100) / 10
		groups[i] = r.IntN(3)
		w := pi[i*K : (i+1)*K]
		w[r.IntN(K)] += 0.7
		w[r.IntN(K)] += 0.3
	}
	for _, kind := range []RewardModelKind{RidgePerAction, RidgePooled, Tabular} {
		for _, g := range [][]int{nil, groups} {
			opts := RewardModelOptions{Kind: kind, Seed: 7, Groups: g}
			dense, err := FitRewardModelDetail(X, actions, rewards, K, opts)
			if err != nil {
				t.Fatal(err)
			}
			sparse, err := FitRewardModelRows(rows, actions, rewards, K, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bitsEqual(dense.Q, sparse.Q) {
				t.Errorf("%v, groups %v: Q differs", kind, g != nil)
			}
			ud, err1 := dense.DMTerms(pi)
			us, err2 := sparse.DMTerms(pi)
			if err1 != nil || err2 != nil || !bitsEqual(ud, us) {
				t.Errorf("%v, groups %v: DM terms differ (%v, %v)", kind, g != nil, err1, err2)
			}
		}
	}
}

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
