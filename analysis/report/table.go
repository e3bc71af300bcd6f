// Package report writes tables (named columns and rows of cells) as
// aligned text, CSV or a JSON array of objects, so that every headless
// command prints its results the same three ways.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Formats lists the output formats.
var Formats = []string{"table", "csv", "json"}

// Table is columns and rows. A cell is any value: strings, integers,
// floats and booleans keep their type in JSON; everything else is printed
// with fmt.
type Table struct {
	Columns []string
	Rows    [][]any
	// Right aligns the columns whose index is true to the right in text
	// output (numbers); nil aligns numeric cells right automatically.
	Right []bool
}

// New returns a table with the given columns.
func New(columns ...string) *Table { return &Table{Columns: columns} }

// Add appends a row; it must have one cell per column.
func (t *Table) Add(cells ...any) {
	if len(cells) != len(t.Columns) {
		panic(fmt.Sprintf("report: row has %d cells for %d columns", len(cells), len(t.Columns)))
	}
	t.Rows = append(t.Rows, cells)
}

// CheckFormat returns an error naming the accepted formats when f is not
// one of them.
func CheckFormat(f string) error {
	for _, x := range Formats {
		if f == x {
			return nil
		}
	}
	return fmt.Errorf("unknown format %q: use table, csv or json", f)
}

// Write writes the table in format f (table, csv or json).
func (t *Table) Write(w io.Writer, f string) error {
	switch f {
	case "table", "":
		return t.WriteText(w)
	case "csv":
		return t.WriteCSV(w)
	case "json":
		return t.WriteJSON(w)
	}
	return CheckFormat(f)
}

// Text renders one cell as text at full precision (the form CSV uses):
// floats in the shortest form that reads back exactly, nil as empty.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Display renders one cell for a reader (the aligned text table): floats
// rounded to 4 decimals without trailing zeros (so a rounding residue such
// as 2e-16 reads 0; magnitudes from 1e15 up in exponent form), everything
// else as Text.
func Display(v any) string {
	var x float64
	switch f := v.(type) {
	case float64:
		x = f
	case float32:
		x = float64(f)
	default:
		return Text(v)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	if math.Abs(x) >= 1e15 {
		return strconv.FormatFloat(x, 'g', 4, 64)
	}
	s := strconv.FormatFloat(x, 'f', 4, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func numeric(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// WriteText writes an aligned text table: a header, a rule, the rows;
// columns separated by two spaces, numbers aligned right.
func (t *Table) WriteText(w io.Writer) error {
	n := len(t.Columns)
	width := make([]int, n)
	right := make([]bool, n)
	for i, c := range t.Columns {
		width[i] = utf8.RuneCountInString(c)
		if t.Right != nil && i < len(t.Right) {
			right[i] = t.Right[i]
		}
	}
	cells := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		cells[r] = make([]string, n)
		for i, v := range row {
			s := strings.ReplaceAll(Display(v), "\n", " ")
			cells[r][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
			if t.Right == nil && numeric(v) {
				right[i] = true
			}
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, s := range row {
			pad := width[i] - utf8.RuneCountInString(s)
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(strings.Repeat(" ", pad))
				b.WriteString(s)
			} else {
				b.WriteString(s)
				if i < n-1 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			}
		}
		b.WriteByte('\n')
	}
	line(t.Columns)
	rule := make([]string, n)
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	for _, row := range cells {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes RFC 4180 CSV with a header row.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, v := range row {
			rec[i] = Text(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes a JSON array with one object per row, keys in column
// order, numbers and booleans as JSON numbers and booleans.
func (t *Table) WriteJSON(w io.Writer) error {
	var b strings.Builder
	b.WriteString("[")
	for r, row := range t.Rows {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(t.Columns[i])
			b.Write(k)
			b.WriteString(": ")
			var val []byte
			var err error
			switch v.(type) {
			case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
				val, err = json.Marshal(v)
			default:
				val, err = json.Marshal(Text(v))
			}
			if err != nil {
				return err
			}
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(t.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
