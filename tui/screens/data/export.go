package data

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"

	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/app"
	"gonum.org/v1/plot"
)

// SourceColumns are the columns of the sources table, as drawn (status
// only on a wide terminal; the export has them all). ok is ✓ when every
// row read was loaded, rejected or found a duplicate and the load
// finished, ! otherwise.
var SourceColumns = []string{"file", "kind", "read", "loaded", "rejected", "duplicate", "ok", "status"}

// RejectColumns are the columns of a file's rejected rows.
var RejectColumns = []string{"line", "reason", "raw row"}

// Export implements app.Exporter: the sources table (the rows passing its
// filter) with the daily event volume per channel under the global
// filters as a chart, or the rejected rows of the file shown.
func (s *Screen) Export() (app.Export, bool) {
	switch s.mode {
	case modeRejects:
		if s.rejLoading {
			return app.Export{}, false
		}
		t := report.New(RejectColumns...)
		for _, i := range s.visibleRejects() {
			r := s.rejects[i]
			t.Add(r.Line, r.Reason, r.Raw)
		}
		return app.Export{Name: "data-rejects-" + strings.TrimSuffix(s.rejSrc.Name, filepath.Ext(s.rejSrc.Name)), Tables: []app.Table{{Table: t}}}, true
	case modeOverview:
	default:
		return app.Export{}, false
	}
	if s.ov == nil {
		return app.Export{}, false
	}
	t := report.New(SourceColumns...)
	for _, i := range s.visibleSources() {
		src := s.ov.Sources[i]
		ok := "✓"
		if src.Read != src.Loaded+src.Rejected+src.Duplicate || src.Status != "loaded" {
			ok = "!"
		}
		t.Add(src.Name, src.Kind, src.Read, src.Loaded, src.Rejected, src.Duplicate, ok, src.Status)
	}
	b := s.c.Backend
	f := *s.c.Filters
	f.Channels = append([]string(nil), f.Channels...)
	return app.Export{
		Name: "data-sources",
		Meta: achart.Meta{Title: "Daily events by channel"},
		Chart: func(ctx context.Context, m achart.Meta) (*plot.Plot, error) {
			if b == nil {
				return nil, errors.New("no database open")
			}
			rows, err := b.DailyVolume(ctx, f.From, f.To, f.Channels, f.Segment)
			if err != nil {
				return nil, err
			}
			return achart.Volume(DailyVolume(rows), m)
		},
		Tables: []app.Table{{Table: t}},
	}, true
}

// DailyVolume lays the store's daily counts out for the volume chart:
// every day from the first to the last (days without events count 0),
// channels ordered by total events, largest first.
func DailyVolume(rows []store.ChannelDayCount) achart.DailyVolume {
	var v achart.DailyVolume
	if len(rows) == 0 {
		return v
	}
	first, last := rows[0].Day, rows[0].Day
	total := map[string]int64{}
	for _, r := range rows {
		total[r.Channel] += r.Events
		first, last = min(first, r.Day), max(last, r.Day)
	}
	for c := range total {
		v.Channel = append(v.Channel, c)
	}
	sort.Slice(v.Channel, func(i, j int) bool {
		a, b := v.Channel[i], v.Channel[j]
		return total[a] > total[b] || (total[a] == total[b] && a < b)
	})
	idx := map[string]int{}
	for i, c := range v.Channel {
		idx[c] = i
	}
	n := int((last-first)/dayMs) + 1
	for d := 0; d < n; d++ {
		v.Day = append(v.Day, first+int64(d)*dayMs)
	}
	v.Count = make([][]float64, len(v.Channel))
	for i := range v.Count {
		v.Count[i] = make([]float64, n)
	}
	for _, r := range rows {
		v.Count[idx[r.Channel]][(r.Day-first)/dayMs] += float64(r.Events)
	}
	return v
}
