package segment

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// ms builds a UTC millisecond time.
func ms(y int, mo time.Month, d, h, mi int) int64 {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC).UnixMilli()
}

func TestFeatureBuilderHandComputed(t *testing.T) {
	asOf := ms(2026, 3, 1, 0, 0)
	b := NewFeatureBuilder(Config{AsOf: asOf})
	b.Begin(7)
	evs := []Event{
		// session 1 (Jan 10): cart, no order → abandoned
		{Time: ms(2026, 1, 10, 9, 0), Channel: "email", Type: "open"},
		{Time: ms(2026, 1, 10, 9, 5), Channel: "web", Type: "Product Viewed"},
		{Time: ms(2026, 1, 10, 9, 10), Channel: "web", Type: "Product Added"},
		// session 2 (Jan 10, 2 h later): cart then order → not abandoned
		{Time: ms(2026, 1, 10, 11, 10), Channel: "web", Type: "Product Added"},
		{Time: ms(2026, 1, 10, 11, 30), Channel: "web", Type: "Order Completed", Revenue: 80},
		// session 3 (Jan 20): store purchase
		{Time: ms(2026, 1, 20, 15, 0), Channel: "store", Type: "purchase", Revenue: 40},
		// session 4 (Feb 2): sms then app cart, ends the data → abandoned
		{Time: ms(2026, 2, 2, 8, 0), Channel: "sms", Type: "clicked"},
		{Time: ms(2026, 2, 2, 8, 29), Channel: "app", Type: "Product Added", Step: "app:Cart"},
	}
	for _, ev := range evs {
		b.Add(ev)
	}
	f := b.Finish()

	want := Features{
		Customer:       7,
		FirstSeen:      evs[0].Time,
		LastSeen:       evs[7].Time,
		RecencyDays:    26, // Feb 2 08:29 → Mar 1 00:00 = 26 days 15.5 h
		TenureDays:     49, // Jan 10 09:00 → Mar 1 = 49 days 15 h
		Frequency:      8,
		Orders:         2,
		Sessions:       4,
		Monetary:       120,
		AOV:            60,
		LastStep:       "app:Cart",
		FirstChannel:   "email",
		LastChannel:    "app",
		DaysActive:     3,
		CartsAbandoned: 2,
	}
	got := f
	got.Channels = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("features\n got %+v\nwant %+v", got, want)
	}
	wantCh := []ChannelUse{{"app", 1, 1.0 / 8}, {"email", 1, 1.0 / 8}, {"sms", 1, 1.0 / 8}, {"store", 1, 1.0 / 8}, {"web", 4, 0.5}}
	if len(f.Channels) != len(wantCh) {
		t.Fatalf("channels %+v, want %+v", f.Channels, wantCh)
	}
	for i := range wantCh {
		if f.Channels[i] != wantCh[i] {
			t.Errorf("channel %d = %+v, want %+v", i, f.Channels[i], wantCh[i])
		}
	}
	if v, ok := f.Value("share:web"); !ok || v != 0.5 {
		t.Errorf("share:web = %v %v", v, ok)
	}
	if v, ok := f.Value("log1p(monetary)"); !ok || math.Abs(v-math.Log(121)) > 1e-12 {
		t.Errorf("log1p(monetary) = %v %v, want ln 121 (tolerance 1e-12)", v, ok)
	}
	for col, want := range map[string]float64{"uses:sms": 1, "uses:push": 0, "last_channel:app": 1, "last_channel:web": 0, "first_channel:email": 1, "channels_used": 5} {
		if v, ok := f.Value(col); !ok || v != want {
			t.Errorf("%s = %v %v, want %v", col, v, ok, want)
		}
	}
	if _, ok := f.Value("nonsense"); ok {
		t.Error("unknown column accepted")
	}

	// The builder is reset: a second customer starts from zero.
	b.Begin(8)
	b.Add(Event{Time: asOf - 1, Channel: "push", Type: "opened"})
	g := b.Finish()
	if g.Customer != 8 || g.Frequency != 1 || g.Sessions != 1 || g.RecencyDays != 0 || g.Orders != 0 || g.AOV != 0 ||
		len(g.Channels) != 1 || g.Channels[0].Share != 1 || g.LastStep != "push:opened" || g.CartsAbandoned != 0 {
		t.Errorf("second customer %+v", g)
	}
}

func TestFeatureBuilderSessionGapBoundary(t *testing.T) {
	// A gap of exactly SessionGap stays in the session; one millisecond more
	// opens a new one.
	b := NewFeatureBuilder(Config{SessionGap: 10 * time.Minute})
	b.Begin(1)
	b.Add(Event{Time: 0, Channel: "web", Type: "x"})
	b.Add(Event{Time: 600_000, Channel: "web", Type: "x"})
	b.Add(Event{Time: 1_200_001, Channel: "web", Type: "x"})
	if f := b.Finish(); f.Sessions != 2 {
		t.Errorf("sessions = %d, want 2", f.Sessions)
	}
}

func TestFeatureBuilderNegativeTimesFloorDays(t *testing.T) {
	// Times before 1970 fall on the right UTC day (floor, not truncation).
	b := NewFeatureBuilder(Config{AsOf: 0})
	b.Begin(1)
	b.Add(Event{Time: -1, Channel: "web", Type: "x"})
	b.Add(Event{Time: 1, Channel: "web", Type: "x"})
	f := b.Finish()
	if f.DaysActive != 2 || f.RecencyDays != -1 || f.TenureDays != 0 {
		t.Errorf("days_active %d recency %d tenure %d, want 2, -1, 0", f.DaysActive, f.RecencyDays, f.TenureDays)
	}
}

func TestFeatureBuilderSkipTypes(t *testing.T) {
	b := NewFeatureBuilder(Config{AsOf: 10 * DayMs, SkipTypes: DefaultOutboundTypes})
	b.Begin(1)
	b.Add(Event{Time: 0, Channel: "email", Type: "sent"})
	b.Add(Event{Time: DayMs, Channel: "web", Type: "page_view"})
	b.Add(Event{Time: 3 * DayMs, Channel: "sms", Type: "delivered"})
	f := b.Finish()
	if f.Frequency != 1 || f.FirstSeen != DayMs || f.RecencyDays != 9 || len(f.Channels) != 1 || f.FirstChannel != "web" || f.LastChannel != "web" {
		t.Errorf("outbound events not skipped: %+v", f)
	}
}
