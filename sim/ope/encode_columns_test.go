package ope

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestFitEncodingColumns checks that the encoding fitted column-wise is
// the one FitEncoding fits on the same rows as maps, for numeric,
// categorical, mixed, NaN-holding and partly missing columns, binned and
// not: the same feature names and the same transformed matrix.
func TestFitEncodingColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	names := []string{"num", "cat", "mixed", "nan", "gaps"}
	rows := make([]map[string]string, 500)
	for i := range rows {
		m := map[string]string{}
		m["num"] = strconv.FormatFloat(r.NormFloat64()*10, 'g', -1, 64)
		m["cat"] = []string{"a", "b", "", "c"}[r.IntN(4)]
		m["mixed"] = []string{"1", "2.5", "x"}[r.IntN(3)]
		m["nan"] = []string{"1", "NaN"}[r.IntN(2)]
		if r.IntN(3) > 0 {
			m["gaps"] = strconv.Itoa(r.IntN(9))
		} else {
			m["gaps"] = ""
		}
		rows[i] = m
	}
	for _, bins := range []int{0, 4} {
		want, err := FitEncoding(rows, EncodeOptions{NumericBins: bins})
		if err != nil {
			t.Fatal(err)
		}
		got, err := FitEncodingColumns(len(rows), names, func(name string) func(int) string {
			return func(i int) string { return rows[i][name] }
		}, EncodeOptions{NumericBins: bins})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Names(), want.Names()) {
			t.Fatalf("bins %d: names %v, want %v", bins, got.Names(), want.Names())
		}
		xg, err1 := got.Transform(rows)
		xw, err2 := want.Transform(rows)
		if err1 != nil || err2 != nil || !mat.Equal(xg, xw) {
			t.Errorf("bins %d: transformed matrices differ (%v, %v)", bins, err1, err2)
		}
	}
}
