package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Estimate is one policy's estimated value by one method (an off-policy
// estimator or the Monte Carlo simulation) with its 95% interval
// [Lo, Hi].
type Estimate struct {
	Policy, Method string
	Value, Lo, Hi  float64
}

// PolicyComparison draws each policy's estimated value as a point with a
// vertical error bar from Lo to Hi (the 95% interval), one colour per
// method, the methods of a policy side by side. When the policy names,
// wrapped on two lines, are wider than their slot on the x axis (the
// plot's width less the legend and axis margins, divided by the number of
// policies), the chart is drawn on its side instead: policies down the y
// axis, values along the x axis, horizontal interval whiskers (see
// policiesHorizontal), so every name stays readable. Policies and methods keep
// the order of their first appearance in est. The interval must contain
// the value (Lo ≤ Value ≤ Hi) and all three must be finite.
func PolicyComparison(est []Estimate, m Meta) (*plot.Plot, error) {
	if len(est) == 0 {
		return nil, errors.New("chart: no policy estimates to draw; evaluate at least one policy")
	}
	var policies, methods []string
	pi, mi := map[string]int{}, map[string]int{}
	for _, e := range est {
		for _, v := range []struct {
			what string
			x    float64
		}{{"value", e.Value}, {"interval low", e.Lo}, {"interval high", e.Hi}} {
			if err := checkFinite(fmt.Sprintf("the %s of policy %q by %s", v.what, e.Policy, e.Method), v.x); err != nil {
				return nil, err
			}
		}
		if e.Lo > e.Value || e.Value > e.Hi {
			return nil, fmt.Errorf("chart: the interval [%g, %g] of policy %q by %s does not contain its value %g; pass Lo ≤ Value ≤ Hi", e.Lo, e.Hi, e.Policy, e.Method, e.Value)
		}
		if _, ok := pi[e.Policy]; !ok {
			pi[e.Policy] = len(policies)
			policies = append(policies, e.Policy)
		}
		if _, ok := mi[e.Method]; !ok {
			mi[e.Method] = len(methods)
			methods = append(methods, e.Method)
		}
	}
	if len(methods) > len(Palette) {
		return nil, fmt.Errorf("chart: %d methods; at most %d can be told apart, so compare fewer methods", len(methods), len(Palette))
	}
	mm := m.withDefaults()
	names := make([]string, len(policies))
	for i, s := range policies {
		names[i] = wrapLabel(s, 14, 2)
	}
	if !labelsFit(names, (mm.Width-3.8*vg.Inch)/vg.Length(len(policies))) {
		return policiesHorizontal(est, policies, methods, pi, m)
	}
	p := newPlot(m, "Policy", "Estimated value per customer", "")
	addGrid(p, false)
	p.X.Tick.Marker = categoryTicks(names)
	p.X.Tick.LineStyle.Width = 0
	M := len(methods)
	step := math.Min(0.2, 0.7/float64(M))
	var legend []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, meth := range methods {
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, e := range est {
			if e.Method != meth {
				continue
			}
			x := float64(pi[e.Policy]) + (float64(j)-float64(M-1)/2)*step
			pts = append(pts, plotter.XY{X: x, Y: e.Value})
			errs = append(errs, struct{ Low, High float64 }{e.Value - e.Lo, e.Hi - e.Value})
			lo, hi = math.Min(lo, e.Lo), math.Max(hi, e.Hi)
		}
		col := SeriesColor(j)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{pts, errs})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		eb.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(2)}
		eb.CapWidth = vg.Points(10)
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(5), Shape: methodShape(j)}
		p.Add(eb, sc)
		name := Truncate(meth, MaxLabel) + " (95% interval)"
		p.Legend.Add(name, lineThumb{line: draw.LineStyle{Color: col, Width: vg.Points(2)}}, sc)
		legend = append(legend, name)
	}
	legendOutside(p, legend)
	p.X.Min, p.X.Max = -0.5, float64(len(policies))-0.5
	p.Y.Min, p.Y.Max = padRange(lo, hi)
	return p, nil
}

// padRange widens [lo, hi] by 8% of its span on each side (by 10% of |hi|,
// at least 1, when the span is 0), so intervals do not touch the frame.
func padRange(lo, hi float64) (float64, float64) {
	pad := (hi - lo) * 0.08
	if pad == 0 {
		pad = math.Max(math.Abs(hi)*0.1, 1)
	}
	return lo - pad, hi + pad
}

// labelsFit reports whether every line of every category label, set in the
// tick font, is at most 92% of slot wide, so neighbouring labels under the
// axis keep a gap between them.
func labelsFit(names []string, slot vg.Length) bool {
	st := textStyle(sansFont, tickSize, inkColor)
	for _, n := range names {
		for _, line := range strings.Split(n, "\n") {
			if st.Width(line) > slot*0.92 {
				return false
			}
		}
	}
	return true
}

