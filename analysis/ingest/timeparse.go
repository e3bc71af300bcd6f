package ingest

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The accepted range of event times: [1970-01-01T00:00:00Z,
// 2100-01-01T00:00:00Z). Times outside it are rejected as implausible.
const (
	minTimeMS int64 = 0
	maxTimeMS int64 = 4102444800000 // 2100-01-01T00:00:00Z
)

// TimeError says why a date-time could not be read. Ambiguous is set when
// the value reads both as day/month and as month/day (DD/MM vs MM/DD with
// both ≤ 12): Options.DateOrder (--date-order) decides.
type TimeError struct {
	Value     string
	Reason    string
	Ambiguous bool
}

func (e *TimeError) Error() string {
	return "date-time " + strconv.Quote(e.Value) + ": " + e.Reason
}

func timeErr(s, reason string) error { return &TimeError{Value: s, Reason: reason} }

// ParseTime reads a date-time and returns it as UTC milliseconds since the
// Unix epoch: t_ms = (local civil time − offset) in ms. Accepted forms:
//
//   - ISO-8601 / RFC 3339: 2026-02-03T04:05:06Z, with or without the T
//     (a space), with or without seconds and a fraction (. or ,), with an
//     offset Z, ±hh:mm, ±hhmm or ±hh (optionally after a space), or none;
//     a date alone (2026-02-03) is midnight;
//   - slash dates DD/MM/YYYY or MM/DD/YYYY (order from opt.DateOrder
//     "dmy"/"mdy"; without it the value must decide by itself, a first
//     component above 12 meaning day-first and a second above 12
//     month-first, else the error asks for --date-order), YYYY/MM/DD, and
//     dotted DD.MM.YYYY, each with an optional time HH:MM[:SS[.fff]]
//     and optional AM/PM and offset;
//   - Unix epoch seconds or milliseconds, told apart by magnitude
//     (|n| < 1e11 is seconds, else milliseconds), with an optional
//     fraction;
//   - RFC 1123/822/850, ANSIC and a few written-month layouts
//     ("Jan 2, 2006 15:04:05", "2 Jan 2006 15:04").
//
// A time without an offset is read in opt.Location (UTC when nil). Times
// before 1970 or from 2100 on are errors.
func ParseTime(s string, opt Options) (int64, error) {
	order, err := dateOrderByte(opt.DateOrder)
	if err != nil {
		return 0, err
	}
	return parseTime(s, order, opt.Location)
}

func dateOrderByte(s string) (byte, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return 0, nil
	case "dmy", "dd/mm/yyyy", "day":
		return 'd', nil
	case "mdy", "mm/dd/yyyy", "month":
		return 'm', nil
	}
	return 0, errors.New("date order " + strconv.Quote(s) + " is not known: use dmy (day first) or mdy (month first)")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits parses s[i:i+n] as a decimal number; ok is false if any byte is
// not a digit or s is too short.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTime is ParseTime with the date order as 'd', 'm' or 0.
func parseTime(s string, order byte, loc *time.Location) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, timeErr(s, "empty")
	}
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' && isDigit(s[0]) {
		y, ok1 := digits(s, 0, 4)
		mo, ok2 := digits(s, 5, 2)
		d, ok3 := digits(s, 8, 2)
		if ok1 && ok2 && ok3 {
			return civilRest(s, s[10:], y, mo, d, loc)
		}
	}
	if isDigit(s[0]) || s[0] == '-' || s[0] == '+' {
		if ms, ok, err := parseEpoch(s); ok {
			return ms, err
		}
		if ms, ok, err := parseSlash(s, order, loc); ok {
			return ms, err
		}
	}
	return parseLayouts(s, loc)
}

