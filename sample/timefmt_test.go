package sample

import (
	"testing"
	"time"
)

func TestUKOffset(t *testing.T) {
	cases := []struct {
		at   string
		want int
	}{
		{"2026-01-15T12:00:00Z", 0},
		{"2026-03-29T00:59:59Z", 0},
		{"2026-03-29T01:00:00Z", 60},
		{"2026-06-30T23:00:00Z", 60},
		{"2026-10-25T00:59:59Z", 60},
		{"2026-10-25T01:00:00Z", 0},
		{"2027-03-28T01:00:00Z", 60},
	}
	london, err := time.LoadLocation("Europe/London")
	for _, c := range cases {
		tm, _ := time.Parse(time.RFC3339, c.at)
		if got := ukOffsetMin(tm.UnixMilli()); got != c.want {
			t.Errorf("%s: offset %d, want %d", c.at, got, c.want)
		}
		if err == nil {
			if _, off := tm.In(london).Zone(); off/60 != c.want {
				t.Errorf("%s: tzdata says %d", c.at, off/60)
			}
		}
	}
}

// TestTimeFormats compares the hand-written formatters with the time
// package over instants spread across the period and a few edge cases.
func TestTimeFormats(t *testing.T) {
	r := newRNG(1, 9, 0)
	instants := []int64{0, periodStart, periodEnd - 1, 951782400000 /* 2000-02-29 */}
	for i := 0; i < 2000; i++ {
		instants = append(instants, periodStart-400*msDay+int64(r.float()*float64(800*msDay)))
	}
	for _, ms := range instants {
		tm := time.UnixMilli(ms).UTC()
		for _, off := range []int{0, 60, -300} {
			loc := time.FixedZone("", off*60)
			want := tm.In(loc).Format("2006-01-02T15:04:05.000-07:00")
			if got := string(appendISO(nil, ms, off, true, false)); got != want {
				t.Fatalf("appendISO(%d, %d) = %s, want %s", ms, off, got, want)
			}
		}
		if got, want := string(appendISO(nil, ms, 0, false, true)), tm.Format("2006-01-02T15:04:05Z"); got != want {
			t.Fatalf("zulu %s want %s", got, want)
		}
		uk := time.FixedZone("", ukOffsetMin(ms)*60)
		if got, want := string(appendTill(nil, ms)), tm.In(uk).Format("2006-01-02 15:04:05-0700"); got != want {
			t.Fatalf("till %s want %s", got, want)
		}
		if got, want := string(appendUKCall(nil, ms)), tm.In(uk).Format("02/01/2006 15:04"); got != want {
			t.Fatalf("call %s want %s", got, want)
		}
		if got, want := string(appendDate(nil, ms)), tm.Format("2006-01-02"); got != want {
			t.Fatalf("date %s want %s", got, want)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	cases := []struct{ typ, in, want string }{
		{"email", " Jane.Doe1@Example.COM ", "jane.doe1@example.com"},
		{"phone", "07700 900123", "+447700900123"},
		{"phone", "+447700900123", "+447700900123"},
		{"phone", "447700900123", "+447700900123"},
		{"phone", "0044 7700 900123", "+447700900123"},
		{"phone", "(07700) 900-123", "+447700900123"},
		{"crm_id", " C0000001", "C0000001"},
	}
	for _, c := range cases {
		if got := NormalizeID(c.typ, c.in); got != c.want {
			t.Errorf("NormalizeID(%q, %q) = %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func TestMix64Bijective(t *testing.T) {
	seen := map[uint64]bool{}
	for i := uint64(0); i < 100000; i++ {
		v := mix64(i)
		if seen[v] {
			t.Fatalf("mix64 collision at %d", i)
		}
		seen[v] = true
	}
}
