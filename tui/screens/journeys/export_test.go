package journeys_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/tui/app/exporttest"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
)

// TestExportEverySubView presses e on each sub-view and checks the files:
// a PNG for the views with a chart, every table as CSV and JSON with the
// columns drawn on screen where the view draws a table.
func TestExportEverySubView(t *testing.T) {
	const w, h = 120, 40
	models := attribution.Models()
	tests := []struct {
		key    string
		exts   []string
		header [][]string // CSV header of each table, in order
		shown  bool       // the (first) table is drawn on screen
	}{
		// The paths as the default PNG; the other charts as SVG, which
		// draws faster (the -race run stays short).
		{"p", []string{".png", ".csv", ".json", ".csv", ".json"}, [][]string{journeys.PathNodeColumns, journeys.PathLinkColumns}, false},
		{"v", []string{".csv", ".json"}, [][]string{journeys.VariantColumns}, true},
		{"u", []string{".svg", ".csv", ".json"}, [][]string{journeys.FunnelColumns}, false},
		{"t", []string{".svg", ".csv", ".json"}, [][]string{journeys.TransitionColumns}, false},
		{"a", []string{".svg", ".csv", ".json"}, [][]string{journeys.AttributionColumns(models)}, true},
	}
	s, r, c := open(t, w, h)
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			r.Key(tc.key)
			if tc.key == "u" {
				withFunnel(r)
			}
			if tc.shown {
				exporttest.CheckHeaderOnScreen(t, s.View(), tc.header[0])
			}
			ext := ""
			if tc.exts[0] == ".svg" {
				ext = ".svg"
			}
			files := exporttest.ExportAs(t, c, s, w, h, ext)
			if got := exporttest.Exts(files); !slices.Equal(got, tc.exts) {
				t.Fatalf("files %v, want extensions %v", files, tc.exts)
			}
			i := 0
			switch tc.exts[0] {
			case ".png":
				exporttest.CheckPNG(t, files[0])
				i = 1
			case ".svg":
				exporttest.CheckSVG(t, files[0])
				i = 1
			}
			for k, want := range tc.header {
				csv := files[i+2*k]
				if got := exporttest.Header(t, csv); !slices.Equal(got, want) {
					t.Errorf("%s header %v, want %v", csv, got, want)
				}
				exporttest.CheckJSON(t, files[i+2*k+1], want, len(exporttest.Rows(t, csv)))
			}
		})
	}
}

// TestExportPathsMatchesTheAnalysis checks the exported Sankey tables
// against the paths analysis run independently on the workspace.
func TestExportPathsMatchesTheAnalysis(t *testing.T) {
	s, _, c := open(t, 100, 30)
	q := journeys.Query(c.Filters, s.LabelChoice(), s.Collapse())
	res, err := c.Backend.Workspace().Paths(context.Background(), q, journey.PathOptions{Steps: journeys.DefaultSteps, TopK: journeys.DefaultTopK, CollapseRepeats: true})
	if err != nil {
		t.Fatal(err)
	}
	files := exporttest.ExportAs(t, c, s, 100, 30, ".csv") // the tables only
	nodes := exporttest.Rows(t, files[0])
	links := exporttest.Rows(t, files[2])
	if len(nodes) != len(res.Nodes) || len(links) != len(res.Links) {
		t.Fatalf("%d nodes and %d links exported, the analysis has %d and %d", len(nodes), len(links), len(res.Nodes), len(res.Links))
	}
	for i, n := range res.Nodes {
		want := []string{strconv.Itoa(n.Step), n.Label, n.Kind, fmt.Sprint(n.Journeys)}
		if !slices.Equal(nodes[i], want) {
			t.Errorf("node %d = %v, want %v", i, nodes[i], want)
		}
	}
	l := res.Links[0]
	want := []string{strconv.Itoa(res.Nodes[l.Source].Step), res.Nodes[l.Source].Label, strconv.Itoa(res.Nodes[l.Target].Step), res.Nodes[l.Target].Label, fmt.Sprint(l.Journeys)}
	if !slices.Equal(links[0], want) {
		t.Errorf("first link = %v, want %v", links[0], want)
	}
}

// TestExportWhoList exports the customers behind a Sankey node.
func TestExportWhoList(t *testing.T) {
	s, r, c := open(t, 100, 30)
	r.Key("enter")
	who := s.Who()
	if !who.Open() || who.Result() == nil {
		t.Fatal("enter on a node should list its customers")
	}
	exporttest.CheckHeaderOnScreen(t, s.View(), journeys.WhoColumns)
	files := exporttest.Export(t, c, s, 100, 30)
	rows := exporttest.Rows(t, files[0])
	if len(rows) != len(who.Result().Customers) {
		t.Fatalf("%d customers exported, %d listed", len(rows), len(who.Result().Customers))
	}
	if first := who.Result().Customers[0]; rows[0][0] != fmt.Sprint(first.ID) || rows[0][1] != first.Identifier {
		t.Errorf("first row %v, want %d %s", rows[0], first.ID, first.Identifier)
	}
}
