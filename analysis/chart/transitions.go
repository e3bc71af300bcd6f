package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TransitionGrid adapts a row-normalised transition matrix to gonum/plot's
// plotter.GridXYZ: column c is the matrix column c (the next step) at
// x = c, and grid row r is the matrix row R−1−r at y = r, so the matrix's
// first row ((start)) is drawn at the top. Z is P[row][col].
type TransitionGrid struct{ M journey.TransitionMatrix }

// Dims returns (columns, rows) of the matrix.
func (g TransitionGrid) Dims() (c, r int) { return len(g.M.Cols), len(g.M.Rows) }

// Z returns the probability in grid cell (c, r).
func (g TransitionGrid) Z(c, r int) float64 { return g.M.P[len(g.M.Rows)-1-r][c] }

// X returns the x coordinate of column c.
func (g TransitionGrid) X(c int) float64 { return float64(c) }

// Y returns the y coordinate of grid row r.
func (g TransitionGrid) Y(r int) float64 { return float64(r) }

// Min is 0, the smallest probability.
func (g TransitionGrid) Min() float64 { return 0 }

// Max is 1, the largest probability.
func (g TransitionGrid) Max() float64 { return 1 }

// sequential is a colour-blind-safe sequential palette from white through
// the Okabe-Ito blue to dark navy, of n colours.
type sequential int

func (s sequential) Colors() []color.Color {
	stops := []color.RGBA{{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, {R: 0x9e, G: 0xca, B: 0xe1, A: 0xff}, OkabeBlue, {R: 0x08, G: 0x25, B: 0x4a, A: 0xff}}
	out := make([]color.Color, int(s))
	for i := range out {
		t := float64(i) / float64(int(s)-1) * float64(len(stops)-1)
		k := min(int(t), len(stops)-2)
		f := t - float64(k)
		a, b := stops[k], stops[k+1]
		mix := func(x, y uint8) uint8 { return uint8(float64(x)*(1-f) + float64(y)*f + 0.5) }
		out[i] = color.RGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff}
	}
	return out
}

// Transitions draws the row-normalised transition matrix as a heat map:
// rows are the current step ((start) first), columns the next step
// ((end) last), and cell (a, b) is P(b | a) = count(a→b) / (Σ_c
// count(a→c) + end(a)) as journey.TransitionMatrix defines it, on a fixed
// 0–100% colour scale shown in a colour bar. Cells are annotated with the
// percentage when they are large enough to hold it; labels longer than
// MaxLabel end with an ellipsis.
func Transitions(tm journey.TransitionMatrix, m Meta) (*plot.Plot, error) {
	R, C := len(tm.Rows), len(tm.Cols)
	if R == 0 || C == 0 {
		return nil, errors.New("chart: the transition matrix is empty: no journeys matched; widen the date range or remove filters")
	}
	if len(tm.P) != R {
		return nil, fmt.Errorf("chart: the transition matrix has %d row labels but %d rows of values", R, len(tm.P))
	}
	for i, row := range tm.P {
		if len(row) != C {
			return nil, fmt.Errorf("chart: row %q of the transition matrix has %d values for %d columns", tm.Rows[i], len(row), C)
		}
		for j, v := range row {
			if err := checkFinite(fmt.Sprintf("P(%s → %s)", tm.Cols[j], tm.Rows[i]), v); err != nil {
				return nil, err
			}
			if v < 0 || v > 1+1e-9 {
				return nil, fmt.Errorf("chart: P(%s | %s) = %g is not a probability; pass the row-normalised matrix", tm.Cols[j], tm.Rows[i], v)
			}
		}
	}
	p := newPlot(m, "Next step", "Current step", "")
	grid := TransitionGrid{tm}
	hm := plotter.NewHeatMap(grid, sequential(256))
	hm.Min, hm.Max = 0, 1
	p.Add(hm)

	rows := make([]string, R)
	for r := range rows {
		rows[r] = Truncate(tm.Rows[R-1-r], MaxLabel)
	}
	cols := make([]string, C)
	for c := range cols {
		cols[c] = Truncate(tm.Cols[c], MaxLabel)
	}
	p.Y.Tick.Marker = categoryTicks(rows)
	p.X.Tick.Marker = categoryTicks(cols)
	p.X.Tick.LineStyle.Width = 0
	p.Y.Tick.LineStyle.Width = 0
	p.X.LineStyle.Width = 0
	p.Y.LineStyle.Width = 0
	// Rotate the column labels when they would not fit under their cells.
	mm := m.withDefaults()
	cell := (mm.Width - 3.5*vg.Inch) / vg.Length(C)
	for _, c := range cols {
		if p.X.Tick.Label.Width(c) > cell*0.95 {
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YTop
			break
		}
	}
	p.Add(&cellText{g: grid, style: textStyle(sansFont, noteSize, inkColor)})
	p.Add(&colorBar{pal: sequential(256), style: textStyle(sansFont, tickSize, inkColor), label: "P(next | current)"})
	p.X.Min, p.X.Max = -0.5, float64(C)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(R)-0.5
	return p, nil
}

