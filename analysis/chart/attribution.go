package chart

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"image/color"
)

// modelNames are the display names of the attribution models.
var modelNames = map[string]string{
	attribution.ModelFirstTouch:    "First touch",
	attribution.ModelLastTouch:     "Last touch",
	attribution.ModelLinear:        "Linear",
	attribution.ModelPositionBased: "Position-based",
	attribution.ModelTimeDecay:     "Time-decay",
	attribution.ModelMarkov:        "Markov removal effect",
	attribution.ModelShapley:       "Shapley",
}

// ModelName is the display name of an attribution model ("last_touch" →
// "Last touch"); unknown names are returned as given.
func ModelName(model string) string {
	if n, ok := modelNames[model]; ok {
		return n
	}
	return model
}

// Attribution draws the conversions credited to each channel
// (attribution.Row.Conversions) by several models side by side: one group
// of bars per channel, one bar per model in the order given, each bar
// labelled with its value when the labels can be read (see
// valueLabelsFit; otherwise the legend and the value axis carry them). Channels are the union of the models' rows,
// ordered by their mean credit across models (largest first); a channel a
// model does not list counts 0 for it.
func Attribution(results []attribution.Result, m Meta) (*plot.Plot, error) {
	if len(results) == 0 {
		return nil, errors.New("chart: no attribution results to draw; run at least one model")
	}
	if len(results) > len(Palette) {
		return nil, fmt.Errorf("chart: %d attribution models; at most %d can be drawn side by side, so pick fewer models", len(results), len(Palette))
	}
	credit := map[string][]float64{}
	for mi, r := range results {
		for _, row := range r.Rows {
			if err := checkFinite(fmt.Sprintf("the %s credit of channel %q", r.Model, row.Channel), row.Conversions); err != nil {
				return nil, err
			}
			if credit[row.Channel] == nil {
				credit[row.Channel] = make([]float64, len(results))
			}
			credit[row.Channel][mi] += row.Conversions
		}
	}
	if len(credit) == 0 {
		return nil, errors.New("chart: the attribution results have no channels; check that the paths have touchpoints")
	}
	channels := make([]string, 0, len(credit))
	sum := map[string]float64{}
	for c, v := range credit {
		channels = append(channels, c)
		for _, x := range v {
			sum[c] += x
		}
	}
	slices.SortFunc(channels, func(a, b string) int { return cmp.Or(cmp.Compare(sum[b], sum[a]), cmp.Compare(a, b)) })

	p := newPlot(m, "Channel", "Conversions credited", "")
	addGrid(p, false)
	names := make([]string, len(channels))
	for i, c := range channels {
		names[i] = wrapLabel(c, 16, 2)
	}
	p.X.Tick.Marker = categoryTicks(names)
	p.X.Tick.LineStyle.Width = 0

	mm := m.withDefaults()
	M := len(results)
	slot := (mm.Width - 3.8*vg.Inch) / vg.Length(len(channels))
	barW := slot * 0.8 / vg.Length(M)
	valueSize := min(max(barW*0.42, vg.Points(7)), noteSize)
	showValues := valueLabelsFit(credit, channels, M, barW, valueSize)
	var legend []string
	for mi, r := range results {
		vals := make(plotter.Values, len(channels))
		for i, c := range channels {
			vals[i] = credit[c][mi]
		}
		b, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		b.Color = SeriesColor(mi)
		b.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(0.75)}
		b.Offset = (vg.Length(mi) - vg.Length(M-1)/2) * barW
		p.Add(b)
		name := Truncate(ModelName(r.Model), MaxLabel)
		p.Legend.Add(name, swatch{SeriesColor(mi)})
		legend = append(legend, name)
		if !showValues {
			continue
		}
		xy := make(plotter.XYs, len(channels))
		txt := make([]string, len(channels))
		for i := range channels {
			xy[i] = plotter.XY{X: float64(i), Y: max(vals[i], 0)}
			txt[i] = formatValue(vals[i])
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: txt})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		for i := range lb.TextStyle {
			st := textStyle(sansFont, valueSize, inkColor)
			st.XAlign, st.YAlign = draw.XCenter, draw.YBottom
			lb.TextStyle[i] = st
		}
		lb.Offset = vg.Point{X: b.Offset, Y: vg.Points(2)}
		p.Add(lb)
	}
	legendOutside(p, legend)
	p.Y.Min = 0
	p.X.Min, p.X.Max = -0.5, float64(len(channels))-0.5
	return p, nil
}

// valueLabelsFit reports whether the value labels above the bars can be
// drawn without running into each other: always for at most 3 models
// (the bars are then wide, and a slightly wider label still clears its
// neighbours' differing heights), and otherwise only when every label,
// set at size, is no wider than its bar (width barW).
func valueLabelsFit(credit map[string][]float64, channels []string, models int, barW, size vg.Length) bool {
	if models <= 3 {
		return true
	}
	st := textStyle(sansFont, size, inkColor)
	for _, c := range channels {
		for _, v := range credit[c] {
			if st.Width(formatValue(v)) > barW {
				return false
			}
		}
	}
	return true
}
