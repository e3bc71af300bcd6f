package chart

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendMargin reserves room at the right of the data area for the
// legend, which is then drawn at the top right of the plot, outside the
// data.
type legendMargin struct{ width vg.Length }

func (legendMargin) Plot(draw.Canvas, *plot.Plot) {}

func (l legendMargin) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	return []plot.GlyphBox{{X: 1, Y: 1, Rectangle: vg.Rectangle{Max: vg.Point{X: l.width}}}}
}

// legendOutside places p's legend at the top right, outside the data
// area, and reserves its width for names.
func legendOutside(p *plot.Plot, names []string) {
	var w vg.Length
	for _, n := range names {
		w = max(w, p.Legend.TextStyle.Width(n))
	}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.Padding = vg.Points(3)
	p.Legend.XOffs = 0
	p.Add(legendMargin{width: w + p.Legend.ThumbnailWidth + vg.Points(22)})
}

// swatch is a legend thumbnail: a filled box.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(s.c, c.ClipPolygonY(pts))
}

// lineThumb is a legend thumbnail: a thick line over an optional band.
type lineThumb struct {
	line draw.LineStyle
	band color.Color
}

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	if t.band != nil {
		h := (c.Max.Y - c.Min.Y) / 3
		y := (c.Min.Y + c.Max.Y) / 2
		c.FillPolygon(t.band, []vg.Point{
			{X: c.Min.X, Y: y - h}, {X: c.Min.X, Y: y + h}, {X: c.Max.X, Y: y + h}, {X: c.Max.X, Y: y - h},
		})
	}
	y := c.Center().Y
	c.StrokeLine2(t.line, c.Min.X, y, c.Max.X, y)
}
