package ope

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// EncodeOptions controls FitEncoding.
type EncodeOptions struct {
	// NumericBins, when positive, cuts every numeric column into up to
	// that many quantile bins and one-hot encodes the bin, so that the
	// Tabular reward model sees a few cells instead of one per distinct
	// number. Zero keeps numbers as numbers.
	NumericBins int
	// KeepNumbers, with NumericBins > 0, also keeps each numeric column's
	// value (missing values filled with the column mean) as a feature
	// named after the column, placed after its bins: a ridge model then
	// fits a step per bin plus one slope, q̂ = … + Σ_b β_b 1{x ∈ bin b} +
	// γ x, and can follow a reward that grows with the number within a
	// bin (the sample's cart_abandon reward is proportional to the cart
	// value). Leave it off for the Tabular model, whose cells are the
	// distinct encoded rows.
	KeepNumbers bool
}

// column is the encoding of one input column.
type column struct {
	name    string
	numeric bool
	// numeric columns: the value that replaces a missing entry (the mean
	// of the present ones), whether a missing indicator is added, and,
	// when binned, the lower edges of bins 1…B−1.
	fill       float64
	hasMissing bool
	binned     bool
	edges      []float64
	keep       bool // binned, and the value is kept after the bins
	// categorical columns: the categories in output order.
	levels []string
	index  map[string]int
}

// Encoding maps rows of string context values to numeric feature rows.
// It is fitted once (FitEncoding) and can then encode further rows with the
// same columns (Transform).
type Encoding struct {
	cols  []column
	names []string
}

// missingLevel names the category of an empty or absent categorical value.
const missingLevel = "(missing)"

// Encode fits an encoding on rows and returns their features and the
// feature names; see FitEncoding for the rules. It is FitEncoding with the
// default options followed by Transform.
func Encode(rows []map[string]string) (*mat.Dense, []string, error) {
	e, err := FitEncoding(rows, EncodeOptions{})
	if err != nil {
		return nil, nil, err
	}
	X, err := e.Transform(rows)
	return X, e.Names(), err
}

// FitEncoding learns how to encode the columns of rows (for a decision log,
// pass the ctx_* columns). Columns are taken in name order over the union
// of keys. A column is numeric when every non-empty value parses as a
// finite number (strconv.ParseFloat): it becomes one feature (missing
// values are replaced by the column mean, and a "<name>=(missing)" 0/1
// feature is added when any value is missing), or one-hot bins when
// opts.NumericBins > 0 (followed by the number itself with
// opts.KeepNumbers). Any other column is categorical and becomes one 0/1
// feature "<name>=<value>" per distinct value (sorted), an empty value
// being the category "(missing)".
func FitEncoding(rows []map[string]string, opts EncodeOptions) (*Encoding, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("ope: no rows to encode; the decision log has no decisions")
	}
	if opts.NumericBins < 0 {
		return nil, fmt.Errorf("ope: NumericBins %d must be zero or positive", opts.NumericBins)
	}
	keySet := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			keySet[k] = true
		}
	}
	keys := make([]string, 0, len(keySet))
	for k := range keySet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e := &Encoding{}
	for _, k := range keys {
		e.fitColumn(k, len(rows), func(r int) string { return rows[r][k] }, opts)
	}
	return e, nil
}

// FitEncodingColumns is FitEncoding on m rows held column-wise: names are
// the columns (every row has each, "" meaning empty) and column(name)
// returns the text of that column in row r (called from several
// goroutines at once). It gives the encoding FitEncoding gives on the rows
// as maps, without building them.
func FitEncodingColumns(m int, names []string, column func(name string) func(r int) string, opts EncodeOptions) (*Encoding, error) {
	if m == 0 {
		return nil, fmt.Errorf("ope: no rows to encode; the decision log has no decisions")
	}
	if opts.NumericBins < 0 {
		return nil, fmt.Errorf("ope: NumericBins %d must be zero or positive", opts.NumericBins)
	}
	keys := append([]string(nil), names...)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	// The columns are fitted concurrently, each into an encoding of its
	// own, and joined in name order.
	part := make([]Encoding, len(keys))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for j, k := range keys {
		get := column(k)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			part[j].fitColumn(k, m, get, opts)
		}()
	}
	wg.Wait()
	e := &Encoding{}
	for _, p := range part {
		e.cols = append(e.cols, p.cols...)
		e.names = append(e.names, p.names...)
	}
	return e, nil
}

// fitColumn fits the encoding of column k over m rows whose texts get
// gives, and appends it (see FitEncoding).
func (e *Encoding) fitColumn(k string, m int, get func(r int) string, opts EncodeOptions) {
	c := column{name: k, numeric: true}
	var vals []float64
	for r := 0; r < m; r++ {
		s := get(r)
		if s == "" {
			c.hasMissing = true
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			c.numeric = false
			break
		}
		vals = append(vals, v)
	}
	if c.numeric && len(vals) == 0 {
		c.numeric = false // all empty: a single "(missing)" category
	}
	if c.numeric {
		c.fill = sum(vals) / float64(len(vals))
		if opts.NumericBins > 0 {
			c.binned = true
			c.edges = quantileEdges(vals, opts.NumericBins)
			for b := 0; b <= len(c.edges); b++ {
				e.names = append(e.names, binName(k, c.edges, b))
			}
			if opts.KeepNumbers {
				c.keep = true
				e.names = append(e.names, k)
			}
		} else {
			e.names = append(e.names, k)
		}
		if c.hasMissing {
			e.names = append(e.names, k+"="+missingLevel)
		}
	} else {
		set := map[string]bool{}
		for r := 0; r < m; r++ {
			set[levelOf(get(r))] = true
		}
		for l := range set {
			c.levels = append(c.levels, l)
		}
		sort.Strings(c.levels)
		c.index = make(map[string]int, len(c.levels))
		for j, l := range c.levels {
			c.index[l] = j
			e.names = append(e.names, k+"="+l)
		}
	}
	e.cols = append(e.cols, c)
}

