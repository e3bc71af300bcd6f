package decisionlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// fastLayout is the column layout of a decision-log CSV in exactly the
// documented format (sample/FORMATS.md): the columns decision_id,
// customer_id, timestamp, trigger, action, propensity, converted,
// revenue, cost and reward, in any order, plus ctx_* columns, and no
// other. For such a file the ingest reader's roles are fixed, and most
// rows are plain enough to convert without it (fastRow); fastRow says
// when a row is not, and the ingest reader converts that row instead.
type fastLayout struct {
	width                                       int
	id, cust, time, trigger, action, prop, conv int
	revenue, cost, reward                       int
	ctx                                         []int    // ctx_* columns in name order (of the name without prefix)
	ctxNames                                    []string // their names without the prefix
	header                                      []byte   // the header line, with its line end
	delim                                       byte
}

// newFastLayout returns the layout of header (one line, no line end), or
// nil when the file is not in exactly the documented format.
func newFastLayout(header []byte) *fastLayout {
	names := strings.Split(strings.TrimSuffix(string(header), "\r"), ",")
	f := &fastLayout{width: len(names), delim: ','}
	pos := map[string]*int{"decision_id": &f.id, "customer_id": &f.cust, "timestamp": &f.time, "trigger": &f.trigger,
		"action": &f.action, "propensity": &f.prop, "converted": &f.conv, "revenue": &f.revenue, "cost": &f.cost, "reward": &f.reward}
	for _, p := range pos {
		*p = -1
	}
	type cc struct {
		name string
		col  int
	}
	var ctx []cc
	for i, n := range names {
		if p, ok := pos[n]; ok {
			if *p >= 0 {
				return nil
			}
			*p = i
			continue
		}
		if len(n) > 4 && strings.HasPrefix(n, "ctx_") && n == strings.TrimSpace(n) {
			ctx = append(ctx, cc{n[4:], i})
			continue
		}
		return nil
	}
	for _, p := range pos {
		if *p < 0 {
			return nil
		}
	}
	slices.SortFunc(ctx, func(a, b cc) int { return strings.Compare(a.name, b.name) })
	for j, c := range ctx {
		if j > 0 && c.name == ctx[j-1].name || c.name == "trigger" {
			return nil
		}
		f.ctx = append(f.ctx, c.col)
		f.ctxNames = append(f.ctxNames, c.name)
	}
	return f
}

// fastRec is one row converted by fastRow.
type fastRec struct {
	id, cust, trigger, action string
	time                      int64
	prop, reward              float64
	conv                      bool
	ctx                       []string
}

// fastRow converts one data row (no line end) as the ingest reader would
// for a row this plain, and reports false for any row that is not: a row
// over 64 KiB, a field count other than the header's, a value with
// surrounding space, invalid UTF-8, a customer id other than C and
// digits, a time other than YYYY-MM-DDTHH:MM:SSZ within 1970…2099, a
// number not written as
// plain digits with an optional sign and decimal point, a propensity
// outside (0,1], a negative revenue or cost, converted other than
// 0/1/true/false, an empty action. fields is scratch space.
func (f *fastLayout) fastRow(line string, fields []string, r *fastRec) ([]string, bool) {
	if len(line) > 1<<16 { // long rows: the reader has a row limit
		return fields, false
	}
	var ascii bool
	fields, ascii = splitFields(line, f.delim, fields[:0])
	if !ascii && !utf8.ValidString(line) {
		return fields, false
	}
	if len(fields) != f.width {
		return fields, false
	}
	for _, v := range fields {
		if v != "" && (v[0] <= ' ' || v[len(v)-1] <= ' ') {
			return fields, false
		}
	}
	r.cust = fields[f.cust]
	if len(r.cust) < 2 || r.cust[0] != 'C' || !digitsOnly(r.cust[1:]) {
		return fields, false
	}
	var ok bool
	if r.time, ok = isoUTC(fields[f.time]); !ok {
		return fields, false
	}
	r.action = fields[f.action]
	if r.action == "" {
		return fields, false
	}
	if r.prop, ok = plainNumber(fields[f.prop], true); !ok || !(r.prop > 0 && r.prop <= 1) {
		return fields, false
	}
	if r.reward, ok = plainNumber(fields[f.reward], true); !ok {
		return fields, false
	}
	switch fields[f.conv] {
	case "", "0", "false":
		r.conv = false
	case "1", "true":
		r.conv = true
	default:
		return fields, false
	}
	for _, c := range []int{f.revenue, f.cost} {
		if v := fields[c]; v != "" && !plainSyntax(v, false) {
			return fields, false
		}
	}
	r.id, r.trigger = fields[f.id], fields[f.trigger]
	r.ctx = r.ctx[:0]
	for _, c := range f.ctx {
		r.ctx = append(r.ctx, fields[c])
	}
	return fields, true
}