// cellText writes each non-zero cell's percentage in its centre, in black
// or white by the cell's colour, when the cells are large enough.
type cellText struct {
	g     TransitionGrid
	style text.Style
}

func (t *cellText) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	cols, rows := t.g.Dims()
	cw := trX(1) - trX(0)
	ch := trY(1) - trY(0)
	st := t.style
	st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
	if ch < st.FontExtents().Height*1.2 || cw < st.Width("100%")*1.1 {
		return
	}
	colors := sequential(256).Colors()
	for r := 0; r < rows; r++ {
		for col := 0; col < cols; col++ {
			v := t.g.Z(col, r)
			if v == 0 {
				continue
			}
			st.Color = textOn(colors[int(math.Round(v*255))])
			c.FillText(st, vg.Point{X: trX(float64(col)), Y: trY(float64(r))}, formatPct(v))
		}
	}
}

// colorBar draws the heat map's colour scale to the right of the data
// area, with ticks at 0, 25, 50, 75 and 100%.
type colorBar struct {
	pal   palette.Palette
	style text.Style
	label string
}

const (
	barGap   = 14
	barWidth = 14
	barLabel = 48
	barRoom  = 72
)

func (b *colorBar) Plot(c draw.Canvas, _ *plot.Plot) {
	x0 := c.Max.X + vg.Points(barGap)
	x1 := x0 + vg.Points(barWidth)
	colors := b.pal.Colors()
	h := c.Max.Y - c.Min.Y
	n := len(colors)
	for i, col := range colors {
		y0 := c.Min.Y + h*vg.Length(i)/vg.Length(n)
		y1 := c.Min.Y + h*vg.Length(i+1)/vg.Length(n) + 0.5
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}})
	}
	c.StrokeLines(draw.LineStyle{Color: mutedColor, Width: vg.Points(0.5)},
		[]vg.Point{{X: x0, Y: c.Min.Y}, {X: x0, Y: c.Max.Y}, {X: x1, Y: c.Max.Y}, {X: x1, Y: c.Min.Y}, {X: x0, Y: c.Min.Y}})
	st := b.style
	st.XAlign, st.YAlign = draw.XLeft, draw.YCenter
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := c.Min.Y + h*vg.Length(f)
		c.StrokeLine2(draw.LineStyle{Color: mutedColor, Width: vg.Points(0.75)}, x1, y, x1+vg.Points(4), y)
		c.FillText(st, vg.Point{X: x1 + vg.Points(6), Y: y}, formatPct(f))
	}
	ls := b.style
	ls.Rotation = math.Pi / 2
	ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
	c.FillText(ls, vg.Point{X: x1 + vg.Points(barLabel), Y: (c.Min.Y + c.Max.Y) / 2}, b.label)
}

// GlyphBoxes reserves the colour bar's room right of the data area.
func (b *colorBar) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	return []plot.GlyphBox{{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: vg.Points(barGap + barWidth + barRoom)}}}}
}
