package segments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/segment"
	"github.com/journeyworkbench/workbench/analysis/workspace"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
)

// Clustering choices: k = 0 picks k in [2, MaxK] by the best silhouette.
const (
	MaxK         = 8
	ClusterSeed  = 1
	ClusterNInit = 4
)

type clusterView struct {
	s        *Screen
	k        int // 0: by silhouette
	res      *workspace.Clusters
	loading  bool
	stale    bool
	err      error
	cur, off int
	w, h     int
	keysK    struct{ more, fewer, auto, open key.Binding }
}

func newClusterView(s *Screen) *clusterView {
	v := &clusterView{s: s, stale: true}
	v.keysK.more = bind("+,=", "+", "one more cluster")
	v.keysK.fewer = bind("-", "-", "one cluster fewer")
	v.keysK.auto = bind("0", "0", "k by silhouette")
	v.keysK.open = bind("enter", "enter", "members")
	return v
}

func (v *clusterView) setSize(w, h int) { v.w, v.h = w, h }

func (v *clusterView) ensure() tea.Cmd {
	if v.stale && !v.loading {
		return v.run()
	}
	return nil
}

func (v *clusterView) run() tea.Cmd {
	v.loading, v.stale, v.err = true, false, nil
	opt := workspace.ClusterOptions{Segment: v.s.c.Filters.Segment,
		KMeansOptions: segment.KMeansOptions{K: v.k, KMax: MaxK, NInit: ClusterNInit, Seed: ClusterSeed}}
	b := v.s.c.Backend
	return b.RunLabel(context.Background(), KindClusters, "clustering customers", func(ctx context.Context) (any, error) {
		return b.Workspace().Cluster(ctx, opt)
	})
}

func (v *clusterView) result(msg backend.ResultMsg) tea.Cmd {
	v.loading = false
	switch {
	case msg.Cancelled():
		v.stale = true
		return nil
	case msg.Err != nil:
		v.err = msg.Err
		return nil
	}
	v.res, _ = msg.Value.(*workspace.Clusters)
	if v.res != nil {
		v.cur = chart.Clamp(v.cur, 0, max(v.res.K-1, 0))
	}
	return nil
}

func (v *clusterView) key(msg tea.KeyMsg) tea.Cmd {
	k := v.keysK
	switch {
	case key.Matches(msg, k.more):
		if v.k == 0 && v.res != nil {
			v.k = v.res.K
		}
		v.k = min(max(v.k+1, 2), MaxK*2)
		return v.run()
	case key.Matches(msg, k.fewer):
		if v.k == 0 && v.res != nil {
			v.k = v.res.K
		}
		v.k = max(v.k-1, 2)
		return v.run()
	case key.Matches(msg, k.auto):
		v.k = 0
		return v.run()
	case key.Matches(msg, v.s.km.refresh):
		return v.run()
	case key.Matches(msg, k.open):
		if v.res == nil || v.cur >= v.res.K {
			return nil
		}
		cl, c := v.res, v.cur
		return v.s.who.Show(fmt.Sprintf("cluster %d of %d", c+1, cl.K), func(ctx context.Context, w *workspace.Workspace) (*workspace.WhoResult, error) {
			return w.WhoCluster(ctx, cl, c, 500)
		})
	case key.Matches(msg, v.s.km.Up):
		v.cur--
	case key.Matches(msg, v.s.km.Down):
		v.cur++
	}
	if v.res != nil {
		v.cur = chart.Clamp(v.cur, 0, max(v.res.K-1, 0))
	}
	return nil
}

// ColumnUnit turns a feature column and a centroid value in its units into
// the header and value in the feature's own units: a "log1p(x)" column is
// shown as x = exp(v) − 1, other columns as they are.
func ColumnUnit(col string, v float64) (string, float64) {
	if strings.HasPrefix(col, "log1p(") && strings.HasSuffix(col, ")") {
		return strings.TrimSuffix(strings.TrimPrefix(col, "log1p("), ")"), math.Expm1(v)
	}
	return col, v
}

