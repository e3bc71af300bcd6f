package chart

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strconv"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sankey draws the flow of user paths: one column per step, one bar per
// node whose height is its number of journeys, and a band per link whose
// width is the journeys that went from one node to the next. Nodes are
// stacked top-down in the result's order (journeys descending, then
// "other", then drop-off at the bottom), with gaps between them and all
// columns aligned at the top. Step nodes take their channel's colour
// (ChannelColor, for labels that are channels or "channel:type"), "other"
// nodes OtherColor and drop-off nodes DropOffColor; a band takes the
// colour of its source, lighter, or the drop-off grey when it ends in a
// drop-off node. Each node is labelled "label  journeys (share of all
// journeys)" where its bar is tall enough for the text; smaller nodes stay
// unlabelled rather than overlap.
//
// It is drawn with gonum/plot's plotter.Sankey: stocks are the nodes,
// flows the links; invisible spacer stocks make the gaps and a filler
// stock at the bottom of each column aligns the tops.
func Sankey(res journey.PathsResult, m Meta) (*plot.Plot, error) {
	p, _, err := sankeyPlot(res, m)
	return p, err
}

func sankeyPlot(res journey.PathsResult, m Meta) (*plot.Plot, *sankeyChart, error) {
	if len(res.Nodes) == 0 {
		return nil, nil, errors.New("chart: no paths to draw: the filters left no journeys; widen the date range or remove filters")
	}
	byID := make(map[int]int, len(res.Nodes))
	L := 0
	var total int64
	for i, n := range res.Nodes {
		if _, dup := byID[n.ID]; dup {
			return nil, nil, fmt.Errorf("chart: path node id %d appears twice; pass the result of one paths query", n.ID)
		}
		byID[n.ID] = i
		if n.Step < 1 {
			return nil, nil, fmt.Errorf("chart: path node %q has step %d; steps start at 1", n.Label, n.Step)
		}
		if n.Journeys < 0 {
			return nil, nil, fmt.Errorf("chart: path node %q has %d journeys; counts cannot be negative", n.Label, n.Journeys)
		}
		L = max(L, n.Step)
		total += n.Journeys
	}
	if total == 0 {
		return nil, nil, errors.New("chart: no paths to draw: every node has 0 journeys; widen the date range or remove filters")
	}
	in := make([]int64, len(res.Nodes))
	out := make([]int64, len(res.Nodes))
	for _, l := range res.Links {
		s, ok1 := byID[l.Source]
		t, ok2 := byID[l.Target]
		if !ok1 || !ok2 {
			return nil, nil, fmt.Errorf("chart: path link %d→%d refers to a missing node; pass the nodes and links of one result", l.Source, l.Target)
		}
		if res.Nodes[t].Step <= res.Nodes[s].Step {
			return nil, nil, fmt.Errorf("chart: path link from step %d to step %d goes backwards", res.Nodes[s].Step, res.Nodes[t].Step)
		}
		if l.Journeys < 0 {
			return nil, nil, fmt.Errorf("chart: path link %d→%d has %d journeys; counts cannot be negative", l.Source, l.Target, l.Journeys)
		}
		out[s] += l.Journeys
		in[t] += l.Journeys
	}

	// Columns, nodes top-down in result order.
	cols := make([][]int, L+1)
	colTotal := make([]float64, L+1)
	var labels []string
	for i, n := range res.Nodes {
		cols[n.Step] = append(cols[n.Step], i)
		colTotal[n.Step] += float64(n.Journeys)
		if n.Kind == "step" || n.Kind == "" {
			labels = append(labels, n.Label)
		}
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	colors := labelColors(labels)
	nodeColor := func(n journey.PathNode) color.RGBA {
		switch n.Kind {
		case "drop-off":
			return DropOffColor
		case "other":
			return OtherColor
		}
		return colors[n.Label]
	}

	maxNodes, maxTotal := 0, 0.0
	for c := 1; c <= L; c++ {
		maxNodes = max(maxNodes, len(cols[c]))
		maxTotal = max(maxTotal, colTotal[c])
	}
	// Gap between nodes: at most 25% of the height in all, at most 4% each.
	gap := 0.0
	if maxNodes > 1 {
		gap = min(maxTotal*0.25/float64(maxNodes-1), maxTotal*0.04)
	}
	height := 0.0
	for c := 1; c <= L; c++ {
		height = max(height, colTotal[c]+gap*float64(max(len(cols[c])-1, 0)))
	}

	key := func(i int) string { return "n" + strconv.Itoa(res.Nodes[i].ID) }
	const sink = "z"
	var flows []plotter.Flow
	hidden := map[string]bool{sink: true}
	// Registration: every stock of column c gets its plotting order (bottom
	// to top: filler, then nodes last to first with spacers between) and
	// its hidden height from a flow to the sink in column L+1.
	for c := 1; c <= L; c++ {
		fill := height - colTotal[c] - gap*float64(max(len(cols[c])-1, 0))
		flows = append(flows, plotter.Flow{SourceLabel: "f", SourceCategory: c, ReceptorLabel: sink, ReceptorCategory: L + 1, Value: max(fill, 0), Group: "hidden"})
		hidden["f"] = true
		ns := cols[c]
		for k := len(ns) - 1; k >= 0; k-- {
			i := ns[k]
			n := res.Nodes[i]
			// Top up a node whose links do not account for its journeys.
			var extra float64
			if n.Journeys > max(in[i], out[i]) {
				extra = float64(n.Journeys - out[i])
			}
			flows = append(flows, plotter.Flow{SourceLabel: key(i), SourceCategory: c, ReceptorLabel: sink, ReceptorCategory: L + 1, Value: extra, Group: "hidden"})
			if k > 0 {
				s := "s" + strconv.Itoa(k)
				hidden[s] = true
				flows = append(flows, plotter.Flow{SourceLabel: s, SourceCategory: c, ReceptorLabel: sink, ReceptorCategory: L + 1, Value: gap, Group: "hidden"})
			}
		}
	}
	// Links: sources bottom to top, each one's targets bottom to top, so
	// bands stack without crossing at either end.
	rank := make(map[int]int, len(res.Nodes)) // position top-down in its column
	for c := 1; c <= L; c++ {
		for k, i := range cols[c] {
			rank[i] = k
		}
	}
	links := slices.Clone(res.Links)
	slices.SortStableFunc(links, func(a, b journey.PathLink) int {
		sa, sb := byID[a.Source], byID[b.Source]
		ta, tb := byID[a.Target], byID[b.Target]
		return cmp.Or(
			cmp.Compare(res.Nodes[sa].Step, res.Nodes[sb].Step),
			cmp.Compare(rank[sb], rank[sa]),
			cmp.Compare(res.Nodes[ta].Step, res.Nodes[tb].Step),
			cmp.Compare(rank[tb], rank[ta]))
	})
	groupColor := map[string]color.Color{}
	for li, l := range links {
		s, t := byID[l.Source], byID[l.Target]
		g := "l" + strconv.Itoa(li)
		if res.Nodes[t].Kind == "drop-off" {
			groupColor[g] = withAlpha(DropOffColor, 0.75)
		} else {
			groupColor[g] = withAlpha(lighter(nodeColor(res.Nodes[s]), 0.2), 0.4)
		}
		flows = append(flows, plotter.Flow{
			SourceLabel: key(s), SourceCategory: res.Nodes[s].Step,
			ReceptorLabel: key(t), ReceptorCategory: res.Nodes[t].Step,
			Value: float64(l.Journeys), Group: g,
		})
	}
	sk, err := plotter.NewSankey(flows...)
	if err != nil {
		return nil, nil, fmt.Errorf("chart: %w", err)
	}
	none := draw.LineStyle{Color: color.Transparent, Width: 0}
	sk.LineStyle = none
	sk.StockBarWidth = vg.Points(12)
	sk.FlowStyle = func(g string) (color.Color, draw.LineStyle) {
		return groupColor[g], none // nil (no fill) for hidden flows
	}
	keyNode := make(map[string]int, len(res.Nodes))
	for i := range res.Nodes {
		keyNode[key(i)] = i
	}
	sk.StockStyle = func(label string, category int) (string, text.Style, vg.Length, vg.Length, color.Color, draw.LineStyle) {
		i, ok := keyNode[label]
		if !ok || hidden[label] {
			return "", sk.TextStyle, 0, 0, nil, none
		}
		return "", sk.TextStyle, 0, 0, nodeColor(res.Nodes[i]), none
	}

	units := m.Units
	if units == "" {
		units = "journeys"
	}
	p := newPlot(m, "Step", "", "")
	if m.XLabel == "" {
		p.X.Label.Text = "Step · bar height = " + units
	}
	sc := &sankeyChart{Sankey: sk, res: res, key: key, last: L, total: float64(res.Journeys)}
	if sc.total <= 0 {
		sc.total = colTotal[1]
		if sc.total == 0 {
			sc.total = float64(total)
		}
	}
	sc.style = textStyle(sansFont, noteSize, inkColor)
	sc.style.YAlign = draw.YCenter
	sc.bold = textStyle(boldFont, noteSize, inkColor)
	sc.bold.YAlign = draw.YCenter
	p.Add(sc)
	p.HideY()
	p.X.LineStyle.Width = 0
	p.X.Tick.LineStyle.Width = 0
	names := make([]string, L)
	for c := range names {
		names[c] = "Step " + strconv.Itoa(c+1)
	}
	p.X.Tick.Marker = categoryTicks(names)
	for i := range p.X.Tick.Marker.(plot.ConstantTicks) {
		p.X.Tick.Marker.(plot.ConstantTicks)[i].Value++
	}
	p.Y.Min, p.Y.Max = 0, height
	if L == 1 {
		p.X.Min, p.X.Max = 0.7, 1.3
	} else {
		p.X.Min, p.X.Max = 1, float64(L)
	}
	return p, sc, nil
}

// sankeyChart is a plotter.Sankey with node labels drawn beside the bars
// (left of the last column, right of the others) on a translucent white
// box, only where the bar is tall enough to hold the text.
type sankeyChart struct {
	*plotter.Sankey
	res         journey.PathsResult
	key         func(i int) string
	last        int
	total       float64
	style, bold text.Style
}

func (s *sankeyChart) label(i int) (name, count string) {
	n := s.res.Nodes[i]
	name = n.Label
	switch n.Kind {
	case "drop-off":
		name = "drop-off"
	case "other":
		name = "other"
	}
	return Truncate(name, MaxLabel), formatCount(float64(n.Journeys)) + " (" + formatPct(float64(n.Journeys)/s.total) + ")"
}

func (s *sankeyChart) right(step int) bool { return step < s.last || s.last == 1 }

// Plot draws the flows and stocks, then the labels.
func (s *sankeyChart) Plot(c draw.Canvas, plt *plot.Plot) {
	s.Sankey.Plot(c, plt)
	trX, trY := plt.Transforms(&c)
	h := s.style.FontExtents().Height
	pad := vg.Points(4)
	bold := s.bold
	bold.Font = font.From(boldFor(c), bold.Font.Size)
	for i, n := range s.res.Nodes {
		lo, hi, err := s.StockRange(s.key(i), n.Step)
		if err != nil || n.Journeys == 0 {
			continue
		}
		y0, y1 := trY(lo), trY(hi)
		if y1-y0 < h*0.85 {
			continue
		}
		name, count := s.label(i)
		wName := bold.Width(name)
		w := wName + s.style.Width("  "+count)
		x := trX(float64(n.Step)) + s.StockBarWidth/2 + pad
		if !s.right(n.Step) {
			x = trX(float64(n.Step)) - s.StockBarWidth/2 - pad - w
		}
		y := (y0 + y1) / 2
		box := vg.Rectangle{Min: vg.Point{X: x - 2, Y: y - h/2}, Max: vg.Point{X: x + w + 2, Y: y + h/2}}
		c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 190})
		c.Fill(box.Path())
		c.FillText(bold, vg.Point{X: x, Y: y}, name)
		c.FillText(s.style, vg.Point{X: x + wName, Y: y}, "  "+count)
	}
}

// GlyphBoxes reserves room for the bars and labels of the first and last
// columns (the stocks of the hidden sink column are left out).
func (s *sankeyChart) GlyphBoxes(plt *plot.Plot) []plot.GlyphBox {
	var boxes []plot.GlyphBox
	h := s.style.FontExtents().Height
	pad := vg.Points(4)
	for i, n := range s.res.Nodes {
		lo, hi, err := s.StockRange(s.key(i), n.Step)
		if err != nil {
			continue
		}
		name, count := s.label(i)
		w := s.bold.Width(name) + s.style.Width("  "+count)
		r := vg.Rectangle{Min: vg.Point{X: -s.StockBarWidth / 2, Y: -h / 2}, Max: vg.Point{X: s.StockBarWidth/2 + pad + w, Y: h / 2}}
		if !s.right(n.Step) {
			r = vg.Rectangle{Min: vg.Point{X: -s.StockBarWidth/2 - pad - w, Y: -h / 2}, Max: vg.Point{X: s.StockBarWidth / 2, Y: h / 2}}
		}
		boxes = append(boxes, plot.GlyphBox{X: plt.X.Norm(float64(n.Step)), Y: plt.Y.Norm((lo + hi) / 2), Rectangle: r})
	}
	return boxes
}
