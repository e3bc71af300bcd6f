package chart

import (
	"fmt"
	"testing"
	"time"
)

func TestSubtitle(t *testing.T) {
	jan1 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	mar31 := time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		filters, db  string
		first, last  int64
		counts, want string
	}{
		{"", "/tmp/x/wb.db", jan1, mar31, "3 customers", "all events · wb.db · 2026-01-01 – 2026-03-31 · 3 customers"},
		{"channels web, app", "wb.db", 0, 0, "", "channels web, app · wb.db"},
		{"segment buyers", "", jan1, jan1, "1 customer", "segment buyers · 2026-01-01 – 2026-01-01 · 1 customer"},
		{"", `C:\data\wb.db`, 0, 0, "", "all events · wb.db"},
	}
	for _, tc := range tests {
		if got := Subtitle(tc.filters, tc.db, tc.first, tc.last, tc.counts); got != tc.want {
			t.Errorf("Subtitle(%q, %q, …, %q) = %q, want %q", tc.filters, tc.db, tc.counts, got, tc.want)
		}
	}
}

func TestThousandsPluralDateFilter(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Plural(1, "journey"); got != "1 journey" {
		t.Errorf("Plural(1) = %q", got)
	}
	if got := Plural(12000, "journey"); got != "12,000 journeys" {
		t.Errorf("Plural(12000) = %q", got)
	}
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, tc := range []struct {
		from, to int64
		want     string
	}{{0, 0, ""}, {from, 0, "from 2026-02-01"}, {0, to, "before 2026-04-01"}, {from, to, "from 2026-02-01, before 2026-04-01"}} {
		if got := DateFilter(tc.from, tc.to); got != tc.want {
			t.Errorf("DateFilter(%d, %d) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func ExampleSubtitle() {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	last := time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC).UnixMilli()
	fmt.Println(Subtitle("channels web, app", "/data/workbench.db", first, last, Plural(4812, "customer")+", "+Plural(9100, "journey")))
	// Output: channels web, app · workbench.db · 2026-01-01 – 2026-06-30 · 4,812 customers, 9,100 journeys
}
