package segment

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWeekStartsMondayUTC(t *testing.T) {
	cases := []struct{ t, start time.Time }{
		{time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)},   // Thursday
		{time.Date(2026, 1, 4, 23, 59, 59, 0, time.UTC), time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)}, // Sunday
		{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)},      // Monday
		{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC)},
		{time.Date(1969, 12, 28, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 22, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		got := time.UnixMilli(Week.start(Week.index(c.t.UnixMilli()))).UTC()
		if !got.Equal(c.start) || got.Weekday() != time.Monday {
			t.Errorf("week of %v starts %v, want %v", c.t, got, c.start)
		}
	}
	for _, m := range []time.Time{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)} {
		got := time.UnixMilli(Month.start(Month.index(m.UnixMilli()))).UTC()
		if want := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("month of %v starts %v, want %v", m, got, want)
		}
	}
}

func d(y int, m time.Month, day, h, mi int) int64 {
	return time.Date(y, m, day, h, mi, 0, 0, time.UTC).UnixMilli()
}

func TestCohortMatrixWeeklyHandComputed(t *testing.T) {
	b, err := NewCohortBuilder(Week, d(2026, 1, 21, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Week of Mon 29 Dec 2025: A and B. Week of Mon 5 Jan: C and D.
	b.Add(d(2026, 1, 1, 10, 0), []int64{d(2026, 1, 2, 0, 0), d(2026, 1, 6, 0, 0), d(2026, 1, 20, 0, 0)}) // A: p0, p1, p3
	b.Add(d(2026, 1, 4, 23, 59), []int64{d(2026, 1, 5, 0, 0)})                                           // B: p1
	b.Begin(d(2026, 1, 5, 0, 0))                                                                         // C: p1 twice, p2
	b.Event(d(2026, 1, 14, 0, 0))
	b.Event(d(2026, 1, 13, 0, 0))
	b.Event(d(2026, 1, 19, 0, 0))
	b.End()
	b.Add(d(2026, 1, 7, 0, 0), nil) // D
	m := b.Matrix()
	want := []Cohort{
		{Start: d(2025, 12, 29, 0, 0), Label: "2025-12-29", Size: 2, Active: []int64{2, 2, 0, 1}, Retention: []float64{1, 1, 0, 0.5}},
		{Start: d(2026, 1, 5, 0, 0), Label: "2026-01-05", Size: 2, Active: []int64{2, 1, 1}, Retention: []float64{1, 0.5, 0.5}},
	}
	if !reflect.DeepEqual(m.Cohorts, want) {
		t.Errorf("cohorts\n got %+v\nwant %+v", m.Cohorts, want)
	}
	js, _ := json.Marshal(m)
	for _, key := range []string{`"period":"week"`, `"cohorts":`, `"size":2`, `"retention":[1,1,0,0.5]`, `"label":"2025-12-29"`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("JSON %s lacks %s", js, key)
		}
	}
}

func TestCohortMatrixMonthlyHorizonFromData(t *testing.T) {
	b, _ := NewCohortBuilder(Month, 0)
	b.Add(d(2026, 1, 31, 23, 0), []int64{d(2026, 2, 1, 0, 0), d(2026, 3, 15, 0, 0)})
	b.Add(d(2026, 1, 2, 0, 0), []int64{d(2026, 3, 1, 0, 0)})
	b.Add(d(2026, 1, 20, 0, 0), nil)
	b.Add(d(2026, 2, 10, 0, 0), []int64{d(2026, 2, 11, 0, 0), d(2026, 1, 1, 0, 0)}) // the January event is before the cohort: ignored
	m := b.Matrix()
	if m.Horizon != d(2026, 3, 15, 0, 0) {
		t.Errorf("horizon %v", m.Horizon)
	}
	got := fmt.Sprint(m.Cohorts[0].Label, m.Cohorts[0].Size, m.Cohorts[0].Active, " ", m.Cohorts[1].Label, m.Cohorts[1].Size, m.Cohorts[1].Active)
	if want := "2026-013 [3 1 2] 2026-021 [1 0]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParsePeriod(t *testing.T) {
	if _, err := ParsePeriod("fortnight"); err == nil || !strings.Contains(err.Error(), "day, week or month") {
		t.Errorf("error %v", err)
	}
	if p, err := ParsePeriod("day"); err != nil || p != Day {
		t.Errorf("day: %v %v", p, err)
	}
}

func ExampleCohortBuilder() {
	b, _ := NewCohortBuilder(Month, d(2026, 3, 31, 0, 0))
	b.Add(d(2026, 1, 3, 9, 0), []int64{d(2026, 2, 14, 9, 0)})
	b.Add(d(2026, 1, 9, 9, 0), []int64{d(2026, 3, 1, 9, 0)})
	b.Add(d(2026, 2, 2, 9, 0), []int64{d(2026, 2, 20, 9, 0), d(2026, 3, 5, 9, 0)})
	for _, c := range b.Matrix().Cohorts {
		fmt.Println(c.Label, c.Size, c.Retention)
	}
	// Output:
	// 2026-01 2 [1 0.5 0.5]
	// 2026-02 1 [1 1]
}
