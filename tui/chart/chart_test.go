package chart

import (
	"math"
	"strings"
	"testing"
)

func TestFormatCount(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {-1234, "-1,234"},
		{1234.56, "1,234.6"}, {0.25, "0.2"}, {-0.01, "0.0"}, {1e15, "1,000,000,000,000,000"}, {1e300, "1e+300"},
		{math.NaN(), "n/a"}, {math.Inf(1), "∞"}, {math.Inf(-1), "-∞"},
	}
	for _, c := range cases {
		if got := FormatCount(c.v); got != c.want {
			t.Errorf("FormatCount(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestFormatCompactAndPercent(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{9999, "9,999"}, {12345, "12.3k"}, {999_499, "999k"}, {999_999, "1.00M"}, {4_567_000, "4.57M"},
		{-25_000, "-25.0k"}, {2.5e9, "2.50B"}, {7e12, "7.00T"}, {3e16, "3.0e+16"}, {0.5, "0.5"}, {math.NaN(), "n/a"},
	}
	for _, c := range cases {
		if got := FormatCompact(c.v); got != c.want {
			t.Errorf("FormatCompact(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := FormatPercent(0.4253); got != "42.5%" {
		t.Errorf("FormatPercent = %q", got)
	}
	if got := FormatPercent(math.Inf(1)); got != "n/a" {
		t.Errorf("FormatPercent(Inf) = %q", got)
	}
}

func TestTextHelpersRespectCellWidth(t *testing.T) {
	cases := []struct {
		s    string
		w    int
		want string
	}{
		{"abc", 5, "abc  "}, {"abcdef", 4, "abc…"}, {"購物車", 4, "購… "}, {"購物車", 6, "購物車"},
		{"👩‍👩‍👧 family", 4, "👩‍👩‍👧 …"}, {"x", 0, ""},
	}
	for _, c := range cases {
		got := PadRight(c.s, c.w)
		if got != c.want || Width(got) != c.w {
			t.Errorf("PadRight(%q,%d) = %q (width %d), want %q", c.s, c.w, got, Width(got), c.want)
		}
	}
	if got := PadLeft("12", 5); got != "   12" {
		t.Errorf("PadLeft = %q", got)
	}
	if got := Center("ab", 6); got != "  ab  " {
		t.Errorf("Center = %q", got)
	}
	if got := Sanitize("a\tb\nc\x1b[31md\x1b[0m\a"); got != "a b cd " {
		t.Errorf("Sanitize = %q", got)
	}
	b := Block([]string{"toolong", "購物車購物車"}, 5, 3)
	if err := CheckFit(b, 5, 3); err != nil || strings.Count(b, "\n") != 2 {
		t.Errorf("Block = %q (%v)", b, err)
	}
	if err := CheckFit("abcdef", 5, 1); err == nil {
		t.Error("CheckFit accepted a wide line")
	}
	if err := CheckFit("a\nb", 5, 1); err == nil {
		t.Error("CheckFit accepted too many lines")
	}
}

func TestScrollOffset(t *testing.T) {
	cases := []struct{ off, sel, n, total, want int }{
		{0, 0, 5, 3, 0}, {0, 6, 5, 20, 2}, {10, 3, 5, 20, 3}, {4, 5, 5, 20, 4}, {18, 19, 5, 20, 15}, {0, 0, 0, 10, 0},
	}
	for _, c := range cases {
		if got := ScrollOffset(c.off, c.sel, c.n, c.total); got != c.want {
			t.Errorf("ScrollOffset(%d,%d,%d,%d) = %d, want %d", c.off, c.sel, c.n, c.total, got, c.want)
		}
	}
}
