package customers

import (
	"strconv"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/tui/app"
)

// ListColumns are the columns of the list of customers found, as drawn
// (a narrow terminal leaves some out; the export has them all).
var ListColumns = []string{"customer", "identifier", "name", "region", "tier", "ids", "events", "last seen", "matched"}

// TimelineColumns are the columns of a profile's timeline, as drawn (the
// identity only on a wide terminal; the export has them all).
var TimelineColumns = []string{"time", "channel", "type", "revenue", "campaign", "identity"}

// Export implements app.Exporter: the list of customers found, or the
// timeline of the profile shown (the events the filters keep).
func (s *Screen) Export() (app.Export, bool) {
	if s.mode == modeProfile {
		return s.timelineExport("customers-timeline")
	}
	if len(s.rows) == 0 {
		return app.Export{}, false
	}
	t := report.New(ListColumns...)
	for _, r := range s.rows {
		t.Add(r.Customer, r.Primary, r.Name, r.Region, r.Tier, r.Identifiers, r.Events, day(r.LastSeen), r.Matched)
	}
	return app.Export{Name: "customers-list", Tables: []app.Table{{Table: t}}}, true
}

// Export is the timeline of the profile shown, for the screens that
// open profiles.
func (p *ProfileView) Export() (app.Export, bool) {
	return p.s.timelineExport("profile-" + strconv.FormatInt(p.Customer(), 10) + "-timeline")
}

func (s *Screen) timelineExport(name string) (app.Export, bool) {
	p := s.profile
	if p == nil {
		return app.Export{}, false
	}
	t := report.New(TimelineColumns...)
	f := s.c.Filters
	for _, e := range p.Timeline {
		if !f.Keep(e.Time, e.Channel) {
			continue
		}
		var rev any
		if e.HasRevenue {
			rev = e.Revenue
		}
		t.Add(fmtTime(e.Time), e.Channel, e.Type, rev, e.Campaign, e.Identity)
	}
	if name == "customers-timeline" {
		name = "customer-" + strconv.FormatInt(p.Customer, 10) + "-timeline"
	}
	return app.Export{Name: name, Tables: []app.Table{{Table: t}}}, true
}