func formatUnit(col string, v float64) string {
	if math.Abs(v) < 0.005 {
		v = 0 // no "-0.0"
	}
	switch {
	case !chart.Finite(v):
		return "n/a"
	case strings.HasPrefix(col, "share:"):
		return chart.FormatPercent(v)
	case math.Abs(v) >= 1000:
		return chart.FormatCompact(v)
	}
	return fmt.Sprintf("%.1f", v)
}

func (v *clusterView) view() string {
	st := v.s.c.Styles
	title := "Behavioural clusters"
	if g := v.s.c.Filters.Segment; g != "" {
		title += " of segment " + chart.Sanitize(g)
	}
	lines := []string{st.Render(st.Title, chart.Truncate(title, v.w))}
	switch {
	case v.loading && v.res == nil:
		lines = append(lines, st.Render(st.Muted, "clustering the customers' features (k-means)…  esc cancels"))
		return chart.Block(lines, v.w, v.h)
	case v.err != nil:
		lines = append(lines, st.Render(st.Error, chart.Sanitize(firstLine(v.err.Error()))))
		return chart.Block(lines, v.w, v.h)
	case v.res == nil:
		lines = append(lines, st.Render(st.Muted, "press r to cluster"))
		return chart.Block(lines, v.w, v.h)
	}
	r := v.res
	how := fmt.Sprintf("k = %d chosen", r.K)
	if v.k == 0 {
		how = fmt.Sprintf("k = %d by the best silhouette of k = 2…%d", r.K, MaxK)
	}
	sum := fmt.Sprintf("%s customers · %s · silhouette %.3f", chart.FormatCount(float64(len(r.Customers))), how, r.Silhouette)
	if v.loading {
		sum += " · updating…"
	}
	lines = append(lines, st.Render(st.Muted, chart.Truncate(sum, v.w)))
	// The table: cluster, size, share, then each column's centroid in the
	// feature's own units.
	const cw = 10
	cols := ClusterColumns(r.Columns)
	head := chart.PadRight(cols[0], 8) + chart.PadLeft(cols[1], 9) + chart.PadLeft(cols[2], 8)
	for _, c := range cols[3:] {
		head += " " + chart.PadLeft(chart.Sanitize(c), cw-1)
	}
	lines = append(lines, "  "+st.Render(st.Header, chart.Truncate(head, v.w-2)))
	total := 0
	for _, n := range r.Sizes {
		total += n
	}
	n := max(v.h-len(lines)-2, 1)
	v.off = chart.ScrollOffset(v.off, v.cur, n, r.K)
	for c := v.off; c < r.K && c < v.off+n; c++ {
		share := 0.0
		if total > 0 {
			share = float64(r.Sizes[c]) / float64(total)
		}
		line := chart.PadRight(fmt.Sprintf("%d", c+1), 8) + chart.PadLeft(chart.FormatCount(float64(r.Sizes[c])), 9) + chart.PadLeft(chart.FormatPercent(share), 8)
		for j, col := range r.Columns {
			x := math.NaN()
			if c < len(r.CentroidsOriginal) && j < len(r.CentroidsOriginal[c]) {
				x = r.CentroidsOriginal[c][j]
			}
			_, u := ColumnUnit(col, x)
			line += " " + chart.PadLeft(formatUnit(col, u), cw-1)
		}
		line = chart.Truncate(line, v.w-2)
		if c == v.cur {
			lines = append(lines, st.Render(st.Cursor, "▸ ")+st.Render(st.Selected, line))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	lines = append(lines, "", st.Render(st.Muted, chart.Truncate("centroids in the features' own units (log-scaled features shown back in their units) · enter lists members", v.w)))
	return chart.Block(lines, v.w, v.h)
}

func (v *clusterView) keys() ([]key.Binding, [][]key.Binding) {
	k := v.keysK
	return []key.Binding{k.open, k.more, k.fewer, k.auto},
		[][]key.Binding{{v.s.km.Up, v.s.km.Down, k.open}, {k.more, k.fewer, k.auto, v.s.km.refresh}}
}
