package load

import (
	"encoding/json"
	"testing"
)

// TestJSONObject checks the fast encoder against encoding/json (which
// also sorts keys) on awkward strings; both must decode to the same map.
func TestJSONObject(t *testing.T) {
	cases := []map[string]string{
		{"path": "/product/P1", "url": "https://x.example/?a=1&b=<2>", "name": "Home"},
		{"q": "say \"hi\"\\ now", "nl": "a\nb\tc\rd\x01e", "ü": "naïve – ok"},
		{"bad": "\xff\xfe"},
	}
	for _, m := range cases {
		got := jsonObject(m)
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%q does not parse: %v", got, err)
		}
		want, _ := json.Marshal(m)
		var wantBack map[string]string
		json.Unmarshal(want, &wantBack)
		if len(back) != len(wantBack) {
			t.Fatalf("%q decodes to %v, want %v", got, back, wantBack)
		}
		for k, v := range wantBack {
			if back[k] != v {
				t.Errorf("key %q: %q, want %q", k, back[k], v)
			}
		}
	}
	if jsonObject(nil) != "" {
		t.Error("empty map should encode as empty string")
	}
}

// TestMarshalMap checks that marshalMap gives exactly encoding/json's
// bytes, on maps that take the fast path and on maps with the characters
// Marshal escapes for HTML (<, >, &, U+2028, U+2029) or invalid UTF-8.
func TestMarshalMap(t *testing.T) {
	cases := []map[string]string{
		{"segment": "loyal", "region": "North", "trigger": "cart"},
		{"q": "say \"hi\"\\ now", "nl": "a\nb\tc\rd\x01e", "ü": "naïve – ok"},
		{"url": "https://x.example/?a=1&b=2"},
		{"html": "<b>"},
		{"sep": "line\u2028para\u2029"},
		{"k&": "v"},
		{"bad": "\xff\xfe"},
	}
	for _, m := range cases {
		want, _ := json.Marshal(m)
		if got := marshalMap(m); got != string(want) {
			t.Errorf("marshalMap(%q) = %s, want %s", m, got, want)
		}
	}
}