// policiesHorizontal draws the policy comparison on its side: one row per
// policy on the y axis (the first policy at the top), the estimated value
// on the x axis and each 95% interval [Lo, Hi] as a horizontal whisker,
// the methods of a policy one above the other. It is used when the policy
// names do not fit side by side under a vertical chart; the names are then
// written whole on one line (cut after MaxLabel characters). The value
// axis label is m.YLabel (or its default) with the units, as in the
// vertical layout, and the policy axis label is m.XLabel (or "Policy").
func policiesHorizontal(est []Estimate, policies, methods []string, pi map[string]int, m Meta) (*plot.Plot, error) {
	p := newPlot(m, "Policy", "Estimated value per customer", "")
	p.X.Label.Text, p.Y.Label.Text = p.Y.Label.Text, p.X.Label.Text
	g := plotter.NewGrid()
	g.Vertical.Color = gridColor
	g.Vertical.Width = vg.Points(0.75)
	g.Horizontal.Width = 0
	g.Horizontal.Color = nil
	p.Add(g)
	n := len(policies)
	ticks := make(plot.ConstantTicks, n)
	for i, s := range policies {
		ticks[i] = plot.Tick{Value: float64(n - 1 - i), Label: Truncate(s, MaxLabel)}
	}
	p.Y.Tick.Marker = ticks
	p.Y.Tick.LineStyle.Width = 0
	M := len(methods)
	step := math.Min(0.25, 0.7/float64(M))
	var legend []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, meth := range methods {
		var pts plotter.XYs
		var errs plotter.XErrors
		for _, e := range est {
			if e.Method != meth {
				continue
			}
			y := float64(n-1-pi[e.Policy]) - (float64(j)-float64(M-1)/2)*step
			pts = append(pts, plotter.XY{X: e.Value, Y: y})
			errs = append(errs, struct{ Low, High float64 }{e.Value - e.Lo, e.Hi - e.Value})
			lo, hi = math.Min(lo, e.Lo), math.Max(hi, e.Hi)
		}
		col := SeriesColor(j)
		eb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{pts, errs})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		eb.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(2)}
		eb.CapWidth = vg.Points(7)
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(4), Shape: methodShape(j)}
		p.Add(eb, sc)
		name := Truncate(meth, MaxLabel) + " (95% interval)"
		p.Legend.Add(name, lineThumb{line: draw.LineStyle{Color: col, Width: vg.Points(2)}}, sc)
		legend = append(legend, name)
	}
	legendOutside(p, legend)
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.X.Min, p.X.Max = padRange(lo, hi)
	return p, nil
}

// methodShape gives each method a glyph shape as well as a colour, so the
// methods stay apart in greyscale print.
func methodShape(j int) draw.GlyphDrawer {
	switch j % 4 {
	case 1:
		return draw.BoxGlyph{}
	case 2:
		return draw.TriangleGlyph{}
	case 3:
		return draw.PyramidGlyph{}
	}
	return draw.CircleGlyph{}
}

// Series is one curve: points (X[i], Y[i]) and an optional band
// [Lo[i], Hi[i]] (both empty, or both as long as X).
type Series struct {
	Name   string
	X, Y   []float64
	Lo, Hi []float64
}

// LearningCurves draws each series as a line, with its band (when given)
// as a translucent area of the same colour, one colour per series in the
// order given. X must be strictly increasing within a series.
func LearningCurves(series []Series, m Meta) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.New("chart: no learning curves to draw; pass at least one series")
	}
	p := newPlot(m, "Day", "Value", "")
	addGrid(p, true)
	var legend []string
	for i, s := range series {
		if len(s.X) == 0 {
			return nil, fmt.Errorf("chart: series %q has no points", s.Name)
		}
		if len(s.Y) != len(s.X) {
			return nil, fmt.Errorf("chart: series %q has %d x values and %d y values; they must pair up", s.Name, len(s.X), len(s.Y))
		}
		band := len(s.Lo) > 0 || len(s.Hi) > 0
		if band && (len(s.Lo) != len(s.X) || len(s.Hi) != len(s.X)) {
			return nil, fmt.Errorf("chart: the band of series %q needs as many low and high values as points (%d); got %d and %d", s.Name, len(s.X), len(s.Lo), len(s.Hi))
		}
		for k := range s.X {
			if err := checkFinite(fmt.Sprintf("point %d of series %q", k+1, s.Name), s.X[k]+s.Y[k]); err != nil {
				return nil, err
			}
			if k > 0 && s.X[k] <= s.X[k-1] {
				return nil, fmt.Errorf("chart: the x values of series %q must increase (point %d: %g after %g)", s.Name, k+1, s.X[k], s.X[k-1])
			}
			if band {
				if err := checkFinite(fmt.Sprintf("the band at point %d of series %q", k+1, s.Name), s.Lo[k]+s.Hi[k]); err != nil {
					return nil, err
				}
			}
		}
		col := SeriesColor(i)
		var bandColor color.Color
		if band {
			poly := make(plotter.XYs, 0, 2*len(s.X))
			for k := range s.X {
				poly = append(poly, plotter.XY{X: s.X[k], Y: s.Hi[k]})
			}
			for k := len(s.X) - 1; k >= 0; k-- {
				poly = append(poly, plotter.XY{X: s.X[k], Y: s.Lo[k]})
			}
			pg, err := plotter.NewPolygon(poly)
			if err != nil {
				return nil, fmt.Errorf("chart: %w", err)
			}
			bandColor = withAlpha(col, 0.2)
			pg.Color = bandColor
			pg.LineStyle.Width = 0
			p.Add(pg)
		}
		xy := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xy[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		ln, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		ln.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(2.5)}
		ln.LineStyle.Dashes = seriesDashes(i)
		p.Add(ln)
		name := Truncate(s.Name, MaxLabel)
		if band {
			name += " (band: 95%)"
		}
		p.Legend.Add(name, lineThumb{line: ln.LineStyle, band: bandColor})
		legend = append(legend, name)
	}
	legendOutside(p, legend)
	return p, nil
}

// seriesDashes varies the dash pattern with the series, so lines stay
// apart without colour.
func seriesDashes(i int) []vg.Length {
	switch i % 3 {
	case 1:
		return []vg.Length{vg.Points(8), vg.Points(4)}
	case 2:
		return []vg.Length{vg.Points(2), vg.Points(3)}
	}
	return nil
}
