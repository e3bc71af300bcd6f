package load

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// jsonObject encodes a string map as a JSON object with sorted keys, the
// same bytes encoding/json.Marshal writes (without its HTML escaping of
// <, > and &), several times faster for the small maps of event
// properties.
func jsonObject(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	var kbuf [16]string
	keys := kbuf[:0]
	n := 2
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			b, _ := json.Marshal(m)
			return string(b)
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	b = append(b, '}')
	return string(b)
}

// marshalMap returns exactly the bytes of encoding/json.Marshal(m) for a
// non-empty string map: jsonObject's faster encoding when no key or value
// holds a character Marshal escapes and jsonObject does not (<, >, & and
// U+2028, U+2029), Marshal itself otherwise.
func marshalMap(m map[string]string) string {
	for k, v := range m {
		if strings.ContainsAny(k, htmlUnsafe) || strings.ContainsAny(v, htmlUnsafe) {
			b, _ := json.Marshal(m)
			return string(b)
		}
	}
	return jsonObject(m)
}

const htmlUnsafe = "<>&\u2028\u2029"

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
