package ingest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

func london(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestParseTime checks every accepted layout against UTC milliseconds
// computed by hand from 2026-01-01T00:00:00Z = 1767225600000 (20454 days
// after the epoch): 2026-02-03 is 33 days later, 2026-02-13 43, 2026-03-02
// 60, 2026-07-01 181.
func TestParseTime(t *testing.T) {
	const feb3 = 1767225600000 + 33*86400000
	const feb13 = 1767225600000 + 43*86400000
	const mar2 = 1767225600000 + 60*86400000
	const jul1 = 1767225600000 + 181*86400000
	hms := func(h, m, s int64) int64 { return (h*3600 + m*60 + s) * 1000 }
	tests := []struct {
		in    string
		opt   ingest.Options
		want  int64
		error string // substring of the error, "" for success
	}{
		{"2026-02-03T04:05:06Z", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"2026-02-03T04:05:06.789Z", ingest.Options{}, feb3 + hms(4, 5, 6) + 789, ""},
		{"2026-02-03T04:05:06.1+01:00", ingest.Options{}, feb3 + hms(3, 5, 6) + 100, ""},
		{"2026-02-03T04:05:06-05:00", ingest.Options{}, feb3 + hms(9, 5, 6), ""},
		{"2026-02-03 04:05:06 +0100", ingest.Options{}, feb3 + hms(3, 5, 6), ""},
		{"2026-02-03 04:05:06+0000", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"2026-02-03 04:05:06.123456789+05", ingest.Options{}, feb3 - hms(0, 54, 54) + 123, ""},
		{"2026-02-03T04:05:06", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"2026-02-03 04:05", ingest.Options{}, feb3 + hms(4, 5, 0), ""},
		{"2026-02-03", ingest.Options{}, feb3, ""},
		{" 2026-02-03 ", ingest.Options{}, feb3, ""},
		{"2026/02/03 04:05:06", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"03/02/2026 04:05", ingest.Options{DateOrder: "dmy"}, feb3 + hms(4, 5, 0), ""},
		{"03/02/2026 04:05", ingest.Options{DateOrder: "mdy"}, mar2 + hms(4, 5, 0), ""},
		{"13/02/2026 10:00", ingest.Options{}, feb13 + hms(10, 0, 0), ""},
		{"02/13/2026 10:00:30", ingest.Options{}, feb13 + hms(10, 0, 30), ""},
		{"02/13/2026 3:04 PM", ingest.Options{}, feb13 + hms(15, 4, 0), ""},
		{"02/13/2026 12:04 am", ingest.Options{}, feb13 + hms(0, 4, 0), ""},
		{"13.02.2026 10:00", ingest.Options{}, feb13 + hms(10, 0, 0), ""},
		{"03/03/2026", ingest.Options{}, mar2 + 86400000, ""},
		{"03/02/2026", ingest.Options{}, 0, "pass --date-order dmy or mdy"},
		{"1770091506", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"1770091506789", ingest.Options{}, feb3 + hms(4, 5, 6) + 789, ""},
		{"1770091506.5", ingest.Options{}, feb3 + hms(4, 5, 6) + 500, ""},
		{"Tue, 03 Feb 2026 04:05:06 +0000", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"Feb 3, 2026 04:05:06", ingest.Options{}, feb3 + hms(4, 5, 6), ""},
		{"3 Feb 2026 04:05", ingest.Options{}, feb3 + hms(4, 5, 0), ""},
		// No offset: read in Options.Location (BST is UTC+1 in July, GMT in February).
		{"2026-07-01 12:00", ingest.Options{Location: london(t)}, jul1 + hms(11, 0, 0), ""},
		{"2026-02-03 12:00", ingest.Options{Location: london(t)}, feb3 + hms(12, 0, 0), ""},
		{"2026-07-01T12:00:00Z", ingest.Options{Location: london(t)}, jul1 + hms(12, 0, 0), ""},
		{"1970-01-01T00:00:00Z", ingest.Options{}, 0, ""},
		{"1899-12-31", ingest.Options{}, 0, "before 1970"},
		{"1969-12-31T23:59:59Z", ingest.Options{}, 0, "before 1970"},
		{"2150-01-01T00:00:00Z", ingest.Options{}, 0, "after 2099"},
		{"4102444800", ingest.Options{}, 0, "after 2099"},
		{"-5", ingest.Options{}, 0, "before 1970"},
		{"2026-02-30", ingest.Options{}, 0, "not a valid date"},
		{"2026-02-03T25:00:00Z", ingest.Options{}, 0, "out of range"},
		{"2026-02-03T04:05:06+25:00", ingest.Options{}, 0, "offset"},
		{"N/A", ingest.Options{}, 0, "not a recognised date-time"},
		{"", ingest.Options{}, 0, "empty"},
		{"2026-02-03X", ingest.Options{}, 0, "unexpected text"},
		{"03/02/2026", ingest.Options{DateOrder: "ymd"}, 0, "use dmy"},
	}
	for _, tc := range tests {
		got, err := ingest.ParseTime(tc.in, tc.opt)
		if tc.error != "" {
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Errorf("ParseTime(%q) = %d, %v; want error containing %q", tc.in, got, err, tc.error)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d (%s)", tc.in, got, err, tc.want, time.UnixMilli(tc.want).UTC().Format(time.RFC3339Nano))
		}
	}
}

func TestParseTimeAmbiguousError(t *testing.T) {
	_, err := ingest.ParseTime("04/05/2026 10:00", ingest.Options{})
	var te *ingest.TimeError
	if !errors.As(err, &te) || !te.Ambiguous {
		t.Fatalf("want an ambiguous TimeError, got %v", err)
	}
}

// TestParseTimeAgreesWithTimePackage compares the fast ISO path with
// time.Parse on RFC 3339 values over a range of instants and offsets.
func TestParseTimeAgreesWithTimePackage(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -5*3600-1800), time.FixedZone("", 14*3600)}
	for i := int64(0); i < 2000; i++ {
		sec := 86400 + i*2099_999_937%4_000_000_000
		for _, z := range zones {
			tm := time.Unix(sec, (i%1000)*1e6).In(z)
			s := tm.Format("2006-01-02T15:04:05.000Z07:00")
			got, err := ingest.ParseTime(s, ingest.Options{})
			if err != nil || got != tm.UnixMilli() {
				t.Fatalf("ParseTime(%q) = %d, %v; want %d", s, got, err, tm.UnixMilli())
			}
		}
	}
}

func ExampleParseTime() {
	ms, _ := ingest.ParseTime("2026-02-03 04:05:06 +0100", ingest.Options{})
	fmt.Println(ms, time.UnixMilli(ms).UTC().Format(time.RFC3339))
	// Output: 1770087906000 2026-02-03T03:05:06Z
}
