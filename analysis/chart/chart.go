// Package chart renders the workbench's charts to PNG, SVG and PDF with
// gonum/plot: the Sankey flow of user paths, funnels with drop-off, the
// transition heat map, attribution by model, policy comparison with
// intervals, learning curves and daily volume by channel.
//
// Every chart is built by a function that takes an analysis result and a
// Meta (title, filters applied, axis labels, units, size) and returns a
// *plot.Plot; Save and Write draw it under a title header, sized for a
// 16:9 slide, in the format asked for. Text is set in the Liberation fonts
// that gonum/plot embeds, so the output is the same on every machine.
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default size of a chart: 10 in × 5.625 in, a 16:9 slide. At DefaultDPI
// a PNG is 1920 × 1080 pixels.
const (
	DefaultWidth  = 10 * vg.Inch
	DefaultHeight = 5.625 * vg.Inch
	DefaultDPI    = 192
)

// MaxLabel is the number of characters after which category labels (node
// names, channels, policies, step names) are cut and end with an ellipsis.
const MaxLabel = 28

// Meta describes a chart: its title, a subtitle saying what data it shows
// (the filters applied and the data source, e.g. "web, app · 2026-01-01 –
// 2026-06-30 · 4,812 customers"), the axis labels, the units of the value
// axis and the size. Empty labels take the chart's defaults; a zero size
// takes DefaultWidth × DefaultHeight and a zero DPI DefaultDPI.
type Meta struct {
	Title, Subtitle string
	XLabel, YLabel  string
	Units           string
	Width, Height   vg.Length
	// DPI is the resolution of PNG output (dots per inch).
	DPI int
}

func (m Meta) withDefaults() Meta {
	if m.Width <= 0 {
		m.Width = DefaultWidth
	}
	if m.Height <= 0 {
		m.Height = DefaultHeight
	}
	if m.DPI <= 0 {
		m.DPI = DefaultDPI
	}
	return m
}

// axisLabel returns label (or def when label is empty) followed by the
// units in parentheses, unless the label already names them.
func axisLabel(label, def, units string) string {
	if label == "" {
		label = def
	}
	if units != "" && !strings.Contains(strings.ToLower(label), strings.ToLower(units)) {
		if label == "" {
			return units
		}
		return label + " (" + units + ")"
	}
	return label
}

// Fonts of the charts: Liberation Sans (embedded in gonum/plot), sized for
// a slide.
var (
	sansFont  = font.Font{Typeface: "Liberation", Variant: "Sans"}
	boldFont  = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	titleSize = vg.Points(20)
	subSize   = vg.Points(13)
	axisSize  = vg.Points(14)
	tickSize  = vg.Points(12)
	noteSize  = vg.Points(11)
)

// pdfBold names Liberation Sans Bold for PDF output under a regular
// weight: gonum/plot's PDF canvas registers every font face without a
// style but selects bold faces with style "B", so a bold font.Font fails
// there with "undefined font". The alias resolves to the same bold face.
var pdfBold = font.Font{Typeface: "Liberation", Variant: "SansBold"}

func init() {
	for _, f := range liberation.Collection() {
		if f.Font.Variant == "Sans" && f.Font.Weight == xfont.WeightBold && f.Font.Style == xfont.StyleNormal {
			font.DefaultCache.Add(font.Collection{{Font: pdfBold, Face: f.Face}})
		}
	}
}

// boldFor is the bold font to draw on c.
func boldFor(c draw.Canvas) font.Font {
	var v vg.Canvas = c.Canvas
	for {
		switch w := v.(type) {
		case *vgpdf.Canvas:
			return pdfBold
		case draw.Canvas:
			v = w.Canvas
		case *draw.Canvas:
			v = w.Canvas
		default:
			return boldFont
		}
	}
}

func textStyle(f font.Font, size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(f, size),
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
		Handler: plot.DefaultTextHandler,
	}
}

var (
	inkColor   = color.RGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	mutedColor = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	gridColor  = color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
)

