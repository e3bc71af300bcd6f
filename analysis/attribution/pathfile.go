package attribution

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// PathFileOptions describes an aggregated paths file.
//
// Delimiter separates fields (0 means ';'). PathSeparator separates the
// channels inside the path field; "" means detect it: ">" if any path
// contains ">", otherwise "+" if any contains "+" (channel-set files such
// as "F+L+O"), otherwise ">" (every path has one channel). Spaces around
// channel names are trimmed and empty names skipped, as ChannelAttribution
// does.
type PathFileOptions struct {
	Delimiter     rune
	PathSeparator string
}

// Column names recognised in a header line (case-insensitive). The first
// name of each list is ChannelAttribution's.
var (
	pathColumns  = []string{"path", "paths", "channel_set", "channels", "channel_path", "journey"}
	convColumns  = []string{"total_conversions", "conversions", "conversion", "total_conversion", "conv", "convs"}
	valueColumns = []string{"total_conversion_value", "value", "conversion_value", "total_value", "revenue"}
	nullColumns  = []string{"total_null", "total_nulls", "nulls", "null", "non_conversions"}
)

// ReadPaths reads an aggregated paths file: one path per line with its
// conversions, conversion value and null (non-converting) count.
//
// If the first line names its columns it is a header: the path column is
// one of path, paths, channel_set, channels, channel_path, journey; the
// counts are total_conversions (or conversions), total_conversion_value (or
// value, conversion_value, revenue) and total_null (or nulls, null); other
// columns are ignored; the path and conversions columns are required.
// Without a header the columns are positional: path;conversions;value;nulls,
// of which the last two may be absent (read as 0). Blank lines and lines
// starting with '#' are skipped; fields may be quoted. Errors name the line.
func ReadPaths(r io.Reader, opt PathFileOptions) ([]Path, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	if opt.Delimiter != 0 {
		cr.Comma = opt.Delimiter
	}
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false

	var rows []fileRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("paths file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, fileRow{line, rec})
	}
	if len(rows) == 0 {
		return nil, errors.New("paths file is empty; expected lines such as \"A > B;1;10;0\" (path;conversions;value;nulls)")
	}

	col := map[string]int{"path": 0, "conv": 1, "value": 2, "nulls": 3}
	if isHeader(rows[0].fields) {
		col = map[string]int{"path": -1, "conv": -1, "value": -1, "nulls": -1}
		for i, f := range rows[0].fields {
			name := strings.ToLower(strings.TrimSpace(f))
			for key, names := range map[string][]string{"path": pathColumns, "conv": convColumns, "value": valueColumns, "nulls": nullColumns} {
				if col[key] < 0 && contains(names, name) {
					col[key] = i
				}
			}
		}
		if col["path"] < 0 || col["conv"] < 0 {
			return nil, fmt.Errorf("paths file line %d: header %q lacks a path column (path or channel_set) or a conversions column (total_conversions or conversions)", rows[0].line, strings.Join(rows[0].fields, string(cr.Comma)))
		}
		rows = rows[1:]
	}

	sep := opt.PathSeparator
	if sep == "" {
		sep = detectSeparator(rows, col["path"])
	}
	paths := make([]Path, 0, len(rows))
	for _, rw := range rows {
		f := rw.fields
		if col["path"] >= len(f) || col["conv"] >= len(f) {
			return nil, fmt.Errorf("paths file line %d: %d fields, need at least a path and a conversions field separated by %q", rw.line, len(f), string(cr.Comma))
		}
		var p Path
		for _, tok := range strings.Split(f[col["path"]], sep) {
			if tok = strings.TrimSpace(tok); tok != "" {
				p.Channels = append(p.Channels, tok)
			}
		}
		var err error
		for _, num := range []struct {
			key, name string
			dst       *float64
			count     bool
		}{{"conv", "conversions", &p.Conversions, true}, {"value", "value", &p.Value, false}, {"nulls", "nulls", &p.Nulls, true}} {
			i := col[num.key]
			if i < 0 || i >= len(f) {
				continue
			}
			if *num.dst, err = parseNumber(f[i], num.count); err != nil {
				return nil, fmt.Errorf("paths file line %d: %s %w", rw.line, num.name, err)
			}
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func isHeader(fields []string) bool {
	for _, f := range fields {
		name := strings.ToLower(strings.TrimSpace(f))
		for _, names := range [][]string{pathColumns, convColumns, valueColumns, nullColumns} {
			if contains(names, name) {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fileRow is one record of a paths file and the line it starts on.
type fileRow struct {
	line   int
	fields []string
}

func detectSeparator(rows []fileRow, pathCol int) string {
	plus := false
	for _, r := range rows {
		if pathCol >= len(r.fields) {
			continue
		}
		if strings.Contains(r.fields[pathCol], ">") {
			return ">"
		}
		if strings.Contains(r.fields[pathCol], "+") {
			plus = true
		}
	}
	if plus {
		return "+"
	}
	return ">"
}

func parseNumber(s string, count bool) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v != v || v > 1e300 || v < -1e300 {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	if count && v < 0 {
		return 0, fmt.Errorf("%q is negative; counts must be 0 or more", s)
	}
	return v, nil
}

// WritePaths writes paths in the format ReadPaths reads, with
// ChannelAttribution's header path;total_conversions;total_conversion_value;total_null,
// channels joined by " > " (or by " S " for another PathSeparator S) and
// fields by Delimiter (default ';'). A channel name that contains the path
// separator or the delimiter is an error, since it could not be read back.
func WritePaths(w io.Writer, paths []Path, opt PathFileOptions) error {
	delim := ';'
	if opt.Delimiter != 0 {
		delim = opt.Delimiter
	}
	sep := opt.PathSeparator
	if sep == "" {
		sep = ">"
	}
	join := " " + sep + " "
	if strings.TrimSpace(sep) != sep {
		join = sep
	}
	d := string(delim)
	var b strings.Builder
	b.WriteString("path" + d + "total_conversions" + d + "total_conversion_value" + d + "total_null\n")
	for i, p := range paths {
		for _, c := range p.Channels {
			if strings.Contains(c, strings.TrimSpace(sep)) || strings.ContainsRune(c, delim) || strings.ContainsAny(c, "\"\n") {
				return fmt.Errorf("path %d: channel %q contains the path separator %q, the delimiter %q, a quote or a newline; rename it or choose other separators", i, c, sep, d)
			}
		}
		b.WriteString(strings.Join(p.Channels, join))
		for _, v := range []float64{p.Conversions, p.Value, p.Nulls} {
			b.WriteString(d)
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		b.WriteByte('\n')
		if b.Len() > 1<<16 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
