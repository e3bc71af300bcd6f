package segments

import (
	"math"

	"github.com/journeyworkbench/workbench/analysis/report"
	"github.com/journeyworkbench/workbench/tui/app"
)

// ListColumns are the columns of the saved segments table.
var ListColumns = []string{"name", "members", "share", "expression"}

// ClusterColumns are the columns of the clusters table: the cluster,
// its size and share, then each feature column's centroid in the
// feature's own units (log1p columns named by their feature).
func ClusterColumns(features []string) []string {
	cols := []string{"cluster", "size", "share"}
	for _, c := range features {
		name, _ := ColumnUnit(c, 0)
		cols = append(cols, name)
	}
	return cols
}

// Export implements app.Exporter: the saved segments (the rows passing
// the list filter), the clusters with their centroids, or the members
// list (or profile) shown.
func (s *Screen) Export() (app.Export, bool) {
	if s.who.Open() {
		return s.who.Export()
	}
	switch s.mode {
	case modeClusters:
		return s.clusters.export()
	case modeList, modeConfirm:
	default:
		return app.Export{}, false
	}
	if s.list == nil {
		return app.Export{}, false
	}
	t := report.New(ListColumns...)
	for _, i := range s.rows {
		x := s.list[i]
		t.Add(x.Name, x.Members, x.Share, x.Expr)
	}
	return app.Export{Name: "segments-list", Tables: []app.Table{{Table: t}}}, true
}

func (v *clusterView) export() (app.Export, bool) {
	r := v.res
	if r == nil || r.Clustering == nil {
		return app.Export{}, false
	}
	t := report.New(ClusterColumns(r.Columns)...)
	total := 0
	for _, n := range r.Sizes {
		total += n
	}
	for c := 0; c < r.K; c++ {
		share := 0.0
		if total > 0 {
			share = float64(r.Sizes[c]) / float64(total)
		}
		cells := []any{c + 1, r.Sizes[c], share}
		for j, col := range r.Columns {
			x := math.NaN()
			if c < len(r.CentroidsOriginal) && j < len(r.CentroidsOriginal[c]) {
				x = r.CentroidsOriginal[c][j]
			}
			_, u := ColumnUnit(col, x)
			var cell any = u
			if math.IsNaN(u) || math.IsInf(u, 0) {
				cell = nil
			}
			cells = append(cells, cell)
		}
		t.Add(cells...)
	}
	return app.Export{Name: "segments-clusters", Tables: []app.Table{{Table: t}}}, true
}
