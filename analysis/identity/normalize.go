package identity

import (
	"strings"
	"unicode"
)

// Candidates returns the normalised forms under which an identifier typed
// by a user may be stored, most specific first: the value as typed
// (trimmed), an email lower-cased, and a phone in E.164 (spaces, dashes
// and brackets removed; a leading 00 becomes +; a leading 0 means the UK,
// +44). Type is left to the lookup: any identity with one of these values
// matches.
func Candidates(raw string) []string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil
	}
	out := []string{s}
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	if strings.Contains(s, "@") {
		add(strings.ToLower(s))
	}
	if p, ok := NormalizePhone(s); ok {
		add(p)
	}
	return out
}

// NormalizePhone converts a phone number to E.164: separators (space, -,
// ., brackets) are dropped, a leading 00 becomes +, and a national number
// with a leading 0 is taken as UK (+44 without the 0). It reports false
// when s is not made of digits after that.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	p := b.String()
	switch {
	case len(p) < 7:
		return "", false
	case strings.HasPrefix(p, "+"):
		return p, true
	case strings.HasPrefix(p, "00"):
		return "+" + p[2:], true
	case strings.HasPrefix(p, "0"):
		return "+44" + p[1:], true
	default:
		return "+" + p, true
	}
}
