package data_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app/exporttest"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/screens/data"
)

// TestExportSourcesAndVolume presses e on the overview: the daily volume
// chart as PNG and the sources table as CSV and JSON, whose columns are
// the table's header on screen and whose rows are the sources.
func TestExportSourcesAndVolume(t *testing.T) {
	b := backendtest.Open(t)
	s, c := open(t, b, 120, 36)
	v := s.View()
	exporttest.CheckHeaderOnScreen(t, v, data.SourceColumns)
	files := exporttest.Export(t, c, s, 120, 36)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".png", ".csv", ".json"}) {
		t.Fatalf("files %v, want a PNG, a CSV and a JSON", files)
	}
	exporttest.CheckPNG(t, files[0])
	if h := exporttest.Header(t, files[1]); !slices.Equal(h, data.SourceColumns) {
		t.Errorf("CSV header %v, want the columns on screen %v", h, data.SourceColumns)
	}
	ov, err := b.Overview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rows := exporttest.Rows(t, files[1])
	if len(rows) != len(ov.Sources) {
		t.Fatalf("%d rows for %d sources", len(rows), len(ov.Sources))
	}
	for i, src := range ov.Sources {
		if rows[i][0] != src.Name || rows[i][2] != fmt.Sprint(src.Read) || rows[i][3] != fmt.Sprint(src.Loaded) {
			t.Errorf("row %d = %v, want %s read %d loaded %d", i, rows[i], src.Name, src.Read, src.Loaded)
		}
	}
	exporttest.CheckJSON(t, files[2], data.SourceColumns, len(ov.Sources))
}

// TestExportRejects exports the rejected rows of a file.
func TestExportRejects(t *testing.T) {
	b := backendtest.Open(t)
	s, c := open(t, b, 120, 36)
	ov, _ := b.Overview(t.Context())
	best := 0
	for i, src := range ov.Sources {
		if src.Rejected > ov.Sources[best].Rejected {
			best = i
		}
	}
	if ov.Sources[best].Rejected == 0 {
		t.Skip("the fixture has no rejected rows")
	}
	for i := 0; i < best; i++ {
		s.Update(key("down"))
	}
	_, cmd := s.Update(key("enter"))
	feed(t, s, cmd, data.KindRejects)
	exporttest.CheckHeaderOnScreen(t, s.View(), data.RejectColumns)
	files := exporttest.Export(t, c, s, 120, 36)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".csv", ".json"}) {
		t.Fatalf("files %v, want a CSV and a JSON", files)
	}
	if h := exporttest.Header(t, files[0]); !slices.Equal(h, data.RejectColumns) {
		t.Errorf("CSV header %v, want %v", h, data.RejectColumns)
	}
	rej, _ := b.Rejects(t.Context(), ov.Sources[best].ID, data.RejectsLimit)
	if n := len(exporttest.Rows(t, files[0])); n != len(rej) {
		t.Errorf("%d rejected rows exported, %d read", n, len(rej))
	}
}
