package ingest

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of objects and arrays in one message.
const maxJSONDepth = 64

// jsonKind is the kind of a JSON scalar.
type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonBool
	jsonNull
)

// leafFunc receives each scalar under nested objects (not inside arrays)
// with its dotted path, e.g. "context.campaign.name". path is only valid
// during the call.
type leafFunc interface {
	leaf(path []byte, v string, k jsonKind)
}

// jsonScanner is a strict JSON parser (RFC 8259 grammar) that walks one
// object and reports its scalar leaves without building a tree: string
// values without escapes are substrings of the input, so a typical
// message costs no allocation beyond the values it keeps.
type jsonScanner struct {
	s     string
	i     int
	path  []byte
	depth int
	err   string
	out   leafFunc
}

// scanObject parses s, which must hold exactly one JSON object (spaces
// around it allowed). It returns "" or the reason the text is not valid
// JSON.
func (p *jsonScanner) scanObject(s string, out leafFunc) string {
	p.s, p.i, p.path, p.depth, p.err, p.out = s, 0, p.path[:0], 0, "", out
	p.ws()
	if p.i >= len(p.s) {
		return "empty line"
	}
	if p.s[p.i] != '{' {
		return "not a JSON object: the line must start with {"
	}
	if !p.object(true) {
		return p.err
	}
	p.ws()
	if p.i != len(p.s) {
		return "invalid JSON: unexpected text after the object at offset " + strconv.Itoa(p.i)
	}
	return ""
}

func (p *jsonScanner) fail(what string) bool {
	if p.err == "" {
		if p.i >= len(p.s) {
			p.err = "invalid JSON: the line ends in the middle of a value (truncated?)"
		} else {
			p.err = "invalid JSON: " + what + " at offset " + strconv.Itoa(p.i)
		}
	}
	return false
}

func (p *jsonScanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) value(emit bool) bool {
	p.ws()
	if p.i >= len(p.s) {
		return p.fail("")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(emit)
	case c == '[':
		return p.array()
	case c == '"':
		v, ok := p.str()
		if ok && emit {
			p.out.leaf(p.path, v, jsonString)
		}
		return ok
	case c == 't':
		return p.lit("true", jsonBool, emit)
	case c == 'f':
		return p.lit("false", jsonBool, emit)
	case c == 'n':
		return p.lit("null", jsonNull, emit)
	case c == '-' || isDigit(c):
		return p.number(emit)
	}
	return p.fail("unexpected character " + strconv.QuoteRune(rune(p.s[p.i])))
}

func (p *jsonScanner) lit(w string, k jsonKind, emit bool) bool {
	if !strings.HasPrefix(p.s[p.i:], w) {
		if strings.HasPrefix(w, p.s[p.i:]) {
			p.i = len(p.s)
			return p.fail("")
		}
		return p.fail("unexpected character " + strconv.QuoteRune(rune(p.s[p.i])))
	}
	if emit {
		p.out.leaf(p.path, w, k)
	}
	p.i += len(w)
	return true
}

func (p *jsonScanner) number(emit bool) bool {
	st := p.i
	s := p.s
	if s[p.i] == '-' {
		p.i++
	}
	if p.i >= len(s) {
		return p.fail("")
	}
	if s[p.i] == '0' {
		p.i++
	} else if s[p.i] >= '1' && s[p.i] <= '9' {
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
	} else {
		return p.fail("invalid number")
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		d := p.i
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
		if p.i == d {
			return p.fail("invalid number")
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		d := p.i
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
		if p.i == d {
			return p.fail("invalid number")
		}
	}
	if emit {
		p.out.leaf(p.path, s[st:p.i], jsonNumber)
	}
	return true
}

// str reads a string starting at the opening quote.
func (p *jsonScanner) str() (string, bool) {
	s := p.s
	p.i++
	st := p.i
	i := p.i
	// Eight bytes at a time while none of them is a quote, a backslash
	// or a control character (the usual string), then byte by byte.
	for i+8 <= len(s) {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if hasStop(w) {
			break
		}
		i += 8
	}
	for i < len(s) && !strStop[s[i]] {
		i++
	}
	p.i = i
	if i < len(s) {
		switch c := s[i]; {
		case c == '"':
			p.i++
			return s[st:i], true
		case c == '\\':
			return p.strEscaped(st)
		default:
			return "", p.fail("control character in a string")
		}
	}
	return "", p.fail("")
}

// hasStop reports whether one of the eight bytes of w is a quote, a
// backslash or below 0x20 (the bytes strStop marks). The tests for a zero
// byte (x-0x01…) & ^x & 0x80… and for a byte below 0x20 (x-0x20…) & ^x &
// 0x80… can report a false positive only above a true one, so "none"
// is exact.
func hasStop(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := w ^ ('"' * ones)
	b := w ^ ('\\' * ones)
	return ((q-ones)&^q|(b-ones)&^b|(w-0x20*ones)&^w)&highs != 0
}

// strStop marks the bytes that end the fast scan of a string: the quote,
// the backslash and the control characters.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return
}()

func (p *jsonScanner) strEscaped(st int) (string, bool) {
	s := p.s
	var b strings.Builder
	b.WriteString(s[st:p.i])
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), true
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(s) {
			return "", p.fail("")
		}
		e := s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.i+1 < len(s) && s[p.i] == '\\' && s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					x, ok := p.hex4()
					if !ok {
						return "", false
					}
					if d := utf16.DecodeRune(r, x); d != utf8.RuneError {
						r2 = d
					} else {
						p.i = save
					}
				}
				r = r2
			}
			b.WriteRune(r)
		default:
			p.i--
			return "", p.fail("invalid escape in a string")
		}
	}
	return "", p.fail("")
}

func (p *jsonScanner) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.i = len(p.s)
		return 0, p.fail("")
	}
	var r rune
	for k := 0; k < 4; k++ {
		c := p.s[p.i+k]
		switch {
		case isDigit(c):
			r = r*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r*16 + rune(c-'A'+10)
		default:
			p.i += k
			return 0, p.fail("invalid \\u escape")
		}
	}
	p.i += 4
	return r, true
}

func (p *jsonScanner) object(emit bool) bool {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("objects nested deeper than " + strconv.Itoa(maxJSONDepth) + " levels")
	}
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return true
	}
	base := len(p.path)
	for {
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		if p.s[p.i] != '"' {
			return p.fail("expected a quoted key")
		}
		key, ok := p.str()
		if !ok {
			return false
		}
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		if p.s[p.i] != ':' {
			return p.fail("expected : after a key")
		}
		p.i++
		p.path = p.path[:base]
		if base > 0 {
			p.path = append(p.path, '.')
		}
		p.path = append(p.path, key...)
		if !p.value(emit) {
			return false
		}
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			p.path = p.path[:base]
			p.depth--
			return true
		}
		return p.fail("expected , or } in an object")
	}
}

func (p *jsonScanner) array() bool {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("arrays nested deeper than " + strconv.Itoa(maxJSONDepth) + " levels")
	}
	p.i++ // [
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return true
	}
	for {
		if !p.value(false) {
			return false
		}
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case ']':
			p.i++
			p.depth--
			return true
		}
		return p.fail("expected , or ] in an array")
	}
}
