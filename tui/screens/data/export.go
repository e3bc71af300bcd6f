package data

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/analysis/report"
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
			return achart.Volume(achart.VolumeFromCounts(rows), m)
		},
		Tables: []app.Table{{Table: t}},
	}, true
}
