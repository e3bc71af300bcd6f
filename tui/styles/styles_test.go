package styles_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/journeyworkbench/workbench/tui/styles"
)

// terminal returns styles for a renderer that looks like a true-colour
// terminal, with NO_COLOR/CLICOLOR read from the process environment.
func terminal() *styles.Styles {
	out := termenv.NewOutput(&bytes.Buffer{}, termenv.WithTTY(true), termenv.WithEnvironment(env{}))
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetOutput(out)
	r.SetHasDarkBackground(false)
	return styles.New(r)
}

type env struct{}

func (env) Environ() []string { return nil }
func (env) Getenv(k string) string {
	if k == "COLORTERM" {
		return "truecolor"
	}
	return os.Getenv(k)
}

func TestColourFollowsTerminalAndNoColor(t *testing.T) {
	t.Setenv("CLICOLOR", "")
	t.Setenv("NO_COLOR", "")
	s := terminal()
	if s.Plain || len(s.Ramp) == 0 {
		t.Fatal("a true-colour terminal gave plain styles")
	}
	if out := s.Render(s.Bar, "███"); !strings.Contains(out, "\x1b[38;2;") {
		t.Fatalf("no true-colour sequence: %q", out)
	}
	t.Setenv("NO_COLOR", "1")
	s = terminal()
	if !s.Plain {
		t.Fatal("NO_COLOR did not give plain styles")
	}
	for _, st := range []lipgloss.Style{s.Bar, s.Selected, s.Title, s.RampAt(0.9), s.PaletteAt(3)} {
		if out := st.Render("x"); out != "x" {
			t.Fatalf("NO_COLOR render = %q", out)
		}
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("CLICOLOR", "0")
	if !terminal().Plain {
		t.Fatal("CLICOLOR=0 did not give plain styles")
	}
}

func TestAdaptiveColoursFollowBackground(t *testing.T) {
	mk := func(dark bool) string {
		r := lipgloss.NewRenderer(&bytes.Buffer{})
		r.SetColorProfile(termenv.TrueColor)
		r.SetHasDarkBackground(dark)
		s := styles.New(r)
		if s.Dark != dark {
			t.Fatalf("Dark = %v, want %v", s.Dark, dark)
		}
		return s.Base.Render("x")
	}
	if mk(true) == mk(false) {
		t.Fatal("light and dark backgrounds render the same colour")
	}
}

func TestProfilesDegrade(t *testing.T) {
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.ANSI)
	s := styles.New(r)
	out := s.Bar.Render("x")
	if strings.Contains(out, "38;2;") || strings.Contains(out, "38;5;") || !strings.Contains(out, "\x1b[") {
		t.Fatalf("16-colour profile rendered %q", out)
	}
}

func TestPlainAndHelpers(t *testing.T) {
	s := styles.Plain()
	if !s.Plain || len(s.Ramp) != 0 {
		t.Fatal("Plain() is not plain")
	}
	if got := s.Render(s.Selected, "sel"); got != "sel" {
		t.Fatalf("plain render = %q", got)
	}
	c := styles.New(func() *lipgloss.Renderer {
		r := lipgloss.NewRenderer(&bytes.Buffer{})
		r.SetColorProfile(termenv.TrueColor)
		return r
	}())
	lo, hi := c.RampAt(0).Render("x"), c.RampAt(1).Render("x")
	if lo == hi {
		t.Fatal("ramp ends render alike")
	}
	if c.RampAt(-1).Render("x") != lo || c.RampAt(2).Render("x") != hi {
		t.Fatal("ramp not clamped")
	}
	if c.PaletteAt(0).Render("x") != c.PaletteAt(len(c.Palette)).Render("x") {
		t.Fatal("palette does not cycle")
	}
}
