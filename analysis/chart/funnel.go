package chart

import (
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MaxFunnelGroups is the largest number of breakdown groups drawn side by
// side.
const MaxFunnelGroups = 8

// Funnel draws a funnel as bars: for each step k, a bar of the customers
// who reached it (FunnelStepResult.Customers) with, stacked on top in a
// lighter shade, the drop-off from the previous step (DropOff =
// customers(k−1) − customers(k)), so the whole column is the previous
// step's count. Each bar is labelled with its count and its conversion
// from step 1 (FromFirst = customers(k) / customers(1)). When the funnel
// has breakdown groups, each step shows one bar per group side by side
// (at most MaxFunnelGroups), coloured by group (channels keep their
// colour); otherwise the overall funnel is drawn.
func Funnel(res journey.FunnelResult, m Meta) (*plot.Plot, error) {
	groups := res.Groups
	if len(groups) == 0 {
		groups = []journey.FunnelGroup{res.Overall}
	}
	if len(groups[0].Steps) == 0 {
		return nil, errors.New("chart: the funnel has no steps; define at least one step")
	}
	if len(groups) > MaxFunnelGroups {
		return nil, fmt.Errorf("chart: the funnel has %d breakdown groups; at most %d can be drawn side by side, so filter to fewer groups or drop the breakdown", len(groups), MaxFunnelGroups)
	}
	n := len(groups[0].Steps)
	var entered int64
	for _, g := range groups {
		if len(g.Steps) != n {
			return nil, fmt.Errorf("chart: funnel group %q has %d steps but the first has %d; pass groups of one funnel", g.Group, len(g.Steps), n)
		}
		for _, s := range g.Steps {
			if s.Customers < 0 || s.DropOff < 0 {
				return nil, fmt.Errorf("chart: funnel step %q of group %q has a negative count", s.Name, g.Group)
			}
			if err := checkFinite(fmt.Sprintf("the conversion of funnel step %q", s.Name), s.FromFirst); err != nil {
				return nil, err
			}
		}
		entered += g.Steps[0].Customers
	}
	if entered == 0 {
		return nil, errors.New("chart: no customers entered the funnel; widen the date range, the conversion window or the filters")
	}

	p := newPlot(m, "Funnel step", "Customers", "")
	addGrid(p, false)
	p.Y.Min = 0
	G := len(groups)
	names := make([]string, n)
	for k, s := range groups[0].Steps {
		names[k] = wrapLabel(strconv.Itoa(k+1)+". "+s.Name, 18, 2)
	}
	p.X.Tick.Marker = categoryTicks(names)
	p.X.Tick.LineStyle.Width = 0

	// Widths: the data area is about the figure width less the axis and
	// legend; each step takes 78% of its slot.
	m = m.withDefaults()
	slot := (m.Width - 2.4*vg.Inch) / vg.Length(n)
	barW := slot * 0.78 / vg.Length(G)
	countSize := min(max(barW*0.36, vg.Points(8)), noteSize)

	groupNames := make([]string, G)
	for i, g := range groups {
		groupNames[i] = g.Group
	}
	colors := labelColors(groupNames)
	outline := draw.LineStyle{Color: color.White, Width: vg.Points(0.75)}
	var legendNames []string
	for gi, g := range groups {
		base := OkabeBlue
		if G > 1 {
			base = colors[g.Group]
		}
		reached := make(plotter.Values, n)
		drop := make(plotter.Values, n)
		for k, s := range g.Steps {
			reached[k] = float64(s.Customers)
			drop[k] = float64(s.DropOff)
		}
		offset := (vg.Length(gi) - vg.Length(G-1)/2) * barW
		b, err := plotter.NewBarChart(reached, barW)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		b.Color, b.LineStyle, b.Offset = base, outline, offset
		d, err := plotter.NewBarChart(drop, barW)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		d.Color, d.LineStyle = lighter(base, 0.68), outline
		d.StackOn(b)
		p.Add(b, d)

		// Count and conversion above each column.
		top := make(plotter.XYs, n)
		txt := make([]string, n)
		first := float64(g.Steps[0].Customers)
		for k, s := range g.Steps {
			top[k] = plotter.XY{X: float64(k), Y: reached[k] + drop[k]}
			conv := "—"
			if first > 0 {
				conv = formatPct(float64(s.Customers) / first)
			}
			txt[k] = formatCount(reached[k]) + "\n" + conv
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: top, Labels: txt})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		for i := range lb.TextStyle {
			st := textStyle(sansFont, countSize, inkColor)
			st.XAlign, st.YAlign = draw.XCenter, draw.YBottom
			lb.TextStyle[i] = st
		}
		lb.Offset = vg.Point{X: offset, Y: vg.Points(3)}
		p.Add(lb)

		if G > 1 {
			name := Truncate(g.Group, MaxLabel)
			if name == "" {
				name = "(none)"
			}
			p.Legend.Add(name, swatch{base})
			legendNames = append(legendNames, name)
		}
	}
	if G == 1 {
		p.Legend.Add("reached the step", swatch{OkabeBlue})
		p.Legend.Add("dropped off since the previous step", swatch{lighter(OkabeBlue, 0.68)})
		legendNames = append(legendNames, "reached the step", "dropped off since the previous step")
		p.Legend.Top, p.Legend.Left = true, false
	} else {
		p.Legend.Add("lighter: drop-off", swatch{lighter(OtherColor, 0.55)})
		legendNames = append(legendNames, "lighter: drop-off")
		legendOutside(p, legendNames)
	}
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	if m.XLabel == "" {
		label := "Funnel step · bar label: customers and % of step 1"
		if res.Mode != "" {
			label = strings.ToUpper(res.Mode[:1]) + res.Mode[1:] + " funnel · bar label: customers and % of step 1"
		}
		p.X.Label.Text = label
	}
	return p, nil
}
