package ope

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Rows is an n×d matrix of context features held row-wise sparse: the
// non-zero entries of row i are Val[Ptr[i]:Ptr[i+1]], in columns
// Col[Ptr[i]:Ptr[i+1]] (ascending). An encoded context has a few non-zero
// features per row out of dozens (one per one-hot block, plus the kept
// numbers), so the reward model's passes over the rows read a fraction of
// what the dense matrix holds.
type Rows struct {
	N, D int
	Ptr  []int
	Col  []int32
	Val  []float64
}

// SparseRows returns the non-zero entries of X (an entry x is non-zero
// when x != 0, so −0 is left out too) as Rows.
func SparseRows(X *mat.Dense) *Rows {
	n, d := X.Dims()
	r := &Rows{N: n, D: d, Ptr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		for j, v := range X.RawRowView(i) {
			if v != 0 {
				r.Col = append(r.Col, int32(j))
				r.Val = append(r.Val, v)
			}
		}
		r.Ptr[i+1] = len(r.Col)
	}
	return r
}

// Dense returns the rows as a dense n×d matrix.
func (r *Rows) Dense() *mat.Dense {
	X := mat.NewDense(r.N, r.D, nil)
	for i := 0; i < r.N; i++ {
		row := X.RawRowView(i)
		for k := r.Ptr[i]; k < r.Ptr[i+1]; k++ {
			row[r.Col[k]] = r.Val[k]
		}
	}
	return X
}

// row returns the columns and values of row i's non-zero entries.
func (r *Rows) row(i int) ([]int32, []float64) {
	lo, hi := r.Ptr[i], r.Ptr[i+1]
	return r.Col[lo:hi:hi], r.Val[lo:hi:hi]
}

// TransformColumnsRows is TransformColumns returning the matrix as Rows
// (its non-zero entries): the same features, the same error for the same
// input, without the dense matrix. The rows are transformed in ranges
// concurrently, so the accessors must be safe to call from several
// goroutines.
func (e *Encoding) TransformColumnsRows(n int, column func(name string) ColumnFunc) (*Rows, error) {
	if n <= 0 {
		return nil, fmt.Errorf("ope: no rows to encode")
	}
	off := e.offsets()
	// perRow bounds the entries of one row: one per categorical column;
	// a bin, the kept number and the missing indicator per numeric one.
	perRow := 0
	for ci := range e.cols {
		c := &e.cols[ci]
		perRow++
		if c.numeric && c.binned && c.keep {
			perRow++
		}
		if c.numeric && c.hasMissing {
			perRow++
		}
	}
	gets := make([]ColumnFunc, len(e.cols))
	for ci := range e.cols {
		gets[ci] = column(e.cols[ci].name)
		if gets[ci] == nil {
			gets[ci] = missingColumn
		}
	}
	// Each range fills its own entries, in the part of colAll and valAll
	// from perRow·lo on (room for the most it can have), and the parts
	// are then moved down to follow each other; errs[w][ci] is the
	// range's first error in column ci (the first error of the whole
	// matrix, as TransformColumns reports it, is the first in column
	// order, then row order).
	workers := min(runtime.GOMAXPROCS(0), max(1, n/4096))
	type part struct {
		col  []int32
		val  []float64
		errs []error
	}
	parts := make([]part, workers)
	ptr := make([]int, n+1)
	colAll, valAll := make([]int32, n*perRow), make([]float64, n*perRow)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[w]
			p.errs = make([]error, len(e.cols))
			p.col = colAll[lo*perRow : lo*perRow : hi*perRow]
			p.val = valAll[lo*perRow : lo*perRow : hi*perRow]
			caches := make([]levelCache, len(e.cols))
			for i := lo; i < hi; i++ {
				for ci := range e.cols {
					var err error
					p.col, p.val, err = e.transformCell(ci, i, gets[ci], off[ci], &caches[ci], p.col, p.val)
					if err != nil && p.errs[ci] == nil {
						p.errs[ci] = err
					}
				}
				ptr[i+1] = len(p.col) // local; shifted below
			}
		}()
	}
	wg.Wait()
	for ci := range e.cols {
		for _, p := range parts {
			if p.errs[ci] != nil {
				return nil, p.errs[ci]
			}
		}
	}
	// Part w moves down to start, where the parts before it end (never
	// above where it is, so moving the parts in order overwrites only
	// what was moved already).
	start := 0
	for w := range parts {
		lo, hi := w*n/workers, (w+1)*n/workers
		p := &parts[w]
		copy(colAll[start:], p.col)
		copy(valAll[start:], p.val)
		for i := lo + 1; i <= hi; i++ {
			ptr[i] += start
		}
		start += len(p.col)
	}
	return &Rows{N: n, D: len(e.names), Ptr: ptr, Col: colAll[:start:start], Val: valAll[:start:start]}, nil
}

