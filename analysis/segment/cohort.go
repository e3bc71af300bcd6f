package segment

import (
	"fmt"
	"sort"
	"time"
)

// Period is the length of a cohort period.
type Period string

// The cohort periods. Weeks start on Monday 00:00 UTC (ISO 8601); days and
// months are UTC calendar days and months.
const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month"
)

// ParsePeriod accepts day, week or month.
func ParsePeriod(s string) (Period, error) {
	switch Period(s) {
	case Day, Week, Month:
		return Period(s), nil
	}
	return "", fmt.Errorf("segment: unknown cohort period %q; use day, week or month", s)
}

// index returns the number of the UTC period containing t (ms): days since
// 1970-01-01, Monday-start weeks since the week of 1970-01-01 (a Thursday;
// week 0 began on Monday 1969-12-29), or months since January 1970.
func (p Period) index(t int64) int64 {
	switch p {
	case Day:
		return floorDiv(t, DayMs)
	case Week:
		return floorDiv(floorDiv(t, DayMs)+3, 7)
	default:
		u := time.UnixMilli(t).UTC()
		return int64(u.Year()-1970)*12 + int64(u.Month()-1)
	}
}

// start returns the first instant (UTC ms) of period number i.
func (p Period) start(i int64) int64 {
	switch p {
	case Day:
		return i * DayMs
	case Week:
		return (i*7 - 3) * DayMs
	default:
		y := floorDiv(i, 12)
		m := i - 12*y
		return time.Date(1970+int(y), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
}

func (p Period) label(i int64) string {
	t := time.UnixMilli(p.start(i)).UTC()
	if p == Month {
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// Cohort is one row of a retention matrix: the customers whose first event
// fell in one period.
type Cohort struct {
	// Start is the first instant of the cohort's period (UTC ms); Label is
	// its date (YYYY-MM-DD for days and weeks, YYYY-MM for months).
	Start int64  `json:"start"`
	Label string `json:"label"`
	// Size is the number of customers in the cohort.
	Size int64 `json:"size"`
	// Active[p] is the number of the cohort's customers with at least one
	// qualifying event in the p-th period after the cohort's (p = 0 is the
	// cohort's own period, and Active[0] = Size by definition).
	Active []int64 `json:"active"`
	// Retention[p] = Active[p] / Size. Rows are as long as the periods
	// observed: from the cohort's period to the horizon's, inclusive.
	Retention []float64 `json:"retention"`
}

// CohortMatrix is a retention matrix: one Cohort per first-event period, in
// time order.
type CohortMatrix struct {
	Period Period `json:"period"`
	// Horizon is the last instant observed (UTC ms): the as-of time, or the
	// latest time seen.
	Horizon int64    `json:"horizon"`
	Cohorts []Cohort `json:"cohorts"`
}

// CohortBuilder accumulates a retention matrix customer by customer: Begin
// with the time of the customer's first event (which sets the cohort), Event
// for each qualifying event (any order; those before the first event's
// period are ignored), End. Which events qualify (any event, orders only …)
// is the caller's choice. Not safe for concurrent use.
type CohortBuilder struct {
	period  Period
	asOf    int64
	maxSeen int64
	any     bool

	cohorts map[int64]*cohortAcc

	inCustomer bool
	first      int64 // cohort period index of the current customer
	seen       []bool
	touched    []int64
}

type cohortAcc struct {
	size   int64
	active []int64 // active[p] for p ≥ 1 (index 0 unused)
}

// NewCohortBuilder returns a builder for period p. asOf is the horizon
// (UTC ms): periods after its period are not in the matrix; 0 means the
// latest time given to Begin or Event.
func NewCohortBuilder(p Period, asOf int64) (*CohortBuilder, error) {
	if _, err := ParsePeriod(string(p)); err != nil {
		return nil, err
	}
	return &CohortBuilder{period: p, asOf: asOf, cohorts: make(map[int64]*cohortAcc)}, nil
}

func (b *CohortBuilder) see(t int64) {
	if !b.any || t > b.maxSeen {
		b.maxSeen = t
		b.any = true
	}
}

// Begin starts a customer whose first event is at time first (UTC ms).
func (b *CohortBuilder) Begin(first int64) {
	if b.inCustomer {
		b.End()
	}
	b.inCustomer = true
	b.first = b.period.index(first)
	b.see(first)
	acc := b.cohorts[b.first]
	if acc == nil {
		acc = &cohortAcc{active: make([]int64, 1)}
		b.cohorts[b.first] = acc
	}
	acc.size++
}

// Event records a qualifying event of the current customer at time t. It
// panics if no customer has been begun.
func (b *CohortBuilder) Event(t int64) {
	if !b.inCustomer {
		panic("segment: CohortBuilder.Event called before Begin")
	}
	b.see(t)
	p := b.period.index(t) - b.first
	if p <= 0 {
		return
	}
	for int64(len(b.seen)) <= p {
		b.seen = append(b.seen, false)
	}
	if !b.seen[p] {
		b.seen[p] = true
		b.touched = append(b.touched, p)
	}
}

// End finishes the current customer.
func (b *CohortBuilder) End() {
	if !b.inCustomer {
		return
	}
	acc := b.cohorts[b.first]
	for _, p := range b.touched {
		for int64(len(acc.active)) <= p {
			acc.active = append(acc.active, 0)
		}
		acc.active[p]++
		b.seen[p] = false
	}
	b.touched = b.touched[:0]
	b.inCustomer = false
}

// Add records one customer: the first event time and the qualifying event
// times.
func (b *CohortBuilder) Add(first int64, events []int64) {
	b.Begin(first)
	for _, t := range events {
		b.Event(t)
	}
	b.End()
}

// Matrix returns the retention matrix so far: for each cohort c (customers
// whose first event is in period c) and each p from 0 to the horizon's
// period − c, retention[c][p] = #{customers of c with a qualifying event in
// period c + p} / size(c), with retention[c][0] = 1.
func (b *CohortBuilder) Matrix() *CohortMatrix {
	b.End()
	horizon := b.asOf
	if horizon == 0 {
		horizon = b.maxSeen
	}
	hi := b.period.index(horizon)
	keys := make([]int64, 0, len(b.cohorts))
	for k := range b.cohorts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	m := &CohortMatrix{Period: b.period, Horizon: horizon, Cohorts: []Cohort{}}
	for _, k := range keys {
		if k > hi {
			continue // first seen after the horizon
		}
		acc := b.cohorts[k]
		n := hi - k + 1
		c := Cohort{Start: b.period.start(k), Label: b.period.label(k), Size: acc.size,
			Active: make([]int64, n), Retention: make([]float64, n)}
		for p := int64(0); p < n; p++ {
			if p == 0 {
				c.Active[0] = acc.size
			} else if p < int64(len(acc.active)) {
				c.Active[p] = acc.active[p]
			}
			c.Retention[p] = float64(c.Active[p]) / float64(acc.size)
		}
		m.Cohorts = append(m.Cohorts, c)
	}
	return m
}