// parseEpoch reads an all-digit value (optional sign and fraction) as
// epoch seconds or milliseconds.
func parseEpoch(s string) (int64, bool, error) {
	i := 0
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	start := i
	var v int64
	for i < len(s) && isDigit(s[i]) {
		if i-start >= 18 {
			return 0, true, timeErr(s, "epoch number out of range")
		}
		v = v*10 + int64(s[i]-'0')
		i++
	}
	if i == start {
		return 0, false, nil
	}
	var frac float64
	if i < len(s) && s[i] == '.' {
		j := i + 1
		scale := 0.1
		for j < len(s) && isDigit(s[j]) {
			frac += float64(s[j]-'0') * scale
			scale /= 10
			j++
		}
		if j == i+1 {
			return 0, false, nil
		}
		i = j
	}
	if i != len(s) {
		return 0, false, nil
	}
	var ms int64
	if v < 1e11 {
		ms = v*1000 + int64(frac*1000)
	} else {
		ms = v
	}
	if neg {
		ms = -ms
	}
	return ms, true, checkRange(s, ms)
}

func checkRange(s string, ms int64) error {
	if ms < minTimeMS {
		return timeErr(s, "before 1970, outside the accepted range 1970-01-01 to 2099-12-31")
	}
	if ms >= maxTimeMS {
		return timeErr(s, "after 2099, outside the accepted range 1970-01-01 to 2099-12-31")
	}
	return nil
}

// parseSlash reads A/B/YYYY, YYYY/MM/DD or DD.MM.YYYY with an optional
// time.
func parseSlash(s string, order byte, loc *time.Location) (int64, bool, error) {
	// Up to three numeric components separated by '/', '.' or '-'.
	var comp [3]int
	var width [3]int
	sep := byte(0)
	i := 0
	for k := 0; k < 3; k++ {
		st := i
		v := 0
		for i < len(s) && isDigit(s[i]) && i-st < 4 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == st {
			return 0, false, nil
		}
		comp[k], width[k] = v, i-st
		if k < 2 {
			if i >= len(s) {
				return 0, false, nil
			}
			c := s[i]
			if c != '/' && c != '.' && c != '-' {
				return 0, false, nil
			}
			if sep == 0 {
				sep = c
			} else if c != sep {
				return 0, false, nil
			}
			i++
		}
	}
	rest := s[i:]
	var y, mo, d int
	switch {
	case width[0] == 4 && width[1] <= 2 && width[2] <= 2:
		y, mo, d = comp[0], comp[1], comp[2]
	case width[2] == 4 && width[0] <= 2 && width[1] <= 2:
		y = comp[2]
		a, b := comp[0], comp[1]
		o := order
		if sep == '.' || sep == '-' {
			o = 'd' // dotted and dashed numeric dates are day-first
		}
		if o == 0 {
			switch {
			case a > 12 && b <= 12:
				o = 'd'
			case b > 12 && a <= 12:
				o = 'm'
			case a <= 12 && b <= 12:
				if a == b {
					o = 'd' // same either way
				} else {
					return 0, true, &TimeError{Value: s, Reason: "ambiguous: day and month are both 12 or less; pass --date-order dmy or mdy", Ambiguous: true}
				}
			default:
				return 0, true, timeErr(s, "not a valid date")
			}
		}
		if o == 'd' {
			d, mo = a, b
		} else {
			mo, d = a, b
		}
	default:
		return 0, false, nil
	}
	ms, err := civilRest(s, rest, y, mo, d, loc)
	return ms, true, err
}

