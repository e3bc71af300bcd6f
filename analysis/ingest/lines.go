package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxRowBytes is the longest row a reader accepts when
// Options.MaxRowBytes is zero: 4 MiB. A longer physical line (or a quoted
// row spanning lines that grows past it) is rejected with the reason "row
// longer than the 4 MiB limit"; the reader skips to the next line without
// holding the long line in memory, so memory stays bounded whatever the
// input.
const DefaultMaxRowBytes = 4 << 20

// maxRawBytes bounds the raw text kept on a reject: longer rows keep
// their first 64 KiB followed by "…".
const maxRawBytes = 64 << 10

// rawText is s bounded to maxRawBytes, valid UTF-8.
func rawText(s string) string {
	if len(s) > maxRawBytes {
		s = s[:maxRawBytes] + "…"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// maxQuotedLines bounds how many physical lines one quoted field may span
// before the row is taken to have an unbalanced quote.
const maxQuotedLines = 1000

// lineReader yields physical lines (without the line end; a trailing CR is
// removed) and counts lines and bytes. Lines longer than max are reported
// as too long and their content is discarded beyond the first
// maxRawBytes.
type lineReader struct {
	br    *bufio.Reader
	max   int
	line  int64 // physical lines consumed
	bytes int64
	buf   []byte
	err   error // sticky read error (io.EOF at end)

	pending []physLine // lines pushed back, served first (oldest first)
}

type physLine struct {
	data    []byte
	line    int64
	tooLong bool
}

func newLineReader(br *bufio.Reader, max int) *lineReader {
	if max <= 0 {
		max = DefaultMaxRowBytes
	}
	return &lineReader{br: br, max: max}
}

// next returns the next physical line. The returned data is valid until
// the next call. At the end it returns io.EOF; a read failure returns the
// error.
func (l *lineReader) next() (physLine, error) {
	if len(l.pending) > 0 {
		p := l.pending[0]
		l.pending = l.pending[1:]
		return p, nil
	}
	if l.err != nil {
		return physLine{}, l.err
	}
	l.buf = l.buf[:0]
	tooLong := false
	got := false
	for {
		chunk, err := l.br.ReadSlice('\n')
		l.bytes += int64(len(chunk))
		if len(chunk) > 0 {
			got = true
		}
		if !tooLong {
			if len(l.buf)+len(chunk) > l.max+2 { // +2: line end bytes
				tooLong = true
				keep := maxRawBytes - len(l.buf)
				if keep > len(chunk) {
					keep = len(chunk)
				}
				if keep > 0 {
					l.buf = append(l.buf, chunk[:keep]...)
				}
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			l.err = err
			if !got || err != io.EOF {
				return physLine{}, err
			}
		}
		break
	}
	l.line++
	b := l.buf
	if tooLong && len(b) > maxRawBytes {
		b = b[:maxRawBytes]
	}
	if !tooLong {
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return physLine{data: b, line: l.line, tooLong: tooLong}, nil
}

// pushBack queues copies of lines to be served again before the rest of
// the input (used to resynchronise after an unbalanced quote).
func (l *lineReader) pushBack(lines []physLine) {
	if len(lines) == 0 {
		return
	}
	q := make([]physLine, 0, len(lines)+len(l.pending))
	for _, p := range lines {
		q = append(q, physLine{data: append([]byte(nil), p.data...), line: p.line, tooLong: p.tooLong})
	}
	l.pending = append(q, l.pending...)
}

// csvRow is one record of a delimited file.
type csvRow struct {
	line   int64    // physical line where the row starts
	raw    string   // the row's text (lines joined by '\n')
	fields []string // the fields, unquoted
	bad    string   // non-empty: why the row cannot be read at all
}

// csvScanner splits a delimited file into rows: RFC 4180 quoting (a
// field may be quoted with ", a doubled "" inside quotes is one quote,
// quoted fields may hold delimiters and line breaks); a quote inside an
// unquoted field is kept literally. A row whose quote never closes (or
// closes only after lines that make the row the wrong width) is taken as a
// broken quote: its first line is rejected and reading resumes at the next
// line.
type csvScanner struct {
	lr    *lineReader
	delim byte
	width int // expected number of fields (header width); 0 = any

	rec   []byte // the row's bytes
	spans []physLine
	offs  []fieldOff
	out   []string
}

type fieldOff struct {
	start, end int
	esc        bool // contains "" to unescape or junk after closing quote
}

// parse splits c.rec into field offsets; it reports whether the row ends
// inside a quoted field.
func (c *csvScanner) parse() (open bool) {
	b := c.rec
	d := c.delim
	n := len(b)
	c.offs = c.offs[:0]
	i := 0
	for {
		if i < n && b[i] == '"' {
			j := i + 1
			esc := false
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return true
				}
				j += k
				if j+1 < n && b[j+1] == '"' {
					esc = true
					j += 2
					continue
				}
				break
			}
			// b[j] is the closing quote.
			if j+1 >= n {
				c.offs = append(c.offs, fieldOff{i + 1, j, esc})
				return false
			}
			if b[j+1] == d {
				c.offs = append(c.offs, fieldOff{i + 1, j, esc})
				i = j + 2
				continue
			}
			// Text after the closing quote: keep it literally up to the
			// next delimiter.
			k := bytes.IndexByte(b[j+1:], d)
			end := n
			if k >= 0 {
				end = j + 1 + k
			}
			c.offs = append(c.offs, fieldOff{i, end, true})
			if k < 0 {
				return false
			}
			i = end + 1
			continue
		}
		k := bytes.IndexByte(b[i:], d)
		if k < 0 {
			c.offs = append(c.offs, fieldOff{i, n, false})
			return false
		}
		c.offs = append(c.offs, fieldOff{i, i + k, false})
		i += k + 1
	}
}

// next returns the next row (skipping blank lines), or io.EOF.
func (c *csvScanner) next() (csvRow, error) {
	var first physLine
	for {
		p, err := c.lr.next()
		if err != nil {
			return csvRow{}, err
		}
		if p.tooLong {
			return csvRow{line: p.line, raw: strings.ToValidUTF8(string(p.data), "\uFFFD") + "…", bad: "row longer than the " + sizeText(c.lr.max) + " limit"}, nil
		}
		if len(p.data) == 0 {
			continue
		}
		first = p
		break
	}
	c.rec = append(c.rec[:0], first.data...)
	c.spans = c.spans[:0]
	for c.parse() {
		// The row continues on the next physical line.
		p, err := c.lr.next()
		if err != nil && err != io.EOF {
			return csvRow{}, err
		}
		if err == io.EOF || p.tooLong || len(c.rec)+1+len(p.data) > c.lr.max || len(c.spans) >= maxQuotedLines {
			reason := "unbalanced quote: a quoted field does not close on this line"
			switch {
			case err == io.EOF:
				reason = "unbalanced quote: a quoted field does not close before the end of the file"
			case len(c.spans) >= maxQuotedLines:
				reason = "unbalanced quote: a quoted field runs over more than " + strconv.Itoa(maxQuotedLines) + " lines"
			default:
				reason = "row longer than the " + sizeText(c.lr.max) + " limit (a quoted field runs over several lines: unbalanced quote?)"
			}
			if err == nil {
				c.spans = append(c.spans, p)
			}
			return c.brokenQuote(first, reason), nil
		}
		// Keep a copy: the line buffer is reused.
		c.spans = append(c.spans, physLine{data: append([]byte(nil), p.data...), line: p.line})
		c.rec = append(c.rec, '\n')
		c.rec = append(c.rec, p.data...)
	}
	if len(c.spans) > 0 && c.width > 0 && len(c.offs) != c.width {
		return c.brokenQuote(first, "unbalanced quote: a quoted field does not close on this line"), nil
	}
	raw := string(c.rec)
	row := csvRow{line: first.line, raw: raw}
	if !utf8.ValidString(raw) {
		row.bad = invalidUTF8Reason(raw)
		return row, nil
	}
	c.out = c.out[:0]
	for _, f := range c.offs {
		s := raw[f.start:f.end]
		if f.esc {
			s = unescapeField(s)
		}
		c.out = append(c.out, s)
	}
	row.fields = c.out
	if c.width > 0 && len(c.out) != c.width {
		row.bad = "row has " + strconv.Itoa(len(c.out)) + " fields, the header has " + strconv.Itoa(c.width)
	}
	return row, nil
}

// brokenQuote rejects the first line of a row whose quote does not close
// properly and pushes the lines after it back to be read again.
func (c *csvScanner) brokenQuote(first physLine, reason string) csvRow {
	c.lr.pushBack(c.spans)
	return csvRow{line: first.line, raw: rawText(string(first.data)), bad: reason}
}

// unescapeField turns a quoted field's content with doubled quotes (or a
// quoted part followed by literal text) into its value.
func unescapeField(s string) string {
	if len(s) > 0 && s[0] == '"' {
		// "quoted"junk: the quoted part unescaped, then the rest literally.
		j := 1
		var sb strings.Builder
		for j < len(s) {
			if s[j] == '"' {
				if j+1 < len(s) && s[j+1] == '"' {
					sb.WriteByte('"')
					j += 2
					continue
				}
				sb.WriteString(s[j+1:])
				return sb.String()
			}
			sb.WriteByte(s[j])
			j++
		}
		return sb.String()
	}
	return strings.ReplaceAll(s, `""`, `"`)
}

func invalidUTF8Reason(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return "not valid UTF-8: byte 0x" + strconv.FormatUint(uint64(s[i]), 16) + " at offset " + strconv.Itoa(i) + " (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)"
		}
		i += size
	}
	return "not valid UTF-8"
}

