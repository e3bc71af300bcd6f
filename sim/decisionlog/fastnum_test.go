package decisionlog

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// exactDecimal must return strconv.ParseFloat's value bit for bit
// wherever it answers, and answer for the plain decimals of a log.
func TestExactDecimalMatchesParseFloat(t *testing.T) {
	cases := []struct {
		s      string
		answer bool // exactDecimal is expected to parse it itself
	}{
		{"0", true}, {"-0", true}, {"-0.00", true}, {"46", true}, {"0.4666666666666667", true},
		{"0.5833333333333334", true}, {"54.20", true}, {"-0.1", true}, {"9007199254740992", true},
		{"9007199254740993", false}, {"0.1234567890123456789", false}, {"1.", false}, {".5", false},
		{"1e5", false}, {"+3", false}, {"1.2.3", false}, {"", false}, {"-", false}, {"abc", false},
		{"123456789012345678901", false}, {"0.000000000000000001", true}, {"0.0000000000000000000001", false},
	}
	for _, c := range cases {
		x, ok := exactDecimal(c.s)
		if ok != c.answer {
			t.Errorf("exactDecimal(%q) ok = %v, want %v", c.s, ok, c.answer)
			continue
		}
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(c.s, 64)
		if err != nil || math.Float64bits(x) != math.Float64bits(want) {
			t.Errorf("exactDecimal(%q) = %v (bits %x), strconv says %v (bits %x), %v", c.s, x, math.Float64bits(x), want, math.Float64bits(want), err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 200000; k++ {
		var s string
		switch k % 4 {
		case 0:
			s = strconv.FormatFloat(r.Float64(), 'g', -1, 64)
		case 1:
			s = strconv.FormatFloat(r.Float64()*1000-500, 'f', r.IntN(6), 64)
		case 2:
			s = strconv.Itoa(r.IntN(1 << 30))
		default:
			s = strconv.FormatFloat(r.NormFloat64()*1e6, 'f', -1, 64)
		}
		x, ok := exactDecimal(s)
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(x) != math.Float64bits(want) {
			t.Fatalf("exactDecimal(%q) = %v, strconv says %v, %v", s, x, want, err)
		}
	}
}

// idSet against a map of the same ids, through several growths.
func TestIDSetMatchesMap(t *testing.T) {
	s := newIDSet(4)
	ref := map[string]bool{}
	r := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 50000; k++ {
		id := "D" + strconv.Itoa(r.IntN(30000))
		if got, want := s.add(id), !ref[id]; got != want {
			t.Fatalf("add(%q) = %v, want %v", id, got, want)
		}
		ref[id] = true
	}
	if s.len() != len(ref) {
		t.Fatalf("set holds %d ids, want %d", s.len(), len(ref))
	}
	for k := 0; k < 40000; k++ {
		id := "D" + strconv.Itoa(k)
		if s.has(id) != ref[id] {
			t.Fatalf("has(%q) = %v, want %v", id, s.has(id), ref[id])
		}
	}
}

// The radix sort by time gives the order of a stable comparison sort:
// times ascending, equal times in index order, whatever the span of the
// times (negative ones and a span over 2⁶³ included).
func TestSortByTimeMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name string
		gen  func() int64
	}{
		{"few distinct times (many ties)", func() int64 { return 1767225600000 + int64(r.IntN(50))*1000 }},
		{"a year of milliseconds", func() int64 { return 1767225600000 + r.Int64N(365*24*3600*1000) }},
		{"negative and positive", func() int64 { return r.Int64N(1<<40) - 1<<39 }},
		{"extremes", func() int64 {
			switch r.IntN(3) {
			case 0:
				return math.MinInt64 + int64(r.IntN(3))
			case 1:
				return math.MaxInt64 - int64(r.IntN(3))
			}
			return int64(r.Uint64())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 20000
			times := make([]int64, n)
			for i := range times {
				times[i] = tc.gen()
			}
			got := make([]int32, n)
			want := make([]int32, n)
			for i := range got {
				got[i], want[i] = int32(i), int32(i)
			}
			sortByTime(got, times)
			sort.SliceStable(want, func(a, b int) bool { return times[want[a]] < times[want[b]] })
			if !slices.Equal(got, want) {
				t.Fatalf("radix order differs from the stable sort's")
			}
		})
	}
}

// addBatch answers as add one id after another would, ids repeated within
// a batch and batches longer than its 64-id pass included, through
// growths.
func TestIDSetAddBatch(t *testing.T) {
	one, batched := newIDSet(4), newIDSet(4)
	r := rand.New(rand.NewPCG(9, 10))
	for k := 0; k < 2000; k++ {
		ids := make([]string, r.IntN(150))
		for j := range ids {
			ids[j] = "D" + strconv.Itoa(r.IntN(40000))
		}
		got := make([]bool, len(ids))
		batched.addBatch(ids, got)
		for j, id := range ids {
			if want := one.add(id); got[j] != want {
				t.Fatalf("batch %d, id %d (%q): addBatch says new %v, add %v", k, j, id, got[j], want)
			}
		}
	}
	if batched.len() != one.len() {
		t.Fatalf("%d ids after addBatch, %d after add", batched.len(), one.len())
	}
}

// splitFields cuts a line as strings.Split does, delimiters at every
// position of the eight-byte words included, and tells ASCII lines from
// others.
func TestSplitFields(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	alphabet := []byte{',', 'a', '7', ' ', ';', 0x7f, 0xc3, 0xa9}
	for k := 0; k < 20000; k++ {
		b := make([]byte, r.IntN(40))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		line := string(b)
		for _, delim := range []byte{',', ';'} {
			got, ascii := splitFields(line, delim, nil)
			if want := strings.Split(line, string(delim)); !slices.Equal(got, want) {
				t.Fatalf("splitFields(%q, %q) = %q, want %q", line, delim, got, want)
			}
			if want := !strings.ContainsFunc(line, func(c rune) bool { return c >= 0x80 }) && utf8.ValidString(line); ascii != want {
				t.Fatalf("splitFields(%q): ascii %v, want %v", line, ascii, want)
			}
		}
	}
}