// splitFields appends the fields of line, separated by delim, to fields,
// and reports whether line is all ASCII. It reads eight bytes at a time:
// in y = x ⊕ (delim in every byte), ((y & 0x7f…) + 0x7f…) | y has a
// byte's top bit clear exactly where that byte of x is delim.
func splitFields(line string, delim byte, fields []string) ([]string, bool) {
	const lo7, hi = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	pattern := uint64(delim) * 0x0101010101010101
	b := unsafe.Slice(unsafe.StringData(line), len(line))
	var or uint64
	start, i := 0, 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		or |= x
		y := x ^ pattern
		for m := ^(((y & lo7) + lo7) | y) & hi; m != 0; m &= m - 1 {
			k := i + bits.TrailingZeros64(m)>>3
			fields = append(fields, line[start:k])
			start = k + 1
		}
	}
	for ; i < len(b); i++ {
		or |= uint64(b[i])
		if b[i] == delim {
			fields = append(fields, line[start:i])
			start = i + 1
		}
	}
	return append(fields, line[start:]), or&hi == 0
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// plainNumber parses [-]digits[.digits] (the sign only when signed) of
// at most 30 bytes.
func plainNumber(s string, signed bool) (float64, bool) {
	t := s
	if signed && len(t) > 0 && t[0] == '-' {
		t = t[1:]
	}
	if len(s) > 30 || t == "" {
		return 0, false
	}
	dot := strings.IndexByte(t, '.')
	if dot >= 0 {
		if !digitsOnly(t[:dot]) || !digitsOnly(t[dot+1:]) {
			return 0, false
		}
	} else if !digitsOnly(t) {
		return 0, false
	}
	if x, ok := exactDecimal(s); ok {
		return x, true
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}

// plainSyntax reports whether s is [-]digits[.digits] (the sign only when
// signed) of at most 30 bytes: the text plainNumber accepts, which
// strconv.ParseFloat always parses.
func plainSyntax(s string, signed bool) bool {
	t := s
	if signed && len(t) > 0 && t[0] == '-' {
		t = t[1:]
	}
	if len(s) > 30 || t == "" {
		return false
	}
	if dot := strings.IndexByte(t, '.'); dot >= 0 {
		return digitsOnly(t[:dot]) && digitsOnly(t[dot+1:])
	}
	return digitsOnly(t)
}

// pow10 holds 10^0 … 10^22, the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactDecimal parses s = [-]d…d[.d…d] when its digits, read as one
// integer m, satisfy m ≤ 2⁵³ and it has at most 22 digits after the
// point: then m and 10^f are exact float64s and the one correctly rounded
// division m/10^f is the value strconv.ParseFloat returns (Clinger's
// fast path). ok is false for any other text (the caller falls back to
// strconv.ParseFloat).
func exactDecimal(s string) (float64, bool) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var m uint64
	frac, dot, digits := 0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return 0, false
		}
	}
	if digits > 19 || m > 1<<53 || frac > 22 {
		return 0, false
	}
	x := float64(m)
	if frac > 0 {
		x /= pow10[frac]
	}
	if neg {
		x = -x
	}
	return x, true
}

// isoUTC parses YYYY-MM-DDTHH:MM:SSZ (1970…2099, a valid date and time of
// day) as UTC milliseconds since the epoch.
func isoUTC(s string) (int64, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return 0, false
	}
	num := func(i, n int) int {
		v := 0
		for k := i; k < i+n; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 1970 || y >= 2100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return 0, false
	}
	mdays := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	if leap {
		mdays[2] = 29
	}
	if d > mdays[mo] {
		return 0, false
	}
	// Days from 1970-01-01 to y-mo-d (proleptic Gregorian).
	yy, mm := y, mo
	if mm <= 2 {
		yy--
		mm += 12
	}
	days := 365*yy + yy/4 - yy/100 + yy/400 + (153*(mm-3)+2)/5 + d - 1 - 719468
	return ((int64(days)*24+int64(h))*60+int64(mi))*60000 + int64(sec)*1000, true
}

