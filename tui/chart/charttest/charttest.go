// Package charttest has helpers for testing chart components: random labels
// with awkward runes, random values including NaN and infinities, the fit
// assertion and colour-forcing renderers.
package charttest

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Labels are awkward labels: empty, very long, CJK, emoji (with ZWJ and
// variation selectors), combining marks, right-to-left text, control
// characters and escape sequences.
var Labels = []string{
	"", "home", "Product page", "checkout/payment/confirmation-with-a-very-long-name",
	"購物車", "結帳完成頁面", "🛒 cart", "👩‍👩‍👧 family", "❤️ loved", "e\u0301mail",
	"שלום", "tab\there", "new\nline", "\x1b[31mred\x1b[0m", "bell\a", "ＦＵＬＬ", "x",
}

// Label returns a random label from Labels or a random mix of their runes.
func Label(r *rand.Rand) string {
	if r.IntN(3) > 0 {
		return Labels[r.IntN(len(Labels))]
	}
	var b strings.Builder
	for n := r.IntN(30); n > 0; n-- {
		l := []rune(Labels[r.IntN(len(Labels))])
		if len(l) > 0 {
			b.WriteRune(l[r.IntN(len(l))])
		}
	}
	return b.String()
}

// Value returns a random value: usually a count up to about a billion, and
// sometimes 0, negative, fractional, NaN, ±Inf or 1e300.
func Value(r *rand.Rand) float64 {
	switch r.IntN(14) {
	case 0:
		return 0
	case 1:
		return -float64(r.IntN(1000))
	case 2:
		return math.NaN()
	case 3:
		return math.Inf(1)
	case 4:
		return math.Inf(-1)
	case 5:
		return 1e300
	case 6:
		return r.Float64()
	}
	return math.Floor(math.Pow(10, r.Float64()*9))
}

// Fit fails the test when view does not fit in w×h (more lines than h or a
// line wider than w cells).
func Fit(t testing.TB, view string, w, h int, context string) {
	t.Helper()
	if err := chart.CheckFit(view, w, h); err != nil {
		t.Fatalf("%s (%d×%d): %v\n%s", context, w, h, err, ansi.Strip(view))
	}
}

// Colour returns styles that emit true-colour escape sequences whatever the
// environment says (to check that colour is produced at all).
func Colour() *styles.Styles {
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	return styles.New(r)
}

// EnvStyles returns styles for a renderer that looks like a true-colour
// terminal, except that the environment (NO_COLOR, CLICOLOR) is honoured.
func EnvStyles() *styles.Styles {
	out := termenv.NewOutput(&bytes.Buffer{}, termenv.WithTTY(true),
		termenv.WithEnvironment(envFunc{}))
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetOutput(out)
	r.SetHasDarkBackground(true)
	return styles.New(r)
}

type envFunc struct{}

func (envFunc) Environ() []string { return nil }
func (envFunc) Getenv(k string) string {
	if k == "COLORTERM" {
		return "truecolor"
	}
	return os.Getenv(k)
}

// Key returns the key message for a key name as bubbletea prints it
// ("up", "down", "left", "right", "enter", "pgup", "pgdown", "home", "end",
// "tab", "esc") or for literal runes ("j", "G").
func Key(s string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"enter": tea.KeyEnter, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "tab": tea.KeyTab, "esc": tea.KeyEsc,
	}
	if t, ok := named[s]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}
