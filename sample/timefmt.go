package sample

// Times inside the generator are int64 milliseconds since the Unix epoch
// (UTC). These helpers format them without the time package so that the
// hot loop allocates nothing.

const (
	msSecond = int64(1000)
	msMinute = 60 * msSecond
	msHour   = 60 * msMinute
	msDay    = 24 * msHour

	// periodStart is 2026-01-01T00:00:00Z, the first instant of the
	// sample; the period lasts periodDays days.
	periodStart = int64(1767225600) * msSecond
	periodDays  = 180
	periodEnd   = periodStart + periodDays*msDay
)

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (H. Hinnant's days_from_civil inverse).
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// lastSunday returns the day number (since the epoch) of the last Sunday of
// month m of year y.
func lastSunday(y, m int) int64 {
	var next int64
	if m == 12 {
		next = daysFromCivil(y+1, 1, 1)
	} else {
		next = daysFromCivil(y, m+1, 1)
	}
	last := next - 1
	// 1970-01-01 was a Thursday: weekday = (days+4) mod 7 with Sunday = 0.
	wd := (last + 4) % 7
	if wd < 0 {
		wd += 7
	}
	return last - wd
}

// ukOffsetMin is the UTC offset of Europe/London at instant ms, in minutes:
// +60 (BST) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
// last Sunday of October, 0 (GMT) otherwise.
func ukOffsetMin(ms int64) int {
	y, _, _ := civil(floorDiv(ms, msDay))
	start := lastSunday(y, 3)*msDay + msHour
	end := lastSunday(y, 10)*msDay + msHour
	if ms >= start && ms < end {
		return 60
	}
	return 0
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func append3(b []byte, v int) []byte {
	return append(b, byte('0'+v/100), byte('0'+v/10%10), byte('0'+v%10))
}

// split returns the civil fields of the instant ms shifted by offMin minutes.
func split(ms int64, offMin int) (y, mo, d, h, mi, s, milli int) {
	local := ms + int64(offMin)*msMinute
	days := floorDiv(local, msDay)
	rem := local - days*msDay
	y, mo, d = civil(days)
	h = int(rem / msHour)
	mi = int(rem / msMinute % 60)
	s = int(rem / msSecond % 60)
	milli = int(rem % msSecond)
	return
}

// appendISO appends ms as ISO-8601 at the given offset:
// 2026-02-03T04:05:06[.789](Z|+01:00). zulu writes "Z" (offMin must be 0).
func appendISO(b []byte, ms int64, offMin int, millis, zulu bool) []byte {
	y, mo, d, h, mi, s, milli := split(ms, offMin)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, mo)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	if millis {
		b = append(b, '.')
		b = append3(b, milli)
	}
	if zulu {
		return append(b, 'Z')
	}
	return appendOffset(b, offMin, true)
}

// appendOffset appends ±HH:MM (colon) or ±HHMM.
func appendOffset(b []byte, offMin int, colon bool) []byte {
	sign := byte('+')
	if offMin < 0 {
		sign = '-'
		offMin = -offMin
	}
	b = append(b, sign)
	b = append2(b, offMin/60)
	if colon {
		b = append(b, ':')
	}
	return append2(b, offMin%60)
}

// appendDate appends the UTC date of ms as YYYY-MM-DD.
func appendDate(b []byte, ms int64) []byte {
	y, mo, d, _, _, _, _ := split(ms, 0)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, mo)
	b = append(b, '-')
	return append2(b, d)
}

// appendUKCall appends ms as DD/MM/YYYY HH:MM in Europe/London time (the
// call-centre export).
func appendUKCall(b []byte, ms int64) []byte {
	y, mo, d, h, mi, _, _ := split(ms, ukOffsetMin(ms))
	b = append2(b, d)
	b = append(b, '/')
	b = append2(b, mo)
	b = append(b, '/')
	b = append4(b, y)
	b = append(b, ' ')
	b = append2(b, h)
	b = append(b, ':')
	return append2(b, mi)
}

// appendTill appends ms as "YYYY-MM-DD HH:MM:SS+0100" in Europe/London time
// with its numeric offset (the tills' format).
func appendTill(b []byte, ms int64) []byte {
	off := ukOffsetMin(ms)
	y, mo, d, h, mi, s, _ := split(ms, off)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, mo)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, ' ')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	return appendOffset(b, off, false)
}
