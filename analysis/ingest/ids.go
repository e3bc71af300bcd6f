package ingest

import (
	"errors"
	"strconv"
	"strings"
)

// NormalizeID returns the canonical form of an identifier value of type t:
//
//   - email: surrounding space trimmed, lower-cased; it must have one @
//     with a non-empty local part and a domain containing a dot, and no
//     spaces;
//   - phone: E.164. Spaces, dashes, dots and brackets (and a "(0)"
//     after a country code) are removed; a
//     leading + keeps the country code, a leading 00 becomes +, a single
//     leading 0 is a UK national number (+44 and the rest); bare digits
//     are taken to start with the country code. The result must have 8 to
//     15 digits (a UK number 9 or 10 after +44);
//   - every other type: surrounding space trimmed, non-empty.
func NormalizeID(t IDType, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", errors.New("empty " + string(t))
	}
	switch t {
	case IDEmail:
		return normEmail(v)
	case IDPhone:
		return normPhone(v)
	}
	return v, nil
}

func normEmail(v string) (string, error) {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at != strings.LastIndexByte(v, '@') || at == len(v)-1 {
		return "", errors.New("invalid email " + strconv.Quote(v) + ": it needs one @ between a name and a domain")
	}
	dom := v[at+1:]
	if strings.IndexByte(dom, '.') <= 0 || dom[len(dom)-1] == '.' {
		return "", errors.New("invalid email " + strconv.Quote(v) + ": the domain has no dot")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == ',' || c == ';' || c == '<' || c == '>' || c == '"' {
			return "", errors.New("invalid email " + strconv.Quote(v) + ": it contains a space or separator")
		}
	}
	return strings.ToLower(v), nil
}

func normPhone(v string) (string, error) {
	orig := v
	// "+44 (0)7700 900123": the bracketed trunk 0 is not dialled after
	// the country code.
	if strings.HasPrefix(v, "+") {
		v = strings.Replace(v, "(0)", "", 1)
	}
	var buf [32]byte
	n := 0
	plus := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			if n == len(buf) {
				return "", errors.New("invalid phone " + strconv.Quote(orig) + ": too many digits")
			}
			buf[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t':
		default:
			return "", errors.New("invalid phone " + strconv.Quote(orig) + ": unexpected character " + strconv.QuoteRune(rune(c)))
		}
	}
	d := buf[:n]
	var out string
	switch {
	case plus:
		out = "+" + string(d)
	case n >= 2 && d[0] == '0' && d[1] == '0':
		d = d[2:]
		out = "+" + string(d)
	case n >= 1 && d[0] == '0':
		d = d[1:]
		out = "+44" + string(d)
	default:
		out = "+" + string(d)
	}
	if k := len(out) - 1; k < 8 || k > 15 {
		return "", errors.New("invalid phone " + strconv.Quote(orig) + ": E.164 numbers have 8 to 15 digits")
	}
	if strings.HasPrefix(out, "+44") && (len(out)-3 < 9 || len(out)-3 > 10) {
		return "", errors.New("invalid phone " + strconv.Quote(orig) + ": a UK number has 9 or 10 digits after +44 (or 10 or 11 starting with 0)")
	}
	if out[1] == '0' {
		return "", errors.New("invalid phone " + strconv.Quote(orig) + ": a country code cannot start with 0")
	}
	return out, nil
}

// DetectIDType guesses the type of an identifier value from its shape:
// C followed by digits is a crm_id; a value with @ an email; LC and 10
// digits a loyalty_card; dev- and hex a device_id; a UUID an
// anonymous_id; + or 0 followed by 9 to 14 digits (spaces allowed) a
// phone; anything else is fallback.
func DetectIDType(v string, fallback IDType) IDType {
	v = strings.TrimSpace(v)
	n := len(v)
	switch {
	case n >= 2 && (v[0] == 'C' || v[0] == 'c') && allDigits(v[1:]):
		return IDCRM
	case strings.IndexByte(v, '@') > 0:
		return IDEmail
	case n == 12 && v[0] == 'L' && v[1] == 'C' && allDigits(v[2:]):
		return IDLoyaltyCard
	case strings.HasPrefix(v, "dev-"):
		return IDDevice
	case isUUID(v):
		return IDAnonymous
	case n > 0 && (v[0] == '+' || v[0] == '0') && looksPhone(v):
		return IDPhone
	}
	return fallback
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func looksPhone(v string) bool {
	nd := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			nd++
		case c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0):
		default:
			return false
		}
	}
	return nd >= 10 && nd <= 15
}

func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := v[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
