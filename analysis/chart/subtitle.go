package chart

import (
	"strconv"
	"strings"
	"time"
)

// Subtitle is the subtitle of a chart drawn from the database: the parts
// that are known, joined by " · ", in the order
//
//	filters · database · first day – last day · counts
//
// filters describes the filters applied ("all events" when empty), db
// names the database file (its base name is shown), first and last are
// the times (UTC milliseconds) of the first and last events kept, shown as
// days (left out when both are 0), and counts says how much data the chart
// shows ("4,812 customers, 9,100 journeys"; left out when empty).
func Subtitle(filters, db string, first, last int64, counts string) string {
	if filters == "" {
		filters = "all events"
	}
	parts := []string{filters}
	if db != "" {
		parts = append(parts, baseName(db))
	}
	if first != 0 || last != 0 {
		parts = append(parts, day(first)+" – "+day(last))
	}
	if counts != "" {
		parts = append(parts, counts)
	}
	return strings.Join(parts, " · ")
}

// baseName is the last element of a slash- or backslash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Thousands writes n with a comma between groups of three digits:
// 1234567 → "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Plural writes a count with its noun: "1 customer", "2,048 customers"
// (the plural adds an s).
func Plural(n int64, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + one + "s"
}

// DateFilter describes a time range [from, to) in UTC milliseconds in the
// words the subtitles use: "from 2026-01-01", "before 2026-04-01" or both,
// joined by ", " ("" when both are 0, i.e. unbounded).
func DateFilter(from, to int64) string {
	var p []string
	if from != 0 {
		p = append(p, "from "+time.UnixMilli(from).UTC().Format("2006-01-02"))
	}
	if to != 0 {
		p = append(p, "before "+time.UnixMilli(to).UTC().Format("2006-01-02"))
	}
	return strings.Join(p, ", ")
}
