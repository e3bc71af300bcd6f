// Package styles holds the one Styles value every screen and chart of the
// workbench draws with. A Styles is built from a lipgloss renderer, so it
// follows that terminal's colour profile (true colour, 256, 16 or none) and
// background (light or dark); NO_COLOR and CLICOLOR=0 give a profile without
// colour, and then every style renders text with no escape sequences at all.
//
// Components must never rely on colour alone to convey state: selection,
// drop-off and shading all have a glyph form (see the chart packages), so the
// ANSI-stripped view reads the same as the coloured one.
package styles

import (
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles is the shared set of lipgloss styles. Fields are plain values so a
// screen may copy and adjust one without affecting others.
type Styles struct {
	// Plain is true when no escape sequences are emitted at all: the renderer
	// has the Ascii profile (NO_COLOR, not a terminal) or Plain() built it.
	// Charts switch to density characters for shading when Plain is set.
	Plain bool
	// Dark reports whether the adaptive colours resolved for a dark background.
	Dark bool

	Renderer *lipgloss.Renderer

	Base     lipgloss.Style // ordinary text
	Title    lipgloss.Style // screen and panel titles
	Header   lipgloss.Style // column headers, step titles
	Label    lipgloss.Style // row labels, node labels
	Value    lipgloss.Style // numbers
	Muted    lipgloss.Style // secondary text: notes, scroll hints, legends
	Caption  lipgloss.Style // the caption line describing the selection
	Selected lipgloss.Style // the selected row, cell, bar, node or band
	Cursor   lipgloss.Style // the selection marker glyph
	Error    lipgloss.Style // messages the user must act on
	Border   lipgloss.Style // panel borders

	Bar          lipgloss.Style // solid bar segment
	BarRemainder lipgloss.Style // lighter remainder segment (e.g. funnel drop-off)
	Spark        lipgloss.Style // sparkline glyphs

	Node      lipgloss.Style // Sankey node of an ordinary step value
	NodeOther lipgloss.Style // Sankey "other" bucket node
	NodeDrop  lipgloss.Style // Sankey drop-off node
	Band      lipgloss.Style // Sankey band not related to the selection
	BandLit   lipgloss.Style // Sankey band touching the selected node
	BandDrop  lipgloss.Style // Sankey band into a drop-off node

	// Ramp is the sequential colour scale for heat maps, lowest first.
	// Empty when Plain.
	Ramp []lipgloss.Style
	// Palette colours categorical series (Sankey bands by source node).
	// Empty when Plain.
	Palette []lipgloss.Style
}

// Default builds Styles for standard output, honouring NO_COLOR, CLICOLOR and
// the terminal's detected colour profile and background.
func Default() *Styles {
	return New(lipgloss.NewRenderer(os.Stdout))
}

// ForWriter builds Styles for a renderer writing to w (a program output or a
// test buffer). A writer that is not a terminal gets the Ascii profile.
func ForWriter(w io.Writer) *Styles {
	return New(lipgloss.NewRenderer(w))
}

// Plain builds Styles that emit no escape sequences regardless of the
// environment; tests use it for deterministic golden output.
func Plain() *Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return New(r)
}