// fillFast adds the rows of body (whole lines of the file, the first on
// line firstLine) to l, converting plain rows with fastRow and every other
// row with an ingest reader of its own (told the file's delimiter and date
// order), so the result is what the ingest reader gives. ok is false when
// a row needed what a part cannot decide alone (see readParts).
func fillFast(l *Log, f *fastLayout, body []byte, firstLine int64, path, order string) (ok bool, err error) {
	// Plain rows are converted into a batch and added together: their
	// ids are checked against the id set in one pass (idSet.addBatch),
	// then the rows that are not duplicates are added in order. A row
	// the ingest reader converts is added after the batch before it.
	const batchRows = 64
	batch := make([]fastRec, batchRows)
	ids := make([]string, batchRows)
	isNew := make([]bool, batchRows)
	nb := 0
	flush := func() bool {
		for k := range nb {
			ids[k] = batch[k].id
		}
		l.seen.addBatch(ids[:nb], isNew)
		for k := range nb {
			r := &batch[k]
			if r.id != "" && !isNew[k] {
				l.Duplicates++
				continue
			}
			if l.addCtx(r.id, r.cust, r.time, r.trigger, r.ctx, r.action, r.prop, r.reward, r.conv) != nil {
				return false // the single pass decides which error comes first
			}
		}
		nb = 0
		return true
	}
	var fields []string
	line := firstLine
	first := true
	for len(body) > 0 {
		var raw []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			raw, body = body[:i], body[i+1:]
		} else {
			raw, body = body, nil
		}
		// The row's text is read in place (the file's bytes are not
		// changed while it is read): the log keeps no substring of it
		// (ids are cloned, customers built afresh, text values
		// interned as copies).
		raw = bytes.TrimSuffix(raw, []byte{'\r'})
		row := unsafe.String(unsafe.SliceData(raw), len(raw))
		var good bool
		if !first {
			fields, good = f.fastRow(row, fields, &batch[nb])
		}
		if good {
			// The id is copied: as read it is a substring of the file.
			batch[nb].id = strings.Clone(batch[nb].id)
			if nb++; nb == batchRows && !flush() {
				return false, nil
			}
		} else {
			if !flush() {
				return false, nil
			}
			// The ingest reader on this one row; the first row always
			// goes this way, so the log's columns are set up by Add.
			if ok, err := f.slowRow(l, raw, line, path, order); !ok || err != nil {
				return ok, err
			}
			if first && l.N() > 0 {
				// The columns Add set up must be the layout's.
				if !slices.Equal(l.keys, f.ctxNames) || len(l.cols) != len(f.ctx)+1 {
					return false, nil
				}
				first = false
			}
		}
		line++
	}
	if !flush() {
		return false, nil
	}
	l.vals = nil // it holds the last row's values, substrings of body
	return true, nil
}

// slowRow converts one row with an ingest reader of its own.
func (f *fastLayout) slowRow(l *Log, raw []byte, line int64, path, order string) (bool, error) {
	r, det, err := ingest.NewReader(io.MultiReader(bytes.NewReader(f.header), bytes.NewReader(raw), strings.NewReader("\n")),
		path, ingest.Options{Kind: ingest.KindDecisions, Delimiter: rune(f.delim), DateOrder: order})
	if err != nil || order == "" && dateNote(det.Notes) {
		return false, nil
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			l.Rejected++
			if len(l.FirstRejects) < 5 {
				e := *re
				e.Line = line
				l.FirstRejects = append(l.FirstRejects, e.Error())
			}
			continue
		}
		if err != nil {
			return false, nil
		}
		if err := l.addRecord(&rec, path, line-rec.Line); err != nil {
			return false, nil
		}
	}
}

// addCtx is Add for a row whose context values ctx are in the order of
// the columns the log's previous Add set up (its keys); the log must have
// had one Add with the same context keys. The id (a copy, not a substring
// of the file) must have been added to the id set already, as a new id.
func (l *Log) addCtx(id, customer string, t int64, trigger string, ctx []string, action string, propensity, reward float64, converted bool) error {
	// The customer is the previous decision's (its string shared, not
	// built again) when the ids agree.
	const pre = string(ingest.IDCRM) + ":"
	if n := len(l.Customer); n > 0 {
		if p := l.Customer[n-1]; len(p) == len(pre)+len(customer) && p[len(pre):] == customer && p[:len(pre)] == pre {
			return l.add(id, false, p, t, trigger, nil, ctx, action, propensity, reward, converted)
		}
	}
	return l.add(id, false, pre+customer, t, trigger, nil, ctx, action, propensity, reward, converted)
}

// fastAgrees checks the fast conversion against the ingest reader on the
// first rows of a file (sample: the header line and up to some hundred
// rows): both must give the same log. It guards the assumptions fastRow
// makes about the reader's roles for the documented layout.
func fastAgrees(f *fastLayout, sample []byte, path string, actions *policy.Actions, order string) bool {
	r, _, err := ingest.NewReader(bytes.NewReader(sample), path, ingest.Options{Kind: ingest.KindDecisions, Delimiter: rune(f.delim), DateOrder: order})
	if err != nil {
		return false
	}
	a, b := New(actions), New(actions)
	if fill(a, r, path, 0) != nil {
		return false
	}
	body := sample[len(f.header):]
	if ok, err := fillFast(b, f, body, 2, path, order); !ok || err != nil {
		return false
	}
	if a.N() != b.N() || a.Rejected != b.Rejected || a.Duplicates != b.Duplicates || !slices.Equal(a.FirstRejects, b.FirstRejects) ||
		!slices.Equal(a.ID, b.ID) || !slices.Equal(a.Customer, b.Customer) || !slices.Equal(a.Time, b.Time) ||
		!slices.Equal(a.Action, b.Action) || !slices.Equal(a.Propensity, b.Propensity) || !slices.Equal(a.Reward, b.Reward) ||
		!slices.Equal(a.Converted, b.Converted) || !slices.Equal(a.Features(), b.Features()) {
		return false
	}
	for i := 0; i < a.N(); i++ {
		for j := range a.cols {
			if a.Text(i, j) != b.Text(i, j) || a.cols[j].kind[i] != b.cols[j].kind[i] {
				return false
			}
		}
	}
	return true
}