// civilRest reads the optional time of day and offset in rest, after the
// date y-mo-d, and returns UTC milliseconds.
func civilRest(s, rest string, y, mo, d int, loc *time.Location) (int64, error) {
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, timeErr(s, "not a valid date")
	}
	if y < 1970 {
		return 0, checkRange(s, -1)
	}
	if y >= 2100 {
		return 0, checkRange(s, maxTimeMS)
	}
	h, mi, sec, ms := 0, 0, 0, 0
	offset := 0
	hasZone := false
	r := rest
	if len(r) > 0 {
		if r[0] != 'T' && r[0] != 't' && r[0] != ' ' {
			return 0, timeErr(s, "unexpected text after the date")
		}
		r = r[1:]
		for len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
		// HH:MM[:SS[.fff]]
		hw := 2
		if len(r) >= 2 && !isDigit(r[1]) {
			hw = 1
		}
		var ok bool
		if h, ok = digits(r, 0, hw); !ok {
			return 0, timeErr(s, "not a valid time of day")
		}
		r = r[hw:]
		if len(r) < 3 || r[0] != ':' {
			return 0, timeErr(s, "not a valid time of day")
		}
		if mi, ok = digits(r, 1, 2); !ok {
			return 0, timeErr(s, "not a valid time of day")
		}
		r = r[3:]
		if len(r) > 0 && r[0] == ':' {
			if sec, ok = digits(r, 1, 2); !ok {
				return 0, timeErr(s, "not a valid time of day")
			}
			r = r[3:]
			if len(r) > 0 && (r[0] == '.' || r[0] == ',') {
				j := 1
				scale := 100
				for j < len(r) && isDigit(r[j]) {
					ms += int(r[j]-'0') * scale
					scale /= 10
					j++
				}
				if j == 1 {
					return 0, timeErr(s, "not a valid fraction of a second")
				}
				r = r[j:]
			}
		}
		for len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
		// AM / PM
		if len(r) >= 2 && (r[1] == 'M' || r[1] == 'm') && strings.ContainsRune("AaPp", rune(r[0])) {
			if h < 1 || h > 12 {
				return 0, timeErr(s, "hour out of range for AM/PM")
			}
			pm := r[0] == 'P' || r[0] == 'p'
			if h == 12 {
				h = 0
			}
			if pm {
				h += 12
			}
			r = r[2:]
			for len(r) > 0 && r[0] == ' ' {
				r = r[1:]
			}
		}
		if h > 23 || mi > 59 || sec > 59 {
			return 0, timeErr(s, "time of day out of range")
		}
		if len(r) > 0 {
			switch {
			case r == "Z" || r == "z" || r == "UTC" || r == "GMT":
				hasZone = true
			case r[0] == '+' || r[0] == '-':
				sign := 1
				if r[0] == '-' {
					sign = -1
				}
				oh, ok := digits(r, 1, 2)
				if !ok {
					return 0, timeErr(s, "not a valid UTC offset")
				}
				om := 0
				t := r[3:]
				switch {
				case t == "":
				case len(t) == 3 && t[0] == ':':
					om, ok = digits(t, 1, 2)
				case len(t) == 2:
					om, ok = digits(t, 0, 2)
				default:
					ok = false
				}
				if !ok || oh > 23 || om > 59 {
					return 0, timeErr(s, "not a valid UTC offset")
				}
				offset = sign * (oh*3600 + om*60)
				hasZone = true
			default:
				return 0, timeErr(s, "unexpected text after the time")
			}
		}
	}
	var out int64
	if hasZone || loc == nil || loc == time.UTC {
		days := daysFromCivil(y, mo, d)
		out = (days*86400+int64(h*3600+mi*60+sec-offset))*1000 + int64(ms)
	} else {
		out = time.Date(y, time.Month(mo), d, h, mi, sec, ms*1e6, loc).UnixMilli()
	}
	return out, checkRange(s, out)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

var zonedLayouts = []string{
	time.RFC1123Z, time.RFC1123, time.RFC850, time.RFC822Z, time.RFC822, time.UnixDate, time.RubyDate,
	"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
}

var localLayouts = []string{
	time.ANSIC, "Jan 2, 2006 15:04:05", "Jan 2, 2006 3:04:05 PM", "Jan 2, 2006 15:04", "Jan 2, 2006",
	"January 2, 2006 15:04:05", "January 2, 2006", "2 Jan 2006 15:04:05", "2 Jan 2006 15:04", "2 Jan 2006",
	"02-Jan-2006 15:04:05", "02-Jan-2006", "2 January 2006 15:04", "2 January 2006",
}

// parseLayouts tries the written-month layouts (the slow path).
func parseLayouts(s string, loc *time.Location) (int64, error) {
	if len(s) > 64 {
		return 0, timeErr(truncate(s, 64), "not a recognised date-time (use ISO-8601 such as 2026-02-03T04:05:06Z)")
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			ms := t.UnixMilli()
			return ms, checkRange(s, ms)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			ms := t.UnixMilli()
			return ms, checkRange(s, ms)
		}
	}
	return 0, timeErr(s, "not a recognised date-time (use ISO-8601 such as 2026-02-03T04:05:06Z)")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
