package chart

import (
	"image/color"
	"strings"
)

// The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008):
// eight colours that stay distinct under the common forms of colour
// blindness.
var (
	OkabeBlack         = color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
	OkabeOrange        = color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xff}
	OkabeSkyBlue       = color.RGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xff}
	OkabeBluishGreen   = color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xff}
	OkabeYellow        = color.RGBA{R: 0xF0, G: 0xE4, B: 0x42, A: 0xff}
	OkabeBlue          = color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xff}
	OkabeVermillion    = color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xff}
	OkabeReddishPurple = color.RGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xff}

	// OtherColor marks merged "other" categories; DropOffColor marks
	// drop-off (journeys that ended).
	OtherColor   = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	DropOffColor = color.RGBA{R: 0xCF, G: 0xCF, B: 0xCF, A: 0xff}
)

// Palette is the order in which series (models, methods, groups,
// policies) take their colours.
var Palette = []color.RGBA{
	OkabeBlue, OkabeOrange, OkabeBluishGreen, OkabeVermillion,
	OkabeReddishPurple, OkabeSkyBlue, OkabeYellow, OkabeBlack,
}

// SeriesColor is the colour of the i-th series (cycling through Palette).
func SeriesColor(i int) color.RGBA {
	if i < 0 {
		i = -i
	}
	return Palette[i%len(Palette)]
}

// channelColors gives every channel of the workbench its colour, the same
// in every chart.
var channelColors = map[string]color.RGBA{
	"web":         OkabeBlue,
	"app":         OkabeOrange,
	"email":       OkabeBluishGreen,
	"sms":         OkabeVermillion,
	"push":        OkabeReddishPurple,
	"call_centre": OkabeSkyBlue,
	"store":       OkabeYellow,
	"other":       OtherColor,
	"drop-off":    DropOffColor,
}

// Channels lists the channels with a fixed colour, in legend order.
func Channels() []string {
	return []string{"web", "app", "email", "sms", "push", "call_centre", "store", "other"}
}

// canonicalChannel folds case and spelling variants of a channel name
// ("Call Center", "call-centre") and the channel prefix of a
// "channel:type" step label ("email:open") to the workbench's name.
func canonicalChannel(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	if i := strings.IndexByte(s, ':'); i > 0 {
		s = s[:i]
	}
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	switch s {
	case "call_center", "callcentre", "callcenter", "call", "phone":
		return "call_centre"
	case "(other)":
		return "other"
	case "(drop_off)", "drop_off", "dropoff":
		return "drop-off"
	}
	return s
}

// ChannelColor is the fixed colour of a channel (web, app, email, sms,
// push, call_centre, store, other; "drop-off" is light grey) and whether
// the name is a known channel. Names are matched ignoring case and the
// "call center"/"call-centre" spelling variants; a "channel:type" label
// takes its channel's colour. Unknown names get OtherColor.
func ChannelColor(name string) (color.RGBA, bool) {
	c, ok := channelColors[canonicalChannel(name)]
	if !ok {
		return OtherColor, false
	}
	return c, true
}

// labelColors assigns colours to category labels: known channels keep
// their channel colour; other labels take the series palette in the order
// given (skipping the colours channels in the same set already use).
func labelColors(labels []string) map[string]color.RGBA {
	out := make(map[string]color.RGBA, len(labels))
	used := map[color.RGBA]bool{}
	var rest []string
	for _, l := range labels {
		if c, ok := ChannelColor(l); ok {
			out[l] = c
			used[c] = true
		} else {
			rest = append(rest, l)
		}
	}
	var free []color.RGBA
	for _, c := range Palette {
		if !used[c] {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		free = Palette
	}
	for i, l := range rest {
		out[l] = free[i%len(free)]
	}
	return out
}

// lighter mixes c with white: f = 0 keeps c, f = 1 gives white.
func lighter(c color.RGBA, f float64) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f + 0.5) }
	return color.RGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

// withAlpha returns c with opacity a in [0, 1] (premultiplied).
func withAlpha(c color.RGBA, a float64) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: uint8(a*255 + 0.5)}
}

// textOn returns black or white, whichever reads better on background c
// (by relative luminance).
func textOn(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	l := 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)
	if l/65535 > 0.5 {
		return inkColor
	}
	return color.White
}