// newPlot returns a plot with the workbench's fonts and colours, and the
// axis labels of m (or the defaults given).
func newPlot(m Meta, defX, defY, defUnits string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.White
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(sansFont, axisSize, inkColor)
		a.Label.TextStyle.XAlign = draw.XCenter
		a.Tick.Label = textStyle(sansFont, tickSize, inkColor)
		a.LineStyle.Color = mutedColor
		a.Tick.LineStyle.Color = mutedColor
		a.Label.Padding = vg.Points(6)
	}
	p.X.Tick.Label.XAlign = draw.XCenter
	p.X.Tick.Label.YAlign = draw.YTop
	p.Y.Tick.Label.XAlign = draw.XRight
	// gonum/plot raises vertical tick labels by the font's descent;
	// centre them on their tick instead.
	ext := p.Y.Tick.Label.FontExtents()
	p.Y.Tick.Label.YAlign = draw.YAlignment(-0.5 - (ext.Descent / ext.Height).Points())
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Legend.TextStyle = textStyle(sansFont, tickSize, inkColor)
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.X.Label.Text = axisLabel(m.XLabel, defX, "")
	units := m.Units
	if units == "" {
		units = defUnits
	}
	p.Y.Label.Text = axisLabel(m.YLabel, defY, units)
	return p
}

// addGrid adds light horizontal grid lines behind the data.
func addGrid(p *plot.Plot, vertical bool) {
	g := plotter.NewGrid()
	g.Horizontal.Color = gridColor
	g.Horizontal.Width = vg.Points(0.75)
	if vertical {
		g.Vertical.Color = gridColor
		g.Vertical.Width = vg.Points(0.75)
	} else {
		g.Vertical.Width = 0
		g.Vertical.Color = nil
	}
	p.Add(g)
}

// Formats lists the output formats, as file extensions.
func Formats() []string { return []string{"png", "svg", "pdf"} }

