package backend

import (
	"context"
	"slices"

	"github.com/journeyworkbench/workbench/analysis/store"
)

// EventFilter turns the workbench's global filters (time range [from, to)
// in UTC milliseconds, channels, and a saved segment's name or a segment
// expression) into the store's event filter, resolving the segment into
// its members. Run it inside Run/RunLabel.
func (b *Backend) EventFilter(ctx context.Context, from, to int64, channels []string, segment string) (store.EventFilter, error) {
	ef := store.EventFilter{From: from, To: to, Channels: channels}
	if segment == "" {
		return ef, nil
	}
	set, err := b.Workspace().SegmentMembers(ctx, segment)
	if err != nil {
		return ef, err
	}
	ef.Customers = make([]int64, 0, len(set))
	for id := range set {
		ef.Customers = append(ef.Customers, id)
	}
	slices.Sort(ef.Customers)
	return ef, nil
}

// Span measures the events the global filters keep (store.Span): how
// many, of how many customers, and the times of the first and last.
func (b *Backend) Span(ctx context.Context, from, to int64, channels []string, segment string) (store.EventSpan, error) {
	ef, err := b.EventFilter(ctx, from, to, channels, segment)
	if err != nil {
		return store.EventSpan{}, err
	}
	return b.st.Span(ctx, ef)
}

// DailyVolume counts the events the global filters keep per UTC day and
// channel (store.DailyVolume).
func (b *Backend) DailyVolume(ctx context.Context, from, to int64, channels []string, segment string) ([]store.ChannelDayCount, error) {
	ef, err := b.EventFilter(ctx, from, to, channels, segment)
	if err != nil {
		return nil, err
	}
	return b.st.DailyVolume(ctx, ef)
}