// New builds Styles bound to renderer r. A nil r means the default renderer.
func New(r *lipgloss.Renderer) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	plain := r.ColorProfile() == termenv.Ascii
	s := &Styles{Plain: plain, Dark: r.HasDarkBackground(), Renderer: r}
	ns := r.NewStyle
	if plain {
		// Every style stays empty: lipgloss emits nothing for the Ascii
		// profile anyway, and empty styles keep rendering cheap.
		for _, p := range []*lipgloss.Style{&s.Base, &s.Title, &s.Header, &s.Label,
			&s.Value, &s.Muted, &s.Caption, &s.Selected, &s.Cursor, &s.Error, &s.Border,
			&s.Bar, &s.BarRemainder, &s.Spark, &s.Node, &s.NodeOther, &s.NodeDrop,
			&s.Band, &s.BandLit, &s.BandDrop} {
			*p = ns()
		}
		return s
	}

	fg := lipgloss.AdaptiveColor{Light: "#1F2328", Dark: "#E6EDF3"}
	muted := lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"}
	accent := lipgloss.AdaptiveColor{Light: "#0969DA", Dark: "#58A6FF"}
	accentSoft := lipgloss.AdaptiveColor{Light: "#B6D7FF", Dark: "#1F3B63"}
	selBg := lipgloss.AdaptiveColor{Light: "#FFD33D", Dark: "#E3B341"}
	selFg := lipgloss.AdaptiveColor{Light: "#1F2328", Dark: "#0D1117"}
	danger := lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}
	other := lipgloss.AdaptiveColor{Light: "#8250DF", Dark: "#BC8CFF"}

	s.Base = ns().Foreground(fg)
	s.Title = ns().Foreground(accent).Bold(true)
	s.Header = ns().Foreground(muted).Bold(true)
	s.Label = ns().Foreground(fg)
	s.Value = ns().Foreground(fg)
	s.Muted = ns().Foreground(muted)
	s.Caption = ns().Foreground(fg).Italic(true)
	s.Selected = ns().Foreground(selFg).Background(selBg).Bold(true)
	s.Cursor = ns().Foreground(selBg).Bold(true)
	s.Error = ns().Foreground(danger).Bold(true)
	s.Border = ns().Foreground(muted)
	s.Bar = ns().Foreground(accent)
	s.BarRemainder = ns().Foreground(accentSoft)
	s.Spark = ns().Foreground(accent)
	s.Node = ns().Foreground(accent).Bold(true)
	s.NodeOther = ns().Foreground(other)
	s.NodeDrop = ns().Foreground(danger).Faint(true)
	s.Band = ns().Foreground(accentSoft)
	s.BandLit = ns().Foreground(accent)
	s.BandDrop = ns().Foreground(danger).Faint(true)

	// A sequential blue ramp (light to dark on light backgrounds, dark to
	// bright on dark ones) so larger values always stand out.
	light := []string{"#DDF4FF", "#B6E3FF", "#80CCFF", "#54AEFF", "#218BFF", "#0969DA", "#0550AE", "#033D8B"}
	dark := []string{"#0C2D6B", "#0A3069", "#0550AE", "#0969DA", "#218BFF", "#54AEFF", "#80CCFF", "#B6E3FF"}
	for i := range light {
		s.Ramp = append(s.Ramp, ns().Foreground(lipgloss.AdaptiveColor{Light: light[i], Dark: dark[i]}))
	}
	for _, c := range []lipgloss.AdaptiveColor{
		{Light: "#0969DA", Dark: "#58A6FF"}, {Light: "#1A7F37", Dark: "#3FB950"},
		{Light: "#9A6700", Dark: "#D29922"}, {Light: "#8250DF", Dark: "#BC8CFF"},
		{Light: "#BF3989", Dark: "#DB61A2"}, {Light: "#1B7C83", Dark: "#39C5CF"},
	} {
		s.Palette = append(s.Palette, ns().Foreground(c))
	}
	return s
}

// RampAt returns the ramp style for an intensity t in [0, 1] (clamped; NaN
// gives the lowest step). With no ramp (Plain) it returns the Base style.
func (s *Styles) RampAt(t float64) lipgloss.Style {
	if len(s.Ramp) == 0 {
		return s.Base
	}
	if !(t > 0) {
		return s.Ramp[0]
	}
	if t >= 1 {
		return s.Ramp[len(s.Ramp)-1]
	}
	return s.Ramp[int(t*float64(len(s.Ramp)))]
}

// PaletteAt returns the i-th categorical colour (cycling); the Band style
// when Plain.
func (s *Styles) PaletteAt(i int) lipgloss.Style {
	if len(s.Palette) == 0 {
		return s.Band
	}
	if i < 0 {
		i = -i
	}
	return s.Palette[i%len(s.Palette)]
}

// Render applies st to text unless the styles are Plain, in which case text
// is returned unchanged (no escape sequences, and no lipgloss work).
func (s *Styles) Render(st lipgloss.Style, text string) string {
	if s.Plain || text == "" {
		return text
	}
	return st.Render(text)
}