// Save draws p with its header (m's title and subtitle) into the file at
// path, in the format named by the path's extension: .png, .svg or .pdf.
func Save(p *plot.Plot, m Meta, path string) error {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if !isFormat(ext) {
		return fmt.Errorf("chart: cannot tell the format of %q from its extension; name the file .png, .svg or .pdf", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if err := Write(p, m, ext, f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

func isFormat(s string) bool {
	for _, f := range Formats() {
		if s == f {
			return true
		}
	}
	return false
}

// Write draws p with its header into w in the given format: "png", "svg"
// or "pdf" (a leading dot and upper case are accepted).
func Write(p *plot.Plot, m Meta, format string, w io.Writer) error {
	if p == nil {
		return errors.New("chart: nothing to draw (nil plot)")
	}
	m = m.withDefaults()
	var c vg.CanvasWriterTo
	switch strings.ToLower(strings.TrimPrefix(format, ".")) {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(m.Width, m.Height), vgimg.UseDPI(m.DPI),
			vgimg.UseBackgroundColor(color.White))}
	case "svg":
		c = vgsvg.New(m.Width, m.Height)
	case "pdf":
		c = vgpdf.New(m.Width, m.Height)
	default:
		return fmt.Errorf("chart: unsupported format %q; the supported formats are %s", format, strings.Join(Formats(), ", "))
	}
	if err := drawFigure(p, m, draw.New(c)); err != nil {
		return err
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("chart: writing %s: %w", format, err)
	}
	return nil
}

// drawFigure draws the header (title, subtitle) at the top left of c and
// the plot below it.
func drawFigure(p *plot.Plot, m Meta, c draw.Canvas) (err error) {
	defer func() {
		// gonum/plot panics on some degenerate inputs; report them.
		if r := recover(); r != nil {
			err = fmt.Errorf("chart: cannot draw the chart: %v", r)
		}
	}()
	if p.BackgroundColor != nil {
		c.SetColor(p.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	pad := vg.Points(14)
	width := c.Max.X - c.Min.X - 2*pad
	y := c.Max.Y - pad
	if m.Title != "" {
		st := textStyle(boldFor(c), titleSize, inkColor)
		st.YAlign = draw.YTop
		c.FillText(st, vg.Point{X: c.Min.X + pad, Y: y}, fitWidth(st, m.Title, width))
		y -= st.Rectangle("Ag").Size().Y + vg.Points(4)
	}
	if m.Subtitle != "" {
		st := textStyle(sansFont, subSize, mutedColor)
		st.YAlign = draw.YTop
		c.FillText(st, vg.Point{X: c.Min.X + pad, Y: y}, fitWidth(st, m.Subtitle, width))
		y -= st.Rectangle("Ag").Size().Y
	}
	top := c.Max.Y - y
	if m.Title != "" || m.Subtitle != "" {
		top += vg.Points(10)
	}
	p.Draw(draw.Crop(c, pad, -pad, pad*0.7, -top))
	return nil
}

// fitWidth shortens s with an ellipsis until it fits in width when set in st.
func fitWidth(st text.Style, s string, width vg.Length) string {
	if st.Width(s) <= width {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		t := strings.TrimRight(string(r[:n]), " ") + "…"
		if st.Width(t) <= width {
			return t
		}
	}
	return "…"
}

// Truncate returns s cut to at most n characters, the last being an
// ellipsis when s was longer.
func Truncate(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// formatCount writes n with thousands separators: 4812 → "4,812".
func formatCount(n float64) string {
	neg := n < 0
	s := strconv.FormatFloat(math.Abs(math.Round(n)), 'f', 0, 64)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// formatPct writes a fraction as a percentage: 0.4567 → "45.7%".
func formatPct(f float64) string {
	switch {
	case f >= 0.9995 || f == 0:
		return strconv.FormatFloat(f*100, 'f', 0, 64) + "%"
	case f < 0.001:
		return "<0.1%"
	}
	return trimZeros(strconv.FormatFloat(f*100, 'f', 1, 64)) + "%"
}

// formatValue writes v with about 3 significant digits and thousands
// separators for large numbers.
func formatValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return formatCount(v)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	case a == 0:
		return "0"
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 3, 64))
}

// niceTicks places four to eight labelled ticks at round values (1, 2, 2.5
// or 5 × 10^k apart) with a minor tick between each pair, and writes the
// labels with thousands separators (k or M suffixes from 100,000).
type niceTicks struct{}

func (niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 7
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
		if math.Abs(step*math.Pow(10, float64(decimals))-math.Round(step*math.Pow(10, float64(decimals)))) > 1e-9 {
			decimals++
		}
	} else if step == 2.5 {
		decimals = 1
	}
	var ts []plot.Tick
	first := math.Ceil(min/step-1e-9) * step
	for v := first - step/2; v <= max+step*1e-9; v += step / 2 {
		if v < min-step*1e-9 {
			continue
		}
		k := math.Round(v / (step / 2))
		val := k * step / 2
		if int64(k)%2 != 0 {
			ts = append(ts, plot.Tick{Value: val})
			continue
		}
		ts = append(ts, plot.Tick{Value: val, Label: tickLabel(val, decimals, math.Max(math.Abs(min), math.Abs(max)))})
	}
	return ts
}

func tickLabel(v float64, decimals int, scale float64) string {
	if v == 0 {
		return "0"
	}
	switch {
	case scale >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "M"
	case scale >= 1e5:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case decimals == 0:
		return formatCount(v)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// trimZeros drops trailing zeros after a decimal point: "2.50" → "2.5",
// "3.0" → "3".
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// categoryTicks labels the integer positions 0..n−1 with names.
func categoryTicks(names []string) plot.ConstantTicks {
	ts := make(plot.ConstantTicks, len(names))
	for i, n := range names {
		ts[i] = plot.Tick{Value: float64(i), Label: n}
	}
	return ts
}

// checkFinite returns an error naming what when v is NaN or infinite.
func checkFinite(what string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("chart: %s is %v; charts need finite numbers, so fix or drop that value", what, v)
	}
	return nil
}

// wrapLabel breaks a label at spaces, " | " or "_" into lines of about
// width characters, for category tick labels under bars.
func wrapLabel(s string, width, maxLines int) string {
	s = Truncate(s, width*maxLines)
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	words := strings.Fields(s)
	var lines []string
	cur := ""
	for _, w := range words {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		last := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], Truncate(last, width))
	}
	return strings.Join(lines, "\n")
}