func sizeText(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	if n%(1<<10) == 0 {
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " byte"
}

// sniffDelimiter chooses the delimiter among comma, semicolon, tab and
// pipe from a sample of the file's first lines: the candidate that splits
// the header into at least two fields and gives the same field count on
// the most sample rows (quotes respected), ties broken by more fields and
// then by the order comma, semicolon, tab, pipe. complete says whether the
// sample holds the whole file (else its last line may be cut). It returns
// 0 when no candidate splits the header.
func sniffDelimiter(sample []byte, complete bool) (delim byte, headerWidth, consistent, rows int) {
	lines := splitSampleLines(sample, complete, 50)
	best := byte(0)
	bestW, bestC, bestRows := 0, -1, 0
	for _, d := range []byte{',', ';', '\t', '|'} {
		counts := countFields(lines, d)
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		cons := 0
		for _, n := range counts[1:] {
			if n == counts[0] {
				cons++
			}
		}
		if cons > bestC || (cons == bestC && counts[0] > bestW) {
			best, bestW, bestC, bestRows = d, counts[0], cons, len(counts)-1
		}
	}
	if bestC < 0 {
		bestC = 0
	}
	return best, bestW, bestC, bestRows
}

func splitSampleLines(sample []byte, complete bool, max int) [][]byte {
	var lines [][]byte
	for len(sample) > 0 && len(lines) < max {
		i := bytes.IndexByte(sample, '\n')
		if i < 0 {
			if complete {
				lines = append(lines, bytes.TrimRight(sample, "\r"))
			}
			break
		}
		l := bytes.TrimRight(sample[:i], "\r")
		if len(l) > 0 {
			lines = append(lines, l)
		}
		sample = sample[i+1:]
	}
	return lines
}

// countFields counts the fields of each logical row in lines for
// delimiter d, carrying quote state across lines.
func countFields(lines [][]byte, d byte) []int {
	var counts []int
	inQ := false
	n := 1
	for _, l := range lines {
		for _, ch := range l {
			switch {
			case ch == '"':
				inQ = !inQ
			case ch == d && !inQ:
				n++
			}
		}
		if !inQ {
			counts = append(counts, n)
			n = 1
		}
	}
	return counts
}
