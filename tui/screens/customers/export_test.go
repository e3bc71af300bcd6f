package customers_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app/exporttest"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/screens/customers"
)

// TestExportListAndTimeline exports the customers found (the columns of
// the list on a wide terminal) and then an open profile's timeline.
func TestExportListAndTimeline(t *testing.T) {
	const w, h = 130, 40
	s, c := newScreen(t, w, h)
	crm := firstCRM(t)
	search(t, s, crm)
	exporttest.CheckHeaderOnScreen(t, s.View(), customers.ListColumns)
	files := exporttest.Export(t, c, s, w, h)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".csv", ".json"}) {
		t.Fatalf("files %v, want a CSV and a JSON", files)
	}
	if hd := exporttest.Header(t, files[0]); !slices.Equal(hd, customers.ListColumns) {
		t.Errorf("CSV header %v, want %v", hd, customers.ListColumns)
	}
	rows := exporttest.Rows(t, files[0])
	if len(rows) == 0 || !strings.Contains(rows[0][1]+rows[0][8], crm) {
		t.Fatalf("the first customer found should be the one with %s: %v", crm, rows)
	}
	exporttest.CheckJSON(t, files[1], customers.ListColumns, len(rows))

	_, cmd := s.Update(key("enter"))
	for _, m := range backendtest.Drain(t, cmd, wait, customers.KindProfile) {
		s.Update(m)
	}
	s.Update(key("t"))
	if !strings.Contains(view(s), "Timeline (") {
		t.Fatalf("enter should open the profile and t show its timeline:\n%s", view(s))
	}
	exporttest.CheckHeaderOnScreen(t, s.View(), customers.TimelineColumns)
	files = exporttest.Export(t, c, s, w, h)
	if hd := exporttest.Header(t, files[0]); !slices.Equal(hd, customers.TimelineColumns) {
		t.Errorf("timeline CSV header %v, want %v", hd, customers.TimelineColumns)
	}
	tl := exporttest.Rows(t, files[0])
	if len(tl) == 0 {
		t.Fatal("no timeline rows exported")
	}
	// The first event on screen is the first row exported.
	if !strings.Contains(view(s), tl[0][0]) {
		t.Errorf("first exported event %v not on screen:\n%s", tl[0], view(s))
	}
}
