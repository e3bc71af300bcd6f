package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// volumeStore loads seven events of three customers on two channels and
// three days, one of them before 1970:
//
//	customer 1: web/page day 0 00:00, web/page day 0 23:59:59.999, email/open day 1 12:00
//	customer 2: email/open day 1 00:00, web/order day 2 06:00
//	customer 3: web/page day −1 18:00 (1969-12-31), email/sent day 2 00:00
func volumeStore(t *testing.T) *Store {
	t.Helper()
	s, _ := tempStore(t)
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/v", Name: "v", Kind: "test", Checksum: "v", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	lab := func(kind int, name string) int64 {
		id, err := tx.Label(kind, name)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ca := lab(LabelCampaign, "")
	const h = 3600000
	events := []struct {
		cust, ts int64
		ch, ty   string
	}{
		{1, 0, "web", "page"}, {1, 24*h - 1, "web", "page"}, {1, 36 * h, "email", "open"},
		{2, 24 * h, "email", "open"}, {2, 54 * h, "web", "order"},
		{3, -6 * h, "web", "page"}, {3, 48 * h, "email", "sent"},
	}
	for c := int64(1); c <= 3; c++ {
		if err := tx.AddIdentity(c, "anonymous_id", fmt.Sprint("a", c), c, false, 1, 0); err != nil {
			t.Fatal(err)
		}
		if err := tx.PutCustomer(c, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range events {
		ev := EventIn{Customer: e.cust, Identity: e.cust, Time: e.ts, Channel: lab(LabelChannel, e.ch), Type: lab(LabelType, e.ty),
			Campaign: ca, Line: int64(i + 1), Dedup: uint64(i + 1)}
		if err := tx.AddEvent(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Finish(FinishStats{Kind: "test", Read: int64(len(events)), Loaded: tx.Loaded}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDailyVolume checks DailyVolume and Span against counts made by hand
// from the events of volumeStore, under each part of the filter.
func TestDailyVolume(t *testing.T) {
	s := volumeStore(t)
	ctx := context.Background()
	const d = 86400000
	const h = 3600000
	for _, tc := range []struct {
		name string
		f    EventFilter
		want []ChannelDayCount
		span EventSpan
	}{
		{"all", EventFilter{},
			[]ChannelDayCount{{-d, "web", 1}, {0, "web", 2}, {d, "email", 2}, {2 * d, "email", 1}, {2 * d, "web", 1}},
			EventSpan{Events: 7, Customers: 3, First: -6 * h, Last: 54 * h}},
		{"from day 1 (inclusive) to day 2 (exclusive)", EventFilter{From: d, To: 2 * d},
			[]ChannelDayCount{{d, "email", 2}},
			EventSpan{Events: 2, Customers: 2, First: 24 * h, Last: 36 * h}},
		{"channel web", EventFilter{Channels: []string{"web"}},
			[]ChannelDayCount{{-d, "web", 1}, {0, "web", 2}, {2 * d, "web", 1}},
			EventSpan{Events: 4, Customers: 3, First: -6 * h, Last: 54 * h}},
		{"types open and order", EventFilter{Types: []string{"open", "order"}},
			[]ChannelDayCount{{d, "email", 2}, {2 * d, "web", 1}},
			EventSpan{Events: 3, Customers: 2, First: 24 * h, Last: 54 * h}},
		{"customers 1 and 3", EventFilter{Customers: []int64{1, 3}},
			[]ChannelDayCount{{-d, "web", 1}, {0, "web", 2}, {d, "email", 1}, {2 * d, "email", 1}},
			EventSpan{Events: 5, Customers: 2, First: -6 * h, Last: 48 * h}},
		{"no customers", EventFilter{Customers: []int64{}}, nil, EventSpan{}},
		{"unknown channel", EventFilter{Channels: []string{"fax"}}, nil, EventSpan{}},
		{"web and customer 2", EventFilter{Channels: []string{"web"}, Customers: []int64{2}},
			[]ChannelDayCount{{2 * d, "web", 1}},
			EventSpan{Events: 1, Customers: 1, First: 54 * h, Last: 54 * h}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.DailyVolume(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DailyVolume = %v, want %v", got, tc.want)
			}
			sp, err := s.Span(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if sp != tc.span {
				t.Errorf("Span = %+v, want %+v", sp, tc.span)
			}
		})
	}
}