func levelOf(s string) string {
	if s == "" {
		return missingLevel
	}
	return s
}

// quantileEdges returns the distinct lower edges of bins 1…B−1: the values
// at ranks ⌊j·m/B⌋ of the sorted values, j = 1…B−1.
func quantileEdges(vals []float64, bins int) []float64 {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	var edges []float64
	for j := 1; j < bins; j++ {
		v := s[j*len(s)/bins]
		if v > s[0] && (len(edges) == 0 || v > edges[len(edges)-1]) {
			edges = append(edges, v)
		}
	}
	return edges
}

func binName(k string, edges []float64, b int) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch {
	case len(edges) == 0:
		return k + "∈(-inf,inf)"
	case b == 0:
		return k + "<" + f(edges[0])
	case b == len(edges):
		return k + ">=" + f(edges[b-1])
	}
	return k + "∈[" + f(edges[b-1]) + "," + f(edges[b]) + ")"
}

// Names returns the feature names, one per column of the encoded matrix.
func (e *Encoding) Names() []string { return append([]string(nil), e.names...) }

// Transform encodes rows with the fitted columns. A categorical value not
// seen when fitting gets all zeros for that column; a non-numeric value in a
// numeric column is an error.
func (e *Encoding) Transform(rows []map[string]string) (*mat.Dense, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("ope: no rows to encode")
	}
	X := mat.NewDense(len(rows), len(e.names), nil)
	for i, r := range rows {
		out := X.RawRowView(i)
		j := 0
		for _, c := range e.cols {
			s := r[c.name]
			if c.numeric {
				v, missing := c.fill, s == ""
				if !missing {
					var err error
					v, err = strconv.ParseFloat(s, 64)
					if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, fmt.Errorf("ope: row %d column %s: %q is not a number, but the column was numeric when the encoding was fitted", i, c.name, s)
					}
				}
				if c.binned {
					out[j+sort.Search(len(c.edges), func(b int) bool { return c.edges[b] > v })] = 1
					j += len(c.edges) + 1
					if c.keep {
						out[j] = v
						j++
					}
				} else {
					out[j] = v
					j++
				}
				if c.hasMissing {
					if missing {
						out[j] = 1
					}
					j++
				}
				continue
			}
			if l, ok := c.index[levelOf(s)]; ok {
				out[j+l] = 1
			}
			j += len(c.levels)
		}
	}
	return X, nil
}

// ColumnFunc gives the value of one input column in row i: its text, or,
// for a number already parsed, the number with isNum set (text is then
// ignored). A missing value is the empty text with isNum false.
type ColumnFunc func(i int) (text string, num float64, isNum bool)

// TransformColumns is Transform for n rows held column-wise: column(name)
// returns the accessor of the named input column, or nil when the rows
// have no such column (every value missing). It gives the same matrix as
// Transform on rows whose column values are the accessors' texts, a
// number's text being strconv.FormatFloat(num, 'g', -1, 64), without
// building a map per row or formatting and re-parsing numbers. Columns
// are transformed concurrently, so the accessors must be safe to call
// from several goroutines.
func (e *Encoding) TransformColumns(n int, column func(name string) ColumnFunc) (*mat.Dense, error) {
	if n <= 0 {
		return nil, fmt.Errorf("ope: no rows to encode")
	}
	X := mat.NewDense(n, len(e.names), nil)
	raw, stride := X.RawMatrix().Data, X.RawMatrix().Stride
	// Column ci fills features off[ci]…; columns are filled concurrently
	// (each writes only its own features), the first error in column
	// order is returned.
	off := e.offsets()
	errs := make([]error, len(e.cols))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for ci := range e.cols {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[ci] = e.transformColumn(ci, n, column(e.cols[ci].name), raw, stride, off[ci])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return X, nil
}

// transformColumn writes the features of input column ci, starting at
// feature j, for rows 0…n−1 of raw (row stride stride): the entries
// transformCell gives each cell (the features it leaves out are zero).
// The first error in row order is returned.
func (e *Encoding) transformColumn(ci, n int, get ColumnFunc, raw []float64, stride, j int) error {
	if get == nil {
		get = missingColumn
	}
	var cache levelCache
	var col []int32
	var val []float64
	for i := 0; i < n; i++ {
		var err error
		col, val, err = e.transformCell(ci, i, get, j, &cache, col[:0], val[:0])
		if err != nil {
			return err
		}
		for k, f := range col {
			raw[i*stride+int(f)] = val[k]
		}
	}
	return nil
}

// missingColumn is the accessor of a column the rows do not have: every
// value is missing.
func missingColumn(int) (string, float64, bool) { return "", 0, false }