// offsets returns the first feature of each input column.
func (e *Encoding) offsets() []int {
	off := make([]int, len(e.cols))
	j := 0
	for ci := range e.cols {
		c := &e.cols[ci]
		off[ci] = j
		switch {
		case c.numeric && c.binned:
			j += len(c.edges) + 1
			if c.keep {
				j++
			}
		case c.numeric:
			j++
		default:
			j += len(c.levels)
		}
		if c.numeric && c.hasMissing {
			j++
		}
	}
	return off
}

// levelCache remembers the level of a few texts of one categorical
// column: slot levelSlot(s) holds a text and its level (−1: none).
type levelCache [16]struct {
	s  string
	l  int
	ok bool
}

func levelSlot(s string) int {
	if s == "" {
		return 0
	}
	return (len(s)*7 + int(s[0]) + int(s[len(s)-1])) & 15
}

// transformCell appends the non-zero features of input column ci in row
// i (first feature j) to col and val, in ascending feature order: for a
// numeric column its bin (or the number itself when not binned), the
// number again when kept beside its bins, and the missing indicator; for
// a categorical one the indicator of its level. It is the one encoding
// of a cell, for both the dense (transformColumn) and the sparse matrix.
func (e *Encoding) transformCell(ci, i int, get ColumnFunc, j int, cache *levelCache, col []int32, val []float64) ([]int32, []float64, error) {
	c := &e.cols[ci]
	s, v, isNum := get(i)
	if c.numeric {
		width := 1
		if c.binned {
			width = len(c.edges) + 1
			if c.keep {
				width++
			}
		}
		missing := !isNum && s == ""
		switch {
		case missing:
			v = c.fill
		case !isNum:
			var err error
			v, err = strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return col, val, fmt.Errorf("ope: row %d column %s: %q is not a number, but the column was numeric when the encoding was fitted", i, c.name, s)
			}
		case math.IsNaN(v) || math.IsInf(v, 0):
			return col, val, fmt.Errorf("ope: row %d column %s: %q is not a number, but the column was numeric when the encoding was fitted", i, c.name, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if c.binned {
			b := sort.Search(len(c.edges), func(b int) bool { return c.edges[b] > v })
			col, val = append(col, int32(j+b)), append(val, 1)
			if c.keep && v != 0 {
				col, val = append(col, int32(j+width-1)), append(val, v)
			}
		} else if v != 0 {
			col, val = append(col, int32(j)), append(val, v)
		}
		if c.hasMissing && missing {
			col, val = append(col, int32(j+width)), append(val, 1)
		}
		return col, val, nil
	}
	if isNum {
		s = strconv.FormatFloat(v, 'g', -1, 64)
	}
	slot := &cache[levelSlot(s)]
	if !slot.ok || slot.s != s {
		l, ok := c.index[levelOf(s)]
		if !ok {
			l = -1
		}
		slot.s, slot.l, slot.ok = s, l, true
	}
	if slot.l >= 0 {
		col, val = append(col, int32(j+slot.l)), append(val, 1)
	}
	return col, val, nil
}
