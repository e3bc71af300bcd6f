package segments_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app/exporttest"
	"github.com/journeyworkbench/workbench/tui/screens/segments"
)

// TestExportListAndClusters exports the saved segments and then the
// clusters, each with the columns drawn on screen.
func TestExportListAndClusters(t *testing.T) {
	const w, h = 200, 40
	s, r, c := open(t, w, h)
	define(r, "repeat buyers", "orders >= 2")
	define(r, "sms users", "'sms' in channels")
	exporttest.CheckHeaderOnScreen(t, s.View(), segments.ListColumns)
	files := exporttest.Export(t, c, s, w, h)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".csv", ".json"}) {
		t.Fatalf("files %v, want a CSV and a JSON", files)
	}
	if hd := exporttest.Header(t, files[0]); !slices.Equal(hd, segments.ListColumns) {
		t.Errorf("CSV header %v, want %v", hd, segments.ListColumns)
	}
	rows := exporttest.Rows(t, files[0])
	if len(rows) != len(s.Segments()) {
		t.Fatalf("%d rows for %d segments", len(rows), len(s.Segments()))
	}
	for i, x := range s.Segments() {
		if rows[i][0] != x.Name || rows[i][1] != fmt.Sprint(x.Members) || rows[i][3] != x.Expr {
			t.Errorf("row %d = %v, want %s %d %s", i, rows[i], x.Name, x.Members, x.Expr)
		}
	}
	exporttest.CheckJSON(t, files[1], segments.ListColumns, len(rows))

	r.Key("K")
	files = exporttest.Export(t, c, s, w, h)
	hd := exporttest.Header(t, files[0])
	exporttest.CheckHeaderOnScreen(t, s.View(), hd)
	if !slices.Equal(hd[:3], []string{"cluster", "size", "share"}) || len(hd) < 4 {
		t.Errorf("clusters CSV header %v, want cluster, size, share and the features", hd)
	}
	cl := exporttest.Rows(t, files[0])
	if len(cl) < 2 {
		t.Fatalf("%d clusters exported, want k ≥ 2", len(cl))
	}
	exporttest.CheckJSON(t, files[1], hd, len(cl))
}
